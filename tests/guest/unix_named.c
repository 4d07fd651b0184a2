/* AF_UNIX names: a filesystem-named stream server and client across fork with
 * accept4, getsockname/getpeername, EADDRINUSE/ECONNREFUSED/ENOENT/EPROTOTYPE, the
 * socket inode, backlog and non-blocking connect, abstract names, autobind, and
 * named datagram sockets with the sender's address. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

static socklen_t mkaddr(struct sockaddr_un *a, const char *path) {
  memset(a, 0, sizeof *a); a->sun_family = AF_UNIX; strcpy(a->sun_path, path);
  return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}
static socklen_t mkabs(struct sockaddr_un *a, const char *name) {
  memset(a, 0, sizeof *a); a->sun_family = AF_UNIX; memcpy(a->sun_path + 1, name, strlen(name));
  return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}
static void show(const char *what, struct sockaddr_un *a, socklen_t len) {
  printf("%s: len %d family %d", what, (int)len, a->sun_family);
  if (len > 2 && a->sun_path[0]) printf(" path %s", a->sun_path);
  else if (len > 2) printf(" abstract %.*s", (int)len - 3, a->sun_path + 1);
  printf("\n");
}

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  struct sockaddr_un a, b; socklen_t al, bl; char buf[128]; int st; ssize_t n;

  int srv = CHECK_OK(socket(AF_UNIX, SOCK_STREAM, 0));
  al = mkaddr(&a, "srv.sock");
  CHECK_ERR(connect(srv, (struct sockaddr *)&a, al), ENOENT);
  CHECK_OK(bind(srv, (struct sockaddr *)&a, al));
  CHECK_ERR(bind(srv, (struct sockaddr *)&a, al), EADDRINUSE);
  al = mkaddr(&b, "srv2.sock");
  CHECK_ERR(bind(srv, (struct sockaddr *)&b, al), EINVAL);
  CHECK_ERR(access("srv2.sock", F_OK), ENOENT);
  al = mkaddr(&a, "srv.sock");
  struct stat sb; CHECK_OK(stat("srv.sock", &sb));
  printf("inode is a socket %d perms %o\n", S_ISSOCK(sb.st_mode), sb.st_mode & 0777);
  int other = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK_ERR(bind(other, (struct sockaddr *)&a, al), EADDRINUSE);
  CHECK_ERR(connect(other, (struct sockaddr *)&a, al), ECONNREFUSED);
  CHECK_ERR(open("srv.sock", O_RDONLY), ENXIO);
  bl = sizeof b; CHECK_OK(getsockname(srv, (struct sockaddr *)&b, &bl)); show("getsockname", &b, bl);
  CHECK_OK(listen(srv, 5));
  int one; socklen_t ol = sizeof one; getsockopt(srv, SOL_SOCKET, SO_ACCEPTCONN, &one, &ol);
  printf("SO_ACCEPTCONN %d\n", one);
  int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
  CHECK_ERR(connect(dg, (struct sockaddr *)&a, al), EPROTOTYPE);
  close(dg);

  pid_t c = fork();
  if (c == 0) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un x; socklen_t xl = mkaddr(&x, "srv.sock");
    if (connect(s, (struct sockaddr *)&x, xl) < 0) _exit(2);
    struct sockaddr_un p; socklen_t pl = sizeof p;
    getpeername(s, (struct sockaddr *)&p, &pl);
    if (pl != xl || strcmp(p.sun_path, "srv.sock")) _exit(3);
    send(s, "ping", 4, 0);
    char r[16]; ssize_t k = recv(s, r, sizeof r, 0);
    _exit(k == 4 && !memcmp(r, "pong", 4) ? 0 : 4);
  }
  bl = sizeof b;
  int cfd = CHECK_OK(accept4(srv, (struct sockaddr *)&b, &bl, SOCK_CLOEXEC));
  show("accept4 peer", &b, bl);
  printf("accepted cloexec %d nonblock %d\n", fcntl(cfd, F_GETFD), !!(fcntl(cfd, F_GETFL) & O_NONBLOCK));
  bl = sizeof b; CHECK_OK(getsockname(cfd, (struct sockaddr *)&b, &bl)); show("accepted getsockname", &b, bl);
  n = recv(cfd, buf, sizeof buf, 0); printf("server got %.*s\n", (int)n, buf);
  send(cfd, "pong", 4, 0);
  waitpid(c, &st, 0); printf("client exit %d\n", WEXITSTATUS(st));
  n = recv(cfd, buf, sizeof buf, 0); printf("after client exit recv %zd\n", n);
  close(cfd);

  /* backlog: listen(1) queues two connections, then a non-blocking connect fails */
  int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
  al = mkaddr(&a, "b.sock"); CHECK_OK(bind(s2, (struct sockaddr *)&a, al)); CHECK_OK(listen(s2, 1));
  int cl[3];
  for (int i = 0; i < 3; i++) {
    cl[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    errno = 0; int r = connect(cl[i], (struct sockaddr *)&a, al);
    printf("connect %d -> %d %s\n", i, r, r ? errname(errno) : "");
  }
  struct pollfd pf = { s2, POLLIN, 0 };
  printf("listener poll %d %x\n", poll(&pf, 1, 0), pf.revents);
  fcntl(s2, F_SETFL, O_NONBLOCK);
  int acc = 0; while ((cfd = accept(s2, NULL, NULL)) >= 0) { acc++; close(cfd); }
  printf("accepted %d then %s\n", acc, errname(errno));
  for (int i = 0; i < 3; i++) close(cl[i]);
  close(s2);
  /* the name stays after close: connecting is refused */
  int s3 = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK_ERR(connect(s3, (struct sockaddr *)&a, al), ECONNREFUSED);
  CHECK_OK(unlink("b.sock"));
  CHECK_ERR(connect(s3, (struct sockaddr *)&a, al), ENOENT);
  close(s3);
  close(srv); unlink("srv.sock");

  /* permission: a socket without write permission refuses non-root connects only */
  /* abstract names */
  int as = socket(AF_UNIX, SOCK_STREAM, 0);
  al = mkabs(&a, "tuml-test-abstract");
  CHECK_OK(bind(as, (struct sockaddr *)&a, al));
  bl = sizeof b; getsockname(as, (struct sockaddr *)&b, &bl); show("abstract getsockname", &b, bl);
  int as2 = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK_ERR(bind(as2, (struct sockaddr *)&a, al), EADDRINUSE);
  CHECK_ERR(connect(as2, (struct sockaddr *)&a, al), ECONNREFUSED);
  listen(as, 4);
  CHECK_OK(connect(as2, (struct sockaddr *)&a, al));
  cfd = CHECK_OK(accept(as, NULL, NULL));
  send(as2, "abs", 3, 0); n = recv(cfd, buf, sizeof buf, 0); printf("abstract stream %.*s\n", (int)n, buf);
  close(cfd); close(as2); close(as);
  int as3 = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK_OK(bind(as3, (struct sockaddr *)&a, al));
  printf("abstract name free again after close\n");
  close(as3);

  /* autobind: bind with only the family, and implicitly for SO_PASSCRED senders */
  int ab = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un fam = { .sun_family = AF_UNIX };
  CHECK_OK(bind(ab, (struct sockaddr *)&fam, sizeof(sa_family_t)));
  bl = sizeof b; getsockname(ab, (struct sockaddr *)&b, &bl);
  int hex = 1; for (int i = 1; i < 6; i++) hex &= !!strchr("0123456789abcdef", b.sun_path[i]);
  printf("autobind len %d first byte %d hex %d\n", (int)bl, b.sun_path[0], hex);
  close(ab);
  int ub = socket(AF_UNIX, SOCK_DGRAM, 0);
  bl = sizeof b; getsockname(ub, (struct sockaddr *)&b, &bl); printf("unbound getsockname len %d\n", (int)bl);

  /* named datagram sockets */
  int d1 = socket(AF_UNIX, SOCK_DGRAM, 0), d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
  al = mkaddr(&a, "d1.sock"); bl = mkaddr(&b, "d2.sock");
  CHECK_OK(bind(d1, (struct sockaddr *)&a, al)); CHECK_OK(bind(d2, (struct sockaddr *)&b, bl));
  CHECK(sendto(d2, "from d2", 7, 0, (struct sockaddr *)&a, al) == 7);
  CHECK(sendto(ub, "anon", 4, 0, (struct sockaddr *)&a, al) == 4);
  struct sockaddr_un from; socklen_t fl = sizeof from;
  n = recvfrom(d1, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
  printf("recvfrom %zd %.*s ", n, (int)n, buf); show("from", &from, fl);
  fl = sizeof from;
  n = recvfrom(d1, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
  printf("recvfrom %zd %.*s fromlen %d\n", n, (int)n, buf, (int)fl);
  CHECK_OK(connect(d2, (struct sockaddr *)&a, al));
  bl = sizeof b; getpeername(d2, (struct sockaddr *)&b, &bl); show("dgram peer", &b, bl);
  CHECK(send(d2, "conn", 4, 0) == 4);
  n = recv(d1, buf, sizeof buf, 0); printf("connected dgram %.*s\n", (int)n, buf);
  struct sockaddr_un nowhere; socklen_t nl = mkaddr(&nowhere, "nowhere.sock");
  CHECK_ERR(sendto(ub, "x", 1, 0, (struct sockaddr *)&nowhere, nl), ENOENT);
  close(d1);
  CHECK_ERR(send(d2, "x", 1, 0), ECONNREFUSED);
  close(d2); close(ub);
  unlink("d1.sock"); unlink("d2.sock");
  CHECK_ERR(bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, 1), EINVAL);
  a.sun_family = AF_INET;
  CHECK_ERR(bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, al), EINVAL);
  return finish();
}
