/* Request accessors (all strings borrowed from the request), and freeing. */
#include <string.h>

#include "core/alloc.h"
#include "http/http_internal.h"
#include "http/http_util.h"

void sio__http_req_free(sio_http_req_t *r) {
  if (!r) return;
  sio__free(r->hdr);
  sio__free(r->headers);
  sio__free(r->body);
  sio__free(r);
}

void sio__http_req_drop(sio_http_req_t *r, int dispatched) {
  if (!r) return;
  r->conn = NULL;
  r->srv = NULL;
  if (r->abort_cb) {
    sio__http_abort_cb cb = r->abort_cb;
    r->abort_cb = NULL;
    r->aborting = 1;
    cb(r, r->abort_ud);
    sio__http_req_free(r);
    return;
  }
  /* Without an abort callback a dispatched request stays its holder's:
   * answering it frees it. */
  if (!dispatched) sio__http_req_free(r);
}

const char *sio__http_req_header_n(const sio_http_req_t *r, const char *name,
                                   size_t *len) {
  for (size_t i = 0; i < r->nheaders; i++) {
    const sio__http_hdr_t *h = &r->headers[i];
    if (sio__http_ieq(r->hdr + h->name_off, h->name_len, name)) {
      if (len) *len = h->val_len;
      return r->hdr + h->val_off;
    }
  }
  if (len) *len = 0;
  return NULL;
}

const char *sio_http_req_method(const sio_http_req_t *r) {
  return r->method ? r->method : "";
}

const char *sio_http_req_path(const sio_http_req_t *r, size_t *len) {
  if (len) *len = r->path_len;
  return r->hdr + r->path_off;
}

const char *sio_http_req_query(const sio_http_req_t *r, size_t *len) {
  if (len) *len = r->query_len;
  return r->hdr + r->query_off;
}

int sio_http_req_query_get(const sio_http_req_t *r, const char *key, char *out,
                           size_t outlen) {
  const char *v;
  size_t vlen;
  if (sio__http_query_find(r->hdr + r->query_off, r->query_len, key, &v, &vlen) != 0)
    return SIO_ENOENT;
  if (!out || outlen == 0) return SIO_EINVAL;
  /* Decoding never lengthens, so vlen bytes are enough. */
  char stack[512];
  char *tmp = vlen < sizeof(stack) ? stack : sio__malloc(vlen + 1);
  if (!tmp) return SIO_ENOMEM;
  int n = sio__pct_decode(v, vlen, tmp, vlen + 1, 1, 0);
  if (n >= 0) {
    if ((size_t)n > outlen - 1) n = (int)(outlen - 1);
    memcpy(out, tmp, (size_t)n);
    out[n] = '\0';
  }
  if (tmp != stack) sio__free(tmp);
  return n;
}

const char *sio_http_req_header(const sio_http_req_t *r, const char *name, size_t *len) {
  return sio__http_req_header_n(r, name, len);
}

int sio_http_req_header_at(const sio_http_req_t *r, size_t i, sio_buf_t *name,
                           sio_buf_t *value) {
  if (i >= r->nheaders) return SIO_ENOENT;
  const sio__http_hdr_t *h = &r->headers[i];
  if (name) *name = (sio_buf_t){(const uint8_t *)r->hdr + h->name_off, h->name_len};
  if (value) *value = (sio_buf_t){(const uint8_t *)r->hdr + h->val_off, h->val_len};
  return 0;
}

uint8_t *sio_http_req_body(sio_http_req_t *r, size_t *len) {
  if (len) *len = r->body_len;
  /* Never NULL: an empty body points at the NUL ending the headers. */
  return r->body ? r->body : (uint8_t *)r->hdr + r->hdr_len;
}

const char *sio_http_req_remote_addr(const sio_http_req_t *r) {
  return r->addr;
}

int sio_http_req_is_upgrade(const sio_http_req_t *r) {
  size_t n;
  const char *u = sio__http_req_header_n(r, "upgrade", &n);
  return u && sio__http_list_has_token(u, n, "websocket");
}

void sio__http_req_set_abort_cb(sio_http_req_t *r, sio__http_abort_cb cb, void *arg) {
  r->abort_cb = cb;
  r->abort_ud = arg;
}

sio_http_server_t *sio__http_req_server(const sio_http_req_t *r) {
  return r->srv;
}

int sio__http_req_is_http11(const sio_http_req_t *r) {
  return !r->http10;
}

void sio__http_req_set_data(sio_http_req_t *r, void *data) {
  r->data = data;
}

void *sio__http_req_get_data(const sio_http_req_t *r) {
  return r->data;
}
