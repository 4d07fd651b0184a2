/* mul, mulh, mulhu, mulhsu, mulw against __int128 arithmetic. */
#include "common.h"

#define OP(name, insn) static uint64_t name(uint64_t a, uint64_t b) { uint64_t r; \
  __asm__ volatile(insn " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)); return r; }
OP(mul_, "mul") OP(mulh_, "mulh") OP(mulhu_, "mulhu") OP(mulhsu_, "mulhsu") OP(mulw_, "mulw")

int main(void) {
  static const uint64_t v[] = {0, 1, 2, 3, (uint64_t)-1, (uint64_t)-2, 0x8000000000000000ULL,
    0x7fffffffffffffffULL, 0xffffffffULL, 0x80000000ULL, 0x123456789abcdef0ULL,
    0xfedcba9876543210ULL, 0x5555555555555555ULL, 0xaaaaaaaaaaaaaaaaULL};
  int n = sizeof v / sizeof v[0];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      uint64_t a = v[i], b = v[j];
      __int128 ss = (__int128)(int64_t)a * (int64_t)b;
      unsigned __int128 uu = (unsigned __int128)a * b;
      __int128 su = (__int128)(int64_t)a * (__int128)(unsigned __int128)b;
      uint64_t hs = (uint64_t)((unsigned __int128)ss >> 64), hu = (uint64_t)(uu >> 64),
               hsu = (uint64_t)((unsigned __int128)su >> 64);
      uint64_t w = (uint64_t)(int64_t)(int32_t)(uint32_t)((uint32_t)a * (uint32_t)b);
      CHECK(mul_(a, b) == (uint64_t)uu);
      CHECK(mulh_(a, b) == hs);
      CHECK(mulhu_(a, b) == hu);
      CHECK(mulhsu_(a, b) == hsu);
      CHECK(mulw_(a, b) == w);
      printf("%016llx*%016llx = %016llx %016llx %016llx %016llx\n", (unsigned long long)a,
        (unsigned long long)b, (unsigned long long)mul_(a, b), (unsigned long long)mulh_(a, b),
        (unsigned long long)mulhu_(a, b), (unsigned long long)mulhsu_(a, b));
    }
  return finish();
}
