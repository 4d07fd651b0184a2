// Signals: generation (permission-free core; the syscalls check permissions), the
// default actions, and delivery to user handlers through the riscv64 rt_sigframe.
import { Task, TaskState } from './task.js';
import { exitGroup, signaledStatus } from './exit.js';
import { SigInfo, encodeSiginfo, SI_KERNEL, SEGV_MAPERR, SEGV_ACCERR, CLD_STOPPED, CLD_CONTINUED, CLD_EXITED, CLD_KILLED, CLD_DUMPED, ILL_ILLOPC, TRAP_BRKPT, BUS_ADRALN, BUS_ADRERR } from './siginfo.js';
import * as S from './signal_state.js';
import { copyOut, copyIn, UserFault } from '../mm/usercopy.js';
import { ACC_W } from '../mm/mmu.js';

/** Address of the sigreturn trampoline page (our vDSO stand-in), mapped by exec. */
export const SIGTRAMP = 0x3ffffff000;
/** `li a7, 139; ecall` */
export const SIGTRAMP_CODE = [0x08b00893, 0x00000073];
const FRAME_SIZE = 1088, UC = 128, MC = UC + 176, FPREGS = MC + 256, FCSR = FPREGS + 256;

export { isCoreSignal } from './signal_state.js';

function has(lo: number, hi: number, sig: number): boolean {
  return (S.sigWord(sig) === 0 ? lo : hi) & S.sigBit(sig) ? true : false;
}
export function isBlocked(t: Task, sig: number): boolean { return has(t.maskLo, t.maskHi, sig); }
/** A pending set: a thread's own (pendLo/pendHi/sigq) or its group's shared one (lo/hi/q). */
interface PendSet { lo: number; hi: number; readonly q: SigInfo[]; }
/** A view of t's private pending set with the shape of the shared one. */
function own(t: Task): PendSet {
  return {
    get lo() { return t.pendLo; }, set lo(v: number) { t.pendLo = v; },
    get hi() { return t.pendHi; }, set hi(v: number) { t.pendHi = v; },
    q: t.sigq,
  };
}
function isPending(p: PendSet, sig: number): boolean { return has(p.lo, p.hi, sig); }
function setPending(p: PendSet, sig: number): void {
  if (S.sigWord(sig) === 0) p.lo |= S.sigBit(sig); else p.hi |= S.sigBit(sig);
}
function clearPendingIn(p: PendSet, sig: number): void {
  if (S.sigWord(sig) === 0) p.lo &= ~S.sigBit(sig); else p.hi &= ~S.sigBit(sig);
  for (let i = p.q.length - 1; i >= 0; i--) if (p.q[i].signo === sig) p.q.splice(i, 1);
}
/** Discard sig from t's own pending set and its group's shared one. */
export function clearPending(t: Task, sig: number): void {
  clearPendingIn(own(t), sig);
  clearPendingIn(t.shared, sig);
}
/** Does t take sig now (unblocked, or waited for in sigtimedwait)? */
function wants(t: Task, sig: number): boolean {
  return !isBlocked(t, sig) || has(t.waitSetLo, t.waitSetHi, sig);
}

/** Is sig ignored by t (SIG_IGN, or SIG_DFL whose default is to ignore)? */
export function isIgnored(t: Task, sig: number): boolean {
  const h = t.sighand.actions[sig].handler;
  return h === S.SIG_IGN || (h === S.SIG_DFL && S.defaultIgnored(sig));
}

/** The threads of t's thread group. */
export function groupOf(t: Task): Task[] {
  const out: Task[] = [];
  for (const o of t.kernel.tasks.values()) if (o.tgid === t.tgid && o.state !== TaskState.Zombie && o.state !== TaskState.Dead) out.push(o);
  return out;
}

/**
 * Send sig to task t (thread-directed when `thread`, else to its process). `force`
 * is the kernel's own signal (faults): it overrides blocking/ignoring like force_sig.
 */
