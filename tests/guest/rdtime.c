/* The time CSR (rdtime), which RISC-V Linux lets user code read: it counts up while the
 * program sleeps, at a rate that puts 20 ms of sleep within a plausible range. */
#include "common.h"
#include <time.h>

static uint64_t rdtime(void) { uint64_t t; __asm__ volatile("rdtime %0" : "=r"(t)); return t; }

int main(void) {
  uint64_t a = rdtime();
  struct timespec d = { 0, 20 * 1000 * 1000 };
  CHECK(nanosleep(&d, NULL) == 0);
  uint64_t b = rdtime();
  printf("time counter nonzero %d\n", a != 0);
  printf("time counter advanced over a 20 ms sleep %d\n", b > a);
  /* Linux/riscv reports a timebase of 1-100 MHz on real boards (10 MHz under qemu's virt
   * machine); user-mode qemu counts host nanoseconds or cycles: allow 1 MHz to 10 GHz. */
  uint64_t ticks = b - a;
  printf("rate plausible %d\n", ticks >= 20000 && ticks <= 200000000ull);
  return finish();
}
