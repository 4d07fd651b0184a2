/* AF_PACKET on lo: EPERM without root; SOCK_DGRAM and SOCK_RAW sockets bound to lo with
 * a classic BPF filter (SO_ATTACH_FILTER) that keeps only this program's UDP datagrams;
 * sockaddr_ll of received frames and of getsockname; PACKET_AUXDATA lengths; ETH_P_ALL
 * sees the outgoing and the incoming copy; a datagram sent through a packet socket
 * reaches a UDP socket; bad filters are EINVAL. Runs as root (the oracle needs it). */
#include "common.h"
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define MAGIC 0x54554d4c /* "TUML" at the start of every payload */

static unsigned short port;

/* Keep IPv4/UDP to `port` whose payload starts with MAGIC; off is where the IP header starts. */
static int attach(int fd, int off) {
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, off + 9),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 7),
    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, off + 6),
    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 5, 0),
    BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, off),
    BPF_STMT(BPF_LD | BPF_H | BPF_IND, off + 2),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 2),
    BPF_STMT(BPF_LD | BPF_W | BPF_IND, off + 8),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MAGIC, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, 0),
    BPF_STMT(BPF_RET | BPF_K, 0x7fffffff),
  };
  struct sock_fprog p = { .len = sizeof f / sizeof f[0], .filter = f };
  return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &p, sizeof p);
}

static void send_udp(int u, const char *tail) {
  char m[64];
  unsigned magic = htonl(MAGIC);
  memcpy(m, &magic, 4);
  size_t n = strlen(tail);
  memcpy(m + 4, tail, n);
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  CHECK(sendto(u, m, 4 + n, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)(4 + n));
}

static void show_ll(const char *what, struct sockaddr_ll *a, socklen_t len) {
  printf("%s: len %u family %d proto %#x ifindex %d hatype %d pkttype %d halen %d addr %02x%02x%02x%02x%02x%02x\n",
    what, len, a->sll_family, ntohs(a->sll_protocol), a->sll_ifindex, a->sll_hatype, a->sll_pkttype, a->sll_halen,
    a->sll_addr[0], a->sll_addr[1], a->sll_addr[2], a->sll_addr[3], a->sll_addr[4], a->sll_addr[5]);
}

