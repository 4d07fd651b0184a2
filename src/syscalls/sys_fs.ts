// File syscalls: decode and check arguments, then call the VFS (fs/).
import type { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import {
  EBADF, EINVAL, EFAULT, EPIPE, EAGAIN, ENOENT, ERANGE, ENOTDIR, ESPIPE, EISDIR, ENOTTY, EPERM, EOPNOTSUPP, ENAMETOOLONG, EOVERFLOW, ENODEV, EFBIG,
} from '../abi/linux/errno.js';
import {
  O_CLOEXEC, O_NONBLOCK, O_NOCTTY, O_APPEND, O_ACCMODE, O_PATH, O_LARGEFILE, O_DIRECT, O_NOATIME, FASYNC,
  AT_FDCWD, AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, AT_SYMLINK_FOLLOW, AT_REMOVEDIR, AT_EACCESS,
  AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL,
  F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_GETOWN, F_SETOWN, F_GETSIG, F_SETSIG,
  F_GETPIPE_SZ, F_SETPIPE_SZ, F_SETLEASE, F_GETLEASE, F_NOTIFY, F_ADD_SEALS, F_GET_SEALS, FD_CLOEXEC, F_UNLCK,
} from '../abi/linux/fcntl.js';
import * as ST from '../abi/linux/stat.js';
import { STATFS_SIZE, F_TYPE, F_BSIZE, F_BLOCKS, F_BFREE, F_BAVAIL, F_FILES, F_FFREE, F_FSID, F_NAMELEN, F_FRSIZE, F_FLAGS, PATH_MAX, MAX_RW_COUNT } from '../abi/linux/fs.js';
import { readIov, iovTotal, gather, scatter } from './iovec.js';
import { FIONREAD, FIOCLEX, FIONCLEX, FIONBIO, TCGETS } from '../abi/linux/ioctl.js';
import { copyIn, copyOut, readCString, readI64, writeI64, readU32, writeU32, readBytes, readBytesTransient, transientBuffer, TRANSIENT_MAX } from '../mm/usercopy.js';
import { BLOCK } from '../lib/waitqueue.js';
import type { File } from '../fs/vfs/file.js';
import { InodeFile } from '../fs/vfs/file.js';
import type { Inode, FsCred } from '../fs/vfs/inode.js';
import type { Mount, Path } from '../fs/vfs/mount.js';
import * as V from '../fs/vfs/ops.js';
import { PipeFile } from '../fs/pipe.js';
import { syncAllPageCaches } from '../fs/pagecache.js';
import { fcntlLock, sysFlockImpl } from './sys_locks.js';
import { syncAllExt2 } from '../fs/ext2/index.js';
import { syncAllBlockDevices } from '../drivers/block/blkdev.js';
import { sendSignal } from '../kernel/signal.js';
import { SigInfo, SI_USER } from '../kernel/siginfo.js';

const SIGPIPE = 13;
/** A write that found no reader raises SIGPIPE on the writing thread (and still fails with EPIPE). */
function epipe(t: Task, r: number): number {
  if (r === -EPIPE) sendSignal(t, SIGPIPE, SigInfo.of(SIGPIPE, SI_USER, t.pid, t.cred.uid), true);
  return r;
}

const CHUNK = 1 << 20;
/** sendfile's buffer when the input's size tells nothing (a pipe, procfs, end of file). */
const SENDFILE_PROBE = 64 << 10;

// ---- helpers -------------------------------------------------------------------------

function getFile(t: Task, fd: number): File | null {
  return t.files.get(fd);
}

/** A path argument: the string, or -errno (EFAULT, ENAMETOOLONG). */
function path(t: Task, va: number): string | number {
  const s = readCString(t.mm, va, PATH_MAX);
  return s === null ? -ENAMETOOLONG : s;
}

/** Start directory for dirfd/path, honouring AT_EMPTY_PATH for ''. */
function start(t: Task, dirfd: number, p: string): Path | number {
  return V.startAt(t.fs, t.files, dirfd | 0, p);
}

function emptyPathTarget(t: Task, dirfd: number): Path | number {
  if ((dirfd | 0) === AT_FDCWD) return t.fs.cwd;
  const f = getFile(t, dirfd | 0);
  if (!f) return -EBADF;
  return f.path ?? -EBADF;
}

/** Resolve (dirfd, pathname, flags) for the *at calls that accept AT_EMPTY_PATH. */
/** n: the walk's state, for callers that read n.fresh. */
function resolveAt(t: Task, dirfd: number, pva: number, flags: number, follow: boolean,
  n?: V.NameData): Path | { file: File } | number {
  const p = path(t, pva);
  if (typeof p === 'number') return p;
  if (p.length === 0 && (flags & AT_EMPTY_PATH)) {
    if ((dirfd | 0) === AT_FDCWD) return t.fs.cwd;
    const f = getFile(t, dirfd | 0);
    if (!f) return -EBADF;
    return f.path ?? { file: f };
  }
  const s = start(t, dirfd, p);
  if (typeof s === 'number') return s;
  return n ? V.lookupPath(t.fs, t.cred, s, p, follow, n) : V.lookupPath(t.fs, t.cred, s, p, follow);
}

const cred = (t: Task): FsCred => t.cred;

// ---- stat encoding -------------------------------------------------------------------

/**
 * The stat encoders fill reused buffers, which their callers copy out at once: fstat and
 * newfstatat are among the most common syscalls, and a fresh buffer, DataView and helper
 * closure per call were garbage for V8 to collect. fillStatx reads pseudoStat's, so that
 * one has a buffer of its own.
 */
const STAT_B = new Uint8Array(ST.STAT_SIZE), STAT_V = new DataView(STAT_B.buffer);
const PSEUDO_B = new Uint8Array(ST.STAT_SIZE), PSEUDO_V = new DataView(PSEUDO_B.buffer);
const STATX_B = new Uint8Array(ST.STATX_STRUCT_SIZE), STATX_V = new DataView(STATX_B.buffer);
/** Little-endian 64-bit x (exact below 2^53) at offset o of v. */
function put64(v: DataView, o: number, x: number): void {
  v.setUint32(o, x >>> 0, true); v.setUint32(o + 4, Math.floor(x / 4294967296) >>> 0, true);
}

function fillStat(inode: Inode, dev: number): Uint8Array {
  const v = STAT_V;
  STAT_B.fill(0);
  put64(v, ST.ST_DEV, dev);
  put64(v, ST.ST_INO, inode.ino);
  v.setUint32(ST.ST_MODE, inode.mode >>> 0, true);
  v.setUint32(ST.ST_NLINK, inode.nlink >>> 0, true);
  v.setUint32(ST.ST_UID, inode.uid >>> 0, true);
  v.setUint32(ST.ST_GID, inode.gid >>> 0, true);
  put64(v, ST.ST_RDEV, inode.rdev);
  put64(v, ST.ST_SIZE, inode.size);
  v.setInt32(ST.ST_BLKSIZE, 4096, true);
  put64(v, ST.ST_BLOCKS, inode.blockCount());
  put64(v, ST.ST_ATIME, inode.atimeSec); put64(v, ST.ST_ATIME_NSEC, inode.atimeNsec);
  put64(v, ST.ST_MTIME, inode.mtimeSec); put64(v, ST.ST_MTIME_NSEC, inode.mtimeNsec);
  put64(v, ST.ST_CTIME, inode.ctimeSec); put64(v, ST.ST_CTIME_NSEC, inode.ctimeNsec);
  return STAT_B;
}

function statOfFile(f: File): [Inode, number] | null {
  if (f.inode) { f.inode.refresh(); return [f.inode, f.path ? f.path.mnt.sb.dev : f.inode.sb.dev]; }
  return null;
}

/** Files without an inode (channels, anonymous pipes) stat as a character device or FIFO. */
function pseudoStat(f: File): Uint8Array {
  const v = PSEUDO_V;
  PSEUDO_B.fill(0);
  const mode = (f as { pseudoMode?: number }).pseudoMode ?? (ST.S_IFCHR | 0o620);
  v.setUint32(ST.ST_MODE, mode, true);
  v.setUint32(ST.ST_NLINK, 1, true);
  v.setUint32(ST.ST_INO, (f as { pseudoIno?: number }).pseudoIno ?? 1, true);
  v.setUint32(ST.ST_RDEV, (f as { pseudoRdev?: number }).pseudoRdev ?? ST.makedev(5, 1), true);
  v.setInt32(ST.ST_BLKSIZE, 4096, true);
  return PSEUDO_B;
}

/** statx of an inode, or (inode null) of a file without one (`pseudo`, see pseudoStat). */
function fillStatx(inode: Inode | null, mnt: Mount | null, pseudo: File | null): Uint8Array {
  const v = STATX_V;
  STATX_B.fill(0);
  v.setUint32(ST.STX_MASK, ST.STATX_BASIC_STATS | ST.STATX_MNT_ID, true);
  v.setUint32(ST.STX_BLKSIZE, 4096, true);
  if (inode) {
    const dev = mnt ? mnt.sb.dev : inode.sb.dev;
    v.setUint32(ST.STX_NLINK, inode.nlink, true);
    v.setUint32(ST.STX_UID, inode.uid >>> 0, true);
    v.setUint32(ST.STX_GID, inode.gid >>> 0, true);
    v.setUint16(ST.STX_MODE, inode.mode & 0xffff, true);
    put64(v, ST.STX_INO, inode.ino);
    put64(v, ST.STX_SIZE, inode.size);
    put64(v, ST.STX_BLOCKS, inode.blockCount());
    put64(v, ST.STX_ATTRIBUTES_MASK, ST.STATX_ATTR_MOUNT_ROOT);
    if (mnt && inode.alias && mnt.root.inode === inode) put64(v, ST.STX_ATTRIBUTES, ST.STATX_ATTR_MOUNT_ROOT);
    put64(v, ST.STX_ATIME, inode.atimeSec); v.setUint32(ST.STX_ATIME + 8, inode.atimeNsec, true);
    put64(v, ST.STX_MTIME, inode.mtimeSec); v.setUint32(ST.STX_MTIME + 8, inode.mtimeNsec, true);
    put64(v, ST.STX_CTIME, inode.ctimeSec); v.setUint32(ST.STX_CTIME + 8, inode.ctimeNsec, true);
    v.setUint32(ST.STX_RDEV_MAJOR, ST.major(inode.rdev), true);
    v.setUint32(ST.STX_RDEV_MINOR, ST.minor(inode.rdev), true);
    v.setUint32(ST.STX_DEV_MAJOR, ST.major(dev), true);
    v.setUint32(ST.STX_DEV_MINOR, ST.minor(dev), true);
    put64(v, ST.STX_MNT_ID, mnt ? mnt.id : 0);
  } else if (pseudo) {
    pseudoStat(pseudo);
    const sv = PSEUDO_V;
    v.setUint32(ST.STX_NLINK, 1, true);
    v.setUint16(ST.STX_MODE, sv.getUint32(ST.ST_MODE, true) & 0xffff, true);
    put64(v, ST.STX_INO, sv.getUint32(ST.ST_INO, true));
    const rdev = sv.getUint32(ST.ST_RDEV, true);
    v.setUint32(ST.STX_RDEV_MAJOR, ST.major(rdev), true);
    v.setUint32(ST.STX_RDEV_MINOR, ST.minor(rdev), true);
  }
  return STATX_B;
}

// ---- read / write --------------------------------------------------------------------

function checkRead(f: File | null): number {
  if (!f || !f.readable) return -EBADF;
  if (f.inode && f.inode.isDir && f instanceof InodeFile) return -EISDIR;
  return 0;
}
function checkWrite(f: File | null): number {
  if (!f || !f.writable) return -EBADF;
  return 0;
}

/** Read up to count bytes into guest va (one file op; regular files fill in chunks). */
function doRead(t: Task, f: File, va: number, count: number, pos: number): number {
  count = Math.min(count, MAX_RW_COUNT);
  if (count === 0) return f.inode && f instanceof InodeFile ? 0 : (pos < 0 ? f.read(new Uint8Array(0), t) : 0);
  const regular = f instanceof InodeFile;
  if (count <= TRANSIENT_MAX) {
    // The fast path: a small read goes through a reused buffer (read() copies into it).
    const buf = transientBuffer(count);
    const n = pos < 0 ? f.read(buf, t) : f.pread(buf, pos, t);
    if (n > 0) copyOut(t.mm, va, buf, 0, n);
    return n;
  }
  let done = 0;
  while (done < count) {
    const buf = new Uint8Array(Math.min(count - done, CHUNK));
    const n = pos < 0 ? f.read(buf, t) : f.pread(buf, pos + done, t);
    if (n < 0) return done > 0 && n !== BLOCK ? done : (done > 0 ? done : n);
    if (n > 0) copyOut(t.mm, va + done, buf, 0, n);
    done += n;
    if (!regular || n < buf.length) break;
  }
  return done;
}

function doWrite(t: Task, f: File, va: number, count: number, pos: number): number {
  count = Math.min(count, MAX_RW_COUNT);
  if (count === 0) return 0;
  const regular = f instanceof InodeFile;
  if (!regular) {
    // A pipe copies what it takes at once, so a small write needs no fresh buffer.
    const buf = count <= TRANSIENT_MAX && f instanceof PipeFile ? readBytesTransient(t.mm, va, count) : readBytes(t.mm, va, count);
    return pos < 0 ? f.write(buf, t) : f.pwrite(buf, pos, t);
  }
  let done = 0;
  while (done < count) {
    const n0 = Math.min(count - done, CHUNK);
    const buf = new Uint8Array(n0);
    copyIn(t.mm, va + done, buf, 0, n0);
    const n = pos < 0 ? f.write(buf, t) : f.pwrite(buf, pos + done, t);
    if (n < 0) return done > 0 ? done : n;
    done += n;
    if (n < n0) break;
  }
  return done;
}

export function sysRead(t: Task, fd: number, buf: number, count: number): number {
  const f = getFile(t, fd | 0);
  const e = checkRead(f);
  if (e) return e;
  if (count < 0) return -EINVAL;
  return doRead(t, f!, buf, count, -1);
}
export function sysWrite(t: Task, fd: number, buf: number, count: number): number {
  const f = getFile(t, fd | 0);
  const e = checkWrite(f);
  if (e) return e;
  if (count < 0) return -EINVAL;
  return epipe(t, doWrite(t, f!, buf, count, -1));
}
export function sysPread(t: Task, fd: number, buf: number, count: number, pos: number): number {
  const f = getFile(t, fd | 0);
  const e = checkRead(f);
  if (e) return e;
  if (pos < 0) return -EINVAL;
  return doRead(t, f!, buf, count, pos);
}
export function sysPwrite(t: Task, fd: number, buf: number, count: number, pos: number): number {
  const f = getFile(t, fd | 0);
  const e = checkWrite(f);
  if (e) return e;
  if (pos < 0) return -EINVAL;
  return epipe(t, doWrite(t, f!, buf, count, pos));
}

export function sysReadv(t: Task, fd: number, iov: number, cnt: number, pos = -1): number {
  const f = getFile(t, fd | 0);
  const e = checkRead(f);
  if (e) return e;
  const v = readIov(t, iov, cnt);
  if (typeof v === 'number') return v;
  const total = iovTotal(v);
  if (total === 0) return 0;
  // One file operation for the whole vector (atomic for pipes/ttys), then scatter.
  const buf = new Uint8Array(Math.min(total, 16 * CHUNK));
  const n = pos < 0 ? f!.read(buf, t) : f!.pread(buf, pos, t);
  if (n <= 0) return n;
  scatter(t, v, buf, n);
  return n;
}
export function sysWritev(t: Task, fd: number, iov: number, cnt: number, pos = -1): number {
  const f = getFile(t, fd | 0);
  const e = checkWrite(f);
  if (e) return e;
  const v = readIov(t, iov, cnt);
  if (typeof v === 'number') return v;
  const buf = gather(t, v);
  if (buf.length === 0) return 0;
  return epipe(t, pos < 0 ? f!.write(buf, t) : f!.pwrite(buf, pos, t));
}

// ---- open / close / seek -------------------------------------------------------------

function sysOpenat(t: Task, dirfd: number, pva: number, flags: number, mode: number): number {
  const p = path(t, pva);
  if (typeof p === 'number') return p;
  const s = start(t, dirfd, p);
  if (typeof s === 'number') return s;
  flags = flags >>> 0;
  const f = V.openPath(t.fs, cred(t), s, p, flags & ~O_CLOEXEC, mode & 0o7777, t);
  if (typeof f === 'number') return f;
  f.flags |= O_LARGEFILE;
  const fd = t.files.alloc(f, (flags & O_CLOEXEC) !== 0);
  if (fd < 0) { f.get(); f.put(); }
  return fd;
}

function sysClose(t: Task, fd: number): number { return t.files.close(fd | 0); }

function sysCloseRange(t: Task, first: number, last: number, flags: number): number {
  first >>>= 0; last >>>= 0;
  if (first > last) return -EINVAL;
  const CLOSE_RANGE_UNSHARE = 2, CLOSE_RANGE_CLOEXEC = 4;
  if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) return -EINVAL;
  for (const fd of t.files.fds()) {
    if (fd < first || fd > last) continue;
    if (flags & CLOSE_RANGE_CLOEXEC) t.files.setCloexec(fd, true); else t.files.close(fd);
  }
  return 0;
}

