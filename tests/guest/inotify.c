/* inotify on the work folder: create, modify (merged), close-write, attrib, rename
 * (MOVED_FROM/MOVED_TO sharing a cookie), mkdir/rmdir (IN_ISDIR), a watch on a file
 * (its own events without a name, DELETE_SELF then IGNORED on unlink), utimensat with
 * UTIME_OMIT (mtime only is IN_MODIFY), rm_watch → IN_IGNORED; nonblocking reads, poll
 * readiness, FIONREAD, a too-small buffer (EINVAL), bad arguments. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>

static int wd_dir, wd_file;
static uint32_t last_cookie;

static void mask_str(uint32_t m, char *out) {
  static const struct { uint32_t bit; const char *name; } names[] = {
    {IN_ACCESS, "ACCESS"}, {IN_MODIFY, "MODIFY"}, {IN_ATTRIB, "ATTRIB"}, {IN_CLOSE_WRITE, "CLOSE_WRITE"},
    {IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"}, {IN_OPEN, "OPEN"}, {IN_MOVED_FROM, "MOVED_FROM"}, {IN_MOVED_TO, "MOVED_TO"},
    {IN_CREATE, "CREATE"}, {IN_DELETE, "DELETE"}, {IN_DELETE_SELF, "DELETE_SELF"}, {IN_MOVE_SELF, "MOVE_SELF"},
    {IN_IGNORED, "IGNORED"}, {IN_ISDIR, "ISDIR"}, {IN_Q_OVERFLOW, "Q_OVERFLOW"} };
  out[0] = 0;
  for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
    if (m & names[i].bit) { if (out[0]) strcat(out, "|"); strcat(out, names[i].name); m &= ~names[i].bit; }
  if (m) sprintf(out + strlen(out), "|0x%x", m);
}

static void drain(int in, const char *step) {
  char buf[4096] __attribute__((aligned(8)));
  printf("[%s]\n", step);
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0) { if (errno != EAGAIN) { printf("read: %s\n", errname(errno)); failures++; } break; }
    for (char *p = buf; p < buf + n;) {
      struct inotify_event *e = (struct inotify_event *)p;
      char m[200]; mask_str(e->mask, m);
      const char *who = e->wd == wd_dir ? "dir" : e->wd == wd_file ? "file" : "?";
      printf("  %s %s%s%s", who, m, e->len ? " " : "", e->len ? e->name : "");
      if (e->mask & IN_MOVED_FROM) { last_cookie = e->cookie; printf(" cookie!=0:%d", e->cookie != 0); }
      if (e->mask & IN_MOVED_TO) printf(" same cookie:%d", e->cookie == last_cookie);
      printf(" len%%16:%d\n", e->len % 16);
      p += sizeof *e + e->len;
    }
  }
}

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  int in = CHECK_OK(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  CHECK_ERR(inotify_init1(0x1), EINVAL);
  uint32_t mask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO |
                  IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
  wd_dir = CHECK_OK(inotify_add_watch(in, ".", mask));
  CHECK(inotify_add_watch(in, ".", mask) == wd_dir); /* same inode: same wd */
  char buf[64];
  CHECK_ERR(read(in, buf, sizeof buf), EAGAIN);
  struct pollfd pf = { in, POLLIN, 0 };
  printf("poll before events: %d\n", poll(&pf, 1, 0));

  int fd = CHECK_OK(open("f", O_CREAT | O_WRONLY, 0644));
  CHECK(write(fd, "one", 3) == 3);
  CHECK(write(fd, "two", 3) == 3);
  printf("poll after events: %d revents %x\n", poll(&pf, 1, 0), pf.revents);
  int avail = 0; CHECK_OK(ioctl(in, FIONREAD, &avail)); printf("FIONREAD: %d\n", avail);
  CHECK_ERR(read(in, buf, 8), EINVAL);
  close(fd);
  drain(in, "create, write twice, close");

  CHECK_OK(chmod("f", 0600));
  CHECK_OK(rename("f", "g"));
  CHECK_OK(mkdir("d", 0755));
  fd = open("d/inner", O_CREAT | O_WRONLY, 0644); close(fd); /* not in the watched folder */
  drain(in, "chmod, rename, mkdir, create in a subfolder");

  wd_file = CHECK_OK(inotify_add_watch(in, "g", IN_ALL_EVENTS));
  CHECK_OK(truncate("g", 1));
  fd = open("g", O_RDONLY); CHECK(read(fd, buf, 1) == 1); close(fd);
  struct timespec ts[2] = { { 0, UTIME_OMIT }, { 1000000000, 0 } };
  CHECK_OK(utimensat(AT_FDCWD, "g", ts, 0));
  struct timespec both[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
  CHECK_OK(utimensat(AT_FDCWD, "g", both, 0));
  drain(in, "watch the file: truncate, open+read+close, utimensat mtime only, both times");

  CHECK_OK(rename("g", "h"));
  CHECK_OK(unlink("h"));
  drain(in, "rename and unlink the watched file");

  CHECK_OK(unlink("d/inner"));
  CHECK_OK(rmdir("d"));
  fd = CHECK_OK(open("k", O_CREAT | O_WRONLY | O_TRUNC, 0644)); close(fd);
  CHECK_OK(link("k", "k2"));
  CHECK_OK(unlink("k")); CHECK_OK(unlink("k2"));
  drain(in, "rmdir, link and unlink");

  CHECK_OK(inotify_rm_watch(in, wd_dir));
  CHECK_ERR(inotify_rm_watch(in, wd_dir), EINVAL);
  drain(in, "rm_watch");
  fd = open("quiet", O_CREAT | O_WRONLY, 0644); close(fd); unlink("quiet");
  CHECK_ERR(read(in, buf, sizeof buf), EAGAIN);

  CHECK_ERR(inotify_add_watch(in, "nothing", IN_CREATE), ENOENT);
  CHECK_ERR(inotify_add_watch(in, ".", 0), EINVAL);
  fd = open("plain", O_CREAT | O_WRONLY, 0644); close(fd);
  CHECK_ERR(inotify_add_watch(in, "plain", IN_CREATE | IN_ONLYDIR), ENOTDIR);
  unlink("plain");
  CHECK_ERR(inotify_add_watch(0, ".", IN_CREATE), EINVAL);
  CHECK_ERR(inotify_rm_watch(in, 12345), EINVAL);
  close(in);
  return finish();
}
