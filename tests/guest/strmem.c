/* String and memory functions (glibc's optimized versions) at every alignment
 * of source and destination and many lengths, checked against byte loops. */
#include "common.h"

static unsigned char A[512], B[512], C[512];
static void fill(unsigned char *p, int n, int seed) { for (int i = 0; i < n; i++) p[i] = (unsigned char)(seed * 131 + i * 7 + 1); }
static int sgn(int x) { return (x > 0) - (x < 0); }

int main(void) {
  unsigned long checks = 0;
  for (int sa = 0; sa < 16; sa++)
    for (int da = 0; da < 16; da++)
      for (int len = 0; len < 80; len += (len < 20 ? 1 : 7)) {
        fill(A, 512, sa + len); memset(B, 0xee, 512);
        memcpy(B + da, A + sa, len);
        for (int i = 0; i < 512; i++) {
          int want = (i >= da && i < da + len) ? A[sa + i - da] : 0xee;
          if (B[i] != want) { CHECK(!"memcpy"); printf("memcpy sa %d da %d len %d at %d\n", sa, da, len, i); goto next; }
        }
        checks++;
        /* memcmp: equal, then differ at the last byte */
        CHECK(memcmp(B + da, A + sa, len) == 0);
        if (len) { B[da + len - 1] ^= 0x80; int s = memcmp(B + da, A + sa, len);
          CHECK(sgn(s) == ((B[da + len - 1] > A[sa + len - 1]) ? 1 : -1)); B[da + len - 1] ^= 0x80; }
        /* memmove overlapping both ways */
        memcpy(C, A, 512); memmove(C + da + 32, C + sa + 32 + (len & 3), len);
        for (int i = 0; i < len; i++) if (C[da + 32 + i] != A[sa + 32 + (len & 3) + i]) { CHECK(!"memmove"); break; }
        memcpy(C, A, 512); memmove(C + sa, C + da, len);
        for (int i = 0; i < len; i++) if (C[sa + i] != A[da + i]) { CHECK(!"memmove back"); break; }
        /* memset */
        memset(C + da, sa, len);
        for (int i = 0; i < len; i++) if (C[da + i] != sa) { CHECK(!"memset"); break; }
        /* strings: a NUL at len */
        char *s = (char *)C + sa; for (int i = 0; i < len; i++) s[i] = (char)('a' + (i % 26)); s[len] = 0;
        CHECK(strlen(s) == (size_t)len);
        CHECK(strnlen(s, len / 2) == (size_t)(len / 2));
        char *want = len > 5 ? s + 5 : (len == 0 ? NULL : NULL);
        if (len > 5) { CHECK(strchr(s, 'f') == want); }
        CHECK(strchr(s, 0) == s + len);
        CHECK(strrchr(s, 'a') == (len ? s + ((len - 1) / 26) * 26 : NULL));
        CHECK(memchr(s, 'z' + 1, len) == NULL);
        char *d = (char *)B + da; strcpy(d, s); CHECK(strcmp(d, s) == 0);
        if (len) { d[len - 1] = 'A'; CHECK(strcmp(d, s) < 0); CHECK(strncmp(d, s, len - 1) == 0); }
        checks++;
        next:;
      }
  printf("%lu alignment/length combinations checked\n", checks);
  char buf[64];
  printf("strstr %s strspn %zu strcspn %zu\n", strstr("hello world", "o w"), strspn("aabbc", "ab"), strcspn("abc;def", ";"));
  snprintf(buf, sizeof buf, "%s", "tokens:a,b,,c"); char *save, *t = strtok_r(buf, ":,", &save); printf("strtok");
  while (t) { printf(" [%s]", t); t = strtok_r(NULL, ":,", &save); } printf("\n");
  printf("strcasecmp %d strncasecmp %d memrchr %s\n", sgn(strcasecmp("HeLLo", "hello")), sgn(strncasecmp("abcX", "ABCY", 4)), (char *)memrchr("a/b/c", '/', 5));
  char *dup = strdup("duplicate"); printf("strdup %s %zu\n", dup, strlen(dup)); free(dup);
  return finish();
}
