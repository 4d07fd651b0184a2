// hostfs: a host directory as a filesystem, read-write and confined. Every host path is
// the root folder plus guest names joined from dentries; the VFS walks (and resolves
// symlinks) itself, so the host never follows a symlink for us: we lstat, open with
// O_NOFOLLOW, and use the l* variants. Names are byte strings (latin1 ↔ host bytes).
import * as fs from 'node:fs';
import {
  ENOENT, EIO, EPERM, EINVAL, EEXIST, EROFS, ESTALE,
} from '../../abi/linux/errno.js';
import * as E from '../../abi/linux/errno.js';
import { S_IFMT, S_IFREG, S_IFIFO, S_IFCHR, S_IFBLK, S_ISGID, major, minor } from '../../abi/linux/stat.js';
import { nodeChildProcess } from '../../lib/nodemods.js';
import { HOSTFS_SUPER_MAGIC } from '../../abi/linux/fs.js';
import { O_ACCMODE, O_RDONLY, O_WRONLY, RENAME_NOREPLACE, RENAME_EXCHANGE } from '../../abi/linux/fcntl.js';
import { Inode, SuperBlock, FsCred, DirEntry, StatFs, SetAttr } from '../vfs/inode.js';
import type { File } from '../vfs/file.js';
import type { Dentry } from '../vfs/dentry.js';
import { syncAllPageCaches } from '../pagecache.js';
import { mknodSocket } from './mksock.js';
import { HostFds } from './hostfd.js';
import { HostWatch, hostWatchFor, type Watched } from './hostwatch.js';

/** Host stat results: bigint ones carry exact nanosecond times. */
type HostStats = fs.Stats | fs.BigIntStats;
const BIG = { bigint: true } as const;

const C = fs.constants;

/** A host error as -errno (by code name, so it also holds on non-Linux hosts). */
export function hostErrno(e: unknown): number {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && code in E) {
    const v = (E as Record<string, number>)[code];
    if (typeof v === 'number' && v > 0) return -v;
  }
  if (code === 'ENOTSUP') return -E.EOPNOTSUPP;
  return -EIO;
}

const TMPFILE_PREFIX = '.tuml-tmpfile-';
/** Absent names remembered per directory (hostwatch.ts), at most. */
const NEG_MAX = 64;

/**
 * Watch directory dentry d and every directory above it up to the tree's root (their
 * names lead to d). False where a watch could not be had: trust nothing below then.
 */
function watchPath(w: HostWatch, d: Dentry): boolean {
  for (let x = d; ; x = x.parent) {
    const ino = x.inode as HostInode;
    if (ino.wd < 0) {
      if (ino.alias !== x || x.unlinked || !w.watch(ino, ino.hostPath())) return false;
    }
    if (x.isRoot) return true;
  }
}
let tmpSeq = 0;

export class HostSb extends SuperBlock {
  readonly fsType = 'hostfs';
  readonly magic = HOSTFS_SUPER_MAGIC;
  /**
   * The path walk trusts cached directories in the middle of a path and revalidates the
   * last component and every symlink with one lstat of its host path
   * (HostInode.revalidate), so a change made on the host is seen wherever it changes what
   * a path names. Not seen: the permission bits of a cached directory changed on the host
   * (until it is itself the last component of a walk, or stat'ed). Where the host can
   * watch (hostwatch.ts: inotify), a revalidated file is trusted without the lstat until
   * an event says its name or file changed.
   */
  override readonly cachedLookup = true;
  root!: HostInode;
  readonly hostRoot: Buffer;
  readonly inodes = new Map<string, HostInode>();

  constructor(readonly hostDir: string, ro: boolean) {
    super();
    this.readonly = ro;
    this.hostRoot = Buffer.from(hostDir.replace(/\/+$/, '') || '/', 'utf8');
  }

  inodeFor(st: HostStats): HostInode {
    const key = st.dev + ':' + st.ino;
    let i = this.inodes.get(key);
    if (!i || (i.mode & S_IFMT) !== (Number(st.mode) & S_IFMT)) {
      i = new HostInode(this, Number(st.ino), Number(st.mode));
      i.hostKey = key;
      this.inodes.set(key, i);
    }
    i.fill(st);
    return i;
  }

