/* fstat and statx of a regular file and a pipe, interleaved: each answer must be that
 * file's alone (the kernel's stat encoders reuse their buffers). Prints only the fields
 * that are the same on every Linux (not st_dev, st_ino or times). */
#include "common.h"
#include <fcntl.h>

static void show_stat(const char *what, int fd) {
  struct stat st;
  memset(&st, 0x5a, sizeof st);
  CHECK_OK(fstat(fd, &st));
  printf("fstat %-5s: type %s mode %04o nlink %lu size %ld rdev %lu blksize %ld blocks %ld uid %u\n", what,
         S_ISREG(st.st_mode) ? "reg" : S_ISFIFO(st.st_mode) ? "fifo" : "other", st.st_mode & 07777,
         (unsigned long)st.st_nlink, (long)st.st_size, (unsigned long)st.st_rdev, (long)st.st_blksize,
         (long)st.st_blocks, st.st_uid);
}

static void show_statx(const char *what, int fd) {
  struct statx sx;
  memset(&sx, 0x5a, sizeof sx);
  CHECK_OK(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx));
  printf("statx %-5s: basic %d type %s mode %04o nlink %u size %llu rdev %u:%u blksize %u\n", what,
         (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS,
         S_ISREG(sx.stx_mode) ? "reg" : S_ISFIFO(sx.stx_mode) ? "fifo" : "other", sx.stx_mode & 07777,
         sx.stx_nlink, (unsigned long long)sx.stx_size, sx.stx_rdev_major, sx.stx_rdev_minor, sx.stx_blksize);
}

int main(int argc, char **argv) {
  if (argc < 2 || chdir(argv[1]) != 0) { printf("usage: stat_kinds WORKDIR\n"); return 1; }
  umask(0);
  int f = open("f", O_CREAT | O_RDWR | O_TRUNC, 0640);
  CHECK(f >= 0);
  CHECK(write(f, "hello", 5) == 5);
  int p[2];
  CHECK_OK(pipe(p));
  CHECK(write(p[1], "xyz", 3) == 3);
  show_stat("file", f);
  show_stat("pipe", p[0]);
  show_stat("file", f);
  show_statx("pipe", p[0]);
  show_statx("file", f);
  show_statx("pipe", p[1]);
  show_stat("pipe", p[1]);
  struct stat a, b;
  CHECK_OK(stat("f", &a));
  CHECK_OK(fstat(p[0], &b));
  CHECK_OK(fstat(f, &b));
  CHECK(a.st_ino == b.st_ino && a.st_size == b.st_size && a.st_mode == b.st_mode);
  close(f); close(p[0]); close(p[1]);
  unlink("f");
  return finish();
}
