// eventfd(2): a 64-bit counter. read takes it (or 1 with EFD_SEMAPHORE) and blocks at 0;
// write adds and blocks while the sum would exceed 0xfffffffffffffffe. Not a hot path, so
// the counter is a BigInt.
import { EAGAIN, EINVAL } from '../abi/linux/errno.js';
import { O_NONBLOCK, O_RDWR } from '../abi/linux/fcntl.js';
import { POLLIN, POLLOUT, POLLERR } from '../abi/linux/fs.js';
import { BLOCK, WaitQueue } from '../lib/waitqueue.js';
import { File, Sleeper } from './vfs/file.js';
import { registerCkptState } from '../lib/ckptstate.js';

const ULLONG_MAX = 0xffffffffffffffffn;
let nextIno = 1;
registerCkptState('eventfd.nextIno', () => nextIno, (v) => { nextIno = v as number; });

export class EventFdFile extends File {
  override get anonName(): string { return '[eventfd]'; }
  readonly pseudoMode = 0o600;
  readonly pseudoIno = nextIno++;
  readonly wq = new WaitQueue();
  count: bigint;

  constructor(initval: number, flags: number, readonly semaphore: boolean) {
    super(O_RDWR | (flags & O_NONBLOCK), null, null);
    this.count = BigInt(initval >>> 0);
  }

  override read(buf: Uint8Array, s: Sleeper): number {
    if (buf.length < 8) return -EINVAL;
    if (this.count === 0n) {
      if (this.flags & O_NONBLOCK) return -EAGAIN;
      s.blockOn(this.wq);
      return BLOCK;
    }
    const v = this.semaphore ? 1n : this.count;
    this.count -= v;
    new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, v, true);
    this.wq.wakeAll();
    return 8;
  }

  override write(buf: Uint8Array, s: Sleeper): number {
    if (buf.length < 8) return -EINVAL;
    const v = new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true);
    if (v === ULLONG_MAX) return -EINVAL;
    if (ULLONG_MAX - this.count <= v) {
      if (this.flags & O_NONBLOCK) return -EAGAIN;
      s.blockOn(this.wq);
      return BLOCK;
    }
    this.count += v;
    this.wq.wakeAll();
    return 8;
  }

  /** eventfd_signal: add n from inside the kernel (AIO completions), saturating. */
  signal(n: number): void {
    let v = BigInt(n);
    if (ULLONG_MAX - this.count < v) v = ULLONG_MAX - this.count;
    this.count += v;
    this.wq.wakeAll();
  }

  override poll(): number {
    let m = 0;
    if (this.count > 0n) m |= POLLIN;
    if (this.count === ULLONG_MAX) m |= POLLERR;
    if (ULLONG_MAX - 1n > this.count) m |= POLLOUT;
    return m;
  }
  override get waitQueue(): WaitQueue { return this.wq; }
  override release(): void { this.wq.wakeAll(); }
}
