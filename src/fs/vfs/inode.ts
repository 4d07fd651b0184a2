// Inodes and superblocks: the objects every filesystem implements. The VFS (namei,
// ops) calls these methods; they return a value or -errno. Credentials come in as
// FsCred, a structural interface that kernel/cred.ts's Cred satisfies.
import { EACCES, ENOTDIR, EINVAL, EPERM, EISDIR, EROFS, EOPNOTSUPP, ENOTTY } from '../../abi/linux/errno.js';
import { S_IFMT, S_IFDIR, S_IFLNK, S_IFREG, DT_UNKNOWN } from '../../abi/linux/stat.js';
import type { File } from './file.js';
import type { AddressSpace } from '../../mm/aspace.js';
import type { Sleeper } from '../../drivers/char/registry.js';
import type { Dentry } from './dentry.js';
import type { PageCache } from '../pagecache.js';
import { registerCkptState } from '../../lib/ckptstate.js';
import type { Path } from './mount.js';

/** The credentials a permission check needs (kernel Cred satisfies it). */
export interface FsCred { readonly fsuid: number; readonly fsgid: number; readonly groups: readonly number[]; }

export const ROOT_CRED: FsCred = { fsuid: 0, fsgid: 0, groups: [] };

export const MAY_EXEC = 1, MAY_WRITE = 2, MAY_READ = 4;

/** Current time for timestamps; the kernel may install its own clock (time travel). */
let clockFn: () => number = () => Date.now() * 1e6; // ns since the epoch (float; ns precision lost above 2^53 is fine: we split it)
export function setFsClock(fn: () => number): void { clockFn = fn; }
export function nowTs(): [number, number] {
  const ns = clockFn();
  const sec = Math.floor(ns / 1e9);
  return [sec, Math.max(0, Math.min(999999999, Math.round(ns - sec * 1e9)))];
}

export interface DirEntry { name: string; ino: number; type: number; }

export interface StatFs {
  type: number; bsize: number; blocks: number; bfree: number; bavail: number;
  files: number; ffree: number; namelen: number;
}

export interface SetAttr {
  mode?: number; uid?: number; gid?: number;
  atime?: [number, number]; mtime?: [number, number]; ctime?: [number, number];
}

let nextDev = 0x20; // anonymous block devices (major 0) start low; tmpfs etc. use these
registerCkptState('anondev.next', () => nextDev, (v) => { nextDev = v as number; });
export function allocAnonDev(): number { return nextDev++; }

export abstract class SuperBlock {
  abstract readonly fsType: string;
  abstract readonly magic: number;
  abstract root: Inode;
  readonly dev: number = allocAnonDev();
  readonly: boolean = false;
  /**
   * Trust cached dentries in the path walk and revalidate only the last component
   * (Inode.revalidate; fs/vfs/namei.ts). Filesystems whose lookups are cheap or
   * dynamic (tmpfs, procfs) leave it off and are asked at every step.
   */
  readonly cachedLookup: boolean = false;
  private nextIno = 2;
  allocIno(): number { return this.nextIno++; }
  statfs(): StatFs {
    return { type: this.magic, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, namelen: 255 };
  }
  /** Called when the last mount of this superblock goes away. */
  kill(): void {}
  /** Filesystem-specific mount options for /proc/mounts. */
  options(): string { return ''; }
}

export abstract class Inode {
  nlink = 1;
  uid = 0;
  gid = 0;
  size = 0;
  rdev = 0;
  atimeSec = 0; atimeNsec = 0;
  mtimeSec = 0; mtimeNsec = 0;
  ctimeSec = 0; ctimeNsec = 0;
  /** A dentry naming this inode (the VFS sets it; hostfs uses it to build host paths). */
  alias: Dentry | null = null;
  /** Per-inode object a special file shares between opens (a FIFO's pipe). */
  special: unknown = null;
  /**
   * The page cache of this file's data while it has one (created by the first mmap;
   * fs/pagecache.ts). While set, InodeFile reads and writes go through it.
   */
  pageCache: PageCache | null = null;
  /** May mmap map this inode through the page cache? (Filesystems with file data say yes.) */
  get cacheable(): boolean { return false; }
  /** Extended attributes kept in memory (filesystems with xattrSupported; created on first set). */
  xattrs: Map<string, Uint8Array> | null = null;
  /** Does this filesystem store extended attributes? (Others answer EOPNOTSUPP.) */
  get xattrSupported(): boolean { return false; }

  constructor(readonly sb: SuperBlock, public ino: number, public mode: number) {
    const [s, n] = nowTs();
    this.atimeSec = this.mtimeSec = this.ctimeSec = s;
    this.atimeNsec = this.mtimeNsec = this.ctimeNsec = n;
  }

  get type(): number { return this.mode & S_IFMT; }
  get isDir(): boolean { return (this.mode & S_IFMT) === S_IFDIR; }
  get isLnk(): boolean { return (this.mode & S_IFMT) === S_IFLNK; }
  get isReg(): boolean { return (this.mode & S_IFMT) === S_IFREG; }
  get dtype(): number { return ((this.mode & S_IFMT) >>> 12) || DT_UNKNOWN; }

