/* FIFOs (mknod/mkfifo): opens block until the other end opens (across fork), O_NONBLOCK
 * rules (read-only succeeds, write-only without a reader is ENXIO), O_RDWR never blocks,
 * a signal interrupts a blocked open with EINTR, data flows, EOF after the writer closes. */
#include "common.h"
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>

static long ms_since(struct timespec *a) {
  struct timespec b; clock_gettime(CLOCK_MONOTONIC, &b);
  return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}
static void on_alarm(int s) { (void)s; }

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  CHECK_OK(mkfifo("f", 0640));
  struct stat st; CHECK_OK(stat("f", &st));
  printf("fifo: %d mode %o size %lld\n", S_ISFIFO(st.st_mode), st.st_mode & 0777, (long long)st.st_size);
  CHECK_ERR(mkfifo("f", 0600), EEXIST);
  CHECK_OK(mknodat(AT_FDCWD, "g", S_IFIFO | 0600, 0));
  CHECK_OK(stat("g", &st)); CHECK(S_ISFIFO(st.st_mode));
  CHECK_OK(unlink("g"));

  /* O_NONBLOCK */
  CHECK_ERR(open("f", O_WRONLY | O_NONBLOCK), ENXIO);
  int r = CHECK_OK(open("f", O_RDONLY | O_NONBLOCK));
  char buf[64];
  close(r);
  r = CHECK_OK(open("f", O_RDONLY | O_NONBLOCK));
  printf("nonblocking read without writers: %zd\n", read(r, buf, sizeof buf));
  int w = CHECK_OK(open("f", O_WRONLY | O_NONBLOCK));
  CHECK(write(w, "abc", 3) == 3);
  ssize_t n = read(r, buf, sizeof buf);
  printf("read %zd: %.*s\n", n, (int)n, buf);
  CHECK_ERR(read(r, buf, sizeof buf), EAGAIN);
  close(w);
  printf("after writer closed: %zd\n", read(r, buf, sizeof buf));
  close(r);

  /* O_RDWR never blocks */
  int rw = CHECK_OK(open("f", O_RDWR));
  CHECK(write(rw, "x", 1) == 1 && read(rw, buf, 1) == 1 && buf[0] == 'x');
  close(rw);

  /* a blocking reader waits for a writer */
  struct timespec t0; clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid = fork();
  if (pid == 0) {
    usleep(200000);
    int fw = open("f", O_WRONLY);
    if (fw < 0) _exit(3);
    if (write(fw, "hello", 5) != 5) _exit(4);
    close(fw);
    _exit(0);
  }
  r = CHECK_OK(open("f", O_RDONLY));
  long waited = ms_since(&t0);
  printf("reader open blocked until the writer came: %d\n", waited >= 150);
  n = read(r, buf, sizeof buf);
  printf("reader got %.*s\n", (int)n, buf);
  printf("then EOF: %zd\n", read(r, buf, sizeof buf));
  close(r);
  int status; waitpid(pid, &status, 0);
  printf("writer child status %d\n", WEXITSTATUS(status));

  /* a blocking writer waits for a reader */
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid = fork();
  if (pid == 0) {
    usleep(200000);
    int fr = open("f", O_RDONLY);
    if (fr < 0) _exit(3);
    char b[16]; ssize_t k = read(fr, b, sizeof b);
    close(fr);
    _exit(k == 4 && memcmp(b, "ping", 4) == 0 ? 0 : 5);
  }
  w = CHECK_OK(open("f", O_WRONLY));
  printf("writer open blocked until the reader came: %d\n", ms_since(&t0) >= 150);
  CHECK(write(w, "ping", 4) == 4);
  close(w);
  waitpid(pid, &status, 0);
  printf("reader child status %d\n", WEXITSTATUS(status));

  /* a signal interrupts a blocked open (no SA_RESTART) */
  struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  alarm(1);
  CHECK_ERR(open("f", O_RDONLY), EINTR);
  /* and the interrupted reader no longer counts as a partner */
  CHECK_ERR(open("f", O_WRONLY | O_NONBLOCK), ENXIO);

  CHECK_OK(unlink("f"));
  return finish();
}
