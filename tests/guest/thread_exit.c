/* Thread-group lifetime: exit() of one thread vs exit_group, the main thread leaving
 * with pthread_exit while others run, fatal signals and SIGKILL ending every thread,
 * a stopped group, execve from a non-leader thread (it takes over the pid), children
 * of one thread waited for by another, getppid in threads. */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static void msleep(int ms) { struct timespec d = {0, ms * 1000000L}; nanosleep(&d, NULL); }
static atomic_int go;

static void report(const char *what, int st) {
  if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) printf("%s: killed by signal %d\n", what, WTERMSIG(st));
  else printf("%s: status 0x%x\n", what, st);
}

static void *sleeper(void *arg) { (void)arg; for (;;) msleep(5); return NULL; }

static void *exit_group_thread(void *arg) {
  (void)arg;
  msleep(10);
  exit((int)(long)arg);   /* exit() is exit_group: the whole process ends */
}

static void *last_thread(void *arg) {
  (void)arg;
  while (!atomic_load(&go)) msleep(1);
  msleep(200);
  printf("last thread: getppid matches %d\n", getppid() == (pid_t)(long)arg);
  fflush(stdout);
  /* Only this thread ends; it is the last one. (Linux reports the leader's code, qemu
   * this thread's: they agree on 0.) */
  syscall(SYS_exit, 0);
  return NULL;
}

static void *segv_thread(void *arg) {
  (void)arg;
  msleep(10);
  volatile int *volatile p = (int *)8;
  *p = 1;
  return NULL;
}

static void *kill_thread(void *arg) {
  (void)arg;
  msleep(10);
  kill(getpid(), SIGKILL);
  for (;;) msleep(1);
  return NULL;
}

static char *self_path;
static void *exec_thread(void *arg) {
  (void)arg;
  char pid[32];
  snprintf(pid, sizeof pid, "%d", getpid());
  char *args[] = {"thread_exit", "execed", pid, NULL};
  execv(self_path, args);
  printf("execv failed: %s\n", errname(errno));
  return NULL;
}

static void *counting(void *arg) {
  atomic_int *n = arg;
  for (;;) { atomic_fetch_add(n, 1); msleep(2); }
  return NULL;
}

static pid_t forked_child;
static void *forker(void *arg) {
  (void)arg;
  forked_child = fork();
  if (forked_child == 0) _exit(33);
  return NULL;
}

static void *waiter(void *arg) {
  (void)arg;
  int st;
  pid_t r = wait(&st);
  printf("wait in a thread for main's child: %s, status %d\n", r > 0 ? "ok" : errname(errno), WEXITSTATUS(st));
  return NULL;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "execed") == 0) {
    /* the exec'ing thread took over the process's pid; only one thread remains */
    printf("after exec from a thread: same pid %d, tid == pid %d\n", atoi(argv[2]) == getpid(), gettid() == getpid());
    fflush(stdout);
    return 12;
  }
  self_path = "t/thread_exit";
  int st;
  pid_t c;

  /* 1. exit() from a thread while others run: the process's status is its code */
  c = fork();
  if (c == 0) {
    pthread_t t;
    for (int i = 0; i < 3; i++) pthread_create(&t, NULL, sleeper, NULL);
    pthread_create(&t, NULL, exit_group_thread, (void *)7L);
    for (;;) msleep(5);
  }
  waitpid(c, &st, 0);
  report("exit() from a thread", st);

  /* 2. main thread leaves with pthread_exit; the last thread's SYS_exit ends the process */
  c = fork();
  if (c == 0) {
    pthread_t t;
    pthread_create(&t, NULL, last_thread, (void *)(long)getppid());
    atomic_store(&go, 1);
    pthread_exit(NULL);
  }
  /* the zombie leader is not reported while a thread lives */
  msleep(5);
  pid_t r = waitpid(c, &st, WNOHANG);
  printf("waitpid WNOHANG while a thread lives: %d\n", r);
  waitpid(c, &st, 0);
  report("pthread_exit in main, then the last thread exits", st);

  /* 3. a fault in one thread kills the group */
  c = fork();
  if (c == 0) {
    pthread_t t;
    for (int i = 0; i < 2; i++) pthread_create(&t, NULL, sleeper, NULL);
    pthread_create(&t, NULL, segv_thread, NULL);
    for (;;) msleep(5);
  }
  waitpid(c, &st, 0);
  report("SIGSEGV in a thread", st);

  /* 4. SIGKILL from a thread */
  c = fork();
  if (c == 0) {
    pthread_t t;
    pthread_create(&t, NULL, sleeper, NULL);
    pthread_create(&t, NULL, kill_thread, NULL);
    for (;;) msleep(5);
  }
  waitpid(c, &st, 0);
  report("SIGKILL from a thread", st);

  /* 5. stop and continue a multi-threaded process */
  /* (the child reports ready only once both threads have counted, and after SIGCONT
     both must count on: no outcome depends on how fast threads start) */
  int pfd[2], rfd[2];
  pipe(pfd); pipe(rfd);
  c = fork();
  if (c == 0) {
    static atomic_int n1, n2;
    pthread_t t1, t2;
    pthread_create(&t1, NULL, counting, &n1);
    pthread_create(&t2, NULL, counting, &n2);
    while (atomic_load(&n1) == 0 || atomic_load(&n2) == 0) msleep(1);
    write(rfd[1], "r", 1);
    char b;
    read(pfd[0], &b, 1);
    int a1 = atomic_load(&n1), a2 = atomic_load(&n2);
    while (atomic_load(&n1) == a1 || atomic_load(&n2) == a2) msleep(1);
    _exit(0);
  }
  char ready;
  read(rfd[0], &ready, 1);
  kill(c, SIGSTOP);
  waitpid(c, &st, WUNTRACED);
  printf("stopped: %d sig %d\n", WIFSTOPPED(st), WSTOPSIG(st));
  kill(c, SIGCONT);
  waitpid(c, &st, WCONTINUED);
  printf("continued: %d\n", WIFCONTINUED(st));
  write(pfd[1], "x", 1);
  waitpid(c, &st, 0);
  report("stopped and continued group", st);
  /* SIGKILL ends a stopped multi-threaded process */
  c = fork();
  if (c == 0) { pthread_t t; pthread_create(&t, NULL, sleeper, NULL); for (;;) msleep(5); }
  msleep(10);
  kill(c, SIGSTOP);
  waitpid(c, &st, WUNTRACED);
  kill(c, SIGKILL);
  waitpid(c, &st, 0);
  report("SIGKILL to a stopped group", st);

  /* 6. execve from a non-leader thread */
  c = fork();
  if (c == 0) {
    pthread_t t;
    for (int i = 0; i < 2; i++) pthread_create(&t, NULL, sleeper, NULL);
    pthread_create(&t, NULL, exec_thread, NULL);
    for (;;) msleep(5);
  }
  waitpid(c, &st, 0);
  report("execve from a thread", st);

  /* 7. a child forked by one thread, waited for by another (main) */
  pthread_t ft;
  pthread_create(&ft, NULL, forker, NULL);
  pthread_join(ft, NULL);
  r = waitpid(forked_child, &st, 0);
  printf("child of a joined thread: waited %d\n", r == forked_child);
  report("its status", st);
  /* and wait(-1) in a thread for a child of main */
  c = fork();
  if (c == 0) _exit(44);
  pthread_create(&ft, NULL, waiter, NULL);
  pthread_join(ft, NULL);
  printf("PASSED: %d failure(s)\n", failures);
  return failures != 0;
}
