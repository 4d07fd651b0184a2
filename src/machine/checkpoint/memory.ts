// The "mem" section: guest physical memory. Only frames in use are stored, at their own
// frame numbers (page tables and page caches name frames), with every frame's refcount
// and the free-frame stack in its order, so allocation after restore picks the same
// frames as the original machine would have.
//   u32 nframes  u32 nfree  u32 nused  i32 refs[nframes]  i32 free[nfree]  i32 used[nused]
//   then 4096 bytes per used frame
import { PhysMem, PAGE_SIZE } from '../../mm/phys.js';
import { CkptError } from './graph.js';

interface MemInternals { free: Int32Array; nfree: number; }

export function saveMemory(mem: PhysMem): Buffer {
  const inner = mem as unknown as MemInternals;
  const used: number[] = [];
  for (let f = 1; f < mem.nframes; f++) if (mem.refs[f] > 0) used.push(f);
  const head = 12 + 4 * (mem.nframes + inner.nfree + used.length);
  const out = Buffer.alloc(head + used.length * PAGE_SIZE);
  out.writeUInt32LE(mem.nframes, 0);
  out.writeUInt32LE(inner.nfree, 4);
  out.writeUInt32LE(used.length, 8);
  let o = 12;
  const put = (a: ArrayLike<number>, n: number): void => { for (let i = 0; i < n; i++, o += 4) out.writeInt32LE(a[i], o); };
  put(mem.refs, mem.nframes);
  put(inner.free, inner.nfree);
  put(used, used.length);
  for (const f of used) { out.set(mem.u8.subarray(f * PAGE_SIZE, (f + 1) * PAGE_SIZE), o); o += PAGE_SIZE; }
  return out;
}

export function loadMemory(mem: PhysMem, b: Buffer): void {
  const bad = (why: string): never => { throw new CkptError(`corrupt checkpoint (memory: ${why})`); };
  if (b.length < 12) bad('short');
  const nframes = b.readUInt32LE(0), nfree = b.readUInt32LE(4), nused = b.readUInt32LE(8);
  if (nframes !== mem.nframes) bad(`${nframes} frames saved, ${mem.nframes} here`);
  if (nfree > nframes || nused > nframes || b.length !== 12 + 4 * (nframes + nfree + nused) + nused * PAGE_SIZE) bad('sizes');
  const inner = mem as unknown as MemInternals;
  let o = 12;
  for (let i = 0; i < nframes; i++, o += 4) mem.refs[i] = b.readInt32LE(o);
  for (let i = 0; i < nfree; i++, o += 4) inner.free[i] = b.readInt32LE(o);
  inner.nfree = nfree;
  const used: number[] = [];
  for (let i = 0; i < nused; i++, o += 4) used.push(b.readInt32LE(o));
  mem.u8.fill(0);
  for (const f of used) {
    if (f <= 0 || f >= nframes) bad('frame number');
    mem.u8.set(b.subarray(o, o + PAGE_SIZE), f * PAGE_SIZE);
    mem.written(f);
    o += PAGE_SIZE;
  }
  mem.dropAllCode();
}
