/* pidfd, the rest: waitid(P_PIDFD) (blocking, WNOHANG, PIDFD_NONBLOCK's EAGAIN, errors);
 * pidfd_send_signal's scopes (PIDFD_SIGNAL_THREAD/_THREAD_GROUP/_PROCESS_GROUP, a
 * PIDFD_THREAD pidfd) and /proc/PID directories used as pidfds. */
#include "common.h"
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define PIDFD_THREAD O_EXCL
#define PIDFD_SIGNAL_THREAD 1
#define PIDFD_SIGNAL_THREAD_GROUP 2
#define PIDFD_SIGNAL_PROCESS_GROUP 4

static int pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }
static int pidfd_send_signal(int fd, int sig, siginfo_t *si, unsigned flags) { return syscall(SYS_pidfd_send_signal, fd, sig, si, flags); }

static volatile pid_t got_tid;
static volatile int got_code;
static void on_usr1(int s, siginfo_t *si, void *u) { (void)s; (void)u; got_tid = syscall(SYS_gettid); got_code = si->si_code; }
static volatile int term;
static void on_term(int s) { (void)s; term = 1; }
static volatile pid_t worker_tid;
static volatile int stop;
static void *worker(void *a) { (void)a; worker_tid = syscall(SYS_gettid); while (!stop) usleep(1000); return NULL; }

int main(void) {
  if (access("/proc/self/stat", R_OK) != 0) { mkdir("/proc", 0555); mount("proc", "/proc", "proc", 0, NULL); }
  /* waitid(P_PIDFD) */
  pid_t c = fork();
  if (c == 0) { usleep(20000); _exit(5); }
  int fd = CHECK_OK(pidfd_open(c, 0));
  siginfo_t si;
  memset(&si, 0, sizeof si);
  CHECK_OK(waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG));
  printf("running: si_pid set %d\n", si.si_pid != 0);
  memset(&si, 0, sizeof si);
  CHECK_OK(waitid(P_PIDFD, fd, &si, WEXITED));
  printf("exited: pid ok %d code %d status %d\n", si.si_pid == c, si.si_code == CLD_EXITED, si.si_status);
  CHECK_ERR(waitid(P_PIDFD, fd, &si, WEXITED), ECHILD);
  close(fd);
  c = fork();
  if (c == 0) { usleep(30000); _exit(0); }
  fd = CHECK_OK(pidfd_open(c, O_NONBLOCK));
  CHECK_ERR(waitid(P_PIDFD, fd, &si, WEXITED), EAGAIN);
  CHECK_OK(waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG));
  waitpid(c, NULL, 0);
  close(fd);
  int self = pidfd_open(getpid(), 0);
  CHECK_ERR(waitid(P_PIDFD, self, &si, WEXITED), ECHILD);
  int p[2]; pipe(p);
  CHECK_ERR(waitid(P_PIDFD, p[0], &si, WEXITED), EBADF);
  CHECK_ERR(waitid(P_PIDFD, -1, &si, WEXITED), EINVAL);

  /* scopes */
  CHECK_ERR(pidfd_send_signal(self, 0, NULL, PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP), EINVAL);
  CHECK_ERR(pidfd_send_signal(self, 0, NULL, 8), EINVAL);
  struct sigaction sa = {0};
  sa.sa_sigaction = on_usr1; sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  pthread_t th;
  pthread_create(&th, NULL, worker, NULL);
  while (worker_tid == 0) usleep(1000);
  int tfd = CHECK_OK(pidfd_open(worker_tid, PIDFD_THREAD));
  sigset_t usr1; sigemptyset(&usr1); sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &usr1, NULL); /* only the worker may take it */
  CHECK_OK(pidfd_send_signal(tfd, SIGUSR1, NULL, 0));
  while (got_tid == 0) usleep(1000);
  printf("thread pidfd: handled by the worker %d SI_TKILL %d\n", got_tid == worker_tid, got_code == SI_TKILL);
  got_tid = 0;
  CHECK_OK(pidfd_send_signal(self, SIGUSR1, NULL, PIDFD_SIGNAL_THREAD_GROUP));
  while (got_tid == 0) usleep(1000);
  printf("process scope: worker %d SI_USER %d\n", got_tid == worker_tid, got_code == SI_USER);
  stop = 1;
  pthread_join(th, NULL);
  pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
  siginfo_t q = {0}; q.si_signo = SIGUSR1; q.si_code = SI_QUEUE;
  got_tid = 0;
  CHECK_OK(pidfd_send_signal(self, SIGUSR1, &q, 0));
  printf("own siginfo: SI_QUEUE %d\n", got_code == SI_QUEUE);
  q.si_code = SI_USER; /* a code >= 0 is refused for a group, even one's own */
  CHECK_ERR(pidfd_send_signal(self, SIGUSR1, &q, PIDFD_SIGNAL_PROCESS_GROUP), EPERM);

  /* a process group: the child leads it (catching SIGTERM), with a grandchild */
  pipe(p);
  c = fork();
  if (c == 0) {
    setpgid(0, 0);
    pid_t g = fork();
    if (g == 0) { for (;;) pause(); }
    sigset_t t, old; sigemptyset(&t); sigaddset(&t, SIGTERM);
    sigprocmask(SIG_BLOCK, &t, &old);
    signal(SIGTERM, on_term);
    write(p[1], "x", 1);
    while (!term) sigsuspend(&old);
    int gs;
    waitpid(g, &gs, 0);
    _exit(WIFSIGNALED(gs) ? WTERMSIG(gs) : 99);
  }
  char b;
  read(p[0], &b, 1);
  fd = pidfd_open(c, 0);
  CHECK_OK(pidfd_send_signal(fd, SIGTERM, NULL, PIDFD_SIGNAL_PROCESS_GROUP));
  int st;
  waitpid(c, &st, 0);
  printf("leader caught it; grandchild killed by %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

  /* /proc/PID as a pidfd */
  c = fork();
  if (c == 0) { for (;;) pause(); }
  char path[64];
  snprintf(path, sizeof path, "/proc/%d", c);
  int dfd = CHECK_OK(open(path, O_RDONLY | O_DIRECTORY));
  snprintf(path, sizeof path, "/proc/%d/task/%d", c, c);
  int tdfd = CHECK_OK(open(path, O_RDONLY | O_DIRECTORY));
  CHECK_ERR(pidfd_send_signal(tdfd, SIGKILL, NULL, 0), EBADF);
  CHECK_OK(pidfd_send_signal(dfd, SIGKILL, NULL, 0));
  waitpid(c, &st, 0);
  printf("/proc/PID: killed by %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
  CHECK_ERR(pidfd_send_signal(dfd, SIGKILL, NULL, 0), ESRCH);
  return finish();
}