  override statfs(): StatFs {
    try {
      const s = fs.statfsSync(this.hostRoot);
      return {
        type: this.magic, bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail,
        files: s.files, ffree: s.ffree, namelen: 255,
      };
    } catch {
      return super.statfs();
    }
  }
  /** The host change watcher for this tree (hostwatch.ts), or null: lstat every time. */
  hostWatch(): HostWatch | null {
    if (this.hw === undefined) {
      let type = 0;
      try { type = Number(fs.statfsSync(this.hostRoot).type); } catch { /* lstat then */ }
      this.hw = hostWatchFor(type);
    }
    return this.hw;
  }
  private hw: HostWatch | null | undefined = undefined;
  override options(): string { return this.hostDir; }
  /** The last mount went away: close the host fds parked for reuse. */
  override kill(): void { for (const i of this.inodes.values()) i.fds.drop(); }
}

/** Mount a host directory; a string on failure ("hostfs: DIR: reason"). */
export function newHostSb(hostDir: string, readonly: boolean): HostSb | string {
  const sb = new HostSb(hostDir, readonly);
  let st: fs.BigIntStats;
  try {
    st = fs.statSync(sb.hostRoot, BIG);
  } catch (e) {
    return `hostfs: ${hostDir}: ${describe(e)}`;
  }
  if (!st.isDirectory()) return `hostfs: ${hostDir}: Not a directory`;
  sb.root = sb.inodeFor(st);
  return sb;
}

function describe(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT': return 'No such file or directory';
    case 'EACCES': return 'Permission denied';
    case 'ENOTDIR': return 'Not a directory';
    case 'ELOOP': return 'Too many levels of symbolic links';
    default: return (e as Error)?.message ?? String(e);
  }
}

/**
 * Dirty pages of shared file mappings must reach the host even when the machine stops
 * without unmapping them (halt, a host signal): write them back as the process exits.
 */
let exitHook = false;
function syncAtExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => { syncAllPageCaches(); });
}

export class HostInode extends Inode implements Watched {
  declare readonly sb: HostSb;
  private blocks512 = 0;
  hostKey = '';
  /** hostwatch.ts: this host file's watch, the epoch it was last checked in, names known absent. */
  wd = -1;
  fresh = -1;
  neg: Set<string> | null = null;
  negEpoch = -1;
  /** Host fds of open files on this inode (read-only ones share one). */
  readonly fds = new HostFds();
  /** The exact atime/mtime last set through utimensat (see fill). */
  timesSet: { a?: [number, number]; m?: [number, number] } | null = null;
  /** Ownership the host refused to take (we are unprivileged): kept in memory. */
  ownOverride: { uid: number; gid: number } | null = null;

  fill(st: HostStats): void {
    const oldCs = this.ctimeSec, oldCns = this.ctimeNsec;
    this.mode = Number(st.mode);
    const nlink = Number(st.nlink);
    this.nlink = this.tmpHost ? Math.max(0, nlink - 1) : nlink;
    this.uid = this.ownOverride ? this.ownOverride.uid : Number(st.uid);
    this.gid = this.ownOverride ? this.ownOverride.gid : Number(st.gid);
    this.size = Number(st.size);
    this.rdev = Number(st.rdev);
    this.blocks512 = Number(st.blocks);
    // Exact nanoseconds come from bigint stats (a double of milliseconds loses them).
    const set = (ms: number | bigint, ns: bigint | undefined): [number, number] => {
      if (ns !== undefined) return [Number(ns / 1000000000n), Number(ns % 1000000000n)];
      const m = Number(ms), sec = Math.floor(m / 1000);
      return [sec, Math.round((m - sec * 1000) * 1e6)];
    };
    const big = 'mtimeNs' in st ? st : null;
    [this.atimeSec, this.atimeNsec] = set(st.atimeMs, big?.atimeNs);
    [this.mtimeSec, this.mtimeNsec] = set(st.mtimeMs, big?.mtimeNs);
    // Node sets times as doubles (sub-µs precision lost): keep the exact times the guest
    // set while the host still has them, rounded.
    const near = (t: [number, number] | undefined, sec: number, ns: number): boolean =>
      t !== undefined && Math.abs((t[0] - sec) * 1e9 + (t[1] - ns)) < 2000;
    const o = this.timesSet;
    if (o) {
      if (near(o.a, this.atimeSec, this.atimeNsec)) [this.atimeSec, this.atimeNsec] = o.a!;
      if (near(o.m, this.mtimeSec, this.mtimeNsec)) [this.mtimeSec, this.mtimeNsec] = o.m!;
    }
    [this.ctimeSec, this.ctimeNsec] = set(st.ctimeMs, big?.ctimeNs);
    // A symlink's target never changes in place: a new ctime may mean a new link.
    if (this.ctimeSec !== oldCs || this.ctimeNsec !== oldCns) this.linkTarget = null;
  }

