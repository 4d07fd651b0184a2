// Signal syscalls: dispositions, masks, sending (with Linux's permission rules),
// waiting for signals, the alternate stack, sigreturn, and interval timers.
import type { Task } from '../kernel/task.js';
import { TaskState } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, EPERM, ESRCH, EAGAIN, EINTR, ENOMEM } from '../abi/linux/errno.js';
import * as S from '../kernel/signal_state.js';
import { SigInfo, SI_USER, SI_TKILL, SI_QUEUE, encodeSiginfo } from '../kernel/siginfo.js';
import { sendSignal, sigreturn, dequeueFromSet, faultSignal, groupOf, isIgnored, clearPending, pendingOf } from '../kernel/signal.js';
import { readI32, readI64, writeI64, readPair, writePair, copyOut } from '../mm/usercopy.js';
import { NORETURN } from './dispatch_consts.js';
import { BLOCK } from '../lib/waitqueue.js';
import { readTimespec } from './sys_time.js';
import { ACC_R } from '../mm/mmu.js';
import { cpuItimerGet, cpuItimerSet } from '../kernel/itimer.js';

const KILLSTOP_LO = S.sigBit(S.SIGKILL) | S.sigBit(S.SIGSTOP);
const pair = new Int32Array(2);

function rtSigaction(t: Task, sig: number, act: number, oact: number, size: number): number {
  if (size !== 8) return -EINVAL;
  if (sig < 1 || sig > S.NSIG) return -EINVAL;
  if (act !== 0 && (sig === S.SIGKILL || sig === S.SIGSTOP)) return -EINVAL;
  const a = t.sighand.actions[sig];
  let nh = 0, nf = 0;
  if (act !== 0) {
    nh = readI64(t.mm, act); nf = readI64(t.mm, act + 8); readPair(t.mm, act + 16, pair);
  }
  if (oact !== 0) {
    writeI64(t.mm, oact, a.handler); writeI64(t.mm, oact + 8, a.flags >>> 0);
    writePair(t.mm, oact + 16, a.maskLo, a.maskHi);
  }
  if (act !== 0) {
    const w = t.sighand.writable(sig);
    w.handler = nh; w.flags = nf | 0;
    w.maskLo = pair[0] & ~KILLSTOP_LO; w.maskHi = pair[1];
    // Setting SIG_IGN (or SIG_DFL with an ignoring default) discards pending instances.
    if (isIgnored(t, sig)) {
      for (const o of groupOf(t)) clearPending(o, sig);
    }
  }
  return 0;
}

function rtSigprocmask(t: Task, how: number, set: number, oset: number, size: number): number {
  if (size !== 8) return -EINVAL;
  let nlo = 0, nhi = 0;
  if (set !== 0) { readPair(t.mm, set, pair); nlo = pair[0]; nhi = pair[1]; }
  if (oset !== 0) writePair(t.mm, oset, t.maskLo, t.maskHi);
  if (set !== 0) {
    switch (how) {
      case S.SIG_BLOCK: t.maskLo |= nlo; t.maskHi |= nhi; break;
      case S.SIG_UNBLOCK: t.maskLo &= ~nlo; t.maskHi &= ~nhi; break;
      case S.SIG_SETMASK: t.maskLo = nlo; t.maskHi = nhi; break;
      default: return -EINVAL;
    }
    t.maskLo &= ~KILLSTOP_LO;
  }
  return 0;
}

function rtSigpending(t: Task, set: number, size: number): number {
  if (size > 8) return -EINVAL;
  const [plo, phi] = pendingOf(t);
  writePair(t.mm, set, plo & t.maskLo, phi & t.maskHi);
  return 0;
}

/** Replace the mask until a handler runs; always returns -EINTR (via re-execution). */
function rtSigsuspend(t: Task, set: number, size: number): number {
  if (size !== 8) return -EINVAL;
  if (t.interrupted) return -EINTR;
  if (!t.restoreMask) {
    readPair(t.mm, set, pair);
    t.savedMaskLo = t.maskLo; t.savedMaskHi = t.maskHi; t.restoreMask = true;
    t.maskLo = pair[0] & ~KILLSTOP_LO; t.maskHi = pair[1];
  }
  t.state = TaskState.Blocked;
  return BLOCK;
}

