// File types, mode bits, struct stat (asm-generic/stat.h) and struct statx (linux/stat.h)
// for riscv64. Values from /usr/riscv64-linux-gnu/include.
export const S_IFMT = 0o170000, S_IFSOCK = 0o140000, S_IFLNK = 0o120000, S_IFREG = 0o100000,
  S_IFBLK = 0o060000, S_IFDIR = 0o040000, S_IFCHR = 0o020000, S_IFIFO = 0o010000;
export const S_ISUID = 0o4000, S_ISGID = 0o2000, S_ISVTX = 0o1000;

export const S_ISDIR = (m: number): boolean => (m & S_IFMT) === S_IFDIR;
export const S_ISREG = (m: number): boolean => (m & S_IFMT) === S_IFREG;
export const S_ISLNK = (m: number): boolean => (m & S_IFMT) === S_IFLNK;
export const S_ISCHR = (m: number): boolean => (m & S_IFMT) === S_IFCHR;
export const S_ISBLK = (m: number): boolean => (m & S_IFMT) === S_IFBLK;
export const S_ISFIFO = (m: number): boolean => (m & S_IFMT) === S_IFIFO;
export const S_ISSOCK = (m: number): boolean => (m & S_IFMT) === S_IFSOCK;

/** d_type values for getdents64 (DT_* = S_IFMT >> 12). */
export const DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8, DT_LNK = 10, DT_SOCK = 12;

/** struct stat (asm-generic, 64-bit): 128 bytes. Field offsets. */
export const STAT_SIZE = 128;
export const ST_DEV = 0, ST_INO = 8, ST_MODE = 16, ST_NLINK = 20, ST_UID = 24, ST_GID = 28,
  ST_RDEV = 32, ST_SIZE = 48, ST_BLKSIZE = 56, ST_BLOCKS = 64, ST_ATIME = 72, ST_ATIME_NSEC = 80,
  ST_MTIME = 88, ST_MTIME_NSEC = 96, ST_CTIME = 104, ST_CTIME_NSEC = 112;

/** struct statx: 256 bytes. Field offsets. */
export const STATX_STRUCT_SIZE = 256;
export const STX_MASK = 0, STX_BLKSIZE = 4, STX_ATTRIBUTES = 8, STX_NLINK = 16, STX_UID = 20,
  STX_GID = 24, STX_MODE = 28, STX_INO = 32, STX_SIZE = 40, STX_BLOCKS = 48,
  STX_ATTRIBUTES_MASK = 56, STX_ATIME = 64, STX_BTIME = 80, STX_CTIME = 96, STX_MTIME = 112,
  STX_RDEV_MAJOR = 128, STX_RDEV_MINOR = 132, STX_DEV_MAJOR = 136, STX_DEV_MINOR = 140,
  STX_MNT_ID = 144;
export const STATX_TYPE = 0x1, STATX_MODE = 0x2, STATX_NLINK = 0x4, STATX_UID = 0x8,
  STATX_GID = 0x10, STATX_ATIME = 0x20, STATX_MTIME = 0x40, STATX_CTIME = 0x80,
  STATX_INO = 0x100, STATX_SIZE = 0x200, STATX_BLOCKS = 0x400, STATX_BASIC_STATS = 0x7ff,
  STATX_BTIME = 0x800, STATX_MNT_ID = 0x1000, STATX__RESERVED = 0x80000000;
export const STATX_ATTR_MOUNT_ROOT = 0x2000;

/** Linux's dev_t encoding (new_encode_dev / MKDEV for userspace). */
export function makedev(major: number, minor: number): number {
  return ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12)) >>> 0;
}
export function major(dev: number): number { return (dev >>> 8) & 0xfff; }
export function minor(dev: number): number { return (dev & 0xff) | ((dev >>> 12) & 0xfff00); }
