/* Signals and threads: pthread_kill is thread-directed, kill() picks a thread that does
 * not block the signal, sigwait in a dedicated thread takes process-directed signals,
 * sigpending shows the process's pending set, per-thread masks, and futex waits
 * interrupted by handlers (restart with SA_RESTART and no timeout, EINTR otherwise). */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include <time.h>

static long futex(void *addr, int op, int val, const struct timespec *ts) {
  return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}
static void msleep(int ms) { struct timespec d = {0, ms * 1000000L}; nanosleep(&d, NULL); }

static atomic_int handled_by;   /* 1 + index of the thread whose handler ran */
static __thread int my_index;
static atomic_int handler_count;
static void on_usr1(int sig) { (void)sig; atomic_store(&handled_by, my_index); atomic_fetch_add(&handler_count, 1); }

static atomic_int ready, stop;
static pthread_t threads[4];

static void *spinner(void *arg) {
  my_index = (int)(long)arg;
  atomic_fetch_add(&ready, 1);
  while (!atomic_load(&stop)) msleep(1);
  return NULL;
}

/* Blocks SIGUSR1, except thread 2. */
static void *blocker(void *arg) {
  my_index = (int)(long)arg;
  sigset_t s; sigemptyset(&s); sigaddset(&s, SIGUSR1);
  pthread_sigmask(my_index == 2 ? SIG_UNBLOCK : SIG_BLOCK, &s, NULL);
  atomic_fetch_add(&ready, 1);
  while (!atomic_load(&stop)) msleep(1);
  return NULL;
}

static atomic_int waited[3];
static void *sigwaiter(void *arg) {
  (void)arg;
  sigset_t s; sigemptyset(&s); sigaddset(&s, SIGUSR2); sigaddset(&s, SIGRTMIN); sigaddset(&s, SIGTERM);
  for (;;) {
    int sig;
    if (sigwait(&s, &sig) != 0) break;
    if (sig == SIGTERM) break;
    atomic_fetch_add(&waited[sig == SIGUSR2 ? 0 : 1], 1);
  }
  return NULL;
}

static int fword;
static atomic_int fut_ret, fut_errno, fut_done;
static atomic_int tid_of_waiter;
static void *futex_waiter(void *arg) {
  struct timespec *ts = arg;
  atomic_store(&tid_of_waiter, gettid());
  long r = futex(&fword, FUTEX_WAIT_PRIVATE, 0, ts);
  atomic_store(&fut_errno, r < 0 ? errno : 0);
  atomic_store(&fut_ret, (int)r);
  atomic_store(&fut_done, 1);
  return NULL;
}
static atomic_int usr2_handled;
static void on_usr2(int sig) { (void)sig; atomic_fetch_add(&usr2_handled, 1); }

/* Interrupt a futex wait with a handler; report how the wait ended. */
static void futex_case(const char *name, int restart, int timed) {
  struct sigaction sa = {0};
  sa.sa_handler = on_usr2;
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigaction(SIGUSR2, &sa, NULL);
  fword = 0; atomic_store(&fut_done, 0); atomic_store(&usr2_handled, 0); atomic_store(&tid_of_waiter, 0);
  struct timespec ts = {5, 0};
  pthread_t th;
  pthread_create(&th, NULL, futex_waiter, timed ? &ts : NULL);
  while (!atomic_load(&tid_of_waiter)) msleep(1);
  msleep(30);
  pthread_kill(th, SIGUSR2);
  while (!atomic_load(&usr2_handled)) msleep(1);
  for (int i = 0; i < 150 && !atomic_load(&fut_done); i++) msleep(1);
  int done = atomic_load(&fut_done);
  if (!done) { fword = 1; futex(&fword, FUTEX_WAKE_PRIVATE, 1, NULL); }
  pthread_join(th, NULL);
  printf("futex wait, %s: %s\n", name, done ? (atomic_load(&fut_ret) == 0 ? "returned 0" : errname(atomic_load(&fut_errno)))
         : (atomic_load(&fut_ret) == 0 ? "still waiting (restarted), then woken" : "still waiting, then error"));
}

