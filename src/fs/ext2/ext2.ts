// ext2, read-write (revision 0 and 1; 1 KiB to 4 KiB blocks; sparse_super, large_file,
// filetype; resize_inode, dir_index and ext_attr images are fine: we never touch the
// reserved GDT blocks, indexed directories are read linearly and lose their index flag
// when we change them, as e2fsck would rebuild it). ext3/ext4 images (journal, extents,
// 64bit, flex_bg, huge_file …; checksums ignored) mount read-only.
//
// Everything goes through the block device's buffer cache: inodes, bitmaps, group
// descriptors and the superblock are written into it as they change, so a flush of the
// device (fsync, sync, unmount, exit) makes the filesystem consistent on the host.
import {
  ENOENT, EEXIST, ENOTEMPTY, EINVAL, EIO, ENOSPC, EROFS, EFBIG, EMLINK, EACCES, EBUSY, ENOTTY, EPERM, EOPNOTSUPP,
} from '../../abi/linux/errno.js';
import { S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR, S_IFBLK, S_ISGID, makedev, major, minor } from '../../abi/linux/stat.js';
import { RENAME_EXCHANGE } from '../../abi/linux/fcntl.js';
import { Inode, SuperBlock, FsCred, DirEntry, StatFs, SetAttr, nowTs } from '../vfs/inode.js';
import type { File } from '../vfs/file.js';
import { BlockDevice, beforeBlockFlush } from '../../drivers/block/blkdev.js';
import { registerCkptState } from '../../lib/ckptstate.js';
import { FITRIM } from '../../abi/linux/fs.js';
import type { AddressSpace } from '../../mm/aspace.js';
import type { Sleeper } from '../../drivers/char/registry.js';
import { readI64, writeI64 } from '../../mm/usercopy.js';

export const EXT2_SUPER_MAGIC = 0xef53;

// Feature bits.
const COMPAT_HAS_JOURNAL = 0x4;
const INCOMPAT_FILETYPE = 0x2, INCOMPAT_RECOVER = 0x4, INCOMPAT_META_BG = 0x10, INCOMPAT_EXTENTS = 0x40,
  INCOMPAT_64BIT = 0x80, INCOMPAT_MMP = 0x100, INCOMPAT_FLEX_BG = 0x200, INCOMPAT_EA_INODE = 0x400,
  INCOMPAT_CSUM_SEED = 0x2000, INCOMPAT_LARGEDIR = 0x4000;
const RO_SPARSE_SUPER = 0x1, RO_LARGE_FILE = 0x2, RO_HUGE_FILE = 0x8;
const READ_INCOMPAT = INCOMPAT_FILETYPE | INCOMPAT_RECOVER | INCOMPAT_EXTENTS | INCOMPAT_64BIT | INCOMPAT_MMP |
  INCOMPAT_FLEX_BG | INCOMPAT_EA_INODE | INCOMPAT_CSUM_SEED | INCOMPAT_LARGEDIR;
const WRITE_INCOMPAT = INCOMPAT_FILETYPE;
const WRITE_RO_COMPAT = RO_SPARSE_SUPER | RO_LARGE_FILE;

const EXT4_EXTENTS_FL = 0x80000, EXT2_INDEX_FL = 0x1000, EXT4_INLINE_DATA_FL = 0x10000000;
const ROOT_INO = 2;

/** Why a mount failed, for the boot message (the errno goes to mount(2)). */
export class Ext2MountError extends Error { constructor(msg: string, readonly errno: number) { super(msg); } }

export interface Group {
  blockBitmap: number; inodeBitmap: number; inodeTable: number;
  freeBlocks: number; freeInodes: number; usedDirs: number;
  bb: Uint8Array | null; ib: Uint8Array | null;
}

const u16 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const w16 = (b: Uint8Array, o: number, v: number): void => { b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; };
const w32 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; b[o + 2] = (v >>> 16) & 0xff; b[o + 3] = (v >>> 24) & 0xff;
};
const hi32 = (v: number): number => Math.floor(v / 4294967296);

function isPow(n: number, b: number): boolean { while (n > 1 && n % b === 0) n /= b; return n === 1; }

function ftypeOf(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFREG: return 1; case S_IFDIR: return 2; case S_IFCHR: return 3; case S_IFBLK: return 4;
    case 0o010000: return 5; case 0o140000: return 6; case S_IFLNK: return 7; default: return 0;
  }
}
const DT_OF_FT = [0, 8, 4, 2, 6, 1, 12, 10];

export class Ext2Sb extends SuperBlock {
  readonly fsType: string;
  readonly magic = EXT2_SUPER_MAGIC;
  root!: Ext2Inode;
  readonly bs: number;
  readonly sbRaw = new Uint8Array(1024);
  readonly groups: Group[] = [];
  readonly ngroups: number;
  readonly ipg: number;
  readonly bpg: number;
  readonly inodeSize: number;
  readonly firstIno: number;
  readonly firstData: number;
  readonly blocksCount: number;
  readonly inodesCount: number;
  readonly gdSize: number;
  readonly incompat: number;
  roCompat: number;
  readonly compat: number;
  /** The features allow us to write (plain ext2). */
  readonly canWrite: boolean;
  freeBlocks: number;
  freeInodes: number;
  readonly icache = new Map<number, Ext2Inode>();
  private readonly scratch = new Uint8Array(8);

