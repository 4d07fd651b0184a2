/* A forked child keeps the signal dispositions it was copied with: the parent changing
 * one afterwards (a handler it had set before the fork, and one it had not) leaves the
 * child's alone, and the other way round. */
#include "common.h"
#include <signal.h>
#include <sys/wait.h>

static void a(int s) { (void)s; }
static void b(int s) { (void)s; }

static void *handler_of(int sig) {
  struct sigaction o;
  CHECK(sigaction(sig, NULL, &o) == 0);
  return (void *)o.sa_handler;
}

int main(void) {
  struct sigaction sa = { 0 };
  sa.sa_handler = a;
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  int go[2], back[2];
  CHECK(pipe(go) == 0 && pipe(back) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    char c;
    CHECK(read(go[0], &c, 1) == 1);           /* the parent has changed its own */
    printf("child: SIGUSR1 still a %d\n", handler_of(SIGUSR1) == (void *)a);
    printf("child: SIGUSR2 still default %d\n", handler_of(SIGUSR2) == (void *)SIG_DFL);
    sa.sa_handler = b;
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
    CHECK(write(back[1], "x", 1) == 1);
    _exit(failures ? 1 : 0);
  }
  sa.sa_handler = SIG_IGN;
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  sa.sa_handler = b;
  CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
  sa.sa_handler = SIG_DFL;
  CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
  CHECK(write(go[1], "x", 1) == 1);
  char c;
  CHECK(read(back[0], &c, 1) == 1);
  printf("parent: SIGUSR1 ignored %d\n", handler_of(SIGUSR1) == (void *)SIG_IGN);
  printf("parent: SIGUSR2 default %d\n", handler_of(SIGUSR2) == (void *)SIG_DFL);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  return finish();
}
