/* dcache: what a path names after renames, unlinks, re-creations and symlink changes,
 * made after the old names were looked up (and cached by tuml's path walk) - opens,
 * stats and execs through old and new names must see the current tree, never the
 * cached one. argv[1] is the work folder; the program copies itself there to exec it. */
#include "common.h"
#include <fcntl.h>
#include <sys/wait.h>

static char self[4096];

/* Contents of a small file, or the errno name. */
static const char *cat(const char *p) {
  static char buf[64];
  int fd = open(p, O_RDONLY);
  if (fd < 0) return errname(errno);
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n < 0 ? 0 : n] = 0;
  return buf;
}

static void put(const char *p, const char *s) {
  int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  CHECK(fd >= 0);
  if (fd < 0) return;
  CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
  close(fd);
}

/* Exit status of running p (the copy of this program) with "child TAG", or -errno. */
static int run(const char *p, const char *tag) {
  pid_t c = fork();
  if (c == 0) {
    char *args[] = { (char *)p, "child", (char *)tag, NULL };
    char *env[] = { NULL };
    execve(p, args, env);
    _exit(100 + errno);
  }
  int st;
  waitpid(c, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void copy_self(const char *to) {
  int in = open(self, O_RDONLY), out = open(to, O_CREAT | O_WRONLY | O_TRUNC, 0755);
  CHECK(in >= 0 && out >= 0);
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0) CHECK(write(out, buf, n) == n);
  close(in); close(out);
}

static void show(const char *what, const char *p) {
  struct stat st;
  int r = stat(p, &st);
  printf("%-28s %-18s %s\n", what, p, r == 0 ? cat(p) : errname(errno));
}

int main(int argc, char **argv) {
  if (argc > 2 && strcmp(argv[1], "child") == 0) {
    printf("child %s\n", argv[2]);
    return 7;
  }
  /* argv[0] is "/t/dcache"; the harness starts us in the root folder, work is below it */
  snprintf(self, sizeof self, "..%s", argv[0]);
  enter_workdir(argc, argv);

  /* A directory renamed: old names fail, new names work (open, stat, exec). */
  CHECK_OK(mkdir("a", 0755));
  CHECK_OK(mkdir("a/sub", 0755));
  put("a/sub/f", "one");
  copy_self("a/prog");
  show("before rename", "a/sub/f");
  printf("exec a/prog -> %d\n", run("a/prog", "1"));
  CHECK_OK(rename("a", "b"));
  show("after rename, old", "a/sub/f");
  show("after rename, new", "b/sub/f");
  printf("exec a/prog -> %d\n", run("a/prog", "2"));
  printf("exec b/prog -> %d\n", run("b/prog", "3"));
  CHECK_ERR(open("a/sub/f", O_RDONLY), ENOENT);
  CHECK_ERR(chdir("a/sub"), ENOENT);

  /* A new directory under the old name: its (new) contents, not the moved ones. */
  CHECK_OK(mkdir("a", 0755));
  show("new dir, old name", "a/sub/f");
  CHECK_OK(mkdir("a/sub", 0755));
  put("a/sub/f", "two");
  show("new file, old name", "a/sub/f");
  show("moved file", "b/sub/f");
  printf("exec a/prog -> %d\n", run("a/prog", "4"));

  /* Swap the two directories back and forth (rename over an empty dir, then exchange). */
  CHECK_OK(unlink("a/sub/f"));
  CHECK_OK(rmdir("a/sub"));
  CHECK_OK(rename("b", "a"));
  show("renamed over empty dir", "a/sub/f");
  show("gone", "b/sub/f");
  printf("exec a/prog -> %d\n", run("a/prog", "5"));
  printf("exec b/prog -> %d\n", run("b/prog", "6"));

  /* A file replaced by rename: the new contents, and the binary replaced by a text file. */
  put("a/sub/g", "three");
  CHECK_OK(rename("a/sub/g", "a/sub/f"));
  show("file renamed over", "a/sub/f");
  show("its old name", "a/sub/g");
  put("a/text", "not a program");
  CHECK_OK(chmod("a/text", 0755));
  CHECK_OK(rename("a/text", "a/prog"));
  printf("exec a/prog (text) -> %d\n", run("a/prog", "7"));
  copy_self("a/prog2");
  CHECK_OK(rename("a/prog2", "a/prog"));
  printf("exec a/prog (again) -> %d\n", run("a/prog", "8"));

  /* chmod: exec permission taken away and given back. */
  CHECK_OK(chmod("a/prog", 0644));
  printf("exec a/prog (0644) -> %d\n", run("a/prog", "9"));
  CHECK_OK(chmod("a/prog", 0755));
  printf("exec a/prog (0755) -> %d\n", run("a/prog", "10"));

  /* Unlink and re-create; an fd opened before keeps the old file. */
  int old = open("a/sub/f", O_RDONLY);
  CHECK(old >= 0);
  CHECK_OK(unlink("a/sub/f"));
  show("unlinked", "a/sub/f");
  put("a/sub/f", "four");
  show("re-created", "a/sub/f");
  char buf[16] = { 0 };
  CHECK(read(old, buf, sizeof buf - 1) == 5);
  printf("old fd reads %s\n", buf);
  close(old);

  /* A symlink changed to point elsewhere; a symlinked directory retargeted. */
  put("x", "X"); put("y", "Y");
  CHECK_OK(symlink("x", "l"));
  show("link to x", "l");
  CHECK_OK(unlink("l"));
  CHECK_OK(symlink("y", "l"));
  show("link to y", "l");
  char t[16] = { 0 };
  CHECK(readlink("l", t, sizeof t - 1) == 1);
  printf("readlink l = %s\n", t);
  CHECK_OK(mkdir("d1", 0755)); CHECK_OK(mkdir("d2", 0755));
  put("d1/f", "in d1"); put("d2/f", "in d2");
  CHECK_OK(symlink("d1", "dl"));
  show("through dir link", "dl/f");
  CHECK_OK(unlink("dl"));
  CHECK_OK(symlink("d2", "dl"));
  show("retargeted dir link", "dl/f");
  CHECK_OK(unlink("dl"));
  show("dir link removed", "dl/f");
  CHECK_OK(rename("d2", "dl"));
  show("dir renamed to its name", "dl/f");

  /* A directory becomes a file and back. */
  CHECK_OK(unlink("dl/f"));
  CHECK_OK(rmdir("dl"));
  put("dl", "now a file");
  show("dir became file", "dl");
  CHECK_ERR(open("dl/f", O_RDONLY), ENOTDIR);
  CHECK_OK(unlink("dl"));
  CHECK_OK(mkdir("dl", 0755));
  CHECK_ERR(open("dl/f", O_RDONLY), ENOENT);

  /* The cwd renamed under us: relative names still work, getcwd shows the new name. */
  CHECK_OK(mkdir("c1", 0755));
  put("c1/f", "cwd file");
  CHECK_OK(chdir("c1"));
  CHECK_OK(rename("../c1", "../c2"));
  show("relative in moved cwd", "f");
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd)) {
    const char *base = strrchr(cwd, '/');
    printf("cwd ends in %s\n", base ? base : cwd);
  }
  show("via new name", "../c2/f");
  show("via old name", "../c1/f");
  CHECK_OK(chdir(".."));

  /* Hard links: one name removed, the other still works. */
  put("h1", "linked");
  CHECK_OK(link("h1", "h2"));
  show("first name", "h1");
  CHECK_OK(unlink("h1"));
  show("first name removed", "h1");
  show("second name", "h2");

  return finish();
}
