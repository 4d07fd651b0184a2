/* getrandom(2): counts and errors only (the bytes themselves are random). */
#include "common.h"
#include <sys/random.h>

int main(void) {
  unsigned char a[256], b[256];
  memset(a, 0, sizeof a); memset(b, 0, sizeof b);
  CHECK(getrandom(a, sizeof a, 0) == sizeof a);
  CHECK(getrandom(b, sizeof b, GRND_NONBLOCK) == sizeof b);
  printf("two 256-byte draws differ %d\n", memcmp(a, b, sizeof a) != 0);
  int distinct = 0; int seen[256] = {0}; for (int i = 0; i < 256; i++) if (!seen[a[i]]++) distinct++;
  printf("more than 64 distinct byte values %d\n", distinct > 64);
  CHECK(getrandom(a, 0, 0) == 0);
  CHECK(getrandom(a, 1, GRND_RANDOM) == 1);
  CHECK_ERR(getrandom(a, 16, 0x40), EINVAL);
  void *volatile bad = (void *)16;
  CHECK_ERR(getrandom(bad, 16, 0), EFAULT);
  static unsigned char big[1 << 20]; ssize_t n = getrandom(big, sizeof big, 0);
  printf("1 MiB request returns at least 256 bytes %d\n", n >= 256);
  return finish();
}
