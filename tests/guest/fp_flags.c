/* Accrued exception flags (fflags) through fenv.h and the fcsr: NX UF OF DZ NV,
 * sticky until cleared, and operations that must not raise any. */
#include "common.h"
#include <fenv.h>
#include <math.h>

static void show(const char *what) {
  int e = fetestexcept(FE_ALL_EXCEPT);
  printf("%-28s %s%s%s%s%s\n", what, e & FE_INVALID ? " NV" : "", e & FE_DIVBYZERO ? " DZ" : "",
         e & FE_OVERFLOW ? " OF" : "", e & FE_UNDERFLOW ? " UF" : "", e & FE_INEXACT ? " NX" : "");
}
#define T(what, expr) do { feclearexcept(FE_ALL_EXCEPT); volatile double r_ = (expr); (void)r_; show(what); } while (0)
#define TF(what, expr) do { feclearexcept(FE_ALL_EXCEPT); volatile float r_ = (expr); (void)r_; show(what); } while (0)

int main(void) {
  volatile double zero = 0.0, one = 1.0, three = 3.0, big = 1e308, small = 0x1p-1022, inf = INFINITY, qnan = NAN;
  volatile float fbig = 3e38f, fone = 1.0f, fzero = 0.0f;
  T("1+1", one + one);
  T("1/3", one / three);
  T("1/0", one / zero);
  T("-1/0", -one / zero);
  T("0/0", zero / zero);
  T("inf-inf", inf - inf);
  T("inf*0", inf * zero);
  T("big*10", big * 10.0);
  T("min/3 (tiny inexact)", small / three);
  T("min/4 (exact subnormal)", small / 4.0);
  T("sqrt(-1)", sqrt(-one));
  T("sqrt(4)", sqrt(4.0 * one));
  T("qnan+1", qnan + one);
  T("qnan<1 (flt)", (double)(qnan < one));
  T("qnan==1 (feq)", (double)(qnan == one));
  T("(float)1e308", (double)(float)big);
  TF("3e38f*10", fbig * 10.0f);
  TF("1f/0f", fone / fzero);
  T("inf+1", inf + one);
  /* sticky: flags accumulate until cleared */
  feclearexcept(FE_ALL_EXCEPT);
  volatile double r = one / three; r = one / zero; (void)r;
  show("1/3 then 1/0");
  /* fcsr view, fflags bits: NV=16 DZ=8 OF=4 UF=2 NX=1 */
  unsigned long f; __asm__ volatile("frflags %0" : "=r"(f)); printf("fflags %#lx\n", f);
  CHECK(f == 0x9);
  /* raising by hand and fegetexceptflag / fesetexceptflag */
  feclearexcept(FE_ALL_EXCEPT);
  feraiseexcept(FE_OVERFLOW | FE_INEXACT);
  show("feraiseexcept(OF|NX)");
  fexcept_t saved; fegetexceptflag(&saved, FE_ALL_EXCEPT);
  feclearexcept(FE_ALL_EXCEPT); fesetexceptflag(&saved, FE_OVERFLOW); show("restore OF only");
  /* csrrs/csrrc on fflags */
  unsigned long old;
  __asm__ volatile("fsflags x0\n\tcsrrs %0, fflags, %1" : "=r"(old) : "r"(0x1fUL));
  __asm__ volatile("csrrc %0, fflags, %1" : "=r"(old) : "r"(0x3UL));
  __asm__ volatile("frflags %0" : "=r"(f));
  printf("set all then clear NX|UF: old %#lx now %#lx\n", old, f);
  CHECK(old == 0x1f && f == 0x1c);
  /* writing fflags does not touch frm, writing frm does not touch fflags */
  unsigned long csr;
  __asm__ volatile("fsrm x0, %1\n\tfrcsr %0" : "=r"(csr) : "r"(2UL));
  printf("fcsr %#lx\n", csr); CHECK(csr == 0x5c);
  __asm__ volatile("fscsr x0, x0");
  /* fenv save/restore */
  fenv_t env; fesetround(FE_UPWARD); feraiseexcept(FE_DIVBYZERO); fegetenv(&env);
  fesetenv(FE_DFL_ENV); printf("default env round %d\n", fegetround() == FE_TONEAREST);
  fesetenv(&env); printf("restored upward %d", fegetround() == FE_UPWARD); show("");
  fesetround(FE_TONEAREST);
  return finish();
}
