// The machine's clock, with UML's time-travel modes and a freeze for mconsole `stop`.
//
//   host          monotonic time follows the host (minus any time spent frozen);
//   basic         `time-travel`: like host, but when every task sleeps the clock jumps
//                 to the next timer at once (sleep 3600 returns immediately);
//   inf-cpu       `time-travel=inf-cpu`: time advances only as guest instructions retire
//                 (NS_PER_INSN each) and jumps over idle periods: the same workload sees
//                 the same times on every run.
//
// CLOCK_REALTIME is realOffsetNs + monoNs(). Its start (`realOffsetNs`) is the host's
// time at boot, or `time-travel-start=SECONDS`, or in inf-cpu mode a fixed epoch
// (INF_CPU_EPOCH) so that a run is reproducible.
import type { ClockSource } from './time.js';

export type TimeMode = 'host' | 'basic' | 'inf-cpu';

/** Virtual nanoseconds per retired guest instruction in inf-cpu mode (a 1 GHz CPU). */
export const NS_PER_INSN = 1;
/** Where CLOCK_REALTIME starts in inf-cpu mode without time-travel-start: 2024-01-01T00:00:00Z. */
export const INF_CPU_EPOCH = 1704067200;

function hostNs(): number { return Number(process.hrtime.bigint()); }

export class MachineClock implements ClockSource {
  realOffsetNs: number;
  /** Host ns subtracted from the host reading (boot time plus time spent frozen). */
  private base: number;
  /** Virtual ns added by idle skips. */
  private skipped = 0;
  /** Instructions retired (inf-cpu). */
  private insns = 0;
  /** While frozen, monoNs() returns this. */
  private frozenAt: number | null = null;
  private frozenHost = 0;

  constructor(readonly mode: TimeMode = 'host', startSeconds: number | null = null) {
    this.base = hostNs();
    if (startSeconds !== null) this.realOffsetNs = startSeconds * 1e9;
    else if (mode === 'inf-cpu') this.realOffsetNs = INF_CPU_EPOCH * 1e9;
    else this.realOffsetNs = Date.now() * 1e6;
  }

  monoNs(): number {
    if (this.frozenAt !== null) return this.frozenAt;
    if (this.mode === 'inf-cpu') return this.skipped + this.insns * NS_PER_INSN;
    return hostNs() - this.base + this.skipped;
  }

  /** The run loop reports retired instructions (only inf-cpu time depends on them). */
  retire(n: number): void { this.insns += n; }

  /** All tasks sleep until `next`: jump there (time travel). False in host mode. */
  skipTo(next: number): boolean {
    if (this.mode === 'host' || this.frozenAt !== null) return false;
    const now = this.monoNs();
    if (next > now) this.skipped += next - now;
    return true;
  }

  get frozen(): boolean { return this.frozenAt !== null; }

  /** mconsole stop: virtual time stands still until thaw(). */
  freeze(): void {
    if (this.frozenAt !== null) return;
    this.frozenAt = this.monoNs();
    this.frozenHost = hostNs();
  }

  thaw(): void {
    if (this.frozenAt === null) return;
    this.base += hostNs() - this.frozenHost;
    this.frozenAt = null;
  }

  /** State for a checkpoint / restore. */
  save(): { mono: number; real: number; insns: number; skipped: number } {
    return { mono: this.monoNs(), real: this.realOffsetNs, insns: this.insns, skipped: this.skipped };
  }

  /** Restore: continue from a saved state (the mode was checked to match); not frozen. */
  load(s: { mono: number; real: number; insns: number; skipped: number }): void {
    this.realOffsetNs = s.real;
    this.insns = s.insns;
    this.skipped = s.skipped;
    this.frozenAt = null;
    // host and basic modes: monoNs() = hostNs() - base + skipped must read s.mono now
    this.base = hostNs() - (s.mono - s.skipped);
  }
}

/** A seeded random source; its four state words can be read and set (checkpoint/restore). */
export interface SeededRandom { (b: Uint8Array): void; state(): number[]; setState(s: number[]): void; }

/** A small seeded PRNG (xoshiro128**) for deterministic getrandom, AT_RANDOM and /dev/urandom. */
export function seededRandom(seed: number): SeededRandom {
  // splitmix32 to spread the seed into the four state words
  let x = (seed >>> 0) ^ Math.floor(seed / 4294967296);
  const sm = (): number => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = sm(), b = sm(), c = sm(), d = sm();
  const next = (): number => {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 11);
    return r;
  };
  const fill = (buf: Uint8Array): void => {
    for (let i = 0; i < buf.length; i += 4) {
      let r = next();
      for (let j = 0; j < 4 && i + j < buf.length; j++) { buf[i + j] = r & 0xff; r >>>= 8; }
    }
  };
  return Object.assign(fill, {
    state: (): number[] => [a, b, c, d],
    setState: (s: number[]): void => { [a, b, c, d] = s; },
  });
}

function rotl(v: number, k: number): number { return (v << k) | (v >>> (32 - k)); }

/**
 * Host randomness for small requests (AT_RANDOM at every execve, libc's getrandom of a
 * few bytes) served from a 4 KiB pool: one host call per 256 execs instead of one each.
 * Large requests go straight to `fill`.
 */
export function pooledRandom(fill: (b: Uint8Array) => void): (b: Uint8Array) => void {
  const pool = new Uint8Array(4096);
  let at = pool.length;
  return (buf) => {
    const n = buf.length;
    if (n > 256) { fill(buf); return; }
    if (at + n > pool.length) { fill(pool); at = 0; }
    for (let i = 0; i < n; i++) buf[i] = pool[at + i];
    pool.fill(0, at, at + n);   // handed-out bytes never linger in the pool
    at += n;
  };
}
