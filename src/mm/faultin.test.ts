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
