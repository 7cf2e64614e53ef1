/* A minimal HTTP/1.1 requester for the polling transport: one keep-alive
 * TCP connection, one request at a time, the response read by http-parser.
 * A request on a kept-alive connection the server closed meanwhile is sent
 * again once on a fresh connection (the server never saw it). */
#include <http_parser.h>
#include <string.h>
#include <strings.h>

#include "http/http_client.h"
#include "http/http_inflate.h"
#include "core/alloc.h"
#include "io/stream.h"

struct sio__http_client {
  const sio__http_target_t *t;
  sio__stream_t *st;
  int connected, reused, got_bytes, done, busy;
  http_parser p;
  sio__sb_t body;
  sio__rbuf_t *req; /* the request bytes, kept for one resend */
  sio__http_client_cb cb;
  void *arg;
  uint64_t timeout;
  /* The response's Content-Encoding, from the header callbacks. */
  char field[24], coding[24];
  size_t flen, clen;
  int in_value, coding_too_long;
};

/* Lets go of the stream: it closes on its own, never calling us again. */
static void drop_stream(sio__http_client_t *hc) {
  if (!hc->st) return;
  sio__stream_abandon(hc->st);
  hc->st = NULL;
  hc->connected = 0;
}

/* Replaces a gzip/deflate body by its inflated bytes, bounded like a plain
 * body; returns the status, or the error that fails the request. */
static int decode_body(sio__http_client_t *hc, sio__rbuf_t **body) {
  sio__http_coding_t ce = hc->coding_too_long
                              ? SIO__HTTP_CE_UNKNOWN
                              : sio__http_content_encoding(hc->coding, hc->clen);
  if (ce == SIO__HTTP_CE_NONE) return (int)hc->p.status_code;
  sio__rbuf_t *plain = NULL;
  int rc =
      sio__http_inflate(ce, (*body)->data, (*body)->len, SIO__CLIENT_MAX_BODY, &plain);
  sio__rbuf_unref(*body);
  *body = plain;
  return rc ? rc : (int)hc->p.status_code;
}

static void finish(sio__http_client_t *hc, int status) {
  sio__http_client_cb cb = hc->cb;
  void *arg = hc->arg;
  int keep = status > 0 && http_should_keep_alive(&hc->p);
  sio__rbuf_t *body = status > 0 ? sio__sb_finish(&hc->body) : NULL;
  sio__sb_reset(&hc->body);
  if (status > 0 && !body) {
    status = SIO_ENOMEM; /* empty bodies still get a buffer from sb_finish */
  }
  if (status > 0 && (hc->clen || hc->coding_too_long)) status = decode_body(hc, &body);
  sio__rbuf_unref(hc->req);
  hc->req = NULL;
  hc->busy = 0;
  hc->cb = NULL;
  if (hc->st) sio__stream_timer_stop(hc->st);
  if (!keep) drop_stream(hc);
  if (cb) cb(arg, status, body ? body->data : NULL, body ? body->len : 0);
  sio__rbuf_unref(body);
}

static int on_body(http_parser *p, const char *at, size_t len) {
  sio__http_client_t *hc = p->data;
  if (sio__sb_len(&hc->body) + len > SIO__CLIENT_MAX_BODY) return 1;
  sio__sb_append(&hc->body, at, len);
  return 0;
}
/* Header names and values may arrive in pieces: only Content-Encoding's
 * value is kept (a name longer than that one is never it). */
static int on_header_field(http_parser *p, const char *at, size_t len) {
  sio__http_client_t *hc = p->data;
  if (hc->in_value) hc->flen = 0, hc->in_value = 0;
  size_t room = sizeof(hc->field) - hc->flen;
  memcpy(hc->field + hc->flen, at, len < room ? len : room);
  hc->flen += len < room ? len : room;
  return 0;
}
static int on_header_value(http_parser *p, const char *at, size_t len) {
  sio__http_client_t *hc = p->data;
  hc->in_value = 1;
  if (hc->flen != 16 || strncasecmp(hc->field, "content-encoding", 16)) return 0;
  if (hc->clen + len > sizeof(hc->coding))
    hc->coding_too_long = 1;
  else
    memcpy(hc->coding + hc->clen, at, len), hc->clen += len;
  return 0;
}
static int on_complete(http_parser *p) {
  sio__http_client_t *hc = p->data;
  hc->done = 1;
  return 0;
}
static const http_parser_settings k_settings = {.on_header_field = on_header_field,
                                                .on_header_value = on_header_value,
                                                .on_body = on_body,
                                                .on_message_complete = on_complete};

static void start_connect(sio__http_client_t *hc);

static void on_read(sio__stream_t *s, void *arg, uint8_t *data, size_t len) {
  (void)s;
  sio__http_client_t *hc = arg;
  if (!hc->busy) { /* bytes nobody asked for */
    drop_stream(hc);
    return;
  }
  hc->got_bytes = 1;
  size_t n = http_parser_execute(&hc->p, &k_settings, (const char *)data, len);
  if (hc->done) {
    finish(hc, (int)hc->p.status_code ? (int)hc->p.status_code : SIO_EPROTO);
    return;
  }
  if (n != len || HTTP_PARSER_ERRNO(&hc->p) != HPE_OK) {
    drop_stream(hc);
    finish(hc, SIO_EPROTO);
  }
}

