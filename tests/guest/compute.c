/* A mixed CPU workload with a known answer: sieve, CRC32, a matrix product,
 * a Collatz search, and a tiny interpreter — many branches, loads, stores,
 * compressed instructions and multiplies. */
#include "common.h"

static uint32_t crc32(const uint8_t *p, size_t n) { uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) { c ^= p[i]; for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & -(c & 1)); } return ~c; }

int main(void) {
  enum { N = 2000000 };
  static uint8_t comp[N + 1]; int primes = 0; uint64_t psum = 0;
  for (int i = 2; i <= N; i++) { if (!comp[i]) { primes++; psum += i; for (long j = (long)i * i; j <= N; j += i) comp[j] = 1; } }
  printf("primes below %d: %d sum %llu\n", N, primes, (unsigned long long)psum);
  CHECK(primes == 148933);
  static uint8_t data[1 << 20]; for (unsigned i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 7 + (i >> 8));
  printf("crc32 %08x, of \"123456789\" %08x\n", crc32(data, sizeof data), crc32((const uint8_t *)"123456789", 9));
  CHECK(crc32((const uint8_t *)"123456789", 9) == 0xcbf43926u);
  enum { M = 96 }; static double A[M][M], B[M][M], C[M][M];
  for (int i = 0; i < M; i++) for (int j = 0; j < M; j++) { A[i][j] = (i + j) % 7 - 3; B[i][j] = (i * j) % 5 - 2; }
  for (int i = 0; i < M; i++) for (int j = 0; j < M; j++) { double s = 0; for (int k = 0; k < M; k++) s += A[i][k] * B[k][j]; C[i][j] = s; }
  double tr = 0; for (int i = 0; i < M; i++) tr += C[i][i]; printf("matrix trace %g\n", tr);
  int best = 0, bestn = 0; for (int n = 1; n < 300000; n++) { long x = n; int steps = 0; while (x != 1) { x = (x & 1) ? 3 * x + 1 : x / 2; steps++; } if (steps > best) { best = steps; bestn = n; } }
  printf("collatz longest below 300000: %d (%d steps)\n", bestn, best);
  /* a tiny stack machine */
  int prog[] = {1, 0, 2, 1000000, 3, 0, 4, 0}; /* acc=0; loop 1e6: acc += i*i mod 1e9+7 */
  long acc = 0, i = 0, pc = 0, lim = 0;
  while (pc < 8) { switch (prog[pc]) { case 1: acc = prog[pc + 1]; pc += 2; break; case 2: lim = prog[pc + 1]; pc += 2; break;
      case 3: acc = (acc + i * i) % 1000000007L; i++; pc += 2; break; case 4: if (i < lim) pc = 4; else pc = 8; break; } }
  printf("interp %ld\n", acc);
  return finish();
}
