/* Fresh anonymous memory, one write fault per page and few syscalls: one mmap of N
 * pages (argv[2], default 8000), a byte written to each, read back, and unmapped.
 * tests/optwarm.test.mjs also runs it to see that page faults end tuml's warm-up. */
#include "common.h"
#include <sys/mman.h>

int main(int argc, char **argv) {
  size_t n = argc > 2 ? (size_t)atol(argv[2]) : 8000, page = 4096;
  unsigned char *p = mmap(NULL, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED);
  for (size_t i = 0; i < n; i++) p[i * page + (i % page)] = (unsigned char)(i * 7 + 1);
  unsigned long sum = 0, zeros = 0;
  for (size_t i = 0; i < n; i++) { sum += p[i * page + (i % page)]; zeros += p[i * page + ((i + 1) % page)] == 0; }
  printf("touched %zu pages sum %lu untouched bytes zero %lu\n", n, sum, zeros);
  CHECK(munmap(p, n * page) == 0);
  return finish();
}
