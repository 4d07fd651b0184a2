/* Two threads increment one counter with compare-and-swap (an lr.d/sc.d loop): none of
 * the increments may be lost. A thread switched out between its lr and its sc must find
 * its reservation gone when it resumes (Linux clears it on every return to user space),
 * else its sc overwrites what the other thread did meanwhile. */
#include "common.h"
#include <pthread.h>

#define N 1000000
static long counter;

static void *work(void *arg) {
  (void)arg;
  for (int i = 0; i < N; i++) {
    long old = __atomic_load_n(&counter, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(&counter, &old, old + 1, 1, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {}
  }
  return NULL;
}

int main(void) {
  pthread_t a, b;
  CHECK(pthread_create(&a, NULL, work, NULL) == 0);
  CHECK(pthread_create(&b, NULL, work, NULL) == 0);
  CHECK(pthread_join(a, NULL) == 0);
  CHECK(pthread_join(b, NULL) == 0);
  printf("counter %ld of %d\n", counter, 2 * N);
  CHECK(counter == 2L * N);
  return finish();
}