  constructor(readonly blk: BlockDevice, readonly devName: string, fsType: string, ro: boolean, devNo = 0) {
    super();
    const S = this.sbRaw;
    const dev = blk;
    if (devNo) (this as { dev: number }).dev = devNo;
    if (dev.size < 2048 || dev.read(S, 1024) < 0) throw new Ext2MountError(`${devName}: cannot read the superblock (image too small?)`, EINVAL);
    if (u16(S, 56) !== EXT2_SUPER_MAGIC) throw new Ext2MountError(`${devName}: no ext2/ext3/ext4 filesystem (bad superblock magic)`, EINVAL);
    const log = u32(S, 24);
    if (log > 6) throw new Ext2MountError(`${devName}: corrupt superblock (block size 2^${10 + log})`, EINVAL);
    this.bs = 1024 << log;
    const rev = u32(S, 76);
    this.inodeSize = rev === 0 ? 128 : u16(S, 88);
    this.firstIno = rev === 0 ? 11 : u32(S, 84);
    this.compat = rev === 0 ? 0 : u32(S, 92);
    this.incompat = rev === 0 ? 0 : u32(S, 96);
    this.roCompat = rev === 0 ? 0 : u32(S, 100);
    this.firstData = u32(S, 20);
    this.bpg = u32(S, 32);
    this.ipg = u32(S, 40);
    const is64 = (this.incompat & INCOMPAT_64BIT) !== 0;
    this.blocksCount = u32(S, 4) + (is64 ? u32(S, 336) * 4294967296 : 0);
    this.inodesCount = u32(S, 0);
    this.freeBlocks = u32(S, 12) + (is64 ? u32(S, 344) * 4294967296 : 0);
    this.freeInodes = u32(S, 16);
    this.gdSize = is64 ? Math.max(32, u16(S, 254)) : 32;
    if (this.bpg === 0 || this.ipg === 0 || this.inodeSize < 128 || (this.inodeSize & (this.inodeSize - 1)) !== 0 ||
        this.inodeSize > this.bs || this.blocksCount <= this.firstData || this.firstIno < 11) {
      throw new Ext2MountError(`${devName}: corrupt superblock (impossible geometry)`, EINVAL);
    }
    const unknown = this.incompat & ~READ_INCOMPAT;
    if (unknown) throw new Ext2MountError(`${devName}: unsupported filesystem features (incompat 0x${unknown.toString(16)})`, EINVAL);
    if (this.blocksCount * this.bs > dev.size) {
      throw new Ext2MountError(`${devName}: the image is truncated (the filesystem has ${this.blocksCount * this.bs} bytes, the device ${dev.size})`, EINVAL);
    }
    this.ngroups = Math.ceil((this.blocksCount - this.firstData) / this.bpg);
    if (this.ngroups * this.ipg < this.inodesCount) throw new Ext2MountError(`${devName}: corrupt superblock (inode count)`, EINVAL);
    const gdt = new Uint8Array(this.ngroups * this.gdSize);
    if (dev.read(gdt, (this.firstData + 1) * this.bs) < 0) throw new Ext2MountError(`${devName}: cannot read the group descriptors`, EIO);
    for (let g = 0; g < this.ngroups; g++) {
      const o = g * this.gdSize;
      const h = is64 && this.gdSize >= 64;
      const grp: Group = {
        blockBitmap: u32(gdt, o) + (h ? u32(gdt, o + 32) * 4294967296 : 0),
        inodeBitmap: u32(gdt, o + 4) + (h ? u32(gdt, o + 36) * 4294967296 : 0),
        inodeTable: u32(gdt, o + 8) + (h ? u32(gdt, o + 40) * 4294967296 : 0),
        freeBlocks: u16(gdt, o + 12) + (h ? u16(gdt, o + 44) * 65536 : 0),
        freeInodes: u16(gdt, o + 14) + (h ? u16(gdt, o + 46) * 65536 : 0),
        usedDirs: u16(gdt, o + 16) + (h ? u16(gdt, o + 48) * 65536 : 0),
        bb: null, ib: null,
      };
      if (grp.inodeTable === 0 || grp.inodeTable >= this.blocksCount || grp.blockBitmap >= this.blocksCount) {
        throw new Ext2MountError(`${devName}: corrupt group descriptor ${g}`, EINVAL);
      }
      this.groups.push(grp);
    }
    this.canWrite = (this.incompat & ~WRITE_INCOMPAT) === 0 && (this.roCompat & ~WRITE_RO_COMPAT) === 0 &&
      (this.compat & COMPAT_HAS_JOURNAL) === 0;
    if (fsType === 'ext2' && !this.canWrite) {
      throw new Ext2MountError(`${devName}: the filesystem has ext3/ext4 features (mount it as ext4)`, EINVAL);
    }
    this.fsType = fsType === 'auto' ? (this.canWrite ? 'ext2' : 'ext4') : fsType;
    if (!ro && !this.canWrite) throw new Ext2MountError(`${devName}: ext3/ext4 features: this filesystem can only be mounted read-only`, EROFS);
    if (!ro && dev.readonly) throw new Ext2MountError(`${devName}: the device is read-only`, EACCES);
    this.readonly = ro;
    const r = this.iget(ROOT_INO);
    if (typeof r === 'number' || !r.isDir) throw new Ext2MountError(`${devName}: corrupt filesystem (the root is not a directory)`, EINVAL);
    this.root = r;
    if (!ro) {
      const [now] = nowTs();
      w32(S, 44, now); // s_mtime
      w16(S, 52, (u16(S, 52) + 1) & 0xffff); // s_mnt_count
      this.writeSuper();
    }
  }

  get writable(): boolean { return !this.readonly && this.canWrite; }

  // ---- raw block access ---------------------------------------------------------------
  readBlock(b: number): Uint8Array | number {
    const buf = new Uint8Array(this.bs);
    const e = this.blk.read(buf, b * this.bs);
    return e < 0 ? e : buf;
  }
  ptr(b: number, i: number): number {
    const s = this.scratch.subarray(0, 4);
    if (this.blk.read(s, b * this.bs + i * 4) < 0) return -EIO;
    return u32(s, 0);
  }
  setPtr(b: number, i: number, v: number): number {
    const s = this.scratch.subarray(4, 8);
    w32(s, 0, v);
    return this.blk.write(s, b * this.bs + i * 4);
  }

  writeSuper(): void {
    const S = this.sbRaw;
    w32(S, 12, this.freeBlocks % 4294967296);
    if (this.incompat & INCOMPAT_64BIT) w32(S, 344, hi32(this.freeBlocks));
    w32(S, 16, this.freeInodes);
    w32(S, 48, nowTs()[0]); // s_wtime
    this.blk.write(S, 1024);
  }
  writeGroup(g: number): void {
    const grp = this.groups[g];
    const b = new Uint8Array(6);
    w16(b, 0, grp.freeBlocks & 0xffff); w16(b, 2, grp.freeInodes & 0xffff); w16(b, 4, grp.usedDirs & 0xffff);
    this.blk.write(b, (this.firstData + 1) * this.bs + g * this.gdSize + 12);
  }

  private bitmap(g: number, inodes: boolean): Uint8Array | number {
    const grp = this.groups[g];
    const have = inodes ? grp.ib : grp.bb;
    if (have) return have;
    const r = this.readBlock(inodes ? grp.inodeBitmap : grp.blockBitmap);
    if (typeof r === 'number') return r;
    if (inodes) grp.ib = r; else grp.bb = r;
    return r;
  }
  private writeBitmapByte(g: number, inodes: boolean, byte: number): void {
    const grp = this.groups[g];
    const bm = (inodes ? grp.ib : grp.bb)!;
    this.blk.write(bm.subarray(byte, byte + 1), (inodes ? grp.inodeBitmap : grp.blockBitmap) * this.bs + byte);
  }

