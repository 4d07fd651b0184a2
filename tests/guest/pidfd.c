/* pidfd_open: poll readiness when the process exits (and HUP once reaped), epoll,
 * errors; pidfd_send_signal. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }
static int pidfd_send_signal(int fd, int sig, siginfo_t *si, unsigned flags) { return syscall(SYS_pidfd_send_signal, fd, sig, si, flags); }
static int revents(int fd, int timeout) { struct pollfd p = {fd, POLLIN, 0}; int n = poll(&p, 1, timeout); return n == 1 ? p.revents : n; }

int main(void) {
  CHECK_ERR(pidfd_open(0, 0), EINVAL);
  CHECK_ERR(pidfd_open(-1, 0), EINVAL);
  CHECK_ERR(pidfd_open(getpid(), 1), EINVAL);
  CHECK_ERR(pidfd_open(4000000, 0), ESRCH);

  int self = CHECK_OK(pidfd_open(getpid(), 0));
  printf("self: cloexec %d poll %#x\n", (fcntl(self, F_GETFD) & FD_CLOEXEC) != 0, revents(self, 0));

  pid_t c = fork();
  if (c == 0) { usleep(30000); _exit(7); }
  int fd = CHECK_OK(pidfd_open(c, 0));
  printf("running: poll %#x\n", revents(fd, 0));
  printf("exited: poll %#x\n", revents(fd, 5000));
  int st; waitpid(c, &st, 0);
  printf("status %d\n", WEXITSTATUS(st));
  printf("reaped: poll %#x\n", revents(fd, 0));
  CHECK_ERR(pidfd_send_signal(fd, SIGTERM, NULL, 0), ESRCH);
  close(fd);

  /* epoll on a pidfd */
  c = fork();
  if (c == 0) { usleep(20000); _exit(0); }
  fd = pidfd_open(c, O_NONBLOCK); /* PIDFD_NONBLOCK */
  printf("nonblock flag %d\n", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
  int ep = epoll_create1(0);
  struct epoll_event ev = {EPOLLIN, {.u64 = 3}}, out;
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
  printf("epoll running: %d\n", epoll_wait(ep, &out, 1, 0));
  int n = epoll_wait(ep, &out, 1, 5000);
  printf("epoll exited: %d %#x\n", n, out.events);
  waitpid(c, &st, 0);
  close(fd);

  /* pidfd_send_signal */
  c = fork();
  if (c == 0) { for (;;) pause(); }
  fd = pidfd_open(c, 0);
  CHECK_ERR(pidfd_send_signal(fd, SIGTERM, NULL, 99), EINVAL);
  CHECK_ERR(pidfd_send_signal(ep, SIGTERM, NULL, 0), EBADF);
  CHECK_ERR(pidfd_send_signal(999, SIGTERM, NULL, 0), EBADF);
  CHECK_OK(pidfd_send_signal(fd, 0, NULL, 0));
  siginfo_t si = {0}; si.si_signo = SIGUSR1; si.si_code = SI_QUEUE;
  CHECK_ERR(pidfd_send_signal(fd, SIGTERM, &si, 0), EINVAL);
  si.si_signo = SIGTERM; si.si_code = SI_USER;
  CHECK_ERR(pidfd_send_signal(fd, SIGTERM, &si, 0), EPERM);
  CHECK_OK(pidfd_send_signal(fd, SIGTERM, NULL, 0));
  printf("signalled: poll %#x\n", revents(fd, 5000));
  waitpid(c, &st, 0);
  printf("killed by %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
  return finish();
}
