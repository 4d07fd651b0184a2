/* LR/SC: a store-conditional after a matching load-reserved succeeds (writes 0),
 * one with no reservation or to another address fails (non-zero) and stores
 * nothing; an SC clears the reservation either way. */
#include "common.h"

static int64_t lr_d(int64_t *p) { int64_t v; __asm__ volatile("lr.d %0, (%1)" : "=r"(v) : "r"(p) : "memory"); return v; }
static int64_t lr_w(int32_t *p) { int64_t v; __asm__ volatile("lr.w %0, (%1)" : "=r"(v) : "r"(p) : "memory"); return v; }
static int64_t sc_d(int64_t *p, int64_t v) { int64_t r; __asm__ volatile("sc.d %0, %2, (%1)" : "=r"(r) : "r"(p), "r"(v) : "memory"); return r; }
static int64_t sc_w(int32_t *p, int64_t v) { int64_t r; __asm__ volatile("sc.w %0, %2, (%1)" : "=r"(r) : "r"(p), "r"(v) : "memory"); return r; }

static int64_t cas_loop(int64_t *p, int64_t add) {
  int64_t old, fail;
  __asm__ volatile("1: lr.d.aq %0, (%2)\n\tadd t0, %0, %3\n\tsc.d.rl %1, t0, (%2)\n\tbnez %1, 1b"
                   : "=&r"(old), "=&r"(fail) : "r"(p), "r"(add) : "t0", "memory");
  return old;
}

static int64_t far_a[64] __attribute__((aligned(64))), far_b[64] __attribute__((aligned(64)));

int main(void) {
  int64_t x = 5;
  int64_t v = lr_d(&x);
  int64_t r = sc_d(&x, 6);
  printf("lr.d %lld sc.d -> %lld x=%lld\n", (long long)v, (long long)r, (long long)x);
  CHECK(v == 5 && r == 0 && x == 6);
  r = sc_d(&x, 7);  /* reservation was consumed */
  printf("second sc.d -> %s x=%lld\n", r ? "fail" : "ok", (long long)x);
  CHECK(r != 0 && x == 6);
  far_a[0] = 1; far_b[0] = 2;
  (void)lr_d(&far_a[0]); r = sc_d(&far_b[0], 9);
  printf("sc.d to another line -> %s b=%lld\n", r ? "fail" : "ok", (long long)far_b[0]);
  CHECK(r != 0 && far_b[0] == 2);
  (void)sc_d(&far_a[0], 1);
  int32_t w = -1;
  v = lr_w(&w); r = sc_w(&w, 0x80000000LL);
  printf("lr.w %lld (sign-extended) sc.w -> %lld w=%d\n", (long long)v, (long long)r, w);
  CHECK(v == -1 && r == 0 && w == INT32_MIN);
  int64_t c = 100; for (int i = 0; i < 1000; i++) cas_loop(&c, i);
  printf("cas loop %lld\n", (long long)c); CHECK(c == 100 + 999 * 1000 / 2);
  return finish();
}
