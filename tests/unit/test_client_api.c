/* Unit tests of the client API without a server: options and their
 * defaults, the reconnection backoff, URLs, namespace sockets, the offline
 * emit buffer, its bound and its absence, ack callbacks that run
 * exactly once (timeout, cancel), reconnection events against a refused
 * port, a close that never reconnects and leaves the loop closable, and
 * the simple client's failed connect, and the simple client surviving a
 * server that closes while its replies are still being written. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <uv.h>

#include "client/client_opts.h"
#include "sio/client.h"
#include "ws/ws_handshake.h"

/* A port on 127.0.0.1 where nobody listens (bound, then closed). */
static int dead_port(void) {
  uv_loop_t loop;
  uv_tcp_t t;
  struct sockaddr_in a;
  uv_loop_init(&loop);
  uv_tcp_init(&loop, &t);
  uv_ip4_addr("127.0.0.1", 0, &a);
  assert_int_equal(uv_tcp_bind(&t, (const struct sockaddr *)&a, 0), 0);
  struct sockaddr_storage ss;
  int len = sizeof(ss);
  uv_tcp_getsockname(&t, (struct sockaddr *)&ss, &len);
  int port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
  uv_close((uv_handle_t *)&t, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return port;
}

static void test_opts(void **state) {
  (void)state;
  sio_client_opts_t *o = sio_client_opts_new();
  assert_non_null(o);
  /* socket.io-client 4.8's defaults */
  assert_int_equal(o->mode, SIO_TRANSPORT_POLLING_UPGRADE);
  assert_int_equal(o->delay, 1000);
  assert_int_equal(o->delay_max, 5000);
  assert_true(o->randomization == 0.5);
  assert_int_equal(o->attempts, 0); /* unlimited */
  assert_int_equal(o->reconnection, 1);
  assert_int_equal(o->timeout, 20000);
  assert_int_equal(o->max_buffered, 1000);
  /* the server's write-queue cap; 0 would mean none, so it is ignored */
  assert_int_equal(o->max_write_queue, 4 * 1024 * 1024);
  assert_int_equal(o->max_receive_queue, 16 * 1024 * 1024);
  sio_client_opts_set_max_write_queue(o, 0);
  sio_client_opts_set_max_receive_queue(o, 0);
  assert_int_equal(o->max_write_queue, 4 * 1024 * 1024);
  assert_int_equal(o->max_receive_queue, 16 * 1024 * 1024);
  sio_client_opts_set_max_write_queue(o, 65536);
  sio_client_opts_set_max_receive_queue(o, 1000);
  assert_int_equal(o->max_write_queue, 65536);
  assert_int_equal(o->max_receive_queue, 1000);
  sio_client_opts_set_max_write_queue(o, SIO_CLIENT_DEFAULT_MAX_WRITE_QUEUE);
  sio_client_opts_set_max_receive_queue(o, SIO_CLIENT_DEFAULT_MAX_RECEIVE_QUEUE);
  assert_null(o->path); /* "/socket.io/" */
  assert_int_equal(sio_client_opts_set_path(o, "/x"), 0);
  assert_string_equal(o->path, "/x/");
  assert_int_equal(sio_client_opts_set_path(o, "x"), SIO_EINVAL);
  assert_int_equal(sio_client_opts_add_header(o, "X-A", "1\r\nEvil: 1"), SIO_EINVAL);
  assert_int_equal(sio_client_opts_add_header(o, "X-A", "1"), 0);
  assert_int_equal(sio_client_opts_add_query(o, "k y", "a&b"), 0);
  assert_memory_equal(sio__sb_data(&o->query), "&k%20y=a%26b", 12);
  sio_client_opts_set_reconnection_delay(o, 300, 100); /* max below min: clamped */
  assert_int_equal(o->delay_max, 300);
  sio_client_opts_free(o);
}

static void test_urls(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  sio_client_t *c = NULL;
  assert_int_equal(sio_client_new(&loop, "ftp://127.0.0.1:1", NULL, &c), SIO_EINVAL);
  assert_int_equal(sio_client_new(&loop, "http://127.0.0.1:99999", NULL, &c), SIO_EINVAL);
  assert_int_equal(sio_client_new(&loop, "http://127.0.0.1:12x", NULL, &c), SIO_EINVAL);
  assert_int_equal(sio_client_new(&loop, "http://[::1", NULL, &c), SIO_EINVAL);
  const char *good[] = {"http://127.0.0.1:3000", "ws://localhost:1/", "http://[::1]:80/x",
                        "127.0.0.1:5"};
  for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
    assert_int_equal(sio_client_new(&loop, good[i], NULL, &c), 0);
    assert_null(sio_client_transport(c));
    assert_null(sio_client_sid(c));
    sio_client_close(c, NULL, NULL);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* The reconnection delays, computed as socket.io-client's Backoff does
 * (exact values for chosen random draws u, then bounds for many draws). */
static void test_backoff(void **state) {
  (void)state;
  sio_client_opts_t *o = sio_client_opts_new();
  /* defaults: 1 s doubling, +-50 %, capped at 5 s */
  assert_int_equal(sio__client_backoff(o, 1, 0.0), 1000);
  assert_int_equal(sio__client_backoff(o, 1, 0.875),
                   1000 - 437); /* floor(8.75) even: - */
  assert_int_equal(sio__client_backoff(o, 1, 0.96875),
                   1000 + 484); /* floor(9.69) odd: + */
  assert_int_equal(sio__client_backoff(o, 2, 0.125), 2000 + 125);
  assert_int_equal(sio__client_backoff(o, 3, 0.25), 4000 - 500);
  assert_int_equal(sio__client_backoff(o, 3, 0.75), 5000); /* 5500, capped */
  assert_int_equal(sio__client_backoff(o, 40, 0.875), 5000);
  assert_int_equal(sio__client_backoff(o, UINT32_MAX, 0.875), 5000);
  for (uint32_t a = 1; a <= 100; a++) {
    for (int k = 0; k < 64; k++) {
      double u = k / 64.0;
      uint64_t ms = sio__client_backoff(o, a, u);
      double base = a < 20 ? 1000.0 * (double)(1u << (a - 1)) : 1e12;
      assert_true(ms <= 5000);
      assert_true((double)ms >= (base * 0.5 < 5000 ? base * 0.5 : 5000) - 1);
      if (a == 1) assert_true(ms >= 500 && ms <= 1500);
    }
  }
  /* no randomization: exactly exponential */
  sio_client_opts_set_randomization(o, 0);
  uint64_t want[] = {1000, 2000, 4000, 5000, 5000};
  for (uint32_t a = 1; a <= 5; a++)
    assert_int_equal(sio__client_backoff(o, a, 0.99), want[a - 1]);
  sio_client_opts_set_reconnection_delay(o, 100, 250);
  assert_int_equal(sio__client_backoff(o, 1, 0.5), 100);
  assert_int_equal(sio__client_backoff(o, 3, 0.5), 250);
  sio_client_opts_free(o);
}

typedef struct {
  int acks, last_status, closed, errors, attempts, failed, reconnect_errors, after_close;
  int connect_errors;
} counts_t;

static void on_ack(sio_client_socket_t *s, int status, const sio_argv_t *reply,
                   void *arg) {
  (void)s, (void)reply;
  counts_t *k = arg;
  k->acks++;
  k->last_status = status;
}

static void on_closed(sio_client_t *c, void *arg) {
  (void)c;
  counts_t *k = arg;
  k->closed++;
}

static void on_event(sio_client_t *c, sio_client_event_t ev, int value,
                     const char *reason, void *arg) {
  (void)c, (void)value, (void)reason;
  counts_t *k = arg;
  if (k->closed) k->after_close++;
  if (ev == SIO_CLIENT_ERROR) k->errors++;
  if (ev == SIO_CLIENT_RECONNECT_ATTEMPT) k->attempts++;
  if (ev == SIO_CLIENT_RECONNECT_ERROR) k->reconnect_errors++;
  if (ev == SIO_CLIENT_RECONNECT_FAILED) k->failed++;
}

static void on_connect_error(sio_client_socket_t *s, const char *m, const char *d,
                             void *arg) {
  (void)s, (void)m, (void)d;
  counts_t *k = arg;
  k->connect_errors++;
}

static void ignore_event(sio_client_socket_t *s, const char *event,
                         const sio_argv_t *args, sio_client_ack_t *ack, void *arg) {
  (void)s, (void)event, (void)args, (void)ack, (void)arg;
}

static void test_sockets_and_buffer(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", dead_port());
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_max_buffered(o, 2);
  sio_client_opts_set_reconnection(o, 0);
  sio_client_t *c;
  assert_int_equal(sio_client_new(&loop, url, o, &c), 0);
  sio_client_opts_free(o);
  assert_null(sio_client_socket(c, "chat"));
  sio_client_socket_t *s = sio_client_socket(c, "/");
  assert_non_null(s);
  assert_ptr_equal(sio_client_socket(c, "/"), s);
  assert_string_equal(sio_client_socket_nsp(s), "/");
  assert_int_equal(sio_client_socket_set_auth(s, "[1]"), SIO_EINVAL);
  assert_int_equal(sio_client_socket_set_auth(s, "{\"a\":1}"), 0);
  /* Not connecting: nothing is buffered. */
  assert_int_equal(sio_client_socket_emit(s, "x", NULL), SIO_ENOTCONN);
  assert_int_equal(sio_client_socket_connect(s), 0);
  assert_int_equal(sio_client_socket_emit(s, "connect", NULL), SIO_EINVAL);
  counts_t k = {0};
  assert_int_equal(sio_client_socket_emit_with_ack(s, "x", NULL, 0, on_ack, &k), 0);
  assert_int_equal(sio_client_socket_emit(s, "y", NULL), 0);
  assert_int_equal(sio_client_socket_emit(s, "z", NULL), SIO_ELIMIT);
  assert_int_equal(sio_client_socket_connected(s), 0);
  assert_null(sio_client_socket_id(s));
  /* off matches cb and arg together, as the server's sio_socket_off. */
  int x1, x2;
  assert_int_equal(sio_client_socket_on(s, "e", ignore_event, &x1), 0);
  assert_int_equal(sio_client_socket_on(s, "e", ignore_event, &x2), 0);
  assert_int_equal(sio_client_socket_off(s, "e", ignore_event, &x2), 1);
  assert_int_equal(sio_client_socket_off(s, "e", ignore_event, &x2), 0);
  assert_int_equal(sio_client_socket_off(s, "e", NULL, NULL), 1);
  sio_client_close(c, on_closed, &k);
  /* The pending ack is cancelled by the close, exactly once. */
  assert_int_equal(k.acks, 1);
  assert_int_equal(k.last_status, SIO_ECANCELED);
  sio_client_close(c, on_closed, &k); /* idempotent */
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(k.closed, 1);
  assert_int_equal(k.acks, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* More emits buffered than the buffer's first array holds: the array moves,
 * and every buffered packet (its message pointers inline) moves with it, so
 * the close frees each one cleanly (a moved packet used to free a pointer into
 * the old array). */
static void test_buffer_grows(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", dead_port());
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_reconnection(o, 0);
  sio_client_t *c;
  assert_int_equal(sio_client_new(&loop, url, o, &c), 0);
  sio_client_opts_free(o);
  sio_client_socket_t *s = sio_client_socket(c, "/");
  assert_non_null(s);
  assert_int_equal(sio_client_socket_connect(s), 0);
  sio_args_t *a = sio_args_new();
  assert_non_null(a);
  for (int i = 0; i < 40; i++) {
    sio_args_clear(a);
    assert_int_equal(sio_args_add_int(a, i), 0);
    assert_int_equal(sio_client_socket_emit(s, "n", a), 0);
  }
  sio_args_free(a);
  counts_t k = {0};
  sio_client_close(c, on_closed, &k);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(k.closed, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* Buffering off (max 0): emits while not connected fail at once, and an
 * emit with an ack that failed never runs its callback. */
static void test_no_buffer(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", dead_port());
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_max_buffered(o, 0);
  sio_client_opts_set_reconnection(o, 0);
  sio_client_t *c;
  assert_int_equal(sio_client_new(&loop, url, o, &c), 0);
  sio_client_opts_free(o);
  sio_client_socket_t *s = sio_client_socket(c, "/");
  assert_int_equal(sio_client_socket_connect(s), 0);
  counts_t k = {0};
  assert_int_equal(sio_client_socket_emit(s, "x", NULL), SIO_ENOTCONN);
  assert_int_equal(sio_client_socket_emit_with_ack(s, "x", NULL, 10, on_ack, &k),
                   SIO_ENOTCONN);
  sio_client_close(c, on_closed, &k);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(k.acks, 0);
  assert_int_equal(k.closed, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_ack_timeout_offline(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", dead_port());
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_reconnection_delay(o, 5000, 5000);
  sio_client_t *c;
  assert_int_equal(sio_client_new(&loop, url, o, &c), 0);
  sio_client_opts_free(o);
  sio_client_socket_t *s = sio_client_socket(c, "/");
  counts_t k = {0};
  sio_client_socket_connect(s);
  assert_int_equal(sio_client_socket_emit_with_ack(s, "x", NULL, 20, on_ack, &k), 0);
  while (k.acks == 0) uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(k.last_status, SIO_ETIMEDOUT);
  /* The client now waits 5 s to reconnect: the close must cancel that. */
  sio_client_close(c, on_closed, &k);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(k.acks, 1);
  assert_int_equal(k.closed, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_reconnect_attempts_then_give_up(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", dead_port());
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_reconnection_delay(o, 10, 20);
  sio_client_opts_set_reconnection_attempts(o, 2);
  sio_client_opts_set_transports(o, SIO_TRANSPORT_WEBSOCKET);
  sio_client_t *c;
  assert_int_equal(sio_client_new(&loop, url, o, &c), 0);
  sio_client_opts_free(o);
  counts_t k = {0};
  sio_client_on_event(c, on_event, &k);
  sio_client_socket_t *s = sio_client_socket(c, "/");
  sio_client_socket_on_connect_error(s, on_connect_error, &k);
  sio_client_socket_connect(s);
  /* Nothing is active once the client gave up: uv_run returns. */
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(k.errors, 1);
  assert_int_equal(k.attempts, 2);
  assert_int_equal(k.reconnect_errors, 2);
  assert_int_equal(k.failed, 1);
  assert_int_equal(k.connect_errors, 3);
  sio_client_close(c, on_closed, &k);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(k.closed, 1);
  assert_int_equal(k.after_close, 0);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* The simple client against a refused port: the connect times out and
 * everything (thread, loop, client) is gone after; bad arguments. */
static void test_simple_offline(void **state) {
  (void)state;
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", dead_port());
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_reconnection_delay(o, 10, 20);
  sio_simple_t *sc = (sio_simple_t *)1;
  assert_int_equal(sio_simple_connect(url, "/", NULL, o, 200, &sc), SIO_ETIMEDOUT);
  assert_int_equal(sio_simple_connect("ftp://127.0.0.1:1", NULL, NULL, o, 200, &sc),
                   SIO_EINVAL);
  assert_int_equal(sio_simple_connect(url, "nope", NULL, o, 200, &sc), SIO_EINVAL);
  assert_int_equal(sio_simple_connect(NULL, NULL, NULL, o, 200, &sc), SIO_EINVAL);
  sio_client_opts_free(o);
  assert_int_equal(sio_simple_connected(NULL), 0);
  assert_int_equal(sio_simple_dropped(NULL), 0);
  char buf[8];
  assert_int_equal(sio_simple_sid(NULL, buf, sizeof(buf)), SIO_EINVAL);
  sio_simple_disconnect(NULL);
}

/* ---- a server gone while the client still answers it ----
 * A plain-socket Engine.IO server on a thread: the WebSocket handshake, the
 * open packet, the namespace CONNECT accepted, then far more ping frames
 * than one read of the client takes (64 KiB), and the socket closed at
 * once (FIN, then an RST for anything the client still sends). The client
 * takes them in several reads and answers with pongs in several writes
 * (one flush a read, at most 64 frames a writev): the write after the RST
 * must fail with EPIPE, not raise a SIGPIPE that ends the whole process
 * from the client's own thread (the kind of silent death seen in CI). */
#define FLOOD_PINGS 40000

typedef struct {
  int lfd, port, served;
  uv_sem_t go; /* posted once the client's connect() returned */
} flood_srv_t;

static int send_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n > 0) {
    ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
    if (w <= 0) return -1;
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

static int recv_all(int fd, void *p, size_t n) {
  char *c = p;
  while (n > 0) {
    ssize_t r = recv(fd, c, n, 0);
    if (r <= 0) return -1;
    c += r;
    n -= (size_t)r;
  }
  return 0;
}

/* One unmasked text frame of a short payload (< 126 bytes) into out. */
static size_t text_frame(uint8_t *out, const char *payload) {
  size_t n = strlen(payload);
  out[0] = 0x81;
  out[1] = (uint8_t)n;
  memcpy(out + 2, payload, n);
  return n + 2;
}

static void flood_main(void *arg) {
  flood_srv_t *f = arg;
  struct timeval tv = {5, 0}; /* nothing here waits for ever */
  setsockopt(f->lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  int fd = accept(f->lfd, NULL, NULL);
  if (fd < 0) {
    uv_sem_wait(&f->go);
    return;
  }
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  char req[4096];
  size_t len = 0;
  while (len + 1 < sizeof(req)) {
    ssize_t r = recv(fd, req + len, sizeof(req) - 1 - len, 0);
    if (r <= 0) break;
    len += (size_t)r;
    req[len] = 0;
    if (strstr(req, "\r\n\r\n")) break;
  }
  req[len] = 0;
  char *key = strcasestr(req, "sec-websocket-key:");
  uint8_t *buf = NULL;
  if (!key) goto out;
  key += 18;
  while (*key == ' ') key++;
  size_t klen = strcspn(key, "\r\n");
  char accept_key[29];
  sio__ws_accept_key(key, klen, accept_key);
  char head[256];
  int hn = snprintf(head, sizeof(head),
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                    accept_key);
  uint8_t fr[160];
  size_t fn = text_frame(fr, "0{\"sid\":\"s1\",\"upgrades\":[],\"pingInterval\":25000,"
                             "\"pingTimeout\":20000,\"maxPayload\":1000000}");
  if (send_all(fd, head, (size_t)hn) || send_all(fd, fr, fn)) goto out;
  /* The namespace CONNECT: one small masked frame, read and dropped. */
  uint8_t h[2], rest[4 + 125];
  if (recv_all(fd, h, 2) || (h[1] & 0x7f) >= 126 || recv_all(fd, rest, 4 + (h[1] & 0x7f)))
    goto out;
  uint8_t ok[32];
  if (send_all(fd, ok, text_frame(ok, "40{\"sid\":\"n1\"}"))) goto out;
  /* The flood once connect() is back (the session it ends must not end the
   * connect wait first). */
  uv_sem_wait(&f->go);
  buf = malloc((size_t)FLOOD_PINGS * 3);
  if (!buf) goto out;
  size_t n = 0;
  for (int i = 0; i < FLOOD_PINGS; i++) n += text_frame(buf + n, "2");
  if (send_all(fd, buf, n)) goto out;
  f->served = 1;
out:
  free(buf);
  /* At once: the FIN after the pings, then an RST for whatever the client
   * sends from now on. */
  shutdown(fd, SHUT_WR);
  close(fd);
}

static void test_simple_server_gone_while_answering(void **state) {
  (void)state;
  /* SIGPIPE at its default, as an application may have it (libsio ignores it
   * only when it finds the default at its start): the client's thread must
   * not take it anyway. */
  struct sigaction dfl, old;
  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  assert_int_equal(sigaction(SIGPIPE, &dfl, &old), 0);
  flood_srv_t f = {.lfd = socket(AF_INET, SOCK_STREAM, 0)};
  assert_true(f.lfd >= 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(f.lfd, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(listen(f.lfd, 4), 0);
  socklen_t al = sizeof(a);
  getsockname(f.lfd, (struct sockaddr *)&a, &al);
  f.port = ntohs(a.sin_port);
  assert_int_equal(uv_sem_init(&f.go, 0), 0);
  uv_thread_t th;
  assert_int_equal(uv_thread_create(&th, flood_main, &f), 0);

  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", f.port);
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_transports(o, SIO_TRANSPORT_WEBSOCKET);
  sio_client_opts_set_reconnection(o, 0);
  sio_simple_t *sc = NULL;
  int rc = sio_simple_connect(url, "/", NULL, o, 5000, &sc);
  sio_client_opts_free(o);
  uv_sem_post(&f.go);
  uv_thread_join(&th);
  uv_sem_destroy(&f.go);
  close(f.lfd);
  assert_int_equal(rc, 0);
  assert_true(f.served);
  /* Still alive: the client saw the server go (bounded wait). */
  sio_simple_msg_t *m = NULL;
  for (int i = 0; i < 100 && sio_simple_connected(sc); i++) {
    if (sio_simple_receive(sc, 100, &m) == 0) sio_simple_msg_free(m);
  }
  assert_int_equal(sio_simple_connected(sc), 0);
  sio_simple_disconnect(sc);
  sigaction(SIGPIPE, &old, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_opts),
      cmocka_unit_test(test_urls),
      cmocka_unit_test(test_backoff),
      cmocka_unit_test(test_sockets_and_buffer),
      cmocka_unit_test(test_buffer_grows),
      cmocka_unit_test(test_no_buffer),
      cmocka_unit_test(test_ack_timeout_offline),
      cmocka_unit_test(test_reconnect_attempts_then_give_up),
      cmocka_unit_test(test_simple_offline),
      cmocka_unit_test(test_simple_server_gone_while_answering),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
