// Small helpers for the inet stack: the Internet checksum, IPv4 address text, byte
// queues and the clock/timer interface the stack is driven by (the kernel's timer queue
// in a machine, a manual clock in unit tests). Pure computation: no host access.

import { V6_BASE, addr6Sum } from '../inet6/addr.js';

/** The clock and timer queue the stack uses (kernel.now() / kernel.timers in a machine). */
export interface NetTimerHandle { cancelled: boolean; }
export interface NetClock {
  now(): number;
  addTimer(at: number, fire: () => void): NetTimerHandle;
  cancelTimer(h: NetTimerHandle): void;
}

/** One's-complement sum of 16-bit words (not folded, not inverted). */
export function csumPartial(b: Uint8Array, off: number, len: number, sum = 0): number {
  let i = off;
  const end = off + len;
  for (; i + 1 < end; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i < end) sum += b[i] << 8;
  return sum;
}

export function csumFold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return (~sum) & 0xffff;
}

export function checksum(b: Uint8Array, off = 0, len = b.length - off): number {
  return csumFold(csumPartial(b, off, len));
}

/** Pseudo-header sum for TCP/UDP over IPv4. */
export function pseudoSum(src: number, dst: number, proto: number, len: number): number {
  // IPv6 (RFC 8200 8.1): 128-bit addresses and a 32-bit length.
  if (src >= V6_BASE || dst >= V6_BASE) return addr6Sum(src) + addr6Sum(dst) + (len >>> 16) + (len & 0xffff) + proto;
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + len;
}

export function ipToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export function parseIp(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 4; i++) { const x = +m[i]; if (x > 255) return null; v = v * 256 + x; }
  return v >>> 0;
}

export function prefixToMask(p: number): number { return p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0; }
export function maskToPrefix(m: number): number {
  let p = 0;
  while (p < 32 && (m & (0x80000000 >>> p)) !== 0) p++;
  return p;
}

export function macToString(m: Uint8Array): string {
  return [...m].map((x) => x.toString(16).padStart(2, '0')).join(':');
}
export function parseMac(s: string): Uint8Array | null {
  const p = s.split(':');
  if (p.length !== 6 || p.some((x) => !/^[0-9a-fA-F]{1,2}$/.test(x))) return null;
  return Uint8Array.from(p.map((x) => parseInt(x, 16)));
}

export const rd16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];
export const rd32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
export function wr16(b: Uint8Array, o: number, v: number): void { b[o] = (v >>> 8) & 255; b[o + 1] = v & 255; }
export function wr32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 255; b[o + 1] = (v >>> 16) & 255; b[o + 2] = (v >>> 8) & 255; b[o + 3] = v & 255;
}

/** Sequence-number arithmetic modulo 2^32. */
export const seqLt = (a: number, b: number): boolean => ((a - b) | 0) < 0;
export const seqLe = (a: number, b: number): boolean => ((a - b) | 0) <= 0;
export const seqGt = (a: number, b: number): boolean => ((a - b) | 0) > 0;
export const seqGe = (a: number, b: number): boolean => ((a - b) | 0) >= 0;
export const seqAdd = (a: number, n: number): number => (a + n) >>> 0;
export const seqSub = (a: number, b: number): number => (a - b) | 0;

/** A growable FIFO of bytes (socket buffers). */
export class ByteQueue {
  private buf: Uint8Array;
  private head = 0;
  length = 0;
  constructor(initial = 4096) { this.buf = new Uint8Array(initial); }

  push(src: Uint8Array): void {
    if (this.head + this.length + src.length > this.buf.length) {
      const need = this.length + src.length;
      if (need <= this.buf.length && this.head > 0) {
        this.buf.copyWithin(0, this.head, this.head + this.length);
      } else {
        let cap = this.buf.length;
        while (cap < need) cap *= 2;
        const nb = new Uint8Array(cap);
        nb.set(this.buf.subarray(this.head, this.head + this.length));
        this.buf = nb;
      }
      this.head = 0;
    }
    this.buf.set(src, this.head + this.length);
    this.length += src.length;
  }
  /** Copy up to dst.length bytes starting `off` bytes into the queue (no consumption). */
  peek(dst: Uint8Array, off = 0): number {
    const n = Math.max(0, Math.min(dst.length, this.length - off));
    dst.set(this.buf.subarray(this.head + off, this.head + off + n));
    return n;
  }
  /** A view of `len` bytes at `off` (valid until the next push). */
  view(off: number, len: number): Uint8Array {
    return this.buf.subarray(this.head + off, this.head + off + Math.min(len, this.length - off));
  }
  drop(n: number): void {
    n = Math.min(n, this.length);
    this.head += n; this.length -= n;
    if (this.length === 0) this.head = 0;
  }
  take(dst: Uint8Array): number { const n = this.peek(dst); this.drop(n); return n; }
  clear(): void { this.head = 0; this.length = 0; }
}
