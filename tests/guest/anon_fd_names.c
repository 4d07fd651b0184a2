/* /proc/self/fd names of anonymous files: eventfd, epoll, timerfd, signalfd and inotify
 * files are "anon_inode:NAME" links, with the names Linux gives them. */
#include "common.h"
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>

static void show(const char *what, int fd, const char *want) {
  char p[64], l[128];
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(p, l, sizeof l - 1);
  l[n < 0 ? 0 : n] = 0;
  printf("%-8s %s\n", what, l);
  CHECK(strcmp(l, want) == 0);
}

int main(void) {
  /* tuml's test root has no /proc yet (under qemu it is the host's). */
  if (access("/proc/self/stat", R_OK) != 0) { mkdir("/proc", 0555); mount("proc", "/proc", "proc", 0, NULL); }
  sigset_t m;
  sigemptyset(&m);
  sigaddset(&m, SIGUSR1);
  show("eventfd", CHECK_OK(eventfd(0, 0)), "anon_inode:[eventfd]");
  show("epoll", CHECK_OK(epoll_create1(0)), "anon_inode:[eventpoll]");
  show("timerfd", CHECK_OK(timerfd_create(CLOCK_MONOTONIC, 0)), "anon_inode:[timerfd]");
  show("signalfd", CHECK_OK(signalfd(-1, &m, 0)), "anon_inode:[signalfd]");
  show("inotify", CHECK_OK(inotify_init1(0)), "anon_inode:inotify");
  return finish();
}