export function sendSignal(t: Task, sig: number, info: SigInfo, thread = false, force = false): void {
  let g: Task[] = [];
  if (!thread) {
    // Process-directed: queued on the group's shared set, taken by any thread that
    // does not block it. A zombie leader still names its live threads.
    g = groupOf(t);
    if (g.length === 0) return;
    if (!g.includes(t)) t = g[0];
  } else if (t.state === TaskState.Zombie || t.state === TaskState.Dead) return;
  let act = t.sighand.actions[sig];
  if (force && (isBlocked(t, sig) || act.handler === S.SIG_IGN)) {
    // force_sig: unblock, and a fault that cannot be handled resets to the default.
    if (S.sigWord(sig) === 0) t.maskLo &= ~S.sigBit(sig); else t.maskHi &= ~S.sigBit(sig);
    if (act.handler === S.SIG_IGN) { act = t.sighand.writable(sig); act.handler = S.SIG_DFL; }
  }
  // init ignores signals with the default action unless the kernel forces them; a
  // blocked signal is still queued (its handler may change, or sigtimedwait takes it).
  const blockedOrWaited = isBlocked(t, sig) || has(t.waitSetLo, t.waitSetHi, sig);
  if (t.tgid === 1 && act.handler === S.SIG_DFL && !force && !blockedOrWaited) return;
  if (sig === S.SIGCONT || sig === S.SIGKILL) {
    for (const o of groupOf(t)) for (const st of S.STOP_SIGNALS) clearPending(o, st);
    continueGroup(t);
  } else if (S.isStopSignal(sig)) {
    for (const o of groupOf(t)) clearPending(o, S.SIGCONT);
  }
  if (isIgnored(t, sig) && !isBlocked(t, sig) && sig !== S.SIGKILL) return;
  const set = thread ? own(t) : t.shared;
  if (sig < S.SIGRTMIN && isPending(set, sig)) return;     // standard signals do not queue
  setPending(set, sig);
  set.q.push(info);
  t.sighand.signalfdWait.wakeAll();
  if (thread) {
    if (sig === S.SIGKILL || wants(t, sig)) signalWake(t, sig);
    return;
  }
  // complete_signal: wake the target if it takes the signal, else another thread that does.
  const w = sig === S.SIGKILL || wants(t, sig) ? t : g.find((o) => wants(o, sig));
  if (w !== undefined) signalWake(w, sig);
}

/** Make t notice a signal: wake it from a sleep; SIGKILL also wakes a stopped task. */
function signalWake(t: Task, sig: number): void {
  // A vfork parent waits for its child uninterruptibly (only SIGKILL gets through).
  if (t.vforkChild !== null && t.vforkChild.vforkDone !== null && sig !== S.SIGKILL) return;
  if (t.state === TaskState.Blocked) t.wake();
  else if (t.state === TaskState.Stopped && sig === S.SIGKILL) { t.state = TaskState.Runnable; t.kernel.makeRunnable(t); }
}

/** SIGCONT: resume a stopped group and tell the parent. */
function continueGroup(t: Task): void {
  let was = false;
  for (const o of groupOf(t)) {
    if (o.state === TaskState.Stopped) {
      was = true;
      o.state = TaskState.Runnable;
      o.kernel.makeRunnable(o);
    }
    o.stopSig = 0;
  }
  if (was) {
    const leader = t.kernel.tasks.get(t.tgid) ?? t;
    leader.reportStop = false;
    leader.reportCont = true;
    notifyParent(leader, CLD_CONTINUED, S.SIGCONT);
  }
}

/** Stop the thread group with sig (default action of a stop signal). */
function stopGroup(t: Task, sig: number): void {
  for (const o of groupOf(t)) { o.state = TaskState.Stopped; o.stopSig = sig; const i = o.kernel.runq.indexOf(o); if (i >= 0) o.kernel.runq.splice(i, 1); }
  const leader = t.kernel.tasks.get(t.tgid) ?? t;
  leader.reportCont = false;
  leader.reportStop = true;
  notifyParent(leader, CLD_STOPPED, sig);
}

/** SIGCHLD to the parent for a stop/continue (exit uses childExited). */
function notifyParent(t: Task, code: number, status: number): void {
  const p = t.parent;
  if (!p) return;
  p.childWait.wakeAll();
  const act = p.sighand.actions[S.SIGCHLD];
  if ((act.flags & S.SA_NOCLDSTOP) !== 0) return;
  const info = SigInfo.of(S.SIGCHLD, code, t.tgid, t.cred.uid);
  info.status = status;
  sendSignal(p, S.SIGCHLD, info);
}