  touchM(): void { const [s, n] = nowTs(); this.mtimeSec = this.ctimeSec = s; this.mtimeNsec = this.ctimeNsec = n; }
  touchC(): void { const [s, n] = nowTs(); this.ctimeSec = s; this.ctimeNsec = n; }
  touchA(): void { const [s, n] = nowTs(); this.atimeSec = s; this.atimeNsec = n; }

  /** Blocks of 512 bytes allocated. */
  blockCount(): number { return Math.ceil(this.size / 4096) * 8; }

  /** Refresh attributes from the backing store (hostfs); 0 or -errno. */
  refresh(): number { return 0; }

  /**
   * The cached dentry d (naming this inode) is the last component of a path walk: check
   * that its name still leads to this inode and refresh the attributes; 0, or -errno to
   * make the walk ask lookup() instead (only called where sb.cachedLookup).
   */
  revalidate(_d: Dentry): number { return 0; }

  /** Filesystem ioctls on an open file (ext2's FITRIM); -ENOTTY when unknown. */
  ioctl(_f: File, _cmd: number, _arg: number, _mm: AddressSpace, _s: Sleeper): number { return -ENOTTY; }

  // Directory operations (names are byte strings, never '.', '..' or containing '/').
  lookup(_name: string): Inode | number { return -ENOTDIR; }
  create(_name: string, _mode: number, _cred: FsCred): Inode | number { return -ENOTDIR; }
  mkdir(_name: string, _mode: number, _cred: FsCred): Inode | number { return -ENOTDIR; }
  mknod(_name: string, _mode: number, _rdev: number, _cred: FsCred): Inode | number { return -ENOTDIR; }
  symlink(_name: string, _target: string, _cred: FsCred): Inode | number { return -ENOTDIR; }
  /** O_TMPFILE: a regular file in this directory without a name (nlink 0); linkat names it. */
  tmpfile(_mode: number, _cred: FsCred): Inode | number { return this.isDir ? -EOPNOTSUPP : -ENOTDIR; }
  link(_name: string, _target: Inode): number { return -ENOTDIR; }
  unlink(_name: string, _victim: Inode): number { return -ENOTDIR; }
  rmdir(_name: string, _victim: Inode): number { return -ENOTDIR; }
  /** Move this/oldName to newDir/newName (same superblock); replaces a target the VFS has checked. */
  rename(_oldName: string, _newDir: Inode, _newName: string, _flags: number): number { return -ENOTDIR; }
  /** Entries other than '.' and '..'. */
  readdir(): DirEntry[] | number { return -ENOTDIR; }

  readlink(): string | number { return -EINVAL; }

  // Data (regular files). `file` is the open file (hostfs keeps its host fd there).
  /** A file type of its own for opens of this inode (mqueue), or null for an InodeFile. */
  fileFor(_flags: number, _p: Path): File | null { return null; }
  /** Hook when a File is opened on this inode; 0 or -errno. */
  open(_file: File): number { return 0; }
  release(_file: File): void {}
  read(_file: File | null, _buf: Uint8Array, _pos: number): number { return this.isDir ? -EISDIR : -EINVAL; }
  write(_file: File | null, _buf: Uint8Array, _pos: number): number { return this.isDir ? -EISDIR : -EINVAL; }
  truncate(_len: number): number { return this.isDir ? -EISDIR : -EINVAL; }
  sync(): number { return 0; }

  /** Change attributes (already permission-checked by the VFS). */
  setattr(a: SetAttr): number {
    if (this.sb.readonly) return -EROFS;
    if (a.mode !== undefined) this.mode = (this.mode & S_IFMT) | (a.mode & 0o7777);
    if (a.uid !== undefined) this.uid = a.uid;
    if (a.gid !== undefined) this.gid = a.gid;
    if (a.atime) { this.atimeSec = a.atime[0]; this.atimeNsec = a.atime[1]; }
    if (a.mtime) { this.mtimeSec = a.mtime[0]; this.mtimeNsec = a.mtime[1]; }
    if (a.ctime) { this.ctimeSec = a.ctime[0]; this.ctimeNsec = a.ctime[1]; } else this.touchC();
    return 0;
  }
}

export function inGroup(cred: FsCred, gid: number): boolean {
  return cred.fsgid === gid || cred.groups.includes(gid);
}

/** generic_permission: mask of MAY_* against the mode bits; root bypasses except exec. */
export function permission(inode: Inode, cred: FsCred, mask: number): number {
  if (mask === 0) return 0;
  const mode = inode.mode;
  if (cred.fsuid === 0) {
    if ((mask & MAY_EXEC) && !inode.isDir && (mode & 0o111) === 0) return -EACCES;
    return 0;
  }
  let bits: number;
  if (cred.fsuid === inode.uid) bits = (mode >> 6) & 7;
  else if (inGroup(cred, inode.gid)) bits = (mode >> 3) & 7;
  else bits = mode & 7;
  return (bits & mask) === mask ? 0 : -EACCES;
}

/** Owner-or-root check (chmod, utimes with explicit times). */
export function isOwner(inode: Inode, cred: FsCred): boolean {
  return cred.fsuid === 0 || cred.fsuid === inode.uid;
}
void EPERM;
