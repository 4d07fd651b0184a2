// Extended attributes (set/get/list/remove xattr and their l*/f* variants) and
// memfd_create. Xattrs live in Inode.xattrs on filesystems that say xattrSupported
// (tmpfs); the others answer EOPNOTSUPP (and list nothing), as Linux's procfs does.
// The checks follow fs/xattr.c (xattr_permission) and mm/shmem.c + fs/xattr.c's
// simple_xattr_* (tmpfs: names listed in strcmp order, trusted.* hidden from non-root).
import type { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import {
  EBADF, EINVAL, ENAMETOOLONG, ERANGE, E2BIG, EEXIST, ENODATA, EOPNOTSUPP, EPERM, EROFS,
} from '../abi/linux/errno.js';
import { O_PATH, O_RDWR, O_LARGEFILE, O_CLOEXEC } from '../abi/linux/fcntl.js';
import { S_ISVTX } from '../abi/linux/stat.js';
import { PATH_MAX } from '../abi/linux/fs.js';
import { readCString, readCBytes, readBytes, copyOut } from '../mm/usercopy.js';
import { Inode, MAY_READ, MAY_WRITE, permission, isOwner } from '../fs/vfs/inode.js';
import { InodeFile } from '../fs/vfs/file.js';
import { Dentry } from '../fs/vfs/dentry.js';
import { Mount, MountNs, Path } from '../fs/vfs/mount.js';
import { TmpfsSb } from '../fs/tmpfs/tmpfs.js';
import * as V from '../fs/vfs/ops.js';

const XATTR_CREATE = 1, XATTR_REPLACE = 2;
const XATTR_NAME_MAX = 255, XATTR_SIZE_MAX = 65536, XATTR_LIST_MAX = 65536;
const AT_FDCWD = -100;

interface Target { inode: Inode; mnt: Mount | null; }

/** The inode named by a path (follow or not) or by an fd (O_PATH fds are EBADF, as fdget). */
function byPath(t: Task, pva: number, follow: boolean): Target | number {
  const p = readCString(t.mm, pva, PATH_MAX);
  if (p === null) return -ENAMETOOLONG;
  const s = V.startAt(t.fs, t.files, AT_FDCWD, p);
  if (typeof s === 'number') return s;
  const r = V.lookupPath(t.fs, t.cred, s, p, follow);
  if (typeof r === 'number') return r;
  return { inode: r.d.inode, mnt: r.mnt };
}

function byFd(t: Task, fd: number): Target | number {
  const f = t.files.get(fd | 0);
  if (!f || (f.flags & O_PATH) || !f.inode) return -EBADF;
  return { inode: f.inode, mnt: f.path?.mnt ?? null };
}

/** An attribute name: 1..255 bytes (ERANGE otherwise, as strncpy_from_user's checks). */
function xname(t: Task, va: number): string | number {
  const b = readCBytes(t.mm, va, XATTR_NAME_MAX);
  if (b === null || b.length === 0) return -ERANGE;
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
}

const privileged = (t: Task): boolean => t.cred.euid === 0;

/** fs/xattr.c xattr_permission. */
function xattrPermission(t: Task, inode: Inode, name: string, mask: number): number {
  if (name.startsWith('security.') || name.startsWith('system.')) return 0;
  if (name.startsWith('trusted.')) {
    if (!privileged(t)) return mask & MAY_WRITE ? -EPERM : -ENODATA;
    return 0;
  }
  if (name.startsWith('user.')) {
    if (!inode.isReg && !inode.isDir) return mask & MAY_WRITE ? -EPERM : -ENODATA;
    if (inode.isDir && (inode.mode & S_ISVTX) && (mask & MAY_WRITE) && !isOwner(inode, t.cred)) return -EPERM;
  }
  return permission(inode, t.cred, mask);
}

/** The handler lookup: the namespaces tmpfs stores (system.* would be POSIX ACLs, not kept). */
function knownPrefix(name: string): boolean {
  return name.startsWith('user.') || name.startsWith('trusted.') || name.startsWith('security.');
}

function doSet(t: Task, tg: Target | number, nva: number, vva: number, size: number, flags: number): number {
  if (typeof tg === 'number') return tg;
  if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) return -EINVAL;
  const name = xname(t, nva);
  if (typeof name === 'number') return name;
  if (size > XATTR_SIZE_MAX) return -E2BIG;
  const value = size > 0 ? readBytes(t.mm, vva, size) : new Uint8Array(0);
  const { inode, mnt } = tg;
  if ((mnt && mnt.readonly) || inode.sb.readonly) return -EROFS;
  const e = xattrPermission(t, inode, name, MAY_WRITE);
  if (e) return e;
  if (!inode.xattrSupported || !knownPrefix(name)) return -EOPNOTSUPP;
  const m = inode.xattrs ?? (inode.xattrs = new Map());
  const has = m.has(name);
  if ((flags & XATTR_CREATE) && has) return -EEXIST;
  if ((flags & XATTR_REPLACE) && !has) return -ENODATA;
  m.set(name, value.slice());
  inode.touchC();
  return 0;
}

