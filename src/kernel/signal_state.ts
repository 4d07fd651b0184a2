// Signal numbers and dispositions bookkeeping shared by the signal syscalls and delivery.
export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7,
  SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14,
  SIGTERM = 15, SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21,
  SIGTTOU = 22, SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28,
  SIGIO = 29, SIGPOLL_ = 29, SIGPWR = 30, SIGSYS = 31, SIGRTMIN = 32, NSIG = 64;
export const SIG_DFL = 0, SIG_IGN = 1;
export const SA_NOCLDSTOP = 1, SA_NOCLDWAIT = 2, SA_SIGINFO = 4, SA_UNSUPPORTED = 0x400,
  SA_EXPOSE_TAGBITS = 0x800, SA_RESTORER = 0x04000000, SA_ONSTACK = 0x08000000,
  SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000;
export const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
export const SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 0x80000000;
export const MINSIGSTKSZ = 2048;

/** Bit for signal n in a (lo, hi) mask pair: returns [word index 0|1, bit value]. */
export function sigBit(sig: number): number { return sig <= 32 ? (1 << (sig - 1)) : (1 << (sig - 33)); }
export function sigWord(sig: number): number { return sig <= 32 ? 0 : 1; }

export const STOP_SIGNALS = [SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU];
export function isStopSignal(sig: number): boolean { return sig === SIGSTOP || sig === SIGTSTP || sig === SIGTTIN || sig === SIGTTOU; }
/** Default action is to ignore. */
export function defaultIgnored(sig: number): boolean { return sig === SIGCHLD || sig === SIGURG || sig === SIGWINCH || sig === SIGCONT; }
export function isCoreSignal(sig: number): boolean {
  return sig === SIGQUIT || sig === SIGILL || sig === SIGTRAP || sig === SIGABRT || sig === SIGBUS ||
    sig === SIGFPE || sig === SIGSEGV || sig === SIGXCPU || sig === SIGXFSZ || sig === SIGSYS;
}