function sysLseek(t: Task, fd: number, off: number, whence: number): number {
  const f = getFile(t, fd | 0);
  if (!f) return -EBADF;
  if (f.flags & O_PATH) return -EBADF;
  return f.lseek(off, whence >>> 0);
}

// ---- stat ----------------------------------------------------------------------------

function sysFstat(t: Task, fd: number, sva: number): number {
  const f = getFile(t, fd | 0);
  if (!f) return -EBADF;
  const r = statOfFile(f);
  copyOut(t.mm, sva, r ? fillStat(r[0], r[1]) : pseudoStat(f));
  return 0;
}

function sysNewfstatat(t: Task, dirfd: number, pva: number, sva: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) return -EINVAL;
  const n = new V.NameData(t.fs.root, t.cred);
  const r = resolveAt(t, dirfd, pva, flags, (flags & AT_SYMLINK_NOFOLLOW) === 0, n);
  if (typeof r === 'number') return r;
  if ('file' in r) return sysFstat(t, dirfd, sva);
  if (n.fresh !== r.d.inode) r.d.inode.refresh();
  copyOut(t.mm, sva, fillStat(r.d.inode, r.mnt.sb.dev));
  return 0;
}

function sysStatx(t: Task, dirfd: number, pva: number, flags: number, mask: number, bva: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)) return -EINVAL;
  if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE) return -EINVAL;
  if ((mask >>> 0) & ST.STATX__RESERVED) return -EINVAL;
  const n = new V.NameData(t.fs.root, t.cred);
  const r = resolveAt(t, dirfd, pva, flags, (flags & AT_SYMLINK_NOFOLLOW) === 0, n);
  if (typeof r === 'number') return r;
  if ('file' in r) {
    const f = r.file;
    const s = statOfFile(f);
    copyOut(t.mm, bva, fillStatx(s ? s[0] : null, f.path ? f.path.mnt : null, s ? null : f));
    return 0;
  }
  if (n.fresh !== r.d.inode) r.d.inode.refresh();
  copyOut(t.mm, bva, fillStatx(r.d.inode, r.mnt, null));
  return 0;
}

