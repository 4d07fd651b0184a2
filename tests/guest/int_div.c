/* Integer division corner cases: RISC-V defines them all (no trap).
 * x/0 = -1 (all ones), x%0 = x, INT_MIN/-1 = INT_MIN, INT_MIN%-1 = 0.
 * The divisions run through inline asm so the compiler cannot fold or assume UB. */
#include "common.h"
#include <limits.h>

#define OP(name, insn, T) static T name(T a, T b) { T r; \
  __asm__ volatile(insn " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)); return r; }
OP(div_, "div", int64_t) OP(divu_, "divu", uint64_t) OP(rem_, "rem", int64_t) OP(remu_, "remu", uint64_t)
OP(divw_, "divw", int64_t) OP(divuw_, "divuw", int64_t) OP(remw_, "remw", int64_t) OP(remuw_, "remuw", int64_t)

int main(void) {
  static const int64_t vals[] = {0, 1, -1, 2, -2, 7, -7, INT32_MAX, INT32_MIN, (int64_t)UINT32_MAX,
    INT64_MAX, INT64_MIN, 0x123456789abcdefLL, -0x123456789abcdefLL, 3};
  int n = sizeof vals / sizeof vals[0];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      int64_t a = vals[i], b = vals[j];
      printf("%llx %llx: %llx %llx %llx %llx | %llx %llx %llx %llx\n",
        (unsigned long long)a, (unsigned long long)b,
        (unsigned long long)div_(a, b), (unsigned long long)divu_(a, b),
        (unsigned long long)rem_(a, b), (unsigned long long)remu_(a, b),
        (unsigned long long)divw_(a, b), (unsigned long long)divuw_(a, b),
        (unsigned long long)remw_(a, b), (unsigned long long)remuw_(a, b));
    }
  /* the facts from the ISA manual, checked */
  CHECK(div_(5, 0) == -1);
  CHECK(divu_(5, 0) == UINT64_MAX);
  CHECK(rem_(5, 0) == 5);
  CHECK(remu_(5, 0) == 5);
  CHECK(div_(INT64_MIN, -1) == INT64_MIN);
  CHECK(rem_(INT64_MIN, -1) == 0);
  CHECK(divw_(INT32_MIN, -1) == INT32_MIN);
  CHECK(remw_(INT32_MIN, -1) == 0);
  CHECK(divw_(5, 0) == -1);
  CHECK(divuw_(5, 0) == -1);            /* all ones, sign-extended */
  CHECK(remuw_(0x80000005LL, 0) == (int64_t)(int32_t)0x80000005); /* sign-extended 32-bit */
  CHECK(div_(-7, 2) == -3 && rem_(-7, 2) == -1); /* truncation toward zero */
  /* C level: volatile operands */
  volatile int x = INT_MIN, y = 7;
  printf("C: %d %d %d\n", x / y, x % y, (x + 1) / -y);
  return finish();
}
