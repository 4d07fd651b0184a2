// Cross-process and clock-setting syscalls: process_vm_readv/writev, kcmp,
// rt_tgsigqueueinfo, pidfd_getfd, clock_settime, settimeofday, adjtimex, clock_adjtime.
import type { Task } from '../kernel/task.js';
import { TaskState } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, EPERM, ESRCH, EBADF, EFAULT, EOPNOTSUPP } from '../abi/linux/errno.js';
import { UIO_MAXIOV } from '../abi/linux/fs.js';
import { readIov, iovTotal } from './iovec.js';
import * as M from '../abi/linux/misc.js';
import * as S from '../kernel/signal_state.js';
import { SigInfo, SI_TKILL } from '../kernel/siginfo.js';
import { sendSignal } from '../kernel/signal.js';
import { PidFdFile } from '../kernel/pidfd.js';
import { copyIn, copyOut, readI32, readI64, UserFault } from '../mm/usercopy.js';
import type { AddressSpace } from '../mm/aspace.js';
import { registerCkptState, registerCkptSide } from '../lib/ckptstate.js';

const SSIZE_MAX = 2 ** 63 - 1;
const O_CLOEXEC = 0o2000000;

/** A live task by id (zombies and reaped tasks have no mm / are gone). */
function liveTask(t: Task, id: number): Task | null {
  const o = t.kernel.tasks.get(id);
  if (!o || o.state === TaskState.Zombie || o.state === TaskState.Dead) return null;
  return o;
}

/** ptrace_may_access(..., *_REALCREDS): same thread group, root, or the caller's real
 *  uid/gid equal to all of the target's uids/gids. */
function mayAccess(t: Task, o: Task): boolean {
  if (t.tgid === o.tgid) return true;
  const c = t.cred, oc = o.cred;
  if (c.euid === 0) return true;
  return c.uid === oc.uid && c.uid === oc.euid && c.uid === oc.suid &&
    c.gid === oc.gid && c.gid === oc.egid && c.gid === oc.sgid && o.dumpable !== 0;
}

// ---- process_vm_readv / process_vm_writev -------------------------------------------

function processVm(t: Task, write: boolean, pid: number, lvec: number, liovcnt: number,
  rvec: number, riovcnt: number, flags: number): number {
  if (flags !== 0) return -EINVAL;
  // (both counts are checked before either vector is read)
  if (liovcnt < 0 || liovcnt > UIO_MAXIOV || riovcnt < 0 || riovcnt > UIO_MAXIOV) return -EINVAL;
  const local = readIov(t, lvec, liovcnt, -EINVAL, SSIZE_MAX);
  if (typeof local === 'number') return local;
  const remote = readIov(t, rvec, riovcnt, -EINVAL, SSIZE_MAX);
  if (typeof remote === 'number') return remote;
  if (iovTotal(local) === 0) return 0;
  const o = liveTask(t, pid | 0);
  if (o === null) return -ESRCH;
  if (!mayAccess(t, o)) return -EPERM;
  const lsegs = local.filter((s) => s[1] > 0), rsegs = remote.filter((s) => s[1] > 0);
  const buf = new Uint8Array(4096);
  let li = 0, loff = 0, done = 0;
  try {
    for (const [rbase, rlen] of rsegs) {
      let roff = 0;
      while (roff < rlen && li < lsegs.length) {
        const [lbase, llen] = lsegs[li];
        const ra = rbase + roff, la = lbase + loff;
        // One chunk never crosses a page boundary on either side.
        const n = Math.min(rlen - roff, llen - loff, 4096 - (ra % 4096), 4096 - (la % 4096));
        if (write) { copyIn(t.mm, la, buf, 0, n); copyOut(o.mm as AddressSpace, ra, buf, 0, n); }
        else { copyIn(o.mm, ra, buf, 0, n); copyOut(t.mm, la, buf, 0, n); }
        done += n; roff += n; loff += n;
        if (loff === llen) { li++; loff = 0; }
      }
      if (li >= lsegs.length) break;
    }
  } catch (e) {
    if (!(e instanceof UserFault)) throw e;
    return done > 0 ? done : -EFAULT;
  }
  return done;
}

