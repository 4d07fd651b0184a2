/* Loads and stores through one base register in translated code (a block reuses the
 * page it looked up for the next access through the same register; an access past the
 * page's end must not): a straight-line function that reads a page, writes it through a
 * second pointer (the first write copies it: a private file mapping, then anonymous
 * memory a fork shares with the parent) and reads it again through the first; and
 * accesses around a page end. Run hot enough to be translated; qemu (real Linux) decides. */
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PG 4096
#define ROUNDS 600

/* One basic block: the load of p[1] must see the store through q (== p). */
__attribute__((noinline)) static long rsw(long *p, long *q, long v) {
  long a = p[0];
  q[1] = v;
  long b = p[1];
  return a + b * 3 + p[2];
}

/* Loads and stores through one base: the same page, then across the page end at p + 7. */
__attribute__((noinline)) static long walk(long *p, long v) {
  long s = p[0] + p[1] + p[3];
  p[2] = s ^ v;
  s += p[2] + p[4] + p[5];
  p[6] = s;
  return s + p[6] + p[7] + p[8];
}

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  int fd = CHECK_OK(open("jit_cow.tmp", O_CREAT | O_RDWR | O_TRUNC, 0644));
  long init[PG / 8];
  for (int i = 0; i < PG / 8; i++) init[i] = i * 7 + 1;
  CHECK(write(fd, init, PG) == PG);

  /* Private file mappings: each round's first store copies the page-cache page. */
  long sum = 0;
  for (int r = 0; r < ROUNDS; r++) {
    long *m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(m != MAP_FAILED);
    sum += rsw(m, m, r + 1000);   /* (rsw cannot know its two pointers are one) */
    CHECK(m[1] == r + 1000);
    CHECK(munmap(m, PG) == 0);
  }
  printf("private file mappings: %ld\n", sum);
  long back[2];
  CHECK(pread(fd, back, sizeof back, 0) == (ssize_t)sizeof back);
  printf("file unchanged: %ld %ld\n", back[0], back[1]);

  /* Anonymous memory shared copy-on-write with a child: the child's writes copy. */
  long *a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(a != MAP_FAILED);
  for (int i = 0; i < 4 * PG / 8; i++) a[i] = i;
  for (int k = 0; k < 4; k++) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      long s = 0;
      for (int r = 0; r < ROUNDS; r++) {
        long *p = a + (r % 4) * (PG / 8) + (r % 7) * 8;
        s += rsw(p, p, r);
        s += walk(a + (r % 3) * (PG / 8) + PG / 8 - 7 + (r % 5), r);
      }
      printf("child %d: %ld\n", k, s);
      fflush(stdout);
      _exit(0);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  long t = 0;
  for (int i = 0; i < 4 * PG / 8; i++) t += a[i];
  printf("parent unchanged: %ld\n", t);

  /* The same in the parent (its pages private now): loads and stores through one base. */
  long s = 0;
  for (int r = 0; r < ROUNDS; r++) s += walk(a + (r % 3) * (PG / 8) + PG / 8 - 7 + (r % 5), r);
  printf("walk: %ld\n", s);
  close(fd);
  unlink("jit_cow.tmp");
  return finish();
}
