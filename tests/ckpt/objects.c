/* Kernel objects that a checkpoint must carry: set them up, print "ready", block reading
 * a line on stdin (the checkpoint is taken here), then use every object and print what
 * it held. tests/checkpoint.test.mjs runs it before a checkpoint and after restores. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1;
static void on_usr1(int s) { (void)s; got_usr1++; }

/* a thread asleep in a futex wait (pthread_cond_wait) over the checkpoint */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int go_on;
static void *waiter(void *arg) {
  pthread_mutex_lock(&mu);
  while (!go_on) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  return (char *)arg + 1;
}

static void show(const char *what, const char *buf, long n) { printf("%s: %.*s\n", what, n < 0 ? 0 : (int)n, buf); }

int main(void) {
  char buf[256];
  setvbuf(stdout, NULL, _IONBF, 0);
  /* AF_UNIX: a stream pair with unread data and an fd in flight, a bound datagram socket */
  int sv[2], p[2], c2p[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  pipe(p);
  write(p[1], "through-passed-pipe", 19);
  write(sv[0], "queued-stream", 13);
  struct msghdr mh = {0};
  char cm[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { "R", 1 };
  mh.msg_iov = &iov; mh.msg_iovlen = 1; mh.msg_control = cm; mh.msg_controllen = sizeof cm;
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &p[0], sizeof(int));
  sendmsg(sv[0], &mh, 0);
  close(p[0]); close(p[1]);
  int d = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  memcpy(a.sun_path, "\0ckpt-test", 10);
  bind(d, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 10);
  sendto(s, "dgram-msg", 9, 0, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 10);
  /* a pty pair with input waiting for the slave */
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  grantpt(m); unlockpt(m);
  int sl = open(ptsname(m), O_RDWR | O_NOCTTY);
  write(m, "pty-line\n", 9);
  /* eventfd, epoll on the stream socket, System V shm/sem/msg */
  int ev = eventfd(5, 0);
  int ep = epoll_create1(0);
  struct epoll_event ee = { .events = EPOLLIN, .data.u64 = 0x1234 };
  epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ee);
  int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
  char *sp = shmat(shm, NULL, 0);
  strcpy(sp, "shm-data");
  int sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  semctl(sem, 0, SETVAL, 3);
  int mq = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  struct { long type; char text[16]; } msg = { 7, "msg-text" };
  msgsnd(mq, &msg, 9, 0);
  /* shared anonymous memory with a child that sleeps in read on a pipe */
  int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  *shared = 100;
  pipe(c2p);
  pid_t kid = fork();
  if (kid == 0) {
    char b[16];
    long n = read(c2p[0], b, sizeof b);
    *shared += (int)n;
    _exit(9);
  }
  /* a process whose vfork child sleeps in read (the parent waits for the child's exit) */
  int vp[2];
  pipe(vp);
  pid_t h = fork();
  if (h == 0) {
    pid_t v = vfork();
    if (v == 0) { char b[8]; _exit((int)read(vp[0], b, sizeof b)); }
    int vst; waitpid(v, &vst, 0);
    _exit(WEXITSTATUS(vst) + 10);
  }
  /* a pending blocked signal, FP state live across the block (no timer: inf-cpu time
   * would skip to it while we wait for input) */
  struct sigaction sa = { .sa_handler = on_usr1 };
  sigaction(SIGUSR1, &sa, NULL);
  sigset_t set; sigemptyset(&set); sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  raise(SIGUSR1);
  pthread_t th;
  pthread_create(&th, NULL, waiter, (void *)41);
  /* a POSIX timer without a signal (SIGEV_NONE: no kernel timer for inf-cpu time to skip to) */
  timer_t tid;
  struct sigevent sev = { .sigev_notify = SIGEV_NONE };
  timer_create(CLOCK_MONOTONIC, &sev, &tid);
  struct itimerspec its = { .it_value = { 1000, 0 } };
  timer_settime(tid, 0, &its, NULL);
  /* a flock held over the checkpoint */
  int lf = open("/tmp/lockf", O_RDWR | O_CREAT, 0600);
  flock(lf, LOCK_EX);
  /* an inotify watch on /tmp */
  int in = inotify_init1(0);
  inotify_add_watch(in, "/tmp", IN_CREATE);
  volatile double x = 3.0;
  x = x / 7.0;
  printf("ready\n");
  long n = read(0, buf, sizeof buf);          /* <- the checkpoint is taken while we sleep here */
  show("stdin", buf, n > 0 ? n - 1 : n);
  printf("fp: %.15f\n", x * 7.0);
  n = read(sv[1], buf, 13); show("stream", buf, n);
  int got = -1;
  mh.msg_controllen = sizeof cm; iov.iov_base = buf; iov.iov_len = 1;
  recvmsg(sv[1], &mh, 0);
  c = CMSG_FIRSTHDR(&mh);
  if (c && c->cmsg_type == SCM_RIGHTS) memcpy(&got, CMSG_DATA(c), sizeof(int));
  n = read(got, buf, sizeof buf); show("passed fd", buf, n);
  n = recv(d, buf, sizeof buf, 0); show("dgram", buf, n);
  n = read(sl, buf, sizeof buf); show("pty", buf, n > 0 ? n - 1 : n);
  if (n <= 0) printf("pty read: %ld %s\n", n, strerror(errno));
  uint64_t v; read(ev, &v, 8); printf("eventfd: %llu\n", (unsigned long long)v);
  write(sv[0], "x", 1);
  struct epoll_event out;
  n = epoll_wait(ep, &out, 1, 0); printf("epoll: %ld %llx\n", n, (unsigned long long)out.data.u64);
  printf("shm: %s\n", sp);
  printf("sem: %d\n", semctl(sem, 0, GETVAL));
  n = msgrcv(mq, &msg, sizeof msg.text, 0, IPC_NOWAIT); printf("msg: %ld %s\n", msg.type, n > 0 ? msg.text : "?");
  write(c2p[1], "four", 4);
  int st; waitpid(kid, &st, 0);
  printf("child: exit %d, shared %d\n", WEXITSTATUS(st), *shared);
  write(vp[1], "abcde", 5);
  waitpid(h, &st, 0);
  printf("vfork: %d\n", WEXITSTATUS(st));
  pthread_mutex_lock(&mu); go_on = 1; pthread_cond_signal(&cv); pthread_mutex_unlock(&mu);
  void *ret; pthread_join(th, &ret);
  printf("thread: %ld\n", (long)ret);
  timer_gettime(tid, &its);
  printf("posix timer: %s\n", its.it_value.tv_sec >= 900 && its.it_value.tv_sec < 1000 ? "armed" : "lost");
  int lf2 = open("/tmp/lockf", O_RDWR);
  printf("flock: %s\n", flock(lf2, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK ? "held" : "lost");
  unlink("/tmp/newfile");
  close(open("/tmp/newfile", O_CREAT | O_WRONLY, 0600));
  union { struct inotify_event e; char b[256]; } ib;
  n = read(in, &ib, sizeof ib);
  printf("inotify: %s\n", n > 0 && (ib.e.mask & IN_CREATE) ? ib.e.name : "?");
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  printf("usr1: %d\n", (int)got_usr1);
  shmdt(sp); shmctl(shm, IPC_RMID, NULL); semctl(sem, 0, IPC_RMID); msgctl(mq, IPC_RMID, NULL);
  return 0;
}
