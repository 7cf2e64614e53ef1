/* The HTTP long-polling client of sio_load: a GET connection that always has
 * one long-poll out, and a POST connection that sends whatever is queued
 * (CONNECT, pongs, messages) in one payload when the previous POST is done.
 * HTTP/1.1 keep-alive, Content-Length bodies only (chunked answers count as
 * errors: neither server sends them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "load.h"

#define RESP_MAX (1u << 22)

static void send_request(conn_t *c, http_conn_t *h, const char *method, const char *body,
                         size_t blen) {
  char hdr[512];
  int n;
  bench_t *b = c->b;
  if (c->sid[0])
    n = snprintf(hdr, sizeof hdr,
                 "%s %s?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: %s:%d\r\n",
                 method, b->path, c->sid, b->host, b->port);
  else
    n = snprintf(hdr, sizeof hdr,
                 "%s %s?EIO=4&transport=polling HTTP/1.1\r\nHost: %s:%d\r\n", method,
                 b->path, b->host, b->port);
  if (body)
    n += snprintf(hdr + n, sizeof hdr - (size_t)n,
                  "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: %zu\r\n\r\n",
                  blen);
  else
    n += snprintf(hdr + n, sizeof hdr - (size_t)n, "\r\n");
  h->busy = 1;
  int rc = load_write((uv_stream_t *)&h->tcp, hdr, (size_t)n);
  if (rc == 0 && body && blen) rc = load_write((uv_stream_t *)&h->tcp, body, blen);
  if (rc != 0) load_on_closed(c, "request write failed");
}

/* Sends what is queued on the POST connection if it is free. */
static void flush(conn_t *c) {
  http_conn_t *h = &c->post;
  if (h->busy || !h->connected || !c->sid[0] || c->state == ST_CLOSED) return;
  static char body[1 << 20];
  char msg[16384];
  size_t at = 0;
  if (c->state == ST_SIO) {
    if (c->pending != UINT32_MAX) return; /* CONNECT already sent */
    c->pending = 0;
    memcpy(body, "40", 2);
    at = 2;
  }
  for (; c->pongs; c->pongs--) {
    if (at) body[at++] = 0x1e;
    body[at++] = '3';
  }
  if (c->state == ST_READY)
    for (; c->pending; c->pending--) {
      size_t m = load_build_msg(c, msg, sizeof msg);
      if (at + m + 2 > sizeof body) break;
      if (at) body[at++] = 0x1e;
      memcpy(body + at, msg, m);
      at += m;
    }
  if (at) send_request(c, h, "POST", body, at);
}

void polling_send_next(conn_t *c, uint32_t n) {
  c->pending += n;
  flush(c);
}

/* One polling payload from the GET connection. */
static void on_payload(conn_t *c, uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n && c->state != ST_CLOSED) {
    size_t j = i;
    while (j < n && p[j] != 0x1e) j++;
    const uint8_t *q = p + i;
    size_t m = j - i;
    i = j + 1;
    if (m == 0) continue;
    switch (q[0]) {
      case '0': /* open: take the sid, then CONNECT on the POST connection */
        if (c->state == ST_HTTP) {
          const char *s = memmem(q, m, "\"sid\":\"", 7);
          const char *e =
              s ? memchr(s + 7, '"', m - (size_t)(s + 7 - (const char *)q)) : NULL;
          if (!e || (size_t)(e - s - 7) >= sizeof c->sid) {
            load_on_closed(c, "bad open packet");
            return;
          }
          memcpy(c->sid, s + 7, (size_t)(e - s - 7));
          c->sid[e - s - 7] = '\0';
          c->state = ST_SIO;
          c->pending = UINT32_MAX; /* "CONNECT not sent yet" */
          flush(c);
        }
        break;
      case '2':
        c->pongs++;
        flush(c);
        break;
      case '1':
        load_on_closed(c, "engine.io close");
        return;
      case '4':
        if (c->state == ST_SIO) {
          if (m >= 2 && q[1] == '0') {
            c->state = ST_READY;
            c->pending = 0;
            load_on_ready(c);
          } else {
            load_on_closed(c, "connect refused");
            return;
          }
        } else {
          load_on_sio(c, q + 1, m - 1);
        }
        break;
      default:
        break;
    }
  }
}

