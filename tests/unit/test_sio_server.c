/* Unit tests for the Socket.IO server's lifecycle: close is asynchronous,
 * idempotent and leaves no handle behind (uv_loop_close() == 0), also with a
 * live session (its socket gets "server shutting down") and when attached to
 * an HTTP server; the thread-safe post runs every accepted function in order
 * and refuses new ones once closing; a server on a loop of its own runs with
 * sio_server_run() (uv_stop hands control back, the close frees the loop);
 * the options' defaults are the reference's. A blocking HTTP client in a
 * thread plays the Engine.IO polling client. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "sio/sio_internal.h"

typedef struct {
  int closed;
  int close_calls;
  int posts;
  int post_order_ok;
  int connections;
  char reason[64];
  char body[512];
  int port;
  sio_server_t *srv;
} ctx_t;

static void on_closed(sio_server_t *s, void *arg) {
  (void)s;
  ctx_t *c = arg;
  c->closed++;
}

static void never_called(sio_server_t *s, void *arg) {
  (void)s;
  (void)arg;
  fail_msg("a second close ran its callback");
}

static void test_new_listen_close(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_server_t *s;
  assert_int_equal(sio_server_new(&loop, NULL, &s), 0);
  assert_int_equal(sio_server_listen(s, "127.0.0.1", 0), 0);
  assert_true(sio_server_port(s) > 0);
  assert_non_null(sio_server_of(s, "/chat"));
  assert_null(sio_server_of(s, "chat"));
  ctx_t c = {0};
  sio_server_close(s, on_closed, &c);
  sio_server_close(s, never_called, NULL);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(c.closed, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void http_closed(sio_http_server_t *h, void *arg) {
  (void)h;
  ((ctx_t *)arg)->closed++;
}

static void sio_closed_then_http(sio_server_t *s, void *arg) {
  ctx_t *c = arg;
  c->closed++;
  sio_http_server_close(sio_server_http(s), http_closed, c);
}

static void test_attach_close(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_http_server_t *http;
  assert_int_equal(sio_http_server_new(&loop, NULL, &http), 0);
  sio_server_t *s;
  sio_server_opts_t *o = sio_server_opts_new();
  assert_int_equal(sio_server_opts_set_path(o, "/rt"), 0);
  assert_int_equal(sio_server_attach(http, o, &s), 0);
  sio_server_opts_free(o);
  /* The same path cannot be mounted twice. */
  sio_server_t *s2;
  o = sio_server_opts_new();
  sio_server_opts_set_path(o, "/rt/");
  assert_int_equal(sio_server_attach(http, o, &s2), SIO_EEXIST);
  sio_server_opts_free(o);
  assert_int_equal(sio_server_listen(s, "127.0.0.1", 0), SIO_EINVAL);
  ctx_t c = {0};
  sio_server_close(s, sio_closed_then_http, &c);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(c.closed, 2);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* ---- post ---- */

typedef struct {
  ctx_t *c;
  int i;
} post_arg_t;

static void posted(sio_server_t *s, void *arg) {
  post_arg_t *p = arg;
  if (p->i != p->c->posts) p->c->post_order_ok = 0;
  p->c->posts++;
  if (p->c->posts == 1000) sio_server_close(s, on_closed, p->c);
  free(p);
}

static void *poster(void *arg) {
  ctx_t *c = arg;
  for (int i = 0; i < 1000; i++) {
    post_arg_t *p = malloc(sizeof(*p));
    p->c = c;
    p->i = i;
    if (sio_server_post(c->srv, posted, p) != 0) {
      free(p);
      break;
    }
  }
  return NULL;
}

