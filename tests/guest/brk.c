/* The program break: sbrk(0), growth page by page and by megabytes, shrinking,
 * brk to an odd address; malloc/calloc/realloc of small and large (mmap) blocks. */
#include "common.h"
#include <sys/mman.h>

int main(void) {
  char *start = sbrk(0);
  CHECK(start != (char *)-1);
  uintptr_t page = 4096;
  CHECK(sbrk(0) == start);
  char *p = sbrk(100);                    /* returns the old break */
  CHECK(p == start);
  CHECK((char *)sbrk(0) == start + 100);
  memset(p, 0xab, 100);
  char *q = sbrk(8 << 20);                /* 8 MiB more */
  CHECK(q == start + 100);
  for (size_t i = 0; i < (8u << 20); i += page) CHECK(q[i] == 0 || (i == 0 && q[i] == 0)); /* fresh memory is zero */
  for (size_t i = 0; i < (8u << 20); i += page) q[i] = (char)(i >> 12);
  long sum = 0; for (size_t i = 0; i < (8u << 20); i += page) sum += q[i];
  printf("touched %zu pages sum %ld\n", (size_t)(8u << 20) / page, sum);
  CHECK(sbrk(-(8 << 20)) == q + (8 << 20));
  CHECK((char *)sbrk(0) == q);
  /* growing again after a shrink gives zeroed pages beyond the old end */
  char *r = sbrk(2 * page); CHECK(r == q);
  uintptr_t pageend = ((uintptr_t)q + page - 1) & ~(page - 1);
  printf("regrown first new page zero %d\n", *(char *)(pageend + page) == 0);
  CHECK(brk(start) == 0);
  CHECK((char *)sbrk(0) == start);
  /* brk to an impossible address fails and leaves the break */
  errno = 0; int br = brk((void *)0x10); printf("brk(low) %d %s\n", br, errname(errno));
  CHECK((char *)sbrk(0) == start);
  /* malloc */
  size_t sizes[] = {1, 24, 1000, 128 * 1024, 1 << 20, 64 << 20};
  for (unsigned i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    unsigned char *m = malloc(sizes[i]); CHECK(m != NULL);
    memset(m, (int)i + 1, sizes[i]);
    unsigned long s = 0; for (size_t k = 0; k < sizes[i]; k += 997) s += m[k];
    printf("malloc %zu ok sum %lu\n", sizes[i], s);
    free(m);
  }
  unsigned *c = calloc(1 << 20, sizeof *c); CHECK(c != NULL);
  int allzero = 1; for (size_t i = 0; i < (1u << 20); i++) if (c[i]) { allzero = 0; break; }
  printf("calloc zero %d\n", allzero); CHECK(allzero);
  for (size_t i = 0; i < (1u << 20); i++) c[i] = (unsigned)i;
  c = realloc(c, (8u << 20) * sizeof *c); CHECK(c != NULL);
  int kept = 1; for (size_t i = 0; i < (1u << 20); i++) if (c[i] != i) { kept = 0; break; }
  printf("realloc kept %d\n", kept); CHECK(kept);
  free(c);
  /* many small allocations */
  void *ptrs[10000]; for (int i = 0; i < 10000; i++) { ptrs[i] = malloc(16 + (i % 200)); CHECK(ptrs[i] != NULL); memset(ptrs[i], i, 16); }
  for (int i = 0; i < 10000; i += 2) free(ptrs[i]);
  for (int i = 1; i < 10000; i += 2) CHECK(((unsigned char *)ptrs[i])[15] == (unsigned char)i);
  for (int i = 1; i < 10000; i += 2) free(ptrs[i]);
  errno = 0; void *huge = malloc((size_t)1 << 46); printf("malloc 64 TiB %s %s\n", huge ? "succeeded" : "NULL", errname(errno)); free(huge);
  return finish();
}
