// VFS operations behind the file syscalls: open, create, unlink, rename, link, symlink,
// stat, access, chmod/chown/utimens, truncate, chdir/getcwd, statfs. Each takes the
// process's FsContext, the credentials and a start directory (cwd or a dirfd).
import {
  EACCES, EBADF, EBUSY, EEXIST, EINVAL, EISDIR, ELOOP, ENOENT, ENOTDIR, ENOTEMPTY, ENXIO,
  EPERM, EROFS, EXDEV, ENODEV, EOPNOTSUPP,
} from '../../abi/linux/errno.js';
import {
  O_ACCMODE, O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_PATH,
  O_TMPFILE, __O_TMPFILE, AT_FDCWD, RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT,
  UTIME_NOW, UTIME_OMIT, F_OK, R_OK, W_OK, X_OK,
} from '../../abi/linux/fcntl.js';
import {
  S_IFMT, S_IFREG, S_IFDIR, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK, S_ISUID, S_ISGID, S_ISVTX,
  major, minor,
} from '../../abi/linux/stat.js';
import { MS_NODEV, MS_NOEXEC } from '../../abi/linux/fs.js';
import { MAXSYMLINKS } from '../../abi/linux/fs.js';
import { findCharDevice } from '../../drivers/char/registry.js';
import { FsCred, Inode, permission, isOwner, inGroup, nowTs, MAY_EXEC, MAY_READ, MAY_WRITE, StatFs } from './inode.js';
import { Dentry, lookupChild, dAdd, dDelete, dMove, dExchange } from './dentry.js';
import { Path, followDown, pathName, Mount } from './mount.js';
import { NameData, walk, walkParent } from './namei.js';
export { NameData };
import { File, InodeFile, Sleeper } from './file.js';
import { DevFile } from './devfile.js';
import type { FsContext } from './fscontext.js';
import type { FdTable } from './fdtable.js';
import {
  notifyInode, notifyDir, notifyMove, notifyLinkDrop, notifyRmdir,
  IN_OPEN, IN_CREATE, IN_DELETE, IN_MODIFY, IN_ATTRIB, IN_ACCESS,
} from './fsnotify.js';
import { registerCkptSide } from '../../lib/ckptstate.js';

/** Open hook for FIFOs (set by fs/pipe.ts) and sockets (set by net/). */
export const specialOpen: {
  fifo: ((p: Path, inode: Inode, flags: number, s?: Sleeper & { interrupted?: boolean }) => File | number) | null;
  sock: ((p: Path, inode: Inode, flags: number) => File | number) | null;
  /** Block device nodes (drivers/block/bdevfile.ts). */
  blk: ((p: Path, inode: Inode, flags: number) => File | number) | null;
} = { fifo: null, sock: null, blk: null };

/** Start directory for an *at() call: the root for absolute paths, cwd or the dirfd. */
export function startAt(ctx: FsContext, files: FdTable, dirfd: number, path: string): Path | number {
  if (path.length > 0 && path[0] === '/') return ctx.root;
  if (dirfd === AT_FDCWD) return ctx.cwd;
  const f = files.get(dirfd);
  if (!f) return -EBADF;
  if (!f.path) return path.length === 0 ? -EBADF : -ENOTDIR;
  if (path.length > 0 && !f.path.d.inode.isDir) return -ENOTDIR;
  return f.path;
}

function nd(ctx: FsContext, cred: FsCred): NameData { return new NameData(ctx.root, cred); }

/**
 * Resolve a path (follow = follow a final symlink). n: the walk's state, for a caller
 * that wants n.fresh (the result's attributes were just read: no refresh() needed).
 */
export function lookupPath(ctx: FsContext, cred: FsCred, start: Path, path: string, follow: boolean,
  n: NameData = nd(ctx, cred)): Path | number {
  return walk(n, start, path, follow);
}

/** The entry named `last` in dir without stepping into a mount on it. */
function lookupRaw(dir: Path, last: string): Dentry | number {
  return lookupChild(dir.d, last);
}

function mayCreate(dir: Path, cred: FsCred): number {
  if (dir.d.unlinked || dir.d.inode.nlink === 0) return -ENOENT;
  const e = permission(dir.d.inode, cred, MAY_WRITE | MAY_EXEC);
  if (e) return e;
  if (dir.mnt.readonly) return -EROFS;
  return 0;
}

