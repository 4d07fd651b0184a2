/* Special values: NaN (quiet, signalling, payloads, canonical NaN), infinities,
 * signed zeros, subnormals; fclass; NaN-boxing of single precision in F registers. */
#include "common.h"
#include <math.h>
#include <float.h>

static uint64_t d2u(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static double u2d(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static uint64_t fclass_d(double x) { uint64_t r; __asm__ volatile("fclass.d %0, %1" : "=r"(r) : "f"(x)); return r; }
static uint64_t fclass_s(float x) { uint64_t r; __asm__ volatile("fclass.s %0, %1" : "=r"(r) : "f"(x)); return r; }
static double fadd_d(double a, double b) { double r; __asm__ volatile("fadd.d %0, %1, %2" : "=f"(r) : "f"(a), "f"(b)); return r; }
static double fmul_d(double a, double b) { double r; __asm__ volatile("fmul.d %0, %1, %2" : "=f"(r) : "f"(a), "f"(b)); return r; }
static double fdiv_d(double a, double b) { double r; __asm__ volatile("fdiv.d %0, %1, %2" : "=f"(r) : "f"(a), "f"(b)); return r; }
static double fsqrt_d(double a) { double r; __asm__ volatile("fsqrt.d %0, %1" : "=f"(r) : "f"(a)); return r; }
static float fadd_s(float a, float b) { float r; __asm__ volatile("fadd.s %0, %1, %2" : "=f"(r) : "f"(a), "f"(b)); return r; }

int main(void) {
  static const uint64_t dv[] = {0, 0x8000000000000000ULL, 1 /* min subnormal */, 0x000fffffffffffffULL,
    0x0010000000000000ULL /* min normal */, 0x3ff0000000000000ULL, 0xbff0000000000000ULL,
    0x7fefffffffffffffULL, 0x7ff0000000000000ULL, 0xfff0000000000000ULL,
    0x7ff8000000000000ULL /* qNaN */, 0x7ff4000000000000ULL /* sNaN */, 0xfff8000000000001ULL, 0x7ff0000000000001ULL};
  int n = sizeof dv / sizeof dv[0];
  for (int i = 0; i < n; i++) {
    double x = u2d(dv[i]);
    printf("d %016llx class %03llx isnan %d isinf %d fpclassify %d signbit %d\n",
      (unsigned long long)dv[i], (unsigned long long)fclass_d(x), isnan(x) != 0, isinf(x) != 0,
      fpclassify(x), signbit(x) != 0);
  }
  /* arithmetic results as raw bits: NaN results are the canonical NaN 0x7ff8000000000000 */
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j += 3) {
      double a = u2d(dv[i]), b = u2d(dv[j]);
      printf("%016llx %016llx add %016llx mul %016llx div %016llx\n", (unsigned long long)dv[i],
        (unsigned long long)dv[j], (unsigned long long)d2u(fadd_d(a, b)),
        (unsigned long long)d2u(fmul_d(a, b)), (unsigned long long)d2u(fdiv_d(a, b)));
    }
  for (int i = 0; i < n; i++)
    printf("sqrt %016llx = %016llx\n", (unsigned long long)dv[i], (unsigned long long)d2u(fsqrt_d(u2d(dv[i]))));
  CHECK(d2u(fadd_d(u2d(0x7ff4000000000000ULL), 1.0)) == 0x7ff8000000000000ULL);
  CHECK(d2u(fsqrt_d(-1.0)) == 0x7ff8000000000000ULL);
  CHECK(d2u(fadd_d(0.0, -0.0)) == 0);
  CHECK(d2u(fmul_d(-0.0, 5.0)) == 0x8000000000000000ULL);
  CHECK(d2u(u2d(1) / 2) == 0);            /* min subnormal / 2 rounds to even: 0 */
  CHECK(d2u(u2d(3) / 2) == 2);            /* 1.5 ulp -> 2 */
  /* single precision */
  static const uint32_t sv[] = {0, 0x80000000u, 1, 0x007fffffu, 0x00800000u, 0x3f800000u,
    0x7f7fffffu, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0x7fa00000u, 0xffc00001u};
  for (unsigned i = 0; i < sizeof sv / sizeof sv[0]; i++) {
    float x = u2f(sv[i]);
    printf("s %08x class %03llx +1 %08x\n", sv[i], (unsigned long long)fclass_s(x), f2u(fadd_s(x, 1.0f)));
  }
  /* NaN boxing: a single-precision operand whose upper 32 bits are not all ones
   * is read as the canonical NaN. */
  uint64_t unboxed = 0x000000003f800000ULL, boxed = 0xffffffff3f800000ULL, out, cls;
  __asm__ volatile("fmv.d.x ft0, %2\n\tfadd.s ft1, ft0, ft0\n\tfmv.x.w %0, ft1\n\tfclass.s %1, ft0"
                   : "=r"(out), "=r"(cls) : "r"(unboxed) : "ft0", "ft1");
  printf("unboxed+unboxed = %08llx class %03llx\n", (unsigned long long)(uint32_t)out, (unsigned long long)cls);
  CHECK((uint32_t)out == 0x7fc00000u);
  __asm__ volatile("fmv.d.x ft0, %1\n\tfadd.s ft1, ft0, ft0\n\tfmv.x.w %0, ft1" : "=r"(out) : "r"(boxed) : "ft0", "ft1");
  printf("boxed+boxed = %016llx\n", (unsigned long long)out);   /* fmv.x.w sign-extends */
  CHECK(out == 0x40000000ULL);
  /* fmv.x.w of a negative float sign-extends to 64 bits; flw boxes */
  float neg = -2.0f; uint64_t sx;
  __asm__ volatile("fmv.x.w %0, %1" : "=r"(sx) : "f"(neg));
  CHECK(sx == 0xffffffffc0000000ULL);
  uint64_t raw; volatile float mem = 1.5f;
  __asm__ volatile("flw ft0, 0(%1)\n\tfmv.x.d %0, ft0" : "=r"(raw) : "r"(&mem) : "ft0");
  printf("flw boxed %016llx\n", (unsigned long long)raw);
  CHECK(raw == 0xffffffff3fc00000ULL);
  /* fsgnj on NaN keeps payload (no canonicalization) */
  double q = u2d(0x7ff4000000000123ULL), s;
  __asm__ volatile("fsgnjn.d %0, %1, %1" : "=f"(s) : "f"(q));
  printf("fneg(sNaN) %016llx\n", (unsigned long long)d2u(s));
  CHECK(d2u(s) == 0xfff4000000000123ULL);
  printf("DBL_MIN %a DBL_TRUE_MIN %a DBL_MAX %a FLT_MIN %a\n", DBL_MIN, u2d(1), DBL_MAX, (double)FLT_MIN);
  return finish();
}
