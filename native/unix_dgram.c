// AF_UNIX datagram sockets for Node (which has none): just enough for the mconsole
// server and its clients. Addresses are raw sun_path bytes, so abstract addresses
// (a leading NUL, as uml_mconsole's autobind gives) round-trip exactly.
//
//   socket() -> fd | -errno           bind(fd, path: Buffer | null) -> 0 | -errno
//   sendto(fd, data, addr) -> n | -errno
//   recvfrom(fd) -> [data, addr] | null (nothing waiting) | -errno
//   watch(fd, cb, ref) -> 0           (cb(events) whenever fd is readable: events 1)
//   watchEvents(fd, events) -> 0 | -errno (1 readable, 2 writable, 3 both, 0 none: what wakes cb)
//   close(fd) -> 0 | -errno           (stops the watch)
// and for the uml_switch ("daemon") network transport:
//   connect(fd, addr) -> 0 | -errno   (a datagram socket's default destination)
//   send(fd, data) -> n | -errno      (data: any Uint8Array; -EAGAIN when the peer is full)
//   recvInto(fd, buf) -> n | -errno   (one datagram into buf; -EAGAIN when none waits)
//   setBufs(fd, rcv, snd) -> 0 | -errno (SO_RCVBUF / SO_SNDBUF, 0 leaves one alone)
//   ctlConnect(path, request, replyLen, timeoutMs) -> [fd, reply] | -errno
//       a blocking AF_UNIX stream connect that writes `request` and reads exactly
//       replyLen bytes (uml_switch answers a REQ_NEW_CONTROL at once); the fd stays open
//   rxStart/rxRead/rxDropped: a receive thread and ring (rxring.c)
//   inotifyInit/inotifyAdd/inotifyRm/inotifyRead: for hostfs (inotify.c)
// and for the host process itself:
//   mallocTrim() -> 1 | 0             glibc's malloc_trim(0): free heap pages back to the
//                                     host (1 if any went; always 0 without glibc)
//   zeroPages(bytes) -> ArrayBuffer | null  fresh zero pages of its own (mmap), unmapped when
//                                     collected: pages never written cost no host memory
//   dropFilePages() -> bytes          unmap (MADV_DONTNEED) the read-only file pages mapped so
//                                     far (node's binary, libraries): they stay in the page
//                                     cache and fault back in when used; -errno, 0 off Linux
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

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
  watch_t *w = (watch_t *)h->data;
  napi_handle_scope scope;
  napi_open_handle_scope(w->env, &scope);
  napi_value cb, global, res, ev;
  napi_get_reference_value(w->env, w->cb, &cb);
  napi_get_global(w->env, &global);
  napi_create_int32(w->env, status < 0 ? UV_READABLE | UV_WRITABLE : events, &ev);
  napi_async_context ctx = NULL;
  napi_value name;
  napi_create_string_utf8(w->env, "unix_dgram", NAPI_AUTO_LENGTH, &name);
  napi_async_init(w->env, NULL, name, &ctx);
  napi_make_callback(w->env, ctx, global, cb, 1, &ev, &res);
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


static napi_value js_watch_events(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd = get_fd(env, argv[0]);
  int32_t events = UV_READABLE;
  napi_get_value_int32(env, argv[1], &events);
  for (watch_t *w = watches; w; w = w->next)
    if (w->fd == fd) {
      events &= UV_READABLE | UV_WRITABLE;
      if (events == 0) return num(env, uv_poll_stop(&w->poll) == 0 ? 0 : -EINVAL);
      return num(env, uv_poll_start(&w->poll, events, on_readable) == 0 ? 0 : -EINVAL);
    }
  return num(env, -EBADF);
}

static void on_closed(uv_handle_t *h) { free(h->data); }

void rxring_stop(napi_env env, int fd);
void rxring_register(napi_env env, napi_value exports);
void inotify_register(napi_env env, napi_value exports);

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd = get_fd(env, argv[0]);
  rxring_stop(env, fd);
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


/* The bytes of a Buffer or any TypedArray (a Uint8Array from the network stack). */
static int get_bytes(napi_env env, napi_value v, void **data, size_t *len) {
  bool is;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type t; size_t n; napi_value ab; size_t off;
    if (napi_get_typedarray_info(env, v, &t, &n, data, &ab, &off) != napi_ok) return -1;
    *len = n; /* element count: callers pass byte arrays */
    return 0;
  }
  return napi_get_buffer_info(env, v, data, len) == napi_ok ? 0 : -1;
}

static napi_value js_connect(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd = get_fd(env, argv[0]);
  struct sockaddr_un sa;
  socklen_t len = get_addr(env, argv[1], &sa);
  if (len == 0) return num(env, -EINVAL);
  return num(env, connect(fd, (struct sockaddr *)&sa, len) < 0 ? -errno : 0);
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd = get_fd(env, argv[0]);
  void *data; size_t n;
  if (get_bytes(env, argv[1], &data, &n) < 0) return num(env, -EINVAL);
  ssize_t r = send(fd, data, n, MSG_DONTWAIT);
  return num(env, r < 0 ? -errno : (double)r);
}

static napi_value js_recv_into(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd = get_fd(env, argv[0]);
  void *data; size_t n;
  if (get_bytes(env, argv[1], &data, &n) < 0) return num(env, -EINVAL);
  ssize_t r = recv(fd, data, n, MSG_DONTWAIT);
  return num(env, r < 0 ? -errno : (double)r);
}

static napi_value js_set_bufs(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd = get_fd(env, argv[0]);
  int32_t rcv = 0, snd = 0;
  napi_get_value_int32(env, argv[1], &rcv);
  napi_get_value_int32(env, argv[2], &snd);
  if (rcv > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv) < 0) return num(env, -errno);
  if (snd > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd) < 0) return num(env, -errno);
  return num(env, 0);
}

