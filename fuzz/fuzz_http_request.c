/* Fuzz target: what a client sends on an HTTP connection, through the request
 * parser the server's connections use (src/http/http_parse.h: http-parser and
 * our callbacks: request line and header copies, header byte/line limits, the
 * URL split, Content-Length and chunked bodies, keep-alive, pipelining, the
 * strict framing checks in front of http-parser, the 4xx/5xx refusals).
 *
 * Input: byte 0 = limits: bits 0-1 max_header_bytes (48, 200, 1024, 16384),
 * bits 2-3 max_headers (1, 4, 16, 100), bits 4-5 max_body (0, 10, 300,
 * 100000), bit 6 routes paths starting "/s" to a mount with max_body 5, bit 7
 * refuses paths starting "/x" once their headers are in (503, like a mount
 * whose early notice closed the connection). Byte 1 = largest chunk (0 counts
 * as 1), byte 2 = seed of the chunk sizes. The rest is the byte stream.
 *
 * The stream is fed like a connection does (again after each request, which
 * is "answered" at once; stopping after an error, after a request that does
 * not keep the connection alive, and after an upgrade request), twice: in one
 * piece, and in chunks of pseudo-random sizes (each an exact-size heap copy,
 * so ASan sees any over-read). Both must give the same sequence of events
 * (request begun, headers accepted, complete request with everything a
 * handler can read and where it ended in the stream, error). The one allowed
 * difference: limits are checked as bytes arrive, so a request that is both
 * too large and malformed may be refused as too large (431) when cut, where
 * one piece reaches the malformed byte first (400).
 *
 * Each request must keep the parser's promises: HTTP/1.0 or 1.1, at most one
 * Host, no Transfer-Encoding in HTTP/1.0, the limits (header bytes,
 * lines, body), NUL-terminated strings of the stated lengths, no trailing
 * whitespace in values, a body of exactly the Content-Length, lookups by name
 * finding the first such header, "100 Continue" only when asked for.
 * A third run, in chunks, fails the k-th allocation (k from byte 2): it must
 * end in a 500 or in the same events as before, without leaks. */
#include "core/alloc.h"
#include "http/http_parse.h"
#include "http/http_req.h"
#include "http/http_server.h"
#include "http/http_strict.h"
#include "http/http_util.h"
#include "http/http_parse.h"
#include "http/http_util.h"
#include "sio/common.h"
#include "sio/http.h"

#include "fuzz_common.h"

enum { HR_BEGIN = 1, HR_ACCEPTED, HR_REQUEST, HR_ERROR, HR_END };

typedef struct {
  fz_log_t log;
  sio__http_limits_t lim;
  int route_s;  /* claim "/s..." with max_body 5 */
  int refuse_x; /* accepted: 503 for "/x..." */
  int begun;    /* begin calls */
  int status;   /* the error, or 0 */
  int ended;    /* no more feeding: error, close, upgrade */
  size_t pos;   /* bytes of the stream used so far */
  int oom;      /* the run with a failing allocation: 500 allowed */
} hr_run_t;

static char hr_mount_tag;    /* r->cb_ud of the "/s" mount */
static long hr_fail_at = -1; /* the third run: allocations left before the failing one */

static void hr_mount_cb(sio_http_req_t *r, void *ud) {
  (void)r;
  (void)ud;
}

static void hr_begin(void *ud, sio_http_req_t *r) {
  hr_run_t *run = ud;
  FZ_CHECK(r && r->hdr_len == 0 && r->nheaders == 0 && r->body_len == 0);
  FZ_CHECK(!r->complete && r->hdr && r->hdr[0] == '\0');
  run->begun++;
  fz_log_rec(&run->log, HR_BEGIN, NULL, 0);
}

static void hr_route(void *ud, sio_http_req_t *r) {
  hr_run_t *run = ud;
  FZ_CHECK(r->max_body == run->lim.max_body);
  if (run->route_s && r->path_len >= 2 && !memcmp(r->hdr + r->path_off, "/s", 2)) {
    r->cb = hr_mount_cb;
    r->cb_ud = &hr_mount_tag;
    r->max_body = 5;
  }
}

