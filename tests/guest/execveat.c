/* execveat: a path relative to a directory fd, AT_EMPTY_PATH on a file or O_PATH fd
 * (fexecve), an absolute path ignoring dirfd, AT_SYMLINK_NOFOLLOW, and the errors. The
 * program execs itself (t/execveat relative to the starting directory) with "child". */
#include "common.h"
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

extern char **environ;

static int xat(int dirfd, const char *path, char **argv, int flags) { return syscall(SYS_execveat, dirfd, path, argv, environ, flags); }

/* fork, execveat in the child, report how it ended */
static void run(const char *what, int dirfd, const char *path, int flags) {
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    char *argv[] = {"execveat", "child", (char *)what, NULL};
    xat(dirfd, path, argv, flags);
    printf("%s: execveat failed: %s\n", what, errname(errno));
    fflush(stdout);
    _exit(3);
  }
  int st;
  waitpid(c, &st, 0);
  printf("%s: exit %d\n", what, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(int argc, char **argv) {
  if (argc > 2 && strcmp(argv[1], "child") == 0) {
    printf("running as child for '%s' argv0 %s\n", argv[2], argv[0]);
    return 0;
  }
  int tdir = CHECK_OK(open("t", O_RDONLY | O_DIRECTORY));
  int prog = CHECK_OK(open("t/execveat", O_RDONLY));
  int opath = CHECK_OK(open("t/execveat", O_PATH));
  char abs[4096];
  CHECK(getcwd(abs, sizeof abs - 20) != NULL);
  strcat(abs, "/t/execveat");
  symlink("execveat", "work/link");
  int wdir = CHECK_OK(open("work", O_RDONLY | O_DIRECTORY));
  run("relative to a dirfd", tdir, "execveat", 0);
  run("AT_EMPTY_PATH", prog, "", AT_EMPTY_PATH);
  run("O_PATH fd", opath, "", AT_EMPTY_PATH);
  run("absolute path", 12345, abs, 0);
  CHECK_OK(symlink(abs, "work/abslink"));
  run("through a symlink", wdir, "abslink", 0);

  char *av[] = {"x", NULL};
  CHECK_ERR(xat(wdir, "abslink", av, AT_SYMLINK_NOFOLLOW), ELOOP);
  CHECK_ERR(xat(AT_FDCWD, "", av, 0), ENOENT);
  CHECK_ERR(xat(prog, "", av, 0), ENOENT);
  CHECK_ERR(xat(tdir, "execveat", av, 0x1), EINVAL);
  CHECK_ERR(xat(prog, "execveat", av, 0), ENOTDIR);
  CHECK_ERR(xat(999, "execveat", av, 0), EBADF);
  CHECK_ERR(xat(tdir, "", av, AT_EMPTY_PATH), EACCES);
  CHECK_ERR(xat(tdir, "missing", av, 0), ENOENT);
  CHECK_ERR(xat(AT_FDCWD, "", av, AT_EMPTY_PATH), EACCES);
  /* a script through a close-on-exec fd: its interpreter could not open /dev/fd/N */
  int sfd = CHECK_OK(open("work/script", O_RDWR | O_CREAT | O_CLOEXEC, 0755));
  write(sfd, "#!/bin/sh\nexit 0\n", 17);
  close(sfd); /* an fd open for writing would give ETXTBSY first */
  sfd = CHECK_OK(open("work/script", O_RDONLY | O_CLOEXEC));
  CHECK_ERR(xat(sfd, "", av, AT_EMPTY_PATH), ENOENT);
  return finish();
}
