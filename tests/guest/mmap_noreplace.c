/* MAP_FIXED_NOREPLACE (Linux 4.17): over an existing mapping it fails with
 * EEXIST; into a free range it maps exactly there. qemu-riscv64 7.2 does not
 * implement the flag (it maps elsewhere), so the harness checks this program's
 * own verdict under tuml instead of comparing with qemu. */
#include "common.h"
#include <sys/mman.h>
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define PG 4096

int main(void) {
  char *a = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(a != MAP_FAILED);
  errno = 0; void *c = mmap(a + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  printf("over a mapping: %s %s\n", c == MAP_FAILED ? "MAP_FAILED" : "mapped", errname(errno));
  CHECK(c == MAP_FAILED && errno == EEXIST);
  /* partly overlapping also fails */
  errno = 0; c = mmap(a - PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  printf("partly over: %s %s\n", c == MAP_FAILED ? "MAP_FAILED" : "mapped", errname(errno));
  CHECK(c == MAP_FAILED && errno == EEXIST);
  CHECK_OK(munmap(a + 4 * PG, 2 * PG));
  c = mmap(a + 4 * PG, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  printf("into a hole: %s\n", c == a + 4 * PG ? "exact" : "elsewhere");
  CHECK(c == a + 4 * PG);
  CHECK_OK(munmap(a, 8 * PG));
  return finish();
}
