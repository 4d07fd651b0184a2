/* Run under tuml only: qemu-user has no set_robust_list (ENOSYS), so glibc cleans up
 * after dying threads itself and nobody does after a dying process.
 * Robust futexes: a thread (or process) that dies holding a robust mutex leaves it to
 * the next locker with EOWNERDEAD, also when that locker was already sleeping on it;
 * pthread_mutex_consistent repairs it; a mutex never made consistent becomes
 * ENOTRECOVERABLE. Also get_robust_list and process-shared mutex/condvar across fork. */
#include "common.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <time.h>

static void msleep(int ms) { struct timespec d = {0, ms * 1000000L}; nanosleep(&d, NULL); }

static pthread_mutex_t rm;
static atomic_int locked;

static void *die_holding(void *arg) {
  (void)arg;
  pthread_mutex_lock(&rm);
  atomic_store(&locked, 1);
  msleep((int)(long)arg);
  return NULL;   /* thread exits with the mutex held */
}

static const char *ename(int e) {
  return e == 0 ? "0" : e == EOWNERDEAD ? "EOWNERDEAD" : e == ENOTRECOVERABLE ? "ENOTRECOVERABLE" : errname(e);
}

int main(void) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&rm, &a);

  struct robust_list_head *head; size_t len;
  CHECK(syscall(SYS_get_robust_list, 0, &head, &len) == 0);
  printf("get_robust_list: len %zu, head set %d\n", len, head != NULL);
  CHECK_ERR(syscall(SYS_set_robust_list, head, len + 1), EINVAL);

  /* the owner dies before we try */
  pthread_t t;
  pthread_create(&t, NULL, die_holding, (void *)0L);
  pthread_join(t, NULL);
  int r = pthread_mutex_lock(&rm);
  printf("lock after the owner died: %s\n", ename(r));
  CHECK(r == EOWNERDEAD);
  pthread_mutex_consistent(&rm);
  pthread_mutex_unlock(&rm);
  r = pthread_mutex_lock(&rm);
  printf("lock after consistent: %s\n", ename(r));
  CHECK(r == 0);
  pthread_mutex_unlock(&rm);

  /* we sleep on it while the owner dies: the kernel wakes us */
  atomic_store(&locked, 0);
  pthread_create(&t, NULL, die_holding, (void *)50L);
  while (!atomic_load(&locked)) msleep(1);
  r = pthread_mutex_lock(&rm);
  printf("lock while the owner dies: %s\n", ename(r));
  CHECK(r == EOWNERDEAD);
  pthread_join(t, NULL);
  /* not made consistent: unlocking makes it unrecoverable */
  pthread_mutex_unlock(&rm);
  r = pthread_mutex_lock(&rm);
  printf("lock after unlock without consistent: %s\n", ename(r));

  CHECK(r == ENOTRECOVERABLE);

  /* process-shared robust mutex and condvar in shared memory */
  struct shared { pthread_mutex_t m; pthread_cond_t c; int ready; int value; } *sh =
    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&sh->m, &a);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
  pthread_cond_init(&sh->c, &ca);
  pid_t c = fork();
  if (c == 0) {
    pthread_mutex_lock(&sh->m);
    while (!sh->ready) pthread_cond_wait(&sh->c, &sh->m);
    sh->value = 99;
    _exit(0);   /* dies holding the mutex */
  }
  msleep(20);
  pthread_mutex_lock(&sh->m);
  sh->ready = 1;
  pthread_cond_signal(&sh->c);
  pthread_mutex_unlock(&sh->m);
  int st;
  waitpid(c, &st, 0);
  printf("child status %d\n", WEXITSTATUS(st));
  r = pthread_mutex_lock(&sh->m);
  printf("process-shared: child set %d, lock after it died: %s\n", sh->value, ename(r));
  CHECK(sh->value == 99 && r == EOWNERDEAD);
  if (r == EOWNERDEAD) pthread_mutex_consistent(&sh->m);
  pthread_mutex_unlock(&sh->m);

  printf("PASSED: %d failure(s)\n", failures);
  return failures != 0;
}
