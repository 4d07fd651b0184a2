/* Terminal ioctls on things that are not terminals: a regular file and a pipe
 * give ENOTTY; bad descriptors EBADF. (stdin/stdout are not tested: under tuml
 * they are the console, a real tty.) */
#include "common.h"
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  int fd = CHECK_OK(open("tty.tmp", O_CREAT | O_RDWR | O_TRUNC, 0644)); int p[2]; CHECK_OK(pipe(p));
  int fds[] = {fd, p[0], p[1]};
  for (int i = 0; i < 3; i++) {
    struct termios t; struct winsize w; pid_t pg; int n;
    CHECK_ERR(tcgetattr(fds[i], &t), ENOTTY);
    CHECK_ERR(ioctl(fds[i], TIOCGWINSZ, &w), ENOTTY);
    CHECK_ERR(ioctl(fds[i], TIOCGPGRP, &pg), ENOTTY);
    CHECK_ERR(ioctl(fds[i], TIOCSCTTY, 0), ENOTTY);
    CHECK_ERR(tcsetattr(fds[i], TCSANOW, &t), ENOTTY);
    printf("isatty %d %s\n", isatty(fds[i]), errname(errno));
    if (i) { CHECK_OK(ioctl(fds[i], FIONREAD, &n)); printf("FIONREAD pipe %d\n", n); }
  }
  CHECK(write(p[1], "abc", 3) == 3); int n; ioctl(p[0], FIONREAD, &n); printf("FIONREAD after write %d\n", n);
  CHECK_ERR(ioctl(99, TCGETS, 0), EBADF);
  char *name = ttyname(fd); printf("ttyname(file) %s %s\n", name ? name : "NULL", errname(errno));
  close(fd); close(p[0]); close(p[1]); CHECK_OK(unlink("tty.tmp"));
  return finish();
}
