// tmpfs: a filesystem in memory. All file types: regular files, directories, symlinks,
// hard links, FIFOs, device nodes and sockets (the latter three are just inodes here;
// the VFS gives them their behaviour on open).
import { ENOENT, EEXIST, ENOTEMPTY, EFBIG, EINVAL, EMLINK, EIO } from '../../abi/linux/errno.js';
import { readImage, type ImageRange } from './imagedata.js';
import { S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, S_ISGID } from '../../abi/linux/stat.js';
import { TMPFS_MAGIC, RAMFS_MAGIC } from '../../abi/linux/fs.js';
import { RENAME_EXCHANGE } from '../../abi/linux/fcntl.js';
import { Inode, SuperBlock, FsCred, DirEntry, StatFs } from '../vfs/inode.js';
import type { File } from '../vfs/file.js';

const MAX_FILE = 2 ** 40;

/** The machine's RAM (mem=), which tmpfs sizes default to half of; set at boot. */
export const tmpfsRam = { bytes: 64 * 1048576 };

export class TmpfsSb extends SuperBlock {
  readonly fsType: string;
  readonly magic: number;
  root: TmpInode;
  /** Bytes held by file data (for statfs). */
  used = 0;
  inodes = 1;
  constructor(fsType = 'tmpfs', rootMode = 0o1777, readonly sizeLimit = 0) {
    super();
    this.fsType = fsType;
    this.magic = fsType === 'ramfs' ? RAMFS_MAGIC : TMPFS_MAGIC;
    this.root = new TmpInode(this, 1, S_IFDIR | rootMode);
    this.root.nlink = 2;
  }
  override statfs(): StatFs {
    // Linux's defaults: size = half of RAM, nr_inodes = half of RAM's pages; size=N% of RAM.
    if (this.fsType === 'ramfs') return super.statfs(); // ramfs has no size
    const ram = tmpfsRam.bytes;
    const total = this.sizeLimit > 0 ? this.sizeLimit : this.sizeLimit < 0 ? Math.floor(ram * -this.sizeLimit / 100) : ram / 2;
    const files = Math.max(1024, Math.floor(ram / 4096 / 2));
    const usedBlocks = Math.ceil(this.used / 4096);
    const blocks = Math.ceil(total / 4096);
    return {
      type: this.magic, bsize: 4096, blocks, bfree: Math.max(0, blocks - usedBlocks),
      bavail: Math.max(0, blocks - usedBlocks), files, ffree: Math.max(0, files - this.inodes), namelen: 255,
    };
  }
}

export class TmpInode extends Inode {
  declare readonly sb: TmpfsSb;
  entries: Map<string, TmpInode> | null = null;
  data: Uint8Array | null = null;
  /** A regular file's data while it is still only in a host image (never written). */
  src: ImageRange | null = null;
  target = '';

  constructor(sb: TmpfsSb, ino: number, mode: number) {
    super(sb, ino, mode);
    const t = mode & S_IFMT;
    if (t === S_IFDIR) this.entries = new Map();
    else if (t === S_IFREG) this.data = new Uint8Array(0);
  }

  private newChild(name: string, mode: number, cred: FsCred): TmpInode | number {
    if (!this.entries || this.nlink === 0) return -ENOENT;
    if (this.entries.has(name)) return -EEXIST;
    const ino = new TmpInode(this.sb, this.sb.allocIno(), mode);
    ino.uid = cred.fsuid;
    ino.gid = cred.fsgid;
    if (this.mode & S_ISGID) {
      ino.gid = this.gid;
      if ((mode & S_IFMT) === S_IFDIR) ino.mode |= S_ISGID;
    }
    this.entries.set(name, ino);
    this.sb.inodes++;
    this.touchM();
    return ino;
  }

