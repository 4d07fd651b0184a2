/* AF_UNIX control messages: SCM_RIGHTS (a pipe fd passed across fork, several fds,
 * MSG_CTRUNC closing what does not fit, MSG_CMSG_CLOEXEC, EBADF), SCM_CREDENTIALS with
 * SO_PASSCRED, SO_PEERCRED (compared with the peer's getpid). */
#include "common.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

static int send_fds(int s, const char *msg, int *fds, int n) {
  char cbuf[CMSG_SPACE(sizeof(int) * 8)]; memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = { (void *)msg, strlen(msg) };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
  struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
  cm->cmsg_level = SOL_SOCKET; cm->cmsg_type = SCM_RIGHTS; cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
  memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
  return sendmsg(s, &mh, 0);
}

/* Receive with a control buffer of clen bytes; returns the number of fds, stores them. */
static int recv_fds(int s, char *data, size_t dlen, size_t clen, int flags, int *fds, int *mflags, ssize_t *nread) {
  char cbuf[256]; memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = { data, dlen };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = clen ? cbuf : NULL, .msg_controllen = clen };
  *nread = recvmsg(s, &mh, flags);
  *mflags = mh.msg_flags;
  int n = 0;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
      int k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      memcpy(fds + n, CMSG_DATA(cm), k * sizeof(int)); n += k;
    }
  }
  return n;
}