function mayDelete(dir: Path, victim: Inode, cred: FsCred): number {
  const e = permission(dir.d.inode, cred, MAY_WRITE | MAY_EXEC);
  if (e) return e;
  const di = dir.d.inode;
  if ((di.mode & S_ISVTX) && cred.fsuid !== 0 && cred.fsuid !== di.uid && cred.fsuid !== victim.uid) return -EPERM;
  if (dir.mnt.readonly) return -EROFS;
  return 0;
}

function openInode(p: Path, flags: number, s?: Sleeper & { interrupted?: boolean }): File | number {
  const inode = p.d.inode;
  switch (inode.mode & S_IFMT) {
    case S_IFCHR: {
      if (p.mnt.flags & MS_NODEV) return -EACCES;
      const open = findCharDevice(major(inode.rdev), minor(inode.rdev));
      if (!open) return -ENXIO;
      const dev = open(minor(inode.rdev), flags);
      if (typeof dev === 'number') return dev;
      return new DevFile(flags, p, inode, dev);
    }
    case S_IFBLK:
      if (p.mnt.flags & MS_NODEV) return -EACCES;
      return specialOpen.blk ? specialOpen.blk(p, inode, flags) : -ENXIO;
    case S_IFIFO:
      return specialOpen.fifo ? specialOpen.fifo(p, inode, flags, s) : -ENXIO;
    case S_IFSOCK:
      return specialOpen.sock ? specialOpen.sock(p, inode, flags) : -ENXIO;
    default: {
      const f = inode.fileFor(flags, p) ?? new InodeFile(flags, p, inode);
      const e = inode.open(f);
      return e < 0 ? e : f;
    }
  }
}

/** open(2)/openat(2): a new open file description (not yet in an fd table). */
export function openPath(ctx: FsContext, cred: FsCred, start: Path, path: string, flags: number, mode: number,
  s?: Sleeper & { interrupted?: boolean }): File | number {
  const n = nd(ctx, cred);
  if ((flags & __O_TMPFILE) !== 0) return openTmpfile(n, ctx, cred, start, path, flags, mode);
  if (flags & O_PATH) flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | 0o2000000 /* O_CLOEXEC */;
  let p: Path;
  let created = false;
  if (flags & O_CREAT) {
    if (flags & O_DIRECTORY) return -EINVAL;
    let links = 0;
    for (;;) {
      const pr = walkParent(n, start, path);
      if (typeof pr === 'number') return pr;
      if (pr.trailing || pr.last === '.' || pr.last === '..') return -EISDIR;
      const d = lookupRaw(pr.dir, pr.last);
      if (d === -ENOENT) {
        const e = mayCreate(pr.dir, cred);
        if (e) return e;
        const ino = pr.dir.d.inode.create(pr.last, mode & ~ctx.umask & 0o7777, cred);
        if (typeof ino === 'number') return ino;
        p = { mnt: pr.dir.mnt, d: dAdd(pr.dir.d, pr.last, ino) };
        created = true;
        notifyDir(pr.dir.d.inode, ino, IN_CREATE, pr.last);
        break;
      }
      if (typeof d === 'number') return d;
      if (flags & O_EXCL) return -EEXIST;
      const q = followDown({ mnt: pr.dir.mnt, d });
      if (q.d.inode.isLnk) {
        if (flags & O_NOFOLLOW) return -ELOOP;
        if (++links > MAXSYMLINKS) return -ELOOP;
        // A magic link (/proc/PID/fd/N) names an open file: open that (bash's `>(…)`).
        const pf = (q.d.inode as { procFile?: () => { path: Path | null } | null }).procFile?.();
        if (pf && pf.path) { p = pf.path; break; }
        const t = q.d.inode.readlink();
        if (typeof t === 'number') return t;
        if (t.length === 0) return -ENOENT;
        start = pr.dir;
        path = t;
        n.links++;
        continue;
      }
      p = q;
      break;
    }
  } else {
    const r = walk(n, start, path, (flags & O_NOFOLLOW) === 0);
    if (typeof r === 'number') return r;
    p = r;
  }
  const inode = p.d.inode;
  if ((flags & O_DIRECTORY) && !inode.isDir) return -ENOTDIR;
  if (flags & O_PATH) return new InodeFile(flags, p, inode);
  if (inode.isLnk) return -ELOOP; // O_NOFOLLOW on a symlink
  const acc = flags & O_ACCMODE;
  if (inode.isDir && (acc !== O_RDONLY || (flags & (O_TRUNC | O_CREAT)))) return -EISDIR;
  if (!created) {
    let mask = 0;
    if (acc !== O_WRONLY) mask |= MAY_READ;
    if (acc !== O_RDONLY || (flags & O_TRUNC)) mask |= MAY_WRITE;
    if (acc === O_ACCMODE) mask |= MAY_READ | MAY_WRITE;
    const e = permission(inode, cred, mask);
    if (e) return e;
    if ((mask & MAY_WRITE) && p.mnt.readonly && (inode.isReg || inode.isDir)) return -EROFS;
  }
  if ((flags & O_TRUNC) && inode.isReg && !created) {
    const e = inode.truncate(0);
    if (e < 0) return e;
    notifyInode(inode, p.d, IN_MODIFY);
  }
  const f = openInode(p, flags, s);
  if (typeof f !== 'number') notifyInode(inode, p.d, IN_OPEN);
  return f;
}