// ---- directories ---------------------------------------------------------------------

function sysGetdents64(t: Task, fd: number, dva: number, count: number): number {
  const f = getFile(t, fd | 0);
  if (!f || (f.flags & O_PATH)) return -EBADF;
  const r = f.readdirFrom();
  if (typeof r === 'number') return r;
  count = Math.min(count >>> 0, 1 << 20);
  const out = new Uint8Array(count);
  const v = new DataView(out.buffer);
  let off = 0;
  let i = r.start;
  for (; i < r.entries.length; i++) {
    const e = r.entries[i];
    const reclen = (19 + e.name.length + 1 + 7) & ~7;
    if (off + reclen > count) break;
    put64(v, off, e.ino);
    v.setUint32(off + 8, i + 1, true);
    v.setUint32(off + 12, 0, true);
    v.setUint16(off + 16, reclen, true);
    out[off + 18] = e.type;
    for (let k = 0; k < e.name.length; k++) out[off + 19 + k] = e.name.charCodeAt(k);
    off += reclen;
  }
  if (off === 0 && i < r.entries.length) return -EINVAL;
  if (off > 0) copyOut(t.mm, dva, out, 0, off);
  f.pos = i;
  return off;
}

function sysGetcwd(t: Task, buf: number, size: number): number {
  const s = V.getCwd(t.fs);
  if (typeof s === 'number') return s;
  const b = Buffer.from(s + '\0', 'latin1');
  if (b.length > size) return -ERANGE;
  copyOut(t.mm, buf, b);
  return b.length;
}