static int hr_accepted(void *ud, sio_http_req_t *r, int expect_continue) {
  hr_run_t *run = ud;
  FZ_CHECK(r->complete && r->body_len == 0);
  if (expect_continue) {
    size_t n;
    const char *e = sio_http_req_header(r, "expect", &n);
    FZ_CHECK(e && sio__http_ieq(e, n, "100-continue") && !r->http10);
  }
  uint8_t ec = (uint8_t)expect_continue;
  fz_log_rec(&run->log, HR_ACCEPTED, &ec, 1);
  if (run->refuse_x && r->path_len >= 2 && !memcmp(r->hdr + r->path_off, "/x", 2))
    return 503;
  return 0;
}

static const sio__http_parse_cbs_t hr_cbs = {hr_begin, hr_route, hr_accepted};

/* Strict decimal (what a body length check can rely on), or -1. */
static long long hr_digits(const char *v, size_t n) {
  if (n == 0 || n > 15) return -1;
  long long x = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i] < '0' || v[i] > '9') return -1;
    x = x * 10 + (v[i] - '0');
  }
  return x;
}

static int hr_is_ows(char ch) {
  return ch == ' ' || ch == '\t';
}

/* A complete request: its promises, then its record in the log. */
static void hr_request(hr_run_t *run, sio_http_req_t *r) {
  FZ_CHECK(r->complete && r->conn == NULL && r->srv == NULL);
  const char *method = sio_http_req_method(r);
  FZ_CHECK(method && *method && strcmp(method, "<unknown>") != 0);
  size_t plen, qlen;
  const char *path = sio_http_req_path(r, &plen);
  const char *query = sio_http_req_query(r, &qlen);
  FZ_CHECK(plen >= 1 && path[plen] == '\0' && strlen(path) == plen);
  FZ_CHECK(query[qlen] == '\0' && strlen(query) == qlen);
  FZ_CHECK(plen + qlen <= r->url_len + 1);
  size_t nh = r->nheaders, hbytes = r->url_len;
  FZ_CHECK(nh <= run->lim.max_headers);
  long long cl = -2; /* -2: none, -1: not one plain number */
  int te = 0, hosts = 0;
  for (size_t i = 0; i < nh; i++) {
    sio_buf_t name, val;
    FZ_CHECK(sio_http_req_header_at(r, i, &name, &val) == 0);
    const char *nm = (const char *)name.base, *vl = (const char *)val.base;
    FZ_CHECK(name.len > 0 && nm[name.len] == '\0' && strlen(nm) == name.len);
    FZ_CHECK(!memchr(nm, ' ', name.len) && !memchr(nm, ':', name.len));
    FZ_CHECK(vl[val.len] == '\0' && strlen(vl) == val.len);
    FZ_CHECK(val.len == 0 || !hr_is_ows(vl[val.len - 1]));
    for (size_t j = 0; j < val.len; j++) {
      unsigned char ch = (unsigned char)vl[j];
      FZ_CHECK((ch >= 32 || ch == '\t') && ch != 127); /* no control characters */
    }
    hbytes += name.len + val.len + 4;
    /* A lookup by this name finds the first header of that name. */
    size_t first = 0;
    for (;; first++) {
      sio_buf_t n2;
      FZ_CHECK(sio_http_req_header_at(r, first, &n2, NULL) == 0);
      if (sio__http_ieq((const char *)n2.base, n2.len, nm)) break;
    }
    sio_buf_t fv;
    FZ_CHECK(sio_http_req_header_at(r, first, NULL, &fv) == 0);
    size_t fl;
    FZ_CHECK(sio_http_req_header(r, nm, &fl) == (const char *)fv.base && fl == fv.len);
    if (sio__http_ieq(nm, name.len, "content-length"))
      cl = cl == -2 ? hr_digits(vl, val.len) : -1;
    if (sio__http_ieq(nm, name.len, "transfer-encoding")) te = 1;
    if (sio__http_ieq(nm, name.len, "host")) hosts++;
  }
  /* The strict checks: one Host at most, no Transfer-Encoding in HTTP/1.0. */
  FZ_CHECK(hosts <= 1 && !(te && r->http10));
  FZ_CHECK(hbytes <= run->lim.max_header_bytes);
  size_t blen;
  uint8_t *body = sio_http_req_body(r, &blen);
  FZ_CHECK(body != NULL && blen == r->body_len && blen <= r->max_body);
  FZ_CHECK(r->max_body == (r->cb ? 5 : run->lim.max_body));
  /* (A CONNECT's body is the tunnel: not read.) */
  if (cl >= 0 && !te && strcmp(method, "CONNECT") != 0) FZ_CHECK((long long)blen == cl);
  FZ_CHECK(sio__http_req_is_http11(r) == !r->http10);
  FZ_CHECK(r->head == (strcmp(method, "HEAD") == 0));
  char qv[16];
  /* The lookup allocates: a failure there is the handler's to see, not the
   * parser's, so the failing allocation of the third run is not spent on it. */
  long fail_at = hr_fail_at;
  hr_fail_at = -1;
  (void)sio_http_req_query_get(r, "a", qv, sizeof(qv));
  hr_fail_at = fail_at;
  uint8_t flags[8] = {
      r->keep_alive, r->upgrade, r->head, r->http10, (uint8_t)sio_http_req_is_upgrade(r),
      r->cb != NULL, 0,          0};
  uint64_t end = run->pos;
  fz_log_rec(&run->log, HR_REQUEST, &end, sizeof(end));
  fz_log_rec(&run->log, HR_REQUEST, flags, sizeof(flags));
  fz_log_rec(&run->log, HR_REQUEST, method, strlen(method));
  fz_log_rec(&run->log, HR_REQUEST, r->hdr + r->url_off, r->url_len);
  fz_log_rec(&run->log, HR_REQUEST, path, plen);
  fz_log_rec(&run->log, HR_REQUEST, query, qlen);
  for (size_t i = 0; i < nh; i++) {
    sio_buf_t name, val;
    sio_http_req_header_at(r, i, &name, &val);
    fz_log_rec(&run->log, HR_REQUEST, name.base, name.len);
    fz_log_rec(&run->log, HR_REQUEST, val.base, val.len);
  }
  fz_log_rec(&run->log, HR_REQUEST, body, blen);
}

