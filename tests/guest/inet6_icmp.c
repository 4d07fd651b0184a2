/* ICMPv6 on loopback: a raw ICMPv6 socket (root) sends an echo request to ::1 with the
 * checksum left to the kernel, ICMP6_FILTER passes only echo replies, the reply comes
 * back with its hop limit (IPV6_RECVHOPLIMIT and RFC 2292's IPV6_2292HOPLIMIT), and
 * IPV6_CHECKSUM follows RFC 3542. A raw UDP socket sees a datagram without the IPv6
 * header. ICMPv6 ping sockets are tried too; the host's net.ipv4.ping_group_range may
 * forbid them, so there the program checks its own results without printing. */
#include "common.h"
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

static int opt(int fd, int level, int name) {
  int v = -99; socklen_t l = sizeof v;
  if (getsockopt(fd, level, name, &v, &l) != 0) return -1000 - errno;
  return v;
}

static unsigned short sum(const unsigned char *p, size_t n, unsigned s) {
  for (size_t i = 0; i + 1 < n; i += 2) s += (p[i] << 8) | p[i + 1];
  if (n & 1) s += p[n - 1] << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (unsigned short)s;
}

int main(void) {
  int r = CHECK_OK(socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6));
  /* qemu-user answers neither getsockopt(SOL_RAW, IPV6_CHECKSUM) nor ICMP6_FILTER
   * (EOPNOTSUPP): where they work, the values are checked rather than printed. */
  int co = opt(r, SOL_RAW, IPV6_CHECKSUM);
  CHECK(co == 2 || co == -1000 - EOPNOTSUPP);
  int two = 2, three = 3;
  CHECK_OK(setsockopt(r, SOL_RAW, IPV6_CHECKSUM, &two, sizeof two));
  CHECK_ERR(setsockopt(r, SOL_RAW, IPV6_CHECKSUM, &three, sizeof three), EINVAL);
  CHECK_ERR(setsockopt(r, IPPROTO_IPV6, IPV6_CHECKSUM, &two, sizeof two), EINVAL);
  struct icmp6_filter f;
  ICMP6_FILTER_SETBLOCKALL(&f);
  ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
  CHECK_OK(setsockopt(r, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f));
  struct icmp6_filter g; socklen_t gl = sizeof g;
  if (getsockopt(r, IPPROTO_ICMPV6, ICMP6_FILTER, &g, &gl) == 0)
    CHECK(gl == sizeof g && ICMP6_FILTER_WILLPASS(ICMP6_ECHO_REPLY, &g) && ICMP6_FILTER_WILLBLOCK(ICMP6_ECHO_REQUEST, &g));
  else CHECK(errno == EOPNOTSUPP);
  int one = 1;
  CHECK_OK(setsockopt(r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one));
  CHECK_OK(setsockopt(r, IPPROTO_IPV6, IPV6_2292HOPLIMIT, &one, sizeof one));
  int hops = 9;
  CHECK_OK(setsockopt(r, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops));

  /* An echo request to ::1; the checksum field is left zero for the kernel. The reply
   * comes from the kernel with its own hop limit (64). */
  unsigned char req[8 + 5] = { ICMP6_ECHO_REQUEST, 0, 0, 0, 0x12, 0x34, 0, 1, 't', 'u', 'm', 'l', '6' };
  struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = in6addr_loopback };
  CHECK(sendto(r, req, sizeof req, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)sizeof req);
  unsigned char buf[256], cbuf[256];
  struct sockaddr_in6 from;
  struct iovec iov = { buf, sizeof buf };
  struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
    .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  ssize_t n = recvmsg(r, &mh, 0);
  char ip[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &from.sin6_addr, ip, sizeof ip);
  printf("got %zd: type %d code %d id %#x seq %d payload %.5s from %s port %d\n", n, buf[0], buf[1], (buf[4] << 8) | buf[5],
    (buf[6] << 8) | buf[7], buf + 8, ip, ntohs(from.sin6_port));
  /* The checksum over the pseudo-header (::1, ::1, length, 58) and the message is valid. */
  unsigned ph = 1 + 1 + (unsigned)n + 58;
  CHECK(sum(buf, n, ph) == 0xffff);
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    int v; memcpy(&v, CMSG_DATA(c), sizeof v);
    printf("cmsg level %d type %d value %d\n", c->cmsg_level, c->cmsg_type, v);
  }
  CHECK_ERR(recv(r, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);

  /* A raw UDP socket gets the datagram without the IPv6 header. */
  int ru = CHECK_OK(socket(AF_INET6, SOCK_RAW, IPPROTO_UDP));
  int u = CHECK_OK(socket(AF_INET6, SOCK_DGRAM, 0));
  struct sockaddr_in6 ua = { .sin6_family = AF_INET6, .sin6_addr = in6addr_loopback };
  CHECK_OK(bind(u, (struct sockaddr *)&ua, sizeof ua));
  socklen_t al = sizeof ua;
  CHECK_OK(getsockname(u, (struct sockaddr *)&ua, &al));
  CHECK(sendto(u, "raw-udp", 7, 0, (struct sockaddr *)&ua, sizeof ua) == 7);
  struct pollfd pf = { .fd = ru, .events = POLLIN };
  int got = 0;
  while (poll(&pf, 1, 1000) == 1) {
    n = recv(ru, buf, sizeof buf, 0);
    if (n == 15 && memcmp(buf + 8, "raw-udp", 7) == 0 && *(unsigned short *)(buf + 2) == ua.sin6_port) { got = 1; break; }
  }
  printf("raw udp saw the datagram %d\n", got);
  close(ru); close(u);

  /* Ping sockets, where the host allows them. */
  errno = 0;
  int p = socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6);
  if (p >= 0) {
    unsigned char e[8 + 3] = { ICMP6_ECHO_REQUEST, 0, 0, 0, 0, 0, 0, 7, 'a', 'b', 'c' };
    CHECK(sendto(p, e, sizeof e, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)sizeof e);
    struct sockaddr_in6 me; socklen_t ml = sizeof me;
    CHECK_OK(getsockname(p, (struct sockaddr *)&me, &ml));
    n = recv(p, buf, sizeof buf, 0);
    CHECK(n == 11 && buf[0] == ICMP6_ECHO_REPLY && buf[7] == 7 && memcmp(buf + 8, "abc", 3) == 0);
    CHECK(((buf[4] << 8) | buf[5]) == ntohs(me.sin6_port) && me.sin6_port != 0);
    e[0] = 1;
    CHECK(sendto(p, e, sizeof e, 0, (struct sockaddr *)&to, sizeof to) == -1 && errno == EINVAL);
    close(p);
  } else CHECK(errno == EACCES);
  close(r);
  return finish();
}
