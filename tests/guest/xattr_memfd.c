/* Extended attributes on a tmpfs the program mounts itself (Linux's rules for names,
 * sizes, flags, namespaces and permissions) and memfd_create (an anonymous tmpfs file:
 * read/write/ftruncate/mmap, /proc/self/fd name, flag and name checks). Runs as root. */
#include "common.h"
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The order of names is unspecified (Linux's tmpfs hashes them): print them sorted. */
static void show_list(const char *what, ssize_t n, const char *buf) {
  const char *names[64];
  int k = 0;
  for (ssize_t i = 0; i < n && k < 64; i += strlen(buf + i) + 1) names[k++] = buf + i;
  qsort(names, k, sizeof names[0], cmp);
  printf("%s: %zd [", what, n);
  for (int i = 0; i < k; i++) printf("%s,", names[i]);
  printf("]\n");
}

static void xattrs(void) {
  char buf[512], big[300];
  CHECK_OK(mkdir("t", 0755));
  if (mount("none", "t", "tmpfs", 0, NULL) != 0) {
    printf("mount tmpfs: %s\n", errname(errno));
    failures++;
    return;
  }
  int fd = CHECK_OK(open("t/f", O_CREAT | O_RDWR, 0644));
  CHECK_OK(setxattr("t/f", "user.b", "hello", 5, 0));
  printf("get size 0: %zd\n", getxattr("t/f", "user.b", NULL, 0));
  memset(buf, 0, sizeof buf);
  printf("get: %zd %s\n", getxattr("t/f", "user.b", buf, sizeof buf), buf);
  CHECK_ERR(getxattr("t/f", "user.b", buf, 3), ERANGE);
  CHECK_ERR(setxattr("t/f", "user.b", "x", 1, XATTR_CREATE), EEXIST);
  CHECK_ERR(setxattr("t/f", "user.none", "x", 1, XATTR_REPLACE), ENODATA);
  CHECK_OK(setxattr("t/f", "user.b", "replaced", 8, XATTR_REPLACE));
  memset(buf, 0, sizeof buf);
  printf("get: %zd %s\n", getxattr("t/f", "user.b", buf, sizeof buf), buf);
  CHECK_ERR(setxattr("t/f", "user.b", "x", 1, 4), EINVAL);
  CHECK_ERR(setxattr("t/f", "foo", "x", 1, 0), EOPNOTSUPP);
  CHECK_ERR(setxattr("t/f", "other.a", "x", 1, 0), EOPNOTSUPP);
  CHECK_ERR(getxattr("t/f", "foo", buf, sizeof buf), EOPNOTSUPP);
  CHECK_ERR(setxattr("t/f", "", "x", 1, 0), ERANGE);
  memset(big, 'a', sizeof big);
  memcpy(big, "user.", 5);
  big[256] = 0;
  CHECK_ERR(setxattr("t/f", big, "x", 1, 0), ERANGE);
  big[255] = 0;
  CHECK_OK(setxattr("t/f", big, "", 0, 0));
  printf("get 255-byte name: %zd\n", getxattr("t/f", big, buf, sizeof buf));
  CHECK_OK(removexattr("t/f", big));
  static char huge[65537];
  CHECK_ERR(setxattr("t/f", "user.h", huge, 65537, 0), E2BIG);
  CHECK_OK(setxattr("t/f", "user.h", huge, 65536, 0));
  printf("get 64k: %zd\n", getxattr("t/f", "user.h", NULL, 0));
  CHECK_OK(removexattr("t/f", "user.h"));
  CHECK_OK(setxattr("t/f", "user.a", "1", 1, 0));
  CHECK_OK(setxattr("t/f", "trusted.t", "2", 1, 0));
  CHECK_OK(setxattr("t/f", "security.s", "3", 1, 0));
  ssize_t n = listxattr("t/f", NULL, 0);
  printf("list size 0: %zd\n", n);
  n = listxattr("t/f", buf, sizeof buf);
  show_list("list", n, buf);
  CHECK_ERR(listxattr("t/f", buf, 5), ERANGE);
  CHECK_ERR(getxattr("t/f", "user.missing", buf, sizeof buf), ENODATA);
  CHECK_ERR(removexattr("t/f", "user.missing"), ENODATA);
  CHECK_OK(removexattr("t/f", "user.a"));
  CHECK_ERR(getxattr("t/f", "user.a", buf, sizeof buf), ENODATA);
  /* fd variants */
  CHECK_OK(fsetxattr(fd, "user.fd", "viafd", 5, 0));
  memset(buf, 0, sizeof buf);
  printf("fget: %zd %s\n", fgetxattr(fd, "user.fd", buf, sizeof buf), buf);
  n = flistxattr(fd, buf, sizeof buf);
  show_list("flist", n, buf);
  CHECK_OK(fremovexattr(fd, "user.fd"));
  CHECK_ERR(fgetxattr(fd, "user.fd", buf, sizeof buf), ENODATA);
  CHECK_ERR(fgetxattr(-1, "user.fd", buf, sizeof buf), EBADF);
  int pfd = CHECK_OK(open("t/f", O_PATH));
  CHECK_ERR(fgetxattr(pfd, "user.b", buf, sizeof buf), EBADF);
  close(pfd);
  /* symlinks: l* act on the link; user.* only on files and directories */
  CHECK_OK(symlink("f", "t/l"));
  memset(buf, 0, sizeof buf);
  printf("get via link: %zd %s\n", getxattr("t/l", "user.b", buf, sizeof buf), buf);
  CHECK_ERR(lgetxattr("t/l", "user.b", buf, sizeof buf), ENODATA);
  CHECK_ERR(lsetxattr("t/l", "user.x", "1", 1, 0), EPERM);
  CHECK_OK(lsetxattr("t/l", "trusted.x", "1", 1, 0));
  n = llistxattr("t/l", buf, sizeof buf);
  show_list("llist", n, buf);
  CHECK_OK(lremovexattr("t/l", "trusted.x"));
  CHECK_ERR(lremovexattr("t/l", "trusted.x"), ENODATA);
  CHECK_OK(mkfifo("t/fifo", 0666));
  CHECK_ERR(setxattr("t/fifo", "user.x", "1", 1, 0), EPERM);
  /* directories */
  CHECK_OK(mkdir("t/d", 0755));
  CHECK_OK(setxattr("t/d", "user.dir", "d", 1, 0));
  printf("dir get: %zd\n", getxattr("t/d", "user.dir", NULL, 0));
  CHECK_ERR(getxattr("t/nope", "user.dir", buf, sizeof buf), ENOENT);
  /* a filesystem without xattrs */
  CHECK_ERR(getxattr("p/self/status", "user.a", buf, sizeof buf), EOPNOTSUPP);
  /* an unprivileged process */
  int own = CHECK_OK(open("t/own", O_CREAT | O_RDWR, 0644));
  CHECK_OK(fchown(own, 1000, 1000));
  close(own);
  pid_t pid = fork();
  if (pid == 0) {
    if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) _exit(9);
    char b[256];
    int ok = 1;
#define EXPECT(call, E) do { errno = 0; long r_ = (long)(call); \
    printf("child %-44.44s -> %ld %s\n", #call, r_, r_ < 0 ? errname(errno) : "ok"); \
    if (E && (r_ != -1 || errno != E)) ok = 0; } while (0)
    EXPECT(getxattr("t/f", "trusted.t", b, sizeof b), ENODATA);
    EXPECT(setxattr("t/f", "trusted.t", "x", 1, 0), EPERM);
    EXPECT(setxattr("t/f", "user.c", "x", 1, 0), EACCES);
    EXPECT(removexattr("t/f", "user.b"), EACCES);
    EXPECT(getxattr("t/f", "user.b", b, sizeof b), 0);
    EXPECT(setxattr("t/own", "user.mine", "x", 1, 0), 0);
    errno = 0;
    ssize_t m = listxattr("t/f", b, sizeof b);
    show_list("child list", m, b);
    _exit(ok ? 0 : 1);
  }
  int st;
  waitpid(pid, &st, 0);
  printf("child status %d\n", WEXITSTATUS(st));
  if (WEXITSTATUS(st) != 0) failures++;
  close(fd);
  CHECK_OK(umount("t"));
  CHECK_OK(rmdir("t"));
}