function sysChdir(t: Task, pva: number): number {
  const p = path(t, pva);
  if (typeof p === 'number') return p;
  return V.chdirPath(t.fs, cred(t), p[0] === '/' ? t.fs.root : t.fs.cwd, p);
}
function sysFchdir(t: Task, fd: number): number {
  const f = getFile(t, fd | 0);
  if (!f) return -EBADF;
  if (!f.path) return -ENOTDIR;
  return V.setCwd(t.fs, cred(t), f.path);
}
function sysChroot(t: Task, pva: number): number {
  const p = path(t, pva);
  if (typeof p === 'number') return p;
  return V.chrootPath(t.fs, cred(t), p[0] === '/' ? t.fs.root : t.fs.cwd, p);
}

function sysReadlinkat(t: Task, dirfd: number, pva: number, buf: number, size: number): number {
  if ((size | 0) <= 0) return -EINVAL;
  const p = path(t, pva);
  if (typeof p === 'number') return p;
  let r: string | number;
  if (p.length === 0) {
    const tp = emptyPathTarget(t, dirfd);
    if (typeof tp === 'number') return tp;
    r = tp.d.inode.isLnk ? tp.d.inode.readlink() : -ENOENT;
  } else {
    const s = start(t, dirfd, p);
    if (typeof s === 'number') return s;
    r = V.readlinkAt(t.fs, cred(t), s, p);
  }
  if (typeof r === 'number') return r;
  const b = Buffer.from(r, 'latin1');
  const n = Math.min(b.length, size | 0);
  copyOut(t.mm, buf, b, 0, n);
  return n;
}

