/* The request parser of the HTTP server (src/http/http_parse.h), without
 * sockets: requests and their fields, pipelining, the limits at their exact
 * boundaries, bodies, trailers, refusals, "100 Continue", upgrades. Every
 * case is also fed one byte at a time, which must give the same result. */
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "http/http_internal.h"
#include "http/http_parse.h"
#include "sio/http.h"
#include "support/vectors.h"

typedef struct {
  int begun, accepted, expect_continue;
  int refuse;        /* accepted returns this */
  size_t route_body; /* route sets this max_body when non-zero */
} ctx_t;

static void cb_begin(void *ud, sio_http_req_t *r) {
  (void)r;
  ((ctx_t *)ud)->begun++;
}

static void cb_route(void *ud, sio_http_req_t *r) {
  ctx_t *x = ud;
  if (x->route_body) r->max_body = x->route_body;
}

static int cb_accepted(void *ud, sio_http_req_t *r, int expect_continue) {
  (void)r;
  ctx_t *x = ud;
  x->accepted++;
  x->expect_continue = expect_continue;
  return x->refuse;
}

static const sio__http_parse_cbs_t k_cbs = {cb_begin, cb_route, cb_accepted};

static sio__http_limits_t lim(size_t hbytes, size_t nh, size_t body) {
  sio__http_limits_t l = {hbytes, nh, body};
  return l;
}

typedef struct {
  sio__http_parse_ev_t ev; /* the first event that is not MORE */
  size_t used;             /* bytes used up to it */
} step_t;

/* Feeds s from *off (whole, or a byte at a time) up to the first event that
 * is not MORE. */
static step_t feed(sio__http_parse_t *ps, const char *s, size_t *off, int bytewise) {
  step_t st = {{SIO__HTTP_PARSE_MORE, NULL, 0, NULL}, 0};
  size_t n = strlen(s);
  while (*off < n) {
    size_t k = bytewise ? 1 : n - *off;
    size_t u = sio__http_parse_feed(ps, (const uint8_t *)s + *off, k, &st.ev);
    *off += u;
    st.used += u;
    if (st.ev.kind != SIO__HTTP_PARSE_MORE) break;
    assert_int_equal(u, k);
  }
  return st;
}

static const char *hdr(const sio_http_req_t *r, const char *name) {
  return sio_http_req_header(r, name, NULL);
}

static void test_get_fields(void **state) {
  (void)state;
  static const char req[] = "GET /a/b?x=1&y=%20z#frag HTTP/1.1\r\nHost: h\r\n"
                            "X-Pad:  v w \t\r\nEmpty:\r\n\r\n";
  for (int bw = 0; bw < 2; bw++) {
    ctx_t x = {0};
    sio__http_limits_t l = lim(1000, 10, 100);
    sio__http_parse_t ps;
    sio__http_parse_init(&ps, &l, &k_cbs, &x);
    size_t off = 0;
    step_t st = feed(&ps, req, &off, bw);
    assert_int_equal(st.ev.kind, SIO__HTTP_PARSE_REQUEST);
    assert_int_equal(st.used, strlen(req));
    sio_http_req_t *r = st.ev.req;
    assert_string_equal(sio_http_req_method(r), "GET");
    assert_string_equal(sio_http_req_path(r, NULL), "/a/b");
    assert_string_equal(sio_http_req_query(r, NULL), "x=1&y=%20z");
    char v[8];
    assert_int_equal(sio_http_req_query_get(r, "y", v, sizeof v), 2);
    assert_string_equal(v, " z");
    assert_string_equal(hdr(r, "host"), "h");
    assert_string_equal(hdr(r, "x-pad"), "v w"); /* OWS on both sides gone */
    assert_string_equal(hdr(r, "empty"), "");
    assert_null(hdr(r, "missing"));
    assert_true(r->keep_alive && !r->http10 && !r->upgrade && !r->head);
    assert_int_equal(x.begun, 1);
    assert_int_equal(x.accepted, 1);
    assert_int_equal(x.expect_continue, 0);
    assert_null(ps.req);
    sio__http_req_free(r);
    /* Nothing left: an empty feed uses nothing. */
    assert_int_equal(sio__http_parse_feed(&ps, (const uint8_t *)"", 0, &st.ev), 0);
    assert_int_equal(st.ev.kind, SIO__HTTP_PARSE_MORE);
  }
}