function processVmReadv(t: Task, pid: number, lv: number, ln: number, rv: number, rn: number, fl: number): number {
  return processVm(t, false, pid, lv, ln, rv, rn, fl);
}
function processVmWritev(t: Task, pid: number, lv: number, ln: number, rv: number, rn: number, fl: number): number {
  return processVm(t, true, pid, lv, ln, rv, rn, fl);
}

// ---- kcmp -----------------------------------------------------------------------------

const KCMP_FILE = 0, KCMP_VM = 1, KCMP_FILES = 2, KCMP_FS = 3, KCMP_SIGHAND = 4, KCMP_SYSVSEM = 6;

const objIds = new WeakMap<object, number>();
let nextObjId = 1;
registerCkptSide('kcmp.id', (o) => objIds.get(o), (o, v) => { objIds.set(o, v as number); });
registerCkptState('kcmp.nextId', () => nextObjId, (v) => { nextObjId = v as number; });
/** A stable id per kernel object (Linux orders obfuscated pointers). */
function objId(o: object | null): number {
  if (o === null) return 0;
  let id = objIds.get(o);
  if (id === undefined) { id = nextObjId++; objIds.set(o, id); }
  return id;
}
function cmp(a: object | null, b: object | null): number {
  const x = objId(a), y = objId(b);
  return x === y ? 0 : x < y ? 1 : 2;
}

function kcmp(t: Task, pid1: number, pid2: number, type: number, idx1: number, idx2: number): number {
  const k = t.kernel;
  const a = k.tasks.get(pid1 | 0), b = k.tasks.get(pid2 | 0);
  if (!a || !b || a.state === TaskState.Dead || b.state === TaskState.Dead) return -ESRCH;
  if (!mayAccess(t, a) || !mayAccess(t, b)) return -EPERM;
  switch (type) {
    case KCMP_FILE: {
      const fa = a.state === TaskState.Zombie ? null : a.files.get(idx1 | 0);
      const fb = b.state === TaskState.Zombie ? null : b.files.get(idx2 | 0);
      if (!fa || !fb) return -EBADF;
      return cmp(fa, fb);
    }
    case KCMP_VM: return cmp(a.state === TaskState.Zombie ? null : a.mm, b.state === TaskState.Zombie ? null : b.mm);
    case KCMP_FILES: return cmp(a.state === TaskState.Zombie ? null : a.files, b.state === TaskState.Zombie ? null : b.files);
    case KCMP_FS: return cmp(a.state === TaskState.Zombie ? null : a.fs, b.state === TaskState.Zombie ? null : b.fs);
    case KCMP_SIGHAND: return cmp(a.sighand, b.sighand);
    // No SysV semaphores: every task's undo list is NULL, so all compare equal.
    case KCMP_SYSVSEM: return 0;
    default: return -EINVAL;
  }
}

// ---- rt_tgsigqueueinfo ------------------------------------------------------------------

function mayKill(t: Task, o: Task, sig: number): boolean {
  const c = t.cred, oc = o.cred;
  if (c.euid === 0) return true;
  if (c.euid === oc.uid || c.euid === oc.suid || c.uid === oc.uid || c.uid === oc.suid) return true;
  return sig === S.SIGCONT && t.sid === o.sid;
}

function rtTgsigqueueinfo(t: Task, tgid: number, tid: number, sig: number, uinfo: number): number {
  tgid |= 0; tid |= 0; sig |= 0;
  if (tid <= 0 || tgid <= 0) return -EINVAL;
  const code = readI32(t.mm, uinfo + 8);
  const spid = readI32(t.mm, uinfo + 16), suid = readI32(t.mm, uinfo + 20) >>> 0;
  const value = readI64(t.mm, uinfo + 24);
  // Not even root may pretend to be the kernel or a kill()/tgkill() from elsewhere.
  if ((code >= 0 || code === SI_TKILL) && tid !== t.tid) return -EPERM;
  const o = liveTask(t, tid);
  if (!o || o.tgid !== tgid) return -ESRCH;
  if (sig < 0 || sig > S.NSIG) return -EINVAL;
  if (!mayKill(t, o, sig)) return -EPERM;
  if (sig === 0) return 0;
  const info = SigInfo.of(sig, code, spid, suid);
  info.value = value;
  sendSignal(o, sig, info, true);
  return 0;
}

