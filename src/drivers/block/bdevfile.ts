// Block device special files: open("/dev/ubdb") gives a file that reads and writes the
// device through its buffer cache (the same cache a mounted ext2 uses, so the two stay
// coherent, as Linux's block device page cache is), seeks within the device size, and
// takes the block ioctls (sizes, flush, discard, zero-out, geometry). Behaviour checked
// against real UML 6.1 (tests/storage.test.mjs, "block device files"): reads stop at the
// end of the device, writes there fail with ENOSPC, writes to a read-only device with
// EPERM, discards on a `t` device with EOPNOTSUPP; stat shows size 0.
import {
  EBADF, EBUSY, EINVAL, ENOSPC, ENOTTY, ENXIO, EOPNOTSUPP, EPERM, EACCES,
} from '../../abi/linux/errno.js';
import { O_EXCL, O_DSYNC, O_ACCMODE, SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE } from '../../abi/linux/fcntl.js';
import {
  BLKROGET, BLKRRPART, BLKGETSIZE, BLKFLSBUF, BLKRAGET, BLKRASET, BLKSSZGET, BLKBSZGET, BLKGETSIZE64,
  BLKDISCARD, BLKIOMIN, BLKIOOPT, BLKALIGNOFF, BLKPBSZGET, BLKDISCARDZEROES, BLKSECDISCARD, BLKROTATIONAL,
  BLKZEROOUT, HDIO_GETGEO,
} from '../../abi/linux/fs.js';
import { major, minor } from '../../abi/linux/stat.js';
import { File, Sleeper } from '../../fs/vfs/file.js';
import { specialOpen } from '../../fs/vfs/ops.js';
import type { Inode } from '../../fs/vfs/inode.js';
import type { Path } from '../../fs/vfs/mount.js';
import type { AddressSpace } from '../../mm/aspace.js';
import { readI64, writeI64, writeU32, writeU16, writeU8, zeroOut } from '../../mm/usercopy.js';
import { BlockDevice } from './blkdev.js';
import { ubdByMinor, UBD_MAJOR } from './ubd.js';

/** The caller holds CAP_SYS_ADMIN (tasks carry cred; euid 0 holds every capability). */
const admin = (s: Sleeper): boolean => (s as { cred?: { euid: number } }).cred?.euid === 0;

export class BlockDevFile extends File {
  constructor(flags: number, path: Path, inode: Inode, readonly blk: BlockDevice, private readonly excl: boolean) {
    super(flags, path, inode);
    blk.openFiles++;
  }

  override pread(buf: Uint8Array, pos: number): number {
    if (pos < 0) return -EINVAL;
    const size = this.blk.size;
    if (pos >= size || buf.length === 0) return 0;
    const n = Math.min(buf.length, size - pos);
    const e = this.blk.read(n === buf.length ? buf : buf.subarray(0, n), pos);
    return e < 0 ? e : n;
  }

  override pwrite(buf: Uint8Array, pos: number): number {
    if (pos < 0) return -EINVAL;
    if (this.blk.readonly) return -EPERM;
    if (buf.length === 0) return 0;
    const size = this.blk.size;
    if (pos >= size) return -ENOSPC;
    const n = Math.min(buf.length, size - pos);
    let e = this.blk.write(n === buf.length ? buf : buf.subarray(0, n), pos);
    if (e === 0 && (this.flags & O_DSYNC)) e = this.blk.flush();
    return e < 0 ? e : n;
  }

  /** Linux's fixed_size_llseek: offsets beyond the device are EINVAL; it is all data. */
  override lseek(off: number, whence: number): number {
    const size = this.blk.size;
    let p: number;
    switch (whence) {
      case SEEK_SET: p = off; break;
      case SEEK_CUR: p = this.pos + off; break;
      case SEEK_END: p = size + off; break;
      case SEEK_DATA: if (off < 0 || off >= size) return -ENXIO; p = off; break;
      case SEEK_HOLE: if (off < 0 || off >= size) return -ENXIO; p = size; break;
      default: return -EINVAL;
    }
    if (p < 0 || p > size) return -EINVAL;
    this.pos = p;
    return p;
  }

  override fsync(): number { return this.blk.flush(); }

  override ioctl(cmd: number, arg: number, mm: AddressSpace, s: Sleeper): number {
    const blk = this.blk;
    switch (cmd >>> 0) {
      case BLKGETSIZE64: writeI64(mm, arg, blk.size); return 0;
      case BLKGETSIZE: writeI64(mm, arg, blk.size / 512); return 0;
      case BLKSSZGET: case BLKPBSZGET: case BLKIOMIN: writeU32(mm, arg, 512); return 0;
      case BLKIOOPT: case BLKALIGNOFF: case BLKDISCARDZEROES: writeU32(mm, arg, 0); return 0;
      case BLKBSZGET: writeU32(mm, arg, blk.softBlockSize()); return 0;
      case BLKROGET: writeU32(mm, arg, blk.readonly ? 1 : 0); return 0;
      case BLKRAGET: writeI64(mm, arg, 256); return 0;
      case BLKRASET: return admin(s) ? 0 : -EACCES;
      case BLKROTATIONAL: writeU16(mm, arg, 0); return 0;
      case BLKRRPART: return admin(s) ? 0 : -EACCES;
      case BLKFLSBUF: {
        // Write back, then forget the cached blocks (the next reads come from the host).
        if (!admin(s)) return -EACCES;
        const e = blk.flush();
        blk.dropClean();
        return e;
      }
      case BLKDISCARD: case BLKZEROOUT: case BLKSECDISCARD: {
        if (!this.writable) return -EBADF;
        if (cmd === BLKSECDISCARD) return -EOPNOTSUPP;
        if (cmd === BLKDISCARD && (blk.noTrim || !blk.backend.discard)) return -EOPNOTSUPP;
        const start = readI64(mm, arg), len = readI64(mm, arg + 8);
        if (start < 0 || len < 0 || start % 512 !== 0 || len % 512 !== 0) return -EINVAL;
        if (start + len > blk.size) return -EINVAL;
        if (blk.readonly) return -EPERM;
        return cmd === BLKDISCARD ? blk.discard(start, len) : blk.zeroOut(start, len);
      }
      case HDIO_GETGEO: {
        // ubd's made-up geometry: 128 heads, 32 sectors a track.
        writeU8(mm, arg, 128); writeU8(mm, arg + 1, 32);
        writeU16(mm, arg + 2, Math.floor(blk.size / (128 * 32 * 512)) & 0xffff);
        zeroOut(mm, arg + 4, 4);
        writeI64(mm, arg + 8, 0);
        return 0;
      }
      default: return -ENOTTY;
    }
  }

  override release(): void {
    this.blk.openFiles--;
    if (this.excl) this.blk.holder = null;
    // The last close of a block device writes its dirty blocks back (blkdev_put).
    if ((this.flags & O_ACCMODE) !== 0) this.blk.flush();
  }
}

/** open() of a block device node: ubd devices (major 98); O_EXCL fails while mounted. */
function openBlock(p: Path, inode: Inode, flags: number): File | number {
  const rdev = inode.rdev;
  const d = major(rdev) === UBD_MAJOR ? ubdByMinor(minor(rdev)) : null;
  if (d === null || d.blk.closed) return -ENXIO;
  const excl = (flags & O_EXCL) !== 0;
  if (excl) {
    if (d.blk.holder !== null) return -EBUSY;
    d.blk.holder = 'excl';
  }
  return new BlockDevFile(flags, p, inode, d.blk, excl);
}

specialOpen.blk = openBlock;
