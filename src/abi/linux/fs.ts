// Filesystem-wide ABI: limits, mount flags (linux/mount.h, sys/mount.h), statfs
// (asm-generic/statfs.h, 64-bit words), filesystem magics (linux/magic.h), poll bits.
export const PATH_MAX = 4096, NAME_MAX = 255, MAXSYMLINKS = 40, PIPE_BUF = 4096;

export const MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16,
  MS_REMOUNT = 32, MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOSYMFOLLOW = 256, MS_NOATIME = 1024,
  MS_NODIRATIME = 2048, MS_BIND = 4096, MS_MOVE = 8192, MS_REC = 16384, MS_SILENT = 32768,
  MS_POSIXACL = 1 << 16, MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19,
  MS_SHARED = 1 << 20, MS_RELATIME = 1 << 21, MS_KERNMOUNT = 1 << 22, MS_I_VERSION = 1 << 23,
  MS_STRICTATIME = 1 << 24, MS_LAZYTIME = 1 << 25, MS_MGC_VAL = 0xc0ed0000, MS_MGC_MSK = 0xffff0000;
export const MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8;

/** statfs f_flags (ST_* from sys/statvfs.h). */
export const ST_RDONLY = 1, ST_NOSUID = 2, ST_NODEV = 4, ST_NOEXEC = 8, ST_SYNCHRONOUS = 16,
  ST_MANDLOCK = 64, ST_NOATIME = 1024, ST_NODIRATIME = 2048, ST_RELATIME = 4096;

/** struct statfs (64-bit): 120 bytes. */
export const STATFS_SIZE = 120;
export const F_TYPE = 0, F_BSIZE = 8, F_BLOCKS = 16, F_BFREE = 24, F_BAVAIL = 32, F_FILES = 40,
  F_FFREE = 48, F_FSID = 56, F_NAMELEN = 64, F_FRSIZE = 72, F_FLAGS = 80;

export const TMPFS_MAGIC = 0x01021994, RAMFS_MAGIC = 0x858458f6, PROC_SUPER_MAGIC = 0x9fa0,
  SYSFS_MAGIC = 0x62656572, DEVPTS_SUPER_MAGIC = 0x1cd1, PIPEFS_MAGIC = 0x50495045,
  HOSTFS_SUPER_MAGIC = 0x00c0ffee, MQUEUE_MAGIC = 0x19800202;

/** poll events (asm-generic/poll.h). */
export const POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10,
  POLLNVAL = 0x20, POLLRDNORM = 0x40, POLLRDBAND = 0x80, POLLWRNORM = 0x100, POLLWRBAND = 0x200,
  POLLMSG = 0x400, POLLRDHUP = 0x2000;

/** RLIMIT_NOFILE default soft limit. */
export const NR_OPEN_DEFAULT = 1024;

/** Block device ioctls (linux/fs.h, linux/hdreg.h) and FITRIM. */
export const BLKROSET = 0x125d, BLKROGET = 0x125e, BLKRRPART = 0x125f, BLKGETSIZE = 0x1260,
  BLKFLSBUF = 0x1261, BLKRASET = 0x1262, BLKRAGET = 0x1263, BLKSSZGET = 0x1268, BLKBSZGET = 0x80081270,
  BLKGETSIZE64 = 0x80081272, BLKDISCARD = 0x1277, BLKIOMIN = 0x1278, BLKIOOPT = 0x1279,
  BLKALIGNOFF = 0x127a, BLKPBSZGET = 0x127b, BLKDISCARDZEROES = 0x127c, BLKSECDISCARD = 0x127d,
  BLKROTATIONAL = 0x127e, BLKZEROOUT = 0x127f, HDIO_GETGEO = 0x0301, FITRIM = 0xc0185879;

/** MAX_RW_COUNT: Linux caps one read/write at INT_MAX rounded down to a page. */
export const MAX_RW_COUNT = 0x7ffff000;
/** UIO_MAXIOV (IOV_MAX): the most iovecs one call takes. */
export const UIO_MAXIOV = 1024;
