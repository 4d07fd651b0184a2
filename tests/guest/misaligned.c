/* Misaligned loads and stores (lh/lhu/lw/lwu/ld, sh/sw/sd issued directly), at every
 * offset of a 16-byte window, on one page and straddling a page boundary, on the stack
 * and in mmap'd memory: the interpreter's and the JIT's slow paths. */
#include "common.h"
#include <sys/mman.h>

#define LOAD(insn, p) ({ long v_; __asm__ volatile(insn " %0, 0(%1)" : "=r"(v_) : "r"(p) : "memory"); v_; })
#define STORE(insn, p, v) __asm__ volatile(insn " %0, 0(%1)" :: "r"((long)(v)), "r"(p) : "memory")

static uint64_t sum;

/* Every load at p, folded into sum (and printed once per call). */
static void loads(const unsigned char *p) {
  long h = LOAD("lh", p), hu = LOAD("lhu", p), w = LOAD("lw", p), wu = LOAD("lwu", p), d = LOAD("ld", p);
  sum = sum * 1000003 + (uint64_t)h + ((uint64_t)hu << 3) + ((uint64_t)w << 7) + ((uint64_t)wu << 11) + (uint64_t)d;
  /* The same bytes read one at a time (little-endian). */
  uint64_t want = 0;
  for (int i = 7; i >= 0; i--) want = want << 8 | p[i];
  CHECK((uint64_t)d == want);
  CHECK((uint64_t)wu == (want & 0xffffffffu));
  CHECK(w == (int32_t)(want & 0xffffffffu));
  CHECK(hu == (long)(want & 0xffff));
  CHECK(h == (int16_t)(want & 0xffff));
}

/* Stores of each width at p, checked byte by byte. */
static void stores(unsigned char *p, unsigned char *lo, unsigned char *hi) {
  const uint64_t v = 0x8877665544332211ull;
  for (int width = 2; width <= 8; width *= 2) {
    for (unsigned char *q = lo; q < hi; q++) *q = 0xee;
    if (width == 2) STORE("sh", p, v); else if (width == 4) STORE("sw", p, v); else STORE("sd", p, v);
    for (unsigned char *q = lo; q < hi; q++) {
      long i = q - p;
      CHECK(*q == (i >= 0 && i < width ? (unsigned char)(v >> (8 * i)) : 0xee));
    }
  }
}

int main(void) {
  unsigned char stack[48];
  for (int i = 0; i < 48; i++) stack[i] = (unsigned char)(i * 37 + 11);
  for (int off = 0; off < 16; off++) loads(stack + off);
  for (int off = 0; off < 16; off++) stores(stack + 16 + off, stack, stack + 48);
  printf("stack: %016llx\n", (unsigned long long)sum);

  unsigned char *m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(m != MAP_FAILED);
  for (int i = 0; i < 2 * 4096; i++) m[i] = (unsigned char)(i * 13 + (i >> 8));
  sum = 0;
  /* From 12 bytes before the page boundary to 4 after: the 8-byte accesses cross it for 7 of them. */
  for (int off = 4096 - 12; off < 4096 + 4; off++) loads(m + off);
  for (int off = 4096 - 12; off < 4096 + 4; off++) stores(m + off, m + 4096 - 16, m + 4096 + 16);
  printf("page boundary: %016llx\n", (unsigned long long)sum);
  /* Many times, so that the JIT translates the loops too. */
  uint64_t acc = 0;
  for (int r = 0; r < 20000; r++) {
    unsigned char *p = m + 4096 - 7 + (r & 7);
    STORE("sd", p, (uint64_t)r * 0x0101010101010101ull);
    acc += (uint64_t)LOAD("ld", p) ^ (uint64_t)LOAD("lw", p + 1);
  }
  printf("loop: %016llx\n", (unsigned long long)acc);
  return finish();
}
