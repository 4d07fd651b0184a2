/* mq_notify (run under tuml only: qemu-user 7.2 accepts mq_notify and does nothing):
 * SIGEV_SIGNAL with its siginfo (SI_MESGQ, sender pid, value), one shot, EBUSY for a
 * second process, only when an empty queue gets a message nobody waits for, SIGEV_NONE,
 * removal by close, and SIGEV_THREAD through glibc's netlink helper thread. */
#include "common.h"
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <pthread.h>
#include <semaphore.h>
#include <sched.h>
#include <sys/wait.h>
#include <sys/mount.h>

static volatile sig_atomic_t hits, code, spid, sval;
static void on_sig(int s, siginfo_t *si, void *u) { (void)s; (void)u; hits++; code = si->si_code; spid = si->si_pid; sval = si->si_value.sival_int; }

static char name[64], path[96];
static int last_q, last_n, last_s, last_o;
static int linefd = -1; /* kept open: closing an fd of the queue drops our registration */
static char buf[9000];

/* the QSIZE line of the queue through a mounted mqueue fs */
static void line(const char *what) {
  if (linefd < 0) linefd = open(path, O_RDONLY);
  char l[128];
  int n = pread(linefd, l, sizeof l - 1, 0);
  l[n > 0 ? n : 0] = 0;
  int qsize, notify, signo, npid;
  sscanf(l, "QSIZE:%d NOTIFY:%d SIGNO:%d NOTIFY_PID:%d", &qsize, &notify, &signo, &npid);
  last_q = qsize; last_n = notify; last_s = signo; last_o = npid == getpid() ? 1 : npid == 0 ? 0 : 2;
  printf("%s: qsize %d notify %d signo %d owner %s\n", what, qsize, notify, signo, npid == getpid() ? "me" : npid == 0 ? "none" : "other");
}

/* the line must show this queue size, notify kind, signal and owner (0 none, 1 me) */
#define LINE(what, q, n, s, o) do { line(what); CHECK(last_q == (q) && last_n == (n) && last_s == (s) && last_o == (o)); } while (0)

static sem_t thread_sem;
static volatile int thread_val;
static void in_thread(union sigval v) { thread_val = v.sival_int; sem_post(&thread_sem); }

static int pending_usr1(void) { sigset_t p; sigpending(&p); return sigismember(&p, SIGUSR1); }

