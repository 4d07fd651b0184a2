/* Float -> integer conversions saturate on RISC-V and raise NV: out of range
 * positive and +inf give the maximum, negative and -inf the minimum, NaN the
 * maximum. Done in asm because the C casts are undefined out of range. */
#include "common.h"
#include <math.h>

static uint64_t u(double d) { uint64_t x; memcpy(&x, &d, 8); return x; }
static unsigned long rdflags(void) { unsigned long f; __asm__ volatile("frflags %0" : "=r"(f)); return f; }
static void clrflags(void) { __asm__ volatile("fsflags x0"); }

#define CVT(name, insn, RM) static int64_t name(double x) { int64_t r; \
  __asm__ volatile(insn " %0, %1, " RM : "=r"(r) : "f"(x)); return r; }
#define CVTS(name, insn, RM) static int64_t name(float x) { int64_t r; \
  __asm__ volatile(insn " %0, %1, " RM : "=r"(r) : "f"(x)); return r; }
CVT(w_d, "fcvt.w.d", "rtz") CVT(wu_d, "fcvt.wu.d", "rtz") CVT(l_d, "fcvt.l.d", "rtz") CVT(lu_d, "fcvt.lu.d", "rtz")
CVTS(w_s, "fcvt.w.s", "rtz") CVTS(wu_s, "fcvt.wu.s", "rtz") CVTS(l_s, "fcvt.l.s", "rtz") CVTS(lu_s, "fcvt.lu.s", "rtz")
CVT(w_d_rne, "fcvt.w.d", "rne") CVT(w_d_rdn, "fcvt.w.d", "rdn") CVT(w_d_rup, "fcvt.w.d", "rup") CVT(w_d_rmm, "fcvt.w.d", "rmm")

int main(void) {
  static const double v[] = {0.0, -0.0, 0.5, -0.5, 0.9999, -0.9999, 1.5, -1.5, 2.5, -2.5,
    2147483647.0, 2147483647.5, 2147483648.0, -2147483648.0, -2147483648.5, -2147483649.0,
    4294967295.0, 4294967296.0, 9223372036854774784.0, 9223372036854775808.0, -9223372036854775808.0,
    -9223372036854777856.0, 18446744073709549568.0, 18446744073709551616.0, 1e300, -1e300,
    INFINITY, -INFINITY, NAN, -NAN, 0x1p-1074};
  for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
    double x = v[i];
    printf("%-24.17g %016llx:", x, (unsigned long long)u(x));
    int64_t r;
#define ONE(fn) clrflags(); r = fn(x); printf(" %s=%llx/%lx", #fn, (unsigned long long)r, rdflags());
    ONE(w_d) ONE(wu_d) ONE(l_d) ONE(lu_d) ONE(w_d_rne) ONE(w_d_rdn) ONE(w_d_rup) ONE(w_d_rmm)
    printf("\n");
    float f = (float)x; /* in range for every value above except the huge ones: inf */
    printf("  f %a:", (double)f);
    ONE(w_s) ONE(wu_s) ONE(l_s) ONE(lu_s)
    printf("\n");
  }
  CHECK(w_d(NAN) == 0x7fffffff);
  CHECK(w_d(-INFINITY) == (int64_t)(int32_t)0x80000000);
  CHECK(wu_d(-1.0) == 0);
  CHECK(wu_d(4294967296.0) == -1);       /* 0xffffffff sign-extended */
  CHECK(l_d(1e300) == INT64_MAX);
  CHECK(lu_d(-0.5) == 0);
  clrflags(); (void)lu_d(-0.5); CHECK(rdflags() == 1);  /* NX only: rounds to 0, in range */
  clrflags(); (void)lu_d(-1.0); CHECK(rdflags() == 0x10); /* NV */
  /* integer -> float */
  static const int64_t iv[] = {0, 1, -1, INT64_MAX, INT64_MIN, 0x20000000000001LL, 0x1000001, -0x1000001};
  for (unsigned i = 0; i < sizeof iv / sizeof iv[0]; i++) {
    int64_t x = iv[i]; double d; float f;
    clrflags(); __asm__ volatile("fcvt.d.l %0, %1" : "=f"(d) : "r"(x)); unsigned long f1 = rdflags();
    clrflags(); __asm__ volatile("fcvt.s.l %0, %1" : "=f"(f) : "r"(x)); unsigned long f2 = rdflags();
    double du; __asm__ volatile("fcvt.d.lu %0, %1" : "=f"(du) : "r"(x));
    double dw; __asm__ volatile("fcvt.d.w %0, %1" : "=f"(dw) : "r"(x));  /* uses the low 32 bits */
    double dwu; __asm__ volatile("fcvt.d.wu %0, %1" : "=f"(dwu) : "r"(x));
    printf("%lld: d %a/%lx s %a/%lx lu %a w %a wu %a\n", (long long)x, d, f1, (double)f, f2, du, dw, dwu);
  }
  /* double <-> float */
  static const double dd[] = {0x1.fffffffp127, 0x1p-149, 0x1p-150, 0x1.8p-150, 1e-50, 3.4028235677973366e38};
  for (unsigned i = 0; i < sizeof dd / sizeof dd[0]; i++) {
    float f; clrflags(); __asm__ volatile("fcvt.s.d %0, %1" : "=f"(f) : "f"(dd[i]));
    printf("fcvt.s.d %a = %a flags %lx\n", dd[i], (double)f, rdflags());
  }
  float sn; uint32_t snb = 0x7f800001; memcpy(&sn, &snb, 4); double dn;
  clrflags(); __asm__ volatile("fcvt.d.s %0, %1" : "=f"(dn) : "f"(sn));
  printf("fcvt.d.s sNaN = %016llx flags %lx\n", (unsigned long long)u(dn), rdflags());
  return finish();
}
