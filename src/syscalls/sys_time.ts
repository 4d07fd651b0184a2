// Clock and sleep syscalls. Sleeps block the task on a timer and restart with the
// original deadline (t.sleepUntil), so an interrupted sleep reports the time left.
import type { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, EINTR } from '../abi/linux/errno.js';
import * as M from '../abi/linux/misc.js';
import { readI64, writeI64 } from '../mm/usercopy.js';
import { BLOCK } from '../lib/waitqueue.js';

/** Nanoseconds of CPU time charged for one guest instruction (for the CPU-time clocks). */
const NS_PER_INSN = 10;

/** Current value of clock `id` in ns, or -1 for an invalid clock. */
export function clockNs(t: Task, id: number): number {
  const k = t.kernel;
  switch (id) {
    case M.CLOCK_REALTIME: case M.CLOCK_REALTIME_COARSE: case M.CLOCK_REALTIME_ALARM: case M.CLOCK_TAI:
      return k.clock.realOffsetNs + k.now();
    case M.CLOCK_MONOTONIC: case M.CLOCK_MONOTONIC_RAW: case M.CLOCK_MONOTONIC_COARSE:
    case M.CLOCK_BOOTTIME: case M.CLOCK_BOOTTIME_ALARM:
      return k.now();
    case M.CLOCK_PROCESS_CPUTIME_ID: {
      let n = 0;
      for (const o of k.tasks.values()) if (o.tgid === t.tgid) n += o.hart.instret;
      return n * NS_PER_INSN;
    }
    case M.CLOCK_THREAD_CPUTIME_ID:
      return t.hart.instret * NS_PER_INSN;
    default: return -1;
  }
}

function writeTimespec(t: Task, p: number, ns: number): void {
  const s = Math.floor(ns / 1e9);
  writeI64(t.mm, p, s);
  writeI64(t.mm, p + 8, Math.floor(ns - s * 1e9));
}

/** A struct timespec in ns, or -1 if tv_nsec is out of range / tv_sec negative. */
export function readTimespec(t: Task, p: number): number {
  const s = readI64(t.mm, p), n = readI64(t.mm, p + 8);
  if (n < 0 || n >= 1e9 || s < 0) return -1;
  return s * 1e9 + n;
}

function clockGettime(t: Task, id: number, tp: number): number {
  const ns = clockNs(t, id);
  if (ns < 0) return -EINVAL;
  writeTimespec(t, tp, ns);
  return 0;
}

function clockGetres(t: Task, id: number, tp: number): number {
  if (clockNs(t, id) < 0) return -EINVAL;
  const coarse = id === M.CLOCK_REALTIME_COARSE || id === M.CLOCK_MONOTONIC_COARSE;
  if (tp !== 0) writeTimespec(t, tp, coarse ? 4000000 : 1);
  return 0;
}

function gettimeofday(t: Task, tv: number, tz: number): number {
  const ns = clockNs(t, M.CLOCK_REALTIME);
  if (tv !== 0) {
    const s = Math.floor(ns / 1e9);
    writeI64(t.mm, tv, s);
    writeI64(t.mm, tv + 8, Math.floor((ns - s * 1e9) / 1000));
  }
  if (tz !== 0) { writeI64(t.mm, tz, 0); }
  return 0;
}

/** Sleep until absolute monotonic time `until`; returns 0, BLOCK or -EINTR. */
export function sleepUntil(t: Task, until: number): number {
  const k = t.kernel;
  if (t.interrupted) { t.interrupted = false; return -EINTR; }
  if (k.now() >= until) { t.sleepUntil = -1; return 0; }
  t.sleepUntil = until;
  k.sleepTask(t, until);
  return BLOCK;
}

function sleepCommon(t: Task, clock: number, flags: number, req: number, rem: number): number {
  if (t.sleepUntil < 0 && !t.interrupted) {
    const ns = readTimespec(t, req);
    if (ns < 0) return -EINVAL;
    const now = clockNs(t, clock);
    if (now < 0) return -EINVAL;
    const delta = (flags & M.TIMER_ABSTIME) ? ns - now : ns;
    t.sleepUntil = t.kernel.now() + Math.max(0, delta);
  }
  const until = t.sleepUntil;
  const r = sleepUntil(t, until);
  if (r === -EINTR) {
    t.sleepUntil = -1;
    if (rem !== 0 && (flags & M.TIMER_ABSTIME) === 0) writeTimespec(t, rem, Math.max(0, until - t.kernel.now()));
  }
  return r;
}

function nanosleep(t: Task, req: number, rem: number): number { return sleepCommon(t, M.CLOCK_MONOTONIC, 0, req, rem); }
function clockNanosleep(t: Task, clock: number, flags: number, req: number, rem: number): number {
  if (clock === M.CLOCK_THREAD_CPUTIME_ID) return -EINVAL;
  if (clockNs(t, clock) < 0) return -EINVAL;
  const r = sleepCommon(t, clock, flags, req, rem);
  return r;
}

export const timeSyscalls: SyscallDefs = {
  [NR.clock_gettime]: def('clock_gettime', 'dp', clockGettime),
  [NR.clock_getres]: def('clock_getres', 'dp', clockGetres),
  [NR.gettimeofday]: def('gettimeofday', 'pp', gettimeofday),
  [NR.nanosleep]: def('nanosleep', 'pp', nanosleep),
  [NR.clock_nanosleep]: def('clock_nanosleep', 'dxpp', clockNanosleep),
};
