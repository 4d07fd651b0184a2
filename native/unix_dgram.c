// AF_UNIX datagram sockets for Node (which has none): just enough for the mconsole
// server and its clients. Addresses are raw sun_path bytes, so abstract addresses
// (a leading NUL, as uml_mconsole's autobind gives) round-trip exactly.
//
//   socket() -> fd | -errno           bind(fd, path: Buffer | null) -> 0 | -errno
//   sendto(fd, data, addr) -> n | -errno
//   recvfrom(fd) -> [data, addr] | null (nothing waiting) | -errno
//   watch(fd, cb, ref) -> 0           (cb() whenever fd is readable)
//   close(fd) -> 0 | -errno           (stops the watch)
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, #call " failed"); return NULL; } } while (0)

static napi_value num(napi_env env, double v) { napi_value r; napi_create_double(env, v, &r); return r; }

static int get_fd(napi_env env, napi_value v) { int32_t fd = -1; napi_get_value_int32(env, v, &fd); return fd; }

static socklen_t get_addr(napi_env env, napi_value v, struct sockaddr_un *sa) {
  void *data; size_t len;
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if (napi_get_buffer_info(env, v, &data, &len) != napi_ok) return 0;
  if (len > sizeof sa->sun_path) len = sizeof sa->sun_path;
  memcpy(sa->sun_path, data, len);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
}

static napi_value js_socket(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return num(env, fd < 0 ? -errno : fd);
}

static napi_value js_bind(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd = get_fd(env, argv[0]);
  struct sockaddr_un sa;
  socklen_t len = get_addr(env, argv[1], &sa);
  if (len == 0) len = sizeof(sa_family_t); /* autobind: an abstract address */
  return num(env, bind(fd, (struct sockaddr *)&sa, len) < 0 ? -errno : 0);
}

static napi_value js_sendto(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd = get_fd(env, argv[0]);
  void *data; size_t n;
  CHECK(napi_get_buffer_info(env, argv[1], &data, &n));
  struct sockaddr_un sa;
  socklen_t len = get_addr(env, argv[2], &sa);
  ssize_t r = sendto(fd, data, n, 0, (struct sockaddr *)&sa, len);
  return num(env, r < 0 ? -errno : (double)r);
}

static napi_value js_recvfrom(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd = get_fd(env, argv[0]);
  char buf[65536];
  struct sockaddr_un sa;
  socklen_t len = sizeof sa;
  memset(&sa, 0, sizeof sa);
  ssize_t r = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&sa, &len);
  if (r < 0) {
    napi_value nul;
    if (errno == EAGAIN || errno == EWOULDBLOCK) { napi_get_null(env, &nul); return nul; }
    return num(env, -errno);
  }
  size_t alen = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path) : 0;
  napi_value out, d, a;
  CHECK(napi_create_buffer_copy(env, (size_t)r, buf, NULL, &d));
  CHECK(napi_create_buffer_copy(env, alen, sa.sun_path, NULL, &a));
  CHECK(napi_create_array_with_length(env, 2, &out));
  CHECK(napi_set_element(env, out, 0, d));
  CHECK(napi_set_element(env, out, 1, a));
  return out;
}

typedef struct watch { uv_poll_t poll; napi_env env; napi_ref cb; int fd; struct watch *next; } watch_t;
static watch_t *watches = NULL;

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)status; (void)events;
  watch_t *w = (watch_t *)h->data;
  napi_handle_scope scope;
  napi_open_handle_scope(w->env, &scope);
  napi_value cb, global, res;
  napi_get_reference_value(w->env, w->cb, &cb);
  napi_get_global(w->env, &global);
  napi_async_context ctx = NULL;
  napi_value name;
  napi_create_string_utf8(w->env, "unix_dgram", NAPI_AUTO_LENGTH, &name);
  napi_async_init(w->env, NULL, name, &ctx);
  napi_make_callback(w->env, ctx, global, cb, 0, NULL, &res);
  napi_async_destroy(w->env, ctx);
  napi_close_handle_scope(w->env, scope);
}

static napi_value js_watch(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd = get_fd(env, argv[0]);
  bool ref = true;
  if (argc > 2) napi_get_value_bool(env, argv[2], &ref);
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  watch_t *w = calloc(1, sizeof *w);
  w->env = env; w->fd = fd;
  CHECK(napi_create_reference(env, argv[1], 1, &w->cb));
  if (uv_poll_init(loop, &w->poll, fd) != 0) { free(w); return num(env, -EINVAL); }
  w->poll.data = w;
  uv_poll_start(&w->poll, UV_READABLE, on_readable);
  if (!ref) uv_unref((uv_handle_t *)&w->poll);
  w->next = watches; watches = w;
  return num(env, 0);
}

static void on_closed(uv_handle_t *h) { free(h->data); }

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd = get_fd(env, argv[0]);
  for (watch_t **p = &watches; *p; p = &(*p)->next) {
    if ((*p)->fd != fd) continue;
    watch_t *w = *p;
    *p = w->next;
    uv_poll_stop(&w->poll);
    napi_delete_reference(env, w->cb);
    uv_close((uv_handle_t *)&w->poll, on_closed);
    break;
  }
  return num(env, close(fd) < 0 ? -errno : 0);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "socket", NULL, js_socket, NULL, NULL, NULL, napi_default, NULL },
    { "bind", NULL, js_bind, NULL, NULL, NULL, napi_default, NULL },
    { "sendto", NULL, js_sendto, NULL, NULL, NULL, napi_default, NULL },
    { "recvfrom", NULL, js_recvfrom, NULL, NULL, NULL, napi_default, NULL },
    { "watch", NULL, js_watch, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