/** Inodes made by O_TMPFILE without O_EXCL: linkat may give them a name (I_LINKABLE). */
const linkable = new WeakSet<Inode>();
registerCkptSide('linkable', (o) => (linkable.has(o as Inode) ? true : undefined), (o) => { linkable.add(o as Inode); });

/** open(O_TMPFILE): an unnamed regular file in the directory `path`. */
function openTmpfile(n: NameData, ctx: FsContext, cred: FsCred, start: Path, path: string, flags: number, mode: number): File | number {
  if ((flags & O_TMPFILE) !== O_TMPFILE || (flags & O_CREAT)) return -EINVAL;
  const acc = flags & O_ACCMODE;
  if (acc !== O_WRONLY && acc !== 2 /* O_RDWR */) return -EINVAL;
  const r = walk(n, start, path, (flags & O_NOFOLLOW) === 0);
  if (typeof r === 'number') return r;
  if (!r.d.inode.isDir) return -ENOTDIR;
  const e = mayCreate(r, cred);
  if (e) return e;
  const ino = r.d.inode.tmpfile(mode & ~ctx.umask & 0o7777, cred);
  if (typeof ino === 'number') return ino;
  if (!(flags & O_EXCL)) linkable.add(ino);
  const d = new Dentry(`#${ino.ino}`, r.d, ino);
  d.unlinked = true;
  const p: Path = { mnt: r.mnt, d };
  const f = new InodeFile(flags & ~(O_TMPFILE | O_CREAT), p, ino);
  const oe = ino.open(f);
  return oe < 0 ? oe : f;
}

export interface StatResult { inode: Inode; mnt: Mount; }

/** Resolve for stat: AT_EMPTY_PATH with "" means the dirfd's own file. */
export function statPath(ctx: FsContext, cred: FsCred, start: Path, path: string, follow: boolean): StatResult | number {
  const n = nd(ctx, cred);
  const r = walk(n, start, path, follow);
  if (typeof r === 'number') return r;
  if (n.fresh !== r.d.inode) r.d.inode.refresh();
  return { inode: r.d.inode, mnt: r.mnt };
}

export function mkdirAt(ctx: FsContext, cred: FsCred, start: Path, path: string, mode: number): number {
  const pr = walkParent(nd(ctx, cred), start, path);
  if (typeof pr === 'number') return pr;
  if (pr.last === '.' || pr.last === '..') return -EEXIST;
  const d = lookupRaw(pr.dir, pr.last);
  if (typeof d !== 'number') return -EEXIST;
  if (d !== -ENOENT) return d;
  const e = mayCreate(pr.dir, cred);
  if (e) return e;
  const ino = pr.dir.d.inode.mkdir(pr.last, mode & ~ctx.umask & 0o7777, cred);
  if (typeof ino === 'number') return ino;
  dAdd(pr.dir.d, pr.last, ino);
  notifyDir(pr.dir.d.inode, ino, IN_CREATE, pr.last);
  return 0;
}

