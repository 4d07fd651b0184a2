// File descriptor table: fds → open file descriptions, with a per-fd close-on-exec flag.
// Lowest-free allocation; the soft RLIMIT_NOFILE (default 1024) bounds new fds.
import { EBADF, EMFILE, EINVAL } from '../../abi/linux/errno.js';
import { NR_OPEN_DEFAULT } from '../../abi/linux/fs.js';
import type { File } from './file.js';
import { releasePosixLocks } from '../locks.js';

export class FdTable {
  private files: (File | null)[] = [];
  private cloexec: boolean[] = [];
  /** Soft RLIMIT_NOFILE: fds must stay below it (the kernel updates it on setrlimit). */
  limit = NR_OPEN_DEFAULT;
  /** Tasks sharing this table (CLONE_FILES); the last one to exit closes everything. */
  users = 1;
  /** Lowest fd that may be free (allocation hint). */
  private hint = 0;

  get(fd: number): File | null {
    return fd >= 0 && fd < this.files.length ? this.files[fd] : null;
  }

  /** Install file at the lowest free fd >= min; takes a new reference. -EMFILE if full. */
  alloc(file: File, cloexec = false, min = 0): number {
    if (min < 0) return -EINVAL;
    let fd = Math.max(min, min === 0 ? this.hint : min);
    while (fd < this.files.length && this.files[fd] !== null) fd++;
    if (fd >= this.limit) return -EMFILE;
    while (this.files.length <= fd) { this.files.push(null); this.cloexec.push(false); }
    this.files[fd] = file.get();
    this.cloexec[fd] = cloexec;
    if (min === 0) this.hint = fd + 1;
    return fd;
  }

  /** Put file on exactly fd (dup2/dup3 target), closing what was there. */
  installAt(fd: number, file: File, cloexec = false): number {
    if (fd < 0 || fd >= this.limit) return -EBADF;
    while (this.files.length <= fd) { this.files.push(null); this.cloexec.push(false); }
    const old = this.files[fd];
    this.files[fd] = file.get();
    this.cloexec[fd] = cloexec;
    if (old) { old.flush(this); if (old.inode) releasePosixLocks(old.inode, this); old.put(); }
    return fd;
  }

  /** Remove fd, dropping its reference. 0 or -EBADF. */
  close(fd: number): number {
    const f = this.get(fd);
    if (!f) return -EBADF;
    this.files[fd] = null;
    this.cloexec[fd] = false;
    if (fd < this.hint) this.hint = fd;
    // POSIX record locks belong to the fd table (Linux: current->files) and go with any close.
    f.flush(this);
    if (f.inode) releasePosixLocks(f.inode, this);
    f.put();
    return 0;
  }

  /** dup(2): lowest free fd, cloexec cleared. */
  dup(fd: number, min = 0, cloexec = false): number {
    const f = this.get(fd);
    if (!f) return -EBADF;
    return this.alloc(f, cloexec, min);
  }

  /** dup3(2) semantics (dup2 when oldfd===newfd is handled by the caller). */
  dup3(oldfd: number, newfd: number, cloexec: boolean): number {
    const f = this.get(oldfd);
    if (!f) return -EBADF;
    if (oldfd === newfd) return -EINVAL;
    return this.installAt(newfd, f, cloexec);
  }

  getCloexec(fd: number): boolean { return this.cloexec[fd] === true; }
  setCloexec(fd: number, on: boolean): number {
    if (!this.get(fd)) return -EBADF;
    this.cloexec[fd] = on;
    return 0;
  }

  /** Open fds in ascending order (for /proc/PID/fd, close_range). */
  fds(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.files.length; i++) if (this.files[i]) out.push(i);
    return out;
  }

  /** A copy for fork (each file gains a reference). */
  clone(): FdTable {
    const t = new FdTable();
    t.limit = this.limit;
    t.files = this.files.map((f) => (f ? f.get() : null));
    t.cloexec = this.cloexec.slice();
    return t;
  }

  /** exec: close every close-on-exec fd. */
  closeOnExec(): void {
    for (let i = 0; i < this.files.length; i++) if (this.files[i] && this.cloexec[i]) this.close(i);
  }

  /** exit: close everything. */
  closeAll(): void {
    for (let i = 0; i < this.files.length; i++) if (this.files[i]) this.close(i);
    this.files = []; this.cloexec = []; this.hint = 0;
  }
}