  /** Blocks in group g. */
  groupBlocks(g: number): number { return Math.min(this.bpg, this.blocksCount - this.firstData - g * this.bpg); }

  /** Allocate a block near goal; zero it when asked. Block number or -ENOSPC. */
  allocBlock(goal: number, zero: boolean): number {
    if (this.freeBlocks <= 0) return -ENOSPC;
    let g0 = Math.floor((Math.max(goal, this.firstData) - this.firstData) / this.bpg);
    if (g0 >= this.ngroups) g0 = 0;
    for (let k = 0; k < this.ngroups; k++) {
      const g = (g0 + k) % this.ngroups;
      const grp = this.groups[g];
      if (grp.freeBlocks === 0) continue;
      const bm = this.bitmap(g, false);
      if (typeof bm === 'number') return bm;
      const n = this.groupBlocks(g);
      const start = k === 0 ? Math.max(0, goal - this.firstData - g * this.bpg) % n : 0;
      const bit = findZero(bm, n, start);
      if (bit < 0) continue;
      bm[bit >>> 3] |= 1 << (bit & 7);
      this.writeBitmapByte(g, false, bit >>> 3);
      grp.freeBlocks--; this.freeBlocks--;
      this.writeGroup(g);
      this.writeSuper();
      const blk = this.firstData + g * this.bpg + bit;
      if (zero) this.blk.write(new Uint8Array(this.bs), blk * this.bs);
      return blk;
    }
    return -ENOSPC;
  }

  freeBlock(b: number): void {
    if (b < this.firstData || b >= this.blocksCount) return;
    const g = Math.floor((b - this.firstData) / this.bpg);
    const bit = (b - this.firstData) % this.bpg;
    const bm = this.bitmap(g, false);
    if (typeof bm === 'number') return;
    const m = 1 << (bit & 7);
    if ((bm[bit >>> 3] & m) === 0) return; // double free: leave it for e2fsck to see
    bm[bit >>> 3] &= ~m;
    this.writeBitmapByte(g, false, bit >>> 3);
    this.groups[g].freeBlocks++; this.freeBlocks++;
    this.writeGroup(g);
    this.writeSuper();
  }

  allocInode(goalGroup: number, dir: boolean): number {
    if (this.freeInodes <= 0) return -ENOSPC;
    for (let k = 0; k < this.ngroups; k++) {
      const g = (goalGroup + k) % this.ngroups;
      const grp = this.groups[g];
      if (grp.freeInodes === 0) continue;
      const bm = this.bitmap(g, true);
      if (typeof bm === 'number') return bm;
      const start = g === 0 ? this.firstIno - 1 : 0;
      const bit = findZero(bm, Math.min(this.ipg, this.inodesCount - g * this.ipg), start);
      if (bit < 0) continue;
      bm[bit >>> 3] |= 1 << (bit & 7);
      this.writeBitmapByte(g, true, bit >>> 3);
      grp.freeInodes--; this.freeInodes--;
      if (dir) grp.usedDirs++;
      this.writeGroup(g);
      this.writeSuper();
      return g * this.ipg + bit + 1;
    }
    return -ENOSPC;
  }

  freeInode(ino: number, dir: boolean): void {
    const g = Math.floor((ino - 1) / this.ipg), bit = (ino - 1) % this.ipg;
    const bm = this.bitmap(g, true);
    if (typeof bm === 'number') return;
    const m = 1 << (bit & 7);
    if ((bm[bit >>> 3] & m) === 0) return;
    bm[bit >>> 3] &= ~m;
    this.writeBitmapByte(g, true, bit >>> 3);
    const grp = this.groups[g];
    grp.freeInodes++; this.freeInodes++;
    if (dir && grp.usedDirs > 0) grp.usedDirs--;
    this.writeGroup(g);
    this.writeSuper();
  }

  inodeOffset(ino: number): number {
    const g = Math.floor((ino - 1) / this.ipg), idx = (ino - 1) % this.ipg;
    return this.groups[g].inodeTable * this.bs + idx * this.inodeSize;
  }

  /** The inode numbered ino (cached: one object per inode). */
  iget(ino: number): Ext2Inode | number {
    const c = this.icache.get(ino);
    if (c) return c;
    if (ino < 1 || ino > this.inodesCount) return -EIO;
    const raw = new Uint8Array(this.inodeSize);
    const e = this.blk.read(raw, this.inodeOffset(ino));
    if (e < 0) return e;
    const i = new Ext2Inode(this, ino, u16(raw, 0));
    i.load(raw);
    this.icache.set(ino, i);
    return i;
  }

  hasSuper(g: number): boolean {
    if (g <= 1 || !(this.roCompat & RO_SPARSE_SUPER)) return true;
    return isPow(g, 3) || isPow(g, 5) || isPow(g, 7);
  }

  override statfs(): StatFs {
    // bsddf: blocks exclude the metadata overhead, as Linux's ext2_statfs.
    const gdtBlocks = Math.ceil(this.ngroups * this.gdSize / this.bs) + u16(this.sbRaw, 206);
    let overhead = this.firstData;
    const itb = Math.ceil(this.ipg * this.inodeSize / this.bs);
    for (let g = 0; g < this.ngroups; g++) overhead += (this.hasSuper(g) ? 1 + gdtBlocks : 0) + 2 + itb;
    const rsv = u32(this.sbRaw, 8) + ((this.incompat & INCOMPAT_64BIT) ? u32(this.sbRaw, 340) * 4294967296 : 0);
    return {
      type: this.magic, bsize: this.bs, blocks: this.blocksCount - overhead, bfree: this.freeBlocks,
      bavail: Math.max(0, this.freeBlocks - rsv), files: this.inodesCount, ffree: this.freeInodes, namelen: 255,
    };
  }