  override lookup(name: string): Inode | number {
    if (!this.entries) return super.lookup(name);
    return this.entries.get(name) ?? -ENOENT;
  }
  override create(name: string, mode: number, cred: FsCred): Inode | number {
    return this.newChild(name, S_IFREG | (mode & 0o7777), cred);
  }
  override mkdir(name: string, mode: number, cred: FsCred): Inode | number {
    const r = this.newChild(name, S_IFDIR | (mode & 0o7777), cred);
    if (typeof r !== 'number') { r.nlink = 2; this.nlink++; }
    return r;
  }
  override mknod(name: string, mode: number, rdev: number, cred: FsCred): Inode | number {
    const r = this.newChild(name, mode, cred);
    if (typeof r !== 'number') r.rdev = rdev;
    return r;
  }
  override tmpfile(mode: number, cred: FsCred): Inode | number {
    if (!this.entries || this.nlink === 0) return -ENOENT;
    const ino = new TmpInode(this.sb, this.sb.allocIno(), S_IFREG | (mode & 0o7777));
    ino.uid = cred.fsuid;
    ino.gid = (this.mode & S_ISGID) ? this.gid : cred.fsgid;
    ino.nlink = 0;
    return ino;
  }
  override symlink(name: string, target: string, cred: FsCred): Inode | number {
    const r = this.newChild(name, S_IFLNK | 0o777, cred);
    if (typeof r !== 'number') { r.target = target; r.size = target.length; }
    return r;
  }
  override link(name: string, target: Inode): number {
    if (!this.entries || this.nlink === 0) return -ENOENT;
    if (this.entries.has(name)) return -EEXIST;
    if (target.nlink >= 65000) return -EMLINK;
    this.entries.set(name, target as TmpInode);
    if (target.nlink === 0) this.sb.inodes++; // an O_TMPFILE file gets its first name
    target.nlink++;
    target.touchC();
    this.touchM();
    return 0;
  }
  private drop(victim: TmpInode): void {
    if (victim.nlink === 0) {
      this.sb.inodes--;
      if (victim.data && victim.alias === null) { this.sb.used -= victim.src ? victim.size : victim.data.length; }
    }
  }
  override unlink(name: string, victim: Inode): number {
    if (!this.entries) return super.unlink(name, victim);
    if (this.entries.get(name) !== victim) return -ENOENT;
    this.entries.delete(name);
    victim.nlink--;
    victim.touchC();
    this.touchM();
    this.drop(victim as TmpInode);
    return 0;
  }
  override rmdir(name: string, victim: Inode): number {
    if (!this.entries) return super.rmdir(name, victim);
    const v = victim as TmpInode;
    if (this.entries.get(name) !== v) return -ENOENT;
    if (v.entries && v.entries.size > 0) return -ENOTEMPTY;
    this.entries.delete(name);
    v.nlink = 0;
    this.nlink--;
    this.touchM();
    this.drop(v);
    return 0;
  }
  override rename(oldName: string, newDir: Inode, newName: string, flags: number): number {
    const nd = newDir as TmpInode;
    if (!this.entries || !nd.entries) return -ENOENT;
    const src = this.entries.get(oldName);
    if (!src) return -ENOENT;
    const dst = nd.entries.get(newName);
    if (flags & RENAME_EXCHANGE) {
      if (!dst) return -ENOENT;
      this.entries.set(oldName, dst);
      nd.entries.set(newName, src);
      if (this !== nd && src.isDir !== dst.isDir) {
        if (src.isDir) { this.nlink--; nd.nlink++; } else { this.nlink++; nd.nlink--; }
      }
      src.touchC(); dst.touchC(); this.touchM(); nd.touchM();
      return 0;
    }
    if (dst === src) return 0;
    if (dst) {
      if (dst.isDir) {
        if (dst.entries && dst.entries.size > 0) return -ENOTEMPTY;
        dst.nlink = 0;
        nd.nlink--;
      } else dst.nlink--;
      dst.touchC();
      this.drop(dst);
    }
    this.entries.delete(oldName);
    nd.entries.set(newName, src);
    if (src.isDir && this !== nd) { this.nlink--; nd.nlink++; }
    src.touchC(); this.touchM(); nd.touchM();
    return 0;
  }
  override readdir(): DirEntry[] | number {
    if (!this.entries) return super.readdir();
    const out: DirEntry[] = [];
    for (const [name, ino] of this.entries) out.push({ name, ino: ino.ino, type: ino.dtype });
    return out;
  }
  override readlink(): string | number {
    return this.isLnk ? this.target : -EINVAL;
  }
  override read(_f: File | null, buf: Uint8Array, pos: number): number {
    if (!this.data) return super.read(_f, buf, pos);
    if (pos >= this.size) return 0;
    const n = Math.min(buf.length, this.size - pos);
    if (this.src) return readImage(this.src.image, this.src.off + pos, buf.subarray(0, n));
    buf.set(this.data.subarray(pos, pos + n));
    return n;
  }
  override write(_f: File | null, buf: Uint8Array, pos: number): number {
    if (!this.data) return super.write(_f, buf, pos);
    if (this.src && this.own() < 0) return -EIO;
    const end = pos + buf.length;
    if (end > MAX_FILE) return -EFBIG;
    this.ensure(end);
    this.data.set(buf, pos);
    if (end > this.size) this.size = end;
    this.touchM();
    return buf.length;
  }
  /** Take `bytes` as the contents of this empty regular file, without a copy (the
   *  initramfs unpack: a file's data stays a view of the unpacked archive, which saves
   *  the archive's size of host memory while the boot unpacks it). */
  adopt(bytes: Uint8Array): boolean {
    if (!this.data || this.data.length !== 0 || this.src || bytes.length > MAX_FILE) return false;
    this.data = bytes;
    this.size = bytes.length;
    this.sb.used += bytes.length;
    this.touchM();
    return true;
  }
  /** Make this empty regular file's data `len` bytes at `off` of a host image, left
   *  there until written (the unpack of an uncompressed initramfs; imagedata.ts). */
  backWith(src: ImageRange, len: number): boolean {
    if (!this.data || this.data.length !== 0 || this.src || len > MAX_FILE) return false;
    this.src = src;
    this.size = len;
    this.sb.used += len;
    this.touchM();
    return true;
  }
  /** Read image-backed data into memory, before the file changes. */
  private own(): number {
    const d = new Uint8Array(this.size);
    const r = readImage(this.src!.image, this.src!.off, d);
    if (r < 0) return r;
    this.src = null;
    this.data = d;
    return 0;
  }
  private ensure(cap: number): void {
    const d = this.data!;
    if (cap <= d.length) return;
    const n = new Uint8Array(Math.max(cap, Math.min(d.length * 2, cap + (1 << 24)), 256));
    n.set(d.subarray(0, this.size));
    this.sb.used += n.length - d.length;
    this.data = n;
  }
  override truncate(len: number): number {
    if (!this.data) return super.truncate(len);
    if (len > MAX_FILE) return -EFBIG;
    if (this.src && this.own() < 0) return -EIO;
    if (len > this.size) this.ensure(len);
    else this.data.fill(0, len, this.size);
    const old = this.size;
    this.size = len;
    this.pageCache?.resize(old, len);
    this.touchM();
    return 0;
  }
  override get cacheable(): boolean { return this.data !== null; }
  override get xattrSupported(): boolean { return true; }
  override blockCount(): number { return this.data ? Math.ceil(this.size / 4096) * 8 : 0; }
}
