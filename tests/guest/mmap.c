/* mmap/munmap/mprotect/mremap/madvise on anonymous and file memory:
 * MAP_FIXED replacing, MAP_FIXED_NOREPLACE into a hole, partial unmaps, argument errors,
 * MAP_SHARED file writes seen by read(), MAP_PRIVATE copies not seen. */
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define PG 4096

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  CHECK(sysconf(_SC_PAGESIZE) == PG);
  char *a = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(a != MAP_FAILED); CHECK(((uintptr_t)a & (PG - 1)) == 0);
  int zero = 1; for (int i = 0; i < 16 * PG; i++) if (a[i]) zero = 0;
  printf("anon zero %d\n", zero); CHECK(zero);
  for (int i = 0; i < 16; i++) a[i * PG] = (char)(i + 1);
  /* MAP_FIXED over pages 4..7 replaces them with zero pages */
  char *b = mmap(a + 4 * PG, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  CHECK(b == a + 4 * PG);
  printf("after MAP_FIXED:"); for (int i = 0; i < 16; i++) printf(" %d", a[i * PG]); printf("\n");
  /* unmap a hole in the middle, then NOREPLACE into the hole works (NOREPLACE over a
   * mapping is in mmap_noreplace.c: qemu 7.2 gets it wrong) */
  CHECK_OK(munmap(a + 8 * PG, 2 * PG));
  void *c = mmap(a + 8 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  CHECK(c == a + 8 * PG);
  printf("NOREPLACE into hole ok %d, page zero %d\n", c == a + 8 * PG, ((char *)c)[0] == 0);
  CHECK(a[10 * PG] == 11 && a[7 * PG] == 0);
  /* mprotect: read-only then writable again (writing to read-only memory is a
   * signal test, elsewhere); errors */
  CHECK_OK(mprotect(a, 2 * PG, PROT_READ));
  CHECK(a[0] == 1);
  CHECK_OK(mprotect(a, 2 * PG, PROT_READ | PROT_WRITE)); a[0] = 42; CHECK(a[0] == 42);
  CHECK_ERR(mprotect(a + 1, PG, PROT_READ), EINVAL);
  CHECK_ERR(mprotect(a + 9 * PG, 2 * PG, PROT_READ), ENOMEM);   /* page 9 is unmapped */
  CHECK_ERR(munmap(a + 1, PG), EINVAL);
  CHECK_ERR(munmap(a, 0), EINVAL);
  CHECK_ERR(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0, EINVAL);
  CHECK_ERR(mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0, EINVAL);  /* neither private nor shared */
  CHECK_ERR(mmap(a + 1, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0, EINVAL);
  CHECK_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED ? -1 : 0, EBADF);
  CHECK_OK(munmap(a + 9 * PG, PG));  /* unmapping nothing is fine */
  /* madvise(DONTNEED) on private anonymous memory gives zero pages back */
  a[12 * PG] = 9; CHECK_OK(madvise(a + 12 * PG, PG, MADV_DONTNEED)); printf("after DONTNEED %d\n", a[12 * PG]);
  /* mremap grow (may move) keeps contents */
  char *g = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(g, 7, 2 * PG);
  char *g2 = mremap(g, 2 * PG, 64 * PG, MREMAP_MAYMOVE); CHECK(g2 != MAP_FAILED);
  printf("mremap kept %d new zero %d\n", g2[2 * PG - 1] == 7, g2[63 * PG] == 0);
  CHECK_OK(munmap(g2, 64 * PG));
  CHECK_OK(munmap(a, 16 * PG));
  /* file mappings */
  int fd = CHECK_OK(open("mmap.tmp", O_CREAT | O_RDWR | O_TRUNC, 0644));
  char buf[3 * PG]; for (int i = 0; i < 3 * PG; i++) buf[i] = (char)('a' + i % 26);
  CHECK(write(fd, buf, 3 * PG - 100) == 3 * PG - 100);
  char *s = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0); CHECK(s != MAP_FAILED);
  printf("shared map reads %.5s, past EOF in last page %d\n", s + PG, s[3 * PG - 50]);
  s[0] = 'Z'; memcpy(s + PG, "SHARED", 6);
  CHECK_OK(msync(s, 3 * PG, MS_SYNC));
  char rb[8] = {0}; CHECK(pread(fd, rb, 6, PG) == 6); printf("read sees '%s'\n", rb); CHECK(memcmp(rb, "SHARED", 6) == 0);
  CHECK(pwrite(fd, "written", 7, 2 * PG) == 7);
  printf("map sees '%.7s'\n", s + 2 * PG); CHECK(memcmp(s + 2 * PG, "written", 7) == 0);
  char *pv = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PG); CHECK(pv != MAP_FAILED);
  printf("private offset map %.6s\n", pv);
  pv[0] = 'p'; CHECK(pread(fd, rb, 1, PG) == 1); printf("private write not in file: %c\n", rb[0]); CHECK(rb[0] == 'S');
  CHECK_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 1) == MAP_FAILED ? -1 : 0, EINVAL);
  int ro = CHECK_OK(open("mmap.tmp", O_RDONLY));
  CHECK_ERR(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED ? -1 : 0, EACCES);
  close(ro);
  CHECK_OK(munmap(pv, PG)); CHECK_OK(munmap(s, 3 * PG)); close(fd);
  CHECK_OK(unlink("mmap.tmp"));
  /* a large anonymous mapping, touched sparsely */
  size_t big = (size_t)256 << 20; char *L = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  CHECK(L != MAP_FAILED); for (size_t i = 0; i < big; i += (1 << 20)) L[i] = 1;
  long t = 0; for (size_t i = 0; i < big; i += (1 << 20)) t += L[i]; printf("256 MiB sparse sum %ld\n", t);
  CHECK_OK(munmap(L, big));
  return finish();
}
