/* IPv6 on loopback: TCP and UDP over ::1 and the unspecified address, dual-stack
 * sockets taking IPv4 as ::ffff:127.0.0.1 and IPV6_V6ONLY refusing it, sockaddr_in6
 * from getsockname/getpeername/recvfrom, IPPROTO_IPV6 options, bind conflicts across
 * the families, ECONNREFUSED on a closed port both ways. */
#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

static const char *show(const struct sockaddr_in6 *a) {
  static char buf[2][80];
  static int k;
  char ip[INET6_ADDRSTRLEN];
  k ^= 1;
  inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
  snprintf(buf[k], sizeof buf[k], "family %d [%s] flow %u scope %u", a->sin6_family, ip, a->sin6_flowinfo, a->sin6_scope_id);
  return buf[k];
}

static int opt(int fd, int level, int name) {
  int v = -99; socklen_t l = sizeof v;
  if (getsockopt(fd, level, name, &v, &l) != 0) return -1000 - errno;
  return v;
}

/* A TCP listener on addr (port chosen by the kernel); returns the fd and the port. */
static int listener(const struct in6_addr *addr, int v6only, unsigned short *port) {
  int l = CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0));
  int one = 1;
  CHECK_OK(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
  if (v6only >= 0) CHECK_OK(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only));
  struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = *addr };
  CHECK_OK(bind(l, (struct sockaddr *)&a, sizeof a));
  CHECK_OK(listen(l, 8));
  socklen_t al = sizeof a;
  CHECK_OK(getsockname(l, (struct sockaddr *)&a, &al));
  *port = ntohs(a.sin6_port);
  return l;
}