/* Feeds one received piece, as http_conn.c does: again after each request. */
static void hr_feed(hr_run_t *run, sio__http_parse_t *ps, const uint8_t *p, size_t n) {
  size_t off = 0;
  while (off < n && !run->ended) {
    sio__http_parse_ev_t ev;
    size_t used = sio__http_parse_feed(ps, p + off, n - off, &ev);
    FZ_CHECK(used <= n - off);
    off += used;
    run->pos += used;
    switch (ev.kind) {
      case SIO__HTTP_PARSE_REQUEST: {
        FZ_CHECK(ev.req != NULL && ps->req == NULL);
        sio_http_req_t *r = ev.req;
        hr_request(run, r);
        int more = r->keep_alive && !r->upgrade;
        int upgrade = r->upgrade;
        sio__http_req_free(r); /* answered */
        if (upgrade) {
          /* The rest is another protocol's: the parser takes no more. */
          sio__http_parse_ev_t ev2;
          FZ_CHECK(sio__http_parse_feed(ps, p + off, n - off, &ev2) == 0);
          FZ_CHECK(ev2.kind == SIO__HTTP_PARSE_UPGRADED);
        }
        if (!more) run->ended = 1;
        break;
      }
      case SIO__HTTP_PARSE_ERROR: {
        FZ_CHECK(ev.status == 400 || ev.status == 413 || ev.status == 431 ||
                 ev.status == 500 || ev.status == 503 || ev.status == 505);
        FZ_CHECK(ev.reason != NULL);
        if (!run->oom) FZ_CHECK(ev.status != 500);
        run->status = ev.status;
        run->ended = 1;
        fz_log_rec(&run->log, HR_ERROR, NULL, 0);
        /* An error is final. */
        sio__http_parse_ev_t ev2;
        FZ_CHECK(sio__http_parse_feed(ps, p + off, n - off, &ev2) == 0);
        FZ_CHECK(ev2.kind == SIO__HTTP_PARSE_ERROR && ev2.status == ev.status);
        break;
      }
      case SIO__HTTP_PARSE_MORE:
        FZ_CHECK(off == n); /* every byte used */
        break;
      default:
        FZ_CHECK(!"unexpected event");
    }
  }
}

