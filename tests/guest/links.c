/* Symbolic and hard links: symlink/readlink/lstat, following vs not following,
 * dangling links, loops (ELOOP), link counts, access(). */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  int fd = CHECK_OK(open("target", O_CREAT | O_WRONLY | O_TRUNC, 0640));
  CHECK(write(fd, "data", 4) == 4); close(fd);
  CHECK_OK(symlink("target", "sl"));
  CHECK_OK(symlink("missing", "dangling"));
  CHECK_OK(symlink("loop2", "loop1")); CHECK_OK(symlink("loop1", "loop2"));
  char buf[64]; ssize_t n = readlink("sl", buf, sizeof buf);
  printf("readlink sl = %.*s (%zd)\n", (int)n, buf, n); CHECK(n == 6);
  n = readlink("sl", buf, 3); printf("readlink truncated %zd %.3s\n", n, buf); CHECK(n == 3);
  CHECK_ERR(readlink("target", buf, sizeof buf), EINVAL);
  CHECK_ERR(readlink("nothing", buf, sizeof buf), ENOENT);
  struct stat st, lst;
  CHECK_OK(stat("sl", &st)); CHECK_OK(lstat("sl", &lst));
  printf("stat size %lld reg %d; lstat size %lld lnk %d\n", (long long)st.st_size, S_ISREG(st.st_mode),
         (long long)lst.st_size, S_ISLNK(lst.st_mode));
  CHECK(st.st_size == 4 && S_ISLNK(lst.st_mode) && lst.st_size == 6);
  CHECK_ERR(stat("dangling", &st), ENOENT);
  CHECK_OK(lstat("dangling", &st));
  CHECK_ERR(open("loop1", O_RDONLY), ELOOP);
  CHECK_ERR(open("sl", O_RDONLY | O_NOFOLLOW), ELOOP);
  CHECK_ERR(symlink("x", "sl"), EEXIST);
  fd = CHECK_OK(open("sl", O_RDONLY)); n = read(fd, buf, sizeof buf); printf("through link: %.*s\n", (int)n, buf); close(fd);
  /* creating through a dangling link creates the target */
  fd = CHECK_OK(open("dangling", O_CREAT | O_WRONLY, 0600)); close(fd);
  CHECK_OK(access("missing", F_OK));
  /* hard links */
  CHECK_OK(link("target", "hard"));
  CHECK_OK(stat("target", &st)); printf("nlink after link %ld\n", (long)st.st_nlink); CHECK(st.st_nlink == 2);
  struct stat h; CHECK_OK(stat("hard", &h)); CHECK(h.st_ino == st.st_ino && h.st_dev == st.st_dev);
  CHECK_ERR(link("target", "hard"), EEXIST);
  CHECK_OK(unlink("target"));
  CHECK_OK(stat("hard", &h)); CHECK(h.st_nlink == 1);
  CHECK_ERR(stat("sl", &st), ENOENT);   /* now dangling */
  CHECK_OK(access("hard", R_OK | W_OK));
  CHECK_ERR(access("target", F_OK), ENOENT);
  CHECK_ERR(access("hard", 0x40), EINVAL);
  /* symlink to a folder, path walk through it */
  CHECK_OK(mkdir("dir", 0755)); CHECK_OK(symlink("dir", "dl"));
  fd = CHECK_OK(open("dl/inside", O_CREAT | O_WRONLY, 0644)); close(fd);
  CHECK_OK(access("dir/inside", F_OK));
  CHECK_ERR(rmdir("dl"), ENOTDIR);
  CHECK_OK(unlink("dl/inside")); CHECK_OK(unlink("dl")); CHECK_OK(rmdir("dir"));
  /* clean up */
  const char *all[] = {"sl", "dangling", "missing", "loop1", "loop2", "hard"};
  for (unsigned i = 0; i < sizeof all / sizeof *all; i++) CHECK_OK(unlink(all[i]));
  return finish();
}
