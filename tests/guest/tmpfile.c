/* O_TMPFILE on tmpfs and in the work folder: an unnamed file (nlink 0, not listed),
 * named later by linkat(AT_EMPTY_PATH) or linkat of /proc/self/fd/N with
 * AT_SYMLINK_FOLLOW; O_EXCL makes it unlinkable; argument errors; statfs of a sized
 * tmpfs. Needs root (it mounts tmpfs and proc on the scratch tmp/ folder). */
#include "common.h"
#include <fcntl.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/statfs.h>

static int entries(const char *dir) {
  DIR *d = opendir(dir); int n = 0; struct dirent *e;
  if (!d) return -1;
  while ((e = readdir(d))) if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

static void one(const char *dir) {
  char name[256], buf[64];
  printf("-- %s\n", strcmp(dir, ".") ? "tmpfs" : "work folder");
  int before = entries(dir);
  int fd = CHECK_OK(open(dir, O_TMPFILE | O_RDWR, 0640));
  CHECK(write(fd, "secret", 6) == 6);
  struct stat st; CHECK_OK(fstat(fd, &st));
  printf("unnamed: reg %d nlink %ld mode %o size %lld\n", S_ISREG(st.st_mode), (long)st.st_nlink, st.st_mode & 0777, (long long)st.st_size);
  printf("not listed: %d\n", entries(dir) == before);
  snprintf(name, sizeof name, "%s/named", dir);
  CHECK_OK(linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH));
  CHECK_OK(fstat(fd, &st)); printf("after linkat: nlink %ld, listed: %d\n", (long)st.st_nlink, entries(dir) == before + 1);
  int r = open(name, O_RDONLY); ssize_t n = read(r, buf, sizeof buf); close(r);
  printf("content: %.*s\n", (int)n, buf);
  CHECK_ERR(linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH), EEXIST);
  close(fd);
  CHECK_OK(unlink(name));

  /* O_EXCL: may never be linked */
  fd = CHECK_OK(open(dir, O_TMPFILE | O_WRONLY | O_EXCL, 0600));
  snprintf(name, sizeof name, "%s/never", dir);
  CHECK_ERR(linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH), ENOENT);
  close(fd);

  /* through /proc/self/fd */
  fd = CHECK_OK(open(dir, O_TMPFILE | O_RDWR, 0600));
  CHECK(write(fd, "viaproc", 7) == 7);
  char link[64]; snprintf(link, sizeof link, "../tmp/proc/self/fd/%d", fd);
  snprintf(name, sizeof name, "%s/fromproc", dir);
  CHECK_OK(linkat(AT_FDCWD, link, AT_FDCWD, name, AT_SYMLINK_FOLLOW));
  close(fd);
  r = open(name, O_RDONLY); n = read(r, buf, sizeof buf); close(r);
  printf("linked through /proc/self/fd: %.*s\n", (int)n, buf);
  CHECK_OK(unlink(name));
  printf("left behind: %d\n", entries(dir) - before);

  CHECK_ERR(open(dir, O_TMPFILE | O_RDONLY, 0600), EINVAL);
  CHECK_ERR(open(dir, O_TMPFILE | O_RDWR | O_CREAT, 0600), EINVAL);
  snprintf(name, sizeof name, "%s/nothing", dir);
  CHECK_ERR(open(name, O_TMPFILE | O_RDWR, 0600), ENOENT);
}

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  if (mount("tmpfs", "../tmp", "tmpfs", 0, "size=1m,mode=755") != 0) { printf("mount tmpfs: %s\n", errname(errno)); return 1; }
  CHECK_OK(mkdir("../tmp/proc", 0755));
  CHECK_OK(mount("proc", "../tmp/proc", "proc", 0, NULL));
  struct statfs sf; CHECK_OK(statfs("../tmp", &sf));
  printf("tmpfs size=1m: type %lx bsize %ld blocks %ld free %ld\n", (long)sf.f_type, (long)sf.f_bsize, (long)sf.f_blocks, (long)sf.f_bfree);
  int f = open("../tmp/file", O_CREAT | O_WRONLY, 0600);
  char block[8192] = {1};
  CHECK(write(f, block, sizeof block) == sizeof block); close(f);
  CHECK_OK(statfs("../tmp", &sf)); printf("after 8 KiB: free %ld\n", (long)sf.f_bfree);
  CHECK_OK(unlink("../tmp/file"));
  one("../tmp");
  one(".");
  int fd = CHECK_OK(open("plain", O_CREAT | O_WRONLY, 0600)); close(fd);
  CHECK_ERR(open("plain", O_TMPFILE | O_RDWR, 0600), ENOTDIR);
  CHECK_OK(unlink("plain"));
  CHECK_OK(umount("../tmp/proc"));
  CHECK_OK(rmdir("../tmp/proc"));
  CHECK_OK(umount("../tmp"));
  return finish();
}