int main(void) {
  int sv[2], st; char buf[64]; int fds[8]; int mf; ssize_t nr;
  CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  pid_t c = fork();
  if (c == 0) {
    /* child: make a pipe, pass its read end, then write into it */
    close(sv[0]);
    int p[2]; pipe(p);
    if (send_fds(sv[1], "fd", &p[0], 1) != 2) _exit(2);
    close(p[0]);
    write(p[1], "through the passed pipe", 23);
    close(p[1]);
    _exit(0);
  }
  close(sv[1]);
  int n = recv_fds(sv[0], buf, sizeof buf, 64, 0, fds, &mf, &nr);
  printf("received %zd bytes %.2s, %d fd(s), flags %x\n", nr, buf, n, mf);
  waitpid(c, &st, 0);
  if (n == 1) {
    ssize_t k = read(fds[0], buf, sizeof buf);
    printf("read %zd from the passed fd: %.*s\n", k, (int)k, buf);
    printf("passed fd cloexec %d\n", fcntl(fds[0], F_GETFD));
    close(fds[0]);
  }
  close(sv[0]);

  /* several fds, MSG_CMSG_CLOEXEC, and a control buffer too small (MSG_CTRUNC) */
  CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
  int p[2]; pipe(p);
  int three[3] = { p[0], p[1], p[0] };
  CHECK(send_fds(sv[0], "three", three, 3) == 5);
  n = recv_fds(sv[1], buf, sizeof buf, 64, MSG_CMSG_CLOEXEC, fds, &mf, &nr);
  printf("got %d fds flags %x cloexec %d %d %d\n", n, mf, fcntl(fds[0], F_GETFD), fcntl(fds[1], F_GETFD), fcntl(fds[2], F_GETFD));
  for (int i = 0; i < n; i++) close(fds[i]);
  CHECK(send_fds(sv[0], "none", three, 2) == 4);
  n = recv_fds(sv[1], buf, sizeof buf, 0, 0, fds, &mf, &nr);
  printf("no control buffer: %d fd(s), MSG_CTRUNC %d, %zd bytes\n", n, !!(mf & MSG_CTRUNC), nr);
  int bad = 99;
  CHECK_ERR(send_fds(sv[0], "bad", &bad, 1), EBADF);
  /* closing a socket with fds in flight drops them: the pipe sees EOF */
  int q[2]; pipe(q);
  CHECK(send_fds(sv[0], "w", &q[1], 1) == 1);
  close(q[1]);
  close(sv[1]); close(sv[0]);
  printf("pipe EOF after the in-flight writer was dropped: %zd\n", read(q[0], buf, 1));
  close(q[0]); close(p[0]); close(p[1]);

  /* stream reads stop at a message carrying fds */
  CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  pipe(p);
  send(sv[0], "ab", 2, 0);
  send_fds(sv[0], "cd", &p[0], 1);
  send(sv[0], "ef", 2, 0);
  n = recv_fds(sv[1], buf, sizeof buf, 64, 0, fds, &mf, &nr); printf("stream read 1: %zd %.*s fds %d\n", nr, (int)nr, buf, n);
  if (n) close(fds[0]);
  n = recv_fds(sv[1], buf, sizeof buf, 64, 0, fds, &mf, &nr); printf("stream read 2: %zd %.*s fds %d\n", nr, (int)nr, buf, n);
  close(p[0]); close(p[1]); close(sv[0]); close(sv[1]);

  /* SO_PEERCRED and SCM_CREDENTIALS across fork */
  CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  struct ucred uc; socklen_t ul = sizeof uc;
  CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &ul));
  printf("socketpair peercred pid is me %d uid ok %d gid ok %d len %d\n", uc.pid == getpid(), uc.uid == geteuid(), uc.gid == getegid(), (int)ul);
  close(sv[0]); close(sv[1]);
  int srv = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX }; strcpy(a.sun_path + 1, "tuml-scm-test");
  socklen_t al = sizeof(sa_family_t) + 1 + strlen("tuml-scm-test");
  CHECK_OK(bind(srv, (struct sockaddr *)&a, al)); CHECK_OK(listen(srv, 1));
  int on = 1;
  c = fork();
  if (c == 0) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&a, al) < 0) _exit(2);
    struct ucred pc; socklen_t pl = sizeof pc;
    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &pc, &pl);
    pid_t parent = getppid();
    char msg[8]; snprintf(msg, sizeof msg, "%d", pc.pid == parent);
    send(s, msg, 1, 0);
    recv(s, msg, 1, 0);
    _exit(0);
  }
  int cfd = accept(srv, NULL, NULL);
  CHECK_OK(setsockopt(cfd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
  CHECK_OK(getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &uc, &ul));
  printf("server: peer pid is the child %d uid ok %d\n", uc.pid == c, uc.uid == geteuid());
  char cb[64]; struct iovec iov = { buf, 1 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb, .msg_controllen = sizeof cb };
  CHECK(recvmsg(cfd, &mh, 0) == 1);
  struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
  if (cm && cm->cmsg_type == SCM_CREDENTIALS) {
    struct ucred *u = (struct ucred *)CMSG_DATA(cm);
    printf("SCM_CREDENTIALS len %d pid is the child %d uid ok %d\n", (int)cm->cmsg_len, u->pid == c, u->uid == getuid());
  } else printf("no SCM_CREDENTIALS\n");
  printf("child says its peer was the parent: %c\n", buf[0]);
  send(cfd, "k", 1, 0);
  waitpid(c, &st, 0);
  close(cfd); close(srv);

  /* explicit SCM_CREDENTIALS on a dgram pair */
  CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
  setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
  {
    char c2[CMSG_SPACE(sizeof(struct ucred))]; memset(c2, 0, sizeof c2);
    struct iovec io = { "cred", 4 };
    struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = c2, .msg_controllen = sizeof c2 };
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET; h->cmsg_type = SCM_CREDENTIALS; h->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred me = { getpid(), getuid(), getgid() }; memcpy(CMSG_DATA(h), &me, sizeof me);
    CHECK(sendmsg(sv[0], &m, 0) == 4);
    me.pid = 1; memcpy(CMSG_DATA(h), &me, sizeof me);
    if (geteuid() != 0) CHECK_ERR(sendmsg(sv[0], &m, 0), EPERM);
    h->cmsg_len = CMSG_LEN(4);
    CHECK_ERR(sendmsg(sv[0], &m, 0), EINVAL);
  }
  memset(cb, 0, sizeof cb); mh.msg_controllen = sizeof cb; iov.iov_len = sizeof buf;
  CHECK(recvmsg(sv[1], &mh, 0) == 4);
  cm = CMSG_FIRSTHDR(&mh);
  printf("dgram creds: type %d pid is me %d controllen %d\n", cm ? cm->cmsg_type : -1,
         cm ? ((struct ucred *)CMSG_DATA(cm))->pid == getpid() : 0, (int)mh.msg_controllen);

  close(sv[0]); close(sv[1]);
  return finish();
}
