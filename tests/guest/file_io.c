/* File I/O in the work folder (argv[1]): open flags, read/write, pread/pwrite,
 * lseek (including past the end: a hole reads as zeros), ftruncate, fstat
 * fields that a hostfs must get right, O_APPEND, O_EXCL, readv/writev. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  const char *f = "file_io.tmp";
  unlink(f);
  int fd = CHECK_OK(open(f, O_CREAT | O_RDWR | O_TRUNC, 0644));
  CHECK(write(fd, "hello, world\n", 13) == 13);
  struct stat st; CHECK_OK(fstat(fd, &st));
  printf("size %lld mode %o nlink %ld isreg %d\n", (long long)st.st_size, st.st_mode & 07777, (long)st.st_nlink, S_ISREG(st.st_mode));
  CHECK(st.st_size == 13 && S_ISREG(st.st_mode) && st.st_nlink == 1);
  CHECK(lseek(fd, 0, SEEK_CUR) == 13);
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  char buf[64] = {0};
  CHECK(read(fd, buf, 5) == 5); printf("read '%s'\n", buf);
  CHECK(pread(fd, buf, 5, 7) == 5); buf[5] = 0; printf("pread '%s'\n", buf);
  CHECK(lseek(fd, 0, SEEK_CUR) == 5);   /* pread does not move the offset */
  CHECK(pwrite(fd, "W", 1, 7) == 1);
  CHECK(lseek(fd, -3, SEEK_END) == 10);
  memset(buf, 0, sizeof buf); CHECK(read(fd, buf, sizeof buf) == 3); printf("tail '%s'", buf);
  CHECK(read(fd, buf, sizeof buf) == 0);   /* EOF */
  /* a hole */
  CHECK(lseek(fd, 100, SEEK_SET) == 100);
  CHECK(write(fd, "X", 1) == 1);
  CHECK_OK(fstat(fd, &st)); printf("after hole size %lld\n", (long long)st.st_size);
  memset(buf, 1, sizeof buf); CHECK(pread(fd, buf, 20, 13) == 20);
  int zeros = 1; for (int i = 0; i < 20; i++) if (buf[i]) zeros = 0;
  printf("hole reads zeros %d\n", zeros); CHECK(zeros);
  CHECK_OK(ftruncate(fd, 4)); CHECK_OK(fstat(fd, &st)); CHECK(st.st_size == 4);
  CHECK(pread(fd, buf, 10, 0) == 4); buf[4] = 0; printf("truncated '%s'\n", buf);
  CHECK_OK(ftruncate(fd, 10000)); CHECK_OK(fstat(fd, &st)); printf("extended %lld\n", (long long)st.st_size);
  CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL);
  CHECK_ERR(lseek(fd, 0, 42), EINVAL);
  close(fd);
  /* O_EXCL, O_APPEND, O_TRUNC */
  CHECK_ERR(open(f, O_CREAT | O_EXCL | O_WRONLY, 0600), EEXIST);
  fd = CHECK_OK(open(f, O_WRONLY | O_APPEND | O_TRUNC));
  CHECK(write(fd, "ab", 2) == 2); CHECK(lseek(fd, 0, SEEK_SET) == 0); CHECK(write(fd, "cd", 2) == 2);
  CHECK(lseek(fd, 0, SEEK_CUR) == 4);
  close(fd);
  fd = CHECK_OK(open(f, O_RDONLY));
  memset(buf, 0, sizeof buf); CHECK(read(fd, buf, 10) == 4); printf("append '%s'\n", buf);
  CHECK(strcmp(buf, "abcd") == 0);
  CHECK_ERR(write(fd, "x", 1), EBADF);
  int fl = fcntl(fd, F_GETFL); printf("F_GETFL accmode %d\n", fl & O_ACCMODE);
  close(fd);
  /* readv / writev */
  fd = CHECK_OK(open(f, O_RDWR | O_TRUNC));
  struct iovec wv[3] = {{"one ", 4}, {"", 0}, {"two three", 9}};
  CHECK(writev(fd, wv, 3) == 13);
  char a[5] = {0}, b[20] = {0}; struct iovec rv[2] = {{a, 4}, {b, sizeof b - 1}};
  CHECK(lseek(fd, 0, SEEK_SET) == 0); CHECK(readv(fd, rv, 2) == 13);
  printf("readv '%s' '%s'\n", a, b);
  CHECK(preadv(fd, rv, 2, 4) == 9);
  close(fd);
  /* a bigger file, written in odd chunks, read back in others */
  fd = CHECK_OK(open(f, O_RDWR | O_TRUNC));
  static unsigned char big[300000]; for (unsigned i = 0; i < sizeof big; i++) big[i] = (unsigned char)(i * 2654435761u >> 24);
  for (unsigned off = 0; off < sizeof big; off += 4099) { unsigned n = sizeof big - off < 4099 ? sizeof big - off : 4099;
    CHECK(write(fd, big + off, n) == (ssize_t)n); }
  static unsigned char back[300000]; CHECK(pread(fd, back, sizeof back, 0) == (ssize_t)sizeof back);
  CHECK(memcmp(big, back, sizeof big) == 0);
  close(fd);
  CHECK_OK(unlink(f));
  CHECK_ERR(unlink(f), ENOENT);
  return finish();
}