/** Exit notification: SIGCHLD (or the exit signal) to the parent; auto-reap if it ignores SIGCHLD. */
export function childExited(t: Task): void {
  const p = t.parent;
  if (!p) return;
  const st = t.exitStatus;
  const sig = st & 0x7f;
  const info = SigInfo.of(S.SIGCHLD, sig === 0 ? CLD_EXITED : (st & 0x80 ? CLD_DUMPED : CLD_KILLED), t.tgid, t.cred.uid);
  info.status = sig === 0 ? (st >> 8) & 0xff : sig;
  info.utime = Math.floor(t.hart.instret / 1e6);
  const act = p.sighand.actions[S.SIGCHLD];
  if (act.handler === S.SIG_IGN || (act.flags & S.SA_NOCLDWAIT) !== 0) {
    // Auto-reap: the child never becomes a waitable zombie.
    t.kernel.reap(t);
    p.childWait.wakeAll();
    return;
  }
  if (t.exitSignal > 0) sendSignal(p, t.exitSignal, info);
  p.childWait.wakeAll();
}

/** Kill every thread of t's group with signal sig. */
export function killGroup(t: Task, sig: number): void {
  exitGroup(t, signaledStatus(sig, S.isCoreSignal(sig)));
}

/** A synchronous fault (SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP) at addr. */
export function faultSignal(t: Task, sig: number, addr: number, kind: number): void {
  if (t.state === TaskState.Zombie) return;
  let code: number = SI_KERNEL;
  if (sig === S.SIGSEGV && kind >= 0) code = t.mm.find(addr) !== null ? SEGV_ACCERR : SEGV_MAPERR;
  else if (sig === S.SIGILL) code = ILL_ILLOPC;
  else if (sig === S.SIGBUS) code = kind >= 0 && t.mm.faultSigbus ? BUS_ADRERR : BUS_ADRALN;
  else if (sig === S.SIGTRAP) code = TRAP_BRKPT;
  const info = SigInfo.of(sig, code);
  info.addr = addr;
  info.forced = true;
  sendSignal(t, sig, info, true, true);
}

export function hasDeliverable(t: Task): boolean {
  const sh = t.shared;
  return ((t.pendLo | sh.lo) & ~t.maskLo) !== 0 || ((t.pendHi | sh.hi) & ~t.maskHi) !== 0;
}

/** Lowest pending unblocked signal, synchronous faults first; 0 if none. */
function nextSignal(t: Task): number {
  const lo = (t.pendLo | t.shared.lo) & ~t.maskLo, hi = (t.pendHi | t.shared.hi) & ~t.maskHi;
  for (const s of [S.SIGSEGV, S.SIGBUS, S.SIGILL, S.SIGTRAP, S.SIGFPE, S.SIGSYS]) if (lo & S.sigBit(s)) return s;
  if (lo !== 0) return 31 - Math.clz32(lo & -lo) + 1;
  if (hi !== 0) return 31 - Math.clz32(hi & -hi) + 33;
  return 0;
}

/**
 * Take sig's oldest siginfo off t's own queue, else off the group's shared one, clearing
 * the pending bit if none remain there.
 */
export function dequeue(t: Task, sig: number): SigInfo {
  const p: PendSet = isPending(own(t), sig) ? own(t) : t.shared;
  const i = p.q.findIndex((s) => s.signo === sig);
  const info = i >= 0 ? p.q.splice(i, 1)[0] : SigInfo.of(sig, SI_KERNEL);
  if (!p.q.some((s) => s.signo === sig)) {
    if (S.sigWord(sig) === 0) p.lo &= ~S.sigBit(sig); else p.hi &= ~S.sigBit(sig);
  }
  return info;
}

/** Signals pending for t: its own and its group's shared set, as a (lo, hi) pair. */
export function pendingOf(t: Task): [number, number] {
  return [t.pendLo | t.shared.lo, t.pendHi | t.shared.hi];
}

