/* File descriptor table: lowest free number, dup/dup2/dup3/F_DUPFD(_CLOEXEC),
 * FD_CLOEXEC, shared offsets between duplicates, O_CLOEXEC, getcwd/chdir/fchdir. */
#include "common.h"
#include <fcntl.h>

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  int fd = CHECK_OK(open("fd.tmp", O_CREAT | O_RDWR | O_TRUNC, 0644));
  int fd2 = CHECK_OK(open("fd.tmp", O_RDONLY));
  printf("consecutive numbers %d\n", fd2 == fd + 1);
  close(fd);
  int fd3 = CHECK_OK(open("fd.tmp", O_RDWR));
  printf("lowest free reused %d\n", fd3 == fd);
  int d = CHECK_OK(dup(fd3));
  CHECK(write(fd3, "0123456789", 10) == 10);
  printf("dup shares offset %d\n", lseek(d, 0, SEEK_CUR) == 10);
  CHECK(lseek(d, 2, SEEK_SET) == 2);
  char c; CHECK(read(fd3, &c, 1) == 1); printf("read via original after seek on dup: %c\n", c);
  CHECK(lseek(fd2, 0, SEEK_CUR) == 0);   /* separate open: own offset */
  int hi = CHECK_OK(dup2(fd3, 100)); printf("dup2 -> %d\n", hi);
  CHECK(dup2(hi, hi) == hi);
  int fl = fcntl(hi, F_GETFD); printf("dup2 clears cloexec %d\n", fl == 0);
  int h2 = CHECK_OK(dup3(fd3, 101, O_CLOEXEC)); printf("dup3 cloexec %d\n", fcntl(h2, F_GETFD) == FD_CLOEXEC);
  int f5 = CHECK_OK(fcntl(fd3, F_DUPFD, 50)); printf("F_DUPFD >= 50: %d\n", f5);
  int f6 = CHECK_OK(fcntl(fd3, F_DUPFD_CLOEXEC, 50)); printf("F_DUPFD_CLOEXEC %d flags %d\n", f6, fcntl(f6, F_GETFD));
  CHECK_OK(fcntl(f5, F_SETFD, FD_CLOEXEC)); printf("F_SETFD %d\n", fcntl(f5, F_GETFD));
  int oc = CHECK_OK(open("fd.tmp", O_RDONLY | O_CLOEXEC)); printf("O_CLOEXEC %d\n", fcntl(oc, F_GETFD));
  int st = fcntl(fd3, F_GETFL); printf("F_GETFL rdwr %d append %d\n", (st & O_ACCMODE) == O_RDWR, (st & O_APPEND) != 0);
  CHECK_OK(fcntl(fd3, F_SETFL, st | O_APPEND)); st = fcntl(d, F_GETFL);
  printf("F_SETFL O_APPEND seen through dup %d\n", (st & O_APPEND) != 0);
  CHECK(write(fd3, "X", 1) == 1); printf("append offset %ld\n", (long)lseek(fd3, 0, SEEK_CUR));
  close(oc); close(f5); close(f6); close(h2); close(hi); close(d); close(fd2); close(fd3);
  CHECK_ERR(close(hi), EBADF);
  /* many descriptors */
  int fds[200]; int n = 0;
  for (; n < 200; n++) { fds[n] = open("fd.tmp", O_RDONLY); if (fds[n] < 0) break; }
  int incr = 1; for (int i = 1; i < n; i++) if (fds[i] <= fds[i - 1]) incr = 0;
  printf("opened %d, increasing %d\n", n, incr);
  for (int i = 0; i < n; i++) close(fds[i]);
  /* cwd */
  CHECK_OK(mkdir("sub", 0755));
  int here = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
  CHECK_OK(chdir("sub")); char p[4096]; CHECK(getcwd(p, sizeof p) != NULL); printf("cwd ends /sub %d\n", strcmp(strrchr(p, '/'), "/sub") == 0);
  CHECK_OK(fchdir(here)); CHECK_OK(access("fd.tmp", F_OK)); close(here);
  CHECK_OK(rmdir("sub")); CHECK_OK(unlink("fd.tmp"));
  return finish();
}
