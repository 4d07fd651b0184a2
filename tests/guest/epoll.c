/* epoll: level- and edge-triggered, EPOLLONESHOT, MOD/DEL, errors, nesting, HUP/ERR,
 * timeouts, the temporary signal mask, ppoll on an epoll fd, pipes and eventfds. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static long ms_since(struct timespec *a) {
  struct timespec b; clock_gettime(CLOCK_MONOTONIC, &b);
  return (b.tv_sec - a->tv_sec) * 1000L + (b.tv_nsec - a->tv_nsec) / 1000000L;
}

static int wait1(int ep, int timeout, struct epoll_event *ev) {
  return epoll_wait(ep, ev, 1, timeout);
}

static void show(const char *what, int n, struct epoll_event *ev) {
  printf("%s: n %d", what, n);
  for (int i = 0; i < n; i++) printf(" [%#x %lu]", ev[i].events, (unsigned long)ev[i].data.u64);
  printf("\n");
}

static volatile int got_alarm;
static void on_alarm(int s) { (void)s; got_alarm = 1; }

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  struct epoll_event ev, out[8];
  int n;

  /* create */
  int ep = CHECK_OK(epoll_create1(0));
  CHECK_ERR(epoll_create1(1), EINVAL);
  int ep2 = CHECK_OK(epoll_create1(EPOLL_CLOEXEC));
  printf("cloexec: %d\n", (fcntl(ep2, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK_ERR(epoll_create(0), EINVAL);

  /* level-triggered on a pipe */
  int p[2]; pipe(p);
  ev.events = EPOLLIN; ev.data.u64 = 11;
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
  CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
  n = epoll_wait(ep, out, 8, 0); show("lt empty", n, out);
  write(p[1], "ab", 2);
  n = epoll_wait(ep, out, 8, 0); show("lt data", n, out);
  n = epoll_wait(ep, out, 8, 0); show("lt again", n, out);
  char buf[64]; read(p[0], buf, 2);
  n = epoll_wait(ep, out, 8, 0); show("lt drained", n, out);

  /* edge-triggered */
  ev.events = EPOLLIN | EPOLLET; ev.data.u64 = 12;
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
  write(p[1], "a", 1);
  n = epoll_wait(ep, out, 8, 0); show("et first", n, out);
  n = epoll_wait(ep, out, 8, 0); show("et second", n, out);
  write(p[1], "b", 1);
  n = epoll_wait(ep, out, 8, 0); show("et more data", n, out);
  read(p[0], buf, 2);

  /* oneshot */
  ev.events = EPOLLIN | EPOLLONESHOT; ev.data.u64 = 13;
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
  write(p[1], "a", 1);
  n = epoll_wait(ep, out, 8, 0); show("oneshot first", n, out);
  write(p[1], "b", 1);
  n = epoll_wait(ep, out, 8, 0); show("oneshot disarmed", n, out);
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
  n = epoll_wait(ep, out, 8, 0); show("oneshot rearmed", n, out);
  read(p[0], buf, 2);

  /* DEL and errors */
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
  CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
  CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT);
  CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), EBADF);
  CHECK_ERR(epoll_ctl(999, EPOLL_CTL_ADD, p[0], &ev), EBADF);
  CHECK_ERR(epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev), EINVAL);
  CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
  CHECK_ERR(epoll_ctl(ep, 77, p[0], &ev), EINVAL);
  int reg = open("regular", O_RDWR | O_CREAT, 0600);
  CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev), EPERM);
  close(reg); unlink("regular");
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &(struct epoll_event){EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, {0}}), EINVAL);
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
  CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), EINVAL);
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
  CHECK_ERR(epoll_wait(ep, out, 0, 0), EINVAL);
  CHECK_ERR(epoll_wait(p[0], out, 1, 0), EINVAL);
  CHECK_ERR(epoll_wait(999, out, 1, 0), EBADF);

  /* HUP and ERR: the writer goes, then a reader goes */
  ev.events = EPOLLIN; ev.data.u64 = 21;
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
  close(p[1]);
  n = epoll_wait(ep, out, 8, 0); show("writer closed", n, out);
  close(p[0]);
  n = epoll_wait(ep, out, 8, 0); show("watched fd closed", n, out);
  pipe(p);
  ev.events = EPOLLOUT; ev.data.u64 = 22;
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
  n = epoll_wait(ep, out, 8, 0); show("writable", n, out);
  close(p[0]);
  n = epoll_wait(ep, out, 8, 0); show("reader closed", n, out);
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
  close(p[1]);

  /* eventfd, several ready items, maxevents */
  int e1 = eventfd(0, EFD_NONBLOCK), e2 = eventfd(0, EFD_NONBLOCK);
  ev.events = EPOLLIN; ev.data.u64 = 31; CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, e1, &ev));
  ev.events = EPOLLIN | EPOLLET; ev.data.u64 = 32; CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, e2, &ev));
  uint64_t one = 1;
  write(e1, &one, 8); write(e2, &one, 8);
  n = epoll_wait(ep, out, 8, 0); show("two eventfds", n, out);
  n = epoll_wait(ep, out, 8, 0); show("lt stays, et gone", n, out);
  write(e2, &one, 8);
  n = epoll_wait(ep, out, 1, 0); show("maxevents 1", n, out);
  n = epoll_wait(ep, out, 1, 0); show("maxevents 1 next", n, out);
  uint64_t v; read(e1, &v, 8); read(e2, &v, 8);
  n = epoll_wait(ep, out, 8, 0); show("both read", n, out);

  /* nesting: an epoll in an epoll, ppoll on an epoll fd, loops */
  int outer = epoll_create1(0);
  ev.events = EPOLLIN; ev.data.u64 = 41;
  CHECK_OK(epoll_ctl(outer, EPOLL_CTL_ADD, ep, &ev));
  n = epoll_wait(outer, out, 8, 0); show("outer idle", n, out);
  struct pollfd pf = {ep, POLLIN, 0};
  printf("ppoll epoll idle: %d %#x\n", poll(&pf, 1, 0), pf.revents);
  write(e1, &one, 8);
  n = epoll_wait(outer, out, 8, 0); show("outer sees inner", n, out);
  printf("ppoll epoll ready: %d %#x\n", poll(&pf, 1, 0), pf.revents);
  read(e1, &v, 8);
  CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, outer, &ev), ELOOP);
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  CHECK_ERR(epoll_ctl(ep2, EPOLL_CTL_ADD, outer, &ev), EINVAL);
  int chain[6]; chain[0] = epoll_create1(0);
  int depth_ok = 0;
  for (int i = 1; i < 6; i++) {
    chain[i] = epoll_create1(0);
    ev.events = EPOLLIN;
    if (epoll_ctl(chain[i], EPOLL_CTL_ADD, chain[i - 1], &ev) == 0) depth_ok = i;
    else printf("chain link %d: %s\n", i, errname(errno));
  }
  printf("chain links made: %d\n", depth_ok);

  /* blocking: a timeout, a wake-up from a child, a signal (EINTR), the sigmask */
  struct timespec a; clock_gettime(CLOCK_MONOTONIC, &a);
  n = wait1(ep, 30, out);
  printf("timeout: n %d waited >= 30ms %d\n", n, ms_since(&a) >= 30);
  pid_t c = fork();
  if (c == 0) { usleep(20000); write(e1, &one, 8); _exit(0); }
  n = wait1(ep, -1, out); show("woken by child", n, out);
  waitpid(c, NULL, 0);
  read(e1, &v, 8);
  struct sigaction sa = {0}; sa.sa_handler = on_alarm; sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, 0}, {0, 20000}};
  setitimer(ITIMER_REAL, &it, NULL);
  errno = 0; n = wait1(ep, -1, out);
  printf("signal: n %d %s alarm %d\n", n, errname(errno), got_alarm);
  sigset_t block, old; sigemptyset(&block); sigaddset(&block, SIGALRM);
  sigprocmask(SIG_BLOCK, &block, &old);
  got_alarm = 0; setitimer(ITIMER_REAL, &it, NULL);
  sigset_t none; sigemptyset(&none);
  errno = 0; n = epoll_pwait(ep, out, 1, -1, &none);
  printf("pwait unblocks: n %d %s alarm %d\n", n, errname(errno), got_alarm);
  got_alarm = 0; setitimer(ITIMER_REAL, &it, NULL);
  clock_gettime(CLOCK_MONOTONIC, &a);
  n = epoll_pwait(ep, out, 1, 60, &block);
  printf("pwait keeps blocked: n %d alarm %d waited >= 60ms %d\n", n, got_alarm, ms_since(&a) >= 60);
  sigprocmask(SIG_SETMASK, &old, NULL);
  printf("after unblock: alarm %d\n", got_alarm);

  /* epoll_pwait2 (qemu 7.2 lacks it: checked only where the kernel has it) */
  struct timespec ts = {0, 5000000};
  long r = syscall(SYS_epoll_pwait2, ep, out, 1, &ts, NULL, 8);
  if (!(r < 0 && errno == ENOSYS)) CHECK(r == 0);
  write(e1, &one, 8);
  r = syscall(SYS_epoll_pwait2, ep, out, 1, NULL, NULL, 8);
  if (!(r < 0 && errno == ENOSYS)) CHECK(r == 1 && out[0].data.u64 == 31);
  ts.tv_nsec = 2000000000L;
  r = syscall(SYS_epoll_pwait2, ep, out, 1, &ts, NULL, 8);
  if (!(r < 0 && errno == ENOSYS)) CHECK(r == -1 && errno == EINVAL);
  return finish();
}
