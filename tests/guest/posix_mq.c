/* POSIX message queues: mq_open flags and attributes, priorities, O_NONBLOCK, timeouts,
 * blocking senders/receivers, signals (SA_RESTART restarts, no SA_RESTART gives EINTR),
 * mq_getattr/mq_setattr, mq_unlink, permissions, RLIMIT_MSGQUEUE, and the mqueue
 * filesystem (readdir, the QSIZE line, poll, fstat). Runs as root (children drop to 65534). */
#include "common.h"
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <dirent.h>
#include <time.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>

static char names[4][64];
static char buf[9000];

static void rcv(mqd_t q, const char *what) {
  unsigned prio = 99;
  ssize_t n = mq_receive(q, buf, sizeof buf, &prio);
  if (n < 0) printf("%s: receive -> %s\n", what, errname(errno));
  else printf("%s: receive %zd prio %u '%.*s'\n", what, n, prio, (int)n, buf);
}

static void attrs(mqd_t q, const char *what) {
  struct mq_attr a;
  CHECK_OK(mq_getattr(q, &a));
  printf("%s: flags %lo maxmsg %ld msgsize %ld curmsgs %ld\n", what, a.mq_flags, a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs);
}

static void wait_sleeping(pid_t c, int rfd) {
  char b;
  if (rfd >= 0 && read(rfd, &b, 1) != 1) printf("handshake failed\n");
  char path[64], st[256];
  snprintf(path, sizeof path, "/proc/%d/stat", c);
  for (int i = 0; i < 1000000; i++) {
    int fd = open(path, O_RDONLY);
    int n = read(fd, st, sizeof st - 1);
    close(fd);
    if (n > 0) { st[n] = 0; char *p = strrchr(st, ')'); if (p && p[2] == 'S') return; }
    sched_yield();
  }
  printf("child never slept\n");
}

