/* The errno of failing calls, as the man pages define them. */
#include "common.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  char buf[16];
  int fd = CHECK_OK(open("errno.tmp", O_CREAT | O_RDWR | O_TRUNC, 0644));
  CHECK_ERR(open("does-not-exist", O_RDONLY), ENOENT);
  CHECK_ERR(open("does-not-exist/x", O_RDONLY), ENOENT);
  CHECK_ERR(open("errno.tmp/x", O_RDONLY), ENOTDIR);
  CHECK_ERR(open("", O_RDONLY), ENOENT);
  CHECK_ERR(open(".", O_WRONLY), EISDIR);
  CHECK_ERR(open("errno.tmp", O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST);
  char longname[NAME_MAX + 10]; memset(longname, 'n', sizeof longname - 1); longname[sizeof longname - 1] = 0;
  CHECK_ERR(open(longname, O_RDONLY), ENAMETOOLONG);
  static char longpath[PATH_MAX + 10]; for (int i = 0; i < PATH_MAX + 8; i++) longpath[i] = (i % 2) ? '/' : 'a';
  CHECK_ERR(open(longpath, O_RDONLY), ENAMETOOLONG);
  char *volatile badptr = (char *)8;
  CHECK_ERR(open(badptr, O_RDONLY), EFAULT);
  CHECK_ERR(read(-1, buf, 1), EBADF);
  CHECK_ERR(read(987, buf, 1), EBADF);
  CHECK_ERR(write(-1, buf, 1), EBADF);
  CHECK_ERR(close(-1), EBADF);
  CHECK_ERR(close(987), EBADF);
  CHECK(write(fd, "abc", 3) == 3);
  CHECK_ERR(pread(fd, badptr, 3, 0), EFAULT);
  CHECK_ERR(write(fd, badptr, 3), EFAULT);
  CHECK_ERR(pread(fd, buf, 1, -1), EINVAL);
  CHECK_ERR(ioctl(fd, TCGETS, buf), ENOTTY);
  struct winsize ws; CHECK_ERR(ioctl(fd, TIOCGWINSZ, &ws), ENOTTY);
  CHECK_ERR(ioctl(-1, TCGETS, buf), EBADF);
  struct termios t; CHECK_ERR(tcgetattr(fd, &t), ENOTTY);
  CHECK(isatty(fd) == 0 && errno == ENOTTY); printf("isatty(file) 0 ENOTTY\n");
  CHECK_ERR(fcntl(987, F_GETFL), EBADF);
  CHECK_ERR(fcntl(fd, 9999), EINVAL);
  CHECK_ERR(dup(987), EBADF);
  CHECK_ERR(dup2(987, 5), EBADF);
  CHECK_ERR(dup3(fd, fd, 0), EINVAL);
  CHECK_ERR(lseek(987, 0, SEEK_SET), EBADF);
  CHECK_ERR(chdir("errno.tmp"), ENOTDIR);
  CHECK_ERR(chdir("does-not-exist"), ENOENT);
  CHECK_ERR(rmdir("."), EINVAL);
  CHECK_ERR(unlink("."), EISDIR);
  CHECK_ERR(mkdir(".", 0755), EEXIST);
  CHECK_ERR(getcwd(buf, 1) == NULL ? -1 : 0, ERANGE);
  CHECK_ERR(munmap((void *)4097, 4096), EINVAL);
  CHECK_ERR(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 987, 0) == MAP_FAILED ? -1 : 0, EBADF);
  struct timespec bad = {0, -1}; CHECK_ERR(nanosleep(&bad, NULL), EINVAL);
  CHECK_ERR(syscall(999), ENOSYS);
  CHECK_ERR(syscall(SYS_openat, AT_FDCWD - 1000, "x", O_RDONLY), EBADF);
  CHECK_ERR(openat(fd, "x", O_RDONLY), ENOTDIR);
  CHECK_ERR(access("does-not-exist", F_OK), ENOENT);
  CHECK_ERR(truncate("does-not-exist", 0), ENOENT);
  CHECK_ERR(ftruncate(fd, -1), EINVAL);
  int ro = CHECK_OK(open("errno.tmp", O_RDONLY));
  CHECK_ERR(ftruncate(ro, 0), EINVAL);  /* not open for writing: EINVAL (or EBADF) per man page; Linux says EINVAL */
  CHECK_ERR(write(ro, "x", 1), EBADF);
  close(ro);
  CHECK_ERR(readlink("errno.tmp", buf, sizeof buf), EINVAL);
  CHECK_ERR(rename("errno.tmp", "does-not-exist/x"), ENOENT);
  CHECK_ERR(link("does-not-exist", "y"), ENOENT);
  close(fd);
  CHECK_OK(unlink("errno.tmp"));
  errno = 0; printf("strerror(ENOENT) %s\n", strerror(ENOENT));
  return finish();
}
