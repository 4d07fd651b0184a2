/* oom_hog: allocate and touch memory without bound, for the OOM-killer test
 * (tests/shell.test.mjs runs `/t/oom_hog hog` under tuml with mem=32M: the
 * kernel must kill it, SIGKILL, and carry on).
 *
 * Without the "hog" argument (the differential harness passes "work") it only
 * allocates and touches a bounded 8 MiB, checks the bytes and prints PASSED, so
 * running it under the oracle never eats the host's memory. */
#include "common.h"
#include <sys/mman.h>

#define CHUNK (1u << 20)

static char *grab(void) {
  char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  for (unsigned i = 0; i < CHUNK; i += 4096) p[i] = (char)(i >> 12) | 1;  /* touch every page */
  return p;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "hog") == 0) {
    unsigned long mib = 0;
    for (;;) {
      if (!grab()) {
        /* a kernel that refuses the mapping instead of OOM-killing: say so */
        printf("oom_hog: mmap failed after %lu MiB (errno %s)\n", mib, errname(errno));
        return 3;
      }
      mib++;
    }
  }
  char *chunks[8];
  for (int i = 0; i < 8; i++) { chunks[i] = grab(); CHECK(chunks[i] != NULL); }
  for (int i = 0; i < 8; i++)
    if (chunks[i]) CHECK(chunks[i][4096 * 5] == ((5 | 1)));
  for (int i = 0; i < 8; i++) if (chunks[i]) CHECK(munmap(chunks[i], CHUNK) == 0);
  return finish();
}
