/* A signal in the handler's sa_mask, raised inside the handler, waits until the
 * handler returns (no nesting). Real Linux (checked natively on x86-64 Linux 6.x
 * with the same source) gives depth 1; qemu-user 7.2 nests it (depth 2), so the
 * harness runs this program under tuml only (QEMU_DIVERGES). */
#include "common.h"
#include <signal.h>

static volatile int depth, maxdepth, got2;
static void nest(int s) {
  depth++; if (depth > maxdepth) maxdepth = depth;
  if (s == SIGUSR1) raise(SIGUSR2); else got2++;
  depth--;
}

int main(void) {
  struct sigaction sa = {0};
  sa.sa_handler = nest; sigemptyset(&sa.sa_mask);
  CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
  sigaddset(&sa.sa_mask, SIGUSR2);
  CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
  raise(SIGUSR1);
  printf("masked nested max depth %d, usr2 delivered %d\n", maxdepth, got2);
  CHECK(maxdepth == 1);
  CHECK(got2 == 1);
  return finish();
}
