/* clone3: as fork, and its argument checks; CLONE_PIDFD (also through legacy clone),
 * set_tid, CLONE_CLEAR_SIGHAND, CLONE_INTO_CGROUP. Run under tuml only: qemu 7.2 has no
 * clone3 (ENOSYS) and refuses CLONE_PIDFD. */
#include "common.h"
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>
#include <fcntl.h>
#include <poll.h>

static void on_usr1(int s) { (void)s; }

int main(void) {
  int st;
  /* clone3 as fork, and its argument checks */
  struct clone_args ca3;
  memset(&ca3, 0, sizeof ca3);
  ca3.exit_signal = SIGCHLD;
  long cp = syscall(SYS_clone3, &ca3, sizeof ca3);
  if (cp == 0) _exit(21);
  CHECK(cp > 0);
  waitpid((pid_t)cp, &st, 0);
  CHECK(WEXITSTATUS(st) == 21);
  printf("clone3 fork: child status %d\n", WEXITSTATUS(st));
  CHECK_ERR(syscall(SYS_clone3, &ca3, 32), EINVAL);
  ca3.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
  CHECK_ERR(syscall(SYS_clone3, &ca3, sizeof ca3), EINVAL);   /* exit_signal with CLONE_THREAD */
  ca3.flags = CLONE_SIGHAND; ca3.exit_signal = 0;
  CHECK_ERR(syscall(SYS_clone3, &ca3, sizeof ca3), EINVAL);   /* CLONE_SIGHAND without CLONE_VM */
  ca3.flags = CLONE_THREAD | CLONE_VM;
  CHECK_ERR(syscall(SYS_clone3, &ca3, sizeof ca3), EINVAL);   /* CLONE_THREAD without CLONE_SIGHAND */

  /* CLONE_PIDFD */
  int pidfd = -1;
  memset(&ca3, 0, sizeof ca3);
  ca3.flags = CLONE_PIDFD; ca3.pidfd = (unsigned long)&pidfd; ca3.exit_signal = SIGCHLD;
  cp = syscall(SYS_clone3, &ca3, sizeof ca3);
  if (cp == 0) _exit(22);
  CHECK(cp > 0 && pidfd >= 0);
  CHECK((fcntl(pidfd, F_GETFD) & FD_CLOEXEC) != 0);
  siginfo_t si;
  CHECK_OK(waitid(3 /* P_PIDFD */, pidfd, &si, WEXITED));
  CHECK(si.si_pid == cp && si.si_status == 22);
  printf("clone3 CLONE_PIDFD: status %d\n", si.si_status);
  close(pidfd);
  pidfd = -1;
  cp = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
  if (cp == 0) _exit(23);
  CHECK(cp > 0 && pidfd >= 0);
  struct pollfd pf = {pidfd, POLLIN, 0};
  CHECK(poll(&pf, 1, 5000) == 1);
  waitpid(cp, &st, 0);
  CHECK(WEXITSTATUS(st) == 23);
  printf("clone CLONE_PIDFD: status %d\n", WEXITSTATUS(st));
  CHECK_ERR(syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &pidfd, 0, 0), EINVAL);
  ca3.pidfd = 8; /* unwritable: no child is made */
  CHECK_ERR(syscall(SYS_clone3, &ca3, sizeof ca3), EFAULT);
  CHECK_ERR(waitpid(-1, &st, WNOHANG), ECHILD);

  /* set_tid */
  pid_t want = getpid() + 777;
  while (kill(want, 0) == 0 || errno != ESRCH) want++;
  memset(&ca3, 0, sizeof ca3);
  ca3.exit_signal = SIGCHLD; ca3.set_tid = (unsigned long)&want; ca3.set_tid_size = 1;
  cp = syscall(SYS_clone3, &ca3, sizeof ca3);
  if (cp == 0) _exit(getpid() == want ? 0 : 1);
  CHECK(cp == want);
  waitpid(cp, &st, 0);
  CHECK(WEXITSTATUS(st) == 0);
  printf("set_tid: got the pid asked for %d\n", cp == want && WEXITSTATUS(st) == 0);
  pid_t me = getpid();
  ca3.set_tid = (unsigned long)&me;
  CHECK_ERR(syscall(SYS_clone3, &ca3, sizeof ca3), EEXIST);
  pid_t two[2] = {want, want + 1};
  ca3.set_tid = (unsigned long)two; ca3.set_tid_size = 2;
  CHECK_ERR(syscall(SYS_clone3, &ca3, sizeof ca3), EINVAL);
  pid_t zero = 0;
  ca3.set_tid = (unsigned long)&zero; ca3.set_tid_size = 1;
  CHECK_ERR(syscall(SYS_clone3, &ca3, sizeof ca3), EINVAL);
  ca3.set_tid = 0;
  CHECK_ERR(syscall(SYS_clone3, &ca3, sizeof ca3), EINVAL);
  cp = fork();
  if (cp == 0) {
    failures = 0;
    setuid(65534);
    ca3.set_tid = (unsigned long)&want; ca3.set_tid_size = 1;
    CHECK_ERR(syscall(SYS_clone3, &ca3, sizeof ca3), EPERM);
    _exit(failures);
  }
  waitpid(cp, &st, 0);
  CHECK(WEXITSTATUS(st) == 0);

  /* CLONE_CLEAR_SIGHAND: handled signals go back to SIG_DFL, ignored ones stay ignored */
  signal(SIGUSR1, on_usr1);
  signal(SIGUSR2, SIG_IGN);
  memset(&ca3, 0, sizeof ca3);
  ca3.flags = CLONE_CLEAR_SIGHAND; ca3.exit_signal = SIGCHLD;
  cp = syscall(SYS_clone3, &ca3, sizeof ca3);
  if (cp == 0) {
    struct sigaction a1, a2;
    sigaction(SIGUSR1, NULL, &a1);
    sigaction(SIGUSR2, NULL, &a2);
    _exit((a1.sa_handler == SIG_DFL) + 2 * (a2.sa_handler == SIG_IGN));
  }
  waitpid(cp, &st, 0);
  CHECK(WEXITSTATUS(st) == 3);
  printf("CLONE_CLEAR_SIGHAND: child saw %d\n", WEXITSTATUS(st));
  ca3.flags = CLONE_CLEAR_SIGHAND | CLONE_SIGHAND | CLONE_VM;
  CHECK_ERR(syscall(SYS_clone3, &ca3, sizeof ca3), EINVAL);
  /* CLONE_INTO_CGROUP: no fd names a cgroup2 directory here */
  memset(&ca3, 0, sizeof ca3);
  ca3.flags = CLONE_INTO_CGROUP; ca3.exit_signal = SIGCHLD; ca3.cgroup = 0;
  CHECK_ERR(syscall(SYS_clone3, &ca3, sizeof ca3), EBADF);
  CHECK_ERR(syscall(SYS_clone3, &ca3, 80), EINVAL); /* too small a struct for the cgroup field */

  printf("PASSED: %d failure(s)\n", failures);
  return failures != 0;
}