function rtSigtimedwait(t: Task, set: number, info: number, timeout: number, size: number): number {
  if (size !== 8) return -EINVAL;
  readPair(t.mm, set, pair);
  const lo = pair[0] & ~KILLSTOP_LO, hi = pair[1];
  const got = dequeueFromSet(t, lo, hi);
  if (got !== null) {
    t.waitSetLo = t.waitSetHi = 0; t.sleepUntil = -1;
    if (info !== 0) copyOut(t.mm, info, encodeSiginfo(got));
    return got.signo;
  }
  if (t.interrupted) { t.waitSetLo = t.waitSetHi = 0; t.sleepUntil = -1; return -EINTR; }
  if (timeout !== 0 && t.sleepUntil < 0) {
    const ns = readTimespec(t, timeout);
    if (ns < 0) return -EINVAL;
    t.sleepUntil = t.kernel.now() + ns;
  }
  if (t.sleepUntil >= 0 && t.kernel.now() >= t.sleepUntil) { t.waitSetLo = t.waitSetHi = 0; t.sleepUntil = -1; return -EAGAIN; }
  t.waitSetLo = lo; t.waitSetHi = hi;
  if (t.sleepUntil >= 0) t.kernel.sleepTask(t, t.sleepUntil); else t.state = TaskState.Blocked;
  return BLOCK;
}

/** May `t` send sig to `o`? (kill(2): same real/effective uid, root, or SIGCONT in-session.) */
function mayKill(t: Task, o: Task, sig: number): boolean {
  const c = t.cred, oc = o.cred;
  if (c.euid === 0) return true;
  if (c.euid === oc.uid || c.euid === oc.suid || c.uid === oc.uid || c.uid === oc.suid) return true;
  return sig === S.SIGCONT && t.sid === o.sid;
}

function userInfo(t: Task, sig: number, code: number): SigInfo { return SigInfo.of(sig, code, t.tgid, t.cred.uid); }

function killOne(t: Task, o: Task, sig: number): number {
  if (!mayKill(t, o, sig)) return -EPERM;
  if (sig !== 0) sendSignal(o, sig, userInfo(t, sig, SI_USER));
  return 0;
}

function sysKill(t: Task, pid: number, sig: number): number {
  if (sig < 0 || sig > S.NSIG) return -EINVAL;
  pid |= 0;
  const k = t.kernel;
  // A process lives while any of its threads does (a zombie leader may still have threads).
  const leaders = [...k.tasks.values()].filter((o) => o.tid === o.tgid && o.state !== TaskState.Dead && groupOf(o).length > 0);
  if (pid > 0) {
    const o = k.tasks.get(pid);
    if (!o || o.state === TaskState.Dead || groupOf(o).length === 0) return -ESRCH;
    return killOne(t, k.tasks.get(o.tgid) ?? o, sig);
  }
  let targets: Task[];
  if (pid === -1) targets = leaders.filter((o) => o.tgid !== 1 && o.tgid !== t.tgid);
  else targets = leaders.filter((o) => o.pgid === (pid === 0 ? t.pgid : -pid));
  if (targets.length === 0) return -ESRCH;
  let ok = false, err = 0;
  for (const o of targets) { const r = killOne(t, o, sig); if (r === 0) ok = true; else err = r; }
  return ok ? 0 : err;
}

function sysTgkill(t: Task, tgid: number, tid: number, sig: number): number {
  if (sig < 0 || sig > S.NSIG || tid <= 0 || tgid <= 0) return -EINVAL;
  const o = t.kernel.tasks.get(tid);
  if (!o || o.tgid !== tgid || o.state === TaskState.Zombie || o.state === TaskState.Dead) return -ESRCH;
  if (!mayKill(t, o, sig)) return -EPERM;
  if (sig !== 0) sendSignal(o, sig, userInfo(t, sig, SI_TKILL), true);
  return 0;
}
function sysTkill(t: Task, tid: number, sig: number): number {
  if (tid <= 0) return -EINVAL;
  const o = t.kernel.tasks.get(tid);
  if (!o) return -ESRCH;
  return sysTgkill(t, o.tgid, tid, sig);
}

