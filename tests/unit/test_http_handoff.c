/* Unit tests for the hand-off of a connection between two HTTP servers on
 * two loops (src/http/http_handoff.c, http_conn.c): three pipelined
 * requests in one write, the second handed from server A to server B. A
 * answers the first, B gets the second as A parsed it (not parsed again: its
 * chunked body decoded, its headers all there) as a request that came by
 * hand-off, then parses the third as an ordinary one; the answers reach the
 * client in order. The per-IP table is
 * shared: the moved connection stays counted once until it closes. A
 * request behind a large answer still being written waits for it, then
 * moves, and its answer follows the large one. Both
 * loops run in this thread, one turn at a time. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "http/http_internal.h"
#include "http/http_iplimit.h"
#include "io/own_loop.h"
#include "sio/http.h"

typedef struct {
  uv_loop_t *la, *lb;
  sio_http_server_t *a, *b;
  int moved;
} fx_t;

static void pump(fx_t *f) {
  uv_run(f->la, UV_RUN_NOWAIT);
  uv_run(f->lb, UV_RUN_NOWAIT);
}

static void to_b(sio__http_handoff_t *h, void *arg) {
  fx_t *f = arg;
  f->moved++;
  sio__http_server_adopt(f->b, h);
}

static void on_a(sio_http_req_t *r, void *arg) {
  fx_t *f = arg;
  size_t n;
  const char *path = sio_http_req_path(r, &n);
  if (n >= 5 && memcmp(path, "/move", 5) == 0) {
    sio__http_req_handoff(r, to_b, f);
    return;
  }
  if (n == 4 && memcmp(path, "/big", 4) == 0) {
    /* More than loopback buffers take at once: the write stays in flight. */
    size_t big = (size_t)16 << 20;
    uint8_t *p = calloc(1, big);
    memset(p, 'x', big);
    sio_http_req_respond(r, 200, "text/plain", NULL, p, big);
    free(p);
    return;
  }
  char body[128];
  int len = snprintf(body, sizeof body, "A:%.*s", (int)n, path);
  sio_http_req_respond(r, 200, "text/plain", NULL, body, (size_t)len);
}

static void on_b(sio_http_req_t *r, void *arg) {
  (void)arg;
  size_t n, blen;
  const char *path = sio_http_req_path(r, &n);
  const uint8_t *b = sio_http_req_body(r, &blen);
  size_t tlen;
  const char *te = sio_http_req_header(r, "transfer-encoding", &tlen);
  char body[256];
  int len = snprintf(body, sizeof body, "B:%.*s:%.*s:te=%.*s:handed=%d", (int)n, path,
                     (int)blen, (const char *)b, te ? (int)tlen : 0, te ? te : "",
                     sio__http_req_was_handed(r));
  sio_http_req_respond(r, 200, "text/plain", NULL, body, (size_t)len);
}

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  return fd;
}

static void closed(sio_http_server_t *s, void *arg) {
  (void)s;
  (void)arg;
}

static void test_pipelined_request_moves_with_what_follows(void **state) {
  (void)state;
  fx_t f;
  memset(&f, 0, sizeof f);
  assert_int_equal(sio__own_loop_new(&f.la), 0);
  assert_int_equal(sio__own_loop_new(&f.lb), 0);
  sio_http_opts_t *o = sio_http_opts_new();
  sio_http_opts_set_max_connections_per_ip(o, 10);
  assert_int_equal(sio_http_server_new(f.la, o, &f.a), 0);
  assert_int_equal(sio_http_server_new(f.lb, o, &f.b), 0);
  sio_http_opts_free(o);
  assert_int_equal(sio__http_server_share_iplimit(f.b, f.a), 0);
  sio_http_server_on_request(f.a, on_a, &f);
  sio_http_server_on_request(f.b, on_b, &f);
  assert_int_equal(sio_http_server_listen(f.a, "127.0.0.1", 0), 0);

  int fd = connect_to(sio_http_server_port(f.a));
  static const char k_reqs[] =
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /move?q=1 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
      "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
      "GET /after HTTP/1.1\r\nHost: x\r\n\r\n";
  assert_int_equal(send(fd, k_reqs, sizeof k_reqs - 1, 0), (ssize_t)(sizeof k_reqs - 1));
  char buf[4096] = {0};
  size_t have = 0;
  for (int i = 0; i < 200000 && !strstr(buf, "handed=0"); i++) {
    pump(&f);
    ssize_t r = recv(fd, buf + have, sizeof buf - 1 - have, MSG_DONTWAIT);
    if (r > 0) have += (size_t)r;
    buf[have] = '\0';
  }
  assert_int_equal(f.moved, 1);
  const char *a = strstr(buf, "\r\n\r\nA:/a");
  const char *cont = strstr(buf, "100 Continue");
  /* The handler sees the request's own headers (Transfer-Encoding too). */
  const char *m = strstr(buf, "B:/move:abcde:te=chunked:handed=1");
  const char *after = strstr(buf, "B:/after::te=:handed=0");
  assert_non_null(a);
  assert_non_null(m);
  assert_non_null(after);
  assert_true(a < m && m < after);
  /* 100 Continue once, from A (B is not asked again). */
  assert_non_null(cont);
  assert_null(strstr(cont + 1, "100 Continue"));
  /* The connection is B's now, counted once in the shared table. */
  assert_int_equal(sio__http_server_connections(f.a), 0);
  assert_int_equal(sio__http_server_connections(f.b), 1);
  assert_int_equal(sio__iplimit_count(f.a->iplimit, "127.0.0.1"), 1);

  close(fd);
  for (int i = 0; i < 100000 && sio__http_server_connections(f.b) > 0; i++) pump(&f);
  assert_int_equal(sio__http_server_connections(f.b), 0);
  for (int i = 0; i < 100; i++) pump(&f);
  assert_int_equal(sio__iplimit_count(f.a->iplimit, "127.0.0.1"), 0);
  sio_http_server_close(f.a, closed, NULL);
  sio_http_server_close(f.b, closed, NULL);
  for (int i = 0; i < 100; i++) pump(&f);
  assert_int_equal(sio__own_loop_free(f.la), 0);
  assert_int_equal(sio__own_loop_free(f.lb), 0);
}

