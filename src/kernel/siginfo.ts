// siginfo_t: the record queued with a signal, and its 128-byte riscv64 layout.
import { SIGCHLD, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGPOLL_ } from './signal_state.js';

export const SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_TIMER = -2, SI_MESGQ = -3,
  SI_ASYNCIO = -4, SI_SIGIO = -5, SI_TKILL = -6;
export const SEGV_MAPERR = 1, SEGV_ACCERR = 2, BUS_ADRALN = 1, BUS_ADRERR = 2, ILL_ILLOPC = 1, TRAP_BRKPT = 1,
  FPE_INTDIV = 1;
export const CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_TRAPPED = 4, CLD_STOPPED = 5,
  CLD_CONTINUED = 6;

export class SigInfo {
  signo = 0; errno = 0; code = 0;
  pid = 0; uid = 0; status = 0;
  addr = 0; value = 0; overrun = 0; tid = 0;
  utime = 0; stime = 0; band = 0; fd = 0;
  /** Sent by the kernel with force_sig semantics (reaches even init). */
  forced = false;
  static of(signo: number, code: number, pid = 0, uid = 0): SigInfo {
    const s = new SigInfo(); s.signo = signo; s.code = code; s.pid = pid; s.uid = uid; return s;
  }
}

const buf = Buffer.alloc(128);

function put64(o: number, v: number): void {
  buf.writeInt32LE((v % 4294967296) | 0, o);
  buf.writeInt32LE(Math.floor(v / 4294967296) | 0, o + 4);
}

/** Encode as the guest sees it (union member chosen by signal and code, as Linux fills it). */
export function encodeSiginfo(s: SigInfo): Buffer {
  buf.fill(0);
  buf.writeInt32LE(s.signo, 0);
  buf.writeInt32LE(s.errno, 4);
  buf.writeInt32LE(s.code, 8);
  const sig = s.signo;
  if (s.code > 0 && s.code !== SI_KERNEL &&
    (sig === SIGSEGV || sig === SIGBUS || sig === SIGILL || sig === SIGFPE || sig === SIGTRAP)) {
    put64(16, s.addr);
  } else if (sig === SIGCHLD && s.code > 0) {
    buf.writeInt32LE(s.pid, 16); buf.writeUInt32LE(s.uid >>> 0, 20);
    buf.writeInt32LE(s.status, 24); put64(32, s.utime); put64(40, s.stime);
  } else if (s.code === SI_TIMER) {
    buf.writeInt32LE(s.tid, 16); buf.writeInt32LE(s.overrun, 20); put64(24, s.value);
  } else if (sig === SIGPOLL_ && s.code > 0) {
    put64(16, s.band); buf.writeInt32LE(s.fd, 24);
  } else {
    buf.writeInt32LE(s.pid, 16); buf.writeUInt32LE(s.uid >>> 0, 20);
    if (s.code === SI_QUEUE || s.code === SI_MESGQ || s.code < 0) put64(24, s.value);
  }
  return buf;
}
