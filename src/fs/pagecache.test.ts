import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysMem } from '../mm/phys.js';
import { AddressSpace, addReclaimer } from '../mm/aspace.js';
import { ACC_R, ACC_W } from '../mm/mmu.js';
import { PROT_READ, PROT_WRITE, MAP_SHARED, MAP_PRIVATE, MAP_FIXED } from '../abi/linux/mman.js';
import { PTE_W } from '../mm/pagetable.js';
import { O_RDWR, O_RDONLY } from '../abi/linux/fcntl.js';
import { S_IFREG } from '../abi/linux/stat.js';
import { TmpfsSb, TmpInode } from './tmpfs/tmpfs.js';
import { InodeFile } from './vfs/file.js';
import type { Path } from './vfs/mount.js';
import { ROOT_CRED } from './vfs/inode.js';
import { PageCache, CacheBacking, shmemBacking, reclaimPageCache } from './pagecache.js';

const PG = 4096;
const RW = PROT_READ | PROT_WRITE;

function setup(pages = 3, memBytes = 1 << 20) {
  const mem = new PhysMem(memBytes);
  const sb = new TmpfsSb();
  const ino = sb.root.create('f', S_IFREG | 0o644, ROOT_CRED) as TmpInode;
  const file = new InodeFile(O_RDWR, null as unknown as Path, ino).get();
  const data = new Uint8Array(pages * PG);
  for (let i = 0; i < data.length; i++) data[i] = 97 + (i % 26);
  assert.equal(file.pwrite(data, 0), data.length);
  const backing = (shared: boolean, f = file) =>
    new CacheBacking(PageCache.of(ino, mem), f, shared && f.writable, '/f', ino.sb.dev, ino.ino);
  return { mem, ino, file, backing };
}

function poke(as: AddressSpace, va: number, s: string): void {
  for (let i = 0; i < s.length; i++) { const pa = as.translate(va + i, ACC_W); assert.ok(pa >= 0); as.mem.u8[pa] = s.charCodeAt(i); }
}
function peek(as: AddressSpace, va: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) { const pa = as.translate(va + i, ACC_R); assert.ok(pa >= 0); s += String.fromCharCode(as.mem.u8[pa]); }
  return s;
}
function pread(f: InodeFile, pos: number, n: number): string {
  const b = new Uint8Array(n);
  const r = f.pread(b, pos);
  return Buffer.from(b.subarray(0, Math.max(0, r))).toString('latin1');
}

test('pagecache: shared mappings, read(2) and write(2) see one copy', () => {
  const { mem, ino, file, backing } = setup();
  const a = new AddressSpace(mem), b = new AddressSpace(mem);
  const va = a.mmap(0x100000, 3 * PG, RW, MAP_SHARED | MAP_FIXED, backing(true), 0);
  const vb = b.mmap(0x200000, 2 * PG, RW, MAP_SHARED | MAP_FIXED, backing(true), 1);
  poke(a, va + PG + 5, 'HELLO');
  assert.equal(peek(b, vb + 5, 5), 'HELLO');          // b maps from page 1
  assert.equal(pread(file, PG + 5, 5), 'HELLO');        // read(2) sees it before writeback
  assert.equal(file.pwrite(Buffer.from('xyz'), 2 * PG), 3);
  assert.equal(peek(a, va + 2 * PG, 3), 'xyz');
  assert.equal(peek(b, vb + PG, 3), 'xyz');
  // The backing store (tmpfs data) gets the mapping's bytes on msync and on the last munmap.
  assert.notEqual(Buffer.from(ino.data!.subarray(PG + 5, PG + 10)).toString(), 'HELLO');
  assert.equal(a.vmas[0].file!.sync!(), 0);
  assert.equal(Buffer.from(ino.data!.subarray(PG + 5, PG + 10)).toString(), 'HELLO');
  poke(b, vb, 'BYE');
  b.unmap(vb, 2 * PG);
  assert.equal(Buffer.from(ino.data!.subarray(PG, PG + 3)).toString(), 'BYE');
  a.destroy();
  assert.equal(ino.pageCache!.dirty.size, 0);
});

