/* Compressed answers: the server's compression options applied to one
 * response (Engine.IO polling bodies; static files build on the same choice). */
#include <string.h>

#include "core/alloc.h"
#include "http/http_internal.h"
#include "http/http_util.h"

sio__http_enc_t sio__http_pick_encoding(const sio_http_req_t *r, size_t len, int *vary) {
  *vary = 0;
  const sio_http_server_t *s = r->srv;
  if (!s || !s->opts.compression || len < s->opts.compression_threshold)
    return SIO__HTTP_ENC_IDENTITY;
  *vary = 1;
  size_t al = 0;
  const char *ae = sio_http_req_header(r, "accept-encoding", &al);
  return sio__http_accept_encoding(ae, al);
}

int sio__http_respond_compressed(sio_http_req_t *r, int status, const char *content_type,
                                 const char *extra_headers, sio__rbuf_t *body, size_t off,
                                 size_t len) {
  int vary = 0;
  sio__http_enc_t enc = body && r && !r->aborting ? sio__http_pick_encoding(r, len, &vary)
                                                  : SIO__HTTP_ENC_IDENTITY;
  if (!vary)
    return sio__http_req_respond_rbuf(r, status, content_type, extra_headers, body, off,
                                      len);
  sio__rbuf_t *z = NULL;
  if (enc != SIO__HTTP_ENC_IDENTITY &&
      (sio__http_compress(enc, r->srv->opts.compression_level, body->data + off, len,
                          &z) != 0 ||
       z->len >= len)) {
    /* Out of memory, or nothing gained: the plain body serves as well. */
    sio__rbuf_unref(z);
    z = NULL;
  }
  sio__sb_t sb;
  sio__sb_init(&sb, 96 + (extra_headers ? strlen(extra_headers) : 0));
  if (extra_headers) sio__sb_puts(&sb, extra_headers);
  if (z) sio__sb_printf(&sb, "Content-Encoding: %s\r\n", sio__http_enc_name(enc));
  sio__sb_puts(&sb, "Vary: Accept-Encoding\r\n");
  sio__sb_putc(&sb, '\0');
  sio__rbuf_t *hdrs = sio__sb_finish(&sb);
  if (!hdrs && z) { /* no room for Content-Encoding: the plain body then */
    sio__rbuf_unref(z);
    z = NULL;
  }
  const char *extra = hdrs ? (const char *)hdrs->data : extra_headers;
  int rc = z ? sio__http_req_respond_rbuf(r, status, content_type, extra, z, 0, z->len)
             : sio__http_req_respond_rbuf(r, status, content_type, extra, body, off, len);
  sio__rbuf_unref(z);
  sio__rbuf_unref(hdrs);
  return rc;
}
