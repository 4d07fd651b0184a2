/* Compiled by gcc inside the guest: threads, a mutex and a condition variable. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define N 4
static long total;
static int done;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void *work(void *arg) {
  long id = (long)arg, sum = 0;
  for (long i = 0; i < 100000; i++) sum += i % (id + 2);
  pthread_mutex_lock(&m);
  total += sum;
  done++;
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&m);
  return (void *)(sum & 0xff);
}

int main(void) {
  pthread_t th[N];
  for (long i = 0; i < N; i++) pthread_create(&th[i], NULL, work, (void *)i);
  pthread_mutex_lock(&m);
  while (done < N) pthread_cond_wait(&cv, &m);
  pthread_mutex_unlock(&m);
  for (int i = 0; i < N; i++) { void *r; pthread_join(th[i], &r); printf("thread %d -> %ld\n", i, (long)r); }
  printf("total %ld\n", total);
  return 0;
}