function rtSigqueueinfo(t: Task, pid: number, sig: number, uinfo: number): number {
  const o = t.kernel.tasks.get(pid);
  if (!o || o.state === TaskState.Zombie) return -ESRCH;
  const code = readI32(t.mm, uinfo + 8);
  if ((code >= 0 || code === SI_TKILL) && o.tgid !== t.tgid) return -EPERM;
  if (!mayKill(t, o, sig)) return -EPERM;
  const info = userInfo(t, sig, code === 0 ? SI_QUEUE : code);
  info.value = readI64(t.mm, uinfo + 24);
  if (sig !== 0) sendSignal(o, sig, info);
  return 0;
}

function sigaltstack(t: Task, ss: number, oss: number): number {
  const sp = t.hart.getNum(2);
  const on = t.altStackSize > 0 && (t.altStackFlags & S.SS_DISABLE) === 0 && sp > t.altStackSp && sp <= t.altStackSp + t.altStackSize;
  let nsp = 0, nfl = 0, nsz = 0;
  if (ss !== 0) { nsp = readI64(t.mm, ss); nfl = readI32(t.mm, ss + 8); nsz = readI64(t.mm, ss + 16); }
  if (oss !== 0) {
    const b = new Uint8Array(24); const dv = new DataView(b.buffer);
    const disabled = (t.altStackFlags & S.SS_DISABLE) !== 0;
    dv.setFloat64(0, 0);
    dv.setInt32(0, (t.altStackSp % 4294967296) | 0, true); dv.setInt32(4, Math.floor(t.altStackSp / 4294967296), true);
    dv.setInt32(8, on ? S.SS_ONSTACK : (disabled ? S.SS_DISABLE : 0) | (t.altStackFlags & S.SS_AUTODISARM), true);
    dv.setInt32(16, (t.altStackSize % 4294967296) | 0, true); dv.setInt32(20, Math.floor(t.altStackSize / 4294967296), true);
    copyOut(t.mm, oss, b);
  }
  if (ss !== 0) {
    if (on) return -EPERM;
    const mode = nfl & ~S.SS_AUTODISARM;
    if (mode !== 0 && mode !== S.SS_DISABLE && mode !== S.SS_ONSTACK) return -EINVAL;
    if (mode === S.SS_DISABLE) { t.altStackSp = 0; t.altStackSize = 0; t.altStackFlags = S.SS_DISABLE; return 0; }
    if (nsz < S.MINSIGSTKSZ) return -ENOMEM;
    t.altStackSp = nsp; t.altStackSize = nsz; t.altStackFlags = nfl & S.SS_AUTODISARM;
  }
  return 0;
}

function rtSigreturn(t: Task): number {
  if (!sigreturn(t)) faultSignal(t, S.SIGSEGV, t.hart.getNum(2), ACC_R);
  return NORETURN;
}

// Interval timers. ITIMER_REAL runs on the kernel clock and sends SIGALRM.
const ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;

function leaderOf(t: Task): Task { return t.kernel.tasks.get(t.tgid) ?? t; }

function armReal(p: Task, value: number, interval: number): void {
  const k = p.kernel;
  if (p.itRealTimer !== null) { k.timers.cancel(p.itRealTimer); p.itRealTimer = null; }
  p.itRealInterval = interval;
  p.itRealAt = 0;
  if (value <= 0) return;
  startItReal(p, k.now() + value);
}

/** Put p's ITIMER_REAL on the kernel clock at `at` (also used by restore). */
export function startItReal(p: Task, at: number): void {
  const k = p.kernel;
  p.itRealAt = at;
  p.itRealTimer = k.timers.add(at, () => {
    p.itRealTimer = null;
    if (p.state === TaskState.Zombie || p.state === TaskState.Dead) return;
    sendSignal(p, S.SIGALRM, SigInfo.of(S.SIGALRM, 0x80));
    if (p.itRealInterval > 0) armReal(p, p.itRealInterval, p.itRealInterval);
    else p.itRealAt = 0;
  });
}