/* A big answer, then a request to move. later: the request comes in a
 * later read, once the socket took part of the answer and refused the
 * rest; else in the same read, before any of it was written. Either way the
 * connection moves at once and what is left of the answer travels with it. */
static void big_then_move(int later) {
  fx_t f;
  memset(&f, 0, sizeof f);
  assert_int_equal(sio__own_loop_new(&f.la), 0);
  assert_int_equal(sio__own_loop_new(&f.lb), 0);
  sio_http_opts_t *o = sio_http_opts_new();
  sio_http_opts_set_max_write_queue(o, 0);
  assert_int_equal(sio_http_server_new(f.la, o, &f.a), 0);
  assert_int_equal(sio_http_server_new(f.lb, o, &f.b), 0);
  sio_http_opts_free(o);
  sio_http_server_on_request(f.a, on_a, &f);
  sio_http_server_on_request(f.b, on_b, &f);
  assert_int_equal(sio_http_server_listen(f.a, "127.0.0.1", 0), 0);
  int fd = connect_to(sio_http_server_port(f.a));
  static const char k_big[] = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
  static const char k_move[] = "GET /move HTTP/1.1\r\nHost: x\r\n\r\n";
  char both[sizeof k_big + sizeof k_move];
  snprintf(both, sizeof both, "%s%s", k_big, k_move);
  const char *first = later ? k_big : both;
  assert_int_equal(send(fd, first, strlen(first), 0), (ssize_t)strlen(first));
  /* The peer does not read yet: the big answer cannot leave whole. */
  for (int i = 0; i < 200; i++) pump(&f);
  if (later) {
    assert_int_equal(send(fd, k_move, strlen(k_move), 0), (ssize_t)strlen(k_move));
    for (int i = 0; i < 200; i++) pump(&f);
  }
  assert_int_equal(f.moved, 1); /* at once, the rest of the answer with it */
  /* Reading lets the rest of the answer out on B's loop, then B's answer. */
  size_t cap = ((size_t)16 << 20) + 4096, have = 0;
  char *buf = calloc(1, cap + 1);
  for (int i = 0; i < 2000000 && !(have > 30 && strstr(buf + have - 30, "handed=1"));
       i++) {
    pump(&f);
    ssize_t r = recv(fd, buf + have, cap - have, MSG_DONTWAIT);
    if (r > 0) have += (size_t)r;
    buf[have] = '\0';
  }
  assert_int_equal(f.moved, 1);
  const char *tail = buf + have - strlen("B:/move::te=:handed=1");
  assert_string_equal(tail, "B:/move::te=:handed=1");
  /* The big body came whole, before it. */
  const char *body = strstr(buf, "\r\n\r\n");
  assert_non_null(body);
  body += 4;
  for (size_t i = 0; i < ((size_t)16 << 20); i++)
    if (body[i] != 'x') fail_msg("byte %zu of the big answer is %d", i, body[i]);
  free(buf);
  close(fd);
  for (int i = 0; i < 100000 && sio__http_server_connections(f.b) > 0; i++) pump(&f);
  sio_http_server_close(f.a, closed, NULL);
  sio_http_server_close(f.b, closed, NULL);
  for (int i = 0; i < 100; i++) pump(&f);
  assert_int_equal(sio__own_loop_free(f.la), 0);
  assert_int_equal(sio__own_loop_free(f.lb), 0);
}

static void test_partly_written_answer_moves_with_the_connection(void **state) {
  (void)state;
  big_then_move(1);
}

static void test_queued_answer_moves_with_the_connection(void **state) {
  (void)state;
  big_then_move(0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pipelined_request_moves_with_what_follows),
      cmocka_unit_test(test_partly_written_answer_moves_with_the_connection),
      cmocka_unit_test(test_queued_answer_moves_with_the_connection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
