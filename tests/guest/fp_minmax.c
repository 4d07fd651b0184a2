/* fmin/fmax (IEEE 754-2008 minNum/maxNum as RISC-V 2.2 defines): one NaN
 * operand gives the other operand, two give the canonical NaN; an sNaN raises NV.
 * -0 < +0. Also feq/flt/fle: quiet compares raise NV only for sNaN, flt/fle for any NaN. */
#include "common.h"
#include <math.h>

static uint64_t u(double d) { uint64_t x; memcpy(&x, &d, 8); return x; }
static double d(uint64_t x) { double r; memcpy(&r, &x, 8); return r; }
static unsigned long rdflags(void) { unsigned long f; __asm__ volatile("frflags %0" : "=r"(f)); return f; }
static void clrflags(void) { __asm__ volatile("fsflags x0"); }

int main(void) {
  static const uint64_t v[] = {0, 0x8000000000000000ULL, 0x3ff0000000000000ULL, 0xbff0000000000000ULL,
    0x7ff0000000000000ULL, 0xfff0000000000000ULL, 0x7ff8000000000000ULL, 0x7ff8000000000042ULL,
    0x7ff4000000000000ULL, 0xfff4000000000007ULL};
  int n = sizeof v / sizeof v[0];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double a = d(v[i]), b = d(v[j]), mn, mx; uint64_t eq, lt, le; unsigned long fmn, fmx, feq, flt, fle;
      clrflags(); __asm__ volatile("fmin.d %0, %1, %2" : "=f"(mn) : "f"(a), "f"(b)); fmn = rdflags();
      clrflags(); __asm__ volatile("fmax.d %0, %1, %2" : "=f"(mx) : "f"(a), "f"(b)); fmx = rdflags();
      clrflags(); __asm__ volatile("feq.d %0, %1, %2" : "=r"(eq) : "f"(a), "f"(b)); feq = rdflags();
      clrflags(); __asm__ volatile("flt.d %0, %1, %2" : "=r"(lt) : "f"(a), "f"(b)); flt = rdflags();
      clrflags(); __asm__ volatile("fle.d %0, %1, %2" : "=r"(le) : "f"(a), "f"(b)); fle = rdflags();
      printf("%016llx %016llx min %016llx/%lx max %016llx/%lx eq %llu/%lx lt %llu/%lx le %llu/%lx\n",
        (unsigned long long)v[i], (unsigned long long)v[j], (unsigned long long)u(mn), fmn,
        (unsigned long long)u(mx), fmx, (unsigned long long)eq, feq, (unsigned long long)lt, flt,
        (unsigned long long)le, fle);
    }
  double r;
  clrflags(); __asm__ volatile("fmin.d %0, %1, %2" : "=f"(r) : "f"(d(0x7ff4000000000000ULL)), "f"(1.0));
  CHECK(r == 1.0 && rdflags() == 0x10);
  clrflags(); __asm__ volatile("fmax.d %0, %1, %2" : "=f"(r) : "f"(NAN), "f"(NAN));
  CHECK(u(r) == 0x7ff8000000000000ULL && rdflags() == 0);
  __asm__ volatile("fmin.d %0, %1, %2" : "=f"(r) : "f"(0.0), "f"(-0.0));
  CHECK(u(r) == 0x8000000000000000ULL);
  __asm__ volatile("fmax.d %0, %1, %2" : "=f"(r) : "f"(-0.0), "f"(0.0));
  CHECK(u(r) == 0);
  /* single precision */
  float fs, nanf_; uint32_t sn = 0x7fa00000u, out; memcpy(&nanf_, &sn, 4);
  clrflags(); __asm__ volatile("fmax.s %0, %1, %2" : "=f"(fs) : "f"(nanf_), "f"(-3.0f));
  memcpy(&out, &fs, 4); printf("fmax.s(sNaN,-3) %08x flags %lx\n", out, rdflags());
  clrflags(); __asm__ volatile("fmin.s %0, %1, %2" : "=f"(fs) : "f"(nanf_), "f"(nanf_));
  memcpy(&out, &fs, 4); printf("fmin.s(sNaN,sNaN) %08x flags %lx\n", out, rdflags());
  /* libm */
  printf("fmin(NaN,1) %g fmax(-0,0) %g fminf(1,NaN) %g\n", fmin(NAN, 1.0), fmax(-0.0, 0.0), (double)fminf(1.0f, NAN));
  return finish();
}