test('pagecache: MAP_PRIVATE copies on write, sees the file until then', () => {
  const { mem, file, backing } = setup();
  const a = new AddressSpace(mem);
  const va = a.mmap(0x100000, 3 * PG, RW, MAP_PRIVATE | MAP_FIXED, backing(false), 0);
  assert.equal(peek(a, va, 3), 'abc');
  file.pwrite(Buffer.from('NEW'), 0);
  assert.equal(peek(a, va, 3), 'NEW');                 // still the cache frame
  poke(a, va, 'P');
  assert.equal(pread(file, 0, 3), 'NEW');
  assert.equal(peek(a, va, 3), 'PEW');
  a.destroy();
});

test('pagecache: truncate zaps mappings, then faults beyond EOF report SIGBUS', () => {
  const { mem, ino, file, backing } = setup();
  const a = new AddressSpace(mem);
  const va = a.mmap(0x100000, 3 * PG, RW, MAP_SHARED | MAP_FIXED, backing(true), 0);
  poke(a, va + 2 * PG, 'Z'); poke(a, va + PG + 200, 'Y');
  assert.equal(ino.truncate(PG + 100), 0);
  assert.equal(a.pt.get((va + 2 * PG) / PG), 0);      // unmapped
  assert.equal(a.fault(va + 2 * PG, ACC_R), false);
  assert.equal(a.faultSigbus, true);
  assert.equal(a.fault(va + PG, ACC_R), true);
  assert.equal(a.faultSigbus, false);
  assert.equal(peek(a, va + PG + 200, 1), '\0');      // the partial page's tail is zeroed
  assert.equal(ino.truncate(3 * PG), 0);
  assert.equal(peek(a, va + 2 * PG, 1), '\0');
  assert.equal(pread(file, 2 * PG, 1), '\0');
  a.destroy();
});

test('pagecache: writes past EOF in the last page stay out of the file', () => {
  const { mem, ino, file, backing } = setup(1);
  ino.truncate(100);
  const a = new AddressSpace(mem);
  const va = a.mmap(0x100000, PG, RW, MAP_SHARED | MAP_FIXED, backing(true), 0);
  poke(a, va + 50, 'E'); poke(a, va + 200, 'X');
  a.vmas[0].file!.sync!();
  assert.equal(ino.size, 100);
  assert.equal(pread(file, 0, PG).length, 100);
  assert.equal(pread(file, 50, 1), 'E');
  a.destroy();
});

test('pagecache: mprotect refuses PROT_WRITE on a shared mapping of a read-only file', () => {
  const { mem, ino, backing } = setup();
  const ro = new InodeFile(O_RDONLY, null as unknown as Path, ino).get();
  const a = new AddressSpace(mem);
  const va = a.mmap(0x100000, PG, PROT_READ, MAP_SHARED | MAP_FIXED, backing(true, ro), 0);
  assert.ok(a.mprotect(va, PG, RW) < 0);
  const vp = a.mmap(0x200000, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, backing(false, ro), 0);
  assert.equal(a.mprotect(vp, PG, RW), 0);
  a.destroy();
});

test('pagecache: fork shares MAP_SHARED anonymous pages first touched after fork', () => {
  const mem = new PhysMem(1 << 20);
  const a = new AddressSpace(mem);
  const va = a.mmap(0x100000, 2 * PG, RW, MAP_SHARED | MAP_FIXED | 0x20, shmemBacking(mem, 2 * PG), 0);
  const c = a.fork();
  poke(c, va + PG, 'kid');
  assert.equal(peek(a, va + PG, 3), 'kid');
  const free0 = mem.freeFrames;
  c.destroy();
  assert.equal(peek(a, va + PG, 3), 'kid');
  a.destroy();
  assert.equal(mem.freeFrames, free0 + 1);             // the cache's frames went with the last mapping
});

test('pagecache: split VMAs keep the file open; the last munmap writes back and releases it', () => {
  const { mem, ino, file, backing } = setup(4);
  const a = new AddressSpace(mem);
  const va = a.mmap(0x100000, 4 * PG, RW, MAP_SHARED | MAP_FIXED, backing(true), 0);
  const refs = file.refs;
  a.unmap(va + PG, PG);                                 // split into two VMAs
  assert.equal(a.vmas.length, 2);
  assert.equal(file.refs, refs);
  poke(a, va + 3 * PG, 'Q');
  a.mprotect(va, PG, PROT_READ);
  a.unmap(va, 4 * PG);
  assert.equal(file.refs, refs - 1);
  assert.equal(ino.data![3 * PG], 'Q'.charCodeAt(0));
  assert.equal(ino.pageCache!.maps.size, 0);
});

