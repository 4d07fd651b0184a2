/* Shared helpers for tuml's guest test programs (riscv64, static).
 * Every program prints deterministic output and exits 0 when all its own checks
 * pass, 1 otherwise. The differential harness also compares the output with
 * the same program run under qemu-riscv64-static on the real Linux kernel. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static int failures;

/* The same buffering whether stdout is a pipe (qemu under the harness) or the
 * tuml console (a tty): line buffered, so fork()ed children never repeat output. */
__attribute__((constructor)) static void common_init(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
}

#define CHECK(cond) do { if (!(cond)) { failures++; \
  printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } } while (0)

/* expect a call to fail with errno E: CHECK_ERR(open(...), ENOENT) */
#define CHECK_ERR(call, E) do { errno = 0; long r_ = (long)(call); int e_ = errno; \
  if (r_ != -1 || e_ != (E)) { failures++; \
    printf("FAIL %s:%d: %s = %ld errno %s, want -1 %s\n", __FILE__, __LINE__, #call, r_, \
           errname(e_), #E); } \
  else printf("ok %-40.40s -> %s\n", #call, #E); } while (0)

/* expect success (>= 0) */
#define CHECK_OK(call) ({ errno = 0; long r_ = (long)(call); if (r_ < 0) { failures++; \
  printf("FAIL %s:%d: %s = %ld errno %s\n", __FILE__, __LINE__, #call, r_, errname(errno)); } r_; })

static inline const char *errname(int e) {
  switch (e) {
#define E(x) case x: return #x;
    E(0) E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG) E(ENOEXEC) E(EBADF)
    E(ECHILD) E(EAGAIN) E(ENOMEM) E(EACCES) E(EFAULT) E(EBUSY) E(EEXIST) E(EXDEV) E(ENODEV)
    E(ENOTDIR) E(EISDIR) E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY) E(EFBIG) E(ENOSPC) E(ESPIPE)
    E(EROFS) E(EMLINK) E(EPIPE) E(EDOM) E(ERANGE) E(ENAMETOOLONG) E(ENOSYS) E(ENOTEMPTY)
    E(ELOOP) E(EOVERFLOW) E(ENOTSOCK) E(EOPNOTSUPP) E(ENOMSG) E(EIDRM) E(ETIMEDOUT) E(EMSGSIZE) E(EBADMSG)
#undef E
    default: { static char buf[32]; snprintf(buf, sizeof buf, "errno%d", e); return buf; }
  }
}

/* Programs that touch files get the folder to work in as argv[1]. */
static inline void enter_workdir(int argc, char **argv) {
  umask(022);   /* the default init gets; the harness may have another */
  if (argc > 1 && chdir(argv[1]) != 0) {
    printf("cannot chdir to %s: %s\n", argv[1], errname(errno));
    exit(2);
  }
}

static inline int finish(void) {
  printf("%s: %d failure(s)\n", failures ? "FAILED" : "PASSED", failures);
  fflush(stdout);
  return failures ? 1 : 0;
}