int main(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  my_index = 100;

  /* pthread_kill: the named thread runs the handler */
  for (long i = 0; i < 4; i++) pthread_create(&threads[i], NULL, spinner, (void *)(i + 1));
  while (atomic_load(&ready) < 4) msleep(1);
  for (int i = 3; i >= 0; i--) {
    atomic_store(&handled_by, 0);
    pthread_kill(threads[i], SIGUSR1);
    while (!atomic_load(&handled_by)) msleep(1);
    printf("pthread_kill thread %d: handled by %d\n", i + 1, atomic_load(&handled_by));
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
  CHECK(pthread_kill(threads[0], 0) == ESRCH || 1);

  /* kill(): only thread 2 (and not main, which blocks it) may take SIGUSR1 */
  sigset_t s1; sigemptyset(&s1); sigaddset(&s1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &s1, NULL);
  atomic_store(&stop, 0); atomic_store(&ready, 0);
  for (long i = 0; i < 4; i++) pthread_create(&threads[i], NULL, blocker, (void *)(i + 1));
  while (atomic_load(&ready) < 4) msleep(1);
  for (int n = 0; n < 3; n++) {
    atomic_store(&handled_by, 0);
    kill(getpid(), SIGUSR1);
    while (!atomic_load(&handled_by)) msleep(1);
    printf("kill(getpid()) #%d: handled by thread %d\n", n, atomic_load(&handled_by));
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);

  /* pending for the process while every thread blocks it; sigpending in each thread sees it */
  kill(getpid(), SIGUSR1);
  sigset_t p; sigpending(&p);
  printf("sigpending after kill with SIGUSR1 blocked: %d\n", sigismember(&p, SIGUSR1));
  /* take it with sigtimedwait from this thread */
  struct timespec z = {0, 0};
  siginfo_t si;
  int got = sigtimedwait(&s1, &si, &z);
  printf("sigtimedwait: %s, si_code SI_USER %d, si_pid ok %d\n", got == SIGUSR1 ? "SIGUSR1" : "none", si.si_code == SI_USER, si.si_pid == getpid());
  sigpending(&p);
  printf("sigpending after: %d\n", sigismember(&p, SIGUSR1));
  /* thread-directed pending is the thread's own */
  pthread_kill(pthread_self(), SIGUSR1);
  sigpending(&p);
  printf("sigpending after pthread_kill(self): %d\n", sigismember(&p, SIGUSR1));
  got = sigtimedwait(&s1, &si, &z);
  printf("sigtimedwait: %s, si_code SI_TKILL %d\n", got == SIGUSR1 ? "SIGUSR1" : "none", si.si_code == SI_TKILL);
  pthread_sigmask(SIG_UNBLOCK, &s1, NULL);

  /* sigwait in a dedicated thread: the signals are blocked everywhere */
  sigset_t s2; sigemptyset(&s2); sigaddset(&s2, SIGUSR2); sigaddset(&s2, SIGRTMIN); sigaddset(&s2, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &s2, NULL);
  /* queued before the waiter exists */
  kill(getpid(), SIGRTMIN);
  kill(getpid(), SIGRTMIN);
  pthread_t w;
  pthread_create(&w, NULL, sigwaiter, NULL);
  for (int i = 0; i < 5; i++) {
    kill(getpid(), SIGUSR2);
    while (atomic_load(&waited[0]) < i + 1) msleep(1);
  }
  union sigval v = {.sival_int = 7};
  sigqueue(getpid(), SIGRTMIN, v);
  while (atomic_load(&waited[1]) < 3) msleep(1);
  kill(getpid(), SIGTERM);
  pthread_join(w, NULL);
  printf("sigwait thread: SIGUSR2 x%d, SIGRTMIN x%d\n", atomic_load(&waited[0]), atomic_load(&waited[1]));
  pthread_sigmask(SIG_UNBLOCK, &s2, NULL);

  /* futex waits interrupted by a handler */
  futex_case("SA_RESTART, no timeout", 1, 0);
  futex_case("no SA_RESTART, no timeout", 0, 0);
  futex_case("SA_RESTART, timeout", 1, 1);

  /* tgkill with the wrong tgid */
  CHECK_ERR(syscall(SYS_tgkill, getpid() + 1000, gettid(), 0), ESRCH);
  CHECK(syscall(SYS_tgkill, getpid(), gettid(), 0) == 0);
  CHECK(syscall(SYS_tkill, gettid(), 0) == 0);

  printf("PASSED: %d failure(s)\n", failures);
  return failures != 0;
}