static void test_post_from_thread(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  ctx_t c = {0};
  c.post_order_ok = 1;
  assert_int_equal(sio_server_new(&loop, NULL, &c.srv), 0);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, poster, &c), 0);
  /* The loop lives until the 1000th post closes the server. */
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  pthread_join(th, NULL);
  assert_int_equal(c.posts, 1000);
  assert_true(c.post_order_ok);
  assert_int_equal(c.closed, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void noop_post(sio_server_t *s, void *arg) {
  (void)s;
  (*(int *)arg)++;
}

static void close_in_post(sio_server_t *s, void *arg) {
  ctx_t *c = arg;
  sio_server_close(s, on_closed, c);
  int dummy = 0;
  assert_int_equal(sio_server_post(s, noop_post, &dummy), SIO_ECLOSED);
}

static void test_post_after_close(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  ctx_t c = {0};
  assert_int_equal(sio_server_new(&loop, NULL, &c.srv), 0);
  int ran = 0;
  assert_int_equal(sio_server_post(c.srv, close_in_post, &c), 0);
  assert_int_equal(sio_server_post(c.srv, noop_post, &ran), 0); /* accepted before */
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(ran, 1);
  assert_int_equal(c.closed, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* ---- a live session closed by the server ---- */

/* One HTTP/1.1 request on a new connection (Connection: close); returns the
 * body in out (NUL-terminated) and the status. */
static int http_req(int port, const char *method, const char *target, const char *body,
                    char *out, size_t cap) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  char req[1024];
  int n = snprintf(req, sizeof(req),
                   "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                   "Content-Length: %zu\r\nContent-Type: text/plain\r\n\r\n%s",
                   method, target, body ? strlen(body) : 0, body ? body : "");
  if (write(fd, req, (size_t)n) != n) {
    close(fd);
    return -1;
  }
  char resp[4096];
  size_t got = 0;
  ssize_t r;
  while (got < sizeof(resp) - 1 && (r = read(fd, resp + got, sizeof(resp) - 1 - got)) > 0)
    got += (size_t)r;
  resp[got] = 0;
  close(fd);
  int status = 0;
  sscanf(resp, "HTTP/1.1 %d", &status);
  const char *b = strstr(resp, "\r\n\r\n");
  snprintf(out, cap, "%s", b ? b + 4 : "");
  return status;
}

static void close_now(sio_server_t *s, void *arg) {
  sio_server_close(s, on_closed, arg);
}

static void *client(void *arg) {
  ctx_t *c = arg;
  char body[1024], sid[32] = "", target[256];
  if (http_req(c->port, "GET", "/socket.io/?EIO=4&transport=polling", NULL, body,
               sizeof(body)) == 200) {
    const char *p = strstr(body, "\"sid\":\"");
    if (p) snprintf(sid, 21, "%s", p + 7);
  }
  snprintf(target, sizeof(target), "/socket.io/?EIO=4&transport=polling&sid=%s", sid);
  http_req(c->port, "POST", target, "40", body, sizeof(body));
  http_req(c->port, "GET", target, NULL, c->body, sizeof(c->body));
  sio_server_post(c->srv, close_now, c);
  return NULL;
}

static void on_conn(sio_socket_t *sock, void *arg) {
  ((ctx_t *)arg)->connections++;
  assert_int_equal(sio_socket_emit(sock, "hello", NULL), 0);
}

static void on_disc(sio_socket_t *sock, const char *reason, void *arg) {
  ctx_t *c = arg;
  snprintf(c->reason, sizeof(c->reason), "%s", reason);
  /* Disconnected: emits fail, the socket is still readable. */
  assert_int_equal(sio_socket_emit(sock, "x", NULL), SIO_ENOTCONN);
  assert_int_equal(sio_socket_rooms_count(sock), 0);
}

static void test_close_with_live_session(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  ctx_t c = {0};
  assert_int_equal(sio_server_new(&loop, NULL, &c.srv), 0);
  assert_int_equal(sio_server_listen(c.srv, "127.0.0.1", 0), 0);
  c.port = sio_server_port(c.srv);
  sio_namespace_t *nsp = sio_server_of(c.srv, "/");
  sio_namespace_on_connection(nsp, on_conn, &c);
  sio_namespace_on_disconnect(nsp, on_disc, &c);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, client, &c), 0);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  pthread_join(th, NULL);
  assert_int_equal(c.connections, 1);
  /* The CONNECT reply comes before what the handler emitted. */
  assert_non_null(strstr(c.body, "40{\"sid\":\""));
  assert_non_null(strstr(c.body, "\x1e"
                                 "42[\"hello\"]"));
  assert_string_equal(c.reason, "server shutting down");
  assert_int_equal(c.closed, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* ---- a server on a loop of its own ---- */

static void stop_loop(sio_server_t *s, void *arg) {
  (void)arg;
  uv_stop(sio_server_loop(s));
}

static void test_own_loop(void **state) {
  (void)state;
  ctx_t c = {0};
  assert_int_equal(sio_server_new(NULL, NULL, &c.srv), 0);
  assert_non_null(sio_server_loop(c.srv));
  assert_int_equal(sio_server_listen(c.srv, "127.0.0.1", 0), 0);
  c.port = sio_server_port(c.srv);
  sio_namespace_t *nsp = sio_server_of(c.srv, "/");
  sio_namespace_on_connection(nsp, on_conn, &c);
  sio_namespace_on_disconnect(nsp, on_disc, &c);
  /* uv_stop() hands control back with the server still alive. */
  assert_int_equal(sio_server_post(c.srv, stop_loop, NULL), 0);
  assert_int_equal(sio_server_run(c.srv), 1);
  assert_int_equal(c.closed, 0);
  /* A polling client in a thread connects, then posts the close. */
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, client, &c), 0);
  assert_int_equal(sio_server_run(c.srv), 0); /* closed, freed, loop freed */
  pthread_join(th, NULL);
  assert_int_equal(c.connections, 1);
  assert_non_null(strstr(c.body, "42[\"hello\"]"));
  assert_string_equal(c.reason, "server shutting down");
  assert_int_equal(c.closed, 1);
}