int main(void) {
  unsigned short port;
  struct sockaddr_in6 a; socklen_t al;

  /* TCP over ::1. */
  int l = listener(&in6addr_loopback, -1, &port);
  al = sizeof a;
  CHECK_OK(getsockname(l, (struct sockaddr *)&a, &al));
  printf("listener len %u %s\n", al, show(&a));
  /* Binding a specific IPv6 address makes the socket IPv6-only. */
  printf("v6only %d hops %d tclass %d\n", opt(l, IPPROTO_IPV6, IPV6_V6ONLY), opt(l, IPPROTO_IPV6, IPV6_UNICAST_HOPS),
    opt(l, IPPROTO_IPV6, IPV6_TCLASS));
  int zero = 0;
  int c = CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0));
  CHECK_OK(setsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero));
  struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_loopback };
  CHECK_OK(connect(c, (struct sockaddr *)&to, sizeof to));
  struct sockaddr_in6 peer; socklen_t pl = sizeof peer;
  int s = CHECK_OK(accept(l, (struct sockaddr *)&peer, &pl));
  printf("accepted len %u %s\n", pl, show(&peer));
  al = sizeof a;
  CHECK_OK(getsockname(c, (struct sockaddr *)&a, &al));
  printf("client %s same port %d\n", show(&a), a.sin6_port == peer.sin6_port);
  al = sizeof a;
  CHECK_OK(getpeername(c, (struct sockaddr *)&a, &al));
  printf("client peer %s\n", show(&a));
  CHECK(write(c, "over ::1", 8) == 8);
  char buf[64];
  ssize_t n = read(s, buf, sizeof buf);
  printf("read %zd %.*s\n", n, (int)n, buf);
  /* Linux bounds the MSS it reports on lo by half the window; only sanity-check it. */
  CHECK(opt(c, IPPROTO_TCP, TCP_MAXSEG) > 1000);
  close(c); close(s);

  /* connect to :: reaches ::1. */
  c = CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0));
  to.sin6_addr = in6addr_any;
  CHECK_OK(connect(c, (struct sockaddr *)&to, sizeof to));
  al = sizeof a;
  CHECK_OK(getpeername(c, (struct sockaddr *)&a, &al));
  printf("to :: peer %s\n", show(&a));
  s = CHECK_OK(accept(l, NULL, NULL));
  close(c); close(s); close(l);

  /* A ::1 listener refuses IPv4; a dual-stack :: listener takes it as ::ffff:127.0.0.1. */
  l = listener(&in6addr_any, 0, &port);
  int c4 = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
  struct sockaddr_in t4 = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  CHECK_OK(connect(c4, (struct sockaddr *)&t4, sizeof t4));
  pl = sizeof peer;
  s = CHECK_OK(accept(l, (struct sockaddr *)&peer, &pl));
  printf("dual-stack accepted %s\n", show(&peer));
  al = sizeof a;
  CHECK_OK(getsockname(s, (struct sockaddr *)&a, &al));
  printf("dual-stack local %s\n", show(&a));
  close(s); close(c4);
  /* A v6 socket connecting to a mapped address is an IPv4 connection. */
  c = CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0));
  inet_pton(AF_INET6, "::ffff:127.0.0.1", &to.sin6_addr);
  to.sin6_port = htons(port);
  CHECK_OK(connect(c, (struct sockaddr *)&to, sizeof to));
  al = sizeof a;
  CHECK_OK(getsockname(c, (struct sockaddr *)&a, &al));
  printf("mapped client %s\n", show(&a));
  s = CHECK_OK(accept(l, NULL, NULL));
  close(s); close(c);
  /* Bind conflicts: 0.0.0.0 clashes with the dual-stack ::, not with a v6only one. */
  int b4 = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
  struct sockaddr_in any4 = { .sin_family = AF_INET, .sin_port = htons(port) };
  CHECK_ERR(bind(b4, (struct sockaddr *)&any4, sizeof any4), EADDRINUSE);
  close(b4); close(l);
  l = listener(&in6addr_any, 1, &port);
  b4 = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
  any4.sin_port = htons(port);
  CHECK_OK(bind(b4, (struct sockaddr *)&any4, sizeof any4));
  close(b4);
  c4 = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
  t4.sin_port = htons(port);
  CHECK_ERR(connect(c4, (struct sockaddr *)&t4, sizeof t4), ECONNREFUSED);
  close(c4);
  c = CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0));
  int one = 1;
  CHECK_OK(setsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one));
  CHECK_ERR(connect(c, (struct sockaddr *)&to, sizeof to), ENETUNREACH);
  close(c);
  /* V6ONLY is fixed once bound; a mapped bind on a v6only socket is EINVAL. */
  CHECK_ERR(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one), EINVAL);
  c = CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0));
  CHECK_OK(setsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one));
  CHECK_ERR(bind(c, (struct sockaddr *)&to, sizeof to), EINVAL);
  struct sockaddr_in6 other = { .sin6_family = AF_INET6 };
  inet_pton(AF_INET6, "2001:db8::1", &other.sin6_addr);
  CHECK_ERR(bind(c, (struct sockaddr *)&other, sizeof other), EADDRNOTAVAIL);
  CHECK_ERR(bind(c, (struct sockaddr *)&other, 20), EINVAL);
  close(c); close(l);
  /* A closed port: RST over IPv6. */
  c = CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0));
  to.sin6_addr = in6addr_loopback;
  CHECK_ERR(connect(c, (struct sockaddr *)&to, sizeof to), ECONNREFUSED);
  close(c);

  /* UDP over ::1, options, control messages. */
  int u = CHECK_OK(socket(AF_INET6, SOCK_DGRAM, 0));
  struct sockaddr_in6 ua = { .sin6_family = AF_INET6, .sin6_addr = in6addr_loopback };
  CHECK_OK(bind(u, (struct sockaddr *)&ua, sizeof ua));
  al = sizeof ua;
  CHECK_OK(getsockname(u, (struct sockaddr *)&ua, &al));
  CHECK_OK(setsockopt(u, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one));
  CHECK_OK(setsockopt(u, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one));
  CHECK_OK(setsockopt(u, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof one));
  int v = CHECK_OK(socket(AF_INET6, SOCK_DGRAM, 0));
  int hops = 7, tc = 0x20;
  CHECK_OK(setsockopt(v, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops));
  CHECK_OK(setsockopt(v, IPPROTO_IPV6, IPV6_TCLASS, &tc, sizeof tc));
  hops = 300;
  CHECK_ERR(setsockopt(v, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops), EINVAL);
  printf("hops %d tclass %d\n", opt(v, IPPROTO_IPV6, IPV6_UNICAST_HOPS), opt(v, IPPROTO_IPV6, IPV6_TCLASS));
  CHECK(sendto(v, "udp6", 4, 0, (struct sockaddr *)&ua, sizeof ua) == 4);
  struct sockaddr_in6 from;
  char cbuf[256];
  struct iovec iov = { buf, sizeof buf };
  struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
    .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  n = recvmsg(u, &mh, 0);
  printf("udp %zd %.*s from %s namelen %u\n", n, (int)n, buf, show(&from), mh.msg_namelen);
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
    if (cm->cmsg_level != IPPROTO_IPV6) { printf("cmsg level %d type %d\n", cm->cmsg_level, cm->cmsg_type); continue; }
    if (cm->cmsg_type == IPV6_PKTINFO) {
      struct in6_pktinfo pi; memcpy(&pi, CMSG_DATA(cm), sizeof pi);
      char ip[INET6_ADDRSTRLEN]; inet_ntop(AF_INET6, &pi.ipi6_addr, ip, sizeof ip);
      printf("pktinfo %s ifindex %d len %zu\n", ip, pi.ipi6_ifindex, (size_t)cm->cmsg_len);
    } else {
      int x; memcpy(&x, CMSG_DATA(cm), sizeof x);
      printf("cmsg type %d value %d len %zu\n", cm->cmsg_type, x, (size_t)cm->cmsg_len);
    }
  }
  /* sendto :: means ::1; a dual-stack UDP socket gets IPv4 datagrams as mapped addresses. */
  struct sockaddr_in6 any6 = { .sin6_family = AF_INET6, .sin6_port = ua.sin6_port };
  CHECK(sendto(v, "any", 3, 0, (struct sockaddr *)&any6, sizeof any6) == 3);
  n = recv(u, buf, sizeof buf, 0);
  printf("to :: got %zd\n", n);
  int d = CHECK_OK(socket(AF_INET6, SOCK_DGRAM, 0));
  struct sockaddr_in6 da = { .sin6_family = AF_INET6 };
  CHECK_OK(bind(d, (struct sockaddr *)&da, sizeof da));
  al = sizeof da;
  CHECK_OK(getsockname(d, (struct sockaddr *)&da, &al));
  int u4 = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
  struct sockaddr_in d4 = { .sin_family = AF_INET, .sin_port = da.sin6_port, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  CHECK(sendto(u4, "v4", 2, 0, (struct sockaddr *)&d4, sizeof d4) == 2);
  socklen_t fl = sizeof from;
  n = recvfrom(d, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
  printf("dual-stack udp %zd from %s\n", n, show(&from));
  /* A connected UDP socket learns ECONNREFUSED from ICMPv6 port unreachable. */
  close(u);
  CHECK_OK(connect(v, (struct sockaddr *)&ua, sizeof ua));
  CHECK(send(v, "y", 1, 0) == 1);
  struct pollfd pf = { .fd = v, .events = POLLIN };
  poll(&pf, 1, 1000);
  CHECK_ERR(recv(v, buf, sizeof buf, 0), ECONNREFUSED);
  close(v); close(d); close(u4);
  CHECK_ERR(socket(AF_INET6, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
  return finish();
}
