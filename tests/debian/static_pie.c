/* A freestanding static-pie (ET_DYN without PT_INTERP): the kernel must load it at
 * some base and enter it there; AT_BASE is 0. Built by tests/debian.test.mjs. */
static long sys(long n, long a, long b, long c) {
  register long a7 __asm__("a7") = n, a0 __asm__("a0") = a, a1 __asm__("a1") = b, a2 __asm__("a2") = c;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1), "r"(a2) : "memory");
  return a0;
}
static const char msg[] = "static-pie: hello\n";
void _start(void) {
  sys(64, 1, (long)msg, sizeof msg - 1);   /* write */
  sys(94, 7, 0, 0);                        /* exit_group(7) */
  for (;;) {}
}
