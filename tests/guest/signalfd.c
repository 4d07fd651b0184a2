/* signalfd: blocked signals read as signalfd_siginfo records, several per read,
 * sigqueue values, poll/epoll readiness, EAGAIN, short buffers, mask updates, a reader
 * blocked until a child signals it. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int readable(int fd) { struct pollfd p = {fd, POLLIN, 0}; return poll(&p, 1, 0) == 1 ? p.revents : 0; }

int main(void) {
  sigset_t m; sigemptyset(&m); sigaddset(&m, SIGUSR1); sigaddset(&m, SIGUSR2); sigaddset(&m, SIGRTMIN + 1);
  sigprocmask(SIG_BLOCK, &m, NULL);
  CHECK_ERR(signalfd(-1, &m, 0x10), EINVAL);
  /* a sigset size other than 8: qemu 7.2 ignores it, Linux says EINVAL */
  long bad = syscall(SYS_signalfd4, -1, &m, 4, 0);
  if (bad >= 0) close(bad);
  int pp[2]; pipe(pp);
  CHECK_ERR(signalfd(pp[0], &m, 0), EINVAL);
  CHECK_ERR(signalfd(999, &m, 0), EBADF);
  int fd = CHECK_OK(signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC));
  printf("flags: cloexec %d nonblock %d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
  struct signalfd_siginfo si[4];
  CHECK_ERR(read(fd, si, sizeof si), EAGAIN);
  CHECK_ERR(read(fd, si, 127), EINVAL);
  printf("poll idle %#x\n", readable(fd));

  kill(getpid(), SIGUSR1);
  printf("poll pending %#x\n", readable(fd));
  sigset_t pend; sigpending(&pend); printf("sigpending has USR1 %d\n", sigismember(&pend, SIGUSR1));
  ssize_t r = read(fd, si, sizeof si);
  printf("read %zd: signo %u code %d pid ok %d uid ok %d\n", r, si[0].ssi_signo, si[0].ssi_code,
         si[0].ssi_pid == (uint32_t)getpid(), si[0].ssi_uid == getuid());
  sigpending(&pend); printf("after read: pending %d, poll %#x\n", sigismember(&pend, SIGUSR1), readable(fd));

  /* several in one read, queued realtime values */
  union sigval v1 = {.sival_int = 1234}, v2 = {.sival_int = -5};
  sigqueue(getpid(), SIGRTMIN + 1, v1);
  sigqueue(getpid(), SIGRTMIN + 1, v2);
  kill(getpid(), SIGUSR2);
  r = read(fd, si, sizeof si);
  printf("read %zd (%zd records)\n", r, r / (ssize_t)sizeof si[0]);
  for (int i = 0; i < r / (ssize_t)sizeof si[0]; i++)
    printf("  signo %u code %d int %d ptr %llu\n", si[i].ssi_signo, si[i].ssi_code, si[i].ssi_int,
           (unsigned long long)si[i].ssi_ptr);
  CHECK_ERR(read(fd, si, sizeof si[0]), EAGAIN);

  /* updating the mask */
  sigset_t only2; sigemptyset(&only2); sigaddset(&only2, SIGUSR2);
  printf("update returns the fd %d\n", signalfd(fd, &only2, 0) == fd);
  kill(getpid(), SIGUSR1);
  printf("USR1 outside the mask: poll %#x\n", readable(fd));
  kill(getpid(), SIGUSR2);
  r = read(fd, si, sizeof si);
  printf("read %zd signo %u\n", r, si[0].ssi_signo);
  sigset_t all1; sigemptyset(&all1); sigaddset(&all1, SIGUSR1);
  signalfd(fd, &all1, 0);
  r = read(fd, si, sizeof si); printf("USR1 read later: %zd signo %u\n", r, si[0].ssi_signo);

  /* epoll and a blocking read woken by a child */
  int blk = signalfd(-1, &m, 0);
  int ep = epoll_create1(0);
  struct epoll_event ev = {EPOLLIN, {.u64 = 7}}, out;
  epoll_ctl(ep, EPOLL_CTL_ADD, blk, &ev);
  printf("epoll idle %d\n", epoll_wait(ep, &out, 1, 0));
  pid_t parent = getpid();
  pid_t c = fork();
  if (c == 0) { usleep(20000); kill(parent, SIGUSR2); _exit(0); }
  int n = epoll_wait(ep, &out, 1, 5000);
  printf("epoll woke: %d %#x %llu\n", n, out.events, (unsigned long long)out.data.u64);
  r = read(blk, si, sizeof si);
  printf("read %zd signo %u code %d\n", r, si[0].ssi_signo, si[0].ssi_code);
  waitpid(c, NULL, 0);
  c = fork();
  if (c == 0) { usleep(20000); kill(parent, SIGUSR1); _exit(0); }
  r = read(blk, si, sizeof si);
  printf("blocking read %zd signo %u code %d pid is child %d\n", r, si[0].ssi_signo, si[0].ssi_code, si[0].ssi_pid == (uint32_t)c);
  int st; waitpid(c, &st, 0);
  /* SIGCHLD through a signalfd */
  sigset_t chld; sigemptyset(&chld); sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int cfd = signalfd(-1, &chld, 0);
  c = fork();
  if (c == 0) _exit(3);
  r = read(cfd, si, sizeof si);
  printf("SIGCHLD: %zd signo %u code %d status %d pid is child %d\n", r, si[0].ssi_signo, si[0].ssi_code, si[0].ssi_status, si[0].ssi_pid == (uint32_t)c);
  waitpid(c, &st, 0);
  return finish();
}
