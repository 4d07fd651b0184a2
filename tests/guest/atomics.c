/* __atomic and __sync builtins at every width (8/16-bit ones become LR/SC loops
 * on RV64GC), and every AMO instruction directly, including the sign extension
 * of the .w results. */
#include "common.h"

#define AMO(name, insn, T) static T name(T *p, T v) { T old; \
  __asm__ volatile(insn " %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(v) : "memory"); return old; }
AMO(swap_w, "amoswap.w", int64_t) AMO(add_w, "amoadd.w", int64_t) AMO(and_w, "amoand.w", int64_t)
AMO(or_w, "amoor.w", int64_t) AMO(xor_w, "amoxor.w", int64_t) AMO(max_w, "amomax.w", int64_t)
AMO(min_w, "amomin.w", int64_t) AMO(maxu_w, "amomaxu.w", int64_t) AMO(minu_w, "amominu.w", int64_t)
AMO(swap_d, "amoswap.d.aqrl", int64_t) AMO(add_d, "amoadd.d.aq", int64_t) AMO(and_d, "amoand.d.rl", int64_t)
AMO(or_d, "amoor.d", int64_t) AMO(xor_d, "amoxor.d", int64_t) AMO(max_d, "amomax.d", int64_t)
AMO(min_d, "amomin.d", int64_t) AMO(maxu_d, "amomaxu.d", int64_t) AMO(minu_d, "amominu.d", int64_t)

int main(void) {
  static const int64_t a[] = {0, 1, -1, 0x7fffffff, 0x80000000LL, 0xffffffffLL, 0x123456789LL, INT64_MIN, INT64_MAX};
  int n = sizeof a / sizeof a[0];
  typedef int64_t (*amo)(int64_t *, int64_t);
  static const amo fw[] = {swap_w, add_w, and_w, or_w, xor_w, max_w, min_w, maxu_w, minu_w};
  static const amo fd[] = {swap_d, add_d, and_d, or_d, xor_d, max_d, min_d, maxu_d, minu_d};
  static const char *nm[] = {"swap", "add", "and", "or", "xor", "max", "min", "maxu", "minu"};
  for (int k = 0; k < 9; k++)
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j += 2) {
        /* the .w forms work on the low word of a two-word location; the high word must stay */
        int64_t mem[2] = {0, 0}; int32_t w[2] = {(int32_t)a[i], 0x5a5a5a5a};
        memcpy(mem, w, 8);
        int64_t oldw = fw[k]((int64_t *)mem, a[j]);
        int64_t memd = a[i]; int64_t oldd = fd[k](&memd, a[j]);
        printf("%s %llx %llx: w old %llx new %016llx d old %llx new %llx\n", nm[k], (unsigned long long)a[i],
               (unsigned long long)a[j], (unsigned long long)oldw, (unsigned long long)mem[0],
               (unsigned long long)oldd, (unsigned long long)memd);
      }
  /* builtins */
  uint8_t b = 250; uint16_t h = 65530; uint32_t w = 0xfffffff0u; uint64_t d = 1;
  printf("fetch_add8 %u -> %u\n", __atomic_fetch_add(&b, 10, __ATOMIC_SEQ_CST), b);
  printf("fetch_sub16 %u -> %u\n", __atomic_fetch_sub(&h, 65535, __ATOMIC_ACQ_REL), h);
  printf("add_fetch32 %u\n", __atomic_add_fetch(&w, 0x20, __ATOMIC_RELAXED));
  printf("fetch_or64 %llu -> %llu\n", (unsigned long long)__atomic_fetch_or(&d, 6, __ATOMIC_SEQ_CST), (unsigned long long)d);
  uint8_t exp8 = 3; int ok = __atomic_compare_exchange_n(&b, &exp8, 9, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  printf("cas8 fail ok=%d expected now %u\n", ok, exp8);
  ok = __atomic_compare_exchange_n(&b, &exp8, 9, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  printf("cas8 ok=%d b=%u\n", ok, b); CHECK(ok && b == 9);
  uint16_t exp16 = h; ok = __atomic_compare_exchange_n(&h, &exp16, 0xbeef, 1, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
  /* a weak CAS may fail spuriously; retry until it succeeds */
  while (!ok) ok = __atomic_compare_exchange_n(&h, &exp16, 0xbeef, 1, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
  CHECK(h == 0xbeef);
  printf("exchange64 %llu\n", (unsigned long long)__atomic_exchange_n(&d, 77, __ATOMIC_SEQ_CST));
  printf("sync_fetch_and_add %u sync_val_cas %u sync_bool_cas %d\n", __sync_fetch_and_add(&w, 1),
         __sync_val_compare_and_swap(&w, w, 5), __sync_bool_compare_and_swap(&w, 5, 6));
  CHECK(w == 6);
  printf("sync_lock_test_and_set %llu\n", (unsigned long long)__sync_lock_test_and_set(&d, 1));
  __sync_lock_release(&d); CHECK(d == 0);
  __atomic_thread_fence(__ATOMIC_SEQ_CST); __sync_synchronize();
  uint8_t arr[8] = {0}; for (int i = 0; i < 8; i++) __atomic_fetch_add(&arr[i], (uint8_t)(i * 40), __ATOMIC_SEQ_CST);
  for (int i = 0; i < 8; i++) __atomic_fetch_xor(&arr[i], 0x81, __ATOMIC_SEQ_CST);
  printf("bytes"); for (int i = 0; i < 8; i++) printf(" %02x", arr[i]); printf("\n");
  printf("lock free 1 %d 8 %d 16 %d\n", __atomic_always_lock_free(1, 0), __atomic_always_lock_free(8, 0), __atomic_is_lock_free(16, 0));
  return finish();
}
