/* The page cache: two MAP_SHARED mappings of one file see each other's writes;
 * write(2) after mapping is seen through mappings and mapping writes by read(2);
 * MAP_PRIVATE copies never reach the file; truncate drops pages (re-extension reads
 * zeros); writes beyond EOF in the last page stay out of the file; fork shares
 * MAP_SHARED anonymous and file memory; msync and mincore rules; /proc/self/maps. */
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PG 4096

static void fill(int fd, int pages) {
  char buf[PG];
  for (int p = 0; p < pages; p++) {
    for (int i = 0; i < PG; i++) buf[i] = (char)('a' + (p + i) % 26);
    CHECK(write(fd, buf, PG) == PG);
  }
}

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  int fd = CHECK_OK(open("mmap_shared.tmp", O_CREAT | O_RDWR | O_TRUNC, 0644));
  fill(fd, 4);
  char *m1 = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  char *m2 = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(m1 != MAP_FAILED && m2 != MAP_FAILED && m1 != m2);
  /* two shared mappings are one copy */
  memcpy(m1 + 10, "one", 3); memcpy(m2 + PG + 20, "two", 3);
  printf("m2 sees '%.3s', m1 sees '%.3s'\n", m2 + 10, m1 + PG + 20);
  CHECK(memcmp(m2 + 10, "one", 3) == 0 && memcmp(m1 + PG + 20, "two", 3) == 0);
  /* mapping writes are seen by read(2) at once (no msync needed) */
  char rb[16] = {0};
  CHECK(pread(fd, rb, 3, PG + 20) == 3); printf("read sees '%s'\n", rb); CHECK(memcmp(rb, "two", 3) == 0);
  /* write(2) after mapping is seen through both mappings, also on pages not touched yet */
  CHECK(pwrite(fd, "WRITE", 5, 2 * PG + 7) == 5);
  CHECK(pwrite(fd, "again", 5, 10) == 5);
  printf("maps see '%.5s' '%.5s' '%.5s'\n", m1 + 2 * PG + 7, m2 + 2 * PG + 7, m2 + 10);
  CHECK(memcmp(m1 + 2 * PG + 7, "WRITE", 5) == 0 && memcmp(m2 + 10, "again", 5) == 0);
  /* a second descriptor reads the same bytes */
  int fd2 = CHECK_OK(open("mmap_shared.tmp", O_RDONLY));
  CHECK(pread(fd2, rb, 5, 10) == 5); rb[5] = 0; printf("fd2 reads '%s'\n", rb);
  /* MAP_PRIVATE: sees the file until it writes; its writes stay private */
  char *pv = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0); CHECK(pv != MAP_FAILED);
  printf("private sees '%.5s'\n", pv + 10);
  pv[10] = 'P'; pv[3 * PG] = 'Q';
  CHECK(pread(fd, rb, 1, 10) == 1); printf("file keeps '%c', shared map '%c', private '%c'\n", rb[0], m1[10], pv[10]);
  CHECK(rb[0] == 'a' && m1[10] == 'a' && pv[10] == 'P');
  CHECK(msync(pv, 4 * PG, MS_SYNC) == 0);
  CHECK(pread(fd, rb, 1, 3 * PG) == 1); CHECK(rb[0] != 'Q');
  /* an untouched private page still follows the file */
  m1[PG + 100] = '#'; printf("private untouched page follows: %d\n", pv[PG + 100] == '#');
  CHECK_OK(munmap(pv, 4 * PG));
  /* msync rules */
  CHECK_OK(msync(m1, 4 * PG, MS_SYNC));
  CHECK_OK(msync(m1, 4 * PG, MS_ASYNC));
  CHECK_OK(msync(m1, 0, MS_SYNC));
  CHECK_OK(msync(m1 + PG, 10, MS_INVALIDATE));
  CHECK_ERR(msync(m1, PG, MS_SYNC | MS_ASYNC), EINVAL);
  CHECK_ERR(msync(m1 + 1, PG, MS_SYNC), EINVAL);
  CHECK_ERR(msync(m1, PG, 8), EINVAL);
  char *hole = mmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK_OK(munmap(hole + PG, PG));
  CHECK_ERR(msync(hole, 3 * PG, MS_SYNC), ENOMEM);
  CHECK_ERR(msync(hole, 3 * PG, MS_ASYNC), ENOMEM);
  CHECK_ERR(msync(hole + PG, PG, MS_SYNC), ENOMEM);
  /* mincore: resident pages; errors */
  unsigned char vec[8];
  char *an = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  an[0] = 1; an[2 * PG] = 1;
  CHECK_OK(mincore(an, 4 * PG, vec));
  printf("mincore anon %d %d %d %d\n", vec[0] & 1, vec[1] & 1, vec[2] & 1, vec[3] & 1);
  CHECK_OK(mincore(m1, 2 * PG, vec)); printf("mincore file %d %d\n", vec[0] & 1, vec[1] & 1);
  CHECK_OK(mincore(an, PG + 1, vec)); /* length rounds up */
  CHECK_ERR(mincore(an + 1, PG, vec), EINVAL);
  CHECK_ERR(mincore(hole, 3 * PG, vec), ENOMEM);
  CHECK_ERR(mincore(an, PG, (unsigned char *)hole + PG), EFAULT);
  CHECK_OK(munmap(an, 4 * PG)); CHECK_OK(munmap(hole, PG)); CHECK_OK(munmap(hole + 2 * PG, PG));
  /* /proc/self/maps names the file (when /proc is there: the harness's tuml root has none) */
  {
    FILE *f = fopen("/proc/self/maps", "r"); char line[512]; int n = 0;
    if (f) {
      while (fgets(line, sizeof line, f)) if (strstr(line, "/mmap_shared.tmp") && strstr(line, "rw-s")) n++;
      fclose(f);
      CHECK(n == 2);
    }
  }
  /* fork: MAP_SHARED anonymous memory (untouched before fork) and the file mapping are shared */
  int *sh = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(sh != MAP_FAILED);
  printf("shared anon starts zero %d\n", sh[0] == 0 && sh[PG / 4] == 0);
  pid_t pid = fork();
  if (pid == 0) {
    sh[0] = 1234; sh[PG / 4 + 1] = 5678;
    memcpy(m2 + 3 * PG, "child", 5);
    _exit(0);
  }
  int st; CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  printf("parent sees child's %d %d '%.5s'\n", sh[0], sh[PG / 4 + 1], m1 + 3 * PG);
  CHECK(sh[0] == 1234 && sh[PG / 4 + 1] == 5678);
  CHECK(pread(fd, rb, 5, 3 * PG) == 5); CHECK(memcmp(rb, "child", 5) == 0);
  /* and back: the parent writes, a second child reads */
  sh[1] = 42;
  pid = fork();
  if (pid == 0) _exit(sh[1] == 42 ? 7 : 1);
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st)); printf("child saw parent's write: %d\n", WEXITSTATUS(st) == 7);
  CHECK_OK(munmap(sh, 2 * PG));
  /* truncate: shrink drops pages, re-extension reads zeros through the mapping;
   * the partial page's tail beyond the new end is zeroed */
  CHECK_OK(ftruncate(fd, PG + 100));
  CHECK_OK(ftruncate(fd, 3 * PG));
  printf("after shrink+grow: %d %d %d '%.3s'\n", m1[PG + 99] != 0, m1[PG + 100], m2[2 * PG + 7], m1 + 10);
  CHECK(m1[PG + 100] == 0 && m1[PG + 4095] == 0 && m2[2 * PG + 7] == 0);
  CHECK(pread(fd, rb, 3, 2 * PG + 7) == 3); CHECK(rb[0] == 0);
  /* writes past EOF inside the last page stay out of the file */
  CHECK_OK(ftruncate(fd, 100));
  m1[50] = 'E'; m1[200] = 'X';
  CHECK_OK(msync(m1, PG, MS_SYNC));
  struct stat sb; CHECK_OK(fstat(fd, &sb));
  char big[PG]; ssize_t n = pread(fd, big, PG, 0);
  printf("size %ld, read %ld, [50]=%c\n", (long)sb.st_size, (long)n, big[50]);
  CHECK(sb.st_size == 100 && n == 100 && big[50] == 'E');
  /* data written through a mapping survives munmap and close without msync */
  CHECK_OK(ftruncate(fd, PG));
  memcpy(m1 + 300, "persist", 7);
  CHECK_OK(munmap(m1, 4 * PG)); CHECK_OK(munmap(m2, 4 * PG));
  close(fd); close(fd2);
  fd = CHECK_OK(open("mmap_shared.tmp", O_RDONLY));
  CHECK(pread(fd, rb, 7, 300) == 7); rb[7] = 0; printf("after close: '%s'\n", rb);
  CHECK(memcmp(rb, "persist", 7) == 0);
  /* a read-only shared mapping, then read(2) of it */
  char *ro = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0); CHECK(ro != MAP_FAILED);
  printf("ro map '%.7s'\n", ro + 300);
  CHECK_ERR(mprotect(ro, PG, PROT_READ | PROT_WRITE), EACCES);
  CHECK_OK(munmap(ro, PG));
  close(fd);
  CHECK_OK(unlink("mmap_shared.tmp"));
  return finish();
}
