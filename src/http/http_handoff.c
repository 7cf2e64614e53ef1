/* Hand-off records (http_server.h): a request written out again so that
 * another server of the group parses it as if it had arrived there. The
 * parser keeps the request line and headers as NUL-terminated strings and
 * the body decoded, so the request is rebuilt rather than kept raw: the body
 * goes with a Content-Length (a chunked one arrived whole), and Expect is
 * left out (the first server already answered 100 Continue). */
#include <string.h>

#include "core/alloc.h"
#include "http/http_internal.h"
#include "http/http_util.h"
#include "io/stream.h"

static int left_out(const sio_http_req_t *r, const sio__http_hdr_t *h) {
  const char *name = r->hdr + h->name_off;
  return sio__http_ieq(name, h->name_len, "content-length") ||
         sio__http_ieq(name, h->name_len, "transfer-encoding") ||
         sio__http_ieq(name, h->name_len, "expect");
}

sio__http_handoff_t *sio__http_handoff_build(const sio_http_req_t *r, const uint8_t *rest,
                                             size_t rest_len) {
  sio__sb_t sb;
  sio__sb_init(&sb, 256 + r->hdr_len + r->body_len);
  sio__sb_puts(&sb, sio_http_req_method(r));
  sio__sb_putc(&sb, ' ');
  sio__sb_append(&sb, r->hdr + r->url_off, r->url_len);
  sio__sb_puts(&sb, r->http10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  for (size_t i = 0; i < r->nheaders; i++) {
    const sio__http_hdr_t *h = &r->headers[i];
    if (left_out(r, h)) continue;
    sio__sb_append(&sb, r->hdr + h->name_off, h->name_len);
    sio__sb_puts(&sb, ": ");
    sio__sb_append(&sb, r->hdr + h->val_off, h->val_len);
    sio__sb_puts(&sb, "\r\n");
  }
  if (r->body_len > 0 || strcmp(sio_http_req_method(r), "POST") == 0) {
    sio__sb_puts(&sb, "Content-Length: ");
    sio__sb_put_u64(&sb, r->body_len);
    sio__sb_puts(&sb, "\r\n");
  }
  sio__sb_puts(&sb, "\r\n");
  if (r->body_len > 0) sio__sb_append(&sb, r->body, r->body_len);
  sio__rbuf_t *b = sio__sb_finish(&sb);
  if (!b) return NULL;
  sio__http_handoff_t *h = sio__calloc(1, sizeof(*h) + b->len + rest_len);
  if (h) {
    memcpy(h->bytes, b->data, b->len);
    if (rest_len > 0) memcpy(h->bytes + b->len, rest, rest_len);
    h->len = b->len + rest_len;
  }
  sio__rbuf_unref(b);
  return h;
}

sio__http_handoff_t *sio__http_handoff_fresh(sio__stream_t *st) {
  sio__http_handoff_t *h = sio__calloc(1, sizeof(*h));
  if (!h || sio__stream_export(st, &h->conn) != 0) {
    sio__free(h);
    sio__stream_close(st, 0);
    return NULL;
  }
  h->fresh = 1;
  return h;
}

void sio__http_handoff_drop(sio__http_handoff_t *h) {
  if (!h) return;
  sio__stream_export_drop(h->conn);
  sio__free(h);
}

int sio__http_req_was_handed(const sio_http_req_t *r) {
  return r->handed;
}