function realRemaining(p: Task): number { return p.itRealAt > 0 ? Math.max(1000, p.itRealAt - p.kernel.now()) : 0; }

function writeItimerval(t: Task, at: number, interval: number, value: number): void {
  const us = (ns: number) => Math.floor(ns / 1000);
  writeI64(t.mm, at, Math.floor(us(interval) / 1e6)); writeI64(t.mm, at + 8, us(interval) % 1e6);
  writeI64(t.mm, at + 16, Math.floor(us(value) / 1e6)); writeI64(t.mm, at + 24, us(value) % 1e6);
}

function getitimer(t: Task, which: number, cur: number): number {
  if (which !== ITIMER_REAL && which !== ITIMER_VIRTUAL && which !== ITIMER_PROF) return -EINVAL;
  const p = leaderOf(t);
  if (which === ITIMER_REAL) writeItimerval(t, cur, p.itRealInterval, realRemaining(p));
  else { const [v, iv] = cpuItimerGet(p, which); writeItimerval(t, cur, iv, v); }
  return 0;
}

function setitimer(t: Task, which: number, nv: number, ov: number): number {
  if (which !== ITIMER_REAL && which !== ITIMER_VIRTUAL && which !== ITIMER_PROF) return -EINVAL;
  let isec = 0, iusec = 0, vsec = 0, vusec = 0;
  if (nv !== 0) {
    isec = readI64(t.mm, nv); iusec = readI64(t.mm, nv + 8); vsec = readI64(t.mm, nv + 16); vusec = readI64(t.mm, nv + 24);
    if (iusec < 0 || iusec >= 1e6 || vusec < 0 || vusec >= 1e6 || isec < 0 || vsec < 0) return -EINVAL;
  }
  const p = leaderOf(t);
  if (ov !== 0) getitimer(t, which, ov);
  const value = (vsec * 1e6 + vusec) * 1000, interval = (isec * 1e6 + iusec) * 1000;
  if (which !== ITIMER_REAL) { cpuItimerSet(p, which, value, interval); return 0; }
  armReal(p, (vsec * 1e6 + vusec) * 1000, (isec * 1e6 + iusec) * 1000);
  return 0;
}

export const signalSyscalls: SyscallDefs = {
  [NR.rt_sigaction]: def('rt_sigaction', 'dppu', rtSigaction),
  [NR.rt_sigprocmask]: def('rt_sigprocmask', 'dppu', rtSigprocmask),
  [NR.rt_sigpending]: def('rt_sigpending', 'pu', rtSigpending),
  [NR.rt_sigsuspend]: def('rt_sigsuspend', 'pu', rtSigsuspend),
  [NR.rt_sigtimedwait]: def('rt_sigtimedwait', 'pppu', rtSigtimedwait),
  [NR.rt_sigqueueinfo]: def('rt_sigqueueinfo', 'ddp', rtSigqueueinfo),
  [NR.rt_sigreturn]: def('rt_sigreturn', '', rtSigreturn),
  [NR.kill]: def('kill', 'dd', sysKill),
  [NR.tkill]: def('tkill', 'dd', sysTkill),
  [NR.tgkill]: def('tgkill', 'ddd', sysTgkill),
  [NR.sigaltstack]: def('sigaltstack', 'pp', sigaltstack),
  [NR.getitimer]: def('getitimer', 'dp', getitimer, 'supported', 'ITIMER_VIRTUAL/PROF run on the process CPU time (retired instructions; system calls cost none, so PROF counts as VIRTUAL)'),
  [NR.setitimer]: def('setitimer', 'dpp', setitimer, 'supported', 'as getitimer: REAL sends SIGALRM on the kernel clock, VIRTUAL/PROF send SIGVTALRM/SIGPROF on process CPU time'),
};

