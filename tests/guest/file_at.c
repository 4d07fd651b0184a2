/* The *at file API: renameat2 (NOREPLACE, EXCHANGE of files and folders, WHITEOUT and
 * bad combinations), linkat (AT_SYMLINK_FOLLOW, AT_EMPTY_PATH), symlinkat, unlinkat,
 * mkdirat, mknodat, fchmodat, fchownat, utimensat (UTIME_NOW, UTIME_OMIT,
 * AT_SYMLINK_NOFOLLOW, NULL path = futimens), truncate/ftruncate/fallocate, fsync,
 * fdatasync, statfs/fstatfs agreement, O_APPEND, O_EXCL, O_DIRECTORY, O_NOFOLLOW. */
#include "common.h"
#include <fcntl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <linux/falloc.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
#endif

static int renameat2_(int a, const char *b, int c, const char *d, unsigned f) {
  return syscall(SYS_renameat2, a, b, c, d, f);
}
static void put(const char *name, const char *s) {
  int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (write(fd, s, strlen(s)) < 0) failures++;
  close(fd);
}
static void show(const char *name) {
  char buf[128]; int fd = open(name, O_RDONLY);
  if (fd < 0) { printf("%s: %s\n", name, errname(errno)); return; }
  ssize_t n = read(fd, buf, sizeof buf); close(fd);
  printf("%s: [%.*s]\n", name, (int)(n > 0 ? n : 0), buf);
}

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  int dfd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));

  /* renameat2 */
  put("a", "AAA"); put("b", "BBB");
  CHECK_ERR(renameat2_(dfd, "a", dfd, "b", RENAME_NOREPLACE), EEXIST);
  CHECK_OK(renameat2_(dfd, "a", dfd, "c", RENAME_NOREPLACE));
  CHECK_OK(renameat2_(dfd, "c", dfd, "b", RENAME_EXCHANGE));
  show("b"); show("c");
  CHECK_ERR(renameat2_(dfd, "c", dfd, "nothing", RENAME_EXCHANGE), ENOENT);
  CHECK_ERR(renameat2_(dfd, "c", dfd, "b", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
  CHECK_ERR(renameat2_(dfd, "c", dfd, "b", 0x80), EINVAL);
  CHECK_OK(mkdirat(dfd, "d1", 0755));
  put("d1/inner", "in");
  CHECK_OK(renameat2_(dfd, "d1", dfd, "b", RENAME_EXCHANGE)); /* folder <-> file */
  struct stat st;
  CHECK_OK(stat("b", &st)); printf("b is a folder now: %d\n", S_ISDIR(st.st_mode));
  CHECK_OK(stat("d1", &st)); printf("d1 is a file now: %d\n", S_ISREG(st.st_mode));
  show("b/inner"); show("d1");
  CHECK_ERR(renameat2_(dfd, "b", dfd, "b/inner2", RENAME_EXCHANGE), ENOENT);
  CHECK_ERR(rename("b", "b/sub"), EINVAL);
  CHECK_ERR(rename("d1", "b"), EISDIR);
  CHECK_OK(unlinkat(dfd, "b/inner", 0));
  CHECK_ERR(unlinkat(dfd, "b", 0), EISDIR);
  CHECK_ERR(unlinkat(dfd, "d1", AT_REMOVEDIR), ENOTDIR);
  CHECK_ERR(unlinkat(dfd, "d1", 0x1), EINVAL);
  CHECK_OK(unlinkat(dfd, "b", AT_REMOVEDIR));

  /* linkat / symlinkat */
  CHECK_OK(symlinkat("d1", dfd, "sl"));
  CHECK_OK(linkat(dfd, "sl", dfd, "hl_nofollow", 0));
  CHECK_OK(linkat(dfd, "sl", dfd, "hl_follow", AT_SYMLINK_FOLLOW));
  CHECK_OK(lstat("hl_nofollow", &st)); printf("linkat without follow links the symlink: %d\n", S_ISLNK(st.st_mode));
  CHECK_OK(lstat("hl_follow", &st)); printf("AT_SYMLINK_FOLLOW links the target: %d nlink %ld\n", S_ISREG(st.st_mode), (long)st.st_nlink);
  int f = CHECK_OK(open("d1", O_RDONLY));
  CHECK_OK(linkat(f, "", dfd, "hl_empty", AT_EMPTY_PATH));
  CHECK_OK(stat("d1", &st)); printf("after AT_EMPTY_PATH: nlink %ld\n", (long)st.st_nlink);
  CHECK_ERR(linkat(f, "", dfd, "hl_x", 0), ENOENT);
  CHECK_ERR(linkat(dfd, "d1", dfd, "hl_x", 0x8000), EINVAL);
  close(f);
  CHECK_ERR(linkat(dfd, "nothing", dfd, "x", 0), ENOENT);
  CHECK_ERR(symlinkat("", dfd, "x"), ENOENT);

  /* mknodat / mkdirat */
  CHECK_OK(mknodat(dfd, "regular", S_IFREG | 0600, 0));
  CHECK_OK(stat("regular", &st)); printf("mknod regular: %d %o\n", S_ISREG(st.st_mode), st.st_mode & 0777);
  CHECK_ERR(mknodat(dfd, "regular", S_IFIFO | 0600, 0), EEXIST);
  CHECK_ERR(mknodat(dfd, "bad", 0170000 | 0600, 0), EINVAL);
  CHECK_ERR(mkdirat(dfd, "regular", 0755), EEXIST);
  CHECK_ERR(mkdirat(dfd, "nope/x", 0755), ENOENT);

  /* fchmodat / fchownat */
  CHECK_OK(fchmodat(dfd, "regular", 0640, 0));
  CHECK_OK(stat("regular", &st)); printf("fchmodat: %o\n", st.st_mode & 0777);
  CHECK_OK(fchmodat(dfd, "sl", 0604, 0)); /* follows to d1 */
  CHECK_OK(stat("d1", &st)); printf("fchmodat through a symlink: %o\n", st.st_mode & 0777);
  CHECK_OK(fchownat(dfd, "regular", 1234, 5678, 0));
  CHECK_OK(stat("regular", &st)); printf("fchownat: %d %d\n", st.st_uid, st.st_gid);
  CHECK_OK(fchownat(dfd, "sl", 42, -1, AT_SYMLINK_NOFOLLOW));
  CHECK_OK(lstat("sl", &st)); printf("fchownat nofollow: link uid %d\n", st.st_uid);
  CHECK_OK(stat("sl", &st)); printf("target uid unchanged: %d\n", st.st_uid);
  f = open("regular", O_RDONLY);
  CHECK_OK(fchownat(f, "", 7, 8, AT_EMPTY_PATH));
  CHECK_OK(fstat(f, &st)); printf("fchownat AT_EMPTY_PATH: %d %d\n", st.st_uid, st.st_gid);
  CHECK_ERR(fchownat(dfd, "regular", 0, 0, 0x1), EINVAL);

  /* utimensat */
  struct timespec ts[2] = { { 1000000000, 111 }, { 1200000000, 222 } };
  CHECK_OK(utimensat(dfd, "regular", ts, 0));
  CHECK_OK(stat("regular", &st));
  printf("times: %lld.%ld %lld.%ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  struct timespec om[2] = { { 5, UTIME_OMIT }, { 1300000000, 333 } };
  CHECK_OK(utimensat(dfd, "regular", om, 0));
  CHECK_OK(stat("regular", &st));
  printf("UTIME_OMIT atime: %lld.%ld mtime %lld.%ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  struct timespec nw[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
  CHECK_OK(utimensat(dfd, "regular", nw, 0));
  CHECK_OK(stat("regular", &st));
  printf("UTIME_NOW atime is recent: %d, mtime kept: %lld\n", st.st_atim.tv_sec > 1600000000, (long long)st.st_mtim.tv_sec);
  struct timespec ln[2] = { { 1100000000, 0 }, { 1100000000, 0 } };
  CHECK_OK(utimensat(dfd, "sl", ln, AT_SYMLINK_NOFOLLOW));
  CHECK_OK(lstat("sl", &st)); printf("link mtime: %lld\n", (long long)st.st_mtim.tv_sec);
  CHECK_OK(stat("sl", &st)); printf("target mtime not it: %d\n", st.st_mtim.tv_sec != 1100000000);
  f = open("regular", O_RDONLY);
  CHECK_OK(syscall(SYS_utimensat, f, NULL, ts, 0)); /* NULL path: the fd itself */
  CHECK_OK(fstat(f, &st)); printf("futimens via NULL path: %lld\n", (long long)st.st_mtim.tv_sec);
  CHECK_OK(futimens(f, NULL));
  close(f);
  struct timespec badns[2] = { { 0, 1000000000 }, { 0, 0 } };
  CHECK_ERR(utimensat(dfd, "regular", badns, 0), EINVAL);
  CHECK_ERR(utimensat(dfd, "regular", ts, 0x1), EINVAL);
  CHECK_ERR(syscall(SYS_utimensat, AT_FDCWD, NULL, ts, 0), EFAULT);

  /* truncate / ftruncate / fallocate / fsync */
  put("t", "0123456789");
  CHECK_OK(truncate("t", 4)); show("t");
  CHECK_OK(truncate("t", 8));
  CHECK_OK(stat("t", &st)); printf("extended: %lld\n", (long long)st.st_size);
  CHECK_ERR(truncate("t", -1), EINVAL);
  CHECK_ERR(truncate(".", 0), EISDIR);
  f = CHECK_OK(open("t", O_RDWR));
  CHECK_OK(ftruncate(f, 2));
  CHECK_OK(fallocate(f, 0, 0, 100));
  CHECK_OK(fstat(f, &st)); printf("fallocate 0: size %lld\n", (long long)st.st_size);
  CHECK_OK(fallocate(f, FALLOC_FL_KEEP_SIZE, 0, 8192));
  CHECK_OK(fstat(f, &st)); printf("KEEP_SIZE: size %lld\n", (long long)st.st_size);
  CHECK(pwrite(f, "xxxxxxxxxx", 10, 10) == 10);
  CHECK_OK(fallocate(f, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 12, 4));
  char buf[32]; CHECK(pread(f, buf, 10, 10) == 10);
  printf("after punching [12,16): ");
  for (int i = 0; i < 10; i++) putchar(buf[i] ? buf[i] : '.');
  putchar('\n');
  CHECK_OK(fstat(f, &st)); printf("size still %lld\n", (long long)st.st_size);
  CHECK_ERR(fallocate(f, FALLOC_FL_PUNCH_HOLE, 0, 1), EOPNOTSUPP);
  CHECK_ERR(fallocate(f, 0, 0, 0), EINVAL);
  CHECK_ERR(fallocate(f, 0, -1, 10), EINVAL);
  CHECK_OK(fsync(f)); CHECK_OK(fdatasync(f));
  int p[2]; CHECK_OK(pipe(p));
  CHECK_ERR(fallocate(p[1], 0, 0, 10), ESPIPE);
  CHECK_ERR(fsync(999), EBADF);
  close(p[0]); close(p[1]);
  int ro = open("t", O_RDONLY);
  CHECK_ERR(ftruncate(ro, 0), EINVAL);
  CHECK_ERR(fallocate(ro, 0, 0, 1), EBADF);
  close(ro);

  /* statfs and fstatfs agree */
  struct statfs s1, s2;
  CHECK_OK(statfs(".", &s1)); CHECK_OK(fstatfs(f, &s2));
  CHECK(s1.f_type == s2.f_type && s1.f_bsize == s2.f_bsize && s1.f_blocks == s2.f_blocks);
  CHECK(s1.f_bfree <= s1.f_blocks && s1.f_bavail <= s1.f_blocks && s1.f_namelen == 255);
  CHECK_ERR(statfs("nothing", &s1), ENOENT);
  close(f);

  /* open flags */
  f = CHECK_OK(open("t", O_WRONLY | O_APPEND));
  lseek(f, 0, SEEK_SET);
  CHECK(write(f, "END", 3) == 3);
  printf("O_APPEND pos: %lld\n", (long long)lseek(f, 0, SEEK_CUR));
  CHECK(pwrite(f, "Z", 1, 0) == 1); /* Linux: pwrite on O_APPEND appends */
  CHECK_OK(fstat(f, &st)); printf("size after pwrite with O_APPEND: %lld\n", (long long)st.st_size);
  close(f);
  CHECK_ERR(open("t", O_CREAT | O_EXCL | O_WRONLY, 0600), EEXIST);
  CHECK_ERR(open("sl", O_CREAT | O_EXCL | O_WRONLY, 0600), EEXIST); /* even a symlink */
  CHECK_ERR(open("t", O_RDONLY | O_DIRECTORY), ENOTDIR);
  CHECK_ERR(open("sl", O_RDONLY | O_NOFOLLOW), ELOOP);
  f = CHECK_OK(open("sl", O_RDONLY | O_NOFOLLOW | O_PATH));
  CHECK_OK(fstat(f, &st)); printf("O_PATH|O_NOFOLLOW opens the link: %d\n", S_ISLNK(st.st_mode));
  close(f);
  CHECK_ERR(open("dd/", O_CREAT | O_WRONLY, 0600), EISDIR);

  const char *all[] = { "c", "d1", "sl", "hl_nofollow", "hl_follow", "hl_empty", "regular", "t" };
  for (unsigned i = 0; i < sizeof all / sizeof *all; i++) CHECK_OK(unlink(all[i]));
  close(dfd);
  return finish();
}