int main(void) {
  if (access("/proc/self/stat", R_OK) != 0) { mkdir("/proc", 0555); mount("proc", "/proc", "proc", 0, NULL); }
  mkdir("/mq", 0755);
  CHECK_OK(mount("none", "/mq", "mqueue", 0, NULL));
  snprintf(name, sizeof name, "/notify-%d", getpid());
  snprintf(path, sizeof path, "/mq%s", name);
  struct mq_attr a = {0, 4, 64, 0};
  mqd_t q = CHECK_OK(mq_open(name, O_RDWR | O_CREAT, 0600, &a));
  struct sigaction sa = {0};
  sa.sa_sigaction = on_sig; sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);

  struct sigevent ev = {0};
  ev.sigev_notify = 99;
  CHECK_ERR(mq_notify(q, &ev), EINVAL);
  ev.sigev_notify = SIGEV_SIGNAL; ev.sigev_signo = 65;
  CHECK_ERR(mq_notify(q, &ev), EINVAL);
  ev.sigev_signo = SIGUSR1; ev.sigev_value.sival_int = 42;
  CHECK_ERR(mq_notify(0, &ev), EBADF);
  CHECK_OK(mq_notify(q, &ev));
  LINE("registered", 0, 0, SIGUSR1, 1);
  CHECK_ERR(mq_notify(q, &ev), EBUSY);
  pid_t c = fork();
  if (c == 0) {
    failures = 0;
    CHECK_ERR(mq_notify(q, &ev), EBUSY);
    CHECK_OK(mq_notify(q, NULL)); /* not ours: nothing happens */
    CHECK_OK(mq_send(q, "wake", 4, 0));
    _exit(failures);
  }
  int st;
  waitpid(c, &st, 0);
  CHECK(WEXITSTATUS(st) == 0);
  printf("child failures %d\n", WEXITSTATUS(st));
  while (hits == 0) sched_yield();
  CHECK(hits == 1 && code == SI_MESGQ && spid == c && sval == 42);
  printf("signal: hits %d SI_MESGQ %d from child %d value %d\n", hits, code == SI_MESGQ, spid == c, sval);
  LINE("after the notification", 4, 0, 0, 0);
  CHECK_OK(mq_send(q, "again", 5, 0));
  CHECK(hits == 1);
  printf("one shot: hits %d\n", hits);

  /* only an empty queue notifies */
  CHECK_OK(mq_notify(q, &ev));
  sigset_t usr1; sigemptyset(&usr1); sigaddset(&usr1, SIGUSR1);
  sigprocmask(SIG_BLOCK, &usr1, NULL);
  CHECK_OK(mq_send(q, "third", 5, 0));
  CHECK(!pending_usr1());
  printf("queue not empty: pending %d\n", pending_usr1());
  LINE("still registered", 14, 0, SIGUSR1, 1);
  mq_receive(q, buf, sizeof buf, NULL); mq_receive(q, buf, sizeof buf, NULL); mq_receive(q, buf, sizeof buf, NULL);
  /* a waiting receiver takes the message: no notification */
  int pfd[2]; pipe(pfd);
  c = fork();
  if (c == 0) { write(pfd[1], "x", 1); ssize_t n = mq_receive(q, buf, sizeof buf, NULL); printf("child got %zd\n", n); _exit(0); }
  char b; read(pfd[0], &b, 1);
  /* wait until the child sleeps in mq_receive */
  char sp[64], stl[256];
  snprintf(sp, sizeof sp, "/proc/%d/stat", c);
  for (int i = 0; i < 1000000; i++) {
    int fd = open(sp, O_RDONLY);
    int n = read(fd, stl, sizeof stl - 1);
    close(fd);
    if (n > 0) { stl[n] = 0; char *p = strrchr(stl, ')'); if (p && p[2] == 'S') break; }
    sched_yield();
  }
  struct mq_attr cur;
  CHECK_OK(mq_send(q, "direct", 6, 0));
  waitpid(c, &st, 0);
  mq_getattr(q, &cur);
  CHECK(!pending_usr1() && cur.mq_curmsgs == 0);
  printf("waiting receiver: pending %d curmsgs %ld\n", pending_usr1(), cur.mq_curmsgs);
  LINE("receiver took it", 0, 0, SIGUSR1, 1);
  CHECK_OK(mq_notify(q, NULL));
  LINE("unregistered", 0, 0, 0, 0);
  sigprocmask(SIG_UNBLOCK, &usr1, NULL);

  /* SIGEV_NONE: registered, consumed by the next message, no signal */
  struct sigevent none = {0};
  none.sigev_notify = SIGEV_NONE;
  CHECK_OK(mq_notify(q, &none));
  LINE("SIGEV_NONE", 0, SIGEV_NONE, 0, 1);
  int before = hits;
  CHECK_OK(mq_send(q, "n", 1, 0));
  LINE("SIGEV_NONE fired", 1, 0, 0, 0);
  CHECK(hits == before);
  printf("no signal %d\n", hits == before);
  mq_receive(q, buf, sizeof buf, NULL);

  /* closing any descriptor of the queue removes the process's registration */
  mqd_t q2 = CHECK_OK(mq_open(name, O_RDWR));
  CHECK_OK(mq_notify(q, &ev));
  close(q2);
  LINE("after close", 0, 0, 0, 0);

  /* SIGEV_THREAD: glibc's helper thread runs the function */
  sem_init(&thread_sem, 0, 0);
  struct sigevent th = {0};
  th.sigev_notify = SIGEV_THREAD;
  th.sigev_notify_function = in_thread;
  th.sigev_value.sival_int = 7;
  CHECK_OK(mq_notify(q, &th));
  LINE("SIGEV_THREAD", 0, SIGEV_THREAD, 0, 1);
  CHECK_OK(mq_send(q, "t", 1, 0));
  sem_wait(&thread_sem);
  CHECK(thread_val == 7);
  printf("thread ran with %d\n", thread_val);
  LINE("SIGEV_THREAD fired", 1, 0, 0, 0);
  CHECK_OK(mq_close(q));
  CHECK_OK(mq_unlink(name));
  return finish();
}
