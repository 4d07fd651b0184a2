// Unit tests of the cheap-process machinery: the parsed-ELF cache, the AT_RANDOM pool,
// frame allocation and fork's copy-on-write with single-page TLB invalidation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseElfCached, cachedElf } from './elfcache.js';
import { pooledRandom } from './vclock.js';
import { PhysMem } from '../mm/phys.js';
import { AddressSpace } from '../mm/aspace.js';
import { Mmu, ACC_R, ACC_W } from '../mm/mmu.js';
import { PTE_W } from '../mm/pagetable.js';
import { PROT_READ, PROT_WRITE, MAP_PRIVATE, MAP_ANONYMOUS } from '../abi/linux/mman.js';
import { EM_RISCV, ET_EXEC, PT_LOAD } from '../abi/linux/auxv.js';

/** A minimal riscv64 ELF header with one PT_LOAD of `memsz` bytes at 0x10000. */
function elf(memsz: number): Uint8Array {
  const b = new Uint8Array(64 + 56);
  const dv = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  dv.setUint16(16, ET_EXEC, true); dv.setUint16(18, EM_RISCV, true);
  dv.setUint32(24, 0x10078, true); dv.setUint32(32, 64, true);
  dv.setUint16(54, 56, true); dv.setUint16(56, 1, true);
  dv.setUint32(64, PT_LOAD, true); dv.setUint32(68, 5, true);
  dv.setUint32(64 + 16, 0x10000, true);
  dv.setUint32(64 + 32, b.length, true); dv.setUint32(64 + 40, memsz, true);
  return b;
}

test('elfcache: a hit skips reading; a changed mtime, ctime or size parses again', () => {
  let file = elf(0x1000);
  let reads = 0;
  const pread = (buf: Uint8Array, pos: number) => { reads++; const n = Math.max(0, Math.min(buf.length, file.length - pos)); buf.set(file.subarray(pos, pos + n)); return n; };
  const stamp = { size: file.length, mtimeSec: 1, mtimeNsec: 2, ctimeSec: 3, ctimeNsec: 4 };
  assert.equal(cachedElf(stamp), null);
  const a = parseElfCached(stamp, pread, file.length)!;
  assert.equal(a.loads[0].memsz, 0x1000);
  const r0 = reads;
  assert.equal(parseElfCached(stamp, pread, file.length), a);
  assert.equal(reads, r0, 'a cache hit reads nothing');
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.loads[0]), 'shared parses are frozen');
  file = elf(0x2000);
  stamp.mtimeNsec = 5;
  assert.equal(cachedElf(stamp), null, 'mtime change invalidates');
  assert.equal(parseElfCached(stamp, pread, file.length)!.loads[0].memsz, 0x2000);
  stamp.ctimeSec = 9;
  assert.equal(cachedElf(stamp), null, 'ctime change invalidates');
  assert.equal(parseElfCached(null, pread, file.length)!.loads[0].memsz, 0x2000, 'no stamp: parsed, not cached');
  const bad = { ...stamp };
  file = new Uint8Array(120);
  assert.equal(parseElfCached(bad, pread, file.length), null);
  assert.equal(cachedElf(bad), null, 'failures are not cached');
});

test('pooledRandom: small requests come from the pool in order, large ones straight from the source', () => {
  let calls = 0;
  const made: number[] = [];
  const src = (b: Uint8Array) => { calls++; for (let i = 0; i < b.length; i++) { b[i] = (Math.random() * 255 | 0) + 1; made.push(b[i]); } };
  const r = pooledRandom(src);
  const got: number[] = [];
  for (let i = 0; i < 256; i++) { const b = new Uint8Array(16); r(b); got.push(...b); }
  assert.equal(calls, 1, '256 × 16 bytes from one 4 KiB fill');
  assert.deepEqual(got, made, 'each byte handed out once, in order');
  r(new Uint8Array(16));
  assert.equal(calls, 2);
  r(new Uint8Array(1000));
  assert.equal(calls, 3);
});

test('PhysMem.alloc zeroes a reused frame; fork copy-on-write keeps both sides apart', () => {
  const mem = new PhysMem(1 << 20);
  const f = mem.alloc();
  mem.u8.fill(0xaa, f * 4096, f * 4096 + 4096);
  mem.put(f);
  const g = mem.alloc();
  assert.equal(g, f);
  assert.ok(mem.u8.subarray(g * 4096, g * 4096 + 4096).every((x) => x === 0));
  mem.put(g);

  const as = new AddressSpace(mem);
  const m = new Mmu(mem);
  as.attach(m);
  const va = as.mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, null, 0);
  assert.ok(as.fault(va, ACC_W));
  mem.u8[m.w(va)] = 7;
  const child = as.fork();
  const cm = new Mmu(mem);
  child.attach(cm);
  assert.equal(mem.u8[m.r(va)], 7, 'read translations survive fork');
  // The parent's write TLB entry is gone: the store faults and copies.
  assert.throws(() => m.w(va));
  assert.ok(as.fault(va, ACC_W));
  mem.u8[m.w(va)] = 8;
  assert.equal(mem.u8[cm.r(va)], 7, 'the child keeps its copy');
  assert.equal(mem.u8[m.r(va)], 8, "the parent's read TLB follows the new frame");
  assert.throws(() => cm.w(va));
  assert.ok(child.fault(va, ACC_W));
  mem.u8[cm.w(va)] = 9;
  assert.equal(mem.u8[m.r(va)], 8);
  child.destroy(); as.destroy();
});

test('a write fault on an exclusive page gives write access back to its exclusive neighbours (after the fork child is gone)', () => {
  const mem = new PhysMem(1 << 20);
  const as = new AddressSpace(mem);
  const va = as.mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, null, 0);
  for (let i = 0; i < 3; i++) assert.ok(as.fault(va + i * 4096, ACC_W));
  const child = as.fork();
  const w = (i: number) => (as.pt.get(va / 4096 + i) & PTE_W) !== 0;
  assert.ok(!w(0) && !w(1) && !w(2), 'fork write-protects');
  assert.ok(child.fault(va + 4096, ACC_W), 'the child copies page 1 before it goes');
  child.destroy();
  assert.ok(as.fault(va, ACC_W));
  assert.ok(w(0) && w(2), 'pages 0 and 2 are the parent\'s alone again: writable');
  assert.ok(w(1));
  const child2 = as.fork();
  assert.ok(as.fault(va, ACC_W), 'shared with a live child: page 0 is copied');
  assert.ok(!w(1) && !w(2), 'neighbours still shared stay write-protected');
  child2.destroy(); as.destroy();
});