// ---- pidfd_getfd ----------------------------------------------------------------------

function pidfdGetfd(t: Task, pidfd: number, targetfd: number, flags: number): number {
  const f = t.files.get(pidfd | 0);
  if (!f || !(f instanceof PidFdFile)) return -EBADF;
  if (flags !== 0) return -EINVAL;
  if (f.exited) return -ESRCH;
  const o = f.target.state === TaskState.Zombie ? null : f.target;
  if (o === null) return -ESRCH;
  if (!mayAccess(t, o)) return -EPERM;
  const file = o.files.get(targetfd | 0);
  if (!file) return -EBADF;
  return t.files.alloc(file, true);
}
void O_CLOEXEC;

// ---- setting and querying the clock ---------------------------------------------------

/** Largest settable tv_sec (Linux's TIME_SETTOD_SEC_MAX). */
const SETTOD_SEC_MAX = 9223372036 - 30 * 365 * 86400;

/** Set CLOCK_REALTIME to sec:nsec (already range-checked); -EINVAL if before boot. */
function setRealtime(t: Task, sec: number, nsec: number): number {
  const k = t.kernel;
  const off = sec * 1e9 + nsec - k.now();
  if (off < 0) return -EINVAL;
  k.clock.realOffsetNs = off;
  return 0;
}

function clockSettime(t: Task, id: number, tp: number): number {
  id |= 0;
  const sec = readI64(t.mm, tp), nsec = readI64(t.mm, tp + 8);
  if (id === M.CLOCK_PROCESS_CPUTIME_ID || id === M.CLOCK_THREAD_CPUTIME_ID) return -EPERM;
  if (id !== M.CLOCK_REALTIME) return -EINVAL;
  if (sec < 0 || sec >= SETTOD_SEC_MAX || nsec < 0 || nsec >= 1e9) return -EINVAL;
  if (!t.cred.privileged) return -EPERM;
  return setRealtime(t, sec, nsec);
}

/** The time zone last set by settimeofday (Linux's sys_tz). */
export const sysTz = { minuteswest: 0, dsttime: 0 };

function settimeofday(t: Task, tv: number, tz: number): number {
  let sec = 0, usec = 0;
  if (tv !== 0) {
    sec = readI64(t.mm, tv); usec = readI64(t.mm, tv + 8);
    if (sec < 0 || usec < 0 || usec >= 1e6) return -EINVAL;
  }
  let mw = 0, dst = 0;
  if (tz !== 0) { mw = readI32(t.mm, tz); dst = readI32(t.mm, tz + 4); }
  if (tv !== 0 && sec >= SETTOD_SEC_MAX) return -EINVAL;
  if (!t.cred.privileged) return -EPERM;
  if (tz !== 0) {
    if (mw > 15 * 60 || mw < -15 * 60) return -EINVAL;
    sysTz.minuteswest = mw; sysTz.dsttime = dst;
  }
  if (tv !== 0) return setRealtime(t, sec, usec * 1000);
  return 0;
}

const TIMEX_SIZE = 208;
const ADJ_OFFSET_SINGLESHOT = 0x0001, ADJ_OFFSET_READONLY = 0x2000, ADJ_ADJTIME = 0x8000;
const STA_UNSYNC = 0x0040, TIME_ERROR = 5;