static void test_run_needs_own_loop(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_server_t *s;
  assert_int_equal(sio_server_new(&loop, NULL, &s), 0);
  assert_int_equal(sio_server_run(s), SIO_EINVAL);
  ctx_t c = {0};
  sio_server_close(s, on_closed, &c);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(c.closed, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
  /* An own-loop server closed before it ever ran: the run finishes it. */
  assert_int_equal(sio_server_new(NULL, NULL, &s), 0);
  sio_server_close(s, on_closed, &c);
  assert_int_equal(sio_server_run(s), 0);
  assert_int_equal(c.closed, 2);
}

static void test_default_options(void **state) {
  (void)state;
  sio_server_opts_t *o = sio_server_opts_new();
  assert_non_null(o);
  assert_int_equal(o->connect_timeout, 45000); /* the reference's connectTimeout */
  assert_int_equal(o->max_attachments, 10);
  assert_int_equal(o->max_depth, 32);
  assert_string_equal(o->path, "/socket.io/");
  sio_server_opts_free(o);
}

/* ---- background services: a repeating timer, thread-pool work ---- */

typedef struct {
  sio_server_t *s;
  sio_interval_t *every;
  int ticks, interval_closed, worked, done_ok, work_on_other_thread;
  uv_thread_t loop_thread;
  uv_timer_t hold;
} bg_t;

static void bg_interval_closed(void *arg) {
  ((bg_t *)arg)->interval_closed++;
}

static void bg_tick(void *arg) {
  bg_t *b = arg;
  assert_true(b->ticks < 3); /* closed on its third tick: never a fourth */
  if (++b->ticks == 3) sio_interval_close(b->every, bg_interval_closed);
}

static void bg_work(void *arg) {
  bg_t *b = arg;
  uv_thread_t self = uv_thread_self();
  b->work_on_other_thread = !uv_thread_equal(&self, &b->loop_thread);
  b->worked++;
}

static void bg_done(void *arg, int ok) {
  ((bg_t *)arg)->done_ok = ok;
}

static void bg_hold_over(uv_timer_t *t) {
  bg_t *b = t->data;
  uv_close((uv_handle_t *)t, NULL);
  sio_server_close(b->s, NULL, NULL);
}

static void test_background_services(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  bg_t b = {0};
  b.loop_thread = uv_thread_self();
  assert_int_equal(sio_server_new(&loop, NULL, &b.s), 0);
  assert_int_equal(sio_server_every(b.s, 0, bg_tick, &b, &b.every), SIO_EINVAL);
  assert_int_equal(sio_server_every(b.s, 5, bg_tick, &b, &b.every), 0);
  assert_int_equal(sio_server_queue_work(b.s, bg_work, bg_done, &b), 0);
  uv_timer_init(&loop, &b.hold); /* runs the loop long enough for three ticks */
  b.hold.data = &b;
  uv_timer_start(&b.hold, bg_hold_over, 200, 0);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(b.ticks, 3);
  assert_int_equal(b.interval_closed, 1);
  assert_int_equal(b.worked, 1);
  assert_true(b.work_on_other_thread);
  assert_int_equal(b.done_ok, 1);

  /* An interval alone does not hold the loop open: the loop ends once the
   * server is closed, its interval still running. */
  bg_t c = {0};
  assert_int_equal(sio_server_new(&loop, NULL, &c.s), 0);
  assert_int_equal(sio_server_every(c.s, 60000, bg_tick, &c, &c.every), 0);
  sio_server_close(c.s, NULL, NULL);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  sio_interval_close(c.every, bg_interval_closed);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(c.ticks, 0);
  assert_int_equal(c.interval_closed, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_new_listen_close),
      cmocka_unit_test(test_attach_close),
      cmocka_unit_test(test_post_from_thread),
      cmocka_unit_test(test_post_after_close),
      cmocka_unit_test(test_close_with_live_session),
      cmocka_unit_test(test_own_loop),
      cmocka_unit_test(test_run_needs_own_loop),
      cmocka_unit_test(test_default_options),
      cmocka_unit_test(test_background_services),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
