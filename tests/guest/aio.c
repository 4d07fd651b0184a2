/* Linux native AIO through raw syscalls (run under tuml only: qemu 7.2 has no io_setup):
 * the ring header io_setup maps, PREAD/PWRITE/PREADV/PWRITEV/FSYNC/FDSYNC results in
 * io_events, submit errors, IOCB_FLAG_RESFD, POLL (later completion, io_cancel), user-space
 * reaping by moving head, EAGAIN when the ring is full, timeouts, EINTR, io_pgetevents and
 * io_destroy. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <linux/aio_abi.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/eventfd.h>
#include <time.h>
#include <sys/mount.h>

struct aio_ring { unsigned id, nr, head, tail, magic, compat, incompat, hdrlen; struct io_event ev[]; };

static long io_setup(unsigned n, aio_context_t *c) { return syscall(SYS_io_setup, n, c); }
static long io_destroy(aio_context_t c) { return syscall(SYS_io_destroy, c); }
static long io_submit(aio_context_t c, long n, struct iocb **p) { return syscall(SYS_io_submit, c, n, p); }
static long io_cancel(aio_context_t c, struct iocb *i, struct io_event *e) { return syscall(SYS_io_cancel, c, i, e); }
static long io_getevents(aio_context_t c, long mn, long n, struct io_event *e, struct timespec *t) { return syscall(SYS_io_getevents, c, mn, n, e, t); }

static struct iocb mk(int op, int fd, void *buf, long n, long off, unsigned long data) {
  struct iocb c;
  memset(&c, 0, sizeof c);
  c.aio_lio_opcode = op; c.aio_fildes = fd; c.aio_buf = (unsigned long)buf; c.aio_nbytes = n;
  c.aio_offset = off; c.aio_data = data;
  return c;
}
static long submit1(aio_context_t ctx, struct iocb *c) { struct iocb *p[1] = {c}; return io_submit(ctx, 1, p); }

static int maps_has_aio(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  char l[256]; int found = 0;
  while (f && fgets(l, sizeof l, f)) if (strstr(l, "[aio]")) found = 1;
  if (f) fclose(f);
  return found;
}
static void on_usr1(int s) { (void)s; }

int main(int argc, char **argv) {
  enter_workdir(argc, argv);
  if (access("/proc/self/maps", R_OK) != 0) { mkdir("/proc", 0555); mount("proc", "/proc", "proc", 0, NULL); }
  aio_context_t ctx = 0;
  CHECK_ERR(io_setup(0, &ctx), EINVAL);
  aio_context_t bogus = 1;
  CHECK_ERR(io_setup(4, &bogus), EINVAL);
  CHECK_ERR(io_setup(4, (aio_context_t *)8), EFAULT);
  CHECK_OK(io_setup(10, &ctx));
  struct aio_ring *ring = (struct aio_ring *)ctx;
  printf("ring: id %u nr %u head %u tail %u magic %x compat %u incompat %u hdr %u\n", ring->id, ring->nr, ring->head,
         ring->tail, ring->magic, ring->compat, ring->incompat, ring->hdrlen);
  CHECK(ring->magic == 0xa10a10a1 && ring->nr == 127 && ring->hdrlen == 32 && ring->compat == 1);
  CHECK(maps_has_aio());

  /* reads, writes, vectors and syncs */
  int fd = CHECK_OK(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
  char rb[16] = {0}, v1[4] = {0}, v2[8] = {0};
  struct iovec wv[2] = {{"abc", 3}, {"defgh", 5}}, rv[2] = {{v1, 4}, {v2, 8}};
  struct iocb c[6] = {
    mk(IOCB_CMD_PWRITE, fd, "hello world", 11, 0, 1), mk(IOCB_CMD_PREAD, fd, rb, 5, 6, 2),
    mk(IOCB_CMD_PWRITEV, fd, wv, 2, 20, 3), mk(IOCB_CMD_PREADV, fd, rv, 2, 18, 4),
    mk(IOCB_CMD_FSYNC, fd, 0, 0, 0, 5), mk(IOCB_CMD_FDSYNC, fd, 0, 0, 0, 6),
  };
  struct iocb *cp[6] = {&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]};
  CHECK(io_submit(ctx, 6, cp) == 6);
  struct io_event ev[200];
  long n = io_getevents(ctx, 6, 10, ev, NULL);
  CHECK(n == 6);
  for (int i = 0; i < n; i++) {
    printf("event data %llu res %lld obj_ok %d\n", (unsigned long long)ev[i].data, (long long)ev[i].res, ev[i].obj == (unsigned long)cp[ev[i].data - 1]);
    CHECK(ev[i].obj == (unsigned long)cp[ev[i].data - 1]);
  }
  CHECK(ev[0].res == 11 && ev[1].res == 5 && ev[2].res == 8 && ev[3].res == 10 && ev[4].res == 0 && ev[5].res == 0);
  printf("read '%s' v1 '%.4s' v2 '%.6s'\n", rb, v1, v2);
  CHECK(strcmp(rb, "world") == 0 && memcmp(v1, "\0\0ab", 4) == 0 && memcmp(v2, "cdefgh", 6) == 0);

  /* submit errors */
  struct iocb bad = mk(IOCB_CMD_PREAD, 999, rb, 1, 0, 9);
  CHECK_ERR(submit1(ctx, &bad), EBADF);
  struct iocb two[2] = {mk(IOCB_CMD_PREAD, fd, rb, 1, 0, 10), mk(IOCB_CMD_PREAD, 999, rb, 1, 0, 11)};
  struct iocb *tp[2] = {&two[0], &two[1]};
  CHECK(io_submit(ctx, 2, tp) == 1);
  CHECK(io_getevents(ctx, 1, 1, ev, NULL) == 1);
  bad = mk(99, fd, rb, 1, 0, 0);
  CHECK_ERR(submit1(ctx, &bad), EINVAL);
  bad = mk(IOCB_CMD_PREAD, fd, rb, 1, 0, 0); bad.aio_reserved2 = 1;
  CHECK_ERR(submit1(ctx, &bad), EINVAL);
  bad = mk(IOCB_CMD_FSYNC, fd, 0, 1, 0, 0);
  CHECK_ERR(submit1(ctx, &bad), EINVAL);
  int ro = open("f", O_RDONLY);
  bad = mk(IOCB_CMD_PWRITE, ro, "x", 1, 0, 0);
  CHECK_ERR(submit1(ctx, &bad), EBADF);
  CHECK_ERR(io_submit(ctx + 4096, 1, cp), EINVAL);
  CHECK_ERR(io_submit(ctx, -1, cp), EINVAL);
  CHECK(io_submit(ctx, 0, cp) == 0);
  bad = mk(IOCB_CMD_PREAD, fd, (void *)8, 4, 0, 12);
  CHECK(submit1(ctx, &bad) == 1);
  CHECK(io_getevents(ctx, 1, 1, ev, NULL) == 1 && ev[0].res == -EFAULT);
  printf("bad buffer res %lld\n", (long long)ev[0].res);

  /* IOCB_FLAG_RESFD */
  int efd = eventfd(0, 0);
  struct iocb r = mk(IOCB_CMD_PREAD, fd, rb, 2, 0, 13);
  r.aio_flags = IOCB_FLAG_RESFD; r.aio_resfd = efd;
  CHECK(submit1(ctx, &r) == 1);
  uint64_t cnt = 0;
  CHECK(read(efd, &cnt, 8) == 8 && cnt == 1);
  printf("eventfd count %llu\n", (unsigned long long)cnt);
  CHECK(io_getevents(ctx, 1, 1, ev, NULL) == 1);
  r.aio_resfd = fd;
  CHECK_ERR(submit1(ctx, &r), EINVAL);

  /* POLL: completes later; cancel */
  int p[2]; pipe(p);
  struct iocb pl = mk(IOCB_CMD_POLL, p[0], (void *)POLLIN, 0, 0, 14);
  CHECK(submit1(ctx, &pl) == 1);
  struct timespec zero = {0, 0};
  CHECK(io_getevents(ctx, 1, 1, ev, &zero) == 0);
  write(p[1], "x", 1);
  CHECK(io_getevents(ctx, 1, 1, ev, &zero) == 1 && ev[0].res == POLLIN && ev[0].data == 14);
  printf("poll res %llx\n", (unsigned long long)ev[0].res);
  CHECK(submit1(ctx, &pl) == 1); /* ready now: completes at once */
  CHECK(io_getevents(ctx, 1, 1, ev, &zero) == 1 && ev[0].res == POLLIN);
  char ch; read(p[0], &ch, 1);
  CHECK(submit1(ctx, &pl) == 1);
  CHECK_ERR(io_cancel(ctx, &pl, ev), EINPROGRESS);
  CHECK(io_getevents(ctx, 1, 1, ev, &zero) == 1 && ev[0].res == 0 && ev[0].data == 14);
  CHECK_ERR(io_cancel(ctx, &pl, ev), EINVAL);
  pl.aio_offset = 1;
  CHECK_ERR(submit1(ctx, &pl), EINVAL);

  /* io_getevents: timeout, min_nr > nr, a wait another process ends, EINTR */
  struct timespec short_ts = {0, 30000000};
  CHECK(io_getevents(ctx, 1, 1, ev, &short_ts) == 0);
  CHECK_ERR(io_getevents(ctx, 2, 1, ev, NULL), EINVAL);
  CHECK_ERR(io_getevents(ctx + 4096, 1, 1, ev, NULL), EINVAL);
  pl.aio_offset = 0;
  CHECK(submit1(ctx, &pl) == 1);
  pid_t k = fork();
  if (k == 0) { usleep(20000); write(p[1], "y", 1); _exit(0); }
  CHECK(io_getevents(ctx, 1, 1, ev, NULL) == 1 && ev[0].res == POLLIN);
  waitpid(k, NULL, 0);
  read(p[0], &ch, 1);
  signal(SIGUSR1, on_usr1);
  k = fork();
  if (k == 0) { usleep(20000); kill(getppid(), SIGUSR1); _exit(0); }
  CHECK_ERR(io_getevents(ctx, 1, 1, ev, NULL), EINTR);
  waitpid(k, NULL, 0);
  /* io_pgetevents: SIGUSR1 blocked during the wait, so the timeout ends it */
  sigset_t blk; sigemptyset(&blk); sigaddset(&blk, SIGUSR1);
  struct { const sigset_t *m; size_t sz; } as = {&blk, 8};
  k = fork();
  if (k == 0) { usleep(10000); kill(getppid(), SIGUSR1); _exit(0); }
  struct timespec t100 = {0, 100000000};
  long pr = syscall(SYS_io_pgetevents, ctx, 1, 1, ev, &t100, &as);
  printf("pgetevents with the signal blocked: %ld\n", pr);
  CHECK(pr == 0); /* blocked during the wait: only the timeout ends it; the handler runs after */
  waitpid(k, NULL, 0);
  as.sz = 4;
  CHECK_ERR(syscall(SYS_io_pgetevents, ctx, 1, 1, ev, &zero, &as), EINVAL);
  io_getevents(ctx, 0, 10, ev, &zero);

  /* reaping from user space: move head like libaio does */
  struct iocb s = mk(IOCB_CMD_FSYNC, fd, 0, 0, 0, 15);
  CHECK(submit1(ctx, &s) == 1);
  unsigned h = ring->head, tl = ring->tail;
  CHECK(tl == (h + 1) % ring->nr && ring->ev[h].data == 15);
  ring->head = tl;
  CHECK(io_getevents(ctx, 0, 1, ev, &zero) == 0);
  printf("user reaping ok\n");

  /* EAGAIN once nr - 1 requests are in flight or unreaped */
  int ok = 0;
  while (submit1(ctx, &s) == 1) ok++;
  printf("accepted %d then %s\n", ok, errname(errno));
  CHECK(ok == 126 && errno == EAGAIN);
  CHECK(io_getevents(ctx, 126, 200, ev, NULL) == 126);
  CHECK(submit1(ctx, &s) == 1);

  CHECK_OK(io_destroy(ctx));
  CHECK_ERR(io_destroy(ctx), EINVAL);
  CHECK_ERR(submit1(ctx, &s), EINVAL);
  CHECK(!maps_has_aio());
  return finish();
}
