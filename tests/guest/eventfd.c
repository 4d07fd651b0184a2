/* eventfd: counter and semaphore modes, EFD_NONBLOCK, short buffers, overflow,
 * poll readiness, a blocked reader woken by a child. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>

static int pollmask(int fd) {
  struct pollfd p = {fd, POLLIN | POLLOUT, 0};
  poll(&p, 1, 0);
  return p.revents;
}

int main(void) {
  uint64_t v;
  CHECK_ERR(eventfd(0, 0x40000), EINVAL);
  int e = CHECK_OK(eventfd(5, 0));
  printf("flags: cloexec %d nonblock %d\n", (fcntl(e, F_GETFD) & FD_CLOEXEC) != 0, (fcntl(e, F_GETFL) & O_NONBLOCK) != 0);
  printf("poll initial %#x\n", pollmask(e));
  printf("read %zd", read(e, &v, 8)); printf(" value %llu\n", (unsigned long long)v);
  printf("poll empty %#x\n", pollmask(e));
  v = 3; printf("write %zd\n", write(e, &v, 8));
  v = 4; printf("write %zd\n", write(e, &v, 8));
  char big[16] = {0};
  printf("read 16 bytes: %zd", read(e, big, 16)); memcpy(&v, big, 8); printf(" value %llu\n", (unsigned long long)v);
  CHECK_ERR(read(e, big, 4), EINVAL);
  CHECK_ERR(write(e, big, 7), EINVAL);
  v = UINT64_MAX; CHECK_ERR(write(e, &v, 8), EINVAL);
  close(e);

  /* non-blocking, overflow */
  e = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  printf("flags: cloexec %d nonblock %d\n", (fcntl(e, F_GETFD) & FD_CLOEXEC) != 0, (fcntl(e, F_GETFL) & O_NONBLOCK) != 0);
  CHECK_ERR(read(e, &v, 8), EAGAIN);
  v = UINT64_MAX - 1; printf("write max-1: %zd\n", write(e, &v, 8));
  printf("poll full %#x\n", pollmask(e));
  v = 1; CHECK_ERR(write(e, &v, 8), EAGAIN);
  v = 0; printf("write 0 when full: %zd\n", write(e, &v, 8));
  read(e, &v, 8); printf("read back max-1: %d\n", v == UINT64_MAX - 1);
  close(e);

  /* semaphore */
  e = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
  for (int i = 0; i < 3; i++) {
    errno = 0; ssize_t r = read(e, &v, 8);
    printf("sem read %d: %zd %s value %llu\n", i, r, errname(r < 0 ? errno : 0), r < 0 ? 0ULL : (unsigned long long)v);
  }
  v = 2; write(e, &v, 8);
  read(e, &v, 8); printf("sem after write: %llu, poll %#x\n", (unsigned long long)v, pollmask(e));
  close(e);

  /* a blocking read woken by a child's write */
  e = eventfd(0, 0);
  pid_t c = fork();
  if (c == 0) { usleep(20000); v = 9; write(e, &v, 8); _exit(0); }
  v = 0; ssize_t r = read(e, &v, 8);
  printf("blocking read: %zd value %llu\n", r, (unsigned long long)v);
  int st; waitpid(c, &st, 0);
  /* a blocking write woken by a child's read */
  v = UINT64_MAX - 1; write(e, &v, 8);
  c = fork();
  if (c == 0) { usleep(20000); read(e, &v, 8); _exit(0); }
  v = 7; r = write(e, &v, 8);
  waitpid(c, &st, 0);
  read(e, &v, 8);
  printf("blocking write: %zd then value %llu\n", r, (unsigned long long)v);
  return finish();
}