static void test_pipelined(void **state) {
  (void)state;
  static const char req[] = "POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
                            "GET /q HTTP/1.1\r\n\r\n"
                            "GET /r HTTP/1.0\r\n\r\n";
  for (int bw = 0; bw < 2; bw++) {
    ctx_t x = {0};
    sio__http_limits_t l = lim(1000, 10, 100);
    sio__http_parse_t ps;
    sio__http_parse_init(&ps, &l, &k_cbs, &x);
    size_t off = 0;
    step_t st = feed(&ps, req, &off, bw);
    assert_int_equal(st.ev.kind, SIO__HTTP_PARSE_REQUEST);
    assert_int_equal(off, strlen("POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"));
    size_t blen;
    uint8_t *body = sio_http_req_body(st.ev.req, &blen);
    assert_int_equal(blen, 3);
    assert_memory_equal(body, "abc", 3);
    sio__http_req_free(st.ev.req);
    st = feed(&ps, req, &off, bw);
    assert_int_equal(st.ev.kind, SIO__HTTP_PARSE_REQUEST);
    assert_string_equal(sio_http_req_path(st.ev.req, NULL), "/q");
    sio__http_req_free(st.ev.req);
    st = feed(&ps, req, &off, bw);
    assert_int_equal(st.ev.kind, SIO__HTTP_PARSE_REQUEST);
    assert_true(st.ev.req->http10 && !st.ev.req->keep_alive);
    sio__http_req_free(st.ev.req);
    assert_int_equal(off, strlen(req));
    assert_int_equal(x.begun, 3);
  }
}

/* Runs req with the limits; returns the status of the error (0 if a request
 * came out, which is freed). Byte by byte must agree. */
static int status_of(const char *req, sio__http_limits_t l, ctx_t *xo) {
  int got[2];
  for (int bw = 0; bw < 2; bw++) {
    ctx_t x = xo ? *xo : (ctx_t){0};
    sio__http_parse_t ps;
    sio__http_parse_init(&ps, &l, &k_cbs, &x);
    size_t off = 0;
    step_t st = feed(&ps, req, &off, bw);
    got[bw] = -1;
    if (st.ev.kind == SIO__HTTP_PARSE_REQUEST) {
      got[bw] = 0;
      sio__http_req_free(st.ev.req);
    } else if (st.ev.kind == SIO__HTTP_PARSE_ERROR) {
      got[bw] = st.ev.status;
      /* Final: again the same, nothing used. */
      sio__http_parse_ev_t ev;
      assert_int_equal(sio__http_parse_feed(&ps, (const uint8_t *)"GET", 3, &ev), 0);
      assert_int_equal(ev.kind, SIO__HTTP_PARSE_ERROR);
      assert_int_equal(ev.status, st.ev.status);
    }
    sio__http_req_drop(sio__http_parse_take(&ps), 0);
    if (xo && bw == 1) *xo = x;
  }
  assert_int_equal(got[0], got[1]);
  return got[0];
}

static void test_header_limits(void **state) {
  (void)state;
  /* url 4 + ("A" + "b" + 4) + ("Cc" + "dd" + 4) = 18 header bytes, 2 lines */
  static const char req[] = "GET /abc HTTP/1.1\r\nA: b\r\nCc: dd\r\n\r\n";
  assert_int_equal(status_of(req, lim(18, 2, 0), NULL), 0);
  assert_int_equal(status_of(req, lim(17, 2, 0), NULL), 431);
  assert_int_equal(status_of(req, lim(18, 1, 0), NULL), 431);
  assert_int_equal(status_of("GET /abcdef HTTP/1.1\r\n\r\n", lim(5, 2, 0), NULL), 431);
}

static void test_bodies(void **state) {
  (void)state;
  static const char cl[] = "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
  ctx_t x = {0};
  assert_int_equal(status_of(cl, lim(100, 4, 5), &x), 0);
  x = (ctx_t){0};
  assert_int_equal(status_of(cl, lim(100, 4, 4), &x), 413);
  assert_int_equal(x.accepted, 0); /* refused on the headers, before the body */
  x = (ctx_t){.route_body = 4};
  assert_int_equal(status_of(cl, lim(100, 4, 1000), &x), 413);
  x = (ctx_t){.route_body = 9};
  assert_int_equal(status_of(cl, lim(100, 4, 1), &x), 0);

  static const char ch[] = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n";
  x = (ctx_t){0};
  assert_int_equal(status_of(ch, lim(100, 4, 6), &x), 0);
  x = (ctx_t){0};
  assert_int_equal(status_of(ch, lim(100, 4, 5), &x), 413);
  assert_int_equal(x.accepted, 1); /* chunked: found while reading the body */
  assert_int_equal(
      status_of("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", lim(100, 4, 10), NULL),
      400);
}

