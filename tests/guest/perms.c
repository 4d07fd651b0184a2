/* Permission checks as root and after dropping privileges: mode bits, search
 * permission on every path step, CAP_DAC_OVERRIDE (root reads and writes
 * anything, executes when any x bit is set), access() with real ids vs
 * AT_EACCESS, the sticky bit, umask, chmod/chown rules. Starts as root and
 * makes its own files in the work folder. */
#include "common.h"
#include <fcntl.h>
#include <grp.h>
#include <sys/time.h>
#include <sys/wait.h>

static void mode_of(const char *p) {
  struct stat st;
  if (stat(p, &st) != 0) { printf("%s: stat %s\n", p, errname(errno)); return; }
  printf("%-14s mode %04o uid %u gid %u\n", p, st.st_mode & 07777, st.st_uid, st.st_gid);
}

static void mkfile(const char *p, int mode) {
  int fd = CHECK_OK(open(p, O_CREAT | O_WRONLY | O_TRUNC, 0600));
  CHECK(write(fd, "secret\n", 7) == 7);
  close(fd);
  CHECK_OK(chmod(p, mode));
}

static int in_child(void (*f)(void)) {
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) { f(); fflush(stdout); _exit(failures ? 1 : 0); }
  int st; waitpid(p, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) failures++;
  return st;
}

static void drop(void) {
  gid_t g[] = { 2000 };
  CHECK_OK(setgroups(1, g));
  CHECK_OK(setresgid(1000, 1000, 1000));
  CHECK_OK(setresuid(1000, 1000, 1000));
}

static void as_user(void) {
  drop();
  /* a 0600 file of root's */
  CHECK_ERR(open("secret", O_RDONLY), EACCES);
  CHECK_ERR(open("secret", O_WRONLY), EACCES);
  CHECK_ERR(access("secret", R_OK), EACCES);
  CHECK_OK(access("secret", F_OK));
  CHECK_ERR(truncate("secret", 0), EACCES);
  /* group bits: 0640 root:2000 is readable through the supplementary group */
  int fd = CHECK_OK(open("grouped", O_RDONLY)); if (fd >= 0) close(fd);
  CHECK_ERR(open("grouped", O_WRONLY), EACCES);
  /* search permission on a path step */
  CHECK_ERR(open("private/inner", O_RDONLY), EACCES);
  struct stat st;
  CHECK_ERR(stat("private/inner", &st), EACCES);
  CHECK_ERR(chdir("private"), EACCES);
  CHECK_OK(stat("private", &st));
  /* a directory readable but not searchable */
  CHECK_ERR(stat("noexec/inner", &st), EACCES);
  /* no write permission on the folder */
  CHECK_ERR(open("private2", O_CREAT | O_WRONLY, 0600), EACCES);
  CHECK_ERR(mkdir("newdir", 0755), EACCES);
  CHECK_ERR(unlink("secret"), EACCES);
  CHECK_ERR(rename("secret", "pub/secret"), EACCES);
  /* chmod/chown of root's file */
  CHECK_ERR(chmod("secret", 0644), EPERM);
  CHECK_ERR(chown("secret", 1000, 1000), EPERM);
  CHECK_ERR(utimes("secret", NULL), EACCES);
  /* sticky folder: others' files stay, own files go */
  CHECK_ERR(unlink("pub/rootfile"), EPERM);
  CHECK_ERR(rename("pub/rootfile", "pub/moved"), EPERM);
  fd = CHECK_OK(open("pub/mine", O_CREAT | O_WRONLY, 0644)); if (fd >= 0) close(fd);
  mode_of("pub/mine");
  CHECK_OK(rename("pub/mine", "pub/mine2"));
  /* the others-writable file in the sticky folder may be written, not removed */
  fd = CHECK_OK(open("pub/shared", O_WRONLY)); if (fd >= 0) close(fd);
  CHECK_ERR(unlink("pub/shared"), EPERM);
  /* umask on creat */
  umask(027);
  fd = CHECK_OK(creat("pub/u027", 0666)); if (fd >= 0) close(fd);
  umask(0);
  fd = CHECK_OK(creat("pub/u000", 0666)); if (fd >= 0) close(fd);
  CHECK_OK(mkdir("pub/d000", 0777));
  umask(077);
  CHECK_OK(mkdir("pub/d077", 0777));
  mode_of("pub/u027"); mode_of("pub/u000"); mode_of("pub/d000"); mode_of("pub/d077");
  /* own file: chmod ok; set-group-ID dropped for a group we are not in */
  CHECK_OK(chown("pub/u000", -1, 2000));     /* to a supplementary group: allowed */
  CHECK_ERR(chown("pub/u000", -1, 3000), EPERM);
  CHECK_ERR(chown("pub/u000", 0, -1), EPERM); /* no giving away */
  CHECK_OK(chown("pub/u000", 1000, -1));      /* "to itself" is fine */
  CHECK_OK(chmod("pub/u000", 02755));
  mode_of("pub/u000");
  CHECK_OK(chown("pub/u027", -1, 1000));
  CHECK_OK(chmod("pub/u027", 02755));
  mode_of("pub/u027");
  /* a foreign-group file of ours (chowned by root below): S_ISGID silently cleared */
  CHECK_OK(chmod("pub/foreign", 02750));
  mode_of("pub/foreign");
  /* access: real ids (setresuid dropped all, so same as effective here) */
  CHECK_ERR(access("pub/rootfile", W_OK), EACCES);
  CHECK_OK(access("pub/rootfile", R_OK));
}

