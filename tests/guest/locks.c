/* flock(2) and fcntl record locks between processes: flock shared/exclusive with
 * LOCK_NB (EWOULDBLOCK), blocking flock, release on the last close of the open file;
 * POSIX locks: F_GETLK shows the other process's lock and pid, splitting, F_SETLKW
 * waits, all of a process's locks go when it closes any fd of the file, not inherited
 * by fork; OFD locks conflict between open files of one process and report pid -1. */
#include "common.h"
#include <fcntl.h>
#include <time.h>
#include <sys/file.h>
#include <sys/wait.h>

static int to_child[2], to_parent[2];
static void post(int fd) { char c = 'x'; if (write(fd, &c, 1) != 1) exit(9); }
static void await(int fd) { char c; if (read(fd, &c, 1) != 1) exit(9); }
static long ms_since(struct timespec *a) {
  struct timespec b; clock_gettime(CLOCK_MONOTONIC, &b);
  return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}
static int setlk(int fd, int cmd, short type, off_t start, off_t len) {
  struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
  return fcntl(fd, cmd, &fl);
}
static struct flock getlk(int fd, int cmd, short type, off_t start, off_t len) {
  struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
  if (fcntl(fd, cmd, &fl) < 0) { printf("getlk failed: %s\n", errname(errno)); failures++; }
  return fl;
}
static const char *tname(int t) { return t == F_RDLCK ? "RDLCK" : t == F_WRLCK ? "WRLCK" : t == F_UNLCK ? "UNLCK" : "?"; }

static int child_flock(void) {
  int fails = 0;
  await(to_child[0]);
  int fd2 = open("lockfile", O_RDWR);
  errno = 0; int r = flock(fd2, LOCK_EX | LOCK_NB);
  printf("child: LOCK_EX|LOCK_NB while parent holds LOCK_EX: %d %s\n", r, errname(errno));
  errno = 0; r = flock(fd2, LOCK_SH | LOCK_NB);
  printf("child: LOCK_SH|LOCK_NB while parent holds LOCK_EX: %d %s\n", r, errname(errno));
  fails += r != -1 || errno != EWOULDBLOCK;
  post(to_parent[1]);
  await(to_child[0]); /* parent now holds LOCK_SH */
  r = flock(fd2, LOCK_SH | LOCK_NB);
  printf("child: LOCK_SH|LOCK_NB while parent holds LOCK_SH: %d\n", r);
  errno = 0; int r2 = flock(fd2, LOCK_EX | LOCK_NB);
  printf("child: LOCK_EX|LOCK_NB while both share: %d %s\n", r2, errname(errno));
  flock(fd2, LOCK_UN);
  post(to_parent[1]);
  await(to_child[0]); /* parent holds LOCK_EX via a dup; closes one copy, then the other */
  errno = 0; r = flock(fd2, LOCK_EX | LOCK_NB);
  printf("child: after parent closed one of two fds: %d %s\n", r, errname(errno));
  post(to_parent[1]);
  struct timespec t0; clock_gettime(CLOCK_MONOTONIC, &t0);
  r = flock(fd2, LOCK_EX); /* blocks until the parent's last close */
  printf("child: blocking LOCK_EX got it: %d, waited: %d\n", r, ms_since(&t0) >= 150);
  flock(fd2, LOCK_UN);
  close(fd2);
  return fails;
}

