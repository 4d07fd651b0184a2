/* Process groups and sessions, printed as relations (no pid values). */
#include "common.h"
#include <sys/wait.h>

int main(void) {
  pid_t me = getpid();
  printf("getpgid(0)==getpgrp() %d\n", getpgid(0) == getpgrp());
  pid_t c = fork();
  if (c == 0) {
    int ok = 1;
    if (setpgid(0, 0) != 0) ok = 0;
    if (getpgrp() != getpid()) ok = 0;
    pid_t s = setsid();   /* fails: now a group leader */
    if (s != -1 || errno != EPERM) ok = 0;
    _exit(ok ? 0 : 1);
  }
  int st; waitpid(c, &st, 0); printf("child setpgid + setsid EPERM %d\n", WEXITSTATUS(st) == 0);
  c = fork();
  if (c == 0) { pid_t s = setsid(); _exit(s == getpid() && getsid(0) == getpid() && getpgrp() == getpid() ? 0 : 1); }
  waitpid(c, &st, 0); printf("child setsid new session %d\n", WEXITSTATUS(st) == 0);
  CHECK_ERR(setpgid(0, -1), EINVAL);
  CHECK_ERR(getpgid(0x3fffffff), ESRCH);
  CHECK_ERR(kill(0x3fffffff, 0), ESRCH);
  CHECK_OK(kill(me, 0));
  return finish();
}