static void on_error(sio__stream_t *s, void *arg, int err) {
  (void)s;
  sio__http_client_t *hc = arg;
  if (!hc->busy) {
    drop_stream(hc);
    return;
  }
  if (hc->got_bytes && err == SIO__STREAM_EOF) { /* a body delimited by the close */
    http_parser_execute(&hc->p, &k_settings, NULL, 0);
    if (hc->done) {
      drop_stream(hc);
      finish(hc, (int)hc->p.status_code);
      return;
    }
  }
  drop_stream(hc);
  if (hc->reused && !hc->got_bytes) { /* stale keep-alive connection: once more */
    hc->reused = 0;
    start_connect(hc);
    return;
  }
  finish(hc, err == SIO__STREAM_EOF ? SIO_ECONNRESET : err);
}

static void on_timer(sio__stream_t *s, void *arg) {
  (void)s;
  sio__http_client_t *hc = arg;
  drop_stream(hc);
  if (hc->busy) finish(hc, SIO_ETIMEDOUT);
}

static void on_defer(sio__stream_t *s, void *arg) {
  (void)s;
  sio__http_client_t *hc = arg;
  /* A failure found while starting (connect could not begin). */
  if (hc->busy && !hc->st) finish(hc, SIO_ECONNRESET);
}

static void on_close(sio__stream_t *s, void *arg) {
  (void)arg;
  (void)s;
}

static const sio__stream_cbs_t k_cbs = {on_read, on_error, on_timer, on_defer, on_close};

static void send_req(sio__http_client_t *hc) {
  http_parser_init(&hc->p, HTTP_RESPONSE);
  hc->p.data = hc;
  hc->done = 0;
  hc->got_bytes = 0;
  hc->flen = hc->clen = 0;
  hc->in_value = hc->coding_too_long = 0;
  sio__sb_reset(&hc->body);
  sio__sb_init(&hc->body, 256);
  sio__stream_timer_start(hc->st, hc->timeout);
  if (sio__stream_write(hc->st, hc->req, 0, hc->req->len) != 0) {
    /* on_error follows from the loop */
  }
}

static void on_connect(sio__stream_t *s, void *arg, int status) {
  sio__http_client_t *hc = arg;
  if (status != 0) {
    drop_stream(hc);
    finish(hc, status);
    return;
  }
  hc->connected = 1;
  if (sio__stream_read_start(s) != 0) {
    drop_stream(hc);
    finish(hc, SIO_ECONNRESET);
    return;
  }
  send_req(hc);
}

static void start_connect(sio__http_client_t *hc) {
  hc->st = sio__http_target_connect(hc->t, on_connect, hc);
  if (!hc->st) {
    finish(hc, SIO_ECONNRESET);
    return;
  }
  sio__stream_set_cbs(hc->st, &k_cbs, hc);
  sio__stream_timer_start(hc->st, hc->timeout);
}

sio__http_client_t *sio__http_client_new(const sio__http_target_t *t) {
  sio__http_client_t *hc = sio__calloc(1, sizeof(*hc));
  if (hc) hc->t = t;
  return hc;
}

int sio__http_client_busy(const sio__http_client_t *hc) {
  return hc->busy;
}

int sio__http_client_request(sio__http_client_t *hc, const char *method,
                             const char *target, const void *body, size_t len,
                             uint64_t timeout_ms, sio__http_client_cb cb, void *arg) {
  if (hc->busy) return SIO_EBUSY;
  sio__sb_t sb;
  sio__sb_init(&sb, 256 + len);
  sio__sb_printf(&sb, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: keep-alive\r\n", method,
                 target, hc->t->host);
  sio__sb_puts(&sb, "Accept: */*\r\nAccept-Encoding: gzip, deflate\r\n");
  if (body) {
    sio__sb_puts(&sb, "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ");
    sio__sb_put_u64(&sb, len);
    sio__sb_puts(&sb, "\r\n");
  }
  sio__sb_puts(&sb, hc->t->headers);
  sio__sb_puts(&sb, "\r\n");
  if (body) sio__sb_append(&sb, body, len);
  sio__rbuf_t *req = sio__sb_finish(&sb);
  if (!req) return SIO_ENOMEM;
  hc->req = req;
  hc->busy = 1;
  hc->cb = cb;
  hc->arg = arg;
  hc->timeout = timeout_ms;
  if (hc->st && hc->connected && !sio__stream_is_closing(hc->st)) {
    hc->reused = 1;
    send_req(hc);
  } else {
    drop_stream(hc);
    hc->reused = 0;
    hc->st = sio__http_target_connect(hc->t, on_connect, hc);
    if (!hc->st) {
      sio__rbuf_unref(hc->req);
      hc->req = NULL;
      hc->busy = 0;
      return SIO_ECONNRESET;
    }
    sio__stream_set_cbs(hc->st, &k_cbs, hc);
    sio__stream_timer_start(hc->st, hc->timeout);
  }
  return 0;
}

void sio__http_client_free(sio__http_client_t *hc) {
  if (!hc) return;
  drop_stream(hc);
  sio__rbuf_unref(hc->req);
  sio__sb_reset(&hc->body);
  sio__free(hc);
}