static void test_trailers_dropped(void **state) {
  (void)state;
  static const char req[] = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "2\r\nhi\r\n0\r\nUpgrade: websocket\r\nOrigin:  x \r\n\r\n";
  sio__http_limits_t l = lim(1000, 10, 100);
  for (int bw = 0; bw < 2; bw++) {
    ctx_t x = {0};
    sio__http_parse_t ps;
    sio__http_parse_init(&ps, &l, &k_cbs, &x);
    size_t off = 0;
    step_t st = feed(&ps, req, &off, bw);
    assert_int_equal(st.ev.kind, SIO__HTTP_PARSE_REQUEST);
    sio_http_req_t *r = st.ev.req;
    assert_int_equal(r->nheaders, 1);
    assert_null(hdr(r, "upgrade"));
    assert_null(hdr(r, "origin"));
    assert_false(sio_http_req_is_upgrade(r));
    assert_int_equal(off, strlen(req));
    sio__http_req_free(r);
  }
  /* Trailer lines and bytes still count against the limits. */
  assert_int_equal(status_of(req, lim(1000, 2, 100), NULL), 431);
  assert_int_equal(status_of(req, lim(1000, 3, 100), NULL), 0);
  assert_int_equal(status_of(req, lim(40, 10, 100), NULL), 431);
}

static void test_control_chars_in_values(void **state) {
  (void)state;
  sio__http_limits_t l = lim(1000, 10, 100);
  /* http-parser lets the first byte of a value through unchecked. */
  static const char nul[] = "GET / HTTP/1.1\r\nX: \0abc\r\n\r\n";
  ctx_t x = {0};
  sio__http_parse_t ps;
  sio__http_parse_init(&ps, &l, &k_cbs, &x);
  sio__http_parse_ev_t ev;
  size_t used = sio__http_parse_feed(&ps, (const uint8_t *)nul, sizeof nul - 1, &ev);
  assert_true(used < sizeof nul - 1);
  assert_int_equal(ev.kind, SIO__HTTP_PARSE_ERROR);
  assert_int_equal(ev.status, 400);
  sio__http_req_drop(sio__http_parse_take(&ps), 0);
  /* The other control characters: tests/vectors/http_requests.txt. */
}

static void test_expect_continue(void **state) {
  (void)state;
  sio__http_limits_t l = lim(1000, 10, 100);
  ctx_t x = {0};
  assert_int_equal(status_of("POST / HTTP/1.1\r\nExpect: 100-Continue\r\n"
                             "Content-Length: 1\r\n\r\nz",
                             l, &x),
                   0);
  assert_int_equal(x.expect_continue, 1);
  x = (ctx_t){0};
  assert_int_equal(status_of("POST / HTTP/1.0\r\nExpect: 100-continue\r\n"
                             "Content-Length: 1\r\n\r\nz",
                             l, &x),
                   0);
  assert_int_equal(x.expect_continue, 0); /* HTTP/1.0 has no 100 */
  x = (ctx_t){0};
  assert_int_equal(status_of("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", l, &x), 0);
  assert_int_equal(x.expect_continue, 0); /* no body to wait for */
}

static void test_refused_when_accepted(void **state) {
  (void)state;
  sio__http_limits_t l = lim(1000, 10, 100);
  ctx_t x = {.refuse = 503};
  sio__http_parse_t ps;
  sio__http_parse_init(&ps, &l, &k_cbs, &x);
  static const char req[] = "POST / HTTP/1.1\r\nOrigin: o\r\nContent-Length: 2\r\n\r\nab";
  sio__http_parse_ev_t ev;
  sio__http_parse_feed(&ps, (const uint8_t *)req, sizeof req - 1, &ev);
  assert_int_equal(ev.kind, SIO__HTTP_PARSE_ERROR);
  assert_int_equal(ev.status, 503);
  /* The partial request (its headers) stays readable for the error answer. */
  sio_http_req_t *r = sio__http_parse_take(&ps);
  assert_non_null(r);
  assert_true(r->complete);
  assert_string_equal(hdr(r, "origin"), "o");
  assert_null(sio__http_parse_take(&ps));
  sio__http_req_drop(r, 0);
}