static volatile int got;
static void on_usr1(int s) { (void)s; got++; }

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  if (access("/proc/self/stat", R_OK) != 0) { mkdir("/proc", 0555); mount("proc", "/proc", "proc", 0, NULL); }
  for (int i = 0; i < 4; i++) snprintf(names[i], sizeof names[i], "/tuml-mq-%d-%d", getpid(), i);
  const char *n0 = names[0];

  /* open flags and attributes */
  CHECK_ERR(mq_open(n0, O_RDWR), ENOENT);
  CHECK_ERR(mq_open("noslash", O_RDWR | O_CREAT, 0600, NULL), EINVAL);
  CHECK_ERR(mq_open("/a/b", O_RDWR | O_CREAT, 0600, NULL), EACCES);
  struct mq_attr a = {0, 0, 100, 0};
  CHECK_ERR(mq_open(n0, O_RDWR | O_CREAT, 0600, &a), EINVAL);
  a.mq_maxmsg = 4; a.mq_msgsize = 0;
  CHECK_ERR(mq_open(n0, O_RDWR | O_CREAT, 0600, &a), EINVAL);
  a.mq_msgsize = 100;
  mqd_t q = CHECK_OK(mq_open(n0, O_RDWR | O_CREAT | O_EXCL, 0640, &a));
  printf("cloexec %d\n", (fcntl(q, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK_ERR(mq_open(n0, O_RDWR | O_CREAT | O_EXCL, 0600, &a), EEXIST);
  attrs(q, "new");
  struct stat st;
  CHECK_OK(fstat(q, &st));
  printf("fstat: reg %d mode %o size %ld\n", S_ISREG(st.st_mode), st.st_mode & 07777, (long)st.st_size);
  mqd_t dflt = CHECK_OK(mq_open(names[1], O_RDONLY | O_CREAT | O_NONBLOCK, 0600, NULL));
  attrs(dflt, "defaults");

  /* priorities, sizes, nonblocking */
  CHECK_ERR(mq_send(q, "x", 101, 0), EMSGSIZE);
  CHECK_ERR(mq_send(q, "x", 1, 32768), EINVAL);
  CHECK_ERR(mq_send(dflt, "x", 1, 0), EBADF);
  CHECK_ERR(mq_receive(q, buf, 99, NULL), EMSGSIZE);
  CHECK_ERR(mq_send(0, "x", 1, 0), EBADF);
  CHECK_OK(mq_send(q, "low", 3, 1));
  CHECK_OK(mq_send(q, "high", 4, 30000));
  CHECK_OK(mq_send(q, "mid-a", 5, 7));
  CHECK_OK(mq_send(q, "mid-b", 5, 7));
  attrs(q, "four queued");
  struct timespec past = {1, 0};
  CHECK_ERR(mq_timedsend(q, "full", 4, 0, &past), ETIMEDOUT);
  struct timespec bad = {0, 1000000000};
  CHECK_ERR(mq_timedsend(q, "full", 4, 0, &bad), EINVAL);
  struct mq_attr na = {O_NONBLOCK, 0, 0, 0}, old;
  CHECK_OK(mq_setattr(q, &na, &old));
  printf("old flags %lo\n", old.mq_flags);
  attrs(q, "nonblock");
  CHECK_ERR(mq_send(q, "full", 4, 0), EAGAIN);
  rcv(q, "1"); rcv(q, "2"); rcv(q, "3"); rcv(q, "4");
  CHECK_ERR(mq_receive(q, buf, sizeof buf, NULL), EAGAIN);
  na.mq_flags = 0;
  CHECK_OK(mq_setattr(q, &na, NULL));
  CHECK_ERR(mq_timedreceive(q, buf, sizeof buf, NULL, &past), ETIMEDOUT);
  struct timespec soon;
  clock_gettime(CLOCK_REALTIME, &soon);
  soon.tv_nsec += 20000000;
  if (soon.tv_nsec >= 1000000000) { soon.tv_sec++; soon.tv_nsec -= 1000000000; }
  CHECK_ERR(mq_timedreceive(q, buf, sizeof buf, NULL, &soon), ETIMEDOUT);
  na.mq_flags = O_RDWR;
  CHECK_ERR(mq_setattr(q, &na, NULL), EINVAL);
  CHECK_OK(mq_send(q, "", 0, 5));
  rcv(q, "empty");

  int pfd[2];
  pipe(pfd);
  int stt;
  /* a sleeping receiver gets the message; priorities still apply for the next */
  pid_t c = fork();
  if (c == 0) { write(pfd[1], "x", 1); rcv(q, "child"); _exit(0); }
  wait_sleeping(c, pfd[0]);
  CHECK_OK(mq_send(q, "first", 5, 1));
  CHECK_OK(mq_send(q, "urgent", 6, 9));
  waitpid(c, &stt, 0);
  rcv(q, "parent");
  /* a sleeping sender completes when a receive makes room */
  for (int i = 0; i < 4; i++) CHECK_OK(mq_send(q, "fill", 4, i));
  c = fork();
  if (c == 0) { write(pfd[1], "x", 1); int r = mq_send(q, "waited", 6, 2); printf("child send %d\n", r); _exit(0); }
  wait_sleeping(c, pfd[0]);
  unsigned pr;
  ssize_t got1 = mq_receive(q, buf, sizeof buf, &pr); /* makes room; printed after the child's line */
  waitpid(c, &stt, 0);
  printf("made room: %zd prio %u\n", got1, pr);
  attrs(q, "after sender");
  for (int i = 0; i < 4; i++) rcv(q, "drain");
  /* SA_RESTART: the receive restarts after the handler and gets the later message */
  c = fork();
  if (c == 0) {
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1; sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    write(pfd[1], "x", 1);
    rcv(q, "restarted");
    printf("handler ran %d\n", got);
    _exit(0);
  }
  wait_sleeping(c, pfd[0]);
  kill(c, SIGUSR1);
  wait_sleeping(c, -1);
  CHECK_OK(mq_send(q, "after signal", 12, 0));
  waitpid(c, &stt, 0);
  /* without SA_RESTART: EINTR */
  c = fork();
  if (c == 0) {
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    write(pfd[1], "x", 1);
    rcv(q, "interrupted");
    _exit(0);
  }
  wait_sleeping(c, pfd[0]);
  kill(c, SIGUSR1);
  waitpid(c, &stt, 0);

  /* another user: permissions and unlink in the sticky directory */
  c = fork();
  if (c == 0) {
    failures = 0;
    setuid(65534);
    CHECK_ERR(mq_open(n0, O_RDWR), EACCES);
    CHECK_ERR(mq_open(n0, O_WRONLY), EACCES);
    mqd_t r = CHECK_OK(mq_open(n0, O_RDONLY));
    CHECK_ERR(mq_send(r, "x", 1, 0), EBADF);
    CHECK_ERR(mq_unlink(n0), EACCES); /* the kernel's EPERM (sticky directory); glibc reports EACCES */
    struct mq_attr big = {0, 11, 100, 0};
    CHECK_ERR(mq_open(names[2], O_RDWR | O_CREAT, 0600, &big), EINVAL);
    big.mq_maxmsg = 10; big.mq_msgsize = 8193;
    CHECK_ERR(mq_open(names[2], O_RDWR | O_CREAT, 0600, &big), EINVAL);
    struct rlimit rl = {1000, 1000};
    setrlimit(RLIMIT_MSGQUEUE, &rl);
    CHECK_ERR(mq_open(names[2], O_RDWR | O_CREAT, 0600, NULL), EMFILE);
    big.mq_maxmsg = 2; big.mq_msgsize = 300; /* 600 + 4 * 48 bytes fit in 1000 */
    mqd_t s = CHECK_OK(mq_open(names[2], O_RDWR | O_CREAT, 0600, &big));
    CHECK_ERR(mq_open(names[3], O_RDWR | O_CREAT, 0600, &big), EMFILE);
    mq_close(s);
    CHECK_OK(mq_unlink(names[2]));
    s = CHECK_OK(mq_open(names[3], O_RDWR | O_CREAT, 0600, &big)); /* the charge went back */
    CHECK_OK(mq_unlink(names[3]));
    _exit(failures);
  }
  waitpid(c, &stt, 0);
  printf("other user failures %d\n", WEXITSTATUS(stt));

  /* the mqueue filesystem */
  CHECK_OK(mkdir("mq", 0755));
  CHECK_OK(mount("none", "mq", "mqueue", 0, NULL));
  CHECK_OK(mq_send(q, "in the queue", 12, 3));
  char path[128];
  snprintf(path, sizeof path, "mq%s", n0);
  int fd = CHECK_OK(open(path, O_RDONLY));
  char line[128];
  int n = read(fd, line, sizeof line - 1);
  printf("read %d: %.*s", n, n > 0 ? n : 0, line);
  CHECK_OK(lseek(fd, 6, SEEK_SET));
  n = read(fd, line, 4);
  printf("at 6: '%.*s'\n", n, line);
  struct pollfd pf[2] = {{q, POLLIN | POLLOUT, 0}, {fd, POLLIN | POLLOUT, 0}};
  CHECK_OK(poll(pf, 2, 0));
  printf("poll: %x %x\n", pf[0].revents, pf[1].revents);
  attrs(fd, "through open(2)");
  rcv(fd, "through open(2)");
  CHECK_OK(poll(pf, 2, 0));
  printf("poll empty: %x\n", pf[0].revents);
  CHECK_ERR(write(fd, "x", 1), EBADF);
  close(fd);
  fd = CHECK_OK(open(path, O_RDWR));
  CHECK_ERR(write(fd, "x", 1), EINVAL);
  close(fd);
  snprintf(path, sizeof path, "mq/tuml-mq-%d-viaopen", getpid());
  fd = CHECK_OK(open(path, O_RDWR | O_CREAT | O_EXCL, 0600));
  attrs(fd, "created by open(2)");
  close(fd);
  DIR *d = opendir("mq");
  char pre[32];
  int pl = snprintf(pre, sizeof pre, "tuml-mq-%d-", getpid());
  struct dirent *e;
  int seen = 0;
  while ((e = readdir(d))) if (strncmp(e->d_name, pre, pl) == 0) seen++, printf("entry %s type %d\n", e->d_name + pl, e->d_type);
  closedir(d);
  printf("entries %d\n", seen);
  CHECK_OK(unlink(path));
  CHECK_ERR(mkdir("mq/sub", 0755), EPERM);
  CHECK_OK(umount("mq"));

  /* unlink while open: the queue lives on until closed */
  CHECK_OK(mq_unlink(n0));
  CHECK_ERR(mq_unlink(n0), ENOENT);
  CHECK_ERR(mq_open(n0, O_RDWR), ENOENT);
  CHECK_OK(mq_send(q, "still", 5, 0));
  rcv(q, "unlinked");
  CHECK_OK(mq_close(q));
  CHECK_ERR(mq_close(q), EBADF);
  CHECK_OK(mq_close(dflt));
  CHECK_OK(mq_unlink(names[1]));
  return finish();
}
