/* Threads: pthread create/join, TLS, mutex and condvar contention, barriers, detached
 * threads, futex timeouts (pthread_cond_timedwait), raw futex operations, thread-group
 * identity (getpid/gettid/getppid), clone3 argument checks. Output is deterministic. */
#include "common.h"
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <linux/futex.h>
#include <time.h>

#define NT 6

static __thread int tls_var = 42;
static __thread char tls_buf[64];
static pid_t main_pid;

static long futex(void *addr, int op, int val, const struct timespec *ts, void *addr2, int val3) {
  return syscall(SYS_futex, addr, op, val, ts, addr2, val3);
}

static void *tls_thread(void *arg) {
  long i = (long)arg;
  int ok = tls_var == 42;   /* initial image, not the main thread's value */
  tls_var = (int)i * 10;
  snprintf(tls_buf, sizeof tls_buf, "thread %ld", i);
  ok = ok && getpid() == main_pid && gettid() != main_pid && getppid() == getppid();
  sched_yield();
  ok = ok && tls_var == (int)i * 10 && strcmp(tls_buf, "thread x") != 0;
  return (void *)(long)(ok ? 100 + i : -1);
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn;

static void *mutex_thread(void *arg) {
  (void)arg;
  for (int i = 0; i < 2000; i++) {
    pthread_mutex_lock(&mu);
    long c = counter;
    if ((i & 63) == 0) sched_yield();
    counter = c + 1;
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

/* Threads take turns in order 0..NT-1 several rounds through one condvar. */
static int order_ok = 1;
static void *turn_thread(void *arg) {
  long me = (long)arg;
  for (int r = 0; r < 20; r++) {
    pthread_mutex_lock(&mu);
    while (turn % NT != me) pthread_cond_wait(&cv, &mu);
    if (turn / NT != r) order_ok = 0;
    turn++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

static pthread_barrier_t bar;
static atomic_int phase_count[4];
static int barrier_ok = 1;
static void *barrier_thread(void *arg) {
  (void)arg;
  for (int p = 0; p < 4; p++) {
    atomic_fetch_add(&phase_count[p], 1);
    pthread_barrier_wait(&bar);
    if (atomic_load(&phase_count[p]) != NT) barrier_ok = 0;
    pthread_barrier_wait(&bar);
  }
  return NULL;
}

static sem_t done_sem;
static atomic_int detached_ran;
static void *detached_thread(void *arg) {
  (void)arg;
  atomic_fetch_add(&detached_ran, 1);
  sem_post(&done_sem);
  return NULL;
}

/* Producer/consumer through semaphores. */
static sem_t items, slots;
static int ring[4], rhead, rtail;
static long consumed_sum;
static void *producer(void *arg) {
  (void)arg;
  for (int i = 1; i <= 500; i++) { sem_wait(&slots); ring[rhead++ % 4] = i; sem_post(&items); }
  return NULL;
}
static void *consumer(void *arg) {
  (void)arg;
  for (int i = 1; i <= 500; i++) { sem_wait(&items); consumed_sum += ring[rtail++ % 4]; sem_post(&slots); }
  return NULL;
}

static int futex_word;
static void *futex_waker(void *arg) {
  (void)arg;
  struct timespec d = {0, 20 * 1000 * 1000};
  nanosleep(&d, NULL);
  __atomic_store_n(&futex_word, 1, __ATOMIC_SEQ_CST);
  futex(&futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  return NULL;
}

static int rq_a, rq_b;
static atomic_int rq_woken;
static void *rq_waiter(void *arg) {
  (void)arg;
  long r = futex(&rq_a, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
  if (r == 0) atomic_fetch_add(&rq_woken, 1);
  return NULL;
}

/* How many waiters sleep on addr (requeueing them onto the same futex counts them). */
static long waiters_on(int *addr, int val) {
  return futex(addr, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(long)0x7fffffff, addr, val);
}
static void wait_for_waiters(int *addr, int val, int n) {
  struct timespec d = {0, 1000 * 1000};
  for (int i = 0; i < 5000 && waiters_on(addr, val) != n; i++) nanosleep(&d, NULL);
}

int main(void) {
  main_pid = getpid();
  CHECK(gettid() == main_pid);

  /* create/join, TLS, return values */
  pthread_t th[NT];
  for (long i = 0; i < NT; i++) CHECK(pthread_create(&th[i], NULL, tls_thread, (void *)i) == 0);
  long sum = 0;
  for (int i = 0; i < NT; i++) { void *rv; CHECK(pthread_join(th[i], &rv) == 0); sum += (long)rv; }
  printf("join: sum of results %ld, main tls %d\n", sum, tls_var);
  CHECK(sum == NT * 100 + NT * (NT - 1) / 2);

  /* mutex contention */
  for (long i = 0; i < NT; i++) pthread_create(&th[i], NULL, mutex_thread, NULL);
  for (int i = 0; i < NT; i++) pthread_join(th[i], NULL);
  printf("mutex: counter %ld\n", counter);
  CHECK(counter == NT * 2000);

  /* condvar turn taking */
  for (long i = 0; i < NT; i++) pthread_create(&th[i], NULL, turn_thread, (void *)i);
  for (int i = 0; i < NT; i++) pthread_join(th[i], NULL);
  printf("condvar: turns %d, in order %d\n", turn, order_ok);
  CHECK(turn == NT * 20 && order_ok);

  /* barrier */
  pthread_barrier_init(&bar, NULL, NT);
  for (long i = 0; i < NT; i++) pthread_create(&th[i], NULL, barrier_thread, NULL);
  for (int i = 0; i < NT; i++) pthread_join(th[i], NULL);
  pthread_barrier_destroy(&bar);
  printf("barrier: ok %d\n", barrier_ok);
  CHECK(barrier_ok);

  /* detached threads */
  sem_init(&done_sem, 0, 0);
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  for (int i = 0; i < NT; i++) { pthread_t d; CHECK(pthread_create(&d, &at, detached_thread, NULL) == 0); }
  for (int i = 0; i < NT; i++) sem_wait(&done_sem);
  printf("detached: ran %d\n", atomic_load(&detached_ran));
  CHECK(atomic_load(&detached_ran) == NT);

  /* semaphores */
  sem_init(&items, 0, 0); sem_init(&slots, 0, 4);
  pthread_t pr, co;
  pthread_create(&pr, NULL, producer, NULL); pthread_create(&co, NULL, consumer, NULL);
  pthread_join(pr, NULL); pthread_join(co, NULL);
  printf("semaphores: sum %ld\n", consumed_sum);
  CHECK(consumed_sum == 500 * 501 / 2);

  /* pthread_cond_timedwait times out (CLOCK_REALTIME absolute) */
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += 30 * 1000 * 1000;
  if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
  pthread_mutex_lock(&mu);
  int r = pthread_cond_timedwait(&cv, &mu, &ts);
  pthread_mutex_unlock(&mu);
  printf("cond_timedwait: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : "other");
  CHECK(r == ETIMEDOUT);
  /* and with CLOCK_MONOTONIC */
  pthread_condattr_t ca; pthread_cond_t cv2;
  pthread_condattr_init(&ca); pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&cv2, &ca);
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ts.tv_nsec += 10 * 1000 * 1000;
  if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
  pthread_mutex_lock(&mu);
  r = pthread_cond_timedwait(&cv2, &mu, &ts);
  pthread_mutex_unlock(&mu);
  printf("cond_timedwait monotonic: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : "other");
  CHECK(r == ETIMEDOUT);
  /* pthread_mutex_timedlock on a held mutex */
  pthread_mutex_t m2 = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&m2);
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += 10 * 1000 * 1000;
  if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
  printf("mutex_timedlock (self-held): %s\n", pthread_mutex_timedlock(&m2, &ts) == ETIMEDOUT ? "ETIMEDOUT" : "other");

  /* raw futex: EAGAIN, ETIMEDOUT, EINVAL, wake */
  int w = 5;
  struct timespec rel = {0, 5 * 1000 * 1000};
  CHECK_ERR(futex(&w, FUTEX_WAIT_PRIVATE, 6, NULL, NULL, 0), EAGAIN);
  CHECK_ERR(futex(&w, FUTEX_WAIT_PRIVATE, 5, &rel, NULL, 0), ETIMEDOUT);
  CHECK_ERR(futex(&w, FUTEX_WAIT, 5, &rel, NULL, 0), ETIMEDOUT);
  CHECK_ERR(futex((char *)&w + 1, FUTEX_WAIT_PRIVATE, 5, &rel, NULL, 0), EINVAL);
  CHECK_ERR(futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 5, &rel, NULL, 0), EINVAL);  /* bitset 0 */
  struct timespec bad = {0, 1000000000};
  CHECK_ERR(futex(&w, FUTEX_WAIT_PRIVATE, 5, &bad, NULL, 0), EINVAL);
  CHECK_ERR(futex(&w, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 5, &rel, NULL, 0), ENOSYS);
  CHECK_ERR(futex(&w, 99, 5, NULL, NULL, 0), ENOSYS);
  CHECK_ERR(futex((void *)8, FUTEX_WAIT_PRIVATE, 5, NULL, NULL, 0), EFAULT);
  struct timespec past = {1, 0};
  CHECK_ERR(futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 5, &past, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
  CHECK_ERR(futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 4, &past, NULL, FUTEX_BITSET_MATCH_ANY), EAGAIN);
  printf("futex wake with no waiters: %ld\n", futex(&w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
  CHECK_ERR(futex(&w, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0), EINVAL);

  pthread_t wk;
  pthread_create(&wk, NULL, futex_waker, NULL);
  long fr;
  do fr = futex(&futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0); while (fr == -1 && errno == EINTR);
  pthread_join(wk, NULL);
  printf("futex wait woken: word %d\n", futex_word);

  /* requeue: 4 waiters on rq_a; wake 1, move 3 to rq_b, then wake them there */
  for (long i = 0; i < 4; i++) pthread_create(&th[i], NULL, rq_waiter, NULL);
  wait_for_waiters(&rq_a, 0, 4);
  long n1 = futex(&rq_a, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  struct timespec d = {0, 20 * 1000 * 1000};
  CHECK_ERR(futex(&rq_a, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)3L, &rq_b, 1), EAGAIN);
  long moved = futex(&rq_a, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)3L, &rq_b, 0);
  long left_a = futex(&rq_a, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0);
  long woken_b = futex(&rq_b, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0);
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  printf("requeue: woke %ld, moved %ld, left on a %ld, woken on b %ld, returned 0: %d\n", n1, moved, left_a, woken_b, atomic_load(&rq_woken));

  /* wake_op: *b = 7 (old 0); wake on a, and on b if old == 0 */
  rq_b = 0;
  for (long i = 0; i < 2; i++) pthread_create(&th[i], NULL, rq_waiter, NULL);
  wait_for_waiters(&rq_a, 0, 2);
  long wo = futex(&rq_a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &rq_b, FUTEX_OP(FUTEX_OP_SET, 7, FUTEX_OP_CMP_EQ, 0));
  printf("wake_op: woke %ld, b now %d\n", wo, rq_b);
  futex(&rq_a, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0);
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  int old = 3; rq_b = 3;
  wo = futex(&rq_a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &rq_b, FUTEX_OP(FUTEX_OP_ADD, 4, FUTEX_OP_CMP_GT, 2));
  printf("wake_op add: returned %ld, b %d (was %d)\n", wo, rq_b, old);
  CHECK_ERR(futex(&rq_a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &rq_b, FUTEX_OP(6, 4, FUTEX_OP_CMP_GT, 2)), ENOSYS);

  /* shared futex across fork in MAP_SHARED memory */
  int *shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  *shm = 0;
  pid_t child = fork();
  if (child == 0) {
    while (__atomic_load_n(shm, __ATOMIC_SEQ_CST) == 0) futex(shm, FUTEX_WAIT, 0, NULL, NULL, 0);
    _exit(*shm == 1 ? 0 : 1);
  }
  for (int i = 0; i < 5000 && futex(shm, FUTEX_CMP_REQUEUE, 0, (void *)0x7fffffffL, shm, 0) != 1; i++) nanosleep(&d, NULL);
  __atomic_store_n(shm, 1, __ATOMIC_SEQ_CST);
  long sw = futex(shm, FUTEX_WAKE, 1, NULL, NULL, 0);
  int st;
  waitpid(child, &st, 0);
  printf("shared futex across fork: woke %ld, child status %d\n", sw, WEXITSTATUS(st));
  /* the private key of the same word is another futex */
  child = fork();
  if (child == 0) { futex(shm, FUTEX_WAIT, 1, NULL, NULL, 0); _exit(0); }
  for (int i = 0; i < 5000 && futex(shm, FUTEX_CMP_REQUEUE, 0, (void *)0x7fffffffL, shm, 1) != 1; i++) nanosleep(&d, NULL);
  printf("private wake of a shared waiter: %ld\n", futex(shm, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
  printf("shared wake: %ld\n", futex(shm, FUTEX_WAKE, 1, NULL, NULL, 0));
  waitpid(child, &st, 0);

  printf("PASSED: %d failure(s)\n", failures);
  return failures != 0;
}