static void test_upgrade_stops(void **state) {
  (void)state;
  static const char head[] = "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\n\r\n";
  static const char req[] = "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\n\r\n\x81\x05hello";
  sio__http_limits_t l = lim(1000, 10, 100);
  for (int bw = 0; bw < 2; bw++) {
    ctx_t x = {0};
    sio__http_parse_t ps;
    sio__http_parse_init(&ps, &l, &k_cbs, &x);
    size_t off = 0;
    step_t st = feed(&ps, req, &off, bw);
    assert_int_equal(st.ev.kind, SIO__HTTP_PARSE_REQUEST);
    assert_int_equal(off, strlen(head)); /* the frame is left to the caller */
    assert_true(st.ev.req->upgrade);
    assert_true(sio_http_req_is_upgrade(st.ev.req));
    sio__http_req_free(st.ev.req);
    sio__http_parse_ev_t ev;
    assert_int_equal(
        sio__http_parse_feed(&ps, (const uint8_t *)req + off, strlen(req) - off, &ev), 0);
    assert_int_equal(ev.kind, SIO__HTTP_PARSE_UPGRADED);
  }
}

/* tests/vectors/http_requests.txt: <status> <request>, with roomy limits. */
static void test_request_table(void **state) {
  (void)state;
  vec_file_t f;
  assert_int_equal(vec_load("http_requests.txt", &f), 0);
  for (size_t k = 0; k < f.n; k++) {
    const vec_line_t *v = &f.lines[k];
    int got = status_of(vec_str(v, 1), lim(1000, 10, 100), NULL);
    if (got != (int)vec_u64(v, 0))
      fail_msg("http_requests.txt:%d: status %d", v->lineno, got);
  }
  vec_free(&f);
}

