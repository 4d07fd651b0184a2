// Resource limits (getrlimit/prlimit64): per process, inherited across fork and exec.
import * as M from '../abi/linux/misc.js';

export const RLIM_INFINITY = -1; // stored as -1, reported as ~0 (all ones)

export class Rlimits {
  // Plain arrays, which a fork copies: a CPU profile of a fork+exec loop put ~7 µs a fork
  // on allocating two 16-entry Float64Arrays (not measurable in the loop's time: session 11).
  readonly cur: number[];
  readonly max: number[];
  /** A copy of `from` (fork), or the defaults. */
  constructor(from?: Rlimits) {
    if (from !== undefined) { this.cur = from.cur.slice(); this.max = from.max.slice(); return; }
    this.cur = new Array<number>(M.RLIM_NLIMITS).fill(RLIM_INFINITY);
    this.max = new Array<number>(M.RLIM_NLIMITS).fill(RLIM_INFINITY);
    this.set(M.RLIMIT_STACK, 8 * 1024 * 1024, RLIM_INFINITY);
    this.set(M.RLIMIT_NOFILE, 1024, 1048576);
    this.set(M.RLIMIT_CORE, 0, RLIM_INFINITY);
    this.set(M.RLIMIT_NPROC, 63439, 63439);
    this.set(M.RLIMIT_SIGPENDING, 63439, 63439);
    this.set(M.RLIMIT_MEMLOCK, 8 * 1024 * 1024, 8 * 1024 * 1024);
    this.set(M.RLIMIT_MSGQUEUE, 819200, 819200);
    this.set(M.RLIMIT_NICE, 0, 0);
    this.set(M.RLIMIT_RTPRIO, 0, 0);
  }
  set(r: number, cur: number, max: number): void { this.cur[r] = cur; this.max[r] = max; }
  clone(): Rlimits { return new Rlimits(this); }
}
