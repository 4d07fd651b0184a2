// timerfd: a timer on the kernel clock whose expirations are read as a u64 count.
// Like Linux, a periodic timer is not re-armed from the timer callback: expirations that
// pass unread are counted arithmetically when the file is read, polled or queried, and
// the kernel timer is armed again once the count has been read.
import { EAGAIN, EINVAL } from '../abi/linux/errno.js';
import { O_NONBLOCK, O_RDWR } from '../abi/linux/fcntl.js';
import { POLLIN } from '../abi/linux/fs.js';
import { BLOCK, WaitQueue } from '../lib/waitqueue.js';
import { File, Sleeper } from '../fs/vfs/file.js';
import type { Kernel } from './kernel.js';
import type { Timer } from './time.js';
import { registerCkptState } from '../lib/ckptstate.js';

let nextIno = 1;
registerCkptState('timerfd.nextIno', () => nextIno, (v) => { nextIno = v as number; });

export class TimerFdFile extends File {
  override get anonName(): string { return '[timerfd]'; }
  readonly pseudoMode = 0o600;
  readonly pseudoIno = nextIno++;
  readonly wq = new WaitQueue();
  /** Expirations not yet read. */
  ticks = 0;
  /** Next expiry (kernel monotonic ns; before boot for a deadline in the past), if armed. */
  next = 0;
  armed = false;
  /** Period in ns (0: one-shot). */
  interval = 0;
  private timer: Timer | null = null;

  constructor(readonly kernel: Kernel, readonly clockid: number, flags: number) {
    super(O_RDWR | (flags & O_NONBLOCK), null, null);
  }

  /** Count the expirations due by now. */
  private catchUp(): void {
    if (!this.armed) return;
    const now = this.kernel.now();
    if (now < this.next) return;
    if (this.interval > 0) {
      const n = Math.floor((now - this.next) / this.interval) + 1;
      this.ticks += n;
      this.next += n * this.interval;
    } else {
      this.ticks++;
      this.armed = false;
    }
  }

  /** Put the kernel timer at the next expiry (or remove it). */
  private arm(): void {
    const k = this.kernel;
    if (this.timer !== null) { k.timers.cancel(this.timer); this.timer = null; }
    if (!this.armed || this.closed) return;
    this.timer = k.timers.add(this.next, () => {
      this.timer = null;
      this.catchUp();
      this.wq.wakeAll();
    });
  }

  /** timerfd_settime: `at` is an absolute monotonic deadline (null: disarm). */
  set(at: number | null, interval: number): void {
    this.ticks = 0;
    this.interval = interval;
    this.armed = at !== null;
    this.next = at ?? 0;
    this.arm();
  }

  /** timerfd_gettime: [ns until the next expiry (0 if disarmed), interval]. */
  current(): [number, number] {
    this.catchUp();
    if (!this.armed) return [0, this.interval];
    return [Math.max(1, this.next - this.kernel.now()), this.interval];
  }

  override read(buf: Uint8Array, s: Sleeper): number {
    if (buf.length < 8) return -EINVAL;
    this.catchUp();
    if (this.ticks === 0) {
      if (this.flags & O_NONBLOCK) return -EAGAIN;
      if (this.timer === null) this.arm();
      s.blockOn(this.wq);
      return BLOCK;
    }
    const v = this.ticks;
    this.ticks = 0;
    new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, BigInt(v), true);
    this.arm();
    return 8;
  }

  override poll(): number {
    this.catchUp();
    return this.ticks > 0 ? POLLIN : 0;
  }
  override get waitQueue(): WaitQueue { return this.wq; }
  override release(): void {
    if (this.timer !== null) { this.kernel.timers.cancel(this.timer); this.timer = null; }
    this.armed = false;
  }
}