  /**
   * FITRIM: discard the free blocks in the byte range [start, start+len) (len < 0: to
   * the end) in runs of at least minLen bytes; the bytes discarded, or -errno. Free
   * blocks hold nothing, so a block read back later from a hole is as good as before.
   */
  trim(start: number, len: number, minLen: number): number {
    if (this.blk.noTrim || !this.blk.backend.discard) return -EOPNOTSUPP;
    if (!this.writable) return -EROFS;
    const bs = this.bs;
    if (start < 0 || start >= this.blocksCount * bs) return -EINVAL;
    const first = Math.max(this.firstData, Math.floor(start / bs));
    const last = len < 0 ? this.blocksCount - 1 : Math.min(this.blocksCount - 1, Math.floor((start + len) / bs) - 1);
    const minBlocks = Math.max(1, Math.ceil(Math.max(0, minLen) / bs));
    let trimmed = 0;
    for (let g = 0; g < this.ngroups; g++) {
      const base = this.firstData + g * this.bpg, n = this.groupBlocks(g);
      if (base + n <= first || base > last) continue;
      const bm = this.bitmap(g, false);
      if (typeof bm === 'number') return bm;
      const lo = Math.max(0, first - base), hi = Math.min(n, last - base + 1);
      let run = -1;
      for (let i = lo; i <= hi; i++) {
        const free = i < hi && (bm[i >>> 3] & (1 << (i & 7))) === 0;
        if (free) { if (run < 0) run = i; continue; }
        if (run >= 0 && i - run >= minBlocks) {
          const e = this.blk.discard((base + run) * bs, (i - run) * bs);
          if (e < 0) return e;
          trimmed += (i - run) * bs;
        }
        run = -1;
      }
    }
    return trimmed;
  }

  /** Write cached inodes and counters into the buffer cache, then flush the device. */
  sync(): number {
    if (this.writable) {
      for (const i of this.icache.values()) if (i.dirty) i.save();
      this.writeSuper();
    }
    return this.blk.flush();
  }

  /** Remount read-only or read-write. */
  remount(ro: boolean): number {
    if (!ro && !this.canWrite) return -EROFS;
    if (!ro && this.blk.readonly) return -EACCES;
    if (ro && !this.readonly) { const e = this.sync(); this.readonly = true; return e; }
    this.readonly = ro;
    return 0;
  }

  override kill(): void {
    this.sync();
    mounted.delete(this.blk);
    if (this.blk.holder === 'ext2') this.blk.holder = null;
    this.blk.fsBlockSize = 0;
  }

  override options(): string { return ''; }
}

/** First zero bit in bm[0..n) at or after start (wrapping); -1 if none. */
function findZero(bm: Uint8Array, n: number, start: number): number {
  for (let pass = 0; pass < 2; pass++) {
    let b = pass === 0 ? start : 0;
    const end = pass === 0 ? n : Math.min(start, n);
    while (b < end) {
      if ((b & 7) === 0 && b + 8 <= end && bm[b >>> 3] === 0xff) { b += 8; continue; }
      if ((bm[b >>> 3] & (1 << (b & 7))) === 0) return b;
      b++;
    }
  }
  return -1;
}

interface DirEnt { lblk: number; phys: number; buf: Uint8Array; off: number; prev: number; ino: number; rec: number; name: string; ft: number; }

export class Ext2Inode extends Inode {
  declare readonly sb: Ext2Sb;
  blocks512 = 0;
  flags = 0;
  dtime = 0;
  /** i_block: 15 words (or extent tree / fast symlink bytes). */
  iblock = new Uint8Array(60);
  /** Unsaved in-memory changes (VFS touches timestamps directly). */
  dirty = false;
  private opens = 0;
  private lastAlloc = 0;
  freed = false;

  /** FITRIM (struct fstrim_range { u64 start, len, minlen }): len comes back as the bytes trimmed. */
  override ioctl(_f: File, cmd: number, arg: number, mm: AddressSpace, s: Sleeper): number {
    if (cmd >>> 0 !== FITRIM) return -ENOTTY;
    if ((s as { cred?: { euid: number } }).cred?.euid !== 0) return -EPERM;
    const start = readI64(mm, arg), len = readI64(mm, arg + 8), minLen = readI64(mm, arg + 16);
    const r = this.sb.trim(start, len, minLen < 0 ? Infinity : minLen);
    if (r < 0) return r;
    writeI64(mm, arg + 8, r);
    return 0;
  }

  load(raw: Uint8Array): void {
    this.mode = u16(raw, 0);
    this.uid = u16(raw, 2) | (u16(raw, 120) << 16);
    this.size = u32(raw, 4) + u32(raw, 108) * 4294967296;
    this.atimeSec = u32(raw, 8) | 0; this.ctimeSec = u32(raw, 12) | 0; this.mtimeSec = u32(raw, 16) | 0;
    this.dtime = u32(raw, 20);
    this.gid = u16(raw, 24) | (u16(raw, 122) << 16);
    this.nlink = u16(raw, 26);
    this.blocks512 = u32(raw, 28) + ((this.sb.roCompat & RO_HUGE_FILE) ? u16(raw, 116) * 4294967296 : 0);
    this.flags = u32(raw, 32);
    this.iblock = raw.slice(40, 100);
    this.atimeNsec = this.mtimeNsec = this.ctimeNsec = 0;
    if (raw.length > 128) {
      const extra = u16(raw, 128);
      if (extra >= 24) {
        this.ctimeNsec = (u32(raw, 132) >>> 2) % 1e9;
        this.mtimeNsec = (u32(raw, 136) >>> 2) % 1e9;
        this.atimeNsec = (u32(raw, 140) >>> 2) % 1e9;
      }
    }
    const t = this.mode & S_IFMT;
    if (t === S_IFCHR || t === S_IFBLK) {
      const old = u32(this.iblock, 0);
      if (old !== 0) this.rdev = makedev((old >>> 8) & 0xff, old & 0xff);
      else { const n = u32(this.iblock, 4); this.rdev = makedev((n & 0xfff00) >>> 8, (n & 0xff) | ((n >>> 12) & 0xfff00)); }
    }
  }

  /** Write this inode into the inode table (through the buffer cache). */
  save(): void {
    if (this.freed || !this.sb.writable) return;
    this.dirty = false;
    const sb = this.sb;
    const raw = new Uint8Array(sb.inodeSize);
    const off = sb.inodeOffset(this.ino);
    if (sb.blk.read(raw, off) < 0) return;
    w16(raw, 0, this.mode);
    w16(raw, 2, this.uid & 0xffff); w16(raw, 120, (this.uid >>> 16) & 0xffff);
    w32(raw, 4, this.size % 4294967296); w32(raw, 108, hi32(this.size));
    w32(raw, 8, this.atimeSec); w32(raw, 12, this.ctimeSec); w32(raw, 16, this.mtimeSec);
    w32(raw, 20, this.dtime);
    w16(raw, 24, this.gid & 0xffff); w16(raw, 122, (this.gid >>> 16) & 0xffff);
    w16(raw, 26, this.nlink);
    w32(raw, 28, this.blocks512 % 4294967296);
    w32(raw, 32, this.flags);
    raw.set(this.iblock, 40);
    if (sb.inodeSize > 128) {
      const extra = u16(raw, 128);
      if (extra >= 24) {
        w32(raw, 132, (this.ctimeNsec << 2) >>> 0);
        w32(raw, 136, (this.mtimeNsec << 2) >>> 0);
        w32(raw, 140, (this.atimeNsec << 2) >>> 0);
      }
    }
    sb.blk.write(raw, off);
  }

