/* A dynamically linked program (built PIE and non-PIE by tests/debian.test.mjs):
 * auxv as ld.so and libc see it, malloc, dlopen-free libc calls. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
int main(int argc, char **argv) {
  printf("argc %d argv[1] %s\n", argc, argc > 1 ? argv[1] : "-");
  printf("AT_BASE %s AT_PHDR %s AT_ENTRY %s AT_SECURE %lu AT_PAGESZ %lu\n",
         getauxval(AT_BASE) ? "set" : "0", getauxval(AT_PHDR) ? "set" : "0",
         getauxval(AT_ENTRY) ? "set" : "0", getauxval(AT_SECURE), getauxval(AT_PAGESZ));
  char *p = malloc(1 << 20); memset(p, 1, 1 << 20);
  long sum = 0; for (int i = 0; i < 1 << 20; i += 4096) sum += p[i];
  printf("malloc sum %ld\n", sum); free(p);
  /* relro is read-only after relocation: writing there would fault, so just check mprotect works */
  void *m = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("mprotect %d\n", mprotect(m, 4096, PROT_READ));
  return 3;
}
