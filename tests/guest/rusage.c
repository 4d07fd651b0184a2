/* getrusage (RUSAGE_SELF, RUSAGE_CHILDREN, RUSAGE_THREAD) and times: CPU time grows with
 * work, children's time shows up only once they are waited for, wait4 reports the
 * child's usage, times() counts clock ticks. Only relations are printed: the amounts
 * differ between machines. */
#include "common.h"
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>

static volatile unsigned long sink;
static void burn(long n) { for (long i = 0; i < n; i++) sink += i ^ (sink >> 3); }
static long us(struct timeval tv) { return tv.tv_sec * 1000000L + tv.tv_usec; }

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  struct rusage a, b, th, ch;
  CHECK_OK(getrusage(RUSAGE_SELF, &a));
  burn(20000000);
  CHECK_OK(getrusage(RUSAGE_SELF, &b));
  CHECK_OK(getrusage(RUSAGE_THREAD, &th));
  printf("self utime grows %d\n", us(b.ru_utime) > us(a.ru_utime));
  printf("thread utime > 0 %d, <= self %d\n", us(th.ru_utime) > 0, us(th.ru_utime) <= us(b.ru_utime) + us(b.ru_stime));
  printf("self maxrss > 0 %d\n", b.ru_maxrss > 0);
  printf("usec < 1e6 %d\n", b.ru_utime.tv_usec < 1000000 && b.ru_stime.tv_usec < 1000000);
  CHECK_OK(getrusage(RUSAGE_CHILDREN, &ch));
  printf("children before any child %ld\n", us(ch.ru_utime) + us(ch.ru_stime));
  CHECK_ERR(getrusage(5, &ch), EINVAL);
  CHECK_ERR(getrusage(-2, &ch), EINVAL);

  pid_t pid = fork();
  if (pid == 0) { burn(30000000); _exit(0); }
  struct timespec ts = {0, 50 * 1000000};
  nanosleep(&ts, NULL);
  struct rusage wr;
  int st;
  CHECK(wait4(pid, &st, 0, &wr) == pid);
  printf("wait4 rusage utime > 0 %d\n", us(wr.ru_utime) + us(wr.ru_stime) > 0);
  CHECK_OK(getrusage(RUSAGE_CHILDREN, &ch));
  long cu = us(ch.ru_utime) + us(ch.ru_stime);
  printf("children after wait > 0 %d, = wait4's %d\n", cu > 0, cu == us(wr.ru_utime) + us(wr.ru_stime));

  /* a grandchild's time reaches us through the child that waited for it */
  pid = fork();
  if (pid == 0) {
    pid_t g = fork();
    if (g == 0) { burn(30000000); _exit(0); }
    waitpid(g, NULL, 0);
    _exit(0);
  }
  CHECK(waitpid(pid, &st, 0) == pid);
  struct rusage ch2;
  CHECK_OK(getrusage(RUSAGE_CHILDREN, &ch2));
  printf("grandchild counted %d\n", us(ch2.ru_utime) + us(ch2.ru_stime) > cu);

  /* times */
  struct tms t1, t2;
  clock_t c1 = times(&t1);
  struct timespec s2 = {0, 300 * 1000000};
  nanosleep(&s2, NULL);
  clock_t c2 = times(&t2);
  long d = (long)(c2 - c1);
  printf("times advanced 20..100 ticks over 300 ms %d\n", d >= 20 && d <= 100);
  printf("tms cutime > 0 %d, utime+stime > 0 %d\n", t2.tms_cutime + t2.tms_cstime > 0, t2.tms_utime + t2.tms_stime > 0);
  printf("times(NULL) ok %d\n", times(NULL) != (clock_t)-1);
  printf("sysconf(_SC_CLK_TCK) %ld\n", sysconf(_SC_CLK_TCK));
  return finish();
}
