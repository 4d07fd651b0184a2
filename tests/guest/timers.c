/* POSIX timers (SIGEV_SIGNAL with si_value, SIGEV_NONE, SIGEV_THREAD_ID, intervals and
 * overruns, TIMER_ABSTIME, errors) and clock_nanosleep with TIMER_ABSTIME. */
#include "common.h"
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>

static long ms_since(struct timespec *a) {
  struct timespec b; clock_gettime(CLOCK_MONOTONIC, &b);
  return (b.tv_sec - a->tv_sec) * 1000L + (b.tv_nsec - a->tv_nsec) / 1000000L;
}

static volatile int hits, last_code, last_int, last_signo;
static void on_sig(int sig, siginfo_t *si, void *uc) {
  (void)uc; hits++; last_signo = sig; last_code = si->si_code; last_int = si->si_value.sival_int;
}

int main(void) {
  struct timespec a, t;

  /* clock_nanosleep */
  clock_gettime(CLOCK_MONOTONIC, &a);
  t = a; t.tv_nsec += 40000000; if (t.tv_nsec >= 1000000000L) { t.tv_sec++; t.tv_nsec -= 1000000000L; }
  int e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
  struct timespec b; clock_gettime(CLOCK_MONOTONIC, &b);
  printf("abs monotonic: %d reached deadline %d\n", e, b.tv_sec > t.tv_sec || (b.tv_sec == t.tv_sec && b.tv_nsec >= t.tv_nsec));
  clock_gettime(CLOCK_REALTIME, &t);
  t.tv_nsec += 30000000; if (t.tv_nsec >= 1000000000L) { t.tv_sec++; t.tv_nsec -= 1000000000L; }
  e = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t, NULL);
  clock_gettime(CLOCK_REALTIME, &b);
  printf("abs realtime: %d reached deadline %d\n", e, b.tv_sec > t.tv_sec || (b.tv_sec == t.tv_sec && b.tv_nsec >= t.tv_nsec));
  t.tv_sec -= 10;
  clock_gettime(CLOCK_MONOTONIC, &a);
  e = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t, NULL);
  printf("abs in the past: %d quick %d\n", e, ms_since(&a) < 1000);
  t.tv_nsec = 1000000000L;
  printf("bad nsec: %s\n", errname(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL)));
  t.tv_nsec = 0;
  printf("thread cputime: %s\n", errname(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, TIMER_ABSTIME, &t, NULL)));
  printf("bad clock: %s\n", errname(clock_nanosleep(77, 0, &t, NULL)));

  /* SIGEV_SIGNAL with a value, one-shot */
  struct sigaction sa = {0}; sa.sa_sigaction = on_sig; sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL); sigaction(SIGALRM, &sa, NULL); sigaction(SIGRTMIN, &sa, NULL);
  timer_t tm;
  struct sigevent sev = {0};
  sev.sigev_notify = SIGEV_SIGNAL; sev.sigev_signo = SIGUSR1; sev.sigev_value.sival_int = 4242;
  CHECK_OK(timer_create(CLOCK_MONOTONIC, &sev, &tm));
  struct itimerspec its = {{0, 0}, {0, 20000000}}, cur;
  sigset_t blk, old; sigemptyset(&blk); sigaddset(&blk, SIGUSR1); sigaddset(&blk, SIGALRM); sigaddset(&blk, SIGRTMIN);
  sigprocmask(SIG_BLOCK, &blk, &old);
  CHECK_OK(timer_settime(tm, 0, &its, NULL));
  timer_gettime(tm, &cur);
  printf("armed: remaining in (0, 20ms] %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 20000000);
  sigset_t none; sigemptyset(&none);
  while (hits == 0) sigsuspend(&none);
  printf("one-shot: hits %d signo %d code SI_TIMER %d value %d\n", hits, last_signo, last_code == SI_TIMER, last_int);
  timer_gettime(tm, &cur);
  printf("expired: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
  printf("overrun %d\n", timer_getoverrun(tm));

  /* periodic, signal blocked: overruns pile up on the queued signal */
  its.it_value.tv_nsec = 5000000; its.it_interval.tv_nsec = 5000000;
  CHECK_OK(timer_settime(tm, 0, &its, NULL));
  struct timespec nap = {0, 60000000}; nanosleep(&nap, NULL);
  siginfo_t si;
  int s = sigwaitinfo(&blk, &si);
  printf("periodic: signo %d code SI_TIMER %d value %d overrun >= 5 %d\n", s, si.si_code == SI_TIMER, si.si_value.sival_int, si.si_overrun >= 5);
  printf("getoverrun >= 5 %d\n", timer_getoverrun(tm) >= 5);
  timer_gettime(tm, &cur);
  printf("periodic gettime: interval %ld remaining <= 5ms %d\n", cur.it_interval.tv_nsec, cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 5000000);
  struct itimerspec zero = {{0, 0}, {0, 0}};
  CHECK_OK(timer_settime(tm, 0, &zero, &cur));
  printf("disarm: old interval %ld\n", cur.it_interval.tv_nsec);
  s = sigtimedwait(&blk, &si, &(struct timespec){0, 0});
  if (s > 0) s = sigtimedwait(&blk, &si, &(struct timespec){0, 0}); /* at most one expiry raced the disarm */
  printf("nothing more queued: %d\n", s);
  CHECK_OK(timer_delete(tm));
  CHECK_ERR(timer_gettime(tm, &cur), EINVAL);
  CHECK_ERR(timer_settime(tm, 0, &its, NULL), EINVAL);
  CHECK_ERR(timer_delete(tm), EINVAL);
  CHECK_ERR(timer_getoverrun(tm), EINVAL);

  /* default sigevent: SIGALRM with the timer id as value; TIMER_ABSTIME on CLOCK_REALTIME */
  hits = 0;
  CHECK_OK(timer_create(CLOCK_REALTIME, NULL, &tm));
  clock_gettime(CLOCK_REALTIME, &its.it_value); its.it_interval.tv_nsec = 0;
  its.it_value.tv_nsec += 20000000; if (its.it_value.tv_nsec >= 1000000000L) { its.it_value.tv_sec++; its.it_value.tv_nsec -= 1000000000L; }
  CHECK_OK(timer_settime(tm, TIMER_ABSTIME, &its, NULL));
  s = sigwaitinfo(&blk, &si);
  printf("default: signo %d code SI_TIMER %d\n", s, si.si_code == SI_TIMER);
  timer_delete(tm);

  /* SIGEV_NONE: no signal, gettime counts down */
  sev.sigev_notify = SIGEV_NONE;
  CHECK_OK(timer_create(CLOCK_MONOTONIC, &sev, &tm));
  its.it_value.tv_sec = 10; its.it_value.tv_nsec = 0;
  timer_settime(tm, 0, &its, NULL);
  timer_gettime(tm, &cur);
  printf("none: remaining in (9s, 10s] %d\n", cur.it_value.tv_sec == 9 || (cur.it_value.tv_sec == 10 && cur.it_value.tv_nsec == 0));
  its.it_value.tv_sec = 0; its.it_value.tv_nsec = 1000000;
  timer_settime(tm, 0, &its, NULL);
  nanosleep(&(struct timespec){0, 5000000}, NULL);
  timer_gettime(tm, &cur);
  printf("none expired: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
  timer_delete(tm);

  /* SIGEV_THREAD_ID to ourselves */
  sev.sigev_notify = SIGEV_THREAD_ID; sev.sigev_signo = SIGRTMIN; sev.sigev_value.sival_int = 77;
  sev._sigev_un._tid = gettid();
  CHECK_OK(timer_create(CLOCK_MONOTONIC, &sev, &tm));
  its.it_value.tv_nsec = 10000000;
  timer_settime(tm, 0, &its, NULL);
  s = sigwaitinfo(&blk, &si);
  printf("thread id: signo is RTMIN %d value %d\n", s == SIGRTMIN, si.si_value.sival_int);
  timer_delete(tm);

  /* errors */
  CHECK_ERR(timer_create(77, NULL, &tm), EINVAL);
  sev.sigev_notify = SIGEV_SIGNAL; sev.sigev_signo = 0;
  CHECK_ERR(timer_create(CLOCK_MONOTONIC, &sev, &tm), EINVAL);
  sev.sigev_signo = 65;
  CHECK_ERR(timer_create(CLOCK_MONOTONIC, &sev, &tm), EINVAL);
  sev.sigev_notify = 99; sev.sigev_signo = SIGUSR1;
  CHECK_ERR(timer_create(CLOCK_MONOTONIC, &sev, &tm), EINVAL);
  sev.sigev_notify = SIGEV_THREAD_ID; sev._sigev_un._tid = 999999;
  CHECK_ERR(timer_create(CLOCK_MONOTONIC, &sev, &tm), EINVAL);
  sev.sigev_notify = SIGEV_SIGNAL;
  CHECK_OK(timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &tm));
  its.it_value.tv_nsec = 1000000000L;
  CHECK_ERR(timer_settime(tm, 0, &its, NULL), EINVAL);
  timer_delete(tm);
  sigprocmask(SIG_SETMASK, &old, NULL);
  return finish();
}
