/* Requests from bytes: http-parser's callbacks copy the request as it
 * arrives and enforce the limits; no I/O (see http_parse.h). */
#include <string.h>

#include "core/alloc.h"
#include "http/http_parse.h"
#include "http/http_req.h"
#include "http/http_util.h"
#include "sio/common.h"

static int grow_hdr(sio_http_req_t *r, size_t more) {
  if (r->hdr_len + more + 1 <= r->hdr_cap) return 0;
  size_t cap = r->hdr_cap ? r->hdr_cap : 256;
  while (cap < r->hdr_len + more + 1) cap *= 2;
  char *n = sio__realloc(r->hdr, cap);
  if (!n) return SIO_ENOMEM;
  r->hdr = n;
  r->hdr_cap = cap;
  return 0;
}

/* Appends bytes (kept NUL-terminated, so a partial request can be read). */
static int hdr_put(sio__http_parse_t *ps, const char *at, size_t len) {
  sio_http_req_t *r = ps->req;
  if (grow_hdr(r, len) != 0) {
    ps->err_status = 500;
    return -1;
  }
  memcpy(r->hdr + r->hdr_len, at, len);
  r->hdr_len += len;
  r->hdr[r->hdr_len] = '\0';
  return 0;
}

/* Ends the current string: the NUL becomes part of the buffer. */
static int hdr_end(sio__http_parse_t *ps) {
  sio_http_req_t *r = ps->req;
  if (grow_hdr(r, 1) != 0) {
    ps->err_status = 500;
    return -1;
  }
  r->hdr[r->hdr_len++] = '\0';
  r->hdr[r->hdr_len] = '\0';
  return 0;
}

/* Header bytes are counted as they arrive, so a request that never ends its
 * headers is refused once it is too large. */
static int count_bytes(sio__http_parse_t *ps, size_t len) {
  ps->hdr_bytes += len;
  if (ps->hdr_bytes > ps->limits.max_header_bytes) {
    ps->err_status = 431;
    return -1;
  }
  return 0;
}

enum { ST_URL = 0, ST_FIELD, ST_VALUE };

static int on_message_begin(http_parser *p) {
  sio__http_parse_t *ps = p->data;
  sio__http_req_drop(ps->req, 0);
  sio_http_req_t *r = sio__calloc(1, sizeof(*r));
  ps->req = r;
  if (!r || grow_hdr(r, 255) != 0) {
    ps->err_status = 500;
    return -1;
  }
  r->hdr[0] = '\0';
  ps->hdr_bytes = 0;
  ps->trailers = 0;
  ps->err_status = 0;
  if (ps->cbs->begin) ps->cbs->begin(ps->ud, r);
  return 0;
}

static int on_url(http_parser *p, const char *at, size_t len) {
  sio__http_parse_t *ps = p->data;
  if (count_bytes(ps, len) != 0 || hdr_put(ps, at, len) != 0) return -1;
  ps->req->url_len += (uint32_t)len;
  return 0;
}

/* Trailer fields (after a chunked body) count against the limits but are
 * not kept: a handler sees the header section only, the one routing,
 * keep-alive and upgrade were decided on (a trailing "Upgrade" or "Origin"
 * must not look like a header). */
