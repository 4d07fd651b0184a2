/* The process start-up state the kernel builds: argc/argv (argv[0] is not
 * printed: it is a path), the auxiliary vector entries that do not vary
 * (AT_PAGESZ, AT_HWCAP for RV64GC = IMAFDC, AT_SECURE, AT_PHENT...), and the
 * alignment of the initial stack. */
#include "common.h"
#include <sys/auxv.h>
#include <elf.h>

int main(int argc, char **argv, char **envp) {
  printf("argc %d\n", argc);
  for (int i = 1; i < argc; i++) printf("argv[%d] = '%s'\n", i, argv[i]);
  CHECK(argv[argc] == NULL);
  (void)envp;
  unsigned long hw = getauxval(AT_HWCAP);
  printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
  printf("AT_HWCAP %#lx:", hw); for (int b = 0; b < 26; b++) if (hw & (1UL << b)) printf(" %c", 'a' + b); printf("\n");
  CHECK((hw & 0x112d) == 0x112d);  /* a c d f i m */
  printf("AT_PHENT %lu AT_SECURE %lu AT_FLAGS %lu\n", getauxval(AT_PHENT), getauxval(AT_SECURE), getauxval(AT_FLAGS));
  printf("AT_ENTRY set %d AT_PHDR set %d AT_RANDOM set %d AT_EXECFN set %d\n", getauxval(AT_ENTRY) != 0,
         getauxval(AT_PHDR) != 0, getauxval(AT_RANDOM) != 0, getauxval(AT_EXECFN) != 0);
  printf("AT_EXECFN ends with /auxv %d\n", getauxval(AT_EXECFN) && strstr((char *)getauxval(AT_EXECFN), "auxv") != NULL);
  errno = 0; unsigned long none = getauxval(12345); printf("missing entry %lu %s\n", none, errname(errno));
  int local; printf("stack 16-aligned frame ok %d\n", ((uintptr_t)__builtin_frame_address(0) & 15) == 0);
  (void)local;
  printf("sysconf pagesize %ld clk_tck %ld\n", sysconf(_SC_PAGESIZE), sysconf(_SC_CLK_TCK));
  return finish();
}