function sysFaccessat2(t: Task, dirfd: number, pva: number, mode: number, flags: number): number {
  if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const c = t.cred;
  const who: FsCred = flags & AT_EACCESS ? c : { fsuid: c.uid, fsgid: c.gid, groups: c.groups };
  const p = path(t, pva);
  if (typeof p === 'number') return p;
  if (p.length === 0 && (flags & AT_EMPTY_PATH)) {
    const tp = emptyPathTarget(t, dirfd);
    if (typeof tp === 'number') return tp;
    return V.accessInode(tp, who, mode);
  }
  const s = start(t, dirfd, p);
  if (typeof s === 'number') return s;
  return V.accessAt(t.fs, who, s, p, mode, (flags & AT_SYMLINK_NOFOLLOW) === 0);
}
function sysFaccessat(t: Task, dirfd: number, pva: number, mode: number): number {
  return sysFaccessat2(t, dirfd, pva, mode, 0);
}

// ---- fcntl / dup / ioctl -------------------------------------------------------------

const SETFL_MASK = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | FASYNC;

function sysFcntl(t: Task, fd: number, cmd: number, arg: number): number {
  fd |= 0;
  const f = getFile(t, fd);
  if (!f) return -EBADF;
  switch (cmd | 0) {
    case F_DUPFD: case F_DUPFD_CLOEXEC: {
      const min = arg | 0;
      if (min < 0 || arg >= t.files.limit) return -EINVAL;
      return t.files.dup(fd, min, (cmd | 0) === F_DUPFD_CLOEXEC);
    }
    case F_GETFD: return t.files.getCloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD: return t.files.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
    case F_GETFL: return f.flags & ~O_CLOEXEC;
    case F_SETFL:
      if (f.flags & O_PATH) return -EBADF;
      f.flags = (f.flags & ~SETFL_MASK) | (arg & SETFL_MASK);
      return 0;
    case F_GETLK: case F_OFD_GETLK:
    case F_SETLK: case F_SETLKW: case F_OFD_SETLK: case F_OFD_SETLKW:
      return fcntlLock(t, f, cmd | 0, arg);
    case F_GETOWN: return 0;
    case F_SETOWN: return 0;
    case F_GETSIG: return 0;
    case F_SETSIG: return 0;
    case F_GETLEASE: return F_UNLCK;
    case F_SETLEASE: return -EINVAL;
    case F_NOTIFY: return -EINVAL;
    case F_GETPIPE_SZ: case F_SETPIPE_SZ: {
      const p = f as unknown as { pipeSize?: (n?: number) => number };
      return p.pipeSize ? p.pipeSize((cmd | 0) === F_SETPIPE_SZ ? arg : undefined) : -EBADF;
    }
    case F_ADD_SEALS: case F_GET_SEALS: return -EINVAL;
    default: return -EINVAL;
  }
}

function sysDup(t: Task, fd: number): number { return t.files.dup(fd | 0); }
function sysDup3(t: Task, oldfd: number, newfd: number, flags: number): number {
  if (flags & ~O_CLOEXEC) return -EINVAL;
  if ((oldfd | 0) === (newfd | 0)) return -EINVAL;
  if ((newfd | 0) < 0) return -EBADF;
  return t.files.dup3(oldfd | 0, newfd | 0, (flags & O_CLOEXEC) !== 0);
}

function sysIoctl(t: Task, fd: number, cmd: number, arg: number): number {
  fd |= 0;
  const f = getFile(t, fd);
  if (!f || (f.flags & O_PATH)) return -EBADF;
  cmd >>>= 0;
  switch (cmd) {
    case FIOCLEX: return t.files.setCloexec(fd, true);
    case FIONCLEX: return t.files.setCloexec(fd, false);
    case FIONBIO: {
      const on = readU32(t.mm, arg) !== 0;
      f.flags = on ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
      return 0;
    }
  }
  if (cmd === TIOCGPTPEER) return ptyPeer(t, f, arg);
  const r = f.ioctl(cmd, arg, t.mm, t);
  if (r !== -ENOTTY || cmd !== FIONREAD) return r;
  // FIONREAD fallbacks: regular files report the bytes after the position.
  let n = f.available();
  if (n === -ENOTTY && f instanceof InodeFile) {
    if (f.inode.isDir) return -EINVAL;
    f.inode.refresh();
    n = Math.max(0, f.inode.size - f.pos);
  }
  if (n < 0) return n;
  writeU32(t.mm, arg, n);
  return 0;
}
void TCGETS;

