/* execve: replace the image and pass argv/envp; failures return ENOENT, EACCES,
 * ENOEXEC; close-on-exec descriptors are closed. The harness runs programs with
 * the root folder as cwd, so "t/execve" names this program under qemu and tuml. */
#include "common.h"
#include <fcntl.h>
#include <sys/wait.h>

int main(int argc, char **argv, char **envp) {
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    printf("child argc %d:", argc); for (int i = 1; i < argc; i++) printf(" %s", argv[i]); printf("\n");
    printf("child env TUML_TEST=%s\n", getenv("TUML_TEST") ? getenv("TUML_TEST") : "(unset)");
    printf("fd 10 open %d, fd 11 open %d\n", fcntl(10, F_GETFD) >= 0, fcntl(11, F_GETFD) >= 0);
    return 5;
  }
  (void)envp;
  const char *self = "t/execve";
  CHECK_ERR(execve("t/does-not-exist", argv, envp), ENOENT);
  int fd = open("t/execve.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd >= 0) { write(fd, "not a program\n", 14); close(fd); }
  CHECK_ERR(execve("t/execve.txt", argv, envp), EACCES);   /* not executable */
  chmod("t/execve.txt", 0755);
  CHECK_ERR(execve("t/execve.txt", argv, envp), ENOEXEC);  /* no ELF, no #! */
  unlink("t/execve.txt");
  CHECK_ERR(execve("t", argv, envp), EACCES);
  pid_t c = fork();
  if (c == 0) {
    int a = open("t/execve", O_RDONLY); dup2(a, 10); int b = open("t/execve", O_RDONLY | O_CLOEXEC); dup2(b, 11);
    fcntl(11, F_SETFD, FD_CLOEXEC);
    char *args[] = {"execve", "child", "one", "two words", NULL};
    char *env[] = {"TUML_TEST=yes", NULL};
    fflush(stdout);
    execve(self, args, env);
    printf("execve failed: %s\n", errname(errno)); _exit(1);
  }
  int st; waitpid(c, &st, 0); printf("child exit %d\n", WEXITSTATUS(st));
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5);
  return finish();
}
