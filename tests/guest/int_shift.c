/* Shifts by register amounts: the hardware uses only the low 6 bits (5 for *w).
 * Shift amounts come from a variable so nothing is constant-folded; the asm keeps
 * C's undefined behaviour for amounts >= width out of the picture. */
#include "common.h"

#define SH(name, insn) static uint64_t name(uint64_t a, uint64_t s) { uint64_t r; \
  __asm__ volatile(insn " %0, %1, %2" : "=r"(r) : "r"(a), "r"(s)); return r; }
SH(sll_, "sll") SH(srl_, "srl") SH(sra_, "sra") SH(sllw_, "sllw") SH(srlw_, "srlw") SH(sraw_, "sraw")

int main(void) {
  static const uint64_t vals[] = {1, 0x8000000000000000ULL, 0xfedcba9876543210ULL, 0x80000000ULL,
    0x7fffffffULL, 0xffffffffULL, 0x00000000deadbeefULL};
  volatile uint64_t amounts[] = {0, 1, 31, 32, 33, 63, 64, 65, 127, 128, (uint64_t)-1};
  uint64_t h = 0;
  for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++)
    for (unsigned j = 0; j < sizeof amounts / sizeof amounts[0]; j++) {
      uint64_t a = vals[i], s = amounts[j];
      printf("%016llx<<%llu: %016llx %016llx %016llx %016llx %016llx %016llx\n",
        (unsigned long long)a, (unsigned long long)s,
        (unsigned long long)sll_(a, s), (unsigned long long)srl_(a, s), (unsigned long long)sra_(a, s),
        (unsigned long long)sllw_(a, s), (unsigned long long)srlw_(a, s), (unsigned long long)sraw_(a, s));
      h = h * 31 + sll_(a, s) + srl_(a, s) + sra_(a, s);
    }
  CHECK(sll_(1, 64) == 1);          /* 64 & 63 == 0 */
  CHECK(sll_(1, 63) == 0x8000000000000000ULL);
  CHECK(sra_(0x8000000000000000ULL, 63) == (uint64_t)-1);
  CHECK(srl_(0x8000000000000000ULL, 63) == 1);
  CHECK(sllw_(1, 31) == 0xffffffff80000000ULL);   /* result sign-extended */
  CHECK(sllw_(1, 32) == 1);                       /* 32 & 31 == 0 */
  CHECK(srlw_(0xffffffff80000000ULL, 0) == 0xffffffff80000000ULL);
  CHECK(srlw_(0x80000000ULL, 31) == 1);
  CHECK(sraw_(0x80000000ULL, 31) == (uint64_t)-1);
  /* immediate forms, C-level with valid amounts */
  volatile int64_t m = -12345;
  printf("imm: %lld %lld %llx\n", (long long)(m >> 3), (long long)(m << 5), (unsigned long long)((uint64_t)m >> 60));
  printf("hash %016llx\n", (unsigned long long)h);
  return finish();
}
