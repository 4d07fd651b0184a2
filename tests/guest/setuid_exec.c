/* execve of set-user-ID / set-group-ID programs: the effective and saved ids
 * become the file's, AT_SECURE is 1; not on a nosuid mount, not under
 * no_new_privs, and the group bit only with group execute.
 * (Under qemu-user the host kernel takes the credentials from qemu, the
 * binfmt_misc interpreter, so this is checked under tuml only.) */
#include "common.h"
#include <fcntl.h>
#include <grp.h>
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static int copy(const char *from, const char *to) {
  int in = open(from, O_RDONLY), out = open(to, O_CREAT | O_WRONLY | O_TRUNC, 0755);
  if (in < 0 || out < 0) return -1;
  char buf[65536]; ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0) if (write(out, buf, n) != n) return -1;
  close(in); close(out);
  return 0;
}

/* run prog as uid/gid 1000 (or stay root), return its "uid r/e/s gid r/e/s secure" line */
static void run(const char *prog, int drop, int nnp, const char *want) {
  int pfd[2]; CHECK_OK(pipe(pfd));
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    dup2(pfd[1], 1);
    if (drop) { setgroups(0, NULL); setresgid(1000, 1000, 1000); setresuid(1000, 1000, 1000); }
    if (nnp) prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    execl(prog, prog, "--report", (char *)0);
    printf("exec %s: %s\n", prog, errname(errno));
    _exit(127);
  }
  close(pfd[1]);
  char buf[256] = {0}; ssize_t n = read(pfd[0], buf, sizeof buf - 1); close(pfd[0]);
  int st; waitpid(p, &st, 0);
  if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = 0;
  printf("%-12s drop %d nnp %d: %s\n", prog, drop, nnp, buf);
  if (strcmp(buf, want) != 0) { failures++; printf("FAIL want %s\n", want); }
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--report") == 0) {
    uid_t r, e, s; gid_t gr, ge, gs;
    getresuid(&r, &e, &s); getresgid(&gr, &ge, &gs);
    printf("uid %u/%u/%u gid %u/%u/%u secure %lu\n", r, e, s, gr, ge, gs, getauxval(AT_SECURE));
    return 0;
  }
  enter_workdir(argc, argv);
  CHECK(geteuid() == 0);
  CHECK_OK(copy("/t/setuid_exec", "plain"));
  CHECK_OK(copy("/t/setuid_exec", "suid"));
  CHECK_OK(chown("suid", 0, 500));
  CHECK_OK(chmod("suid", 06755));
  CHECK_OK(copy("/t/setuid_exec", "sgid-nox"));
  CHECK_OK(chown("sgid-nox", 0, 500));
  CHECK_OK(chmod("sgid-nox", 02705));       /* no group x: the bit means locking */
  CHECK_OK(chmod(".", 0755));

  run("./plain", 0, 0, "uid 0/0/0 gid 0/0/0 secure 0");
  run("./suid", 0, 0, "uid 0/0/0 gid 0/500/500 secure 1");
  run("./plain", 1, 0, "uid 1000/1000/1000 gid 1000/1000/1000 secure 0");
  run("./suid", 1, 0, "uid 1000/0/0 gid 1000/500/500 secure 1");
  run("./sgid-nox", 1, 0, "uid 1000/1000/1000 gid 1000/1000/1000 secure 0");
  run("./suid", 1, 1, "uid 1000/1000/1000 gid 1000/1000/1000 secure 0");

  /* a nosuid mount ignores the bits */
  CHECK_OK(mkdir("ns", 0755));
  if (mount("none", "ns", "tmpfs", MS_NOSUID, "mode=755") == 0) {
    CHECK_OK(copy("/t/setuid_exec", "ns/suid"));
    CHECK_OK(chmod("ns/suid", 06755));
    run("ns/suid", 1, 0, "uid 1000/1000/1000 gid 1000/1000/1000 secure 0");
    CHECK_OK(umount("ns"));
  } else {
    printf("mount tmpfs: %s\n", errname(errno));
    failures++;
  }
  return finish();
}
