// inotify for hostfs (src/fs/hostfs/hostwatch.ts): the path walk trusts a cached host
// file until an event says it changed, instead of one host lstat per walk. Synchronous
// and non-blocking: events are read when the walk asks, so a change is seen as soon as
// the host's call that made it has returned, as with lstat.
//
//   inotifyInit() -> fd | -errno                     (IN_NONBLOCK | IN_CLOEXEC)
//   inotifyAdd(fd, path: Buffer, mask) -> wd | -errno
//   inotifyRm(fd, wd) -> 0 | -errno
//   inotifyRead(fd, buf: Uint8Array) -> bytes | 0 (none waiting) | -errno
#include <node_api.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/inotify.h>
#else
/* No inotify here: every call fails with ENOSYS and hostfs checks with lstat. */
#define IN_NONBLOCK 0
#define IN_CLOEXEC 0
static int inotify_init1(int f) { (void)f; errno = ENOSYS; return -1; }
static int inotify_add_watch(int fd, const char *p, uint32_t m) { (void)fd; (void)p; (void)m; errno = ENOSYS; return -1; }
static int inotify_rm_watch(int fd, int wd) { (void)fd; (void)wd; errno = ENOSYS; return -1; }
#endif

static napi_value num(napi_env env, double v) { napi_value r; napi_create_double(env, v, &r); return r; }

static int arg_int(napi_env env, napi_value v) { int32_t i = -1; napi_get_value_int32(env, v, &i); return i; }

/* The call's first n arguments in argv, or return -EINVAL. */
#define ARGS(n) size_t argc = (n); napi_value argv[(n)]; \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < (n)) return num(env, -EINVAL)

static napi_value js_init(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  return num(env, fd < 0 ? -errno : fd);
}

static napi_value js_add(napi_env env, napi_callback_info info) {
  ARGS(3);
  void *data; size_t len;
  if (napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok || len >= 4096) return num(env, -EINVAL);
  char path[4096];
  memcpy(path, data, len);
  path[len] = 0;
  uint32_t mask = 0;
  napi_get_value_uint32(env, argv[2], &mask);
  int wd = inotify_add_watch(arg_int(env, argv[0]), path, mask);
  return num(env, wd < 0 ? -errno : wd);
}

static napi_value js_rm(napi_env env, napi_callback_info info) {
  ARGS(2);
  return num(env, inotify_rm_watch(arg_int(env, argv[0]), arg_int(env, argv[1])) < 0 ? -errno : 0);
}

static napi_value js_read(napi_env env, napi_callback_info info) {
  ARGS(2);
  napi_typedarray_type t; size_t n, off; void *data; napi_value ab;
  if (napi_get_typedarray_info(env, argv[1], &t, &n, &data, &ab, &off) != napi_ok || t != napi_uint8_array) return num(env, -EINVAL);
  ssize_t r = read(arg_int(env, argv[0]), data, n);
  if (r < 0) return num(env, errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno);
  return num(env, (double)r);
}

void inotify_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "inotifyInit", NULL, js_init, NULL, NULL, NULL, napi_default, NULL },
    { "inotifyAdd", NULL, js_add, NULL, NULL, NULL, napi_default, NULL },
    { "inotifyRm", NULL, js_rm, NULL, NULL, NULL, napi_default, NULL },
    { "inotifyRead", NULL, js_read, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
