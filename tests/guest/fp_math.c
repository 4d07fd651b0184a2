/* libm on fixed inputs (glibc computes these in software, correctly rounded or
 * nearly so, identically on any correct CPU). */
#include "common.h"
#include <math.h>

int main(void) {
  static const double x[] = {0.0, 0.5, 1.0, 2.0, 10.0, -0.5, 1e-10, 100.0, 0.7853981633974483, 3.0e5};
  for (unsigned i = 0; i < sizeof x / sizeof x[0]; i++) {
    double v = x[i];
    printf("%g: sqrt %a exp %a log %a sin %a cos %a tan %a atan %a cbrt %a\n", v, sqrt(fabs(v)), exp(v),
           log(fabs(v)), sin(v), cos(v), tan(v), atan(v), cbrt(v));
    printf("   sinh %a tanh %a log2 %a log10 %a expm1 %a log1p %a floor %g ceil %g round %g trunc %g\n",
           sinh(v), tanh(v), log2(fabs(v)), log10(fabs(v)), expm1(v), log1p(fabs(v)), floor(v), ceil(v), round(v), trunc(v));
    printf("   sinf %a expf %a powf %a\n", (double)sinf((float)v), (double)expf((float)v), (double)powf((float)v, 1.5f));
  }
  printf("pow %a %a %a %a\n", pow(2.0, 0.5), pow(-8.0, 1.0 / 3.0), pow(0.0, -1.0), pow(10.0, 308.0));
  printf("hypot %a atan2 %a %a fmod %a remainder %a\n", hypot(3.0, 4.0), atan2(1.0, -1.0), atan2(-0.0, -1.0),
         fmod(10.5, 3.0), remainder(10.5, 3.0));
  int e; double m = frexp(1234.5, &e); printf("frexp %a %d ldexp %a modf ", m, e, ldexp(0.75, -1070));
  double ip; double fp = modf(-3.75, &ip); printf("%g %g\n", ip, fp);
  printf("lgamma %a tgamma %a erf %a erfc %a\n", lgamma(10.5), tgamma(5.5), erf(0.5), erfc(3.0));
  printf("nextafter %a %a copysign %g ilogb %d logb %g\n", nextafter(1.0, 2.0), nextafter(0.0, -1.0), copysign(3.0, -0.0), ilogb(1e-310), logb(1024.0));
  double s = 0; for (int i = 1; i <= 100000; i++) s += 1.0 / ((double)i * i);
  printf("basel %.17g\n", s);
  return finish();
}
