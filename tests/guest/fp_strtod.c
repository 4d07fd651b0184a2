/* Parsing numbers: strtod/strtof/strtold corner cases, errno ERANGE, endptr,
 * hex floats, inf/nan spellings, sscanf. */
#include "common.h"
#include <math.h>

int main(void) {
  static const char *in[] = {"0", "-0", "1", "0.1", "1e308", "1e309", "-1e309", "1e-320", "1e-400",
    "2.2250738585072011e-308", "2.2250738585072014e-308", "4.9406564584124654e-324", "2.4703282292062327e-324",
    "2.4703282292062328e-324", "0x1p-1074", "0x1.fffffffffffffp1023", "0x1.fffffffffffff8p1023", "0X1P+3",
    "inf", "-Infinity", "INFINITYx", "nan", "NaN(123)", "-nan", "  \t+42abc", "1e", "1e+", ".5", "5.", ".",
    "", "abc", "9007199254740993", "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531706742837499999999999999999999", "0.000000000000000000000000000000000000000000000000000001e54",
    "1_000", "0x", "0xg", "1.7976931348623157e308", "123456789012345678901234567890e-10"};
  for (unsigned i = 0; i < sizeof in / sizeof in[0]; i++) {
    char *end; errno = 0;
    double d = strtod(in[i], &end);
    int e = errno; long consumed = end - in[i];
    errno = 0; char *fend; float f = strtof(in[i], &fend); int fe = errno;
    printf("%-30.30s d %a (%.17g) used %ld %s | f %a used %ld %s\n", in[i], d, d, consumed, errname(e),
           (double)f, (long)(fend - in[i]), errname(fe));
  }
  errno = 0; CHECK(isinf(strtod("1e309", NULL)) && errno == ERANGE);
  errno = 0; CHECK(strtod("1e-400", NULL) == 0 && errno == ERANGE);
  long double ld = strtold("0.1", NULL); printf("strtold(0.1) %La\n", ld);
  double a, b; int x; char word[16]; unsigned h; long long big;
  int n = sscanf("3.25 -1e-3 42 hello ff 9223372036854775807", "%lf %lf %d %15s %x %lld", &a, &b, &x, word, &h, &big);
  printf("sscanf n=%d %g %g %d %s %u %lld\n", n, a, b, x, word, h, big);
  n = sscanf("nan inf", "%lf %lf", &a, &b); printf("sscanf nan inf n=%d %g %g\n", n, a, b);
  float ff; n = sscanf("0x1.8p1", "%f", &ff); printf("sscanf hex n=%d %g\n", n, (double)ff);
  /* integer parsing */
  static const char *iv[] = {"9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "-9223372036854775809", "0x7fffffff", "0777", "  -12z", "18446744073709551615", "18446744073709551616", "-1"};
  for (unsigned i = 0; i < sizeof iv / sizeof iv[0]; i++) {
    char *end; errno = 0; long l = strtol(iv[i], &end, 0); int e1 = errno;
    errno = 0; unsigned long ul = strtoul(iv[i], NULL, 0); int e2 = errno;
    printf("%-22s strtol %ld used %ld %s strtoul %lu %s atoi %d\n", iv[i], l, (long)(end - iv[i]), errname(e1), ul, errname(e2), atoi(iv[i]));
  }
  return finish();
}
