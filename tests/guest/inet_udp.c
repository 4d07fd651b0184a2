/* UDP over 127.0.0.1: a round trip between two sockets, recvfrom addresses, MSG_PEEK,
 * MSG_TRUNC, connected sockets and ECONNREFUSED from an ICMP port unreachable. */
#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

int main(void) {
  int a = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
  int b = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  CHECK_OK(bind(a, (struct sockaddr *)&sa, sizeof sa));
  socklen_t len = sizeof sa;
  CHECK_OK(getsockname(a, (struct sockaddr *)&sa, &len));
  CHECK(sa.sin_port != 0);

  CHECK(sendto(b, "ping", 4, 0, (struct sockaddr *)&sa, sizeof sa) == 4);
  struct pollfd p = { .fd = a, .events = POLLIN };
  printf("poll %d revents %#x\n", poll(&p, 1, 1000), p.revents);
  char buf[64];
  struct sockaddr_in from;
  socklen_t fl = sizeof from;
  ssize_t n = recvfrom(a, buf, sizeof buf, MSG_PEEK, (struct sockaddr *)&from, &fl);
  printf("peek %zd %.*s\n", n, (int)n, buf);
  n = recvfrom(a, buf, 2, MSG_TRUNC, (struct sockaddr *)&from, &fl);
  printf("trunc %zd\n", n);
  struct sockaddr_in bn; socklen_t bl = sizeof bn;
  CHECK_OK(getsockname(b, (struct sockaddr *)&bn, &bl));
  CHECK(from.sin_port == bn.sin_port && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
  CHECK(bn.sin_addr.s_addr == 0); /* autobound to INADDR_ANY */

  CHECK(sendto(a, "pong!", 5, 0, (struct sockaddr *)&from, fl) == 5);
  n = recv(b, buf, sizeof buf, 0);
  printf("reply %zd %.*s\n", n, (int)n, buf);
  CHECK_ERR(recv(b, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);

  /* Connected: send() without an address; a closed port reports ECONNREFUSED. */
  CHECK_OK(connect(b, (struct sockaddr *)&sa, sizeof sa));
  CHECK(send(b, "x", 1, 0) == 1);
  n = recv(a, buf, sizeof buf, 0);
  printf("connected send %zd\n", n);
  close(a);
  CHECK(send(b, "y", 1, 0) == 1);
  CHECK_ERR(recv(b, buf, sizeof buf, 0), ECONNREFUSED);
  int c = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
  CHECK_ERR(send(c, "z", 1, 0), EDESTADDRREQ);
  close(b); close(c);
  return finish();
}
