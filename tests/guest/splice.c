/* Moving data between files and pipes: splice file→pipe→file (with and without
 * offsets), tee, vmsplice, copy_file_range, sendfile, preadv/pwritev and
 * preadv2/pwritev2 with flags 0 and offset -1, and their error cases. */
#include "common.h"
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

static void show(const char *what, const char *file) {
  char buf[256]; int fd = open(file, O_RDONLY);
  ssize_t n = read(fd, buf, sizeof buf); close(fd);
  printf("%s: %zd [%.*s]\n", what, n, (int)(n > 0 ? n : 0), buf);
}

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  int src = CHECK_OK(open("src", O_RDWR | O_CREAT | O_TRUNC, 0644));
  const char *text = "0123456789abcdefghijklmnopqrstuvwxyz";
  CHECK(write(src, text, 36) == 36);
  int p[2]; CHECK_OK(pipe(p));
  int dst = CHECK_OK(open("dst", O_RDWR | O_CREAT | O_TRUNC, 0644));

  /* file → pipe at an offset (file position untouched), pipe → file */
  loff_t off = 10;
  ssize_t n = splice(src, &off, p[1], NULL, 8, 0);
  printf("splice file->pipe: %zd, off now %lld, pos %lld\n", n, (long long)off, (long long)lseek(src, 0, SEEK_CUR));
  lseek(src, 0, SEEK_SET);
  n = splice(src, NULL, p[1], NULL, 4, 0);
  printf("splice from file position: %zd, pos %lld\n", n, (long long)lseek(src, 0, SEEK_CUR));
  n = splice(p[0], NULL, dst, NULL, 100, 0);
  printf("splice pipe->file: %zd, dst pos %lld\n", n, (long long)lseek(dst, 0, SEEK_CUR));
  show("dst", "dst");
  loff_t doff = 100;
  CHECK(write(p[1], "XY", 2) == 2);
  n = splice(p[0], NULL, dst, &doff, 2, 0);
  printf("splice pipe->file at offset: %zd, doff %lld\n", n, (long long)doff);
  struct stat st; fstat(dst, &st); printf("dst size %lld\n", (long long)st.st_size);
  /* errors */
  CHECK_ERR(splice(src, NULL, dst, NULL, 4, 0), EINVAL);     /* no pipe */
  CHECK_ERR(splice(p[0], &off, dst, NULL, 4, 0), ESPIPE);    /* offset on the pipe */
  CHECK_ERR(splice(p[0], NULL, dst, NULL, 4, SPLICE_F_NONBLOCK), EAGAIN); /* empty */
  CHECK_ERR(splice(999, NULL, p[1], NULL, 4, 0), EBADF);
  CHECK_ERR(splice(p[1], NULL, dst, NULL, 4, 0), EBADF);     /* write end as input */

  /* tee: duplicate without consuming */
  int q[2]; CHECK_OK(pipe(q));
  CHECK(write(p[1], "teedata", 7) == 7);
  n = tee(p[0], q[1], 100, 0);
  printf("tee: %zd\n", n);
  char buf[64];
  n = read(q[0], buf, sizeof buf); printf("tee copy: %.*s\n", (int)n, buf);
  n = read(p[0], buf, sizeof buf); printf("tee original still there: %.*s\n", (int)n, buf);
  CHECK_ERR(tee(p[0], dst, 10, 0), EINVAL);
  CHECK_ERR(tee(p[0], q[1], 10, SPLICE_F_NONBLOCK), EAGAIN);

  /* pipe → pipe */
  CHECK(write(p[1], "p2p", 3) == 3);
  n = splice(p[0], NULL, q[1], NULL, 10, 0);
  n = read(q[0], buf, sizeof buf); printf("pipe->pipe: %.*s\n", (int)n, buf);

  /* vmsplice */
  struct iovec iv[2] = { { "vm", 2 }, { "splice", 6 } };
  n = vmsplice(p[1], iv, 2, 0);
  printf("vmsplice: %zd\n", n);
  n = read(p[0], buf, sizeof buf); printf("read back: %.*s\n", (int)n, buf);

  /* copy_file_range */
  int cp = CHECK_OK(open("cp", O_RDWR | O_CREAT | O_TRUNC, 0644));
  loff_t in = 26, out = 0;
  n = copy_file_range(src, &in, cp, &out, 100, 0);
  printf("copy_file_range: %zd in %lld out %lld\n", n, (long long)in, (long long)out);
  lseek(src, 0, SEEK_SET);
  n = copy_file_range(src, NULL, cp, NULL, 5, 0);
  printf("copy_file_range at positions: %zd src pos %lld cp pos %lld\n", n, (long long)lseek(src, 0, SEEK_CUR), (long long)lseek(cp, 0, SEEK_CUR));
  show("cp", "cp");
  in = 1000;
  printf("past EOF: %zd\n", copy_file_range(src, &in, cp, NULL, 10, 0));
  CHECK_ERR(copy_file_range(src, NULL, cp, NULL, 5, 1), EINVAL);
  CHECK_ERR(copy_file_range(p[0], NULL, cp, NULL, 5, 0), EINVAL);
  in = 0; out = 2;
  CHECK_ERR(copy_file_range(src, &in, src, &out, 5, 0), EINVAL); /* overlapping, same file */
  int app = CHECK_OK(open("cp", O_WRONLY | O_APPEND));
  CHECK_ERR(copy_file_range(src, NULL, app, NULL, 5, 0), EBADF);
  close(app);
  int dirfd = open(".", O_RDONLY | O_DIRECTORY);
  CHECK_ERR(copy_file_range(dirfd, NULL, cp, NULL, 5, 0), EISDIR);
  close(dirfd);

  /* sendfile file → file and file → pipe */
  off_t so = 30;
  lseek(cp, 0, SEEK_SET); CHECK_OK(ftruncate(cp, 0));
  n = sendfile(cp, src, &so, 100);
  printf("sendfile: %zd off %lld\n", n, (long long)so);
  n = sendfile(p[1], src, NULL, 3);
  n = read(p[0], buf, sizeof buf); printf("sendfile to pipe: %.*s\n", (int)n, buf);

  /* preadv/pwritev, preadv2/pwritev2 */
  char a[4], b[5];
  struct iovec rv[2] = { { a, 4 }, { b, 5 } };
  n = preadv(src, rv, 2, 20);
  printf("preadv: %zd %.4s|%.5s\n", n, a, b);
  lseek(src, 3, SEEK_SET);
  n = preadv2(src, rv, 2, -1, 0);
  printf("preadv2 at -1: %zd %.4s|%.5s pos %lld\n", n, a, b, (long long)lseek(src, 0, SEEK_CUR));
  n = preadv2(src, rv, 2, 0, 0);
  printf("preadv2 at 0: %zd %.4s|%.5s pos %lld\n", n, a, b, (long long)lseek(src, 0, SEEK_CUR));
  struct iovec wv[2] = { { "AB", 2 }, { "CD", 2 } };
  n = pwritev(dst, wv, 2, 1);
  n = pwritev2(dst, wv, 1, -1, 0);
  show("dst after pwritev", "dst");
  CHECK_ERR(preadv2(src, rv, 2, 0, 0x40000000), EOPNOTSUPP);
  CHECK_ERR(preadv(p[0], rv, 2, 0), ESPIPE);
  CHECK_ERR(preadv(src, rv, 2, -2), EINVAL);

  close(src); close(dst); close(cp); close(p[0]); close(p[1]); close(q[0]); close(q[1]);
  unlink("src"); unlink("dst"); unlink("cp");
  return finish();
}
