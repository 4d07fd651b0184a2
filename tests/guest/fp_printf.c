/* Floating-point formatting: %.17g round trips, %a, %e, %f, %g, widths, flags. */
#include "common.h"
#include <math.h>
#include <float.h>

int main(void) {
  static const double v[] = {0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 1.0 / 3.0, 2.0 / 3.0, 1e-300, 1e300,
    DBL_MAX, DBL_MIN, 0x1p-1074, 123456789.125, 9007199254740993.0, 5e-324, 2.5, 3.5, -2.5, 0.5, 1e21,
    1e22, 1e23, 123.456, 6.02214076e23, INFINITY, -INFINITY, NAN, -NAN, M_PI, M_E};
  for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
    double x = v[i];
    printf("%.17g|%a|%e|%.3e|%f|%.0f|%g|%G|%10.4f|%-12.3g|%+.2e|% g|%#g|%#.0f|%.30g\n",
           x, x, x, x, x, x, x, x, x, x, x, x, x, x, x);
    if (isfinite(x)) {
      char buf[64]; snprintf(buf, sizeof buf, "%.17g", x);
      CHECK(strtod(buf, NULL) == x);
    }
  }
  static const float f[] = {0.1f, 1.0f / 3.0f, FLT_MAX, FLT_MIN, 0x1p-149f, 16777217.0f};
  for (unsigned i = 0; i < sizeof f / sizeof f[0]; i++)
    printf("float %.9g %a %e\n", (double)f[i], (double)f[i], (double)f[i]);
  printf("long double %.36Lg %La\n", 1.0L / 3.0L, 1.0L / 3.0L);   /* binary128 in software */
  printf("%5.1f|%-8.2f|%08.3f|%+08.2f|%.*f|%*.*e\n", 3.14159, 2.5, -1.5, 2.25, 4, M_PI, 12, 2, M_E);
  printf("%.0e %.0e %.0f %.0f %.0f %.1f %.2f\n", 2.5, 3.5, 0.5, 1.5, 2.5, 0.05, 1.005);
  char big[400]; int n = snprintf(big, sizeof big, "%f", DBL_MAX);
  printf("DBL_MAX %%f has %d chars, starts %.20s\n", n, big);
  return finish();
}
