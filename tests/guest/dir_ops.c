/* Directories in the work folder: mkdir, readdir (sorted, since order is the
 * file system's), rename (files and folders, replacing), rmdir, and their errors. */
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static void list(const char *dir) {
  DIR *d = opendir(dir); if (!d) { printf("opendir %s: %s\n", dir, errname(errno)); failures++; return; }
  char *names[64]; int n = 0; struct dirent *e;
  while ((e = readdir(d)) && n < 64) {
    char t = e->d_type == DT_DIR ? 'd' : e->d_type == DT_REG ? 'f' : e->d_type == DT_LNK ? 'l' : e->d_type == DT_UNKNOWN ? '?' : 'o';
    names[n] = malloc(strlen(e->d_name) + 3); sprintf(names[n], "%s:%c", e->d_name, t); n++;
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp);
  printf("%s:", dir); for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); } printf("\n");
}
static void touch(const char *p) { int fd = open(p, O_CREAT | O_WRONLY, 0644); CHECK(fd >= 0); close(fd); }

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  CHECK_OK(mkdir("d", 0755));
  CHECK_ERR(mkdir("d", 0755), EEXIST);
  CHECK_OK(mkdir("d/sub", 0700));
  for (int i = 0; i < 20; i++) { char p[32]; snprintf(p, sizeof p, "d/file%02d", i); touch(p); }
  list("d");
  struct stat st; CHECK_OK(stat("d/sub", &st)); printf("sub isdir %d mode %o\n", S_ISDIR(st.st_mode), st.st_mode & 0777);
  CHECK_OK(rename("d/file00", "d/sub/moved"));
  CHECK_OK(rename("d/file01", "d/file02"));          /* replaces */
  CHECK_ERR(rename("d/missing", "d/x"), ENOENT);
  CHECK_ERR(rename("d/sub", "d/file03"), ENOTDIR);
  CHECK_ERR(rename("d/file03", "d/sub"), EISDIR);
  CHECK_ERR(rmdir("d/sub"), ENOTEMPTY);
  CHECK_ERR(rmdir("d/file03"), ENOTDIR);
  CHECK_ERR(unlink("d/sub"), EISDIR);
  CHECK_ERR(mkdir("d/nope/deeper", 0755), ENOENT);
  CHECK_ERR(mkdir("d/file03/x", 0755), ENOTDIR);
  CHECK_ERR(open("d/sub", O_WRONLY), EISDIR);
  CHECK_ERR(opendir("d/file03") ? 0 : -1, ENOTDIR);
  list("d/sub");
  /* rename a folder, cwd-relative walks through .. */
  CHECK_OK(rename("d/sub", "d/sub2"));
  CHECK_OK(chdir("d/sub2"));
  char cwdbuf[512]; CHECK(getcwd(cwdbuf, sizeof cwdbuf) != NULL);
  const char *tail = strrchr(cwdbuf, '/'); printf("cwd ends with %s\n", tail);
  CHECK_OK(access("../file03", F_OK));
  CHECK_OK(chdir("../.."));
  list("d");
  /* O_DIRECTORY, fd-relative calls */
  int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
  CHECK_ERR(open("d/file03", O_RDONLY | O_DIRECTORY), ENOTDIR);
  int fd = CHECK_OK(openat(dfd, "viaat", O_CREAT | O_WRONLY, 0600)); close(fd);
  CHECK_OK(fstatat(dfd, "viaat", &st, 0)); CHECK(S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);
  CHECK_OK(unlinkat(dfd, "viaat", 0));
  CHECK_OK(mkdirat(dfd, "atdir", 0755)); CHECK_OK(unlinkat(dfd, "atdir", AT_REMOVEDIR));
  close(dfd);
  /* clean up */
  CHECK_OK(unlink("d/sub2/moved")); CHECK_OK(rmdir("d/sub2"));
  for (int i = 2; i < 20; i++) { char p[32]; snprintf(p, sizeof p, "d/file%02d", i); CHECK_OK(unlink(p)); }
  list("d");
  CHECK_OK(rmdir("d"));
  CHECK_ERR(rmdir("d"), ENOENT);
  return finish();
}
