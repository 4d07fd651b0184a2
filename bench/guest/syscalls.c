/* Syscall micro benchmark: times getpid and a 1-byte pipe write+read with
 * clock_gettime(CLOCK_MONOTONIC) and prints ns per operation:
 *   getpid_ns=N
 *   pipe_ns=N
 * Usage: syscalls [ITERATIONS]   (default 200000)
 * The calls go through syscall(2) so libc cannot cache or skip them. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 200000;
  int fds[2];
  char c = 'x';
  long sum = 0;
  double t0, t1;

  if (pipe(fds) != 0) { perror("pipe"); return 1; }

  t0 = now_ns();
  for (long i = 0; i < n; i++) sum += syscall(SYS_getpid);
  t1 = now_ns();
  printf("getpid_ns=%.1f\n", (t1 - t0) / n);

  t0 = now_ns();
  for (long i = 0; i < n; i++) {
    if (write(fds[1], &c, 1) != 1 || read(fds[0], &c, 1) != 1) { perror("pipe io"); return 1; }
  }
  t1 = now_ns();
  printf("pipe_ns=%.1f\n", (t1 - t0) / n);
  return sum == 0 ? 2 : 0;
}
