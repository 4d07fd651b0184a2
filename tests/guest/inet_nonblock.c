/* Non-blocking TCP on 127.0.0.1: connect returns EINPROGRESS, poll reports POLLOUT,
 * SO_ERROR is 0; accept on an empty queue gives EAGAIN; a refused non-blocking connect
 * shows up in SO_ERROR; poll readiness for data, EOF and HUP. */
#include "common.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

int main(void) {
  int l = CHECK_OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  CHECK_OK(bind(l, (struct sockaddr *)&sa, sizeof sa));
  socklen_t len = sizeof sa;
  CHECK_OK(getsockname(l, (struct sockaddr *)&sa, &len));
  CHECK_OK(listen(l, 1));
  CHECK_ERR(accept(l, NULL, NULL), EAGAIN);
  struct pollfd p = { .fd = l, .events = POLLIN };
  printf("idle listener poll %d\n", poll(&p, 1, 0));

  int c = CHECK_OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  int r = connect(c, (struct sockaddr *)&sa, sizeof sa);
  printf("connect %d %s\n", r, r < 0 ? errname(errno) : "");
  struct pollfd q = { .fd = c, .events = POLLOUT };
  printf("poll out %d revents %#x\n", poll(&q, 1, 2000), q.revents);
  int err = -1; socklen_t el = sizeof err;
  CHECK_OK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el));
  printf("SO_ERROR %d\n", err);
  /* The first connect after completion reports success, the next one EISCONN. */
  printf("connect again %d\n", connect(c, (struct sockaddr *)&sa, sizeof sa));
  CHECK_ERR(connect(c, (struct sockaddr *)&sa, sizeof sa), EISCONN);
  printf("listener poll %d revents %#x\n", poll(&p, 1, 2000), p.revents);
  int s = CHECK_OK(accept4(l, NULL, NULL, SOCK_NONBLOCK));
  printf("accepted nonblock %d\n", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0);

  char buf[16];
  CHECK_ERR(read(s, buf, sizeof buf), EAGAIN);
  struct pollfd rs = { .fd = s, .events = POLLIN | POLLOUT };
  printf("server poll %d revents %#x\n", poll(&rs, 1, 0), rs.revents);
  CHECK(write(c, "abc", 3) == 3);
  printf("server poll %d revents %#x\n", poll(&rs, 1, 1000), rs.revents);
  CHECK(read(s, buf, sizeof buf) == 3);
  close(c);
  rs.events = POLLIN | POLLRDHUP;
  printf("after close poll %d revents %#x\n", poll(&rs, 1, 1000), rs.revents);
  printf("read at EOF %zd\n", read(s, buf, sizeof buf));
  close(s);
  close(l);

  /* A refused non-blocking connect: EINPROGRESS or ECONNREFUSED at once, then SO_ERROR. */
  int d = CHECK_OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  r = connect(d, (struct sockaddr *)&sa, sizeof sa);
  int e0 = errno;
  if (r < 0 && e0 == EINPROGRESS) {
    struct pollfd w = { .fd = d, .events = POLLOUT };
    poll(&w, 1, 2000);
    el = sizeof err;
    getsockopt(d, SOL_SOCKET, SO_ERROR, &err, &el);
    printf("refused: SO_ERROR %s\n", errname(err == ECONNREFUSED ? ECONNREFUSED : err));
  } else {
    printf("refused: SO_ERROR %s\n", errname(e0));
  }
  close(d);
  return finish();
}
