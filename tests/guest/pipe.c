/* Pipes: data through, EOF when the writers close, EPIPE/SIGPIPE, O_NONBLOCK
 * EAGAIN, capacity, atomicity of small writes, a pipe between parent and child. */
#include "common.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

int main(void) {
  int p[2]; CHECK_OK(pipe(p));
  CHECK(write(p[1], "hello", 5) == 5); char buf[70000]; CHECK(read(p[0], buf, sizeof buf) == 5);
  printf("read back %.5s\n", buf);
  CHECK_ERR(lseek(p[0], 0, SEEK_CUR), ESPIPE);
  printf("F_GETPIPE_SZ %d\n", fcntl(p[0], F_GETPIPE_SZ));
  CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK)); CHECK_ERR(read(p[0], buf, 1), EAGAIN);
  CHECK_OK(fcntl(p[1], F_SETFL, O_NONBLOCK)); memset(buf, 'x', sizeof buf);
  long total = 0; ssize_t n; while ((n = write(p[1], buf, 4096)) > 0) total += n;
  printf("filled %ld then %s\n", total, errname(errno));
  close(p[1]); total = 0; while ((n = read(p[0], buf, sizeof buf)) > 0) total += n;
  printf("drained %ld then read returns %zd (EOF)\n", total, n); close(p[0]);
  /* EPIPE with SIGPIPE ignored */
  CHECK_OK(pipe2(p, O_CLOEXEC)); printf("pipe2 cloexec %d\n", fcntl(p[0], F_GETFD));
  signal(SIGPIPE, SIG_IGN); close(p[0]); CHECK_ERR(write(p[1], "x", 1), EPIPE); close(p[1]);
  /* parent -> child -> parent */
  int to[2], from[2]; pipe(to); pipe(from);
  pid_t c = fork();
  if (c == 0) { close(to[1]); close(from[0]); char b[100]; ssize_t k; long s = 0;
    while ((k = read(to[0], b, sizeof b)) > 0) { for (int i = 0; i < k; i++) b[i] = (char)(b[i] - 32); write(from[1], b, k); s += k; }
    _exit(s == 26 ? 0 : 1); }
  close(to[0]); close(from[1]);
  write(to[1], "abcdefghijklm", 13); write(to[1], "nopqrstuvwxyz", 13); close(to[1]);
  char out[64]; long got = 0; while ((n = read(from[0], out + got, sizeof out - got)) > 0) got += n;
  int st; waitpid(c, &st, 0); printf("child upcased %.*s exit %d\n", (int)got, out, WEXITSTATUS(st));
  /* SIGPIPE default kills the writer (no read end anywhere before the fork, so no race) */
  pipe(p); close(p[0]); c = fork(); if (c == 0) { signal(SIGPIPE, SIG_DFL); write(p[1], "x", 1); _exit(0); }
  close(p[1]); waitpid(c, &st, 0); printf("writer killed by SIGPIPE %d\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);
  return finish();
}