/** do_adjtimex for a read-only query; adjustments are refused (EOPNOTSUPP) even for root. */
function adjtimexCommon(t: Task, buf: number): number {
  const tx = new Uint8Array(TIMEX_SIZE);
  copyIn(t.mm, buf, tx, 0, TIMEX_SIZE);
  const dv = new DataView(tx.buffer);
  const modes = dv.getUint32(0, true);
  if (modes & ADJ_ADJTIME) {
    if (!(modes & ADJ_OFFSET_SINGLESHOT)) return -EINVAL;
    if (!(modes & ADJ_OFFSET_READONLY) && !t.cred.privileged) return -EPERM;
  } else if (modes !== 0 && !t.cred.privileged) return -EPERM;
  const readOnly = modes === 0 || modes === (ADJ_ADJTIME | ADJ_OFFSET_SINGLESHOT | ADJ_OFFSET_READONLY);
  if (!readOnly) return -EOPNOTSUPP;
  // The state of a kernel clock that NTP has never disciplined.
  const out = new Uint8Array(TIMEX_SIZE);
  const w = new DataView(out.buffer);
  const put = (off: number, v: number) => { w.setBigInt64(off, BigInt(v), true); };
  w.setUint32(0, modes, true);
  put(24, 16000000);             // maxerror (NTP_PHASE_LIMIT)
  put(32, 16000000);             // esterror
  w.setInt32(40, STA_UNSYNC, true);
  put(48, 2);                    // constant
  put(56, 1);                    // precision
  put(64, 500 << 16);            // tolerance (MAXFREQ_SCALED / PPM_SCALE)
  const ns = t.kernel.clock.realOffsetNs + t.kernel.now();
  const s = Math.floor(ns / 1e9);
  put(72, s); put(80, Math.floor((ns - s * 1e9) / 1000));
  put(88, 10000);                // tick (USEC_PER_SEC / USER_HZ)
  copyOut(t.mm, buf, out);
  return TIME_ERROR;
}

function adjtimex(t: Task, buf: number): number { return adjtimexCommon(t, buf); }

function clockAdjtime(t: Task, id: number, buf: number): number {
  id |= 0;
  const tx = new Uint8Array(TIMEX_SIZE);
  copyIn(t.mm, buf, tx, 0, TIMEX_SIZE);
  switch (id) {
    case M.CLOCK_REALTIME: return adjtimexCommon(t, buf);
    case M.CLOCK_MONOTONIC: case M.CLOCK_MONOTONIC_RAW: case M.CLOCK_REALTIME_COARSE:
    case M.CLOCK_MONOTONIC_COARSE: case M.CLOCK_BOOTTIME: case M.CLOCK_REALTIME_ALARM:
    case M.CLOCK_BOOTTIME_ALARM: case M.CLOCK_TAI:
    case M.CLOCK_PROCESS_CPUTIME_ID: case M.CLOCK_THREAD_CPUTIME_ID:
      return -EOPNOTSUPP;
    default: return -EINVAL;
  }
}

export const misc2Syscalls: SyscallDefs = {
  [NR.process_vm_readv]: def('process_vm_readv', 'dpupux', processVmReadv),
  [NR.process_vm_writev]: def('process_vm_writev', 'dpupux', processVmWritev),
  [NR.kcmp]: def('kcmp', 'dddxx', kcmp, 'partial', 'KCMP_IO and KCMP_EPOLL_TFD return EINVAL; KCMP_SYSVSEM always compares equal (no semaphore undo lists)'),
  [NR.rt_tgsigqueueinfo]: def('rt_tgsigqueueinfo', 'dddp', rtTgsigqueueinfo),
  [NR.pidfd_getfd]: def('pidfd_getfd', 'ffx', pidfdGetfd),
  [NR.clock_settime]: def('clock_settime', 'dp', clockSettime),
  [NR.settimeofday]: def('settimeofday', 'pp', settimeofday, 'partial', 'the time zone is kept but gettimeofday still reports zero'),
  [NR.adjtimex]: def('adjtimex', 'p', adjtimex, 'partial', 'read-only: reports an unsynchronised clock; adjustments fail with EOPNOTSUPP'),
  [NR.clock_adjtime]: def('clock_adjtime', 'dp', clockAdjtime, 'partial', 'CLOCK_REALTIME read-only, as adjtimex'),
};