/** TIOCGPTPEER on a pty master: open its slave, /dev/pts/N, as a new fd (flags: open flags). */
const TIOCGPTPEER = 0x5441;
function ptyPeer(t: Task, f: File, flags: number): number {
  const dev = (f as { dev?: { ptyIndex?(): number } }).dev;
  if (!dev?.ptyIndex) return -ENOTTY;
  flags >>>= 0;
  if (flags & ~(O_ACCMODE | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
  const p = V.openPath(t.fs, { fsuid: 0, fsgid: 0, groups: [] }, t.fs.cwd, `/dev/pts/${dev.ptyIndex()}`, flags & ~O_CLOEXEC, 0, t);
  if (typeof p === 'number') return p;
  const fd = t.files.alloc(p, (flags & O_CLOEXEC) !== 0);
  if (fd < 0) { p.get(); p.put(); }
  return fd;
}

function sysUmask(t: Task, mask: number): number {
  const old = t.fs.umask;
  t.fs.umask = mask & 0o777;
  return old;
}

// ---- namespace changes ---------------------------------------------------------------

function withStart(t: Task, dirfd: number, pva: number, fn: (s: Path, p: string) => number): number {
  const p = path(t, pva);
  if (typeof p === 'number') return p;
  const s = start(t, dirfd, p);
  if (typeof s === 'number') return s;
  return fn(s, p);
}

function sysMkdirat(t: Task, dirfd: number, pva: number, mode: number): number {
  return withStart(t, dirfd, pva, (s, p) => V.mkdirAt(t.fs, cred(t), s, p, mode));
}
function sysMknodat(t: Task, dirfd: number, pva: number, mode: number, dev: number): number {
  return withStart(t, dirfd, pva, (s, p) => V.mknodAt(t.fs, cred(t), s, p, mode >>> 0, dev >>> 0));
}
function sysUnlinkat(t: Task, dirfd: number, pva: number, flags: number): number {
  if (flags & ~AT_REMOVEDIR) return -EINVAL;
  return withStart(t, dirfd, pva, (s, p) => V.unlinkAt(t.fs, cred(t), s, p, (flags & AT_REMOVEDIR) !== 0));
}
function sysRenameat2(t: Task, ofd: number, opva: number, nfd: number, npva: number, flags: number): number {
  const op = path(t, opva);
  if (typeof op === 'number') return op;
  const np = path(t, npva);
  if (typeof np === 'number') return np;
  const os = start(t, ofd, op);
  if (typeof os === 'number') return os;
  const ns = start(t, nfd, np);
  if (typeof ns === 'number') return ns;
  return V.renameAt(t.fs, cred(t), os, op, ns, np, flags >>> 0);
}
function sysSymlinkat(t: Task, tva: number, dirfd: number, pva: number): number {
  const target = path(t, tva);
  if (typeof target === 'number') return target;
  return withStart(t, dirfd, pva, (s, p) => V.symlinkAt(t.fs, cred(t), target, s, p));
}
function sysLinkat(t: Task, ofd: number, opva: number, nfd: number, npva: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const op = path(t, opva);
  if (typeof op === 'number') return op;
  const np = path(t, npva);
  if (typeof np === 'number') return np;
  const ns = start(t, nfd, np);
  if (typeof ns === 'number') return ns;
  if (op.length === 0 && (flags & AT_EMPTY_PATH)) {
    // Linking an open file (O_TMPFILE): needs CAP_DAC_READ_SEARCH, as on Linux.
    if (t.cred.euid !== 0) return -ENOENT;
    const src = emptyPathTarget(t, ofd);
    if (typeof src === 'number') return src;
    return V.linkAt(t.fs, cred(t), src, null, false, ns, np);
  }
  const os = start(t, ofd, op);
  if (typeof os === 'number') return os;
  return V.linkAt(t.fs, cred(t), os, op, (flags & AT_SYMLINK_FOLLOW) !== 0, ns, np);
}

// ---- attributes ----------------------------------------------------------------------

function sysFtruncate(t: Task, fd: number, len: number): number {
  const f = getFile(t, fd | 0);
  if (!f || (f.flags & O_PATH)) return -EBADF;
  if (!(f instanceof InodeFile) || !f.writable) return f.writable ? -EINVAL : (f instanceof InodeFile ? -EINVAL : -EINVAL);
  if (len < 0) return -EINVAL;
  if (f.flags & O_APPEND) return -EPERM;
  return V.truncateInode(f.path!, cred(t), len, false);
}
function sysTruncate(t: Task, pva: number, len: number): number {
  return withStart(t, AT_FDCWD, pva, (s, p) => {
    const r = V.lookupPath(t.fs, cred(t), s, p, true);
    if (typeof r === 'number') return r;
    return V.truncateInode(r, cred(t), len, true);
  });
}
function sysFsync(t: Task, fd: number): number {
  const f = getFile(t, fd | 0);
  if (!f || (f.flags & O_PATH)) return -EBADF;
  return f.fsync();
}
/** sync(2): dirty mapped pages into their files, filesystem metadata and block devices to the host. */
function sysSync(): number { syncAllPageCaches(); syncAllExt2(); syncAllBlockDevices(); return 0; }
/** syncfs(2): the filesystem holding fd (ext2: its metadata and device; others: no-op). */
function sysSyncfs(t: Task, fd: number): number {
  const f = getFile(t, fd | 0);
  if (!f) return -EBADF;
  syncAllPageCaches();
  const sb = f.path?.mnt.sb as { sync?: () => number } | undefined;
  return sb?.sync ? sb.sync() : 0;
}

function sysFchmod(t: Task, fd: number, mode: number): number {
  const f = getFile(t, fd | 0);
  if (!f) return -EBADF;
  if (!f.path || (f.flags & O_PATH)) return -EBADF;
  return V.chmodInode(f.path, cred(t), mode);
}
function sysFchmodat(t: Task, dirfd: number, pva: number, mode: number): number {
  return withStart(t, dirfd, pva, (s, p) => {
    const r = V.lookupPath(t.fs, cred(t), s, p, true);
    if (typeof r === 'number') return r;
    return V.chmodInode(r, cred(t), mode);
  });
}
function sysFchownat(t: Task, dirfd: number, pva: number, uid: number, gid: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const r = resolveAt(t, dirfd, pva, flags, (flags & AT_SYMLINK_NOFOLLOW) === 0);
  if (typeof r === 'number') return r;
  if ('file' in r) return -EBADF;
  return V.chownInode(r, cred(t), uid | 0, gid | 0);
}
function sysFchown(t: Task, fd: number, uid: number, gid: number): number {
  const f = getFile(t, fd | 0);
  if (!f || !f.path || (f.flags & O_PATH)) return -EBADF;
  return V.chownInode(f.path, cred(t), uid | 0, gid | 0);
}

function sysUtimensat(t: Task, dirfd: number, pva: number, tva: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  let times: [[number, number], [number, number]] | null = null;
  if (tva) {
    times = [[readI64(t.mm, tva), readI64(t.mm, tva + 8)], [readI64(t.mm, tva + 16), readI64(t.mm, tva + 24)]];
  }
  let target: Path;
  if (pva === 0) {
    // utimensat(fd, NULL, ...) is futimens.
    const f = getFile(t, dirfd | 0);
    if ((dirfd | 0) === AT_FDCWD) return -EFAULT;
    if (!f || !f.path) return -EBADF;
    target = f.path;
  } else {
    const r = resolveAt(t, dirfd, pva, flags, (flags & AT_SYMLINK_NOFOLLOW) === 0);
    if (typeof r === 'number') return r;
    if ('file' in r) return -EBADF;
    target = r;
  }
  return V.utimensInode(target, cred(t), times);
}

function writeStatfs(t: Task, va: number, s: V.StatFsResult): void {
  const b = new Uint8Array(STATFS_SIZE);
  const v = new DataView(b.buffer);
  put64(v, F_TYPE, s.type); put64(v, F_BSIZE, s.bsize); put64(v, F_BLOCKS, s.blocks); put64(v, F_BFREE, s.bfree);
  put64(v, F_BAVAIL, s.bavail); put64(v, F_FILES, s.files); put64(v, F_FFREE, s.ffree);
  v.setUint32(F_FSID, s.fsid >>> 0, true);
  put64(v, F_NAMELEN, s.namelen); put64(v, F_FRSIZE, s.frsize); put64(v, F_FLAGS, s.flags);
  copyOut(t.mm, va, b);
}
function sysStatfs(t: Task, pva: number, bva: number): number {
  return withStart(t, AT_FDCWD, pva, (s, p) => {
    const r = V.statfsPath(t.fs, cred(t), s, p);
    if (typeof r === 'number') return r;
    writeStatfs(t, bva, r);
    return 0;
  });
}
function sysFstatfs(t: Task, fd: number, bva: number): number {
  const f = getFile(t, fd | 0);
  if (!f) return -EBADF;
  if (!f.path) {
    writeStatfs(t, bva, { type: 0x50495045, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, namelen: 255, flags: 0x20, fsid: 0, frsize: 4096 });
    return 0;
  }
  writeStatfs(t, bva, V.statfsOf(f.path));
  return 0;
}

function sysSendfile(t: Task, outfd: number, infd: number, offva: number, count: number): number {
  const out = getFile(t, outfd | 0), inp = getFile(t, infd | 0);
  if (checkWrite(out) || checkRead(inp)) return -EBADF;
  if (out!.flags & O_APPEND) return -EINVAL;
  if (count < 0) return -EINVAL;
  count = Math.min(count, MAX_RW_COUNT);
  const seekable = inp instanceof InodeFile;
  let pos = offva ? readI64(t.mm, offva) : seekable ? inp.pos : -1;
  if (offva && pos < 0) return -EINVAL;
  if (offva && !seekable) return -ESPIPE;
  let done = 0;
  while (done < count) {
    // Never read more than the output can take now: bytes read and not written would be lost.
    let room = out!.writeSpace();
    if (room === 0) {
      if (done) break;
      if (out!.flags & O_NONBLOCK) return -EAGAIN;
      const q = out!.waitQueue;
      if (!q) return -EAGAIN;
      t.blockOn(q);
      return BLOCK;
    }
    // What is left of a regular file bounds the buffer (a size of 0, as procfs files have,
    // says nothing): `cat` of a small file asks for 2 GB, and a 1 MiB buffer for each of its
    // calls (the last one at end of file) showed in the host memory of an idle boot.
    const left = seekable ? inp!.inode.size - pos : 0;
    const buf = new Uint8Array(Math.min(count - done, CHUNK, room, left > 0 ? left : SENDFILE_PROBE));
    const n = seekable ? inp!.pread(buf, pos, t) : inp!.read(buf, t);
    if (n < 0) { if (done) break; return n; }
    if (n === 0) break;
    const w = out!.write(buf.subarray(0, n), t);
    if (w < 0) { if (done) break; return epipe(t, w); }
    done += w;
    if (seekable) { pos += w; if (!offva) inp!.pos = pos; }
    if (w < n) break;
  }
  if (offva) writeI64(t.mm, offva, pos);
  return done;
}

function sysFadvise(t: Task, fd: number): number { return getFile(t, fd | 0) ? 0 : -EBADF; }
const FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;
/**
 * fallocate: mode 0 (extend), KEEP_SIZE (nothing to reserve: files grow on demand) and
 * PUNCH_HOLE|KEEP_SIZE (the range reads back as zeros; space is not given back), as tmpfs
 * supports; other modes are EOPNOTSUPP.
 */
function sysFallocate(t: Task, fd: number, mode: number, off: number, len: number): number {
  const f = getFile(t, fd | 0);
  if (!f || !f.writable) return -EBADF;
  mode >>>= 0;
  if (off < 0 || len <= 0) return -EINVAL;
  if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE)) return -EOPNOTSUPP;
  if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) return -EOPNOTSUPP;
  if (f.inode === null || (f.inode.mode & ST.S_IFMT) === ST.S_IFIFO) return -ESPIPE;
  if (f.inode.isDir) return -EISDIR;
  if (!f.inode.isReg || !(f instanceof InodeFile)) return -ENODEV;
  if (off + len > 2 ** 53) return -EFBIG;
  f.inode.refresh();
  const size = f.inode.size;
  if (mode & FALLOC_FL_PUNCH_HOLE) {
    const end = Math.min(off + len, size);
    const fl = f.flags;
    f.flags &= ~O_APPEND; // zeroing in place, not appending
    try {
      for (let p = off; p < end;) {
        const n = Math.min(end - p, CHUNK);
        const w = f.pwrite(new Uint8Array(n), p, t);
        if (w < 0) return w;
        p += w;
      }
    } finally { f.flags = fl; }
    return 0;
  }
  if (mode & FALLOC_FL_KEEP_SIZE) return 0;
  if (off + len > size) return V.truncateInode(f.path!, cred(t), off + len, false);
  return 0;
}