  private get group(): number { return Math.floor((this.ino - 1) / this.sb.ipg); }
  private ro(): number { return this.sb.writable ? 0 : -EROFS; }

  override touchM(): void { super.touchM(); this.dirty = true; }
  override touchC(): void { super.touchC(); this.dirty = true; }
  override touchA(): void { /* relatime-like: atime is not written back for reads */ }

  override blockCount(): number { return this.blocks512; }
  override get cacheable(): boolean { return this.isReg; }

  // ---- block mapping --------------------------------------------------------------------
  private get hasExtents(): boolean { return (this.flags & EXT4_EXTENTS_FL) !== 0; }
  private word(i: number): number { return u32(this.iblock, i * 4); }
  private setWord(i: number, v: number): void { w32(this.iblock, i * 4, v); this.dirty = true; }

  /** Physical block of logical block l; 0 for a hole; -errno. With alloc, fill holes. */
  bmap(l: number, alloc = false, zeroData = true): number {
    if (this.hasExtents) return alloc ? -EROFS : this.extentMap(l);
    const sb = this.sb;
    const per = sb.bs / 4;
    let path: number[];
    if (l < 12) path = [l];
    else if ((l -= 12) < per) path = [12, l];
    else if ((l -= per) < per * per) path = [13, Math.floor(l / per), l % per];
    else if ((l -= per * per) < per * per * per) path = [14, Math.floor(l / (per * per)), Math.floor(l / per) % per, l % per];
    else return -EFBIG;
    let cur = this.word(path[0]);
    if (cur === 0) {
      if (!alloc) return 0;
      const leaf = path.length === 1;
      cur = this.alloc(leaf ? zeroData : true);
      if (cur < 0) return cur;
      this.setWord(path[0], cur);
    }
    for (let k = 1; k < path.length; k++) {
      let nx = sb.ptr(cur, path[k]);
      if (nx < 0) return nx;
      if (nx >= sb.blocksCount) return -EIO;
      if (nx === 0) {
        if (!alloc) return 0;
        nx = this.alloc(k === path.length - 1 ? zeroData : true);
        if (nx < 0) return nx;
        const e = sb.setPtr(cur, path[k], nx);
        if (e < 0) return e;
      }
      cur = nx;
    }
    return cur;
  }

  private alloc(zero: boolean): number {
    const sb = this.sb;
    const goal = this.lastAlloc ? this.lastAlloc + 1 : sb.firstData + this.group * sb.bpg;
    const b = sb.allocBlock(goal, zero);
    if (b < 0) return b;
    this.lastAlloc = b;
    this.blocks512 += sb.bs / 512;
    this.dirty = true;
    return b;
  }

  private extentMap(l: number): number {
    const sb = this.sb;
    let node: Uint8Array = this.iblock;
    for (let depthGuard = 0; depthGuard < 8; depthGuard++) {
      if (u16(node, 0) !== 0xf30a) return -EIO;
      const n = u16(node, 2), depth = u16(node, 6);
      if (depth === 0) {
        for (let i = 0; i < n; i++) {
          const o = 12 + i * 12;
          const first = u32(node, o);
          let len = u16(node, o + 4);
          const uninit = len > 32768;
          if (uninit) len -= 32768;
          if (l >= first && l < first + len) {
            if (uninit) return 0;
            return u16(node, o + 6) * 4294967296 + u32(node, o + 8) + (l - first);
          }
        }
        return 0;
      }
      let child = -1;
      for (let i = 0; i < n; i++) {
        const o = 12 + i * 12;
        if (u32(node, o) <= l) child = u32(node, o + 4) + u16(node, o + 8) * 4294967296; else break;
      }
      if (child < 0) return 0;
      const r = sb.readBlock(child);
      if (typeof r === 'number') return r;
      node = r;
    }
    return -EIO;
  }

  /** Free every block from logical block `keep` on (truncate). */
  private truncBlocks(keep: number): number {
    if (this.hasExtents) return -EROFS;
    const sb = this.sb;
    const per = sb.bs / 4;
    for (let i = 0; i < 12; i++) {
      const b = this.word(i);
      if (i >= keep && b !== 0) { sb.freeBlock(b); this.blocks512 -= sb.bs / 512; this.setWord(i, 0); }
    }
    const freeTree = (ptr: number, level: number, base: number, span: number): boolean => {
      if (ptr >= sb.blocksCount) return false;
      if (level === 0) {
        if (base < keep) return false;
        sb.freeBlock(ptr); this.blocks512 -= sb.bs / 512;
        return true;
      }
      const blk = sb.readBlock(ptr);
      if (typeof blk === 'number') return false;
      const cs = span / per;
      let changed = false;
      for (let j = 0; j < per; j++) {
        const p = u32(blk, j * 4);
        if (p === 0) continue;
        const cb = base + j * cs;
        if (cb + cs <= keep) continue;
        if (freeTree(p, level - 1, cb, cs)) { w32(blk, j * 4, 0); changed = true; }
      }
      if (base >= keep) { sb.freeBlock(ptr); this.blocks512 -= sb.bs / 512; return true; }
      if (changed) sb.blk.write(blk, ptr * sb.bs);
      return false;
    };
    let base = 12, span = per;
    for (let i = 12; i < 15; i++) {
      const b = this.word(i);
      if (b !== 0 && freeTree(b, i - 11, base, span)) this.setWord(i, 0);
      base += span; span *= per;
    }
    this.lastAlloc = 0;
    return 0;
  }

  // ---- data -------------------------------------------------------------------------------
  override read(_f: File | null, buf: Uint8Array, pos: number): number {
    if (this.isDir) return super.read(_f, buf, pos);
    if (!this.isReg) return -EINVAL;
    if (this.flags & EXT4_INLINE_DATA_FL) return -EIO;
    if (pos >= this.size) return 0;
    const sb = this.sb, bs = sb.bs;
    const n = Math.min(buf.length, this.size - pos);
    let done = 0;
    while (done < n) {
      const p = pos + done;
      const l = Math.floor(p / bs), o = p - l * bs;
      const phys = this.bmap(l);
      if (phys < 0) return done > 0 ? done : phys;
      // Extend the run over physically contiguous blocks.
      let len = Math.min(bs - o, n - done);
      let nl = l + 1;
      while (done + len < n) {
        const q = this.bmap(nl);
        if (phys === 0 ? q !== 0 : q !== phys + (nl - l)) break;
        len = Math.min(len + bs, n - done);
        nl++;
      }
      const dst = buf.subarray(done, done + len);
      if (phys === 0) dst.fill(0);
      else {
        const e = sb.blk.read(dst, phys * bs + o);
        if (e < 0) return done > 0 ? done : e;
      }
      done += len;
    }
    return n;
  }