export function mknodAt(ctx: FsContext, cred: FsCred, start: Path, path: string, mode: number, dev: number): number {
  let type = mode & S_IFMT;
  if (type === 0) type = S_IFREG;
  if (type !== S_IFREG && type !== S_IFCHR && type !== S_IFBLK && type !== S_IFIFO && type !== S_IFSOCK) return -EINVAL;
  if ((type === S_IFCHR || type === S_IFBLK) && cred.fsuid !== 0) return -EPERM;
  const pr = walkParent(nd(ctx, cred), start, path);
  if (typeof pr === 'number') return pr;
  if (pr.last === '.' || pr.last === '..') return -EEXIST;
  if (pr.trailing) return -ENOENT;
  const d = lookupRaw(pr.dir, pr.last);
  if (typeof d !== 'number') return -EEXIST;
  if (d !== -ENOENT) return d;
  const e = mayCreate(pr.dir, cred);
  if (e) return e;
  const perm = mode & ~ctx.umask & 0o7777;
  const dir = pr.dir.d.inode;
  const ino = type === S_IFREG ? dir.create(pr.last, perm, cred) : dir.mknod(pr.last, type | perm, dev, cred);
  if (typeof ino === 'number') return ino;
  dAdd(pr.dir.d, pr.last, ino);
  notifyDir(dir, ino, IN_CREATE, pr.last);
  return 0;
}

export function symlinkAt(ctx: FsContext, cred: FsCred, target: string, start: Path, path: string): number {
  if (target.length === 0) return -ENOENT;
  const pr = walkParent(nd(ctx, cred), start, path);
  if (typeof pr === 'number') return pr;
  if (pr.last === '.' || pr.last === '..') return -EEXIST;
  const d = lookupRaw(pr.dir, pr.last);
  if (typeof d !== 'number') return -EEXIST;
  if (d !== -ENOENT) return d;
  if (pr.trailing) return -ENOENT;
  const e = mayCreate(pr.dir, cred);
  if (e) return e;
  const ino = pr.dir.d.inode.symlink(pr.last, target, cred);
  if (typeof ino === 'number') return ino;
  dAdd(pr.dir.d, pr.last, ino);
  notifyDir(pr.dir.d.inode, ino, IN_CREATE, pr.last);
  return 0;
}

export function linkAt(ctx: FsContext, cred: FsCred, oldStart: Path, oldPath: string | null, follow: boolean,
  newStart: Path, newPath: string): number {
  // oldPath null: link oldStart itself (AT_EMPTY_PATH).
  const src = oldPath === null ? oldStart : walk(nd(ctx, cred), oldStart, oldPath, follow);
  if (typeof src === 'number') return src;
  if (src.d.inode.isDir) return -EPERM;
  const pr = walkParent(nd(ctx, cred), newStart, newPath);
  if (typeof pr === 'number') return pr;
  if (pr.last === '.' || pr.last === '..') return -EEXIST;
  const d = lookupRaw(pr.dir, pr.last);
  if (typeof d !== 'number') return -EEXIST;
  if (d !== -ENOENT) return d;
  if (pr.trailing) return -ENOENT;
  if (pr.dir.mnt.sb !== src.mnt.sb || pr.dir.mnt !== src.mnt) return -EXDEV;
  const e = mayCreate(pr.dir, cred);
  if (e) return e;
  const si = src.d.inode;
  if (si.nlink === 0 && !linkable.has(si)) return -ENOENT;
  const r = pr.dir.d.inode.link(pr.last, si);
  if (r < 0) return r;
  linkable.delete(si);
  dAdd(pr.dir.d, pr.last, si);
  notifyInode(si, null, IN_ATTRIB);
  notifyDir(pr.dir.d.inode, si, IN_CREATE, pr.last);
  return 0;
}

/** unlink(2) (rmdir = false) and rmdir(2). */
export function unlinkAt(ctx: FsContext, cred: FsCred, start: Path, path: string, rmdir: boolean): number {
  const pr = walkParent(nd(ctx, cred), start, path);
  if (typeof pr === 'number') return pr;
  if (pr.last === '.') return rmdir ? (pr.trailing && path.replace(/\/+$/, '') === '' ? -EBUSY : -EINVAL) : -EISDIR;
  if (pr.last === '..') return rmdir ? -ENOTEMPTY : -EISDIR;
  const d = lookupRaw(pr.dir, pr.last);
  if (typeof d === 'number') return d;
  const victim = d.inode;
  if (rmdir) {
    if (!victim.isDir) return -ENOTDIR;
  } else {
    if (victim.isDir) return -EISDIR;
    if (pr.trailing) return -ENOTDIR;
  }
  const e = mayDelete(pr.dir, victim, cred);
  if (e) return e;
  if (d.mounted > 0 || d === pr.dir.mnt.root) return -EBUSY;
  const r = rmdir ? pr.dir.d.inode.rmdir(pr.last, victim) : pr.dir.d.inode.unlink(pr.last, victim);
  if (r < 0) return r;
  dDelete(pr.dir.d, pr.last);
  if (rmdir) notifyRmdir(victim); else notifyLinkDrop(victim);
  notifyDir(pr.dir.d.inode, victim, IN_DELETE, pr.last);
  return 0;
}

