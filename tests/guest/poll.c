/* poll/ppoll/select on pipes: readiness, timeouts, POLLHUP, POLLNVAL. */
#include "common.h"
#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <time.h>
#include <sys/wait.h>

int main(void) {
  int p[2]; pipe(p);
  struct pollfd f[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
  int r = poll(f, 2, 0); printf("empty: n %d in %#x out %#x\n", r, f[0].revents, f[1].revents);
  write(p[1], "x", 1); r = poll(f, 2, 0); printf("data: n %d in %#x\n", r, f[0].revents);
  struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
  char c; read(p[0], &c, 1); f[1].events = 0; r = poll(f, 2, 30);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("timeout: n %d waited >= 30ms %d\n", r, (b.tv_sec - a.tv_sec) * 1000000000L + b.tv_nsec - a.tv_nsec >= 30000000L);
  close(p[1]); r = poll(f, 1, 100); printf("writer closed: n %d revents %#x\n", r, f[0].revents);
  struct pollfd bad = {999, POLLIN, 0}; r = poll(&bad, 1, 0); printf("bad fd: n %d revents %#x\n", r, bad.revents);
  struct pollfd neg = {-1, POLLIN, 7}; r = poll(&neg, 1, 0); printf("negative fd ignored: n %d revents %d\n", r, neg.revents);
  close(p[0]);
  pipe(p); fd_set rs, ws; FD_ZERO(&rs); FD_ZERO(&ws); FD_SET(p[0], &rs); FD_SET(p[1], &ws);
  struct timeval tv = {0, 0}; r = select(p[1] + 1, &rs, &ws, NULL, &tv);
  printf("select: n %d read %d write %d\n", r, FD_ISSET(p[0], &rs), FD_ISSET(p[1], &ws));
  sigset_t none; sigemptyset(&none); struct timespec ts = {0, 1000000};
  f[0].fd = p[0]; f[0].events = POLLIN; r = ppoll(f, 1, &ts, &none); printf("ppoll timeout n %d\n", r);
  CHECK_ERR(poll(f, 1u << 30, 0), EINVAL);
  /* Many descriptors (more than the kernel's first buffer holds), at once and asleep. */
  enum { NP = 50 };
  int ps[NP][2]; struct pollfd m[2 * NP];
  for (int i = 0; i < NP; i++) { CHECK_OK(pipe(ps[i])); m[2 * i] = (struct pollfd){ps[i][0], POLLIN, 0}; m[2 * i + 1] = (struct pollfd){ps[i][1], POLLOUT, 0}; }
  write(ps[37][1], "y", 1);
  r = poll(m, 2 * NP, 0);
  int ins = 0; for (int i = 0; i < NP; i++) ins += m[2 * i].revents != 0;
  printf("100 fds: n %d readable %d (#37 %#x) writable end %#x\n", r, ins, m[74].revents, m[75].revents);
  read(ps[37][0], &c, 1);
  for (int i = 0; i < NP; i++) m[2 * i + 1].events = 0;
  if (fork() == 0) { struct timespec d = {0, 20000000}; nanosleep(&d, NULL); write(ps[12][1], "z", 1); _exit(0); }
  r = poll(m, 2 * NP, 5000);
  ins = -1; for (int i = 0; i < 2 * NP; i++) if (m[i].revents) { ins = i; break; }
  printf("100 fds asleep: n %d first %d revents %#x\n", r, ins, ins >= 0 ? m[ins].revents : 0);
  wait(NULL);
  return finish();
}