static void hr_finish(hr_run_t *run, sio__http_parse_t *ps) {
  sio_http_req_t *r = sio__http_parse_take(ps);
  uint8_t partial = r != NULL;
  FZ_CHECK(sio__http_parse_take(ps) == NULL);
  sio__http_req_drop(r, 0);
  fz_log_rec(&run->log, HR_END, &partial, 1);
}

static void hr_run_init(hr_run_t *run, uint8_t cfg) {
  static const size_t hb[4] = {48, 200, 1024, 16384}, hn[4] = {1, 4, 16, 100},
                      bd[4] = {0, 10, 300, 100000};
  memset(run, 0, sizeof(*run));
  run->lim.max_header_bytes = hb[cfg & 3];
  run->lim.max_headers = hn[(cfg >> 2) & 3];
  run->lim.max_body = bd[(cfg >> 4) & 3];
  run->route_s = (cfg >> 6) & 1;
  run->refuse_x = (cfg >> 7) & 1;
}

static uint32_t hr_next(uint32_t *st) {
  *st = *st * 1103515245u + 12345u;
  return *st >> 16;
}

/* Feeds s in chunks of 1..maxchunk bytes (pseudo-random from seed). */
static void hr_run_chunks(hr_run_t *run, const uint8_t *s, size_t n, size_t maxchunk,
                          uint32_t seed) {
  sio__http_parse_t ps;
  sio__http_parse_init(&ps, &run->lim, &hr_cbs, run);
  size_t off = 0;
  while (off < n && !run->ended) {
    size_t k = 1 + hr_next(&seed) % maxchunk;
    if (k > n - off) k = n - off;
    uint8_t *piece = fz_dup(s + off, k);
    hr_feed(run, &ps, piece, k);
    free(piece);
    off += k;
  }
  hr_finish(run, &ps);
}

/* The failing allocator of the third run. */

static int hr_fail_now(void) {
  return hr_fail_at >= 0 && hr_fail_at-- == 0;
}
static void *hr_malloc(size_t n) {
  return hr_fail_now() ? NULL : malloc(n);
}
static void *hr_realloc(void *p, size_t n) {
  return hr_fail_now() ? NULL : realloc(p, n);
}
static void *hr_calloc(size_t c, size_t n) {
  return hr_fail_now() ? NULL : calloc(c, n);
}

static int fuzz_http_request(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  uint8_t cfg = data[0];
  size_t maxchunk = data[1] ? data[1] : 1;
  uint32_t seed = data[2];
  const uint8_t *s = data + 3;
  size_t n = size - 3;

  hr_run_t one, cut, oom;
  hr_run_init(&one, cfg);
  sio__http_parse_t ps;
  sio__http_parse_init(&ps, &one.lim, &hr_cbs, &one);
  uint8_t *whole = fz_dup(s, n);
  hr_feed(&one, &ps, whole, n);
  free(whole);
  hr_finish(&one, &ps);

  hr_run_init(&cut, cfg);
  hr_run_chunks(&cut, s, n, maxchunk, seed);

  /* The same events; the statuses may differ only as: too large (seen as
   * bytes arrive) vs malformed (seen when its byte is reached). */
  if (!fz_log_eq(&one.log, &cut.log)) FZ_CHECK(!"chunked feed differs from one feed");
  if (one.status != cut.status) FZ_CHECK(one.status == 400 && cut.status == 431);

  /* Out of memory at the k-th allocation: a 500 or the same events. */
  hr_run_init(&oom, cfg);
  oom.oom = 1;
  hr_fail_at = (long)(data[2] % 24);
  FZ_CHECK(sio_replace_allocator(hr_malloc, hr_realloc, hr_calloc, free) == 0);
  hr_run_chunks(&oom, s, n, maxchunk, seed);
  FZ_CHECK(sio_replace_allocator(malloc, realloc, calloc, free) == 0);
  int failed = hr_fail_at < 0;
  hr_fail_at = -1;
  if (failed)
    FZ_CHECK(oom.status == 500);
  else if (!fz_log_eq(&oom.log, &cut.log) || oom.status != cut.status)
    FZ_CHECK(!"no allocation failed, yet the events differ");

  fz_log_free(&one.log);
  fz_log_free(&cut.log);
  fz_log_free(&oom.log);
  return 0;
}

#ifndef SIO_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_http_request(data, size);
}
#endif
