// timerfd_create/settime/gettime and the POSIX timers (timer_create, timer_settime,
// timer_gettime, timer_getoverrun, timer_delete). Both run on kernel timers; values on
// other clocks are converted here to kernel monotonic deadlines.
import { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, EBADF, EPERM, EOPNOTSUPP } from '../abi/linux/errno.js';
import { O_CLOEXEC, O_NONBLOCK } from '../abi/linux/fcntl.js';
import * as M from '../abi/linux/misc.js';
import { TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET, SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, SIGEV_THREAD_ID } from '../abi/linux/events.js';
import { copyIn, copyOut, writeU32 } from '../mm/usercopy.js';
import { TimerFdFile } from '../kernel/timerfd.js';
import { procTimers, PosixTimer } from '../kernel/posix_timer.js';
import { clockNs } from './sys_time.js';
import { SIGALRM, NSIG } from '../kernel/signal_state.js';
import { TaskState } from '../kernel/task.js';

/** struct itimerspec: [interval ns, value ns], or null if a timespec is invalid. */
function readItimerspec(t: Task, va: number): [number, number] | null {
  const b = new Uint8Array(32);
  copyIn(t.mm, va, b, 0, 32);
  const v = new DataView(b.buffer);
  const r = (o: number): number => v.getInt32(o + 4, true) * 4294967296 + v.getUint32(o, true);
  const is = r(0), ins = r(8), vs = r(16), vns = r(24);
  if (is < 0 || vs < 0 || ins < 0 || ins >= 1e9 || vns < 0 || vns >= 1e9) return null;
  return [is * 1e9 + ins, vs * 1e9 + vns];
}

function writeItimerspec(t: Task, va: number, interval: number, value: number): void {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  const w = (o: number, ns: number): void => {
    const s = Math.floor(ns / 1e9);
    v.setUint32(o, s >>> 0, true); v.setUint32(o + 4, Math.floor(s / 4294967296), true);
    v.setUint32(o + 8, Math.floor(ns - s * 1e9), true);
  };
  w(0, interval); w(16, value);
  copyOut(t.mm, va, b);
}

/** The kernel monotonic deadline for `value` on `clock` (absolute or relative), null to disarm. */
function deadline(t: Task, clock: number, abs: boolean, value: number): number | null {
  if (value === 0) return null;
  const now = t.kernel.now();
  return abs ? now + (value - clockNs(t, clock)) : now + value;
}

// ---- timerfd -----------------------------------------------------------------------------

function sysTimerfdCreate(t: Task, clockid: number, flags: number): number {
  clockid |= 0;
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK)) !== 0) return -EINVAL;
  if (clockid !== M.CLOCK_MONOTONIC && clockid !== M.CLOCK_REALTIME && clockid !== M.CLOCK_REALTIME_ALARM &&
    clockid !== M.CLOCK_BOOTTIME && clockid !== M.CLOCK_BOOTTIME_ALARM) return -EINVAL;
  if ((clockid === M.CLOCK_REALTIME_ALARM || clockid === M.CLOCK_BOOTTIME_ALARM) && t.cred.euid !== 0) return -EPERM;
  const f = new TimerFdFile(t.kernel, clockid, flags);
  const fd = t.files.alloc(f, (flags & O_CLOEXEC) !== 0);
  if (fd < 0) { f.get(); f.put(); }
  return fd;
}

function timerfdOf(t: Task, fd: number): TimerFdFile | number {
  const f = t.files.get(fd | 0);
  if (!f) return -EBADF;
  return f instanceof TimerFdFile ? f : -EINVAL;
}

function sysTimerfdSettime(t: Task, fd: number, flags: number, nva: number, ova: number): number {
  const nv = readItimerspec(t, nva);
  if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) !== 0) return -EINVAL;
  if (nv === null) return -EINVAL;
  const f = timerfdOf(t, fd);
  if (typeof f === 'number') return f;
  const [ov, oi] = f.current();
  f.set(deadline(t, f.clockid, (flags & TFD_TIMER_ABSTIME) !== 0, nv[1]), nv[0]);
  if (ova !== 0) writeItimerspec(t, ova, oi, ov);
  return 0;
}

function sysTimerfdGettime(t: Task, fd: number, cva: number): number {
  const f = timerfdOf(t, fd);
  if (typeof f === 'number') return f;
  const [value, interval] = f.current();
  writeItimerspec(t, cva, interval, value);
  return 0;
}

// ---- POSIX timers --------------------------------------------------------------------------

/**
 * A CPU-time clock id (negative: ~pid << 3 | perthread << 2 | type, what glibc passes for
 * CLOCK_PROCESS_CPUTIME_ID/CLOCK_THREAD_CPUTIME_ID) as the plain clock it amounts to, or -1.
 */
function cpuClock(t: Task, id: number): number {
  if ((id & 3) === 3) return -1;
  const pid = ~(id >> 3);
  if (pid !== 0) {
    const o = t.kernel.tasks.get(pid);
    if (!o || o.state === TaskState.Dead || ((id & 4) === 0 && o.tid !== o.tgid)) return -1;
  }
  return (id & 4) !== 0 ? M.CLOCK_THREAD_CPUTIME_ID : M.CLOCK_PROCESS_CPUTIME_ID;
}