export function renameAt(ctx: FsContext, cred: FsCred, oldStart: Path, oldPath: string,
  newStart: Path, newPath: string, flags: number): number {
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return -EINVAL;
  if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)) return -EINVAL;
  if (flags & RENAME_WHITEOUT) return -EINVAL;
  const a = walkParent(nd(ctx, cred), oldStart, oldPath);
  if (typeof a === 'number') return a;
  const b = walkParent(nd(ctx, cred), newStart, newPath);
  if (typeof b === 'number') return b;
  if (a.last === '.' || a.last === '..' || b.last === '.' || b.last === '..') return -EBUSY;
  if (a.dir.mnt !== b.dir.mnt) return -EXDEV;
  const src = lookupRaw(a.dir, a.last);
  if (typeof src === 'number') return src;
  const dst = lookupRaw(b.dir, b.last);
  if (typeof dst === 'number' && dst !== -ENOENT) return dst;
  const dstD = typeof dst === 'number' ? null : dst;
  if (flags & RENAME_EXCHANGE) { if (!dstD) return -ENOENT; }
  else if (dstD && (flags & RENAME_NOREPLACE)) return -EEXIST;
  const si = src.inode;
  if (!si.isDir && (a.trailing || (b.trailing && !(flags & RENAME_EXCHANGE)))) return -ENOTDIR;
  let e = mayDelete(a.dir, si, cred);
  if (e) return e;
  e = dstD ? mayDelete(b.dir, dstD.inode, cred) : mayCreate(b.dir, cred);
  if (e) return e;
  if (src.mounted > 0 || src === a.dir.mnt.root || (dstD && (dstD.mounted > 0 || dstD === b.dir.mnt.root))) return -EBUSY;
  if (dstD && dstD.inode === si) return 0;
  if (flags & RENAME_EXCHANGE) {
    if (si.isDir && src.isAncestorOf(b.dir.d)) return -EINVAL;
    if (dstD!.inode.isDir && dstD!.isAncestorOf(a.dir.d)) return -EINVAL;
  } else {
    if (si.isDir) {
      if (src.isAncestorOf(b.dir.d)) return -EINVAL;
      if (dstD && !dstD.inode.isDir) return -ENOTDIR;
    } else if (dstD && dstD.inode.isDir) return -EISDIR;
    if (dstD && dstD.isAncestorOf(a.dir.d)) return -ENOTEMPTY;
  }
  const r = a.dir.d.inode.rename(a.last, b.dir.d.inode, b.last, flags);
  if (r < 0) return r;
  if (flags & RENAME_EXCHANGE) dExchange(a.dir.d, a.last, b.dir.d, b.last);
  else dMove(a.dir.d, a.last, b.dir.d, b.last);
  notifyMove(a.dir.d.inode, a.last, b.dir.d.inode, b.last, si);
  if (flags & RENAME_EXCHANGE) notifyMove(b.dir.d.inode, b.last, a.dir.d.inode, a.last, dstD!.inode);
  else if (dstD) { if (dstD.inode.isDir) notifyRmdir(dstD.inode); else notifyLinkDrop(dstD.inode); }
  return 0;
}

export function readlinkAt(ctx: FsContext, cred: FsCred, start: Path, path: string): string | number {
  const r = walk(nd(ctx, cred), start, path, false);
  if (typeof r === 'number') return r;
  if (!r.d.inode.isLnk) return -EINVAL;
  r.d.inode.touchA();
  return r.d.inode.readlink();
}

/** access(2): mode of R_OK|W_OK|X_OK or F_OK, checked with the given credentials. */
export function accessAt(ctx: FsContext, cred: FsCred, start: Path, path: string, mode: number, follow: boolean): number {
  if (mode & ~(R_OK | W_OK | X_OK)) return -EINVAL;
  const r = walk(nd(ctx, cred), start, path, follow);
  if (typeof r === 'number') return r;
  return accessInode(r, cred, mode);
}