static int on_trailer_field(sio__http_parse_t *ps, sio_http_req_t *r, size_t len) {
  if (count_bytes(ps, len) != 0) return -1;
  if (r->last_was_value != ST_FIELD) {
    r->last_was_value = ST_FIELD;
    ps->trailers++;
    if (r->nheaders + ps->trailers > ps->limits.max_headers || count_bytes(ps, 4) != 0) {
      ps->err_status = 431;
      return -1;
    }
  }
  return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len) {
  sio__http_parse_t *ps = p->data;
  sio_http_req_t *r = ps->req;
  /* http-parser (not strict) takes spaces in names: "Host : x" would be a
   * header nobody looks up. RFC 9112 5.1: refuse it. */
  if (memchr(at, ' ', len)) {
    ps->err_status = 400;
    return -1;
  }
  if (r->complete) return on_trailer_field(ps, r, len);
  if (count_bytes(ps, len) != 0) return -1;
  if (r->last_was_value != ST_FIELD) {
    /* A new header line: close what came before it. */
    if (hdr_end(ps) != 0) return -1;
    if (r->nheaders >= ps->limits.max_headers || count_bytes(ps, 4) != 0) {
      ps->err_status = 431;
      return -1;
    }
    if (r->nheaders == r->headers_cap) {
      size_t cap = r->headers_cap ? r->headers_cap * 2 : 16;
      sio__http_hdr_t *n = sio__realloc(r->headers, cap * sizeof(*n));
      if (!n) {
        ps->err_status = 500;
        return -1;
      }
      r->headers = n;
      r->headers_cap = cap;
    }
    r->headers[r->nheaders++] = (sio__http_hdr_t){(uint32_t)r->hdr_len, 0, 0, 0};
    r->last_was_value = ST_FIELD;
  }
  if (hdr_put(ps, at, len) != 0) return -1;
  r->headers[r->nheaders - 1].name_len += (uint32_t)len;
  /* An empty value still points at a NUL: the name's. */
  r->headers[r->nheaders - 1].val_off = (uint32_t)r->hdr_len;
  return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len) {
  sio__http_parse_t *ps = p->data;
  sio_http_req_t *r = ps->req;
  /* Control characters and folded lines never get here (http_strict.c). */
  if (count_bytes(ps, len) != 0) return -1;
  if (r->complete) { /* a trailer's: counted, not kept */
    r->last_was_value = ST_VALUE;
    return 0;
  }
  sio__http_hdr_t *h = &r->headers[r->nheaders - 1];
  if (r->last_was_value == ST_FIELD) {
    if (hdr_end(ps) != 0) return -1;
    h->val_off = (uint32_t)r->hdr_len;
    r->last_was_value = ST_VALUE;
  }
  if (hdr_put(ps, at, len) != 0) return -1;
  h->val_len += (uint32_t)len;
  return 0;
}

/* Splits the target into path and query, each copied as a C string. */
static int split_url(sio_http_req_t *r) {
  const char *u = r->hdr + r->url_off;
  size_t n = r->url_len;
  size_t st = 0;
  /* absolute-form ("http://host/p?q"): keep the path. */
  if ((n > 7 && !memcmp(u, "http://", 7)) || (n > 8 && !memcmp(u, "https://", 8))) {
    st = (u[4] == 's') ? 8 : 7;
    while (st < n && u[st] != '/' && u[st] != '?') st++;
  }
  size_t q = st;
  while (q < n && u[q] != '?' && u[q] != '#') q++;
  size_t qe = q;
  if (q < n && u[q] == '?') {
    qe = q + 1;
    while (qe < n && u[qe] != '#') qe++;
  }
  size_t path_len = q - st;
  size_t qs = (q < n && u[q] == '?') ? q + 1 : q;
  size_t query_len = qe > qs ? qe - qs : 0;
  uint32_t url_off = r->url_off;
  if (grow_hdr(r, path_len + query_len + 4) != 0) return -1;
  u = r->hdr + url_off; /* may have moved */
  r->path_off = (uint32_t)r->hdr_len;
  if (path_len == 0) {
    r->hdr[r->hdr_len++] = '/';
    r->path_len = 1;
  } else {
    memcpy(r->hdr + r->hdr_len, u + st, path_len);
    r->hdr_len += path_len;
    r->path_len = (uint32_t)path_len;
  }
  r->hdr[r->hdr_len++] = '\0';
  r->query_off = (uint32_t)r->hdr_len;
  memcpy(r->hdr + r->hdr_len, u + qs, query_len);
  r->hdr_len += query_len;
  r->query_len = (uint32_t)query_len;
  r->hdr[r->hdr_len++] = '\0';
  r->hdr[r->hdr_len] = '\0';
  return 0;
}