function sysTimerCreate(t: Task, clockid: number, sevva: number, idva: number): number {
  clockid |= 0;
  if (clockid < 0) {
    clockid = cpuClock(t, clockid);
    if (clockid < 0) return -EINVAL;
  }
  switch (clockid) {
    case M.CLOCK_REALTIME: case M.CLOCK_MONOTONIC: case M.CLOCK_BOOTTIME: case M.CLOCK_TAI:
    case M.CLOCK_PROCESS_CPUTIME_ID: case M.CLOCK_THREAD_CPUTIME_ID:
      break;
    case M.CLOCK_REALTIME_ALARM: case M.CLOCK_BOOTTIME_ALARM:
      if (t.cred.euid !== 0) return -EPERM;
      break;
    case M.CLOCK_MONOTONIC_RAW: case M.CLOCK_REALTIME_COARSE: case M.CLOCK_MONOTONIC_COARSE:
      return -EOPNOTSUPP;
    default: return -EINVAL;
  }
  const p = procTimers(t);
  let notify = SIGEV_SIGNAL, signo = SIGALRM, value = 0, haveValue = false, target = t;
  if (sevva !== 0) {
    const b = new Uint8Array(64);
    copyIn(t.mm, sevva, b, 0, 64);
    const v = new DataView(b.buffer);
    value = v.getInt32(4, true) * 4294967296 + v.getUint32(0, true); haveValue = true;
    signo = v.getInt32(8, true); notify = v.getInt32(12, true);
    switch (notify) {
      case SIGEV_SIGNAL | SIGEV_THREAD_ID: {
        const o = t.kernel.tasks.get(v.getInt32(16, true));
        if (!o || o.tgid !== t.tgid || o.state === TaskState.Zombie || o.state === TaskState.Dead) return -EINVAL;
        target = o;
      }
      // fallthrough
      case SIGEV_SIGNAL: case SIGEV_THREAD:
        if (signo <= 0 || signo > NSIG) return -EINVAL;
        break;
      case SIGEV_NONE: break;
      default: return -EINVAL;
    }
  }
  const id = p.allocId();
  if (!haveValue) value = id;
  const timer = new PosixTimer(p, id, clockid, notify === SIGEV_THREAD ? SIGEV_SIGNAL : notify, signo, value, target);
  p.timers.set(id, timer);
  try { writeU32(t.mm, idva, id); } catch (e) { timer.delete(); throw e; }
  return 0;
}

function timerOf(t: Task, id: number): PosixTimer | null {
  return procTimers(t).timers.get(id | 0) ?? null;
}

function sysTimerSettime(t: Task, id: number, flags: number, nva: number, ova: number): number {
  const nv = readItimerspec(t, nva);
  if (nv === null) return -EINVAL;
  const tm = timerOf(t, id);
  if (!tm) return -EINVAL;
  const [ov, oi] = tm.get();
  tm.set(deadline(t, tm.clockid, (flags & M.TIMER_ABSTIME) !== 0, nv[1]), nv[0]);
  if (ova !== 0) writeItimerspec(t, ova, oi, ov);
  return 0;
}

function sysTimerGettime(t: Task, id: number, cva: number): number {
  const tm = timerOf(t, id);
  if (!tm) return -EINVAL;
  const [value, interval] = tm.get();
  writeItimerspec(t, cva, interval, value);
  return 0;
}

function sysTimerGetoverrun(t: Task, id: number): number {
  const tm = timerOf(t, id);
  return tm ? tm.overrun() : -EINVAL;
}

function sysTimerDelete(t: Task, id: number): number {
  const tm = timerOf(t, id);
  if (!tm) return -EINVAL;
  tm.delete();
  return 0;
}

export const timerSyscalls: SyscallDefs = {
  [NR.timerfd_create]: def('timerfd_create', 'dx', sysTimerfdCreate, 'supported', 'alarm clocks behave like their plain clocks; TFD_TIMER_CANCEL_ON_SET never cancels (the clock is never set)'),
  [NR.timerfd_settime]: def('timerfd_settime', 'fxpp', sysTimerfdSettime),
  [NR.timerfd_gettime]: def('timerfd_gettime', 'fp', sysTimerfdGettime),
  [NR.timer_create]: def('timer_create', 'dpp', sysTimerCreate, 'partial', 'SIGEV_SIGNAL/NONE/THREAD_ID; CPU-time clocks (also another process\'s) run on elapsed time'),
  [NR.timer_settime]: def('timer_settime', 'dxpp', sysTimerSettime),
  [NR.timer_gettime]: def('timer_gettime', 'dp', sysTimerGettime),
  [NR.timer_getoverrun]: def('timer_getoverrun', 'd', sysTimerGetoverrun),
  [NR.timer_delete]: def('timer_delete', 'd', sysTimerDelete),
};