  override write(_f: File | null, buf: Uint8Array, pos: number): number {
    if (!this.isReg) return super.write(_f, buf, pos);
    const e0 = this.ro(); if (e0) return e0;
    const sb = this.sb, bs = sb.bs;
    const end = pos + buf.length;
    if (end > this.maxSize()) return -EFBIG;
    let done = 0;
    while (done < buf.length) {
      const p = pos + done;
      const l = Math.floor(p / bs), o = p - l * bs;
      const n = Math.min(bs - o, buf.length - done);
      const phys = this.bmap(l, true, n < bs);
      if (phys < 0) { if (done > 0) break; this.save(); return phys; }
      const e = sb.blk.write(buf.subarray(done, done + n), phys * bs + o);
      if (e < 0) { if (done > 0) break; return e; }
      done += n;
    }
    if (pos + done > this.size) this.setSize(pos + done);
    super.touchM();
    this.save();
    return done;
  }

  private maxSize(): number {
    const per = this.sb.bs / 4;
    return Math.min((12 + per + per * per + per * per * per) * this.sb.bs, 2 ** 41 * 2);
  }

  private setSize(n: number): void {
    this.size = n;
    this.dirty = true;
    if (n >= 2 ** 31 && !(this.sb.roCompat & RO_LARGE_FILE)) {
      w32(this.sb.sbRaw, 100, u32(this.sb.sbRaw, 100) | RO_LARGE_FILE);
      this.sb.roCompat |= RO_LARGE_FILE;
      this.sb.writeSuper();
    }
  }

  override truncate(len: number): number {
    if (!this.isReg) return super.truncate(len);
    const e0 = this.ro(); if (e0) return e0;
    if (len > this.maxSize()) return -EFBIG;
    const sb = this.sb, bs = sb.bs;
    const old = this.size;
    if (len < old) {
      // Zero the tail of the last kept block, so a later extension reads zeros there.
      const o = len % bs;
      if (o !== 0) {
        const phys = this.bmap(Math.floor(len / bs));
        if (phys > 0) sb.blk.write(new Uint8Array(bs - o), phys * bs + o);
      }
      this.truncBlocks(Math.ceil(len / bs));
    }
    this.setSize(len);
    this.pageCache?.resize(old, len);
    super.touchM();
    this.save();
    return 0;
  }

  override sync(): number { return this.sb.sync(); }

  override open(_file: File): number { this.opens++; return 0; }
  override release(_file: File): void {
    if (this.opens > 0) this.opens--;
    if (this.opens === 0 && this.nlink === 0) this.evict();
  }

  /** Last link and last open gone: free the blocks and the inode. */
  evict(): void {
    if (this.freed || !this.sb.writable) return;
    const sb = this.sb;
    const hasBlocks = this.isReg || this.isDir || (this.isLnk && this.blocks512 > 0);
    if (hasBlocks) this.truncBlocks(0);
    this.size = 0;
    this.dtime = nowTs()[0];
    this.nlink = 0;
    this.save();
    this.freed = true;
    sb.freeInode(this.ino, this.isDir);
    sb.icache.delete(this.ino);
  }

  override setattr(a: SetAttr): number {
    const e0 = this.ro(); if (e0) return e0;
    const r = super.setattr(a);
    if (r === 0) this.save();
    return r;
  }

  // ---- directories -------------------------------------------------------------------------
  /** Visit entries; fn returns true to stop. 0 or -errno. */
  private scan(fn: (e: DirEnt) => boolean | void): number {
    const sb = this.sb, bs = sb.bs;
    const nblk = Math.ceil(this.size / bs);
    const ftOk = (sb.incompat & INCOMPAT_FILETYPE) !== 0;
    for (let l = 0; l < nblk; l++) {
      const phys = this.bmap(l);
      if (phys < 0) return phys;
      if (phys === 0) continue;
      const buf = sb.readBlock(phys);
      if (typeof buf === 'number') return buf;
      let off = 0, prev = -1;
      while (off + 8 <= bs) {
        const ino = u32(buf, off), rec = u16(buf, off + 4);
        const nl = ftOk ? buf[off + 6] : u16(buf, off + 6);
        if (rec < 8 || (rec & 3) || off + rec > bs || 8 + nl > rec) break; // corrupt: stop in this block
        const name = ino !== 0 ? Buffer.from(buf.subarray(off + 8, off + 8 + nl)).toString('latin1') : '';
        if (fn({ lblk: l, phys, buf, off, prev, ino, rec, name, ft: ftOk ? buf[off + 7] : 0 })) return 0;
        prev = off;
        off += rec;
      }
    }
    return 0;
  }

  private find(name: string): DirEnt | null | number {
    let found: DirEnt | null = null;
    const e = this.scan((d) => { if (d.ino !== 0 && d.name === name) { found = d; return true; } });
    return e < 0 ? e : found;
  }

  private writeEntry(buf: Uint8Array, off: number, ino: number, rec: number, name: string, ft: number): void {
    const nb = Buffer.from(name, 'latin1');
    w32(buf, off, ino);
    w16(buf, off + 4, rec);
    if (this.sb.incompat & INCOMPAT_FILETYPE) { buf[off + 6] = nb.length; buf[off + 7] = ft; }
    else w16(buf, off + 6, nb.length);
    buf.set(nb, off + 8);
    // Zero the padding after the name (tidy images).
    buf.fill(0, off + 8 + nb.length, off + ((8 + nb.length + 3) & ~3));
  }

  private dirChanged(): void {
    if (this.flags & EXT2_INDEX_FL) { this.flags &= ~EXT2_INDEX_FL; this.dirty = true; }
    super.touchM();
  }