/** Dequeue one signal from `set` (lo/hi) if pending; 0 if none. */
export function dequeueFromSet(t: Task, lo: number, hi: number): SigInfo | null {
  const plo = (t.pendLo | t.shared.lo) & lo, phi = (t.pendHi | t.shared.hi) & hi;
  if (plo === 0 && phi === 0) return null;
  const sig = plo !== 0 ? 31 - Math.clz32(plo & -plo) + 1 : 31 - Math.clz32(phi & -phi) + 33;
  return dequeue(t, sig);
}

/** Hook from the run loop: re-execute the interrupted syscall with t.interrupted set. */
export type Reexec = (t: Task) => void;

/**
 * Deliver pending signals before t returns to user mode. `reexec` re-runs the syscall t
 * was blocked in (so it can return -EINTR and clean up) when a handler interrupts it.
 */
export function deliverPending(t: Task, reexec: Reexec, restartClass: (t: Task) => number): void {
  while (t.state === TaskState.Runnable) {
    const sig = nextSignal(t);
    if (sig === 0) return;
    const info = dequeue(t, sig);
    const act = t.sighand.actions[sig];
    if (act.handler === S.SIG_IGN) continue;
    if (act.handler === S.SIG_DFL) {
      if (S.defaultIgnored(sig)) continue;
      if (t.tgid === 1 && !info.forced) continue;
      if (S.isStopSignal(sig)) {
        if (sig !== S.SIGSTOP && t.kernel.isOrphanedPgrp?.(t.pgid)) continue;
        stopGroup(t, sig);
        return;
      }
      if (t.tgid === 1) t.kernel.log(`Kernel panic - not syncing: Attempted to kill init! exitcode=0x${signaledStatus(sig, false).toString(16).padStart(8, '0')}`, true);
      killGroup(t, sig);
      return;
    }
    // A handler runs. First settle the syscall the task was blocked in, if any.
    if (t.inSyscall) {
      t.inSyscall = false;
      const cls = restartClass(t);
      if (!(cls === RESTART_SYS && (act.flags & S.SA_RESTART) !== 0)) {
        t.interrupted = true;
        reexec(t);
        t.interrupted = false;
      }
    }
    if (!setupFrame(t, sig, info, act.handler, act.flags, act.maskLo, act.maskHi)) {
      faultSignal(t, S.SIGSEGV, t.hart.getNum(2), ACC_W);
      continue;
    }
    if ((act.flags & S.SA_RESETHAND) !== 0) { const w = t.sighand.writable(sig); w.handler = S.SIG_DFL; w.flags &= ~S.SA_SIGINFO; }
    // Like Linux's exit-to-user loop, further unblocked signals are set up on top, so
    // the last one set up runs first.
  }
}

/** Restart classes of syscalls for a handler interrupting them (Linux's -ERESTART* codes). */
export const RESTART_SYS = 0, RESTART_NOHAND = 1, RESTART_NEVER = 2;

const regBuf = new Uint8Array(FRAME_SIZE);
const regDv = new DataView(regBuf.buffer);

function onAltStack(t: Task, sp: number): boolean {
  return t.altStackSize > 0 && (t.altStackFlags & S.SS_DISABLE) === 0 && sp > t.altStackSp && sp <= t.altStackSp + t.altStackSize;
}

function altFlags(t: Task, sp: number): number {
  if ((t.altStackFlags & S.SS_DISABLE) !== 0 || t.altStackSize === 0) return S.SS_DISABLE;
  return onAltStack(t, sp) ? S.SS_ONSTACK : 0;
}

