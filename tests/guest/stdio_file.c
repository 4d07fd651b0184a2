/* stdio on files: fopen modes, fprintf/fscanf, fgets, fseek/ftell, fread/fwrite
 * with buffering, ungetc, getline, tmp names in the work folder. */
#include "common.h"

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  FILE *f = fopen("stdio.tmp", "w+");
  CHECK(f != NULL);
  for (int i = 0; i < 1000; i++) fprintf(f, "line %d %x %.3f\n", i, i * 7, i / 8.0);
  long end = ftell(f); printf("ftell after writing %ld\n", end);
  rewind(f);
  char line[128]; int count = 0; long sum = 0;
  while (fgets(line, sizeof line, f)) { int a; unsigned b; double c;
    if (sscanf(line, "line %d %x %lf", &a, &b, &c) == 3) { count++; sum += a + b + (long)(c * 8); } }
  printf("lines %d sum %ld feof %d ferror %d\n", count, sum, feof(f) != 0, ferror(f) != 0);
  CHECK(fseek(f, 10, SEEK_SET) == 0); int ch = fgetc(f); printf("char at 10 '%c'\n", ch);
  CHECK(ungetc('Z', f) == 'Z'); CHECK(fgetc(f) == 'Z'); CHECK(ftell(f) == 11);
  CHECK(fseek(f, -6, SEEK_END) == 0); CHECK(fgets(line, sizeof line, f) != NULL); printf("tail '%s'", line);
  fclose(f);
  f = fopen("stdio.tmp", "a+"); CHECK(f != NULL);
  fputs("appended\n", f); fseek(f, 0, SEEK_SET); CHECK(fgets(line, sizeof line, f) != NULL); printf("first '%s'", line);
  fclose(f);
  f = fopen("stdio.tmp", "r"); char *lp = NULL; size_t cap = 0; ssize_t n; long total = 0, last = 0;
  while ((n = getline(&lp, &cap, f)) > 0) { total += n; last = n; }
  printf("getline total %ld last %ld '%s'", total, last, lp); free(lp); fclose(f);
  /* binary fread/fwrite */
  f = fopen("stdio.bin", "wb"); double v[100]; for (int i = 0; i < 100; i++) v[i] = i * 1.5;
  CHECK(fwrite(v, sizeof v[0], 100, f) == 100); fclose(f);
  f = fopen("stdio.bin", "rb"); double w[200]; size_t got = fread(w, sizeof w[0], 200, f);
  printf("fread %zu items, w[99]=%g eof %d\n", got, w[99], feof(f) != 0); fclose(f);
  CHECK(fopen("no/such/file", "r") == NULL && errno == ENOENT);
  f = fopen("stdio.tmp", "r"); CHECK(fputc('x', f) == EOF && ferror(f)); fclose(f);
  CHECK_OK(remove("stdio.tmp")); CHECK_OK(remove("stdio.bin"));
  fprintf(stderr, "a line on stderr\n");
  return finish();
}
