/* Hand-off records (http_server.h): a request parsed by one server of the
 * group, carried whole to the server that answers it, with what the client
 * sent after it. The request is not written out and parsed again: its
 * strings, headers and decoded body are plain memory that belongs to no
 * loop, and the new server only routes it to its own handler. */
#include <string.h>

#include "core/alloc.h"
#include "http/http_internal.h"
#include "io/stream.h"

sio__http_handoff_t *sio__http_handoff_new(const uint8_t *rest, size_t rest_len) {
  sio__http_handoff_t *h = sio__calloc(1, sizeof(*h) + rest_len);
  if (!h) return NULL;
  if (rest_len > 0) memcpy(h->bytes, rest, rest_len);
  h->len = rest_len;
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
  sio__http_req_free(h->req);
  sio__free(h);
}

int sio__http_req_was_handed(const sio_http_req_t *r) {
  return r->handed;
}