static void real_vs_effective(void) {
  /* real uid 1000, effective 0: access() asks for the real one, AT_EACCESS the effective */
  CHECK_OK(setresuid(1000, 0, 0));
  CHECK_ERR(access("secret", R_OK), EACCES);
  CHECK_OK(faccessat(AT_FDCWD, "secret", R_OK, AT_EACCESS));
  int fd = CHECK_OK(open("secret", O_RDONLY)); if (fd >= 0) close(fd);
}

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  CHECK(geteuid() == 0);
  /* everything the user will meet, made by root */
  mkfile("secret", 0600);
  mkfile("grouped", 0640);
  CHECK_OK(chown("grouped", 0, 2000));
  CHECK_OK(mkdir("private", 0700));
  mkfile("private/inner", 0644);
  CHECK_OK(mkdir("noexec", 0744));
  mkfile("noexec/inner", 0644);
  CHECK_OK(mkdir("pub", 0777));
  CHECK_OK(chmod("pub", 01777));
  mkfile("pub/rootfile", 0644);
  mkfile("pub/shared", 0666);
  mkfile("pub/foreign", 0640);
  CHECK_OK(chown("pub/foreign", 1000, 3000));
  mode_of("pub");

  /* root: CAP_DAC_OVERRIDE reads and writes anything, executes only with an x bit */
  mkfile("none", 0000);
  int fd = CHECK_OK(open("none", O_RDWR)); if (fd >= 0) close(fd);
  CHECK_OK(access("none", R_OK | W_OK));
  CHECK_ERR(access("none", X_OK), EACCES);
  CHECK_OK(chmod("none", 0010));
  CHECK_OK(access("none", X_OK));
  CHECK_OK(stat("private/inner", &(struct stat){0}));

  /* chown by root clears set-user-ID (and set-group-ID with group exec) */
  mkfile("suid", 06755);
  mode_of("suid");
  CHECK_OK(chown("suid", 0, 0));
  mode_of("suid");
  mkfile("sgid", 02745);
  CHECK_OK(chown("sgid", 0, 0));
  mode_of("sgid");
  /* mkdir in a set-group-ID folder: the group and the bit are inherited */
  CHECK_OK(mkdir("sgdir", 0755));
  CHECK_OK(chown("sgdir", 0, 4000));
  CHECK_OK(chmod("sgdir", 02755));
  CHECK_OK(mkdir("sgdir/sub", 0755));
  mkfile("sgdir/f", 0644);
  mode_of("sgdir/sub"); mode_of("sgdir/f");

  in_child(as_user);
  in_child(real_vs_effective);
  return finish();
}