/* What http-parser lets by in the fields that say where a request goes and
 * where it ends: two Host fields (RFC 9112 3.2: 400; a proxy may route by one
 * and this server see the other), and Transfer-Encoding in an HTTP/1.0
 * request (RFC 9112 6.1: faulty framing; an HTTP/1.0 proxy does not read it
 * as chunked). Content-Length and Transfer-Encoding themselves are checked
 * by http-parser (duplicates, both at once, a coding other than chunked). */
static int framing_fields_ok(const http_parser *p, const sio_http_req_t *r) {
  size_t hosts = 0;
  int te = 0;
  for (size_t i = 0; i < r->nheaders; i++) {
    const sio__http_hdr_t *h = &r->headers[i];
    const char *name = r->hdr + h->name_off;
    if (sio__http_ieq(name, h->name_len, "host")) hosts++;
    if (sio__http_ieq(name, h->name_len, "transfer-encoding")) te = 1;
  }
  if (hosts > 1) return 0;
  if (te && p->http_minor == 0) return 0;
  return 1;
}

static int on_headers_complete(http_parser *p) {
  sio__http_parse_t *ps = p->data;
  sio_http_req_t *r = ps->req;
  /* http-parser takes any "HTTP/x.y" (and "GET /" as 0.9): a version this
   * server does not speak is refused before anything acts on the request. */
  if (p->http_major != 1 || p->http_minor > 1) {
    ps->err_status = 505;
    return -1;
  }
  if (hdr_end(ps) != 0) return -1;
  /* Optional whitespace after a value is not part of it. */
  for (size_t i = 0; i < r->nheaders; i++) {
    sio__http_hdr_t *h = &r->headers[i];
    while (h->val_len > 0 && (r->hdr[h->val_off + h->val_len - 1] == ' ' ||
                              r->hdr[h->val_off + h->val_len - 1] == '\t'))
      r->hdr[h->val_off + --h->val_len] = '\0';
  }
  if (!framing_fields_ok(p, r)) {
    ps->err_status = 400;
    return -1;
  }
  if (split_url(r) != 0) {
    ps->err_status = 500;
    return -1;
  }
  r->method = http_method_str((enum http_method)p->method);
  r->keep_alive = http_should_keep_alive(p) != 0;
  r->http10 = p->http_major < 1 || (p->http_major == 1 && p->http_minor == 0);
  r->head = p->method == HTTP_HEAD;
  r->complete = 1;
  r->last_was_value = ST_VALUE; /* a trailer field starts a new line */
  r->max_body = ps->limits.max_body;
  if (ps->cbs->route) ps->cbs->route(ps->ud, r);
  int chunked = (p->flags & F_CHUNKED) != 0;
  sio__http_strict_body(&ps->strict, chunked);
  uint64_t cl = (p->flags & F_CONTENTLENGTH) ? p->content_length : 0;
  if (!chunked && cl > r->max_body) {
    ps->err_status = 413;
    return -1;
  }
  size_t elen;
  const char *expect = sio__http_req_header_n(r, "expect", &elen);
  int expect_continue = expect && !r->http10 &&
                        sio__http_ieq(expect, elen, "100-continue") &&
                        (chunked || cl > 0);
  if (ps->cbs->accepted) {
    int status = ps->cbs->accepted(ps->ud, r, expect_continue);
    if (status) {
      ps->err_status = status;
      return -1;
    }
  }
  return 0;
}

