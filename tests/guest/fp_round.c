/* Every rounding mode, dynamic (fesetround/frm) and static (instruction rm field). */
#include "common.h"
#include <fenv.h>
#include <math.h>

static const int modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
static const char *mname[] = {"nearest", "towardzero", "downward", "upward"};

__attribute__((noipa)) static double add(double a, double b) { return a + b; }
__attribute__((noipa)) static double dv(double a, double b) { return a / b; }
__attribute__((noipa)) static double mul(double a, double b) { return a * b; }
__attribute__((noipa)) static float sdiv(float a, float b) { return a / b; }
__attribute__((noipa)) static float narrow(double a) { return (float)a; }

int main(void) {
  volatile double one = 1.0, three = 3.0, tiny = 0x1p-60, big = 0x1.fffffffffffffp1023;
  for (int m = 0; m < 4; m++) {
    CHECK(fesetround(modes[m]) == 0);
    CHECK(fegetround() == modes[m]);
    unsigned long frm; __asm__ volatile("frrm %0" : "=r"(frm));
    printf("%s frm=%lu\n", mname[m], frm);
    printf(" 1/3 %a -1/3 %a\n", dv(one, three), dv(-one, three));
    printf(" 1+2^-60 %a -1-2^-60 %a\n", add(one, tiny), add(-one, -tiny));
    printf(" max*2 %a -max*2 %a\n", mul(big, 2.0), mul(-big, 2.0));
    printf(" 1f/3f %a narrow(1/3) %a narrow(1e300) %a\n", (double)sdiv(1.0f, 3.0f), (double)narrow(dv(one, three)), (double)narrow(1e300));
    printf(" sqrt2 %a\n", sqrt(2.0 * one));
    printf(" rint(2.5) %g rint(-2.5) %g nearbyint(0.5) %g lrint(-1.5) %ld\n", rint(2.5 * one), rint(-2.5 * one), nearbyint(0.5 * one), lrint(-1.5 * one));
    printf(" exact 0-0 sign %d\n", signbit(add(one, -one)) != 0); /* -0 only in downward */
  }
  fesetround(FE_TONEAREST);
  /* fcsr.frm encodings as the hardware sees them */
  static const char *rm[] = {"rne", "rtz", "rdn", "rup", "rmm"};
  double a = 1.0, b = 3.0, r;
#define STATIC(mode) __asm__ volatile("fdiv.d %0, %1, %2, " mode : "=f"(r) : "f"(a), "f"(b)); printf("static %s 1/3 %a\n", mode, r);
  STATIC("rne") STATIC("rtz") STATIC("rdn") STATIC("rup") STATIC("rmm")
  /* rmm: ties away from zero on a tie */
  double t = 1.0, half = 0x1p-53, o;
  __asm__ volatile("fadd.d %0, %1, %2, rmm" : "=f"(o) : "f"(t), "f"(half)); printf("rmm tie %a\n", o);
  __asm__ volatile("fadd.d %0, %1, %2, rne" : "=f"(o) : "f"(t), "f"(half)); printf("rne tie %a\n", o);
  /* writing frm directly: fsrm returns the old mode */
  unsigned long old, now;
  for (unsigned long m = 0; m < 5; m++) {
    __asm__ volatile("fsrm %0, %1" : "=r"(old) : "r"(m));
    __asm__ volatile("fdiv.d %0, %1, %2" : "=f"(r) : "f"(-a), "f"(b));
    __asm__ volatile("frrm %0" : "=r"(now));
    printf("frm %s old %lu now %lu -1/3 %a\n", rm[m], old, now, r);
  }
  __asm__ volatile("fsrm %0, %1" : "=r"(old) : "r"(0UL));
  /* frcsr packs frm<<5 | fflags */
  unsigned long csr;
  __asm__ volatile("fsrm x0, %0\n\tcsrw fflags, x0\n\tfrcsr %0" : "=r"(csr) : "r"(3UL));
  printf("fcsr after frm=3: %#lx\n", csr);
  CHECK(csr == 0x60);
  __asm__ volatile("fscsr x0, %0" :: "r"(0UL));
  return finish();
}