static void memfd(void) {
  char buf[64], link[128], name[300];
  int fd = CHECK_OK(memfd_create("test", MFD_CLOEXEC));
  printf("cloexec: %d\n", fcntl(fd, F_GETFD));
  CHECK_OK(write(fd, "hello memfd", 11));
  memset(buf, 0, sizeof buf);
  printf("pread: %zd %s\n", pread(fd, buf, sizeof buf, 0), buf);
  CHECK_OK(ftruncate(fd, 8192));
  struct stat sb;
  CHECK_OK(fstat(fd, &sb));
  printf("size %lld reg %d mode %o nlink %d\n", (long long)sb.st_size, S_ISREG(sb.st_mode), sb.st_mode & 07777, (int)sb.st_nlink);
  char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED);
  if (p != MAP_FAILED) {
    printf("map: %.11s\n", p);
    memcpy(p + 4096, "via mmap", 8);
    CHECK_OK(munmap(p, 8192));
  }
  memset(buf, 0, sizeof buf);
  printf("pread after mmap: %zd %s\n", pread(fd, buf, 8, 4096), buf);
  CHECK_OK(lseek(fd, 0, SEEK_SET));
  memset(buf, 0, sizeof buf);
  printf("read: %zd %s\n", read(fd, buf, 5), buf);
  char path[64];
  snprintf(path, sizeof path, "p/self/fd/%d", fd);
  ssize_t n = readlink(path, link, sizeof link - 1);
  if (n >= 0) link[n] = 0;
  printf("link: %s\n", n >= 0 ? link : errname(errno));
  int fd2 = CHECK_OK(memfd_create("sealable", MFD_ALLOW_SEALING));
  printf("no cloexec: %d\n", fcntl(fd2, F_GETFD));
  memset(name, 'n', sizeof name);
  name[249] = 0;
  int fd3 = CHECK_OK(memfd_create(name, 0));
  name[249] = 'n'; name[250] = 0;
  CHECK_ERR(memfd_create(name, 0), EINVAL);
  CHECK_ERR(memfd_create("bad", 0x100), EINVAL);
  close(fd); close(fd2); close(fd3);
}

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  CHECK_OK(mkdir("p", 0755));
  CHECK_OK(mount("proc", "p", "proc", 0, NULL));
  xattrs();
  memfd();
  CHECK_OK(umount("p"));
  CHECK_OK(rmdir("p"));
  return finish();
}
