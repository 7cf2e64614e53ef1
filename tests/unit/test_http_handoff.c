/* Unit tests for the hand-off of a connection between two HTTP servers on
 * two loops (src/http/http_handoff.c, http_conn.c): three pipelined
 * requests in one write, the second handed from server A to server B. A
 * answers the first, B parses the second (its chunked body rewritten with a
 * Content-Length) as a request that came by hand-off, then the third as an
 * ordinary one; the answers reach the client in order. The per-IP table is
 * shared: the moved connection stays counted once until it closes. Both
 * loops run in this thread, one turn at a time. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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
  char body[128];
  int len = snprintf(body, sizeof body, "A:%.*s", (int)n, path);
  sio_http_req_respond(r, 200, "text/plain", NULL, body, (size_t)len);
}

static void on_b(sio_http_req_t *r, void *arg) {
  (void)arg;
  size_t n, blen;
  const char *path = sio_http_req_path(r, &n);
  const uint8_t *b = sio_http_req_body(r, &blen);
  char body[256];
  int len = snprintf(body, sizeof body, "B:%.*s:%.*s:handed=%d", (int)n, path, (int)blen,
                     (const char *)b, sio__http_req_was_handed(r));
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
  char buf[4096];
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
  const char *m = strstr(buf, "B:/move:abcde:handed=1");
  const char *after = strstr(buf, "B:/after::handed=0");
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pipelined_request_moves_with_what_follows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