export function accessInode(p: Path, cred: FsCred, mode: number): number {
  if (mode === F_OK) return 0;
  const inode = p.d.inode;
  let mask = 0;
  if (mode & R_OK) mask |= MAY_READ;
  if (mode & W_OK) mask |= MAY_WRITE;
  if (mode & X_OK) mask |= MAY_EXEC;
  const e = permission(inode, cred, mask);
  if (e) return e;
  if ((mode & W_OK) && p.mnt.readonly && (inode.isReg || inode.isDir || inode.isLnk)) return -EROFS;
  return 0;
}

export function chmodInode(p: Path, cred: FsCred, mode: number): number {
  const inode = p.d.inode;
  if (!isOwner(inode, cred)) return -EPERM;
  if (p.mnt.readonly) return -EROFS;
  mode &= 0o7777;
  if (cred.fsuid !== 0 && !inGroup(cred, inode.gid)) mode &= ~S_ISGID;
  return attrDone(p, inode.setattr({ mode }), IN_ATTRIB);
}

export function chownInode(p: Path, cred: FsCred, uid: number, gid: number): number {
  const inode = p.d.inode;
  if (uid === 0xffffffff || uid === -1) uid = -1;
  if (gid === 0xffffffff || gid === -1) gid = -1;
  // chown_ok/chgrp_ok: without CAP_CHOWN only the owner may "change" the owner to
  // itself, and the group to one of its groups.
  if (cred.fsuid !== 0) {
    const owner = cred.fsuid === inode.uid;
    if (uid !== -1 && !(owner && uid === inode.uid)) return -EPERM;
    if (gid !== -1 && !(owner && (gid === inode.gid || inGroup(cred, gid)))) return -EPERM;
  }
  if (p.mnt.readonly) return -EROFS;
  const a: { uid?: number; gid?: number; mode?: number } = {};
  if (uid !== -1) a.uid = uid;
  if (gid !== -1) a.gid = gid;
  if (!inode.isDir && !inode.isLnk) {
    // chown_common: set-user-ID always goes; set-group-ID with group execute (or when
    // the caller could not have set it: not in the group and not CAP_FSETID).
    let m = inode.mode & 0o7777 & ~S_ISUID;
    const newGid = gid === -1 ? inode.gid : gid;
    if ((inode.mode & 0o010) || (cred.fsuid !== 0 && !inGroup(cred, newGid))) m &= ~S_ISGID;
    if (m !== (inode.mode & 0o7777)) a.mode = m;
  }
  return attrDone(p, inode.setattr(a), IN_ATTRIB);
}

/** utimensat: times = null for "now", else [atime, mtime] as [sec, nsec] with UTIME_NOW/OMIT. */
export function utimensInode(p: Path, cred: FsCred, times: [[number, number], [number, number]] | null): number {
  const inode = p.d.inode;
  if (p.mnt.readonly) return -EROFS;
  const now = nowTs();
  const explicit = times !== null && !(times[0][1] === UTIME_NOW && times[1][1] === UTIME_NOW);
  if (times && times[0][1] === UTIME_OMIT && times[1][1] === UTIME_OMIT) return 0;
  if (explicit) {
    if (!isOwner(inode, cred)) return -EPERM;
  } else if (!isOwner(inode, cred) && permission(inode, cred, MAY_WRITE) < 0) return -EACCES;
  const pick = (t: [number, number]): [number, number] | undefined =>
    t[1] === UTIME_OMIT ? undefined : t[1] === UTIME_NOW ? now : t;
  if (!times) return attrDone(p, inode.setattr({ atime: now, mtime: now }), IN_ATTRIB);
  for (const t of times) if (t[1] !== UTIME_NOW && t[1] !== UTIME_OMIT && (t[1] < 0 || t[1] > 999999999)) return -EINVAL;
  const at = pick(times[0]), mt = pick(times[1]);
  // fsnotify_change: both times → ATTRIB, atime alone → ACCESS, mtime alone → MODIFY.
  return attrDone(p, inode.setattr({ atime: at, mtime: mt }), at && mt ? IN_ATTRIB : at ? IN_ACCESS : IN_MODIFY);
}

export function truncateInode(p: Path, cred: FsCred, len: number, checkPerm: boolean): number {
  const inode = p.d.inode;
  if (len < 0) return -EINVAL;
  if (inode.isDir) return -EISDIR;
  if (!inode.isReg) return -EINVAL;
  if (checkPerm) {
    const e = permission(inode, cred, MAY_WRITE);
    if (e) return e;
    if (p.mnt.readonly) return -EROFS;
  }
  return attrDone(p, inode.truncate(len), IN_MODIFY);
}