  /** The symlink's target as last read (valid while the inode's ctime is unchanged; see fill). */
  private linkTarget: string | null = null;

  override blockCount(): number { return this.blocks512; }
  override get cacheable(): boolean { return this.isReg; }

  /** O_TMPFILE: the hidden host name of a file the guest has not named yet. */
  tmpHost: Buffer | null = null;

  /** This inode's host path: root + the names of its dentry chain. */
  hostPath(): Buffer {
    if (this === this.sb.root) return this.sb.hostRoot;
    if (this.tmpHost) return this.tmpHost;
    if (!this.alias) throw Object.assign(new Error('hostfs: inode has no name'), { code: 'ENOENT' });
    const rel = this.alias.relPath();
    return Buffer.concat([this.sb.hostRoot, Buffer.from('/' + rel, 'latin1')]);
  }
  private child(name: string): Buffer {
    return Buffer.concat([this.hostPath(), Buffer.from('/' + name, 'latin1')]);
  }

  override refresh(): number {
    try {
      const fd = this.fds.any();
      const st = fd >= 0 ? fs.fstatSync(fd, BIG) : fs.lstatSync(this.hostPath(), BIG);
      if ((Number(st.mode) & S_IFMT) === (this.mode & S_IFMT)) this.fill(st);
      return 0;
    } catch (e) {
      return hostErrno(e);
    }
  }

  /** Does the host path of the cached dentry d still name this file? Refreshes the attributes. */
  override revalidate(d: Dentry): number {
    const w = this.sb.hostWatch();
    let epoch = -1;
    if (w !== null) {
      w.drain();
      if (this.fresh === w.epoch) return 0;   // no event about it since it was last checked
      epoch = w.epoch;
    }
    const p = Buffer.concat([this.sb.hostRoot, Buffer.from('/' + d.relPath(), 'latin1')]);
    // Watches first, then the lstat: a change after the lstat is then an event.
    const watched = w !== null && watchPath(w, d.parent) && w.watch(this, p);
    let st: fs.BigIntStats | undefined;
    try {
      st = fs.lstatSync(p, { throwIfNoEntry: false, bigint: true });
    } catch (e) {
      return hostErrno(e);
    }
    if (st === undefined || (Number(st.mode) & S_IFMT) !== (this.mode & S_IFMT) || st.dev + ':' + st.ino !== this.hostKey) return -ESTALE;
    this.fill(st);
    if (watched) this.fresh = epoch;
    return 0;
  }

  /** Watched: the cached inode of child `name` (hostwatch.ts). */
  cachedChild(name: string): HostInode | undefined {
    return this.alias?.children.get(name)?.inode as HostInode | undefined;
  }

  override lookup(name: string): Inode | number {
    if (!this.isDir) return super.lookup(name);
    if (name.startsWith(TMPFILE_PREFIX)) return -ENOENT;
    // A name looked up in vain while this directory and those above it were watched stays
    // absent until an event names it (hostwatch.ts): busybox's readlink of /proc/self/exe
    // on a root without /proc, at every start.
    const w = this.sb.hostWatch();
    let epoch = -1;   // the epoch to remember an absent name in; -1: do not
    if (w !== null) {
      w.drain();
      if (this.negEpoch === w.epoch && this.neg !== null && this.neg.has(name)) return -ENOENT;
      if (this.alias !== null && watchPath(w, this.alias)) epoch = w.epoch;
    }
    try {
      const st = fs.lstatSync(this.child(name), { throwIfNoEntry: false, bigint: true });
      if (!st) {
        if (epoch >= 0) {
          if (this.negEpoch !== epoch || this.neg === null || this.neg.size >= NEG_MAX) { this.neg = new Set(); this.negEpoch = epoch; }
          this.neg.add(name);
        }
        return -ENOENT;
      }
      return this.sb.inodeFor(st);
    } catch (e) {
      return hostErrno(e);
    }
  }