test('pagecache: reclaim drops clean unmapped pages first, before other reclaimers', () => {
  const { mem, ino, backing } = setup(8, 64 * 1024);   // 16 frames
  const a = new AddressSpace(mem);
  const va = a.mmap(0x100000, 8 * PG, RW, MAP_PRIVATE | MAP_FIXED, backing(false), 0);
  for (let i = 0; i < 8; i++) peek(a, va + i * PG, 1);
  a.unmap(va, 8 * PG);
  assert.equal(ino.pageCache!.size, 8);
  let oomCalls = 0;
  addReclaimer(mem, () => { oomCalls++; return false; });
  const got: number[] = [];
  for (;;) { const f = mem.alloc(); if (f < 0) break; got.push(f); }
  assert.equal(ino.pageCache, null);                   // emptied and detached
  assert.ok(oomCalls >= 1);
  assert.equal(reclaimPageCache(mem), 0);
  for (const f of got) mem.put(f);
});

test('pagecache: backing names the file for /proc/PID/maps', () => {
  const { ino, backing } = setup(1);
  const b = backing(true);
  assert.equal(b.name, '/f');
  assert.equal(b.dev, ino.sb.dev);
  assert.equal(b.ino, ino.ino);
});

test('pagecache: a wholly cached fault-around window widens, up to 2 MiB; a partly cached one stays 64 KiB', () => {
  const { mem, backing } = setup(600, 8 << 20);
  const warm = new AddressSpace(mem);
  // Bring every page of a 600-page file into the cache but page 530.
  const vw = warm.mmap(0x400000, 600 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, backing(false), 0);
  for (let p = 0; p < 600; p++) if (p !== 530) peek(warm, vw + p * PG, 1);
  const a = new AddressSpace(mem);
  const va = a.mmap(0x800000, 600 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, backing(false), 0);
  const mapped = (lo: number, hi: number): number => {
    let n = 0;
    for (let p = lo; p < hi; p++) if (a.pt.get((va + p * PG) / PG) !== 0) n++;
    return n;
  };
  assert.ok(a.fault(va + 5 * PG, ACC_R));
  assert.equal(mapped(0, 512), 512, 'the first 512 pages are cached: one fault maps them all');
  assert.equal(mapped(512, 600), 0, 'not beyond the 2 MiB window');
  assert.ok(a.fault(va + 520 * PG, ACC_R));
  // The 64 KiB window around page 520 is cached, the 128 KiB one holds page 530, which is
  // not: the widening stops there, with the cached pages of that window mapped.
  assert.equal(mapped(512, 544), 31);
  assert.equal(mapped(544, 600), 0);
  assert.equal(a.rss, 512 + 31);
  a.destroy(); warm.destroy();
});

test('pagecache: fault-around maps resident neighbours of a private mapping read-only; a write still copies', () => {
  const { mem, file, backing } = setup(20);
  const a = new AddressSpace(mem), b = new AddressSpace(mem);
  // b brings pages 0, 2 and 17 into the cache.
  const vb = b.mmap(0x200000, 20 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, backing(false), 0);
  for (const p of [0, 2, 17]) assert.equal(peek(b, vb + p * PG, 1), String.fromCharCode(97 + ((p * PG) % 26)));
  const va = a.mmap(0x100000, 20 * PG, RW, MAP_PRIVATE | MAP_FIXED, backing(false), 0);
  assert.ok(a.fault(va + PG, ACC_R));                           // page 1: read in, 0 and 2 mapped around it
  const pte = (p: number) => a.pt.get((va + p * PG) / PG);
  assert.notEqual(pte(0), 0);
  assert.notEqual(pte(2), 0);
  assert.equal(pte(3), 0, 'pages not in the cache stay unmapped');
  assert.equal(pte(17), 0, 'outside the 64 KiB window');
  assert.equal(pte(0) & PTE_W, 0, 'mapped read-only');
  assert.equal(a.rss, 3);
  poke(a, va + 2 * PG, 'Q');                                    // copy-on-write: the cache is untouched
  assert.equal(peek(b, vb + 2 * PG, 1), String.fromCharCode(97 + ((2 * PG) % 26)));
  assert.equal(pread(file, 2 * PG, 1), String.fromCharCode(97 + ((2 * PG) % 26)));
  assert.equal(peek(a, va + 2 * PG, 1), 'Q');
  a.destroy(); b.destroy();
});