function attrDone(p: Path, r: number, mask: number): number {
  if (r >= 0) notifyInode(p.d.inode, p.d, mask);
  return r;
}

export function chdirPath(ctx: FsContext, cred: FsCred, start: Path, path: string): number {
  const r = walk(nd(ctx, cred), start, path, true);
  if (typeof r === 'number') return r;
  return setCwd(ctx, cred, r);
}

export function setCwd(ctx: FsContext, cred: FsCred, p: Path): number {
  if (!p.d.inode.isDir) return -ENOTDIR;
  const e = permission(p.d.inode, cred, MAY_EXEC);
  if (e) return e;
  ctx.cwd = p;
  return 0;
}

export function chrootPath(ctx: FsContext, cred: FsCred, start: Path, path: string): number {
  const r = walk(nd(ctx, cred), start, path, true);
  if (typeof r === 'number') return r;
  if (!r.d.inode.isDir) return -ENOTDIR;
  const e = permission(r.d.inode, cred, MAY_EXEC);
  if (e) return e;
  if (cred.fsuid !== 0) return -EPERM;
  ctx.root = r;
  return 0;
}

/** getcwd(2): the cwd's path from the root, or -ENOENT once removed. */
export function getCwd(ctx: FsContext): string | number {
  if (ctx.cwd.d.unlinked) return -ENOENT;
  return pathName(ctx.cwd, ctx.root);
}

export interface StatFsResult extends StatFs { flags: number; fsid: number; frsize: number; }

export function statfsOf(p: Path): StatFsResult {
  const s = p.mnt.sb.statfs();
  let flags = 0x20; // ST_VALID
  const mf = p.mnt.flags;
  if (p.mnt.readonly) flags |= 1;
  flags |= mf & (2 | 4 | 8 | 16 | 64 | 1024 | 2048); // nosuid nodev noexec sync mandlock noatime nodiratime
  if (mf & (1 << 21)) flags |= 4096; // relatime
  return { ...s, flags, fsid: p.mnt.sb.dev, frsize: s.bsize };
}

export function statfsPath(ctx: FsContext, cred: FsCred, start: Path, path: string): StatFsResult | number {
  const r = walk(nd(ctx, cred), start, path, true);
  if (typeof r === 'number') return r;
  return statfsOf(r);
}

/** A binary opened for execve. */
export interface ExecFile {
  /** Absolute guest path. */
  readonly path: string;
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** The mount forbids set-id (nosuid). */
  readonly nosuid: boolean;
  readonly file: File;
  /** Read into buf from pos; bytes read or -errno. */
  pread(buf: Uint8Array, pos: number): number;
  /** Drop the kernel's reference. */
  close(): void;
}

export function openExec(ctx: FsContext, cred: FsCred, path: string, start: Path = ctx.cwd, follow = true): ExecFile | number {
  const n = nd(ctx, cred);
  const r = walk(n, start, path, follow);
  if (typeof r === 'number') return r;
  if (!follow && r.d.inode.isLnk) return -ELOOP; // execveat(AT_SYMLINK_NOFOLLOW)
  return openExecPath(ctx, cred, r, n.fresh === r.d.inode);
}

/** The executable at a resolved path (execveat(AT_EMPTY_PATH) on an fd). fresh: its attributes were just read. */
export function openExecPath(ctx: FsContext, cred: FsCred, r: Path, fresh = false): ExecFile | number {
  const inode = r.d.inode;
  if (!fresh) inode.refresh();
  if (!inode.isReg) return -EACCES;
  if (r.mnt.flags & MS_NOEXEC) return -EACCES;
  const e = permission(inode, cred, MAY_EXEC);
  if (e) return e;
  const f = new InodeFile(O_RDONLY, r, inode);
  const oe = inode.open(f);
  if (oe < 0) return oe;
  f.get();
  const abs = pathName(r, ctx.root);
  return {
    path: abs, size: inode.size, mode: inode.mode, uid: inode.uid, gid: inode.gid,
    nosuid: (r.mnt.flags & 2) !== 0, file: f,
    pread: (buf, pos) => f.pread(buf, pos),
    close: () => f.put(),
  };
}
void ENODEV; void ENOTEMPTY;
