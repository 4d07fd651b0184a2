// Open file descriptions: position, flags and operations. Inode-backed files use the
// inode's read/write; devices, pipes and channels subclass File. A blocking operation
// calls s.blockOn(wq) and returns BLOCK (it is re-executed from scratch when woken).
import { EBADF, EINVAL, EISDIR, ENOTDIR, ESPIPE, ENOTTY, EOVERFLOW, ENXIO } from '../../abi/linux/errno.js';
import { O_ACCMODE, O_WRONLY, O_RDONLY, O_PATH, O_APPEND, SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE } from '../../abi/linux/fcntl.js';
import { POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from '../../abi/linux/fs.js';
import type { WaitQueue } from '../../lib/waitqueue.js';
import type { AddressSpace } from '../../mm/aspace.js';
import type { Inode, DirEntry } from './inode.js';
import type { Path } from './mount.js';

import type { Sleeper } from '../../drivers/char/registry.js';
import { releaseFileLocks } from '../locks.js';
import { notifyInode, fileRef, IN_ACCESS, IN_MODIFY, IN_CLOSE_WRITE, IN_CLOSE_NOWRITE } from './fsnotify.js';
export type { Sleeper };

/** Largest file offset we accept (well inside exact doubles). */
export const MAX_LFS = 2 ** 53 - 1;

export abstract class File {
  pos = 0;
  /** Number of references (fd table slots, kernel holders). */
  refs = 0;
  /** Set once released. */
  closed = false;

  constructor(public flags: number, public readonly path: Path | null, public readonly inode: Inode | null) {}

  /** An anonymous file's name in /proc/PID/fd ("anon_inode:NAME"), as Linux gives it. */
  get anonName(): string | null { return null; }

  get readable(): boolean { return (this.flags & O_PATH) === 0 && (this.flags & O_ACCMODE) !== O_WRONLY; }
  get writable(): boolean { return (this.flags & O_PATH) === 0 && (this.flags & O_ACCMODE) !== O_RDONLY; }

  /** Read at the file position; bytes, 0 at EOF, -errno or BLOCK. */
  read(buf: Uint8Array, s: Sleeper): number {
    const n = this.pread(buf, this.pos, s);
    if (n > 0) this.pos += n;
    return n;
  }
  write(buf: Uint8Array, s: Sleeper): number {
    const n = this.pwrite(buf, this.pos, s);
    if (n > 0) this.pos += n;
    return n;
  }
  pread(_buf: Uint8Array, _pos: number, _s: Sleeper | null): number { return -ESPIPE; }
  pwrite(_buf: Uint8Array, _pos: number, _s: Sleeper | null): number { return -ESPIPE; }
  lseek(_off: number, _whence: number): number { return -ESPIPE; }
  /** Directory entries from the current position (dir files only). */
  readdirFrom(): { entries: DirEntry[]; start: number } | number { return -ENOTDIR; }
  ioctl(_cmd: number, _arg: number, _mm: AddressSpace, _s: Sleeper): number { return -ENOTTY; }
  /** Current readiness (POLL* bits). */
  poll(): number { return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM; }
  /** Where a poller waits for readiness changes (null: always ready). */
  get waitQueue(): WaitQueue | null { return null; }
  /** Bytes available to read (FIONREAD), or -errno. */
  available(): number { return -ENOTTY; }
  fsync(): number { return 0; }
  /** Bytes a write could take now without blocking (splice/sendfile sizing). */
  writeSpace(): number { return Infinity; }
  /** Last reference gone. */
  release(): void {}
  /** An fd of this file is being closed by the fd table `files` (Linux's f_op->flush). */
  flush(_files: object): void {}

  get(): this {
    if (this.refs++ === 0 && !this.closed) {
      if (this.path) this.path.mnt.openFiles++;
      if (this.inode) fileRef(this.inode, 1);
    }
    return this;
  }
  put(): void {
    if (--this.refs === 0 && !this.closed) {
      this.closed = true;
      if (this.path) this.path.mnt.openFiles--;
      if (this.inode) {
        releaseFileLocks(this.inode, this);
        if (!(this.flags & O_PATH)) notifyInode(this.inode, this.path?.d ?? null, this.writable ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE);
      }
      this.release();
      if (this.inode) fileRef(this.inode, -1);
    }
  }
}

/** A file opened through an inode (regular files, symlinks with O_PATH, directories). */
export class InodeFile extends File {
  declare readonly inode: Inode;
  /** Directory listing snapshot (taken at position 0). */
  private snapshot: DirEntry[] | null = null;

  constructor(flags: number, path: Path, inode: Inode) { super(flags, path, inode); }

  override read(buf: Uint8Array, s: Sleeper): number {
    if (this.flags & O_PATH) return -EBADF;
    return super.read(buf, s);
  }
  override write(buf: Uint8Array, s: Sleeper): number {
    if (this.flags & O_PATH) return -EBADF;
    if (this.flags & O_APPEND) { this.inode.refresh(); this.pos = this.inode.size; }
    return super.write(buf, s);
  }
  override pread(buf: Uint8Array, pos: number, _s?: Sleeper | null): number {
    if (this.inode.isDir) return -EISDIR;
    if (pos < 0) return -EINVAL;
    if (buf.length === 0) return 0;
    const pc = this.inode.pageCache;
    const n = pc !== null ? pc.read(this, buf, pos) : this.inode.read(this, buf, pos);
    if (n > 0) notifyInode(this.inode, this.path?.d ?? null, IN_ACCESS);
    return n;
  }
  override pwrite(buf: Uint8Array, pos: number, _s?: Sleeper | null): number {
    if (this.inode.isDir) return -EISDIR;
    if (pos < 0) return -EINVAL;
    // O_APPEND: every write goes to the end, pwrite's offset notwithstanding (as Linux).
    if (this.flags & O_APPEND) { this.inode.refresh(); pos = this.inode.size; }
    if (buf.length === 0) return 0;
    if (pos + buf.length > MAX_LFS) return -EOVERFLOW;
    const pc = this.inode.pageCache;
    const n = pc !== null ? pc.write(this, buf, pos) : this.inode.write(this, buf, pos);
    if (n > 0) notifyInode(this.inode, this.path?.d ?? null, IN_MODIFY);
    return n;
  }
  override lseek(off: number, whence: number): number {
    let base: number;
    switch (whence) {
      case SEEK_SET: base = 0; break;
      case SEEK_CUR: base = this.pos; break;
      case SEEK_END: this.inode.refresh(); base = this.inode.size; break;
      case SEEK_DATA: case SEEK_HOLE: {
        this.inode.refresh();
        if (off < 0 || off >= this.inode.size) return -ENXIO;
        this.pos = whence === SEEK_DATA ? off : this.inode.size;
        return this.pos;
      }
      default: return -EINVAL;
    }
    const p = base + off;
    if (p < 0) return -EINVAL;
    if (p > MAX_LFS) return -EOVERFLOW;
    if (this.inode.isDir && p === 0) this.snapshot = null;
    this.pos = p;
    return p;
  }
  override readdirFrom(): { entries: DirEntry[]; start: number } | number {
    if (!this.inode.isDir) return -ENOTDIR;
    if (this.snapshot === null || this.pos === 0) {
      const r = this.inode.readdir();
      if (typeof r === 'number') return r;
      const p = this.path!;
      const parent = p.d === p.mnt.root ? (p.mnt.mountpoint ? p.mnt.mountpoint.parent : p.d.parent) : p.d.parent;
      this.snapshot = [
        { name: '.', ino: this.inode.ino, type: 4 },
        { name: '..', ino: parent.inode.ino, type: 4 },
        ...r,
      ];
    }
    return { entries: this.snapshot, start: this.pos };
  }
  override ioctl(cmd: number, arg: number, mm: AddressSpace, s: Sleeper): number {
    return this.inode.ioctl(this, cmd, arg, mm, s);
  }
  override fsync(): number {
    const e = this.inode.pageCache?.writeback(this) ?? 0;
    const r = this.inode.sync();
    return e < 0 ? e : r;
  }
  override release(): void {
    // Dirty pages of shared mappings reach the file at the latest when it is closed.
    this.inode.pageCache?.writeback(this);
    this.inode.release(this);
  }
}
void EINVAL;