/** Build the rt_sigframe and point the hart at the handler. False if the stack is unusable. */
function setupFrame(t: Task, sig: number, info: SigInfo, handler: number, flags: number, mLo: number, mHi: number): boolean {
  const h = t.hart;
  let sp = h.getNum(2);
  if ((flags & S.SA_ONSTACK) !== 0 && altFlags(t, sp) === 0) sp = t.altStackSp + t.altStackSize;
  const frame = Math.floor((sp - FRAME_SIZE) / 16) * 16;
  regBuf.fill(0);
  regBuf.set(encodeSiginfo(info), 0);
  // ucontext: uc_flags, uc_link, uc_stack{ss_sp, ss_flags, ss_size}, uc_sigmask
  setU64(UC + 16, t.altStackSp);
  regDv.setInt32(UC + 24, altFlags(t, h.getNum(2)), true);
  setU64(UC + 32, t.altStackSize);
  const oLo = t.restoreMask ? t.savedMaskLo : t.maskLo, oHi = t.restoreMask ? t.savedMaskHi : t.maskHi;
  t.restoreMask = false;
  regDv.setInt32(UC + 40, oLo, true); regDv.setInt32(UC + 44, oHi, true);
  // mcontext: pc, x1..x31, f0..f31, fcsr
  setU64(MC, h.pc);
  const x = h.x;
  for (let i = 1; i < 32; i++) { regDv.setInt32(MC + 8 * i, x[2 * i], true); regDv.setInt32(MC + 8 * i + 4, x[2 * i + 1], true); }
  for (let i = 0; i < 32; i++) { regDv.setInt32(FPREGS + 8 * i, h.fi[2 * i], true); regDv.setInt32(FPREGS + 8 * i + 4, h.fi[2 * i + 1], true); }
  regDv.setUint32(FCSR, (h.frm << 5) | h.fflags, true);
  try { copyOut(t.mm, frame, regBuf); } catch (e) { if (e instanceof UserFault) return false; throw e; }
  // Block the handler's mask (and sig itself unless SA_NODEFER) while it runs.
  t.maskLo |= mLo; t.maskHi |= mHi;
  if ((flags & S.SA_NODEFER) === 0) { if (S.sigWord(sig) === 0) t.maskLo |= S.sigBit(sig); else t.maskHi |= S.sigBit(sig); }
  t.maskLo &= ~(S.sigBit(S.SIGKILL) | S.sigBit(S.SIGSTOP));
  h.setNum(2, frame);
  h.setNum(1, SIGTRAMP);
  h.setNum(10, sig);
  h.setNum(11, frame);
  h.setNum(12, frame + UC);
  h.pc = handler;
  return true;
}

function setU64(o: number, v: number): void {
  regDv.setInt32(o, (v % 4294967296) | 0, true);
  regDv.setInt32(o + 4, Math.floor(v / 4294967296) | 0, true);
}

/** rt_sigreturn: restore the context saved in the frame at sp. False on a bad frame. */
export function sigreturn(t: Task): boolean {
  const h = t.hart;
  const frame = h.getNum(2);
  try { copyIn(t.mm, frame, regBuf, 0, FRAME_SIZE); } catch (e) { if (e instanceof UserFault) return false; throw e; }
  const x = h.x;
  h.pc = regDv.getUint32(MC + 4, true) * 4294967296 + regDv.getUint32(MC, true);
  for (let i = 1; i < 32; i++) { x[2 * i] = regDv.getInt32(MC + 8 * i, true); x[2 * i + 1] = regDv.getInt32(MC + 8 * i + 4, true); }
  for (let i = 0; i < 32; i++) { h.fi[2 * i] = regDv.getInt32(FPREGS + 8 * i, true); h.fi[2 * i + 1] = regDv.getInt32(FPREGS + 8 * i + 4, true); }
  const fcsr = regDv.getUint32(FCSR, true);
  h.fflags = fcsr & 31; h.frm = (fcsr >> 5) & 7;
  t.maskLo = regDv.getInt32(UC + 40, true) & ~(S.sigBit(S.SIGKILL) | S.sigBit(S.SIGSTOP));
  t.maskHi = regDv.getInt32(UC + 44, true);
  // uc_stack is restored like sigaltstack(2) would (errors ignored).
  const ssp = regDv.getUint32(UC + 20, true) * 4294967296 + regDv.getUint32(UC + 16, true);
  const sfl = regDv.getInt32(UC + 24, true);
  const ssz = regDv.getUint32(UC + 36, true) * 4294967296 + regDv.getUint32(UC + 32, true);
  if (!onAltStack(t, h.getNum(2))) {
    if ((sfl & S.SS_DISABLE) !== 0) { t.altStackFlags = S.SS_DISABLE; }
    else if (ssz >= S.MINSIGSTKSZ) { t.altStackSp = ssp; t.altStackSize = ssz; t.altStackFlags = sfl & ~S.SS_ONSTACK; }
  }
  return true;
}