int main(void) {
  /* Without CAP_NET_RAW: EPERM. */
  pid_t pid = fork();
  if (pid == 0) {
    if (setuid(65534) != 0) _exit(2);
    errno = 0;
    int r = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    _exit(r < 0 && errno == EPERM ? 0 : 1);
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);

  /* A UDP receiver gives the port (and keeps ICMP port unreachables away). */
  int u = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  CHECK_OK(bind(u, (struct sockaddr *)&sa, sizeof sa));
  socklen_t sl = sizeof sa;
  CHECK_OK(getsockname(u, (struct sockaddr *)&sa, &sl));
  port = ntohs(sa.sin_port);
  int lo = if_nametoindex("lo");
  printf("lo ifindex %d\n", lo);

  int d = CHECK_OK(socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK, htons(ETH_P_IP)));
  struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = lo };
  CHECK_OK(bind(d, (struct sockaddr *)&ll, sizeof ll));
  CHECK_OK(attach(d, 0));
  /* qemu-user forwards no SOL_PACKET options (ENOPROTOOPT): where it does, the auxdata
   * is checked against the datagram itself rather than printed. */
  int one = 1;
  int aux = setsockopt(d, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) == 0;
  struct sockaddr_ll me; socklen_t ml = sizeof me;
  CHECK_OK(getsockname(d, (struct sockaddr *)&me, &ml));
  show_ll("getsockname", &me, ml);

  int r = CHECK_OK(socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL)));
  ll.sll_protocol = htons(ETH_P_ALL);
  CHECK_OK(bind(r, (struct sockaddr *)&ll, sizeof ll));
  CHECK_OK(attach(r, ETH_HLEN));

  int s = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
  send_udp(s, "hello");
  char buf[256];
  struct pollfd pf = { .fd = d, .events = POLLIN };
  CHECK(poll(&pf, 1, 2000) == 1);

  /* SOCK_DGRAM: the IPv4 datagram without a link header, plus tpacket_auxdata. */
  struct sockaddr_ll from; socklen_t fl = sizeof from;
  char cbuf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
  struct iovec iov = { buf, sizeof buf };
  struct msghdr mh = { .msg_name = &from, .msg_namelen = fl, .msg_iov = &iov, .msg_iovlen = 1,
    .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  ssize_t n = recvmsg(d, &mh, 0);
  printf("dgram %zd bytes: version %d proto %d dport ok %d payload %.5s\n", n, (unsigned char)buf[0] >> 4, buf[9],
    ntohs(*(unsigned short *)(buf + 22)) == port, buf + 32);
  show_ll("dgram from", &from, mh.msg_namelen);
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  if (aux) {
    CHECK(c && c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA);
    struct tpacket_auxdata ax;
    if (c) memcpy(&ax, CMSG_DATA(c), sizeof ax);
    CHECK(c && ax.tp_len == n && ax.tp_snaplen == n && ax.tp_net == 0 && (ax.tp_status & TP_STATUS_USER));
  } else CHECK(c == NULL);
  CHECK_ERR(recv(d, buf, sizeof buf, 0), EAGAIN);

  /* SOCK_RAW with ETH_P_ALL: the outgoing copy, then the incoming one, each with a header. */
  for (int i = 0; i < 2; i++) {
    fl = sizeof from;
    n = recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    printf("raw %zd bytes: ethertype %#x pkttype %d\n", n, ntohs(*(unsigned short *)(buf + 12)), from.sll_pkttype);
  }
  CHECK_ERR(recv(r, buf, sizeof buf, 0), EAGAIN);

  /* MSG_TRUNC on a packet socket gives the whole length. */
  send_udp(s, "truncated");
  CHECK(poll(&pf, 1, 2000) == 1);
  n = recv(d, buf, 8, MSG_TRUNC);
  printf("trunc %zd\n", n);

  /* A datagram from 127.0.0.1 sent through a packet socket on lo arrives without the
   * route a local packet carries: Linux drops it as a martian source. */
  unsigned char pkt[20 + 8 + 8] = { 0x45, 0, 0, sizeof pkt, 0, 1, 0x40, 0, 64, IPPROTO_UDP };
  *(unsigned *)(pkt + 12) = htonl(INADDR_LOOPBACK);
  *(unsigned *)(pkt + 16) = htonl(INADDR_LOOPBACK);
  unsigned sum = 0;
  for (int i = 0; i < 20; i += 2) sum += (pkt[i] << 8) | pkt[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  pkt[10] = ~sum >> 8; pkt[11] = ~sum & 255;
  *(unsigned short *)(pkt + 20) = htons(40000);
  *(unsigned short *)(pkt + 22) = htons(port);
  *(unsigned short *)(pkt + 24) = htons(16);
  memcpy(pkt + 28, "injected", 8); /* UDP checksum 0: none */
  struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = lo, .sll_halen = 6 };
  CHECK(sendto(d, pkt, sizeof pkt, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)sizeof pkt);
  char ub[64];
  int got = 0;
  struct pollfd up = { .fd = u, .events = POLLIN };
  while (poll(&up, 1, 300) == 1) {
    n = recv(u, ub, sizeof ub, 0);
    if (n == 8 && memcmp(ub, "injected", 8) == 0) got = 1;
  }
  printf("udp got injected %d\n", got);
  /* Without an address the bound device is used; lo needs no destination MAC. */
  printf("send without address %zd\n", sendto(d, pkt, sizeof pkt, 0, NULL, 0));
  int unb = CHECK_OK(socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP)));
  CHECK_ERR(send(unb, pkt, sizeof pkt, 0), ENXIO);
  close(unb);

  /* Bad programs. */
  struct sock_filter bad[] = { BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 5, 0), BPF_STMT(BPF_RET | BPF_K, 0) };
  struct sock_fprog bp = { .len = 2, .filter = bad };
  CHECK_ERR(setsockopt(d, SOL_SOCKET, SO_ATTACH_FILTER, &bp, sizeof bp), EINVAL);
  struct sock_filter noret[] = { BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0) };
  bp.len = 1; bp.filter = noret;
  CHECK_ERR(setsockopt(d, SOL_SOCKET, SO_ATTACH_FILTER, &bp, sizeof bp), EINVAL);
  struct sock_filter div0[] = { BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), BPF_STMT(BPF_RET | BPF_A, 0) };
  bp.len = 2; bp.filter = div0;
  CHECK_ERR(setsockopt(d, SOL_SOCKET, SO_ATTACH_FILTER, &bp, sizeof bp), EINVAL);
  struct sock_filter mem[] = { BPF_STMT(BPF_LD | BPF_MEM, 3), BPF_STMT(BPF_RET | BPF_A, 0) };
  bp.filter = mem;
  CHECK_ERR(setsockopt(d, SOL_SOCKET, SO_ATTACH_FILTER, &bp, sizeof bp), EINVAL);

  /* A filter that drops everything; detaching twice is ENOENT. */
  struct sock_filter drop[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
  bp.len = 1; bp.filter = drop;
  CHECK_OK(setsockopt(r, SOL_SOCKET, SO_ATTACH_FILTER, &bp, sizeof bp));
  while (recv(d, buf, sizeof buf, 0) > 0) {}
  while (recv(r, buf, sizeof buf, 0) > 0) {}
  send_udp(s, "dropped");
  CHECK(poll(&pf, 1, 2000) == 1);
  CHECK_ERR(recv(r, buf, sizeof buf, 0), EAGAIN);
  /* qemu-user does not forward SO_DETACH_FILTER (ENOPROTOOPT). */
  if (aux) {
    CHECK_OK(setsockopt(r, SOL_SOCKET, SO_DETACH_FILTER, NULL, 0));
    CHECK(setsockopt(r, SOL_SOCKET, SO_DETACH_FILTER, NULL, 0) == -1 && errno == ENOENT);
  }

  struct tpacket_stats ps; socklen_t pl = sizeof ps;
  if (aux) {
    CHECK_OK(getsockopt(d, SOL_PACKET, PACKET_STATISTICS, &ps, &pl));
    CHECK(pl == sizeof ps && ps.tp_drops == 0 && ps.tp_packets >= 3);
  }
  CHECK_ERR(socket(AF_PACKET, SOCK_STREAM, 0), ESOCKTNOSUPPORT);
  close(d); close(r); close(s); close(u);
  return finish();
}
