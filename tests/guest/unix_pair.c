/* AF_UNIX socketpair: stream and dgram echo across fork, datagram boundaries and
 * MSG_TRUNC, seqpacket records, MSG_PEEK/MSG_DONTWAIT/MSG_WAITALL, shutdown (EOF,
 * EPIPE with and without SIGPIPE), socket options, fstat, poll, sendmmsg/recvmmsg. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

static volatile int sigpipes;
static void onpipe(int s) { (void)s; sigpipes++; }

static int geti(int fd, int opt) {
  int v = -1; socklen_t l = sizeof v;
  if (getsockopt(fd, SOL_SOCKET, opt, &v, &l) < 0) return -errno;
  return v;
}

static void echo_child(int fd) {
  char b[512]; ssize_t k;
  while ((k = recv(fd, b, sizeof b, 0)) > 0) {
    for (ssize_t i = 0; i < k; i++) if (b[i] >= 'a' && b[i] <= 'z') b[i] -= 32;
    if (send(fd, b, k, 0) != k) _exit(3);
  }
  _exit(k == 0 ? 0 : 4);
}

int main(void) {
  int sv[2]; char buf[256]; ssize_t n; int st;

  /* stream echo across fork */
  CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  pid_t c = fork();
  if (c == 0) { close(sv[0]); echo_child(sv[1]); }
  close(sv[1]);
  CHECK(write(sv[0], "hello ", 6) == 6);
  CHECK(send(sv[0], "world", 5, 0) == 5);
  n = recv(sv[0], buf, 11, MSG_WAITALL);
  printf("stream echo %zd %.*s\n", n, (int)(n > 0 ? n : 0), buf);
  CHECK_OK(shutdown(sv[0], SHUT_WR));
  n = read(sv[0], buf, sizeof buf);
  printf("after shutdown(WR) the child ends and read gives %zd\n", n);
  waitpid(c, &st, 0); printf("echo child exit %d\n", WEXITSTATUS(st));
  close(sv[0]);

  /* dgram: boundaries, MSG_TRUNC, MSG_PEEK, across fork */
  CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
  c = fork();
  if (c == 0) {
    close(sv[0]);
    send(sv[1], "one", 3, 0); send(sv[1], "two-two", 7, 0); send(sv[1], "", 0, 0); send(sv[1], "three-three", 11, 0);
    _exit(0);
  }
  close(sv[1]);
  waitpid(c, &st, 0);
  n = recv(sv[0], buf, sizeof buf, MSG_PEEK); printf("peek %zd %.*s\n", n, (int)n, buf);
  n = recv(sv[0], buf, sizeof buf, 0); printf("dgram %zd %.*s\n", n, (int)n, buf);
  n = recv(sv[0], buf, 3, 0); printf("dgram short buffer %zd %.*s\n", n, (int)n, buf);
  n = recv(sv[0], buf, sizeof buf, 0); printf("empty dgram %zd\n", n);
  struct iovec iov = { buf, 5 }; struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  n = recvmsg(sv[0], &mh, MSG_TRUNC); printf("MSG_TRUNC real length %zd flags trunc %d data %.5s\n", n, !!(mh.msg_flags & MSG_TRUNC), buf);
  CHECK_ERR(recv(sv[0], buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
  CHECK_ERR(send(sv[0], "x", 1, 0), ECONNREFUSED);
  close(sv[0]);

  /* seqpacket records */
  CHECK_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
  send(sv[0], "abc", 3, 0); send(sv[0], "defgh", 5, 0); send(sv[0], "ij", 2, 0);
  n = recv(sv[1], buf, sizeof buf, 0); printf("seqpacket %zd %.*s\n", n, (int)n, buf);
  iov.iov_len = 2; mh.msg_flags = 0;
  n = recvmsg(sv[1], &mh, 0); printf("seqpacket short %zd %.2s trunc %d\n", n, buf, !!(mh.msg_flags & MSG_TRUNC));
  n = recv(sv[1], buf, sizeof buf, 0); printf("seqpacket next %zd %.*s\n", n, (int)n, buf);
  close(sv[0]);
  n = recv(sv[1], buf, sizeof buf, 0); printf("seqpacket after peer close %zd\n", n);
  close(sv[1]);

  /* EPIPE, SIGPIPE, MSG_NOSIGNAL, ECONNRESET-free EOF */
  signal(SIGPIPE, onpipe);
  CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  close(sv[1]);
  CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
  printf("sigpipes after MSG_NOSIGNAL %d\n", sigpipes);
  CHECK_ERR(send(sv[0], "x", 1, 0), EPIPE);
  CHECK_ERR(write(sv[0], "x", 1), EPIPE);
  printf("sigpipes %d\n", sigpipes);
  printf("read at EOF %zd\n", read(sv[0], buf, 10));
  close(sv[0]);
  CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  CHECK_OK(shutdown(sv[0], SHUT_RD));
  CHECK_ERR(send(sv[1], "x", 1, MSG_NOSIGNAL), EPIPE);
  printf("recv after SHUT_RD %zd\n", recv(sv[0], buf, 10, 0));
  CHECK_ERR(shutdown(sv[0], 7), EINVAL);
  close(sv[0]); close(sv[1]);
  /* unread data at close: the peer sees ECONNRESET, then EOF */
  CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  send(sv[0], "zz", 2, 0); close(sv[1]);
  CHECK_ERR(recv(sv[0], buf, 10, 0), ECONNRESET);
  printf("then %zd\n", recv(sv[0], buf, 10, 0));
  close(sv[0]);

  /* options, fstat, flags */
  CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
  printf("nonblock %d cloexec %d\n", !!(fcntl(sv[0], F_GETFL) & O_NONBLOCK), fcntl(sv[0], F_GETFD));
  printf("SO_TYPE %d SO_DOMAIN %d SO_PROTOCOL %d SO_ACCEPTCONN %d SO_ERROR %d\n",
         geti(sv[0], SO_TYPE), geti(sv[0], SO_DOMAIN), geti(sv[0], SO_PROTOCOL), geti(sv[0], SO_ACCEPTCONN), geti(sv[0], SO_ERROR));
  int one = 1; CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
  CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one));
  printf("SO_REUSEADDR %d SO_KEEPALIVE %d\n", geti(sv[0], SO_REUSEADDR), geti(sv[0], SO_KEEPALIVE));
  int sz = 8192; CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz));
  printf("SO_RCVBUF after 8192: %d\n", geti(sv[0], SO_RCVBUF));
  struct linger lg = { 1, 5 }; CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
  struct linger lg2; socklen_t ll = sizeof lg2; CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg2, &ll));
  printf("linger %d %d len %d\n", lg2.l_onoff, lg2.l_linger, (int)ll);
  struct timeval tv = { 0, 100000 }; CHECK_OK(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  struct timeval tv2; socklen_t tl = sizeof tv2; getsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv2, &tl);
  printf("rcvtimeo %ld.%06ld\n", (long)tv2.tv_sec, (long)tv2.tv_usec);
  CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, 12345, &one, sizeof one), ENOPROTOOPT);
  CHECK_ERR(getsockopt(sv[0], SOL_SOCKET, 12345, &one, &ll), ENOPROTOOPT);
  CHECK_ERR(recv(sv[0], buf, 1, 0), EAGAIN);
  /* SO_RCVTIMEO on a blocking socket */
  fcntl(sv[1], F_SETFL, 0);
  CHECK_ERR(recv(sv[1], buf, 1, 0), EAGAIN);
  struct stat sb; CHECK_OK(fstat(sv[0], &sb));
  printf("fstat S_ISSOCK %d mode %o\n", S_ISSOCK(sb.st_mode), sb.st_mode);
  CHECK_ERR(lseek(sv[0], 0, SEEK_CUR), ESPIPE);
  /* poll readiness */
  struct pollfd p[2] = { { sv[0], POLLIN | POLLOUT, 0 }, { sv[1], POLLIN, 0 } };
  printf("poll %d: %x %x\n", poll(p, 2, 0), p[0].revents, p[1].revents);
  send(sv[0], "q", 1, 0);
  printf("poll %d: %x %x\n", poll(p, 2, 0), p[0].revents, p[1].revents);
  close(sv[0]);
  printf("poll after close %d: %x\n", poll(&p[1], 1, 0), p[1].revents);
  close(sv[1]);

  /* sendmmsg / recvmmsg */
  CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
  struct mmsghdr mm[3]; struct iovec iv[3]; char bufs[3][16];
  const char *words[3] = { "alpha", "be", "gamma!" };
  for (int i = 0; i < 3; i++) { iv[i].iov_base = (void *)words[i]; iv[i].iov_len = strlen(words[i]);
    memset(&mm[i], 0, sizeof mm[i]); mm[i].msg_hdr.msg_iov = &iv[i]; mm[i].msg_hdr.msg_iovlen = 1; }
  printf("sendmmsg %d lens %u %u %u\n", sendmmsg(sv[0], mm, 3, 0), mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
  for (int i = 0; i < 3; i++) { iv[i].iov_base = bufs[i]; iv[i].iov_len = 16; }
  int got = recvmmsg(sv[1], mm, 3, MSG_DONTWAIT, NULL);
  printf("recvmmsg %d:", got);
  for (int i = 0; i < got; i++) printf(" %.*s", (int)mm[i].msg_len, bufs[i]);
  printf("\n");
  close(sv[0]); close(sv[1]);

  /* epoll: a blocking wait that a child's send ends; EPOLLRDHUP/EPOLLHUP at close */
  CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  int ep = CHECK_OK(epoll_create1(0));
  struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.u32 = 7 }, out[4];
  CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev));
  printf("epoll before data %d\n", epoll_wait(ep, out, 4, 0));
  c = fork();
  if (c == 0) { usleep(20000); send(sv[1], "late", 4, 0); usleep(20000); _exit(0); }
  n = epoll_wait(ep, out, 4, -1);
  printf("epoll woke %zd data %u events %x\n", n, out[0].data.u32, out[0].events);
  n = recv(sv[0], buf, sizeof buf, 0); printf("got %.*s\n", (int)n, buf);
  close(sv[1]);
  waitpid(c, &st, 0);
  n = epoll_wait(ep, out, 4, -1);
  printf("epoll after the peer closed %zd events %x\n", n, out[0].events);
  close(ep); close(sv[0]);

  /* errors */
  CHECK_ERR(socket(AF_UNIX, SOCK_STREAM, 7), EPROTONOSUPPORT);
  CHECK_ERR(socket(AF_UNIX, 9, 0), ESOCKTNOSUPPORT);
  CHECK_ERR(socket(1000, SOCK_STREAM, 0), EAFNOSUPPORT);
  CHECK_ERR(send(0 + 100, "x", 1, 0), EBADF);
  int pp[2]; pipe(pp);
  CHECK_ERR(send(pp[1], "x", 1, 0), ENOTSOCK);
  CHECK_ERR(listen(pp[0], 1), ENOTSOCK);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK_ERR(recv(s, buf, 1, 0), EINVAL);
  CHECK_ERR(send(s, "x", 1, MSG_NOSIGNAL), ENOTCONN);
  CHECK_ERR(listen(s, 1), EINVAL);
  CHECK_ERR(accept(s, NULL, NULL), EINVAL);
  CHECK_ERR(getpeername(s, (struct sockaddr *)buf, &ll), ENOTCONN);
  int d = socket(AF_UNIX, SOCK_DGRAM, 0);
  CHECK_ERR(send(d, "x", 1, 0), ENOTCONN);
  CHECK_ERR(listen(d, 1), EOPNOTSUPP);
  return finish();
}
