/* Integer arithmetic the compiler emits every day: wrapping, overflow builtins,
 * 32-bit ops that sign-extend (addw/subw/addiw), loads that sign/zero-extend,
 * compares, bit counting (software on RV64GC), byte swaps. */
#include "common.h"
#include <limits.h>

__attribute__((noinline)) static int32_t addw(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

int main(void) {
  volatile int64_t a = INT64_MAX, b = 1;
  volatile int32_t c = INT32_MAX, d = 1;
  printf("wrap64 %lld wrap32 %d\n", (long long)(int64_t)((uint64_t)a + (uint64_t)b), addw(c, d));
  long long r; int o;
  o = __builtin_add_overflow(a, b, &r); printf("add_overflow %d %lld\n", o, r);
  o = __builtin_mul_overflow((long long)a, 2LL, &r); printf("mul_overflow %d %lld\n", o, r);
  o = __builtin_sub_overflow((long long)INT64_MIN, 1LL, &r); printf("sub_overflow %d %lld\n", o, r);
  unsigned ur; o = __builtin_add_overflow(4000000000u, 400000000u, &ur); printf("uadd_overflow %d %u\n", o, ur);
  int ir; o = __builtin_mul_overflow(65536, 65536, &ir); printf("imul_overflow %d %d\n", o, ir);
  CHECK(addw(INT32_MAX, 1) == INT32_MIN);

  /* loads of every width and signedness */
  static const uint8_t bytes[16] = {0x80, 0xff, 0x7f, 0x01, 0xfe, 0xca, 0xad, 0xde,
                                    0xef, 0xbe, 0x00, 0x80, 0x11, 0x22, 0x33, 0x44};
  volatile const uint8_t *p = bytes;
  for (int i = 0; i < 16; i += 1) {
    int8_t s8 = (int8_t)p[i]; uint8_t u8 = p[i];
    printf("b[%d] %d %u", i, s8, u8);
    if (i % 2 == 0) { int16_t s16; uint16_t u16; memcpy(&s16, (const void *)(p + i), 2); memcpy(&u16, (const void *)(p + i), 2);
      printf(" h %d %u", s16, u16); }
    if (i % 4 == 0) { int32_t s32; uint32_t u32; memcpy(&s32, (const void *)(p + i), 4); memcpy(&u32, (const void *)(p + i), 4);
      printf(" w %d %u", s32, u32); }
    if (i % 8 == 0) { int64_t s64; memcpy(&s64, (const void *)(p + i), 8); printf(" d %lld", (long long)s64); }
    printf("\n");
  }
  /* compares: signed vs unsigned */
  volatile int64_t m1 = -1; volatile uint64_t u1 = 1;
  printf("slt %d sltu %d\n", m1 < (int64_t)u1, (uint64_t)m1 < u1);
  /* bit counting, byte swaps */
  static const uint64_t v[] = {0, 1, 0x8000000000000000ULL, 0xf0f0f0f0f0f0f0f0ULL, 0x00ff000000000000ULL, (uint64_t)-1};
  for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
    volatile uint64_t x = v[i];
    printf("%016llx clz %d ctz %d pop %d bswap %016llx parity %d\n", (unsigned long long)x,
      x ? __builtin_clzll(x) : 64, x ? __builtin_ctzll(x) : 64, __builtin_popcountll(x),
      (unsigned long long)__builtin_bswap64(x), __builtin_parityll(x));
  }
  /* long long <-> int conversions and 128-bit division (libgcc) */
  volatile unsigned __int128 big = ((unsigned __int128)0x0123456789abcdefULL << 64) | 0xfedcba9876543210ULL;
  volatile uint64_t dv = 1000000007ULL;
  unsigned __int128 q = big / dv, rm = big % dv;
  printf("u128 q %016llx%016llx r %llu\n", (unsigned long long)(q >> 64), (unsigned long long)q, (unsigned long long)rm);
  CHECK(q * dv + rm == big);
  /* absolute values and min/max of extremes */
  volatile long long mn = LLONG_MIN;
  printf("llabs(min+1) %lld labs(-5) %ld\n", llabs(mn + 1), labs(-5L));
  return finish();
}