static int on_body(http_parser *p, const char *at, size_t len) {
  sio__http_parse_t *ps = p->data;
  sio_http_req_t *r = ps->req;
  if (len > r->max_body - r->body_len) {
    ps->err_status = 413;
    return -1;
  }
  if (r->body_len + len > r->body_cap) {
    /* Content-Length: its exact size once; chunked: doubling, bounded. */
    size_t cap = r->body_cap ? r->body_cap * 2 : 1024;
    if (p->flags & F_CONTENTLENGTH) cap = r->body_len + len + (size_t)p->content_length;
    if (cap < r->body_len + len) cap = r->body_len + len;
    if (cap > r->max_body) cap = r->max_body;
    uint8_t *n = sio__realloc(r->body, cap);
    if (!n) {
      ps->err_status = 500;
      return -1;
    }
    r->body = n;
    r->body_cap = cap;
  }
  memcpy(r->body + r->body_len, at, len);
  r->body_len += len;
  return 0;
}

static int on_message_complete(http_parser *p) {
  sio__http_parse_t *ps = p->data;
  ps->done = ps->req;
  ps->req = NULL;
  ps->done->upgrade = p->upgrade;
  sio__http_strict_reset(&ps->strict);
  /* Stop here: the request is handled before anything behind it is read. */
  http_parser_pause(p, 1);
  return 0;
}

static const http_parser_settings k_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void sio__http_parse_init(sio__http_parse_t *ps, const sio__http_limits_t *limits,
                          const sio__http_parse_cbs_t *cbs, void *ud) {
  memset(ps, 0, sizeof(*ps));
  http_parser_init(&ps->parser, HTTP_REQUEST);
  ps->parser.data = ps;
  ps->limits = *limits;
  ps->cbs = cbs;
  ps->ud = ud;
  sio__http_strict_reset(&ps->strict);
}

/* The error that stopped parsing (http-parser's errors are sticky). */
static size_t fail(sio__http_parse_t *ps, enum http_errno e, size_t used,
                   sio__http_parse_ev_t *ev) {
  if (e == HPE_STRICT) ps->err_status = 400;
  ev->kind = SIO__HTTP_PARSE_ERROR;
  ev->status = ps->err_status ? ps->err_status : e == HPE_HEADER_OVERFLOW ? 431 : 400;
  ev->reason = http_errno_name(e);
  return used;
}

size_t sio__http_parse_feed(sio__http_parse_t *ps, const uint8_t *data, size_t len,
                            sio__http_parse_ev_t *ev) {
  *ev = (sio__http_parse_ev_t){SIO__HTTP_PARSE_MORE, NULL, 0, NULL};
  if (ps->upgraded) {
    ev->kind = SIO__HTTP_PARSE_UPGRADED;
    return 0;
  }
  enum http_errno e = HTTP_PARSER_ERRNO(&ps->parser);
  if (e != HPE_OK) return fail(ps, e, 0, ev);
  size_t off = 0;
  /* http-parser takes no bytes as the end of the input: never pass none. */
  while (off < len) {
    /* The parser gets only what the strict scanner let through, up to the
     * end of a section, where the parser's view of the framing comes back. */
    int bad;
    size_t ok = sio__http_strict_scan(&ps->strict, data + off, len - off, &bad);
    size_t n = 0;
    if (ok > 0)
      n = http_parser_execute(&ps->parser, &k_settings, (const char *)data + off, ok);
    off += n;
    e = HTTP_PARSER_ERRNO(&ps->parser);
    if (e == HPE_PAUSED) {
      http_parser_pause(&ps->parser, 0);
      ev->kind = SIO__HTTP_PARSE_REQUEST;
      ev->req = ps->done;
      ps->done = NULL;
      if (ev->req->upgrade) ps->upgraded = 1;
      return off;
    }
    if (e != HPE_OK) return fail(ps, e, off, ev);
    if (bad) {
      /* Sticky like http-parser's own errors; the bytes before it were used. */
      ps->parser.http_errno = HPE_STRICT;
      return fail(ps, HPE_STRICT, off, ev);
    }
    if (n == 0) break;
  }
  return off;
}

struct sio_http_req *sio__http_parse_take(sio__http_parse_t *ps) {
  sio_http_req_t *r = ps->req;
  ps->req = NULL;
  return r;
}