function doGet(t: Task, tg: Target | number, nva: number, vva: number, size: number): number {
  if (typeof tg === 'number') return tg;
  const name = xname(t, nva);
  if (typeof name === 'number') return name;
  const { inode } = tg;
  const e = xattrPermission(t, inode, name, MAY_READ);
  if (e) return e;
  if (!inode.xattrSupported || !knownPrefix(name)) return -EOPNOTSUPP;
  const v = inode.xattrs?.get(name);
  if (!v) return -ENODATA;
  if (size === 0) return v.length;
  const lim = Math.min(size, XATTR_SIZE_MAX);
  if (v.length > lim) return size >= XATTR_SIZE_MAX ? -E2BIG : -ERANGE;
  if (v.length > 0) copyOut(t.mm, vva, v);
  return v.length;
}

function doList(t: Task, tg: Target | number, lva: number, size: number): number {
  if (typeof tg === 'number') return tg;
  const { inode } = tg;
  if (!inode.xattrSupported || !inode.xattrs) return 0;
  const names = [...inode.xattrs.keys()]
    .filter((n) => !n.startsWith('trusted.') || privileged(t))
    .sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
  const buf = Buffer.from(names.map((n) => n + '\0').join(''), 'latin1');
  if (size === 0) return buf.length;
  const lim = Math.min(size, XATTR_LIST_MAX);
  if (buf.length > lim) return size >= XATTR_LIST_MAX ? -E2BIG : -ERANGE;
  if (buf.length > 0) copyOut(t.mm, lva, buf);
  return buf.length;
}

function doRemove(t: Task, tg: Target | number, nva: number): number {
  if (typeof tg === 'number') return tg;
  const name = xname(t, nva);
  if (typeof name === 'number') return name;
  const { inode, mnt } = tg;
  if ((mnt && mnt.readonly) || inode.sb.readonly) return -EROFS;
  const e = xattrPermission(t, inode, name, MAY_WRITE);
  if (e) return e;
  if (!inode.xattrSupported || !knownPrefix(name)) return -EOPNOTSUPP;
  if (!inode.xattrs?.delete(name)) return -ENODATA;
  inode.touchC();
  return 0;
}

// ---- memfd_create ----------------------------------------------------------------------

const MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, MFD_HUGETLB = 4, MFD_NOEXEC_SEAL = 8, MFD_EXEC = 0x10;
const MFD_NAME_MAX = 249; // NAME_MAX - strlen("memfd:")

/** The internal tmpfs memfds live on (Linux's shm_mnt). */
let shmMnt: Mount | null = null;
function shm(): Mount {
  if (!shmMnt) {
    const sb = new TmpfsSb('tmpfs', 0o1777);
    shmMnt = new Mount(sb, new Dentry('/', null, sb.root), 0, 'tmpfs', 'tmpfs', new MountNs());
  }
  return shmMnt;
}

