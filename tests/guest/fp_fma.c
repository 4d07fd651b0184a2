/* Fused multiply-add: one rounding, fmadd/fmsub/fnmadd/fnmsub signs,
 * inf*0+NaN raises NV (RISC-V requires it even with a quiet NaN addend). */
#include "common.h"
#include <math.h>
#include <fenv.h>

static uint64_t u(double d) { uint64_t x; memcpy(&x, &d, 8); return x; }
#define F4(name, insn, T, R) static T name(T a, T b, T c) { T r; \
  __asm__ volatile(insn " %0, %1, %2, %3" : "=f"(r) : "f"(a), "f"(b), "f"(c)); return r; }
F4(fmadd_d, "fmadd.d", double, 0) F4(fmsub_d, "fmsub.d", double, 0) F4(fnmadd_d, "fnmadd.d", double, 0)
F4(fnmsub_d, "fnmsub.d", double, 0) F4(fmadd_s, "fmadd.s", float, 0) F4(fnmsub_s, "fnmsub.s", float, 0)
static unsigned long rdflags(void) { unsigned long f; __asm__ volatile("frflags %0" : "=r"(f)); return f; }

int main(void) {
  volatile double a = 1.0 + 0x1p-52, b = 1.0 - 0x1p-52, c = -1.0;
  printf("fma(a,b,-1) %a  a*b-1 %a\n", fma(a, b, c), a * b + c);
  CHECK(fma(a, b, c) == -0x1p-104);
  static const double v[] = {0.0, -0.0, 1.0, -1.0, 0x1p-1074, 1e308, INFINITY, -INFINITY, NAN, 3.0, 0x1.fffffffffffffp-1};
  int n = sizeof v / sizeof v[0];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j += 2)
      for (int k = 0; k < n; k += 3) {
        __asm__ volatile("fsflags x0");
        double r1 = fmadd_d(v[i], v[j], v[k]); unsigned long f1 = rdflags();
        double r2 = fmsub_d(v[i], v[j], v[k]), r3 = fnmadd_d(v[i], v[j], v[k]), r4 = fnmsub_d(v[i], v[j], v[k]);
        printf("%a %a %a: %016llx/%lx %016llx %016llx %016llx\n", v[i], v[j], v[k], (unsigned long long)u(r1), f1,
               (unsigned long long)u(r2), (unsigned long long)u(r3), (unsigned long long)u(r4));
      }
  __asm__ volatile("fsflags x0");
  double r = fmadd_d(INFINITY, 0.0, NAN);
  printf("fmadd(inf,0,qNaN) %016llx flags %lx\n", (unsigned long long)u(r), rdflags());
  CHECK(rdflags() & 0x10);
  /* signed zero results: (+0*-1) + +0 = +0, fnmadd(0,1,0) = -0 */
  CHECK(u(fmadd_d(0.0, -1.0, 0.0)) == 0);
  CHECK(u(fnmadd_d(0.0, 1.0, 0.0)) == 0x8000000000000000ULL);
  float fr = fmadd_s(1.0f + 0x1p-23f, 1.0f - 0x1p-23f, -1.0f);
  printf("fmadd.s %a fnmsub.s %a fmaf %a\n", (double)fr, (double)fnmsub_s(2.0f, 3.0f, 1.0f), (double)fmaf(0.1f, 10.0f, -1.0f));
  for (int m = 0; m < 4; m++) {
    static const int modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
    fesetround(modes[m]);
    printf("mode %d fma(0.1,10,-1) %a fma(1/3,3,-1) %a\n", m, fma(0.1, 10.0, -a + 0x1p-52), fma(1.0 / 3.0, 3.0, -1.0));
  }
  fesetround(FE_TONEAREST);
  return finish();
}
