/* The stack and control flow: deep recursion (a few MiB of the default 8 MiB
 * stack, growing on demand), large frames, alloca, setjmp/longjmp, varargs,
 * function pointers, switch tables, thread-local storage. */
#include "common.h"
#include <setjmp.h>
#include <stdarg.h>
#include <alloca.h>

static jmp_buf jb;
static __thread int tls_counter = 5;
static __thread char tls_buf[64];

__attribute__((noipa)) static long recurse(long n) { volatile char pad[64]; pad[0] = (char)n; if (n == 0) return 0; return recurse(n - 1) + pad[0] % 3; }
__attribute__((noipa)) static long bigframe(int k) { volatile char big[1 << 20]; big[k] = 1; big[(1 << 20) - 1] = 2; return big[k] + big[(1 << 20) - 1]; }
__attribute__((noipa)) static void jumper(int depth) { if (depth > 0) jumper(depth - 1); longjmp(jb, 42); }
static long sum(int n, ...) { va_list ap; va_start(ap, n); long s = 0; for (int i = 0; i < n; i++) s += va_arg(ap, long); va_end(ap); return s; }
static double dsum(int n, ...) { va_list ap; va_start(ap, n); double s = 0; for (int i = 0; i < n; i++) s += va_arg(ap, double); va_end(ap); return s; }
__attribute__((noipa)) static int sw(int x) { switch (x) { case 0: return 10; case 1: return 21; case 2: return 32; case 3: return 43;
  case 4: return 54; case 5: return 65; case 6: return 76; case 7: return 87; default: return -1; } }

int main(void) {
  printf("recurse 50000 -> %ld\n", recurse(50000));   /* ~ 5 MiB of stack */
  printf("1 MiB frame -> %ld\n", bigframe(12345));
  char *a = alloca(100000); memset(a, 1, 100000); printf("alloca sum %d\n", a[0] + a[99999]);
  int r = setjmp(jb);
  if (r == 0) { jumper(1000); printf("not reached\n"); }
  printf("longjmp returned %d\n", r); CHECK(r == 42);
  printf("varargs %ld %g\n", sum(5, 1L, 2L, 3L, 4L, 5L), dsum(3, 0.5, 0.25, 0.125));
  long (*fp)(long) = recurse; printf("fnptr %ld\n", fp(10));
  int s = 0; for (int i = -1; i < 9; i++) s += sw(i); printf("switch %d\n", s);
  tls_counter++; strcpy(tls_buf, "thread-local"); printf("tls %d %s\n", tls_counter, tls_buf);
  CHECK(tls_counter == 6);
  printf("errno is thread-local and settable: %d\n", (errno = 33, errno));
  return finish();
}
