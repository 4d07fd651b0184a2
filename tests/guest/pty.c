/* Unix98 pseudo-terminals: posix_openpt/grantpt/unlockpt/ptsname, the slave lock,
 * TIOCGPTN, default termios of both sides, a child that makes the slave its
 * controlling tty (setsid + TIOCSCTTY) and talks through the line discipline (echo,
 * ONLCR, canonical input), ^C on the master -> SIGINT to the child, window sizes set on
 * the master and seen on the slave, master reads after the slave is gone (EIO, POLLHUP),
 * TIOCGPTPEER, packet mode, and the hangup a slave session sees when the master closes.
 * Under tuml without /dev/ptmx (a bare hostfs root) it mounts devtmpfs and devpts first. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static void show(const char *what, const char *buf, int n) {
  printf("%s: \"", what);
  for (int i = 0; i < n; i++) {
    unsigned char c = buf[i];
    if (c == '\r') printf("\\r"); else if (c == '\n') printf("\\n");
    else if (c < 32 || c >= 127) printf("\\x%02x", c); else putchar(c);
  }
  printf("\"\n");
}

/* Read from the master until `want` shows up (or 2 s pass); returns the bytes. */
static int read_until(int m, char *buf, int cap, const char *want) {
  int n = 0;
  for (;;) {
    struct pollfd p = {m, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0) break;
    int r = read(m, buf + n, cap - 1 - n);
    if (r <= 0) break;
    n += r;
    buf[n] = 0;
    if (strstr(buf, want)) break;
  }
  buf[n] = 0;
  return n;
}

static int open_pair(char *name, size_t len) {
  int m = CHECK_OK(posix_openpt(O_RDWR | O_NOCTTY));
  CHECK_OK(grantpt(m));
  CHECK_OK(unlockpt(m));
  CHECK_OK(ptsname_r(m, name, len));
  return m;
}