  private addEntry(name: string, ino: number, mode: number): number {
    const sb = this.sb, bs = sb.bs;
    const nb = Buffer.byteLength(name, 'latin1');
    if (nb > 255) return -ENOENT;
    const need = (8 + nb + 3) & ~3;
    const ft = ftypeOf(mode);
    let done = false;
    const e = this.scan((d) => {
      const used = d.ino !== 0 ? (8 + (d.buf[d.off + 6] | ((sb.incompat & INCOMPAT_FILETYPE) ? 0 : d.buf[d.off + 7] << 8)) + 3) & ~3 : 0;
      if (d.rec - used < need) return false;
      if (d.ino !== 0) {
        w16(d.buf, d.off + 4, used);
        this.writeEntry(d.buf, d.off + used, ino, d.rec - used, name, ft);
      } else this.writeEntry(d.buf, d.off, ino, d.rec, name, ft);
      sb.blk.write(d.buf, d.phys * bs);
      done = true;
      return true;
    });
    if (e < 0) return e;
    if (!done) {
      const l = Math.ceil(this.size / bs);
      const phys = this.bmap(l, true, true);
      if (phys < 0) return phys;
      const buf = new Uint8Array(bs);
      this.writeEntry(buf, 0, ino, bs, name, ft);
      sb.blk.write(buf, phys * bs);
      this.size = (l + 1) * bs;
    }
    this.dirChanged();
    this.save();
    return 0;
  }

  private removeEntry(name: string): number {
    const d = this.find(name);
    if (typeof d === 'number') return d;
    if (d === null) return -ENOENT;
    if (d.prev >= 0) w16(d.buf, d.prev + 4, u16(d.buf, d.prev + 4) + d.rec);
    else w32(d.buf, d.off, 0);
    this.sb.blk.write(d.buf, d.phys * this.sb.bs);
    this.dirChanged();
    this.save();
    return 0;
  }

  private setEntry(name: string, ino: number, mode: number): number {
    const d = this.find(name);
    if (typeof d === 'number') return d;
    if (d === null) return -ENOENT;
    w32(d.buf, d.off, ino);
    if (this.sb.incompat & INCOMPAT_FILETYPE) d.buf[d.off + 7] = ftypeOf(mode);
    this.sb.blk.write(d.buf, d.phys * this.sb.bs);
    this.dirChanged();
    this.save();
    return 0;
  }

  private isEmptyDir(): boolean | number {
    let empty = true;
    const e = this.scan((d) => {
      if (d.ino !== 0 && d.name !== '.' && d.name !== '..') { empty = false; return true; }
    });
    return e < 0 ? e : empty;
  }

  override lookup(name: string): Inode | number {
    if (!this.isDir) return super.lookup(name);
    if (this.nlink === 0) return -ENOENT;
    const d = this.find(name);
    if (typeof d === 'number') return d;
    if (d === null) return -ENOENT;
    return this.sb.iget(d.ino);
  }

  override readdir(): DirEntry[] | number {
    if (!this.isDir) return super.readdir();
    const out: DirEntry[] = [];
    const e = this.scan((d) => {
      if (d.ino === 0 || d.name === '.' || d.name === '..') return;
      let type = DT_OF_FT[d.ft] ?? 0;
      if (type === 0) { const i = this.sb.iget(d.ino); if (typeof i !== 'number') type = i.dtype; }
      out.push({ name: d.name, ino: d.ino, type });
    });
    return e < 0 ? e : out;
  }

  private newInode(mode: number, cred: FsCred): Ext2Inode | number {
    const e0 = this.ro(); if (e0) return e0;
    if (this.nlink === 0) return -ENOENT;
    const sb = this.sb;
    const isDir = (mode & S_IFMT) === S_IFDIR;
    const ino = sb.allocInode(this.group, isDir);
    if (ino < 0) return ino;
    const raw = new Uint8Array(sb.inodeSize);
    if (sb.inodeSize >= 160) w16(raw, 128, 32);
    sb.blk.write(raw, sb.inodeOffset(ino));
    const i = new Ext2Inode(sb, ino, mode);
    i.nlink = 1;
    i.uid = cred.fsuid;
    i.gid = cred.fsgid;
    if (this.mode & S_ISGID) {
      i.gid = this.gid;
      if (isDir) i.mode |= S_ISGID;
    }
    sb.icache.set(ino, i);
    return i;
  }

  /** Undo a newInode whose directory entry could not be made. */
  private dropNew(i: Ext2Inode): void { i.nlink = 0; i.evict(); }

  override create(name: string, mode: number, cred: FsCred): Inode | number {
    const i = this.newInode(S_IFREG | (mode & 0o7777), cred);
    if (typeof i === 'number') return i;
    i.save();
    const e = this.addEntry(name, i.ino, i.mode);
    if (e < 0) { this.dropNew(i); return e; }
    return i;
  }

  override mknod(name: string, mode: number, rdev: number, cred: FsCred): Inode | number {
    const i = this.newInode(mode, cred);
    if (typeof i === 'number') return i;
    const t = mode & S_IFMT;
    if (t === S_IFCHR || t === S_IFBLK) {
      i.rdev = rdev;
      const ma = major(rdev), mi = minor(rdev);
      if (ma < 256 && mi < 256) i.setWord(0, (ma << 8) | mi);
      else i.setWord(1, (mi & 0xff) | (ma << 8) | ((mi & ~0xff) << 12));
    }
    i.save();
    const e = this.addEntry(name, i.ino, i.mode);
    if (e < 0) { this.dropNew(i); return e; }
    return i;
  }

  override mkdir(name: string, mode: number, cred: FsCred): Inode | number {
    if (this.nlink >= 65000) return -EMLINK;
    const i = this.newInode(S_IFDIR | (mode & 0o7777), cred);
    if (typeof i === 'number') return i;
    const sb = this.sb, bs = sb.bs;
    const phys = i.bmap(0, true, true);
    if (phys < 0) { this.dropNew(i); return phys; }
    const buf = new Uint8Array(bs);
    i.writeEntry(buf, 0, i.ino, 12, '.', S_IFDIR);
    i.writeEntry(buf, 12, this.ino, bs - 12, '..', S_IFDIR);
    sb.blk.write(buf, phys * bs);
    i.size = bs;
    i.nlink = 2;
    i.save();
    const e = this.addEntry(name, i.ino, i.mode);
    if (e < 0) { i.nlink = 0; this.dropNew(i); return e; }
    this.nlink++;
    this.save();
    return i;
  }

  override symlink(name: string, target: string, cred: FsCred): Inode | number {
    const tb = Buffer.from(target, 'latin1');
    if (tb.length >= this.sb.bs) return -36; // ENAMETOOLONG
    const i = this.newInode(S_IFLNK | 0o777, cred);
    if (typeof i === 'number') return i;
    if (tb.length < 60) {
      i.iblock.set(tb, 0);
    } else {
      const phys = i.bmap(0, true, true);
      if (phys < 0) { this.dropNew(i); return phys; }
      const buf = new Uint8Array(this.sb.bs);
      buf.set(tb);
      this.sb.blk.write(buf, phys * this.sb.bs);
    }
    i.size = tb.length;
    i.save();
    const e = this.addEntry(name, i.ino, i.mode);
    if (e < 0) { this.dropNew(i); return e; }
    return i;
  }