static int child_posix(void) {
  int fd = open("lockfile", O_RDWR);
  await(to_child[0]);
  struct flock fl = getlk(fd, F_GETLK, F_WRLCK, 0, 100);
  printf("child: F_GETLK: %s start %lld len %lld whence %d, pid is parent: %d\n", tname(fl.l_type),
         (long long)fl.l_start, (long long)fl.l_len, fl.l_whence, fl.l_pid == getppid());
  fl = getlk(fd, F_GETLK, F_RDLCK, 50, 10);
  printf("child: F_GETLK [50,60) read: %s\n", tname(fl.l_type));
  fl = getlk(fd, F_GETLK, F_WRLCK, 40, 30);
  printf("child: F_GETLK [40,70) write: %s start %lld len %lld\n", tname(fl.l_type), (long long)fl.l_start, (long long)fl.l_len);
  errno = 0; int r = setlk(fd, F_SETLK, F_WRLCK, 5, 1);
  printf("child: F_SETLK on a locked byte: %d %s\n", r, errname(errno));
  r = setlk(fd, F_SETLK, F_RDLCK, 200, 10);
  printf("child: F_SETLK read lock [200,210): %d\n", r);
  post(to_parent[1]);
  await(to_child[0]); /* parent closed another fd of the file: its locks are gone */
  fl = getlk(fd, F_GETLK, F_WRLCK, 0, 0);
  printf("child: after the parent closed a second fd: %s\n", tname(fl.l_type));
  post(to_parent[1]);
  await(to_child[0]); /* parent holds a write lock on [0,100) */
  struct timespec t0; clock_gettime(CLOCK_MONOTONIC, &t0);
  r = setlk(fd, F_SETLKW, F_WRLCK, 0, 10);
  printf("child: F_SETLKW got it: %d, waited: %d\n", r, ms_since(&t0) >= 150);
  post(to_parent[1]);
  await(to_child[0]);
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  int fd = CHECK_OK(open("lockfile", O_RDWR | O_CREAT | O_TRUNC, 0644));
  char z[300] = {0}; CHECK(write(fd, z, sizeof z) == sizeof z);
  CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0);

  /* ---- flock ---- */
  CHECK_OK(flock(fd, LOCK_EX));
  CHECK_OK(flock(fd, LOCK_EX | LOCK_NB)); /* again on the same open file: fine */
  pid_t pid = fork();
  if (pid == 0) { close(fd); _exit(child_flock()); }
  post(to_child[1]); await(to_parent[0]);
  CHECK_OK(flock(fd, LOCK_SH)); /* convert */
  post(to_child[1]); await(to_parent[0]);
  CHECK_OK(flock(fd, LOCK_EX));
  int dupfd = dup(fd);
  close(fd); /* the lock belongs to the open file: still held through dupfd */
  post(to_child[1]); await(to_parent[0]);
  usleep(200000);
  close(dupfd); /* last close: released, the child's blocking flock returns */
  int status; waitpid(pid, &status, 0);
  printf("flock child status %d\n", WEXITSTATUS(status));
  CHECK_ERR(flock(999, LOCK_SH), EBADF);
  fd = CHECK_OK(open("lockfile", O_RDWR));
  CHECK_ERR(flock(fd, 0), EINVAL);

  /* ---- POSIX record locks ---- */
  CHECK_OK(setlk(fd, F_SETLK, F_WRLCK, 0, 100));
  CHECK_OK(setlk(fd, F_SETLK, F_UNLCK, 40, 20)); /* split: [0,40) and [60,100) */
  struct flock fl = getlk(fd, F_GETLK, F_WRLCK, 0, 0);
  printf("own locks never conflict: %s\n", tname(fl.l_type));
  pid = fork();
  if (pid == 0) { close(fd); _exit(child_posix()); }
  post(to_child[1]); await(to_parent[0]);
  fl = getlk(fd, F_GETLK, F_WRLCK, 190, 100);
  printf("parent: F_GETLK sees the child's %s [%lld,+%lld), pid is child: %d\n", tname(fl.l_type),
         (long long)fl.l_start, (long long)fl.l_len, fl.l_pid == pid);
  int other = CHECK_OK(open("lockfile", O_RDONLY));
  close(other); /* POSIX: closing any fd of the file drops all of this process's locks */
  post(to_child[1]); await(to_parent[0]);
  CHECK_OK(setlk(fd, F_SETLK, F_WRLCK, 0, 100));
  post(to_child[1]);
  usleep(200000);
  CHECK_OK(setlk(fd, F_SETLK, F_UNLCK, 0, 100));
  await(to_parent[0]);
  fl = getlk(fd, F_GETLK, F_RDLCK, 0, 10);
  printf("parent: child's F_SETLKW lock: %s pid is child: %d\n", tname(fl.l_type), fl.l_pid == pid);
  post(to_child[1]);
  waitpid(pid, &status, 0);
  printf("posix child status %d\n", WEXITSTATUS(status));
  fl = getlk(fd, F_GETLK, F_WRLCK, 0, 0);
  printf("after the child exited: %s\n", tname(fl.l_type));
  /* argument checks */
  int ro = CHECK_OK(open("lockfile", O_RDONLY));
  CHECK_ERR(setlk(ro, F_SETLK, F_WRLCK, 0, 1), EBADF);
  CHECK_ERR(setlk(fd, F_SETLK, 7, 0, 1), EINVAL);
  CHECK_ERR(setlk(fd, F_SETLK, F_RDLCK, -5, 1), EINVAL);
  close(ro);

  /* ---- OFD locks ---- */
  int a = CHECK_OK(open("lockfile", O_RDWR)), b = CHECK_OK(open("lockfile", O_RDWR));
  CHECK_OK(setlk(a, F_OFD_SETLK, F_WRLCK, 0, 10));
  CHECK_ERR(setlk(b, F_OFD_SETLK, F_WRLCK, 5, 10), EAGAIN);
  fl = getlk(b, F_OFD_GETLK, F_RDLCK, 0, 0);
  printf("OFD F_OFD_GETLK: %s start %lld len %lld pid %d\n", tname(fl.l_type), (long long)fl.l_start, (long long)fl.l_len, fl.l_pid);
  struct flock bad = { .l_type = F_RDLCK, .l_pid = 1 };
  CHECK_ERR(fcntl(b, F_OFD_SETLK, &bad), EINVAL);
  CHECK_OK(setlk(b, F_OFD_SETLK, F_WRLCK, 10, 10)); /* adjacent: fine */
  close(a); /* last close of that open file releases its OFD lock */
  CHECK_OK(setlk(b, F_OFD_SETLK, F_WRLCK, 0, 10));
  close(b);
  close(fd);
  CHECK_OK(unlink("lockfile"));
  return finish();
}
