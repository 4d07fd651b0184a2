// What the tty layer needs from the process model (sessions, process groups, signals),
// as an interface the kernel implements: drivers/ never imports kernel/. The kernel
// installs one implementation with setTtyJobControl(); "current" is the task executing
// the syscall. Without an implementation the tty degrades sensibly: no caller means no
// job-control checks, signals go nowhere (tests observe them through a fake).

/** Opaque controlling-terminal handle the kernel stores per process (a Tty). */
export interface CttyRef { readonly ttyName: string; }

/** The calling process, as the tty sees it. */
export interface TtyProc {
  readonly pid: number;
  readonly pgid: number;
  readonly sid: number;
  /** pid === sid. */
  readonly isSessionLeader: boolean;
  /** The process's controlling terminal (shared by its whole session in Linux terms:
   *  setting it here means "this session's ctty"). */
  ctty: CttyRef | null;
  /** Whether signal sig is blocked by the caller or its disposition is SIG_IGN. */
  sigIgnoredOrBlocked(sig: number): boolean;
  /** CAP_SYS_ADMIN (for TIOCSCTTY steal, TIOCSTI on another tty). */
  readonly isAdmin?: boolean;
}

export interface TtyJobControl {
  /** The process executing the current syscall, or null (kernel-internal I/O). */
  current(): TtyProc | null;
  /** Send sig to every process in group pgid. */
  signalPgrp(pgid: number, sig: number): void;
  /** Whether a process group with this id exists in session sid. */
  pgrpInSession(pgid: number, sid: number): boolean;
  /** Whether the group is orphaned (no member has a parent in another group of the same
   *  session). */
  isOrphanedPgrp(pgid: number): boolean;
  /** Drop the ctty of every process in session sid (after a hangup/disassociation). */
  clearSessionCtty?(sid: number): void;
  /** Monotonic time in milliseconds (VTIME); default process.uptime() in ms. */
  now?(): number;
  /** Call fn after ms milliseconds (VTIME); returns a canceller. Default: unref'd setTimeout. */
  addTimer?(ms: number, fn: () => void): () => void;
}

let impl: TtyJobControl | null = null;

/** Install (or with null remove) the kernel's job-control implementation. */
export function setTtyJobControl(j: TtyJobControl | null): void { impl = j; }
export function ttyJobControl(): TtyJobControl | null { return impl; }

export function currentProc(): TtyProc | null { return impl ? impl.current() : null; }
export function nowMs(): number { return impl?.now ? impl.now() : process.uptime() * 1000; }
export function addTimer(ms: number, fn: () => void): () => void {
  if (impl?.addTimer) return impl.addTimer(ms, fn);
  const h = setTimeout(fn, ms);
  h.unref?.();
  return () => clearTimeout(h);
}

/** Signal numbers the tty sends (asm-generic/signal.h). */
export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGCONT = 18, SIGTSTP = 20, SIGTTIN = 21,
  SIGTTOU = 22, SIGWINCH = 28;
