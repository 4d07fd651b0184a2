// signalfd: read dequeues pending signals of the mask from the reading task and returns
// struct signalfd_siginfo records (linux/signalfd.h). Like Linux, the file acts on the
// task that uses it; poll and wake-ups go through the process's SigHand.signalfdWait,
// which signal generation wakes.
import { EAGAIN, EINVAL } from '../abi/linux/errno.js';
import { O_NONBLOCK, O_RDWR } from '../abi/linux/fcntl.js';
import { POLLIN } from '../abi/linux/fs.js';
import { SIGNALFD_SIGINFO_SIZE } from '../abi/linux/events.js';
import { BLOCK, WaitQueue } from '../lib/waitqueue.js';
import { File, Sleeper } from '../fs/vfs/file.js';
import { Task } from './task.js';
import { dequeueFromSet, pendingOf } from './signal.js';
import { SigInfo, SI_KERNEL, SI_TIMER, SI_SIGIO } from './siginfo.js';
import { SIGCHLD, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGPOLL_, SIGSYS } from './signal_state.js';
import { registerCkptState } from '../lib/ckptstate.js';

let nextIno = 1;
registerCkptState('signalfd.nextIno', () => nextIno, (v) => { nextIno = v as number; });

/** Encode one signalfd_siginfo (fields chosen by Linux's siginfo_layout). */
export function encodeSignalfdSiginfo(s: SigInfo, b: Uint8Array, off: number): void {
  const v = new DataView(b.buffer, b.byteOffset + off, SIGNALFD_SIGINFO_SIZE);
  const u64 = (o: number, x: number): void => {
    v.setInt32(o, (x % 4294967296) | 0, true); v.setInt32(o + 4, Math.floor(x / 4294967296) | 0, true);
  };
  v.setUint32(0, s.signo, true);
  v.setInt32(4, s.errno, true);
  v.setInt32(8, s.code, true);
  const sig = s.signo, code = s.code;
  const kill = (): void => { v.setUint32(12, s.pid >>> 0, true); v.setUint32(16, s.uid >>> 0, true); };
  if (code > 0 && code < SI_KERNEL) {
    if (sig === SIGSEGV || sig === SIGBUS || sig === SIGILL || sig === SIGFPE || sig === SIGTRAP) u64(72, s.addr);
    else if (sig === SIGCHLD) {
      kill(); v.setInt32(40, s.status, true); u64(56, s.utime); u64(64, s.stime);
    } else if (sig === SIGPOLL_ || code <= 6) { v.setUint32(28, s.band >>> 0, true); v.setInt32(20, s.fd, true); }
    else if (sig === SIGSYS) u64(88, s.addr);
    else kill();
  } else if (code === SI_TIMER) {
    v.setUint32(24, s.tid >>> 0, true); v.setUint32(32, s.overrun >>> 0, true);
    v.setInt32(44, (s.value % 4294967296) | 0, true); u64(48, s.value);
  } else if (code === SI_SIGIO) {
    v.setUint32(28, s.band >>> 0, true); v.setInt32(20, s.fd, true);
  } else if (code < 0) {
    kill(); v.setInt32(44, (s.value % 4294967296) | 0, true); u64(48, s.value);
  } else kill();
}

export class SignalFdFile extends File {
  override get anonName(): string { return '[signalfd]'; }
  readonly pseudoMode = 0o600;
  readonly pseudoIno = nextIno++;

  constructor(private owner: Task, flags: number, public maskLo: number, public maskHi: number) {
    super(O_RDWR | (flags & O_NONBLOCK), null, null);
  }

  /** The task the file acts on: the caller when it belongs to the owner's process. */
  private who(): Task {
    const c = this.owner.kernel.current;
    return c !== null && c.tgid === this.owner.tgid ? c : this.owner;
  }

  override read(buf: Uint8Array, s: Sleeper): number {
    const t = s instanceof Task ? s : this.who();
    this.owner = t;
    const n = Math.floor(buf.length / SIGNALFD_SIGINFO_SIZE);
    if (n === 0) return -EINVAL;
    let got = 0;
    while (got < n) {
      const info = dequeueFromSet(t, this.maskLo, this.maskHi);
      if (info === null) break;
      buf.fill(0, got * SIGNALFD_SIGINFO_SIZE, (got + 1) * SIGNALFD_SIGINFO_SIZE);
      encodeSignalfdSiginfo(info, buf, got * SIGNALFD_SIGINFO_SIZE);
      got++;
    }
    if (got > 0) return got * SIGNALFD_SIGINFO_SIZE;
    if (this.flags & O_NONBLOCK) return -EAGAIN;
    s.blockOn(t.sighand.signalfdWait);
    return BLOCK;
  }

  override poll(): number {
    const [lo, hi] = pendingOf(this.who());
    return (lo & this.maskLo) !== 0 || (hi & this.maskHi) !== 0 ? POLLIN : 0;
  }
  override get waitQueue(): WaitQueue { return this.who().sighand.signalfdWait; }
}