void ENOTDIR; void EOVERFLOW; void O_ACCMODE;

export const fsSyscalls: SyscallDefs = {
  [NR.read]: def('read', 'fpu', sysRead),
  [NR.write]: def('write', 'fpu', sysWrite),
  [NR.readv]: def('readv', 'fpd', (t, a, b, c) => sysReadv(t, a, b, c)),
  [NR.writev]: def('writev', 'fpd', (t, a, b, c) => sysWritev(t, a, b, c)),
  [NR.pread64]: def('pread64', 'fpud', sysPread),
  [NR.pwrite64]: def('pwrite64', 'fpud', sysPwrite),
  [NR.preadv]: def('preadv', 'fpdd', (t, a, b, c, d) => d < 0 ? -EINVAL : sysReadv(t, a, b, c, d)),
  [NR.pwritev]: def('pwritev', 'fpdd', (t, a, b, c, d) => d < 0 ? -EINVAL : sysWritev(t, a, b, c, d)),
  [NR.openat]: def('openat', 'fsxo', sysOpenat),
  [NR.close]: def('close', 'f', sysClose),
  [NR.close_range]: def('close_range', 'uux', sysCloseRange),
  [NR.lseek]: def('lseek', 'fdd', sysLseek),
  [NR.fstat]: def('fstat', 'fp', sysFstat),
  [NR.newfstatat]: def('newfstatat', 'fspx', sysNewfstatat),
  [NR.statx]: def('statx', 'fsxxp', sysStatx),
  [NR.getdents64]: def('getdents64', 'fpu', sysGetdents64),
  [NR.readlinkat]: def('readlinkat', 'fspu', sysReadlinkat),
  [NR.faccessat]: def('faccessat', 'fso', sysFaccessat),
  [NR.faccessat2]: def('faccessat2', 'fsox', sysFaccessat2),
  [NR.getcwd]: def('getcwd', 'pu', sysGetcwd),
  [NR.chdir]: def('chdir', 's', sysChdir),
  [NR.fchdir]: def('fchdir', 'f', sysFchdir),
  [NR.chroot]: def('chroot', 's', sysChroot),
  [NR.fcntl]: def('fcntl', 'fdx', sysFcntl, 'partial', 'record locks (POSIX, OFD) with EDEADLK; leases, F_NOTIFY and seals unsupported'),
  [NR.dup]: def('dup', 'f', sysDup),
  [NR.dup3]: def('dup3', 'ffx', sysDup3),
  [NR.ioctl]: def('ioctl', 'fxx', sysIoctl, 'supported', 'sockets also take the interface and route ioctls (SIOCGIFCONF, SIOC[GS]IF{FLAGS,ADDR,NETMASK,BRDADDR,MTU,HWADDR,NAME,TXQLEN}, SIOCGIFINDEX, SIOCADDRT/SIOCDELRT, SIOC[GSD]ARP); block devices BLKGETSIZE64, BLKGETSIZE, BLKSSZGET, BLKBSZGET, BLKPBSZGET, BLKROGET, BLKFLSBUF, BLKDISCARD, BLKZEROOUT, HDIO_GETGEO; ext2 FITRIM'),
  [NR.umask]: def('umask', 'o', sysUmask),
  [NR.mkdirat]: def('mkdirat', 'fso', sysMkdirat),
  [NR.mknodat]: def('mknodat', 'fsox', sysMknodat),
  [NR.unlinkat]: def('unlinkat', 'fsx', sysUnlinkat),
  [NR.renameat2]: def('renameat2', 'fsfsx', sysRenameat2, 'partial', 'RENAME_WHITEOUT → EINVAL; RENAME_EXCHANGE on hostfs is three host renames (not atomic)'),
  [NR.symlinkat]: def('symlinkat', 'sfs', sysSymlinkat),
  [NR.linkat]: def('linkat', 'fsfsx', sysLinkat),
  [NR.ftruncate]: def('ftruncate', 'fd', sysFtruncate),
  [NR.truncate]: def('truncate', 'sd', sysTruncate),
  [NR.fallocate]: def('fallocate', 'fddd', sysFallocate, 'partial', 'modes 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE (as tmpfs); no space is reserved; others EOPNOTSUPP'),
  [NR.fsync]: def('fsync', 'f', sysFsync),
  [NR.fdatasync]: def('fdatasync', 'f', sysFsync),
  [NR.sync]: def('sync', '', sysSync),
  [NR.syncfs]: def('syncfs', 'f', sysSyncfs),
  [NR.fchmod]: def('fchmod', 'fo', sysFchmod),
  [NR.fchmodat]: def('fchmodat', 'fso', sysFchmodat),
  [NR.fchownat]: def('fchownat', 'fsddx', sysFchownat),
  [NR.fchown]: def('fchown', 'fdd', sysFchown),
  [NR.utimensat]: def('utimensat', 'fspx', sysUtimensat),
  [NR.statfs]: def('statfs', 'sp', sysStatfs),
  [NR.fstatfs]: def('fstatfs', 'fp', sysFstatfs),
  [NR.sendfile]: def('sendfile', 'ffpu', sysSendfile),
  [NR.fadvise64]: def('fadvise64', 'fddd', sysFadvise),
  [NR.flock]: def('flock', 'fx', sysFlockImpl),
};