  override readlink(): string | number {
    if (!this.isLnk) return -EINVAL;
    if (this.size < 60 && this.blocks512 === 0 && !this.hasExtents) {
      return Buffer.from(this.iblock.subarray(0, this.size)).toString('latin1');
    }
    if (this.size >= this.sb.bs) return -EIO;
    const phys = this.bmap(0);
    if (phys <= 0) return phys < 0 ? phys : -EIO;
    const buf = this.sb.readBlock(phys);
    if (typeof buf === 'number') return buf;
    return Buffer.from(buf.subarray(0, this.size)).toString('latin1');
  }

  override link(name: string, target: Inode): number {
    const e0 = this.ro(); if (e0) return e0;
    if (this.nlink === 0) return -ENOENT;
    if (target.nlink >= 65000) return -EMLINK;
    const t = target as Ext2Inode;
    const e = this.addEntry(name, t.ino, t.mode);
    if (e < 0) return e;
    t.nlink++;
    t.touchC();
    t.save();
    return 0;
  }

  /** One fewer link to victim; free it once unused. */
  private dropLink(v: Ext2Inode): void {
    if (v.nlink > 0) v.nlink--;
    v.touchC();
    if (v.nlink === 0 && v.opens === 0) v.evict();
    else v.save();
  }

  override unlink(name: string, victim: Inode): number {
    const e0 = this.ro(); if (e0) return e0;
    const e = this.removeEntry(name);
    if (e < 0) return e;
    this.dropLink(victim as Ext2Inode);
    return 0;
  }

  override rmdir(name: string, victim: Inode): number {
    const e0 = this.ro(); if (e0) return e0;
    const v = victim as Ext2Inode;
    const empty = v.isEmptyDir();
    if (typeof empty === 'number') return empty;
    if (!empty) return -ENOTEMPTY;
    const e = this.removeEntry(name);
    if (e < 0) return e;
    v.nlink = 0;
    if (this.nlink > 2) this.nlink--;
    this.save();
    if (v.opens === 0) v.evict(); else v.save();
    return 0;
  }

  private setDotDot(parent: number): void {
    const d = this.find('..');
    if (d === null || typeof d === 'number') return;
    w32(d.buf, d.off, parent);
    this.sb.blk.write(d.buf, d.phys * this.sb.bs);
  }

  override rename(oldName: string, newDir: Inode, newName: string, flags: number): number {
    const e0 = this.ro(); if (e0) return e0;
    const nd = newDir as Ext2Inode;
    const sd = this.find(oldName);
    if (typeof sd === 'number') return sd;
    if (sd === null) return -ENOENT;
    const src = this.sb.iget(sd.ino);
    if (typeof src === 'number') return src;
    const dd = nd.find(newName);
    if (typeof dd === 'number') return dd;
    const dst = dd === null ? null : this.sb.iget(dd.ino);
    if (typeof dst === 'number') return dst;
    if (flags & RENAME_EXCHANGE) {
      if (!dst) return -ENOENT;
      let e = this.setEntry(oldName, dst.ino, dst.mode); if (e < 0) return e;
      e = nd.setEntry(newName, src.ino, src.mode); if (e < 0) return e;
      if (this !== nd) {
        if (src.isDir) src.setDotDot(nd.ino);
        if (dst.isDir) dst.setDotDot(this.ino);
        if (src.isDir !== dst.isDir) {
          if (src.isDir) { this.nlink--; nd.nlink++; } else { this.nlink++; nd.nlink--; }
        }
      }
      src.touchC(); dst.touchC(); src.save(); dst.save(); this.save(); nd.save();
      return 0;
    }
    if (dst === src) return 0;
    if (dst) {
      if (dst.isDir) {
        const empty = dst.isEmptyDir();
        if (typeof empty === 'number') return empty;
        if (!empty) return -ENOTEMPTY;
      }
      const e = nd.setEntry(newName, src.ino, src.mode);
      if (e < 0) return e;
      if (dst.isDir) {
        dst.nlink = 0; nd.nlink--; nd.save();
        if (dst.opens === 0) dst.evict(); else dst.save();
      } else this.dropLink(dst);
    } else {
      if (src.isDir && this !== nd && nd.nlink >= 65000) return -EMLINK;
      const e = nd.addEntry(newName, src.ino, src.mode);
      if (e < 0) return e;
    }
    const e = this.removeEntry(oldName);
    if (e < 0) return e;
    if (src.isDir && this !== nd) {
      src.setDotDot(nd.ino);
      this.nlink--; nd.nlink++;
    }
    src.touchC(); src.save(); this.save(); nd.save();
    return 0;
  }
}

// ---- mounting ---------------------------------------------------------------------------

const mounted = new Map<BlockDevice, Ext2Sb>();
registerCkptState('ext2.mounted', () => mounted, (v) => {
  mounted.clear();
  // The devices are reopened by name on restore: they are held by their filesystem again.
  for (const [d, sb] of v as Map<BlockDevice, Ext2Sb>) { mounted.set(d, sb); d.holder = 'ext2'; d.fsBlockSize = sb.bs; }
});

/** The superblock of dev (shared by every mount of the device, as in Linux). */
export function ext2Mount(dev: BlockDevice, devName: string, fsType: string, ro: boolean, devNo = 0): Ext2Sb {
  const have = mounted.get(dev);
  if (have) {
    if (!ro && have.readonly) {
      const e = have.remount(false);
      if (e < 0) throw new Ext2MountError(`${devName}: cannot mount read-write`, -e);
    }
    return have;
  }
  // A device opened with O_EXCL (mke2fs, say) cannot be mounted meanwhile.
  if (dev.holder !== null) throw new Ext2MountError(`${devName}: device is busy`, EBUSY);
  const sb = new Ext2Sb(dev, devName, fsType, ro, devNo);
  mounted.set(dev, sb);
  dev.holder = 'ext2';
  dev.fsBlockSize = sb.bs;
  return sb;
}

/** Write every mounted ext2's metadata and flush its device (sync(2)). */
export function syncAllExt2(): number {
  let err = 0;
  for (const sb of mounted.values()) { const e = sb.sync(); if (e < 0 && err === 0) err = e; }
  return err;
}
void EEXIST;
// A clean exit writes the cached inodes and counters before the devices are flushed.
beforeBlockFlush(() => { for (const sb of mounted.values()) if (sb.writable) { for (const i of sb.icache.values()) if (i.dirty) i.save(); sb.writeSuper(); } });