  private after(p: Buffer): Inode | number {
    try { return this.sb.inodeFor(fs.lstatSync(p, BIG)); } catch (e) { return hostErrno(e); }
  }
  private mut(): number { return this.sb.readonly ? -EROFS : 0; }

  override create(name: string, mode: number, cred: FsCred): Inode | number {
    if (this.mut()) return -EROFS;
    const p = this.child(name);
    try {
      const fd = fs.openSync(p, C.O_CREAT | C.O_EXCL | C.O_WRONLY | C.O_NOFOLLOW, mode & 0o7777);
      // The guest's umask is already applied; the host process's must not be.
      try { fs.fchmodSync(fd, mode & 0o7777); } finally { fs.closeSync(fd); }
    } catch (e) { return hostErrno(e); }
    return this.owned(p, cred);
  }
  override mkdir(name: string, mode: number, cred: FsCred): Inode | number {
    if (this.mut()) return -EROFS;
    const p = this.child(name);
    try {
      fs.mkdirSync(p, { mode: mode & 0o7777 });
      // Without the host's umask; a set-group-ID parent passes its bit on (as Linux).
      fs.chmodSync(p, (mode & 0o7777) | (this.mode & S_ISGID));
    } catch (e) { return hostErrno(e); }
    return this.owned(p, cred);
  }
  /**
   * A new file belongs to the creator's fsuid, and to its fsgid or the directory's
   * group when the directory is set-group-ID. The host keeps the ownership where it
   * lets us (we run as root), else the inode remembers it.
   */
  private owned(p: Buffer, cred: FsCred): Inode | number {
    const ino = this.after(p);
    if (typeof ino === 'number') return ino;
    const uid = cred.fsuid, gid = (this.mode & S_ISGID) ? this.gid : cred.fsgid;
    if (ino.uid !== uid || ino.gid !== gid) {
      const h = ino as HostInode;
      try { fs.lchownSync(p, uid, gid); } catch { h.ownOverride = { uid, gid }; }
      h.refresh();
      if (h.ownOverride) { h.uid = uid; h.gid = gid; }
    }
    return ino;
  }
  override mknod(name: string, mode: number, rdev: number, cred: FsCred): Inode | number {
    if ((mode & S_IFMT) === S_IFREG) return this.create(name, mode, cred);
    if (this.mut()) return -EROFS;
    // Node has no mknod(2): sockets come from mksock; FIFOs (and, when the host lets us,
    // device nodes) are made by the host's mknod(1).
    const sk = mknodSocket(this.child(name), mode, hostErrno);
    if (sk !== null) return sk < 0 ? sk : this.owned(this.child(name), cred);
    const t = mode & S_IFMT;
    const kind = t === S_IFIFO ? 'p' : t === S_IFCHR ? 'c' : t === S_IFBLK ? 'b' : null;
    if (!kind) return -EPERM;
    const p = this.child(name);
    if (fs.lstatSync(p, { throwIfNoEntry: false })) return -EEXIST;
    const args = ['-m', (mode & 0o7777).toString(8), p.toString('latin1'), kind];
    if (kind !== 'p') args.push(String(major(rdev)), String(minor(rdev)));
    try { nodeChildProcess().execFileSync('mknod', args, { stdio: 'ignore' }); } catch { return -EPERM; }
    try { fs.chmodSync(p, mode & 0o7777); } catch (e) { return hostErrno(e); }
    return this.owned(p, cred);
  }
  override symlink(name: string, target: string, cred: FsCred): Inode | number {
    if (this.mut()) return -EROFS;
    const p = this.child(name);
    try { fs.symlinkSync(Buffer.from(target, 'latin1'), p); } catch (e) { return hostErrno(e); }
    return this.owned(p, cred);
  }
  /**
   * O_TMPFILE emulation: node cannot linkat(AT_EMPTY_PATH) a host O_TMPFILE file, so the
   * file lives under a hidden name (never listed, never looked up) until linkat renames
   * it into place or its last close removes it.
   */
  override tmpfile(mode: number, cred: FsCred): Inode | number {
    if (!this.isDir) return super.tmpfile(mode, cred);
    if (this.mut()) return -EROFS;
    const p = this.child(`${TMPFILE_PREFIX}${process.pid}-${++tmpSeq}`);
    try {
      const fd = fs.openSync(p, C.O_CREAT | C.O_EXCL | C.O_RDWR | C.O_NOFOLLOW, mode & 0o7777);
      try { fs.fchmodSync(fd, mode & 0o7777); } finally { fs.closeSync(fd); }
    } catch (e) { return hostErrno(e); }
    const ino = this.owned(p, cred);
    if (typeof ino === 'number') { try { fs.unlinkSync(p); } catch { /* ignore */ } return ino; }
    const h = ino as HostInode;
    h.tmpHost = p;
    h.nlink = 0;
    this.sb.inodes.delete(h.hostKey);
    return h;
  }
  override link(name: string, target: Inode): number {
    if (this.mut()) return -EROFS;
    const p = this.child(name);
    const th = target as HostInode;
    if (th.tmpHost) {
      if (fs.lstatSync(p, { throwIfNoEntry: false })) return -EEXIST;
      try { fs.renameSync(th.tmpHost, p); } catch (e) { return hostErrno(e); }
      th.tmpHost = null;
      this.sb.inodes.set(th.hostKey, th);
      th.refresh();
      return 0;
    }
    try { fs.linkSync((target as HostInode).hostPath(), p); } catch (e) { return hostErrno(e); }
    (target as HostInode).refresh();
    return 0;
  }
  override unlink(name: string, _victim: Inode): number {
    if (this.mut()) return -EROFS;
    try { fs.unlinkSync(this.child(name)); } catch (e) { return hostErrno(e); }
    _victim.nlink = Math.max(0, _victim.nlink - 1);
    if (_victim.nlink === 0) { this.sb.inodes.delete((_victim as HostInode).hostKey); (_victim as HostInode).fds.drop(); }
    return 0;
  }
  override rmdir(name: string, victim: Inode): number {
    if (this.mut()) return -EROFS;
    try { fs.rmdirSync(this.child(name)); } catch (e) { return hostErrno(e); }
    victim.nlink = 0;
    this.sb.inodes.delete((victim as HostInode).hostKey);
    return 0;
  }
  override rename(oldName: string, newDir: Inode, newName: string, flags: number): number {
    if (this.mut()) return -EROFS;
    const from = this.child(oldName), to = (newDir as HostInode).child(newName);
    if (flags & RENAME_EXCHANGE) {
      // Node has no renameat2: swap through a hidden name (not atomic on the host).
      const tmp = this.child(`${TMPFILE_PREFIX}x${process.pid}-${++tmpSeq}`);
      try { fs.renameSync(from, tmp); } catch (e) { return hostErrno(e); }
      try { fs.renameSync(to, from); } catch (e) { try { fs.renameSync(tmp, from); } catch { /* ignore */ } return hostErrno(e); }
      try { fs.renameSync(tmp, to); } catch (e) { return hostErrno(e); }
      return 0;
    }
    try {
      if ((flags & RENAME_NOREPLACE) && fs.lstatSync(to, { throwIfNoEntry: false })) return -EEXIST;
      fs.renameSync(from, to);
    } catch (e) { return hostErrno(e); }
    return 0;
  }
  override readdir(): DirEntry[] | number {
    if (!this.isDir) return super.readdir();
    try {
      const base = this.hostPath();
      const names = fs.readdirSync(base, { encoding: 'buffer' });
      const out: DirEntry[] = [];
      for (const nb of names) {
        if (nb.toString('latin1').startsWith(TMPFILE_PREFIX)) continue;
        const st = fs.lstatSync(Buffer.concat([base, Buffer.from('/'), nb]), { throwIfNoEntry: false });
        if (!st) continue;
        out.push({ name: nb.toString('latin1'), ino: st.ino, type: (st.mode & S_IFMT) >>> 12 });
      }
      return out;
    } catch (e) {
      return hostErrno(e);
    }
  }
  override readlink(): string | number {
    if (!this.isLnk) return -EINVAL;
    if (this.linkTarget !== null) return this.linkTarget;
    try {
      return (this.linkTarget = fs.readlinkSync(this.hostPath(), { encoding: 'buffer' }).toString('latin1'));
    } catch (e) { return hostErrno(e); }
  }