static volatile sig_atomic_t got_hup, got_cont;
static void on_hup(int s) { (void)s; got_hup = 1; }
static void on_cont(int s) { (void)s; got_cont = 1; }

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  if (access("/dev/ptmx", F_OK) != 0) {
    mkdir("/dev", 0755);
    CHECK_OK(mount("devtmpfs", "/dev", "devtmpfs", 0, NULL));
    mkdir("/dev/pts", 0755);
    CHECK_OK(mount("devpts", "/dev/pts", "devpts", 0, "gid=5,mode=620"));
  }
  setvbuf(stdout, NULL, _IONBF, 0);

  /* ---- names and the lock */
  char name[64];
  int m = CHECK_OK(posix_openpt(O_RDWR | O_NOCTTY));
  unsigned ptn = 99;
  CHECK_OK(ioctl(m, TIOCGPTN, &ptn));
  CHECK_OK(ptsname_r(m, name, sizeof name));
  char expect[64];
  snprintf(expect, sizeof expect, "/dev/pts/%u", ptn);
  printf("ptsname matches TIOCGPTN %d\n", strcmp(name, expect) == 0);
  CHECK_ERR(open(name, O_RDWR | O_NOCTTY), EIO);
  CHECK_OK(grantpt(m));
  CHECK_OK(unlockpt(m));
  /* (TIOCGPTLCK is not checked: qemu 7.2 does not forward it) */
  struct stat st;
  CHECK_OK(stat(name, &st));
  printf("slave node chr %d major %u\n", S_ISCHR(st.st_mode), major(st.st_rdev));
  CHECK_OK(fstat(m, &st));
  printf("master chr %d rdev %u,%u isatty %d\n", S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev), isatty(m));
  char buf[4096];
  /* no slave opened yet */
  fcntl(m, F_SETFL, O_NONBLOCK);
  errno = 0;
  int r = read(m, buf, sizeof buf);
  printf("master read before slave open (nonblocking) %d %s\n", r, errname(errno));
  fcntl(m, F_SETFL, 0);

  /* ---- termios of both sides */
  int s = CHECK_OK(open(name, O_RDWR | O_NOCTTY));
  struct termios tm, ts;
  CHECK_OK(tcgetattr(m, &tm));
  CHECK_OK(tcgetattr(s, &ts));
  printf("master termios i=%x o=%x c=%x l=%x\n", tm.c_iflag, tm.c_oflag, tm.c_cflag, tm.c_lflag);
  printf("slave termios i=%x o=%x c=%x l=%x\n", ts.c_iflag, ts.c_oflag, ts.c_cflag, ts.c_lflag);
  char *tn = ttyname(s);
  printf("ttyname(slave) is ptsname %d\n", tn && strcmp(tn, name) == 0);
  printf("isatty(slave) %d\n", isatty(s));

  /* ---- window size: set on the master, seen on the slave, and the other way */
  struct winsize ws = {.ws_row = 24, .ws_col = 80}, wg = {0};
  CHECK_OK(ioctl(m, TIOCSWINSZ, &ws));
  CHECK_OK(ioctl(s, TIOCGWINSZ, &wg));
  printf("slave winsize %ux%u\n", wg.ws_row, wg.ws_col);
  ws.ws_row = 50; ws.ws_col = 132;
  CHECK_OK(ioctl(s, TIOCSWINSZ, &ws));
  CHECK_OK(ioctl(m, TIOCGWINSZ, &wg));
  printf("master winsize %ux%u\n", wg.ws_row, wg.ws_col);

  /* ---- output processing and echo, without a child */
  CHECK(write(s, "out\n", 4) == 4);
  r = read_until(m, buf, sizeof buf, "out\r\n");
  show("slave wrote", buf, r);
  CHECK(write(m, "in\n", 3) == 3);
  r = read_until(m, buf, sizeof buf, "in\r\n");
  show("echo", buf, r);
  char lb[64];
  r = read(s, lb, sizeof lb);
  show("slave read", lb, r);
  int avail = -1;
  CHECK(write(s, "abc", 3) == 3);
  struct pollfd pw = {m, POLLIN, 0};
  CHECK(poll(&pw, 1, 2000) == 1); /* Linux moves the bytes to the master asynchronously */
  CHECK_OK(ioctl(m, FIONREAD, &avail));
  printf("master FIONREAD %d\n", avail);
  r = read(m, buf, sizeof buf);
  show("master read", buf, r);
  /* s stays open until the child has the slave: with every slave closed, master reads
   * fail with EIO (before the first open they just wait) */

  /* ---- a child session on the slave */
  pid_t pid = fork();
  if (pid == 0) {
    alarm(20);
    close(m);
    setsid();
    int c = open(name, O_RDWR);
    if (c < 0) _exit(10);
    if (ioctl(c, TIOCSCTTY, 0) < 0) _exit(11);
    dup2(c, 0); dup2(c, 1); dup2(c, 2);
    if (c > 2) close(c);
    pid_t fg = tcgetpgrp(0);
    struct winsize w;
    ioctl(0, TIOCGWINSZ, &w);
    printf("child: fg is me %d, size %ux%u, ready\n", fg == getpid(), w.ws_row, w.ws_col);
    char line[64];
    int n = read(0, line, sizeof line - 1);
    if (n < 0) n = 0;
    line[n] = 0;
    printf("got:%s", line);
    printf("waiting\n");
    fflush(stdout);
    for (;;) pause();
  }
  r = read_until(m, buf, sizeof buf, "ready\r\n");
  show("child said", buf, r);
  CHECK(write(m, "hello\n", 6) == 6);
  r = read_until(m, buf, sizeof buf, "waiting\r\n");
  show("exchange", buf, r);
  CHECK(write(m, "\003", 1) == 1);
  int wst;
  CHECK_OK(waitpid(pid, &wst, 0));
  printf("child signaled %d sig %d\n", WIFSIGNALED(wst), WIFSIGNALED(wst) ? WTERMSIG(wst) : -1);
  r = read_until(m, buf, sizeof buf, "^C");
  show("after ^C", buf, r);
  close(s);
  /* every slave is closed now */
  errno = 0;
  r = read(m, buf, sizeof buf);
  printf("master read with no slave %d %s\n", r, errname(errno));
  struct pollfd pf = {m, POLLIN | POLLOUT, 0};
  CHECK_OK(poll(&pf, 1, 0));
  printf("master poll hup %d\n", (pf.revents & POLLHUP) != 0);

  /* ---- TIOCGPTPEER and packet mode */
  s = CHECK_OK(ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY));
  printf("peer isatty %d\n", isatty(s));
  int on = 1;
  CHECK_OK(ioctl(m, TIOCPKT, &on));
  CHECK(write(s, "pk", 2) == 2);
  r = read(m, buf, sizeof buf);
  show("packet read", buf, r);
  on = 0;
  CHECK_OK(ioctl(m, TIOCPKT, &on));
  close(s);
  close(m);
  CHECK_ERR(open(name, O_RDWR | O_NOCTTY), ENOENT);

  /* ---- hangup: the master closes under a slave session */
  m = open_pair(name, sizeof name);
  int sync[2];
  CHECK_OK(pipe(sync));
  pid = fork();
  if (pid == 0) {
    alarm(20); /* never outlive a broken run */
    close(sync[0]);
    close(m); /* or the master stays open through this fd */
    setsid();
    signal(SIGHUP, on_hup);
    signal(SIGCONT, on_cont);
    /* SIGHUP stays blocked until sigsuspend waits for it: with pause(), a SIGHUP that
       came between the test of got_hup and the call would be missed (seen under qemu). */
    sigset_t hup, old;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    sigprocmask(SIG_BLOCK, &hup, &old);
    int c = open(name, O_RDWR);
    if (c < 0) _exit(10);
    (void)!write(sync[1], "r", 1);
    while (!got_hup) sigsuspend(&old);
    sigprocmask(SIG_SETMASK, &old, NULL);
    char b[8];
    errno = 0;
    int rr = read(c, b, sizeof b);
    int re = errno;
    errno = 0;
    int wr = write(c, "x", 1);
    int we = errno;
    errno = 0;
    int tg = tcgetpgrp(c);
    printf("child: SIGHUP %d SIGCONT %d, read %d %s, write %d %s, tcgetpgrp %d %s\n",
           got_hup, got_cont, rr, errname(re), wr, errname(we), tg, errname(errno));
    _exit(0);
  }
  close(sync[1]);
  char ch;
  CHECK(read(sync[0], &ch, 1) == 1);
  close(m);
  CHECK_OK(waitpid(pid, &wst, 0));
  printf("hangup child exit %d\n", WIFEXITED(wst) ? WEXITSTATUS(wst) : -1);
  return finish();
}
