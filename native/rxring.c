// A receive thread for a datagram socket: it reads datagrams as they arrive into a ring
// in memory, so that the socket's own small queue (AF_UNIX datagram sockets hold ~100
// frames of the sender's buffer; uml_switch drops frames a full port cannot take) never
// fills while the JS thread is busy running guests. The JS thread takes frames out
// whenever it likes; an uv_async wakes it when the ring goes from empty to not empty.
//
//   rxStart(fd, cb, ringBytes) -> 0 | -errno   (cb() runs on the JS thread: frames wait)
//   rxRead(fd, buf) -> n | -EAGAIN             (the next frame into buf; -EMSGSIZE if it
//                                              does not fit, and the frame is dropped)
//   rxDropped(fd) -> frames dropped because the ring was full
// rxring_stop(fd) ends the thread (close() in unix_dgram.c calls it).
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef struct rx {
  int fd;
  uint8_t *ring;
  size_t cap;                /* a power of two */
  _Atomic size_t head, tail; /* bytes written (thread) and consumed (JS), free-running */
  _Atomic int stop;
  _Atomic uint64_t dropped;
  pthread_t thread;
  uv_async_t async;
  napi_env env;
  napi_ref cb;
  struct rx *next;
} rx_t;

static rx_t *rxs = NULL;

static napi_value num(napi_env env, double v) { napi_value r; napi_create_double(env, v, &r); return r; }
static rx_t *find(int fd) { for (rx_t *r = rxs; r; r = r->next) if (r->fd == fd) return r; return NULL; }

/* Copy len bytes into / out of the ring at a free-running position (wrapping). */
static void ring_put(rx_t *r, size_t pos, const void *src, size_t len) {
  size_t o = pos & (r->cap - 1), first = r->cap - o < len ? r->cap - o : len;
  memcpy(r->ring + o, src, first);
  memcpy(r->ring, (const uint8_t *)src + first, len - first);
}
static void ring_get(rx_t *r, size_t pos, void *dst, size_t len) {
  size_t o = pos & (r->cap - 1), first = r->cap - o < len ? r->cap - o : len;
  memcpy(dst, r->ring + o, first);
  memcpy((uint8_t *)dst + first, r->ring, len - first);
}

static void *reader(void *arg) {
  rx_t *r = arg;
  uint8_t buf[65536];
  while (!atomic_load(&r->stop)) {
    /* The socket is non-blocking (the JS thread sends on it): wait here instead, with a
       timeout so that a stop is seen even if nothing wakes the poll. */
    struct pollfd p = { .fd = r->fd, .events = POLLIN };
    if (poll(&p, 1, 250) <= 0) continue;
    ssize_t n = recv(r->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (atomic_load(&r->stop)) break;
    if (n < 0) { if (errno == EINTR || errno == EAGAIN) continue; break; }
    uint32_t len = (uint32_t)n;
    size_t need = 4 + ((len + 3) & ~3u);
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (r->cap - (head - tail) < need) { atomic_fetch_add(&r->dropped, 1); continue; }
    ring_put(r, head, &len, 4);
    ring_put(r, head + 4, buf, len);
    atomic_store_explicit(&r->head, head + need, memory_order_release);
    uv_async_send(&r->async); /* wake the JS thread (coalesced while one is pending) */
  }
  return NULL;
}

static void on_async(uv_async_t *h) {
  rx_t *r = h->data;
  napi_handle_scope scope;
  napi_open_handle_scope(r->env, &scope);
  napi_value cb, global, res, name;
  napi_get_reference_value(r->env, r->cb, &cb);
  napi_get_global(r->env, &global);
  napi_async_context ctx = NULL;
  napi_create_string_utf8(r->env, "unix_dgram_rx", NAPI_AUTO_LENGTH, &name);
  napi_async_init(r->env, NULL, name, &ctx);
  napi_make_callback(r->env, ctx, global, cb, 0, NULL, &res);
  napi_async_destroy(r->env, ctx);
  napi_close_handle_scope(r->env, scope);
}

static napi_value js_rx_start(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) return num(env, -EINVAL);
  int32_t fd = -1, bytes = 0;
  napi_get_value_int32(env, argv[0], &fd);
  napi_get_value_int32(env, argv[2], &bytes);
  if (fd < 0 || find(fd)) return num(env, -EINVAL);
  size_t cap = 1 << 16;
  while (cap < (size_t)bytes && cap < ((size_t)1 << 28)) cap <<= 1;
  rx_t *r = calloc(1, sizeof *r);
  if (!r) return num(env, -ENOMEM);
  r->ring = malloc(cap);
  if (!r->ring) { free(r); return num(env, -ENOMEM); }
  r->fd = fd; r->cap = cap; r->env = env;
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  napi_create_reference(env, argv[1], 1, &r->cb);
  uv_async_init(loop, &r->async, on_async);
  r->async.data = r;
  if (pthread_create(&r->thread, NULL, reader, r) != 0) {
    napi_delete_reference(env, r->cb);
    uv_close((uv_handle_t *)&r->async, NULL);
    free(r->ring); free(r);
    return num(env, -EAGAIN);
  }
  r->next = rxs; rxs = r;
  return num(env, 0);
}

static napi_value js_rx_read(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) return num(env, -EINVAL);
  int32_t fd = -1;
  napi_get_value_int32(env, argv[0], &fd);
  rx_t *r = find(fd);
  if (!r) return num(env, -EBADF);
  napi_typedarray_type t; size_t n; void *data; napi_value ab; size_t off;
  if (napi_get_typedarray_info(env, argv[1], &t, &n, &data, &ab, &off) != napi_ok) return num(env, -EINVAL);
  size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
  if (head == tail) return num(env, -EAGAIN);
  uint32_t len;
  ring_get(r, tail, &len, 4);
  int res = (int)len;
  if (len <= n) ring_get(r, tail + 4, data, len); else res = -EMSGSIZE;
  atomic_store_explicit(&r->tail, tail + 4 + ((len + 3) & ~3u), memory_order_release);
  return num(env, res);
}

static napi_value js_rx_dropped(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return num(env, -EINVAL);
  int32_t fd = -1;
  napi_get_value_int32(env, argv[0], &fd);
  rx_t *r = find(fd);
  return num(env, r ? (double)atomic_load(&r->dropped) : 0);
}

static void on_async_closed(uv_handle_t *h) {
  rx_t *r = h->data;
  free(r->ring); free(r);
}

/* Stop fd's reader thread, if it has one: shutdown() wakes its blocking recv. */
void rxring_stop(napi_env env, int fd) {
  for (rx_t **p = &rxs; *p; p = &(*p)->next) {
    if ((*p)->fd != fd) continue;
    rx_t *r = *p;
    *p = r->next;
    atomic_store(&r->stop, 1);
    shutdown(fd, SHUT_RDWR);
    pthread_join(r->thread, NULL);
    napi_delete_reference(env, r->cb);
    uv_close((uv_handle_t *)&r->async, on_async_closed);
    return;
  }
}

void rxring_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "rxStart", NULL, js_rx_start, NULL, NULL, NULL, napi_default, NULL },
    { "rxRead", NULL, js_rx_read, NULL, NULL, NULL, napi_default, NULL },
    { "rxDropped", NULL, js_rx_dropped, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
