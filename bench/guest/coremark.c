/* A CoreMark-style CPU benchmark (our own code, after CoreMark's mix of kernels):
 * linked-list search, reversal and merge sort; small integer matrix products; a
 * number-parsing state machine; and CRC-16 over every result. Integer only, no
 * syscalls in the timed part, deterministic: prints the iteration count and a CRC
 * that must be the same on every machine.
 *   coremark [ITERATIONS]     (default 2000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define LIST_N 256
#define MAT_N 16
#define STATE_LEN 512

struct node { struct node *next; int16_t key; int16_t val; };

static struct node pool[LIST_N];
static int16_t ma[MAT_N * MAT_N], mb[MAT_N * MAT_N];
static int32_t mc[MAT_N * MAT_N];
static char text[STATE_LEN + 1];

static uint16_t crc16(uint16_t crc, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; i++) {
    crc ^= (uint8_t)(v >> (8 * i));
    for (int b = 0; b < 8; b++) crc = (crc & 1) ? (crc >> 1) ^ 0xa001 : crc >> 1;
  }
  return crc;
}

static uint32_t seed = 0x2545f491;
static uint32_t rnd(void) { seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5; return seed; }

/* ---- linked list */
static struct node *list_init(void) {
  for (int i = 0; i < LIST_N; i++) {
    pool[i].key = (int16_t)(rnd() & 0x7fff);
    pool[i].val = (int16_t)i;
    pool[i].next = i + 1 < LIST_N ? &pool[i + 1] : NULL;
  }
  return &pool[0];
}
static struct node *list_reverse(struct node *l) {
  struct node *r = NULL;
  while (l) { struct node *n = l->next; l->next = r; r = l; l = n; }
  return r;
}
static struct node *list_find(struct node *l, int16_t key) {
  while (l && l->key != key) l = l->next;
  return l;
}
/* Bottom-up merge sort by key (or by val when byval), stable. */
static struct node *list_sort(struct node *list, int byval) {
  for (int k = 1;; k *= 2) {
    struct node *p = list, *tail = NULL;
    list = NULL;
    int merges = 0;
    while (p) {
      merges++;
      struct node *q = p;
      int ps = 0;
      for (int i = 0; i < k && q; i++) { ps++; q = q->next; }
      int qs = k;
      while (ps > 0 || (qs > 0 && q)) {
        struct node *e;
        if (ps == 0) { e = q; q = q->next; qs--; }
        else if (qs == 0 || !q) { e = p; p = p->next; ps--; }
        else if ((byval ? p->val - q->val : p->key - q->key) <= 0) { e = p; p = p->next; ps--; }
        else { e = q; q = q->next; qs--; }
        if (tail) tail->next = e; else list = e;
        tail = e;
      }
      p = q;
    }
    tail->next = NULL;
    if (merges <= 1) return list;
  }
}
static uint16_t bench_list(struct node **lp, uint16_t crc, int iter) {
  struct node *l = *lp;
  int found = 0, missed = 0;
  for (int i = 0; i < 16; i++) {
    struct node *n = list_find(l, (int16_t)((iter * 31 + i * 977) & 0x7fff));
    if (n) found += n->val; else missed++;
  }
  l = list_reverse(l);
  l = list_sort(l, iter & 1);
  for (struct node *n = l; n; n = n->next) crc = crc16(crc, (uint16_t)n->key, 2);
  l = list_sort(l, 1);
  *lp = l;
  return crc16(crc16(crc, found, 4), missed, 4);
}

/* ---- matrices */
static uint16_t bench_matrix(uint16_t crc, int iter) {
  int16_t add = (int16_t)(iter & 0xff);
  for (int i = 0; i < MAT_N * MAT_N; i++) { ma[i] += add; mb[i] ^= add; }
  for (int i = 0; i < MAT_N; i++)
    for (int j = 0; j < MAT_N; j++) {
      int32_t s = 0;
      for (int k = 0; k < MAT_N; k++) s += (int32_t)ma[i * MAT_N + k] * mb[k * MAT_N + j];
      mc[i * MAT_N + j] = s;
    }
  int32_t acc = 0;
  for (int i = 0; i < MAT_N * MAT_N; i++) acc += (mc[i] >> 3) & 0xffff;
  for (int i = 0; i < MAT_N * MAT_N; i++) { ma[i] -= add; mb[i] ^= add; }
  return crc16(crc, (uint32_t)acc, 4);
}

/* ---- state machine: classify comma-separated tokens as int, float, exponent or invalid */
enum { S_START, S_INT, S_FLOAT, S_EXP, S_EXPSIGN, S_SCI, S_INVALID, S_COUNT };
static int next_state(int s, char c) {
  int digit = c >= '0' && c <= '9';
  switch (s) {
    case S_START: return digit ? S_INT : (c == '+' || c == '-') ? S_INT : c == '.' ? S_FLOAT : S_INVALID;
    case S_INT: return digit ? S_INT : c == '.' ? S_FLOAT : (c == 'e' || c == 'E') ? S_EXP : S_INVALID;
    case S_FLOAT: return digit ? S_FLOAT : (c == 'e' || c == 'E') ? S_EXP : S_INVALID;
    case S_EXP: return (c == '+' || c == '-') ? S_EXPSIGN : digit ? S_SCI : S_INVALID;
    case S_EXPSIGN: return digit ? S_SCI : S_INVALID;
    case S_SCI: return digit ? S_SCI : S_INVALID;
    default: return S_INVALID;
  }
}
static uint16_t bench_state(uint16_t crc, int iter) {
  static const char alphabet[] = "0123456789+-.eE,x";
  /* Perturb a few characters per iteration so the input keeps changing. */
  for (int i = 0; i < 8; i++) text[(iter * 7 + i * 61) % STATE_LEN] = alphabet[rnd() % (sizeof alphabet - 1)];
  unsigned counts[S_COUNT] = {0};
  int s = S_START;
  for (int i = 0; i < STATE_LEN; i++) {
    char c = text[i];
    if (c == ',') { counts[s]++; s = S_START; continue; }
    s = next_state(s, c);
  }
  counts[s]++;
  for (int i = 0; i < S_COUNT; i++) crc = crc16(crc, counts[i], 2);
  return crc;
}

int main(int argc, char **argv) {
  int iters = argc > 1 ? atoi(argv[1]) : 2000;
  struct node *l = list_init();
  for (int i = 0; i < MAT_N * MAT_N; i++) { ma[i] = (int16_t)(rnd() & 0xff); mb[i] = (int16_t)(rnd() & 0xff); }
  static const char alphabet[] = "0123456789+-.eE,";
  for (int i = 0; i < STATE_LEN; i++) text[i] = alphabet[rnd() % (sizeof alphabet - 1)];
  uint16_t crc = 0;
  for (int it = 0; it < iters; it++) {
    crc = bench_list(&l, crc, it);
    crc = bench_matrix(crc, it);
    crc = bench_state(crc, it);
  }
  printf("coremark-style: %d iterations, crc 0x%04x\n", iters, crc);
  return 0;
}