static void test_bad_request_lines(void **state) {
  (void)state;
  sio__http_limits_t l = lim(1000, 10, 100);
  assert_int_equal(status_of("FOO / HTTP/1.1\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("get / HTTP/1.1\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("GET /\001 HTTP/1.1\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("GET / HTTP/1.1\r\nHost : x\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("\r\n\r\nGET / HTTP/1.1\r\n\r\n", l, NULL), 0);
  /* More empty lines would hold an idle connection open with CRLFs alone. */
  assert_int_equal(status_of("\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n", l, NULL), 400);
}

/* obs-fold (a header line starting with SP or HTAB): refused, RFC 9112 5.2,
 * whatever the line before it held. */
static void test_folded_lines(void **state) {
  (void)state;
  sio__http_limits_t l = lim(1000, 10, 100);
  assert_int_equal(status_of("GET / HTTP/1.1\r\nA: x\r\n folded\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("GET / HTTP/1.1\r\nA: x\r\n\t\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "0\r\nT: a\r\n b\r\n\r\n",
                             l, NULL),
                   400);
  /* An empty first line: http-parser frames the body by the folded value, so
   * the bytes behind would be read as a request a proxy never saw. */
  ctx_t x = {0};
  assert_int_equal(
      status_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n chunked\r\n"
                "\r\n0\r\n\r\nGET /hidden HTTP/1.1\r\n\r\n",
                l, &x),
      400);
  assert_int_equal(x.accepted, 0);
  assert_int_equal(
      status_of("POST / HTTP/1.1\r\nContent-Length:\r\n\t5\r\n\r\nhello", l, NULL), 400);
  assert_int_equal(status_of("GET / HTTP/1.1\r\nHost:\r\n evil\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("GET / HTTP/1.1\r\n Host: h\r\n\r\n", l, NULL), 400);
}

/* Bare LF line ends (and a CR followed by anything but LF) are refused in
 * the request line, the headers, the chunked framing and the trailers. */
static void test_bare_lf(void **state) {
  (void)state;
  sio__http_limits_t l = lim(1000, 10, 100);
  assert_int_equal(status_of("GET / HTTP/1.1\r\n\r\n", l, NULL), 0);
  assert_int_equal(status_of("GET / HTTP/1.1\n\n", l, NULL), 400);
  assert_int_equal(status_of("GET / HTTP/1.1\nHost: h\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: h\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: h\r\n\n", l, NULL), 400);
  assert_int_equal(status_of("GET / HTTP/1.1\r\nA: x\nB: y\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("GET / HTTP/1.1\r\nA: x\rB: y\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("GET / HTTP/1.1\r\nA: x\r\n\rX", l, NULL), 400);
  assert_int_equal(status_of("\nGET / HTTP/1.1\r\n\r\n", l, NULL), 400);
  static const char te[] = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  static const char *const bodies[] = {
      "3\nabc\r\n0\r\n\r\n",        /* chunk-size line */
      "3\r\nabc\n0\r\n\r\n",        /* after chunk data */
      "3\r\nabcXY0\r\n\r\n",        /* any two bytes after chunk data */
      "3;a\nb\r\nabc\r\n0\r\n\r\n", /* inside an extension */
      "0\r\n\n",                    /* the empty line ending the trailers */
      "0\r\nT: a\nU: b\r\n\r\n",    /* a trailer line */
      "0\n\r\n",                    /* the last chunk */
      "x\r\n",                      /* no size */
      "3 ;x\r\nabc\r\n0\r\n\r\n",   /* (fine: whitespace before ';') */
  };
  char buf[256];
  for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
    snprintf(buf, sizeof buf, "%s%s", te, bodies[i]);
    int want = i == 8 ? 0 : 400;
    assert_int_equal(status_of(buf, l, NULL), want);
  }
  snprintf(buf, sizeof buf, "%s%s", te, "3;ext=\"v\"\r\nabc\r\n0\r\nT: a\r\n\r\n");
  assert_int_equal(status_of(buf, l, NULL), 0);
}

/* HTTP/1.0 and HTTP/1.1 only: http-parser takes any HTTP/x.y, and a request
 * line without a version as HTTP/0.9. */
static void test_versions(void **state) {
  (void)state;
  sio__http_limits_t l = lim(1000, 10, 100);
  assert_int_equal(status_of("GET / HTTP/1.0\r\n\r\n", l, NULL), 0);
  ctx_t x = {0};
  assert_int_equal(status_of("GET / HTTP/2.0\r\nHost: h\r\n\r\n", l, &x), 505);
  assert_int_equal(x.accepted, 0);
  assert_int_equal(status_of("GET / HTTP/1.2\r\n\r\n", l, NULL), 505);
  assert_int_equal(status_of("GET / HTTP/0.9\r\n\r\n", l, NULL), 505);
  assert_int_equal(status_of("GET / HTTP/3.1\r\n\r\n", l, NULL), 505);
  /* (http-parser takes one digit a part, and refuses more itself.) */
  assert_int_equal(status_of("GET / HTTP/1.10\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("GET /\r\n\r\n", l, NULL), 400); /* HTTP/0.9 form */
}

/* Fields that decide routing and framing: one Host at most, and no
 * Transfer-Encoding in HTTP/1.0 (what http-parser lets by there). */
static void test_framing_fields(void **state) {
  (void)state;
  sio__http_limits_t l = lim(1000, 10, 100);
  assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\n\r\n", l, NULL), 0);
  assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\nHOST: b\r\n\r\n", l, NULL),
                   400);
  assert_int_equal(status_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "0\r\n\r\n",
                             l, NULL),
                   400);
  assert_int_equal(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "0\r\n\r\n",
                             l, NULL),
                   0);
  /* (http-parser's own: two lengths, a length and chunked, another coding.) */
  assert_int_equal(
      status_of("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n"
                "\r\na",
                l, NULL),
      400);
  assert_int_equal(status_of("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: "
                             "chunked\r\n\r\n0\r\n\r\n",
                             l, NULL),
                   400);
  assert_int_equal(
      status_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nabc", l, NULL), 400);
}

/* The request line is "method SP target SP version": no runs of spaces, no
 * control character (http-parser takes HTAB and FF in the target). */
static void test_request_line_shape(void **state) {
  (void)state;
  sio__http_limits_t l = lim(1000, 10, 100);
  assert_int_equal(status_of("GET  / HTTP/1.1\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("GET /  HTTP/1.1\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("GET / HTTP/1.1 \r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("GET /a\tb HTTP/1.1\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("GET /a\fb HTTP/1.1\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of(" GET / HTTP/1.1\r\n\r\n", l, NULL), 400);
  assert_int_equal(status_of("GET / HTTP/1.1\r\nNoColon\r\n\r\n", l, NULL), 400);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_get_fields),
      cmocka_unit_test(test_pipelined),
      cmocka_unit_test(test_header_limits),
      cmocka_unit_test(test_bodies),
      cmocka_unit_test(test_trailers_dropped),
      cmocka_unit_test(test_control_chars_in_values),
      cmocka_unit_test(test_expect_continue),
      cmocka_unit_test(test_refused_when_accepted),
      cmocka_unit_test(test_upgrade_stops),
      cmocka_unit_test(test_request_table),
      cmocka_unit_test(test_bad_request_lines),
      cmocka_unit_test(test_folded_lines),
      cmocka_unit_test(test_bare_lf),
      cmocka_unit_test(test_versions),
      cmocka_unit_test(test_request_line_shape),
      cmocka_unit_test(test_framing_fields),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
