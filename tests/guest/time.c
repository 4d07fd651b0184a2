/* Clocks: only what is deterministic is printed — monotonicity, resolutions,
 * that sleeps last at least as long as asked, agreement between interfaces,
 * and the errors of bad arguments. */
#include "common.h"
#include <time.h>
#include <sys/time.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void) {
  struct timespec a, b, r;
  clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
                        CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME};
  const char *names[] = {"REALTIME", "MONOTONIC", "PROCESS_CPUTIME", "THREAD_CPUTIME", "MONOTONIC_RAW",
                         "REALTIME_COARSE", "MONOTONIC_COARSE", "BOOTTIME"};
  for (int i = 0; i < 8; i++) {
    int ok = clock_gettime(clocks[i], &a) == 0 && a.tv_nsec >= 0 && a.tv_nsec < 1000000000;
    int mono = 1;
    for (int k = 0; k < 1000; k++) { clock_gettime(clocks[i], &b); if (ns(b) < ns(a)) mono = 0; a = b; }
    int rok = clock_getres(clocks[i], &r) == 0;
    int fine = rok && r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 10000000;  /* coarse clocks: a tick */
    printf("%-16s gettime %d nondecreasing %d res ok %d\n", names[i], ok, i < 2 || i >= 4 ? mono : 1, fine);
    CHECK(ok && fine);
  }
  CHECK(clock_getres(CLOCK_MONOTONIC, &r) == 0); printf("MONOTONIC res %ld ns\n", r.tv_nsec);
  CHECK_ERR(clock_gettime((clockid_t)99, &a), EINVAL);
  CHECK_ERR(clock_getres((clockid_t)99, &a), EINVAL);
  /* realtime agrees with gettimeofday and time() */
  struct timeval tv; CHECK_OK(gettimeofday(&tv, NULL)); clock_gettime(CLOCK_REALTIME, &a); time_t t = time(NULL);
  long long d = ns(a) - (tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL);
  printf("gettimeofday vs REALTIME within 1s %d, time() within 1s %d, after 2020 %d\n",
         d >= 0 && d < 1000000000LL, llabs((long long)t - a.tv_sec) <= 1, t > 1577836800);
  /* sleeps */
  struct timespec req = {0, 10 * 1000000}, rem = {7, 7};
  clock_gettime(CLOCK_MONOTONIC, &a); CHECK_OK(nanosleep(&req, &rem)); clock_gettime(CLOCK_MONOTONIC, &b);
  printf("nanosleep 10ms took >= 10ms %d\n", ns(b) - ns(a) >= 10000000LL); CHECK(ns(b) - ns(a) >= 10000000LL);
  clock_gettime(CLOCK_MONOTONIC, &a); CHECK_OK(usleep(20000)); clock_gettime(CLOCK_MONOTONIC, &b);
  printf("usleep 20ms took >= 20ms %d\n", ns(b) - ns(a) >= 20000000LL);
  /* absolute clock_nanosleep */
  clock_gettime(CLOCK_MONOTONIC, &a); struct timespec until = a; until.tv_nsec += 15000000;
  if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
  int e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL); clock_gettime(CLOCK_MONOTONIC, &b);
  printf("clock_nanosleep abs ret %d reached %d\n", e, ns(b) >= ns(until));
  /* a zero sleep returns at once; bad arguments */
  req.tv_sec = 0; req.tv_nsec = 0; CHECK_OK(nanosleep(&req, NULL));
  req.tv_nsec = 1000000000; CHECK_ERR(nanosleep(&req, NULL), EINVAL);
  req.tv_sec = -1; req.tv_nsec = 0; CHECK_ERR(nanosleep(&req, NULL), EINVAL);
  printf("clock_nanosleep bad clock %s\n", errname(clock_nanosleep((clockid_t)99, 0, &req, NULL)));
  /* CPU time grows with work */
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a); volatile double x = 0; for (int i = 0; i < 3000000; i++) x += i;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b); printf("cputime grew %d\n", ns(b) > ns(a));
  struct tm tm; time_t fixed = 1700000000; gmtime_r(&fixed, &tm); char s[64]; strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S %a %j", &tm);
  printf("gmtime(1700000000) %s mktime-ish %ld\n", s, (long)timegm(&tm));
  return finish();
}
