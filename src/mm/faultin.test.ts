// The MMU maps a missing page in place (Mmu.faultIn) and leaves everything else, above
// all copy-on-write, to the run loop (a thrown FAULT).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysMem } from './phys.js';
import { AddressSpace } from './aspace.js';
import { Mmu, FAULT, ACC_R, ACC_W } from './mmu.js';
import { PROT_READ, PROT_WRITE, MAP_PRIVATE, MAP_ANONYMOUS } from '../abi/linux/mman.js';

const VA = 0x40000000;

/** mmu.r / mmu.w at va: the physical address, or 'fault' when it threw FAULT. */
function access(m: Mmu, va: number, write: boolean): number | 'fault' {
  try { return write ? m.w(va) : m.r(va); } catch (e) { if (e !== FAULT) throw e; return 'fault'; }
}

test('a missing page is mapped in place; a copy-on-write and an access outside any mapping still fault', () => {
  const mem = new PhysMem(1 << 20);
  const as = new AddressSpace(mem);
  const m = new Mmu(mem);
  as.attach(m);
  assert.equal(as.mmap(VA, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, null, 0), VA);
  // Demand-zero, read then write: no fault reaches the caller, each counted once.
  const p = access(m, VA + 8, false);
  assert.notEqual(p, 'fault');
  assert.equal(mem.u8[p as number], 0);
  assert.equal(m.faults, 1);
  assert.notEqual(access(m, VA + 4096, true), 'fault');
  assert.equal(m.faults, 2);
  // Outside any mapping: the run loop's (SIGSEGV).
  assert.equal(access(m, VA + 3 * 4096, false), 'fault');
  assert.equal(FAULT.kind, ACC_R);
  assert.equal(m.faults, 2);
  // After fork the page is shared read-only: the write copies it, which only the run loop does.
  const child = as.fork();
  m.flush();
  assert.notEqual(access(m, VA + 8, false), 'fault');
  assert.equal(access(m, VA + 16, true), 'fault');
  assert.equal(FAULT.kind, ACC_W);
  assert.equal(m.faults, 2);
  assert.ok(as.fault(VA + 16, ACC_W));
  assert.notEqual(access(m, VA + 16, true), 'fault');
  child.destroy();
  // Detached: nothing to resolve with.
  as.detach(m);
  assert.equal(m.space, null);
});

test('a TLB flush clears every entry filled since the last one, also past the fill log', () => {
  const mem = new PhysMem(1 << 22);
  const as = new AddressSpace(mem);
  const m = new Mmu(mem);
  as.attach(m);
  const pages = 400;   // more than the MMU's log of filled entries holds
  assert.equal(as.mmap(VA, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, null, 0), VA);
  const vpn = VA / 4096;
  const empty = (): boolean => Number.isNaN(m.rTag[vpn & 1023]) && Number.isNaN(m.wTag[(vpn + 1) & 1023]);
  for (const n of [3, pages]) {
    for (let i = 0; i < n; i++) { access(m, VA + i * 4096, false); access(m, VA + i * 4096, true); }
    assert.equal(m.rTag[vpn & 1023], vpn);
    assert.equal(m.wTag[(vpn + 1) & 1023], vpn + 1);
    m.flush();
    assert.ok(empty(), `after ${n} pages`);
    for (let d = 0; d < 1024; d++) assert.ok(Number.isNaN(m.rTag[d]) && Number.isNaN(m.wTag[d]) && m.rTag32[d] === -1 && m.wTag32[d] === -1);
  }
  // flushWrites: the write entries go, the read ones stay.
  access(m, VA, false); access(m, VA + 4096, true);
  m.flushWrites();
  assert.equal(m.rTag[vpn & 1023], vpn);
  assert.ok(Number.isNaN(m.wTag[(vpn + 1) & 1023]) && m.wTag32[(vpn + 1) & 1023] === -1);
});

test('rp/wp (page number and offset) translate as r/w do, and fault alike', () => {
  const mem = new PhysMem(1 << 20);
  const as = new AddressSpace(mem);
  const m = new Mmu(mem);
  as.attach(m);
  assert.equal(as.mmap(VA, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, null, 0), VA);
  const vpn = VA / 4096;
  const w = m.wp(vpn, 100);
  assert.equal(w, access(m, VA + 100, true));
  assert.equal(m.rp(vpn, 4095), access(m, VA + 4095, false));
  // Outside the mapping: a fault at the rebuilt address.
  assert.throws(() => m.rp(vpn + 1, 8), (e) => e === FAULT && FAULT.addr === VA + 4096 + 8);
  assert.throws(() => m.wp(vpn - 1, 0), (e) => e === FAULT && FAULT.addr === VA - 4096);
});