static void on_response(conn_t *c, http_conn_t *h, int status, uint8_t *body, size_t n) {
  h->busy = 0;
  if (status != 200) {
    char why[64];
    snprintf(why, sizeof why, "HTTP status %d", status);
    load_on_closed(c, why);
    return;
  }
  if (h == &c->get) {
    on_payload(c, body, n);
    if (c->state != ST_CLOSED && c->sid[0]) send_request(c, h, "GET", NULL, 0);
  } else {
    flush(c);
  }
}

/* Extracts complete responses from h->buf. */
static void parse(conn_t *c, http_conn_t *h) {
  while (c->state != ST_CLOSED) {
    char *end = memmem(h->buf, h->len, "\r\n\r\n", 4);
    if (!end) return;
    size_t hdr = (size_t)(end + 4 - h->buf);
    int status = h->len > 12 ? atoi(h->buf + 9) : 0;
    long cl = -1;
    for (char *l = memchr(h->buf, '\n', hdr); l && l < end;
         l = memchr(l + 1, '\n', hdr)) {
      if (strncasecmp(l + 1, "content-length:", 15) == 0) cl = strtol(l + 16, NULL, 10);
      if (strncasecmp(l + 1, "transfer-encoding:", 18) == 0) cl = -2;
    }
    if (cl < 0) {
      load_on_closed(c, "response without Content-Length");
      return;
    }
    if (h->len < hdr + (size_t)cl) return;
    on_response(c, h, status, (uint8_t *)h->buf + hdr, (size_t)cl);
    if (c->state == ST_CLOSED) return;
    size_t used = hdr + (size_t)cl;
    memmove(h->buf, h->buf + used, h->len - used);
    h->len -= used;
  }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  http_conn_t *h = s->data;
  conn_t *c = h->owner;
  if (nread < 0) {
    load_on_closed(c, nread == UV_EOF ? "eof" : uv_strerror((int)nread));
    return;
  }
  if (c->state == ST_CLOSED || nread == 0) return;
  size_t n = (size_t)nread;
  if (h->len + n > RESP_MAX) {
    load_on_closed(c, "response too long");
    return;
  }
  if (h->len + n + 1 > h->cap) {
    size_t cap = h->cap ? h->cap : 4096;
    while (cap < h->len + n + 1) cap *= 2;
    char *nb = sio__realloc(h->buf, cap);
    if (!nb) {
      load_on_closed(c, "out of memory");
      return;
    }
    h->buf = nb;
    h->cap = cap;
  }
  memcpy(h->buf + h->len, buf->base, n);
  h->len += n;
  parse(c, h);
}

static void on_connect(uv_connect_t *req, int status) {
  http_conn_t *h = req->data;
  conn_t *c = h->owner;
  sio__free(req);
  if (status != 0) {
    load_error(c->b, "connect", status);
    load_on_closed(c, NULL);
    return;
  }
  if (c->state == ST_CLOSED) return;
  h->connected = 1;
  int rc = uv_read_start((uv_stream_t *)&h->tcp, load_alloc, on_read);
  if (rc != 0) {
    load_on_closed(c, "read start failed");
    return;
  }
  if (h == &c->get) {
    c->state = ST_HTTP;
    send_request(c, h, "GET", NULL, 0);
  } else {
    flush(c);
  }
}

void polling_start(conn_t *c) {
  c->state = ST_TCP;
  c->get.owner = c->post.owner = c;
  int rc = load_tcp_connect(c->b, c->index * 2, &c->get.tcp, &c->get, on_connect);
  if (rc == 0) {
    rc = load_tcp_connect(c->b, c->index * 2 + 1, &c->post.tcp, &c->post, on_connect);
    if (rc != 0) {
      load_error(c->b, "connect", rc);
      load_on_closed(c, NULL);
      return;
    }
  }
  if (rc != 0) {
    load_error(c->b, "connect", rc);
    c->state = ST_CLOSED;
    c->b->failed++;
  }
}
