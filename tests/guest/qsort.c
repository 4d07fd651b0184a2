/* qsort/bsearch on ints, strings and structs; a pseudo-random generator with a
 * fixed seed makes the data; checksums make the output short. */
#include "common.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }
static int cmp_int(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
struct rec { double key; int id; char name[12]; };
static int cmp_rec(const void *a, const void *b) { const struct rec *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->id - y->id; }

int main(void) {
  enum { N = 100000 };
  int *v = malloc(N * sizeof *v);
  for (int i = 0; i < N; i++) v[i] = (int)(next() % 2000001) - 1000000;
  qsort(v, N, sizeof *v, cmp_int);
  uint64_t h = 0; int sorted = 1;
  for (int i = 0; i < N; i++) { h = h * 1000003 + (uint32_t)v[i]; if (i && v[i - 1] > v[i]) sorted = 0; }
  printf("ints sorted %d min %d max %d median %d hash %016llx\n", sorted, v[0], v[N - 1], v[N / 2], (unsigned long long)h);
  CHECK(sorted);
  int key = v[12345]; int *found = bsearch(&key, v, N, sizeof *v, cmp_int);
  CHECK(found && *found == key);
  enum { S = 2000 };
  char **s = malloc(S * sizeof *s);
  for (int i = 0; i < S; i++) { s[i] = malloc(16); int len = 1 + next() % 10;
    for (int j = 0; j < len; j++) s[i][j] = 'a' + next() % 26;
    s[i][len] = 0; }
  qsort(s, S, sizeof *s, cmp_str);
  printf("strings first %s last %s mid %s\n", s[0], s[S - 1], s[S / 2]);
  for (int i = 1; i < S; i++) CHECK(strcmp(s[i - 1], s[i]) <= 0);
  for (int i = 0; i < S; i++) free(s[i]);
  free(s);
  enum { R = 5000 };
  struct rec *r = malloc(R * sizeof *r);
  for (int i = 0; i < R; i++) { r[i].key = (double)(next() % 100) / 7.0; r[i].id = i; snprintf(r[i].name, sizeof r[i].name, "r%d", i); }
  qsort(r, R, sizeof *r, cmp_rec);
  printf("records first %s %.6f last %s %.6f\n", r[0].name, r[0].key, r[R - 1].name, r[R - 1].key);
  free(r); free(v);
  return finish();
}
