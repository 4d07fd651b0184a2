// An open character device or host channel: File operations forwarded to a CharDev.
import { EINVAL, ESPIPE, ENOTTY } from '../../abi/linux/errno.js';
import { O_NONBLOCK } from '../../abi/linux/fcntl.js';
import { POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from '../../abi/linux/fs.js';
import type { WaitQueue } from '../../lib/waitqueue.js';
import type { AddressSpace } from '../../mm/aspace.js';
import type { CharDev } from '../../drivers/char/registry.js';
import { File, Sleeper } from './file.js';
import type { Inode } from './inode.js';
import type { Path } from './mount.js';

export class DevFile extends File {
  constructor(flags: number, path: Path | null, inode: Inode | null, readonly dev: CharDev) {
    super(flags, path, inode);
  }
  override read(buf: Uint8Array, s: Sleeper): number {
    return this.dev.read ? this.dev.read(buf, (this.flags & O_NONBLOCK) !== 0, s) : -EINVAL;
  }
  override write(buf: Uint8Array, s: Sleeper): number {
    return this.dev.write ? this.dev.write(buf, (this.flags & O_NONBLOCK) !== 0, s) : -EINVAL;
  }
  override pread(buf: Uint8Array, _pos: number, s: Sleeper | null): number {
    if (!this.dev.seekable || !s) return -ESPIPE;
    return this.read(buf, s);
  }
  override pwrite(buf: Uint8Array, _pos: number, s: Sleeper | null): number {
    if (!this.dev.seekable || !s) return -ESPIPE;
    return this.write(buf, s);
  }
  override lseek(_off: number, _whence: number): number {
    return this.dev.seekable ? 0 : -ESPIPE;
  }
  override ioctl(cmd: number, arg: number, mm: AddressSpace, s: Sleeper): number {
    return this.dev.ioctl ? this.dev.ioctl(cmd, arg, mm, s) : -ENOTTY;
  }
  override poll(): number {
    return this.dev.poll ? this.dev.poll() : POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
  }
  override get waitQueue(): WaitQueue | null { return this.dev.waitQueue ?? null; }
  override available(): number { return this.dev.available ? this.dev.available() : -ENOTTY; }
  override release(): void { this.dev.release?.(); }
}
