/* Process-creation micro benchmark: fork, execve("/bin/true") in the child, waitpid in
 * the parent, N times, timed with clock_gettime(CLOCK_MONOTONIC); prints
 *   forkexec_ns=N
 * Usage: forkexec [ITERATIONS]   (default 200). /bin/true is a static busybox in the
 * bench roots of tuml and UML. One untimed iteration first: the steady state is measured,
 * not the first load of /bin/true. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

/* fork, exec /bin/true, wait; 0 on success. */
static int once(void) {
  char *const args[] = { "true", NULL };
  char *const env[] = { NULL };
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 1; }
  if (pid == 0) { execve("/bin/true", args, env); _exit(127); }
  int st;
  if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    fprintf(stderr, "child failed: status %#x\n", st);
    return 1;
  }
  return 0;
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 200;
  if (once()) return 1;
  double t0 = now_ns();
  for (long i = 0; i < n; i++) if (once()) return 1;
  double t1 = now_ns();
  printf("forkexec_ns=%.1f\n", (t1 - t0) / n);
  return 0;
}
