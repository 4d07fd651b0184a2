// UML's copy-on-write files, byte-compatible with arch/um/drivers/cow_user.c.
//
// Version 3 (what UML and uml_mkcow write), big-endian, packed:
//   0 magic 0x4F4F4F4D | 4 version 3 | 8 mtime (u32) | 12 size (u64) | 20 sectorsize 512
//   24 alignment 4096 | 28 cow_format 0 | 32 backing file path, 4096 bytes
// The bitmap starts at ROUND_UP(sizeof header = 4128, alignment) = 8192, one bit per
// sector, least significant bit first; the data starts at the next alignment boundary
// after the bitmap, and sector s of the device lives at data_offset + s * sectorsize.
// Older headers are read too: version 1 (host-endian magic, 256-byte path, packed) and
// version 2 (big-endian, 4096-byte path, natural alignment), and the unpacked
// "version 3b" layout of 64-bit UMLs (detected as UML does: byte 32 is zero).
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import type { BlockBackend } from './blkdev.js';
import { punchHole } from './punch.js';

export const COW_MAGIC = 0x4f4f4f4d;
const PATH_LEN_V1 = 256;
const PATH_LEN_V3 = 4096;
const V3_HEADER = 32 + PATH_LEN_V3; // 4128

export interface CowHeader {
  version: number;
  backing: string;
  mtime: number;
  size: number;
  sectorSize: number;
  alignment: number;
  bitmapOffset: number;
  bitmapLen: number;
  dataOffset: number;
}

const roundUp = (x: number, a: number): number => Math.ceil(x / a) * a;

function cstr(b: Uint8Array, off: number, max: number): string {
  let e = off;
  while (e < off + max && e < b.length && b[e] !== 0) e++;
  return Buffer.from(b.subarray(off, e)).toString('utf8');
}

/** Sizes as cow_sizes() computes them. */
function cowSizes(version: number, size: number, sectorSize: number, align: number, bitmapOffset: number): [number, number] {
  if (version < 3) {
    const bitmapLen = Math.floor((size + sectorSize - 1) / (8 * sectorSize));
    const data = roundUp(bitmapOffset + bitmapLen, sectorSize);
    return [bitmapLen, data];
  }
  const bitmapLen = Math.ceil(Math.ceil(size / sectorSize) / 8);
  return [bitmapLen, roundUp(bitmapOffset + bitmapLen, align)];
}

/** Parse a COW header; null when the bytes are not a COW file. */
export function parseCowHeader(h: Uint8Array): CowHeader | null {
  if (h.length < 8) return null;
  const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  let be: boolean;
  if (dv.getUint32(0, false) === COW_MAGIC) be = true;
  else if (dv.getUint32(0, true) === COW_MAGIC) be = false;
  else return null;
  const version = dv.getUint32(4, !be);
  if (version === 1) {
    // struct cow_header_v1 (packed, host-endian): path[256], time_t mtime, u64 size, s32 sectorsize
    if (h.length < 8 + PATH_LEN_V1 + 20) return null;
    const backing = cstr(h, 8, PATH_LEN_V1);
    const mtime = dv.getUint32(8 + PATH_LEN_V1, !be);
    const size = Number(dv.getBigUint64(8 + PATH_LEN_V1 + 8, !be));
    const sectorSize = dv.getInt32(8 + PATH_LEN_V1 + 16, !be);
    const bitmapOffset = 8 + PATH_LEN_V1 + 20;
    const [bitmapLen, dataOffset] = cowSizes(1, size, sectorSize, 0, bitmapOffset);
    return { version, backing, mtime, size, sectorSize, alignment: 0, bitmapOffset, bitmapLen, dataOffset };
  }
  if (version === 2) {
    // struct cow_header_v2 (big-endian, natural layout): path[4096], time_t mtime, u64 size, s32 sectorsize
    if (h.length < 4128) return null;
    const backing = cstr(h, 8, PATH_LEN_V3);
    const mtime = dv.getUint32(4104, false);
    const size = Number(dv.getBigUint64(4112, false));
    const sectorSize = dv.getInt32(4120, false);
    const bitmapOffset = 4128;
    const [bitmapLen, dataOffset] = cowSizes(2, size, sectorSize, 0, bitmapOffset);
    return { version, backing, mtime, size, sectorSize, alignment: 0, bitmapOffset, bitmapLen, dataOffset };
  }
  if (version === 3) {
    if (h.length < V3_HEADER) return null;
    let mtime: number, size: number, sectorSize: number, alignment: number, backing: string;
    if (h[32] !== 0) {
      mtime = dv.getUint32(8, false);
      size = Number(dv.getBigUint64(12, false));
      sectorSize = dv.getUint32(20, false);
      alignment = dv.getUint32(24, false);
      backing = cstr(h, 32, PATH_LEN_V3);
    } else {
      // cow_header_v3_b: the unpacked layout (u64 size aligned to 16).
      mtime = dv.getUint32(8, false);
      size = Number(dv.getBigUint64(16, false));
      sectorSize = dv.getUint32(24, false);
      alignment = dv.getUint32(28, false);
      backing = cstr(h, 36, PATH_LEN_V3);
    }
    if (sectorSize === 0 || alignment === 0) return null;
    const bitmapOffset = roundUp(V3_HEADER, alignment);
    const [bitmapLen, dataOffset] = cowSizes(3, size, sectorSize, alignment, bitmapOffset);
    return { version, backing, mtime, size, sectorSize, alignment, bitmapOffset, bitmapLen, dataOffset };
  }
  return null;
}

