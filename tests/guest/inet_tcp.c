/* TCP over 127.0.0.1: a forked echo server, getsockname/getpeername, SO_REUSEADDR,
 * TCP_NODELAY, shutdown semantics (EOF after SHUT_WR, EPIPE after the peer closed),
 * bind conflicts and a refused connect. */
#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

static int listener(struct sockaddr_in *sa) {
  int s = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
  int one = 1;
  CHECK_OK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa->sin_port = 0;
  CHECK_OK(bind(s, (struct sockaddr *)sa, sizeof *sa));
  socklen_t len = sizeof *sa;
  CHECK_OK(getsockname(s, (struct sockaddr *)sa, &len));
  CHECK(len == sizeof *sa && sa->sin_port != 0 && sa->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
  CHECK_OK(listen(s, 4));
  return s;
}

static ssize_t readn(int fd, char *b, size_t n) {
  size_t got = 0;
  while (got < n) { ssize_t r = read(fd, b + got, n - got); if (r <= 0) return r < 0 ? r : (ssize_t)got; got += r; }
  return got;
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  struct sockaddr_in sa;
  int l = listener(&sa);
  int v; socklen_t vl = sizeof v;
  CHECK_OK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
  printf("SO_ACCEPTCONN %d\n", v);

  pid_t pid = fork();
  if (pid == 0) {
    /* The echo server: uppercase every byte until EOF, then say bye and close. */
    int c = accept(l, NULL, NULL);
    if (c < 0) _exit(3);
    char buf[4096];
    long total = 0;
    for (;;) {
      ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) break;
      for (ssize_t i = 0; i < n; i++) if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] -= 32;
      if (write(c, buf, n) != n) _exit(4);
      total += n;
    }
    char msg[64];
    int m = snprintf(msg, sizeof msg, "bye %ld\n", total);
    write(c, msg, m);
    close(c);
    _exit(0);
  }
  int c = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
  int one = 1;
  CHECK_OK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
  vl = sizeof v;
  CHECK_OK(getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &vl));
  printf("TCP_NODELAY %d\n", v != 0);
  CHECK_OK(connect(c, (struct sockaddr *)&sa, sizeof sa));
  struct sockaddr_in me, peer;
  socklen_t ml = sizeof me, pl = sizeof peer;
  CHECK_OK(getsockname(c, (struct sockaddr *)&me, &ml));
  CHECK_OK(getpeername(c, (struct sockaddr *)&peer, &pl));
  CHECK(peer.sin_port == sa.sin_port && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
  CHECK(me.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && me.sin_port != sa.sin_port);
  printf("connected\n");

  const char *hello = "hello, tcp\n";
  CHECK(write(c, hello, strlen(hello)) == (ssize_t)strlen(hello));
  char buf[256];
  ssize_t n = readn(c, buf, strlen(hello));
  printf("echo: %.*s", (int)n, buf);

  /* 1 MB through the echo: written and read in turns of 64 KiB. */
  static char big[65536], back[65536];
  long sum = 0, bsum = 0;
  for (int round = 0; round < 16; round++) {
    for (int i = 0; i < (int)sizeof big; i++) { big[i] = 'a' + (i * 7 + round) % 26; sum += big[i] - 32; }
    CHECK(write(c, big, sizeof big) == sizeof big);
    CHECK(readn(c, back, sizeof back) == sizeof back);
    for (int i = 0; i < (int)sizeof back; i++) bsum += back[i];
  }
  printf("bulk checksum match %d\n", sum == bsum);

  CHECK_OK(shutdown(c, SHUT_WR));
  n = readn(c, buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = 0;
  printf("after shutdown: %s", buf);
  n = read(c, buf, sizeof buf);
  printf("then read -> %zd\n", n);
  CHECK_ERR(write(c, "x", 1), EPIPE);
  int st;
  waitpid(pid, &st, 0);
  printf("server exit %d\n", WEXITSTATUS(st));
  close(c);

  /* Another listener on the same address fails without SO_REUSEADDR. */
  int l2 = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
  CHECK_ERR(bind(l2, (struct sockaddr *)&sa, sizeof sa), EADDRINUSE);
  close(l2);
  close(l);

  /* Nobody listens any more: refused. */
  int r = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
  CHECK_ERR(connect(r, (struct sockaddr *)&sa, sizeof sa), ECONNREFUSED);
  close(r);
  int bad = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
  CHECK_ERR(getpeername(bad, (struct sockaddr *)&peer, &pl), ENOTCONN);
  CHECK_ERR(listen(-1, 1), EBADF);
  struct sockaddr_in short_sa = sa;
  CHECK_ERR(bind(bad, (struct sockaddr *)&short_sa, 8), EINVAL);
  close(bad);
  return finish();
}
