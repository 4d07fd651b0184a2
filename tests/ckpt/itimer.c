/* CPU interval timers armed over a checkpoint: arm ITIMER_VIRTUAL (20 ms of CPU time)
 * and ITIMER_PROF (30 ms), print "armed", block reading a line on stdin (the checkpoint
 * is taken here, before either expires), then spin until both handlers ran. The spin is
 * bounded (far more CPU than 30 ms) so a timer that never fires ends in "not fired".
 * tests/checkpoint.test.mjs runs it before a checkpoint and after a restore. */
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t vt, prof;
static void on_vt(int s) { (void)s; vt++; }
static void on_prof(int s) { (void)s; prof++; }

int main(void) {
  signal(SIGVTALRM, on_vt);
  signal(SIGPROF, on_prof);
  struct itimerval v = { { 0, 0 }, { 0, 20000 } }, p = { { 0, 0 }, { 0, 30000 } };
  if (setitimer(ITIMER_VIRTUAL, &v, NULL) != 0 || setitimer(ITIMER_PROF, &p, NULL) != 0) { perror("setitimer"); return 1; }
  printf("armed\n");
  fflush(stdout);
  char line[64];
  if (fgets(line, sizeof line, stdin) == NULL) return 2;
  volatile unsigned long n = 0;
  while ((!vt || !prof) && n < 100000000UL) n++;
  if (vt && prof) printf("fired: vtalrm %d prof %d\n", (int)vt, (int)prof);
  else printf("not fired: vtalrm %d prof %d\n", (int)vt, (int)prof);
  return 0;
}
