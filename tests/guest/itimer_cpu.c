/* ITIMER_VIRTUAL and ITIMER_PROF: they count the process's CPU time (all threads), not
 * sleep; SIGVTALRM/SIGPROF with si_code SI_KERNEL; intervals; getitimer's view; old values
 * from setitimer; children do not inherit them; bad arguments. */
#include "common.h"
#include <signal.h>
#include <pthread.h>
#include <time.h>
#include <sys/time.h>
#include <sys/wait.h>

static volatile int vt, prof, code;
static void on_sig(int s, siginfo_t *si, void *u) { (void)u; if (s == SIGVTALRM) vt++; else prof++; code = si->si_code; }

static void spin_until(volatile int *c, int n) { while (*c < n) { for (volatile int i = 0; i < 1000; i++) {} } }

static void *worker(void *a) { (void)a; spin_until(&vt, 1); return NULL; }

int main(void) {
  struct sigaction sa = {0};
  sa.sa_sigaction = on_sig; sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGVTALRM, &sa, NULL);
  sigaction(SIGPROF, &sa, NULL);
  struct itimerval v = {{0, 0}, {0, 20000}}, old, cur;
  CHECK_OK(setitimer(ITIMER_VIRTUAL, &v, &old));
  printf("old: %ld.%06ld/%ld.%06ld\n", old.it_value.tv_sec, old.it_value.tv_usec, old.it_interval.tv_sec, old.it_interval.tv_usec);
  CHECK_OK(getitimer(ITIMER_VIRTUAL, &cur));
  int armed = cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 30000;
  printf("armed %d interval %ld\n", armed, cur.it_interval.tv_usec);
  CHECK(armed);
  spin_until(&vt, 1);
  printf("SIGVTALRM %d SI_KERNEL %d\n", vt, code == SI_KERNEL);
  CHECK(code == SI_KERNEL);
  CHECK_OK(getitimer(ITIMER_VIRTUAL, &cur));
  printf("after firing: %ld.%06ld\n", cur.it_value.tv_sec, cur.it_value.tv_usec);

  /* intervals, then disarm through setitimer's old value */
  struct itimerval iv = {{0, 5000}, {0, 5000}};
  CHECK_OK(setitimer(ITIMER_PROF, &iv, NULL));
  spin_until(&prof, 3);
  struct itimerval zero = {{0, 0}, {0, 0}};
  CHECK_OK(setitimer(ITIMER_PROF, &zero, &old));
  printf("SIGPROF x%d, old interval %ld armed %d\n", prof >= 3 ? 3 : prof, old.it_interval.tv_usec, old.it_value.tv_usec > 0);
  CHECK_OK(getitimer(ITIMER_PROF, &cur));
  printf("disarmed: %ld %ld\n", cur.it_value.tv_usec, cur.it_interval.tv_usec);

  /* sleeping takes no CPU time */
  vt = 0;
  v.it_value.tv_usec = 30000;
  CHECK_OK(setitimer(ITIMER_VIRTUAL, &v, NULL));
  struct timespec nap = {0, 150000000};
  nanosleep(&nap, NULL);
  printf("fired while asleep %d\n", vt);
  CHECK(vt == 0);
  /* not inherited by a child */
  pid_t c = fork();
  if (c == 0) {
    getitimer(ITIMER_VIRTUAL, &cur);
    printf("child: %ld.%06ld\n", cur.it_value.tv_sec, cur.it_value.tv_usec);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  /* another thread's CPU time counts */
  pthread_t th;
  pthread_create(&th, NULL, worker, NULL);
  pthread_join(th, NULL);
  printf("fired by the worker's time %d\n", vt);
  CHECK(vt == 1);

  CHECK_ERR(setitimer(5, &v, NULL), EINVAL);
  CHECK_ERR(getitimer(5, &cur), EINVAL);
  v.it_value.tv_usec = 1000000;
  CHECK_ERR(setitimer(ITIMER_VIRTUAL, &v, NULL), EINVAL);
  return finish();
}
