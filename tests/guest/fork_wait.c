/* fork, exit status, wait/waitpid (WNOHANG, ECHILD), a child killed by a signal,
 * copy-on-write separation of parent and child memory. Prints no pids. */
#include "common.h"
#include <signal.h>
#include <sys/wait.h>

int main(void) {
  static int shared_before = 1;
  char *heap = malloc(100000); memset(heap, 'p', 100000);
  pid_t c = fork();
  if (c == 0) { shared_before = 2; heap[500] = 'c'; _exit(heap[500] == 'c' ? 7 : 99); }
  CHECK(c > 0);
  int st; pid_t w = waitpid(c, &st, 0);
  printf("waited right child %d exited %d status %d\n", w == c, WIFEXITED(st), WEXITSTATUS(st));
  printf("parent memory untouched %d %c\n", shared_before, heap[500]);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7 && shared_before == 1 && heap[500] == 'p');
  c = fork(); if (c == 0) { raise(SIGKILL); _exit(1); }
  CHECK(waitpid(c, &st, 0) == c); printf("signaled %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));
  c = fork(); if (c == 0) { struct timespec t = {0, 50000000}; nanosleep(&t, NULL); exit(3); }
  printf("WNOHANG while running -> %d\n", waitpid(c, &st, WNOHANG));
  CHECK(wait(&st) == c); printf("wait status %d\n", WEXITSTATUS(st));
  CHECK_ERR(wait(&st), ECHILD);
  CHECK_ERR(waitpid(-1, &st, WNOHANG), ECHILD);
  /* several children, reaped in any order; the sum is deterministic */
  int sum = 0; for (int i = 1; i <= 5; i++) if (fork() == 0) _exit(i * 10);
  for (int i = 0; i < 5; i++) { CHECK(wait(&st) > 0); sum += WEXITSTATUS(st); }
  printf("sum of 5 exit codes %d\n", sum);
  /* getppid in the child is our pid */
  pid_t me = getpid(); c = fork(); if (c == 0) _exit(getppid() == me ? 0 : 1);
  waitpid(c, &st, 0); printf("child sees parent pid %d\n", WEXITSTATUS(st) == 0);
  /* exit flushes stdio in the child */
  c = fork(); if (c == 0) { printf("child line via stdio\n"); exit(0); } waitpid(c, &st, 0);
  return finish();
}
