/* Resource limits belong to the process: a limit one thread sets is the limit its other
 * threads read, and a forked child gets a copy that its own changes do not pass back. */
#include "common.h"
#include <pthread.h>
#include <sys/resource.h>
#include <sys/wait.h>

static void *lower(void *arg) {
  (void)arg;
  struct rlimit r = { 100, 200 };
  CHECK(setrlimit(RLIMIT_NOFILE, &r) == 0);
  return NULL;
}

int main(void) {
  struct rlimit r;
  pthread_t th;
  CHECK(pthread_create(&th, NULL, lower, NULL) == 0);
  CHECK(pthread_join(th, NULL) == 0);
  CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0);
  printf("after the thread: cur %ld max %ld\n", (long)r.rlim_cur, (long)r.rlim_max);
  CHECK(r.rlim_cur == 100 && r.rlim_max == 200);

  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    struct rlimit c;
    CHECK(getrlimit(RLIMIT_NOFILE, &c) == 0);
    printf("child: cur %ld max %ld\n", (long)c.rlim_cur, (long)c.rlim_max);
    c.rlim_cur = 50;
    CHECK(setrlimit(RLIMIT_NOFILE, &c) == 0);
    fflush(stdout);
    _exit(failures ? 1 : 0);
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0);
  printf("parent after the child: cur %ld\n", (long)r.rlim_cur);
  CHECK(r.rlim_cur == 100);
  return finish();
}