export class MemFdFile extends InodeFile {
  constructor(flags: number, path: Path, inode: Inode, readonly procName: string) { super(flags, path, inode); }
}

function sysMemfdCreate(t: Task, nva: number, flags: number): number {
  if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC)) return -EINVAL;
  if ((flags & MFD_NOEXEC_SEAL) && (flags & MFD_EXEC)) return -EINVAL;
  void MFD_HUGETLB; // no huge pages: EINVAL as a kernel without hugetlbfs
  const b = readCBytes(t.mm, nva, MFD_NAME_MAX);
  if (b === null) return -EINVAL;
  const name = Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
  const m = shm();
  const ino = m.sb.root.tmpfile((flags & MFD_NOEXEC_SEAL) ? 0o666 : 0o777, t.cred);
  if (typeof ino === 'number') return ino;
  const d = new Dentry(`memfd:${name}`, m.root, ino);
  d.unlinked = true;
  const f = new MemFdFile(O_RDWR | O_LARGEFILE, { mnt: m, d }, ino, `/memfd:${name} (deleted)`);
  const oe = ino.open(f);
  if (oe < 0) return oe;
  const fd = t.files.alloc(f, (flags & MFD_CLOEXEC) !== 0);
  if (fd < 0) { f.get(); f.put(); }
  return fd;
}
void O_CLOEXEC;

export const xattrSyscalls: SyscallDefs = {
  [NR.setxattr]: def('setxattr', 'sspud', (t, p, n, v, s, f) => doSet(t, byPath(t, p, true), n, v, s, f), 'partial', 'tmpfs keeps user., trusted. and security. attributes in memory; system.* (POSIX ACLs) and other filesystems: EOPNOTSUPP'),
  [NR.lsetxattr]: def('lsetxattr', 'sspud', (t, p, n, v, s, f) => doSet(t, byPath(t, p, false), n, v, s, f), 'partial', 'as setxattr'),
  [NR.fsetxattr]: def('fsetxattr', 'fspud', (t, fd, n, v, s, f) => doSet(t, byFd(t, fd), n, v, s, f), 'partial', 'as setxattr'),
  [NR.getxattr]: def('getxattr', 'sspu', (t, p, n, v, s) => doGet(t, byPath(t, p, true), n, v, s), 'partial', 'as setxattr'),
  [NR.lgetxattr]: def('lgetxattr', 'sspu', (t, p, n, v, s) => doGet(t, byPath(t, p, false), n, v, s), 'partial', 'as setxattr'),
  [NR.fgetxattr]: def('fgetxattr', 'fspu', (t, fd, n, v, s) => doGet(t, byFd(t, fd), n, v, s), 'partial', 'as setxattr'),
  [NR.listxattr]: def('listxattr', 'spu', (t, p, l, s) => doList(t, byPath(t, p, true), l, s), 'partial', 'as setxattr (filesystems without xattrs list nothing)'),
  [NR.llistxattr]: def('llistxattr', 'spu', (t, p, l, s) => doList(t, byPath(t, p, false), l, s), 'partial', 'as listxattr'),
  [NR.flistxattr]: def('flistxattr', 'fpu', (t, fd, l, s) => doList(t, byFd(t, fd), l, s), 'partial', 'as listxattr'),
  [NR.removexattr]: def('removexattr', 'ss', (t, p, n) => doRemove(t, byPath(t, p, true), n), 'partial', 'as setxattr'),
  [NR.lremovexattr]: def('lremovexattr', 'ss', (t, p, n) => doRemove(t, byPath(t, p, false), n), 'partial', 'as setxattr'),
  [NR.fremovexattr]: def('fremovexattr', 'fs', (t, fd, n) => doRemove(t, byFd(t, fd), n), 'partial', 'as setxattr'),
  [NR.memfd_create]: def('memfd_create', 'sx', sysMemfdCreate, 'partial', 'an unnamed file on an internal tmpfs; MFD_ALLOW_SEALING accepted but seals (F_ADD_SEALS) are not implemented; MFD_HUGETLB: EINVAL'),
};
