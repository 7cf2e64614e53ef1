/* Building and queueing responses. */
#include <string.h>

#include "core/alloc.h"
#include "http/http_internal.h"
#include "http/http_util.h"

void sio__http_build_head(sio__sb_t *sb, sio_http_server_t *srv, const sio_http_req_t *r,
                          int status, const char *content_type, const char *extra,
                          uint64_t content_length, int close) {
  sio__sb_printf(sb, "HTTP/1.1 %d %s\r\n", status, sio__http_status_text(status));
  if (content_type) sio__sb_printf(sb, "Content-Type: %s\r\n", content_type);
  sio__sb_puts(sb, "Content-Length: ");
  sio__sb_put_u64(sb, content_length);
  sio__sb_puts(sb, "\r\n");
  if (srv) sio__http_cors_headers(sb, srv, r);
  if (close)
    sio__sb_puts(sb, "Connection: close\r\n");
  else if (r && r->http10)
    sio__sb_puts(sb, "Connection: keep-alive\r\n");
  if (extra) sio__sb_puts(sb, extra);
  sio__sb_puts(sb, "\r\n");
}

int sio__http_respond_ex(sio_http_req_t *r, int status, const char *content_type,
                         const char *extra, const void *copy, sio__rbuf_t *body,
                         size_t off, size_t len, int close) {
  if (!r || r->aborting) return SIO_EINVAL;
  sio__http_conn_t *c = r->conn;
  if (c && c->ps.req == r) return SIO_EINVAL; /* still being read: not yet */
  if (!c || !c->stream || c->ending || c->active != r) {
    /* The connection went away while the request was held: just forget it. */
    if (c && c->active == r) c->active = NULL;
    sio__http_req_free(r);
    return SIO_ECLOSED;
  }
  sio_http_server_t *srv = c->srv;
  if (status < 100 || status > 999) status = 500;
  close = close || !r->keep_alive || r->upgrade || srv->closing;
  /* HEAD and 304 announce the length without the bytes; 1xx/204 carry none. */
  int no_body = r->head || status == 304 || status == 204 || status < 200;
  uint64_t cl = (status == 204 || status < 200) ? 0 : len;
  sio__sb_t sb;
  sio__sb_init(&sb, 256 + (copy && !no_body ? len : 0));
  sio__http_build_head(&sb, srv, r, status, content_type, extra, cl, close);
  if (copy && !no_body) sio__sb_append(&sb, copy, len);
  sio__rbuf_t *head = sio__sb_finish(&sb);
  int err = head ? 0 : SIO_ENOMEM;
  if (head) {
    err = sio__stream_write(c->stream, head, 0, head->len);
    sio__rbuf_unref(head);
  }
  if (!err && body && !copy && !no_body && len > 0)
    err = sio__stream_write(c->stream, body, off, len);
  if (err == SIO_ENOMEM) close = 1;
  sio__http_conn_answered(c, r, close);
  sio__http_req_free(r);
  return err;
}

int sio_http_req_respond(sio_http_req_t *r, int status, const char *content_type,
                         const char *extra_headers, const void *body, size_t len) {
  static const char empty[1] = {0};
  return sio__http_respond_ex(r, status, content_type, extra_headers, body ? body : empty,
                              NULL, 0, body ? len : 0, 0);
}

int sio__http_req_respond_rbuf(sio_http_req_t *r, int status, const char *content_type,
                               const char *extra_headers, sio__rbuf_t *body, size_t off,
                               size_t len) {
  if (!body) len = 0;
  return sio__http_respond_ex(r, status, content_type, extra_headers, NULL, body, off,
                              len, 0);
}
