/* Loops that call functions, for the JIT's dispatch spans (jit/wasmgen.ts findSpans):
 * registers stay in wasm locals across calls, returns and a switch's jump table inside
 * a loop, and go back to the slot on every way out (a page fault, a call out of the
 * region, a signal at the budget's end). Each loop's answer is checked against a
 * closed form or a second computation, and printed for the differential comparison. */
#include "common.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>

/* A switch with a jump table, called from two sites of a loop (libgcc's FDE scan's shape). */
__attribute__((noinline)) static const uint8_t *readv(int enc, const uint8_t *p, uint64_t *out) {
  switch (enc & 15) {
    case 0: *out = p[0]; return p + 1;
    case 1: *out = p[0] | p[1] << 8; return p + 2;
    case 2: *out = p[0] | p[1] << 8 | (uint32_t)p[2] << 16; return p + 3;
    case 3: *out = p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; return p + 4;
    case 4: *out = (int8_t)p[0]; return p + 1;
    case 5: *out = (int16_t)(p[0] | p[1] << 8); return p + 2;
    case 6: *out = p[0] * 3u; return p + 1;
    case 7: *out = p[1] ^ p[0]; return p + 2;
    case 9: *out = 99; return p;
    default: *out = 7; return p + 1;
  }
}

static uint64_t scan(const uint8_t *buf, size_t n) {
  uint64_t sum = 0, a, b;
  const uint8_t *p = buf, *end = buf + n - 16;
  int enc = 0;
  while (p < end) {
    p = readv(enc, p, &a);
    if (a & 1) p = readv(enc + 3, p, &b); else b = 1;
    sum = sum * 31 + a * b;
    enc = (enc + 1 + (int)(a & 3)) % 12;
  }
  return sum;
}

/* The same without calls (the reference). */
static uint64_t scanRef(const uint8_t *buf, size_t n) {
  uint64_t sum = 0, a, b;
  const uint8_t *p = buf, *end = buf + n - 16;
  int enc = 0;
  while (p < end) {
    const uint8_t *q = p;
    switch (enc & 15) {
      case 0: a = q[0]; p = q + 1; break;
      case 1: a = q[0] | q[1] << 8; p = q + 2; break;
      case 2: a = q[0] | q[1] << 8 | (uint32_t)q[2] << 16; p = q + 3; break;
      case 3: a = q[0] | q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24; p = q + 4; break;
      case 4: a = (int8_t)q[0]; p = q + 1; break;
      case 5: a = (int16_t)(q[0] | q[1] << 8); p = q + 2; break;
      case 6: a = q[0] * 3u; p = q + 1; break;
      case 7: a = q[1] ^ q[0]; p = q + 2; break;
      case 9: a = 99; p = q; break;
      default: a = 7; p = q + 1; break;
    }
    if (a & 1) { uint64_t t; p = readv(enc + 3, p, &t); b = t; } else b = 1;
    sum = sum * 31 + a * b;
    enc = (enc + 1 + (int)(a & 3)) % 12;
  }
  return sum;
}

__attribute__((noinline)) static long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) static uint64_t mix(uint64_t x) { x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; return x ^ (x >> 29); }

/* Nested loops without calls (one span holding both). */
static uint64_t nested(int n) {
  uint64_t s = 0;
  for (int i = 0; i < n; i++) for (int j = 0; j <= i % 17; j++) s += (uint64_t)i * j + (s >> 7);
  return s;
}

static volatile sig_atomic_t ticks;
static void onAlarm(int sig) { (void)sig; ticks++; }

int main(void) {
  enum { N = 1 << 20 };
  static uint8_t buf[N];
  for (size_t i = 0; i < N; i++) buf[i] = (uint8_t)(i * 2654435761u >> 13);
  uint64_t s1 = 0;
  for (int r = 0; r < 8; r++) s1 += scan(buf, N - r * 4096);
  uint64_t s2 = 0;
  for (int r = 0; r < 8; r++) s2 += scanRef(buf, N - r * 4096);
  printf("scan %016llx\n", (unsigned long long)s1);
  CHECK(s1 == s2);

  long f = 0;
  for (int i = 0; i < 25; i++) f += fib(i);
  printf("fib sum %ld\n", f);
  CHECK(f == 121392);   /* fib(0..24) sums to fib(26) - 1 */

  /* A loop with a call whose stores fault in fresh pages, page after page: each fault
   * leaves the region in the middle of the span. */
  size_t len = 512 * 4096;
  uint64_t *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(m != MAP_FAILED);
  uint64_t acc = 0;
  for (size_t i = 0; i < len / 8; i += 64) { m[i] = mix(i + acc); acc += m[i] & 0xff; }
  uint64_t acc2 = 0;
  for (size_t i = 0; i < len / 8; i += 64) { CHECK(m[i] == mix(i + acc2)); acc2 += m[i] & 0xff; }
  printf("faults acc %llu\n", (unsigned long long)acc);
  CHECK(acc == acc2);

  printf("nested %llu\n", (unsigned long long)nested(20000));
  CHECK(nested(20000) == nested(20000));

  /* A loop with calls that a signal interrupts: the handler runs at a block boundary
   * and the loop's state survives it. */
  struct sigaction sa = { .sa_handler = onAlarm };
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = { { 0, 2000 }, { 0, 2000 } };
  setitimer(ITIMER_REAL, &it, NULL);
  uint64_t x = 1, n = 0;
  while (ticks < 3 && n < 400000000) { x = mix(x + n); n++; }
  struct itimerval off = { { 0, 0 }, { 0, 0 } };
  setitimer(ITIMER_REAL, &off, NULL);
  uint64_t y = 1;
  for (uint64_t k = 0; k < n; k++) y = mix(y + k);
  CHECK(ticks >= 3);
  CHECK(x == y);
  printf("signalled loop consistent: %s\n", x == y ? "yes" : "no");
  return finish();
}
