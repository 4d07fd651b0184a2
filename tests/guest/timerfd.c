/* timerfd: create/settime/gettime errors, one-shot and periodic expirations (counted
 * after a sleep, printed as booleans), TFD_TIMER_ABSTIME, TFD_NONBLOCK, poll and epoll. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>

static long ms_since(struct timespec *a) {
  struct timespec b; clock_gettime(CLOCK_MONOTONIC, &b);
  return (b.tv_sec - a->tv_sec) * 1000L + (b.tv_nsec - a->tv_nsec) / 1000000L;
}
static void sleep_ms(long ms) { struct timespec t = {ms / 1000, (ms % 1000) * 1000000L}; nanosleep(&t, NULL); }
static int readable(int fd) { struct pollfd p = {fd, POLLIN, 0}; return poll(&p, 1, 0) == 1 ? p.revents : 0; }

int main(void) {
  uint64_t n;
  struct itimerspec its, old;
  CHECK_ERR(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
  CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, 1), EINVAL);
  CHECK_ERR(timerfd_create(99, 0), EINVAL);
  int fd = CHECK_OK(timerfd_create(CLOCK_MONOTONIC, 0));
  int nb = CHECK_OK(timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC));
  printf("flags: %d %d / %d %d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0,
         (fcntl(nb, F_GETFD) & FD_CLOEXEC) != 0, (fcntl(nb, F_GETFL) & O_NONBLOCK) != 0);
  close(CHECK_OK(timerfd_create(CLOCK_BOOTTIME, 0)));
  memset(&its, 0, sizeof its);
  CHECK_ERR(timerfd_settime(fd, 4, &its, NULL), EINVAL);
  its.it_value.tv_nsec = 1000000000L;
  CHECK_ERR(timerfd_settime(fd, 0, &its, NULL), EINVAL);
  its.it_value.tv_nsec = 0;
  CHECK_ERR(timerfd_settime(999, 0, &its, NULL), EBADF);
  int pipefd[2]; pipe(pipefd);
  CHECK_ERR(timerfd_settime(pipefd[0], 0, &its, NULL), EINVAL);
  CHECK_ERR(timerfd_gettime(pipefd[0], &old), EINVAL);
  uint32_t small;
  CHECK_ERR(read(nb, &small, 4), EINVAL);

  /* disarmed */
  timerfd_gettime(fd, &old);
  printf("disarmed: %ld %ld %ld %ld\n", (long)old.it_value.tv_sec, old.it_value.tv_nsec, (long)old.it_interval.tv_sec, old.it_interval.tv_nsec);
  CHECK_ERR(read(nb, &n, 8), EAGAIN);
  printf("poll disarmed %#x\n", readable(fd));

  /* one-shot, 30 ms, blocking read */
  struct timespec a; clock_gettime(CLOCK_MONOTONIC, &a);
  its.it_value.tv_sec = 0; its.it_value.tv_nsec = 30000000;
  CHECK_OK(timerfd_settime(fd, 0, &its, NULL));
  timerfd_gettime(fd, &old);
  printf("armed: remaining in (0, 30ms] %d interval 0 %d\n", old.it_value.tv_sec == 0 && old.it_value.tv_nsec > 0 && old.it_value.tv_nsec <= 30000000, old.it_interval.tv_nsec == 0);
  ssize_t r = read(fd, &n, 8);
  printf("one-shot: read %zd count %llu waited >= 30ms %d\n", r, (unsigned long long)n, ms_since(&a) >= 30);
  timerfd_gettime(fd, &old);
  printf("expired: %ld %ld\n", (long)old.it_value.tv_sec, old.it_value.tv_nsec);
  printf("poll after read %#x\n", readable(fd));

  /* periodic: 10 ms, sleep 65 ms, then count */
  its.it_value.tv_nsec = 10000000; its.it_interval.tv_nsec = 10000000;
  clock_gettime(CLOCK_MONOTONIC, &a);
  CHECK_OK(timerfd_settime(fd, 0, &its, &old));
  printf("old value of a disarmed timer: %ld %ld\n", (long)old.it_value.tv_sec, old.it_value.tv_nsec);
  sleep_ms(65);
  printf("periodic poll %#x\n", readable(fd));
  r = read(fd, &n, 8);
  /* no more expirations than the elapsed time allows (a host stall adds some, never more) */
  printf("periodic: read %zd count >= 6 %d count <= elapsed/10ms %d\n", r, n >= 6, (long)n <= ms_since(&a) / 10);
  r = read(fd, &n, 8);
  printf("next period: read %zd count >= 1 %d\n", r, n >= 1);
  timerfd_gettime(fd, &old);
  printf("periodic gettime: remaining <= 10ms %d interval %ld\n", old.it_value.tv_sec == 0 && old.it_value.tv_nsec <= 10000000, old.it_interval.tv_nsec);
  memset(&its, 0, sizeof its);
  CHECK_OK(timerfd_settime(fd, 0, &its, &old));
  printf("disarm returns the old interval %ld\n", old.it_interval.tv_nsec);

  /* absolute, in the past and in the future, on CLOCK_REALTIME */
  struct timespec now; clock_gettime(CLOCK_REALTIME, &now);
  its.it_value = now; its.it_value.tv_sec -= 1;
  CHECK_OK(timerfd_settime(nb, TFD_TIMER_ABSTIME, &its, NULL));
  r = read(nb, &n, 8); printf("abs past: %zd count %llu\n", r, (unsigned long long)n);
  CHECK_ERR(read(nb, &n, 8), EAGAIN);
  its.it_value = now; its.it_value.tv_sec -= 1; its.it_interval.tv_nsec = 100000000; /* 100 ms period, 1 s ago */
  CHECK_OK(timerfd_settime(nb, TFD_TIMER_ABSTIME, &its, NULL));
  r = read(nb, &n, 8); printf("abs past periodic: %zd count in [10, 13] %d\n", r, n >= 10 && n <= 13);
  if (n < 10 || n > 13) printf("count %llu\n", (unsigned long long)n);
  clock_gettime(CLOCK_REALTIME, &now);
  its.it_value = now; its.it_value.tv_nsec += 40000000;
  if (its.it_value.tv_nsec >= 1000000000L) { its.it_value.tv_sec++; its.it_value.tv_nsec -= 1000000000L; }
  its.it_interval.tv_nsec = 0;
  CHECK_OK(timerfd_settime(nb, TFD_TIMER_ABSTIME, &its, NULL));
  CHECK_ERR(read(nb, &n, 8), EAGAIN);
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct pollfd p = {nb, POLLIN, 0};
  int pr = poll(&p, 1, 1000);
  printf("abs future: poll %d %#x waited >= 35ms %d\n", pr, p.revents, ms_since(&a) >= 35);
  r = read(nb, &n, 8); printf("abs future read: %zd count %llu\n", r, (unsigned long long)n);

  /* through epoll */
  int ep = epoll_create1(0);
  struct epoll_event ev = {EPOLLIN, {.u64 = 5}}, out;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  its.it_value.tv_sec = 0; its.it_value.tv_nsec = 20000000; its.it_interval.tv_nsec = 0;
  timerfd_settime(fd, 0, &its, NULL);
  printf("epoll before: %d\n", epoll_wait(ep, &out, 1, 0));
  int en = epoll_wait(ep, &out, 1, 2000);
  printf("epoll: %d %#x %llu\n", en, out.events, (unsigned long long)out.data.u64);
  read(fd, &n, 8);
  printf("epoll after read: %d\n", epoll_wait(ep, &out, 1, 0));
  return finish();
}
