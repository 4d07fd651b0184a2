/* clone3: as fork, and its argument checks. Run under tuml only: qemu 7.2 has no
 * clone3 (ENOSYS). */
#include "common.h"
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>

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

  printf("PASSED: %d failure(s)\n", failures);
  return failures != 0;
}