static long long now_ms(void) {
  struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static napi_value js_ctl_connect(napi_env env, napi_callback_info info) {
  size_t argc = 4; napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct sockaddr_un sa;
  socklen_t alen = get_addr(env, argv[0], &sa);
  void *req; size_t reqlen;
  if (alen == 0 || get_bytes(env, argv[1], &req, &reqlen) < 0) return num(env, -EINVAL);
  int32_t want = 0, timeout = 5000;
  napi_get_value_int32(env, argv[2], &want);
  napi_get_value_int32(env, argv[3], &timeout);
  if (want <= 0 || want > 4096) return num(env, -EINVAL);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return num(env, -errno);
  int err = 0;
  char reply[4096];
  size_t got = 0;
  if (connect(fd, (struct sockaddr *)&sa, alen) < 0) err = errno;
  for (size_t off = 0; !err && off < reqlen; ) {
    ssize_t w = write(fd, (char *)req + off, reqlen - off);
    if (w < 0) { if (errno != EINTR) err = errno; } else off += (size_t)w;
  }
  long long deadline = now_ms() + timeout;
  while (!err && got < (size_t)want) {
    long long left = deadline - now_ms();
    if (left <= 0) { err = ETIMEDOUT; break; }
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int pr = poll(&p, 1, (int)left);
    if (pr < 0) { if (errno != EINTR) err = errno; continue; }
    if (pr == 0) continue;
    ssize_t r = read(fd, reply + got, (size_t)want - got);
    if (r < 0) { if (errno != EINTR && errno != EAGAIN) err = errno; }
    else if (r == 0) err = ECONNRESET; /* the switch closed: it refused the request */
    else got += (size_t)r;
  }
  if (err) { close(fd); return num(env, -err); }
  napi_value out, d;
  CHECK(napi_create_buffer_copy(env, got, reply, NULL, &d));
  CHECK(napi_create_array_with_length(env, 2, &out));
  CHECK(napi_set_element(env, out, 0, num(env, fd)));
  CHECK(napi_set_element(env, out, 1, d));
  return out;
}

static napi_value js_malloc_trim(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef __GLIBC__
  return num(env, malloc_trim(0));
#else
  return num(env, 0);
#endif
}

// dropFilePages(): drop this process's page-table entries for the read-only private file
// mappings that hold no private (copied) page: node's binary and the shared libraries,
// whose pages stay in the host's page cache and are mapped again when next touched.
static napi_value js_drop_file_pages(napi_env env, napi_callback_info info) {
  (void)info;
  double total = 0;
#ifdef __linux__
  FILE *f = fopen("/proc/self/smaps", "r");
  if (f == NULL) return num(env, -errno);
  char line[512];
  unsigned long lo = 0, hi = 0, anon = 1;
  int cand = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    unsigned long a, b, kb;
    char perm[8];
    int pathAt = 0;
    if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &a, &b, perm, &pathAt) == 3 && pathAt > 0) {
      // A mapping's first line: a candidate when private, not writable and of a file.
      cand = perm[1] != 'w' && perm[3] == 'p' && line[pathAt] == '/';
      lo = a; hi = b; anon = 1;
    } else if (cand && sscanf(line, "Anonymous: %lu kB", &kb) == 1) {
      anon = kb;
    } else if (cand && sscanf(line, "Swap: %lu kB", &kb) == 1) {
      // No copied page, resident or swapped out (a RELRO section written before it
      // became read-only has some): dropping the mapping's pages loses nothing.
      if (anon == 0 && kb == 0 && madvise((void *)lo, hi - lo, MADV_DONTNEED) == 0) total += (double)(hi - lo);
      cand = 0;
    }
  }
  fclose(f);
#endif
  return num(env, total);
}

static void unmap_pages(napi_env env, void *data, void *hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

static napi_value js_zero_pages(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  double n = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_double(env, argv[0], &n) != napi_ok || !(n > 0) || n > (double)(1u << 30)) {
    CHECK(napi_get_null(env, &out));
    return out;
  }
  size_t len = (size_t)n;
  void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) { CHECK(napi_get_null(env, &out)); return out; }
  if (napi_create_external_arraybuffer(env, p, len, unmap_pages, (void *)(uintptr_t)len, &out) != napi_ok) {
    munmap(p, len);
    CHECK(napi_get_null(env, &out));
  }
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "socket", NULL, js_socket, NULL, NULL, NULL, napi_default, NULL },
    { "bind", NULL, js_bind, NULL, NULL, NULL, napi_default, NULL },
    { "sendto", NULL, js_sendto, NULL, NULL, NULL, napi_default, NULL },
    { "recvfrom", NULL, js_recvfrom, NULL, NULL, NULL, napi_default, NULL },
    { "watch", NULL, js_watch, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL },
    { "watchEvents", NULL, js_watch_events, NULL, NULL, NULL, napi_default, NULL },
    { "connect", NULL, js_connect, NULL, NULL, NULL, napi_default, NULL },
    { "send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL },
    { "recvInto", NULL, js_recv_into, NULL, NULL, NULL, napi_default, NULL },
    { "setBufs", NULL, js_set_bufs, NULL, NULL, NULL, napi_default, NULL },
    { "ctlConnect", NULL, js_ctl_connect, NULL, NULL, NULL, napi_default, NULL },
    { "mallocTrim", NULL, js_malloc_trim, NULL, NULL, NULL, napi_default, NULL },
    { "dropFilePages", NULL, js_drop_file_pages, NULL, NULL, NULL, napi_default, NULL },
    { "zeroPages", NULL, js_zero_pages, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  rxring_register(env, exports);
  inotify_register(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
