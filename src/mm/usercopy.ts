// usercopy: the only door to guest memory from the kernel. Every access goes through
// the address space's page table (handling demand paging and COW like a user access);
// an unmapped or protected address throws UFAULT, which the syscall dispatcher turns
// into -EFAULT. Handlers therefore never see a bad pointer.
import { ACC_R, ACC_W } from './mmu.js';
import { PAGE_SHIFT } from './phys.js';
import type { AddressSpace } from './aspace.js';

export class UserFault { addr = 0; }
/** Copies up to this many bytes within one page go byte by byte (no views allocated). */
const SMALL = 64;
export const UFAULT = new UserFault();

/** Physical address of va for an access of `kind`, faulting pages in as needed. */
export function upa(as: AddressSpace, va: number, kind: number): number {
  const pa = as.translate(va, kind);
  if (pa < 0) { UFAULT.addr = va; throw UFAULT; }
  return pa;
}

/** Copy len bytes from guest va into dst[off..]. */
export function copyIn(as: AddressSpace, va: number, dst: Uint8Array, off: number, len: number): void {
  const u8 = as.mem.u8;
  if (len <= SMALL && (va & 4095) + len <= 4096 && len > 0) {
    // One page, a few bytes: a plain loop beats subarray() + set() (no allocation).
    const pa = upa(as, va, ACC_R);
    for (let i = 0; i < len; i++) dst[off + i] = u8[pa + i];
    return;
  }
  while (len > 0) {
    const pa = upa(as, va, ACC_R);
    const n = Math.min(len, 4096 - (pa & 4095));
    dst.set(u8.subarray(pa, pa + n), off);
    va += n; off += n; len -= n;
  }
}

/** A fresh buffer with len bytes from guest va. */
export function readBytes(as: AddressSpace, va: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  copyIn(as, va, b, 0, len);
  return b;
}

// Reused buffers for the small reads and writes of the syscall fast path (a 1-byte pipe
// read must not allocate). Views of every length are made once; a view is valid until
// the next call of the same function, so only for callees that copy the bytes at once.
export const TRANSIENT_MAX = SMALL;
const inBuf = new Uint8Array(SMALL), outBuf = new Uint8Array(SMALL);
const inViews: Uint8Array[] = [], outViews: Uint8Array[] = [];
for (let n = 0; n <= SMALL; n++) { inViews.push(inBuf.subarray(0, n)); outViews.push(outBuf.subarray(0, n)); }

/** len ≤ TRANSIENT_MAX bytes from guest va in a reused buffer (see above). */
export function readBytesTransient(as: AddressSpace, va: number, len: number): Uint8Array {
  const b = inViews[len];
  copyIn(as, va, b, 0, len);
  return b;
}

/** A reused buffer of len ≤ TRANSIENT_MAX bytes to fill and then copyOut (see above). */
export function transientBuffer(len: number): Uint8Array { return outViews[len]; }

/** Copy src[off..off+len) out to guest va. */
export function copyOut(as: AddressSpace, va: number, src: Uint8Array, off = 0, len = src.length - off): void {
  const u8 = as.mem.u8;
  if (len <= SMALL && (va & 4095) + len <= 4096 && len > 0) {
    const pa = upa(as, va, ACC_W);
    for (let i = 0; i < len; i++) u8[pa + i] = src[off + i];
    return;
  }
  while (len > 0) {
    const pa = upa(as, va, ACC_W);
    const n = Math.min(len, 4096 - (pa & 4095));
    u8.set(src.subarray(off, off + n), pa);
    va += n; off += n; len -= n;
  }
}

/** Zero len bytes at guest va. */
export function zeroOut(as: AddressSpace, va: number, len: number): void {
  const u8 = as.mem.u8;
  while (len > 0) {
    const pa = upa(as, va, ACC_W);
    const n = Math.min(len, 4096 - (pa & 4095));
    u8.fill(0, pa, pa + n);
    va += n; len -= n;
  }
}

const scratch = new Uint8Array(8);
const sdv = new DataView(scratch.buffer);

function rd(as: AddressSpace, va: number, n: number): void { copyIn(as, va, scratch, 0, n); }
function wr(as: AddressSpace, va: number, n: number): void { copyOut(as, va, scratch, 0, n); }

export function readU8(as: AddressSpace, va: number): number { rd(as, va, 1); return scratch[0]; }
export function readU16(as: AddressSpace, va: number): number { rd(as, va, 2); return sdv.getUint16(0, true); }
export function readI32(as: AddressSpace, va: number): number { rd(as, va, 4); return sdv.getInt32(0, true); }
export function readU32(as: AddressSpace, va: number): number { rd(as, va, 4); return sdv.getUint32(0, true); }
/** A 64-bit value as a number (exact below 2^53; signed). */
export function readI64(as: AddressSpace, va: number): number {
  rd(as, va, 8); return sdv.getInt32(4, true) * 4294967296 + sdv.getUint32(0, true);
}
/** A 64-bit value as its (lo, hi) int32 words into out[0], out[1]. */
export function readPair(as: AddressSpace, va: number, out: Int32Array): void {
  rd(as, va, 8); out[0] = sdv.getInt32(0, true); out[1] = sdv.getInt32(4, true);
}
/** A 64-bit value from its (lo, hi) int32 words (the inverse of readPair). */
export function writePair(as: AddressSpace, va: number, lo: number, hi: number): void {
  sdv.setInt32(0, lo | 0, true); sdv.setInt32(4, hi | 0, true); wr(as, va, 8);
}
export function writeU8(as: AddressSpace, va: number, v: number): void { scratch[0] = v; wr(as, va, 1); }
export function writeU16(as: AddressSpace, va: number, v: number): void { sdv.setUint16(0, v, true); wr(as, va, 2); }
export function writeU32(as: AddressSpace, va: number, v: number): void { sdv.setInt32(0, v | 0, true); wr(as, va, 4); }
/** Write a number (signed, exact below 2^53) as 64 bits. */
export function writeI64(as: AddressSpace, va: number, v: number): void {
  sdv.setInt32(0, (v % 4294967296) | 0, true); sdv.setInt32(4, Math.floor(v / 4294967296) | 0, true); wr(as, va, 8);
}

/** A NUL-terminated string of at most max bytes (UTF-8 decoded), or null if too long. */
export function readCString(as: AddressSpace, va: number, max = 4096): string | null {
  // A short string within one page (most paths): decoded in place, no copies.
  const u8 = as.mem.u8;
  const pa = upa(as, va, ACC_R);
  const lim = Math.min((pa | 4095) + 1, pa + SMALL + 1);
  let p = pa;
  while (p < lim && u8[p] !== 0) p++;
  if (p < lim) {
    if (p - pa > max) return null;
    let s = '';
    for (let i = pa; i < p; i++) s += String.fromCharCode(u8[i]);
    return s;
  }
  const bytes = readCBytes(as, va, max);
  return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/** The raw bytes of a NUL-terminated string (without the NUL), or null if longer than max. */
export function readCBytes(as: AddressSpace, va: number, max = 4096): Uint8Array | null {
  const u8 = as.mem.u8;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const pa = upa(as, va, ACC_R);
    const end = (pa | 4095) + 1;
    let p = pa;
    while (p < end && u8[p] !== 0) p++;
    const n = p - pa;
    if (total + n > max) return null;
    parts.push(u8.slice(pa, p));
    total += n;
    if (p < end) break;
    va += n;
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
void PAGE_SHIFT;