/** The version 3 header UML writes for a backing file (absolute path) of size and mtime. */
export function makeCowHeader(backing: string, mtime: number, size: number): Uint8Array {
  const h = new Uint8Array(V3_HEADER);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, COW_MAGIC, false);
  dv.setUint32(4, 3, false);
  dv.setUint32(8, mtime >>> 0, false);
  dv.setBigUint64(12, BigInt(size), false);
  dv.setUint32(20, 512, false);
  dv.setUint32(24, 4096, false);
  dv.setUint32(28, 0, false);
  const p = Buffer.from(backing, 'utf8');
  if (p.length >= PATH_LEN_V3) throw new Error(`backing file name too long: ${backing}`);
  h.set(p, 32);
  return h;
}

export class CowError extends Error {}

/** Read the first bytes of fd and parse them as a COW header. */
export function readCowHeader(fd: number): CowHeader | null {
  const h = new Uint8Array(8192);
  const n = fs.readSync(fd, h, 0, h.length, 0);
  return parseCowHeader(h.subarray(0, n));
}

/**
 * Create a COW file over backing (UML's create_cow_file/init_cow_file): the header,
 * an empty bitmap, and a sparse data area (one byte written at its very end).
 */
export function createCowFile(cowPath: string, backingPath: string): void {
  const abs = nodePath.resolve(backingPath);
  const st = fs.statSync(abs);
  const size = st.size;
  const mtime = Math.floor(st.mtimeMs / 1000);
  const h = makeCowHeader(abs, mtime, size);
  const hdr = parseCowHeader(h)!;
  const fd = fs.openSync(cowPath, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
  try {
    fs.writeSync(fd, h, 0, h.length, 0);
    fs.writeSync(fd, new Uint8Array(1), 0, 1, hdr.dataOffset + size - 1);
  } catch (e) {
    fs.closeSync(fd);
    try { fs.unlinkSync(cowPath); } catch { /* ignore */ }
    throw e;
  }
  fs.closeSync(fd);
}

/**
 * A COW file in front of a read-only backing file: sectors whose bitmap bit is set come
 * from the COW data area, the others from the backing file. Writes go to the COW file
 * and set bits; the bitmap is written back (dirty bytes only) before each fsync.
 */
export class CowBackend implements BlockBackend {
  readonly size: number;
  private readonly bitmap: Uint8Array;
  private bmDirtyLo = Infinity;
  private bmDirtyHi = -1;
  private readonly ss: number;

  constructor(
    private readonly cowFd: number,
    private readonly backingFd: number,
    readonly header: CowHeader,
    readonly readonly: boolean,
  ) {
    this.ss = header.sectorSize;
    this.size = Math.floor(header.size / 512) * 512;
    this.bitmap = new Uint8Array(header.bitmapLen);
    if (header.bitmapLen > 0) fs.readSync(cowFd, this.bitmap, 0, header.bitmapLen, header.bitmapOffset);
  }

  private bit(s: number): boolean { return (this.bitmap[s >>> 3] & (1 << (s & 7))) !== 0; }

  read(buf: Uint8Array, off: number): void {
    const ss = this.ss;
    // Runs of sectors from the same source.
    let s = Math.floor(off / ss);
    const end = off + buf.length;
    let pos = off;
    while (pos < end) {
      const inCow = this.bit(s);
      let runEnd = (s + 1) * ss;
      while (runEnd < end && this.bit(runEnd / ss) === inCow) runEnd += ss;
      runEnd = Math.min(runEnd, end);
      const dst = buf.subarray(pos - off, runEnd - off);
      if (inCow) readFull(this.cowFd, dst, this.header.dataOffset + pos);
      else {
        const n = readFull(this.backingFd, dst, pos);
        if (n < dst.length) dst.fill(0, n);
      }
      pos = runEnd;
      s = runEnd / ss;
    }
  }

  write(buf: Uint8Array, off: number): void {
    if (this.readonly) throw Object.assign(new Error('read-only'), { code: 'EROFS' });
    writeFull(this.cowFd, buf, this.header.dataOffset + off);
    this.setBits(off, buf.length);
  }

  writev(bufs: Uint8Array[], off: number): void {
    if (this.readonly) throw Object.assign(new Error('read-only'), { code: 'EROFS' });
    writevFull(this.cowFd, bufs, this.header.dataOffset + off);
    let len = 0;
    for (const b of bufs) len += b.length;
    this.setBits(off, len);
  }

  /**
   * TRIM as UML does it: the sectors' data in the COW file becomes a hole and their bits
   * are set, so they read as zeros from the COW file; the backing file is never touched.
   */
  discard(off: number, len: number): boolean {
    if (this.readonly) return false;
    if (!punchHole(this.cowFd, this.header.dataOffset + off, len)) return false;
    this.setBits(off, len);
    return true;
  }

  private setBits(off: number, len: number): void {
    const ss = this.ss;
    for (let s = Math.floor(off / ss); s * ss < off + len; s++) {
      const i = s >>> 3;
      const m = 1 << (s & 7);
      if ((this.bitmap[i] & m) === 0) {
        this.bitmap[i] |= m;
        if (i < this.bmDirtyLo) this.bmDirtyLo = i;
        if (i > this.bmDirtyHi) this.bmDirtyHi = i;
      }
    }
  }

  private writeBitmap(): void {
    if (this.bmDirtyHi < 0) return;
    const lo = this.bmDirtyLo, hi = this.bmDirtyHi + 1;
    writeFull(this.cowFd, this.bitmap.subarray(lo, hi), this.header.bitmapOffset + lo);
    this.bmDirtyLo = Infinity;
    this.bmDirtyHi = -1;
  }

  flush(): void {
    this.writeBitmap();
    if (!this.readonly) fs.fsyncSync(this.cowFd);
  }

  close(): void {
    try { this.flush(); } finally {
      fs.closeSync(this.cowFd);
      fs.closeSync(this.backingFd);
    }
  }
}

/** A plain image file. */
export class FileBackend implements BlockBackend {
  constructor(private readonly fd: number, readonly size: number, readonly readonly: boolean) {}
  read(buf: Uint8Array, off: number): void {
    const n = readFull(this.fd, buf, off);
    if (n < buf.length) buf.fill(0, n);
  }
  write(buf: Uint8Array, off: number): void { writeFull(this.fd, buf, off); }
  writev(bufs: Uint8Array[], off: number): void { writevFull(this.fd, bufs, off); }
  /** TRIM: a hole in the image file. */
  discard(off: number, len: number): boolean { return !this.readonly && punchHole(this.fd, off, len); }
  flush(): void { if (!this.readonly) fs.fsyncSync(this.fd); }
  close(): void { fs.closeSync(this.fd); }
}

function readFull(fd: number, buf: Uint8Array, pos: number): number {
  let done = 0;
  while (done < buf.length) {
    const n = fs.readSync(fd, buf, done, buf.length - done, pos + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** writev until everything is written (a short write continues with a plain write). */
function writevFull(fd: number, bufs: Uint8Array[], pos: number): void {
  let total = 0;
  for (const b of bufs) total += b.length;
  const n = fs.writevSync(fd, bufs, pos);
  if (n === total) return;
  let skip = n;
  for (const b of bufs) {
    if (skip >= b.length) { skip -= b.length; pos += b.length; continue; }
    writeFull(fd, b.subarray(skip), pos + skip);
    pos += b.length;
    skip = 0;
  }
}

function writeFull(fd: number, buf: Uint8Array, pos: number): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, pos + done);
}