  override open(file: File): number {
    if (!this.isReg) return 0;
    syncAtExit();
    const acc = file.flags & O_ACCMODE;
    const hf = (acc === O_RDONLY ? C.O_RDONLY : acc === O_WRONLY ? C.O_WRONLY : C.O_RDWR) | C.O_NOFOLLOW;
    const ro = acc === O_RDONLY && this.tmpHost === null;
    if (ro && this.fds.shareRo(file, this.ctimeSec, this.ctimeNsec)) return 0;
    let fd: number;
    try { fd = fs.openSync(this.hostPath(), hf); } catch (e) { return hostErrno(e); }
    if (ro) this.fds.addRo(file, fd, this.ctimeSec, this.ctimeNsec);
    else this.fds.byFile.set(file, fd);
    return 0;
  }
  override release(file: File): void {
    // A file still named on the host keeps its read-only fd parked for the next open.
    this.fds.release(file, this.tmpHost === null && this.nlink > 0);
    if (this.tmpHost && this.fds.byFile.size === 0) {
      try { fs.unlinkSync(this.tmpHost); } catch { /* ignore */ }
      this.tmpHost = null;
    }
  }
  private withFd<T>(file: File | null, write: boolean, fn: (fd: number) => T): T | number {
    const fd = file ? this.fds.byFile.get(file) : undefined;
    if (fd !== undefined) {
      try { return fn(fd); } catch (e) { return hostErrno(e); }
    }
    let tmp: number;
    try { tmp = fs.openSync(this.hostPath(), (write ? C.O_WRONLY : C.O_RDONLY) | C.O_NOFOLLOW); } catch (e) { return hostErrno(e); }
    try { return fn(tmp); } catch (e) { return hostErrno(e); } finally { fs.closeSync(tmp); }
  }
  override read(file: File | null, buf: Uint8Array, pos: number): number {
    if (!this.isReg) return super.read(file, buf, pos);
    return this.withFd(file, false, (fd) => fs.readSync(fd, buf, 0, buf.length, pos));
  }
  override write(file: File | null, buf: Uint8Array, pos: number): number {
    if (!this.isReg) return super.write(file, buf, pos);
    if (this.mut()) return -EROFS;
    const n = this.withFd(file, true, (fd) => {
      let off = 0;
      while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off, pos + off);
      return off;
    });
    if (n > 0 && pos + n > this.size) this.size = pos + n;
    return n;
  }
  override truncate(len: number): number {
    if (!this.isReg) return super.truncate(len);
    if (this.mut()) return -EROFS;
    if (this.pageCache) this.refresh();
    let fd = -1;
    for (const [f, hfd] of this.fds.byFile) if ((f.flags & O_ACCMODE) !== O_RDONLY) { fd = hfd; break; }
    try {
      if (fd >= 0) fs.ftruncateSync(fd, len);
      else { const t = fs.openSync(this.hostPath(), C.O_WRONLY | C.O_NOFOLLOW); try { fs.ftruncateSync(t, len); } finally { fs.closeSync(t); } }
    } catch (e) { return hostErrno(e); }
    const old = this.size;
    this.size = len;
    this.pageCache?.resize(old, len);
    return 0;
  }
  override sync(): number {
    const fd = this.fds.any();
    if (fd < 0) return 0;
    try { fs.fsyncSync(fd); return 0; } catch (e) { return hostErrno(e); }
  }
  override setattr(a: SetAttr): number {
    if (this.mut()) return -EROFS;
    const p = this.hostPath();
    try {
      if (a.mode !== undefined && !this.isLnk) fs.chmodSync(p, a.mode & 0o7777);
      if (a.uid !== undefined || a.gid !== undefined) {
        const uid = a.uid ?? this.uid, gid = a.gid ?? this.gid;
        try { fs.lchownSync(p, uid, gid); this.ownOverride = null; } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
          this.ownOverride = { uid, gid };
        }
      }
      if (a.atime || a.mtime) {
        const at = a.atime ?? [this.atimeSec, this.atimeNsec];
        const mt = a.mtime ?? [this.mtimeSec, this.mtimeNsec];
        fs.lutimesSync(p, at[0] + at[1] / 1e9, mt[0] + mt[1] / 1e9);
        this.timesSet = { a: [at[0], at[1]], m: [mt[0], mt[1]] };
      }
    } catch (e) {
      return hostErrno(e);
    }
    this.refresh();
    if (this.ownOverride) { this.uid = this.ownOverride.uid; this.gid = this.ownOverride.gid; }
    if (a.atime) { this.atimeSec = a.atime[0]; this.atimeNsec = a.atime[1]; }
    if (a.mtime) { this.mtimeSec = a.mtime[0]; this.mtimeNsec = a.mtime[1]; }
    return 0;
  }
}
