/* The client side of the WebSocket opening handshake (RFC 6455 4.1): a GET
 * with Upgrade and a random key, a 101 whose Sec-WebSocket-Accept matches,
 * then the stream becomes a client-role WebSocket connection. Bytes that
 * follow the 101 in the same read are handed to the frame decoder. */
#include <http_parser.h>
#include <string.h>
#include <strings.h>

#include "ws/ws_opening.h"
#include "core/alloc.h"
#include "io/stream.h"
#include "ws/ws_handshake.h"

#define HEAD_MAX 16384

struct sio__ws_opening {
  sio__stream_t *st;
  http_parser p;
  char key[25];
  char expect[29];
  int accept_ok, upgrade_ok, conn_ok, headers_done, field;
  size_t head_bytes;
  const sio__ws_conn_cbs_t *cbs;
  void *cbarg;
  sio__ws_opening_cb cb;
  void *arg;
  sio__rbuf_t *req;
  size_t max_queue; /* the WebSocket's write-queue cap */
  char hdr[32];
  size_t hdr_len;
  sio__ws_deflate_cfg_t deflate;
  char ext[192]; /* the answer's Sec-WebSocket-Extensions (cut: refused) */
  size_t ext_len;
  int has_ext;
};

enum { HF_NONE, HF_ACCEPT, HF_UPGRADE, HF_CONNECTION, HF_EXT };

static void fail(sio__ws_opening_t *o, int err) {
  sio__rbuf_unref(o->req);
  sio__stream_abandon(o->st);
  sio__ws_opening_cb cb = o->cb;
  void *arg = o->arg;
  sio__free(o);
  cb(arg, err, NULL);
}

static int on_field(http_parser *p, const char *at, size_t len) {
  sio__ws_opening_t *o = p->data;
  /* Header names may arrive in pieces: keep the first 31 bytes. */
  if (o->field != -1) {
    o->hdr_len = 0;
    o->field = -1;
  }
  size_t room = sizeof(o->hdr) - 1 - o->hdr_len;
  size_t n = len < room ? len : room;
  memcpy(o->hdr + o->hdr_len, at, n);
  o->hdr_len += n;
  o->hdr[o->hdr_len] = 0;
  return 0;
}

static int on_value(http_parser *p, const char *at, size_t len) {
  sio__ws_opening_t *o = p->data;
  if (o->field == -1) {
    o->field = HF_NONE;
    if (strcasecmp(o->hdr, "sec-websocket-accept") == 0) o->field = HF_ACCEPT;
    if (strcasecmp(o->hdr, "upgrade") == 0) o->field = HF_UPGRADE;
    if (strcasecmp(o->hdr, "connection") == 0) o->field = HF_CONNECTION;
    if (strcasecmp(o->hdr, "sec-websocket-extensions") == 0) o->field = HF_EXT;
  }
  if (o->field == HF_EXT) {
    /* Several headers form one list; too long a list is not ours. */
    size_t add = len + (o->has_ext ? 2 : 0);
    if (o->ext_len + add >= sizeof(o->ext)) {
      o->ext_len = sizeof(o->ext); /* marks it unusable */
    } else {
      if (o->has_ext) memcpy(o->ext + o->ext_len, ", ", 2), o->ext_len += 2;
      memcpy(o->ext + o->ext_len, at, len);
      o->ext_len += len;
    }
    o->has_ext = 1;
  }
  /* Values split across reads are rare for a 101; a split value fails. */
  if (o->field == HF_ACCEPT) o->accept_ok = len == 28 && memcmp(at, o->expect, 28) == 0;
  if (o->field == HF_UPGRADE)
    o->upgrade_ok = sio__http_header_has_token(at, len, "websocket");
  if (o->field == HF_CONNECTION)
    o->conn_ok = sio__http_header_has_token(at, len, "upgrade");
  return 0;
}

static int on_headers(http_parser *p) {
  sio__ws_opening_t *o = p->data;
  o->headers_done = 1;
  return 1; /* no body expected */
}

static const http_parser_settings k_settings = {.on_header_field = on_field,
                                                .on_header_value = on_value,
                                                .on_headers_complete = on_headers};

static void on_read(sio__stream_t *s, void *arg, uint8_t *data, size_t len) {
  sio__ws_opening_t *o = arg;
  size_t n = http_parser_execute(&o->p, &k_settings, (const char *)data, len);
  o->head_bytes += n;
  if (o->headers_done && o->p.upgrade && o->p.status_code == 101 && o->accept_ok &&
      o->upgrade_ok && o->conn_ok) {
    sio__rbuf_t *left = NULL;
    if (n < len && !(left = sio__rbuf_from(data + n, len - n))) {
      fail(o, SIO_ENOMEM);
      return;
    }
    sio__ws_pmd_t pmd;
    if (o->ext_len >= sizeof(o->ext) ||
        sio__ws_pmd_accept(&o->deflate, o->has_ext ? o->ext : NULL, o->ext_len, &pmd)) {
      sio__rbuf_unref(left);
      fail(o, SIO_EPROTO); /* an extension we did not offer, or a bad answer */
      return;
    }
    sio__stream_timer_stop(s);
    sio__ws_conn_t *conn = NULL;
    sio__ws_opening_cb cb = o->cb;
    void *cbarg = o->arg;
    sio__rbuf_unref(o->req);
    int rc = sio__ws_conn_start(s, SIO__WS_ROLE_CLIENT, o->cbs, o->cbarg,
                                SIO__CLIENT_MAX_BODY, o->max_queue, left, &conn);
    if (rc == 0 && pmd.on && (rc = sio__ws_conn_set_deflate(conn, &pmd, &o->deflate))) {
      sio__ws_conn_close(conn, SIO_WS_CLOSE_INTERNAL, NULL);
      conn = NULL;
    }
    sio__free(o);
    cb(cbarg, rc, rc ? NULL : conn);
    return;
  }
  if (o->headers_done) /* any other answer: the upgrade was refused */
    fail(o, o->p.status_code != 101 ? SIO_EACCES : SIO_EPROTO);
  else if (HTTP_PARSER_ERRNO(&o->p) != HPE_OK || n != len || o->head_bytes > HEAD_MAX)
    fail(o, SIO_EPROTO);
}

static void on_error(sio__stream_t *s, void *arg, int err) {
  (void)s;
  sio__ws_opening_t *o = arg;
  fail(o, err == SIO__STREAM_EOF ? SIO_ECONNRESET : err);
}

static void on_timer(sio__stream_t *s, void *arg) {
  (void)s;
  fail(arg, SIO_ETIMEDOUT);
}

static void on_connect(sio__stream_t *s, void *arg, int status) {
  sio__ws_opening_t *o = arg;
  (void)s;
  if (status) {
    fail(o, status);
    return;
  }
  sio__rbuf_t *req = o->req;
  o->req = NULL;
  int rc = sio__stream_read_start(o->st);
  if (rc == 0) rc = sio__stream_write(o->st, req, 0, req->len);
  sio__rbuf_unref(req);
  if (rc) fail(o, SIO_ECONNRESET);
}

static void no_event(sio__stream_t *s, void *a) {
  (void)s, (void)a;
}
static const sio__stream_cbs_t k_cbs = {on_read, on_error, on_timer, no_event, no_event};

sio__ws_opening_t *sio__ws_opening_start(const sio__http_target_t *t, const char *target,
                                         uint64_t timeout_ms,
                                         const sio__ws_conn_cbs_t *cbs, void *cbarg,
                                         const sio__ws_deflate_cfg_t *deflate,
                                         sio__ws_opening_cb cb, void *arg) {
  sio__ws_opening_t *o = sio__calloc(1, sizeof(*o));
  if (!o) return NULL;
  if (sio__ws_client_key(o->key) != 0) {
    sio__free(o);
    return NULL;
  }
  sio__ws_accept_key(o->key, 24, o->expect);
  o->cbs = cbs;
  o->cbarg = cbarg;
  o->cb = cb;
  o->arg = arg;
  o->max_queue = t->max_write_queue;
  o->field = HF_NONE;
  if (deflate)
    o->deflate = *deflate;
  else
    sio__ws_deflate_cfg_init(&o->deflate);
  http_parser_init(&o->p, HTTP_RESPONSE);
  o->p.data = o;
  sio__sb_t sb;
  sio__sb_init(&sb, 512);
  sio__sb_printf(&sb,
                 "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\n"
                 "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                 "Sec-WebSocket-Key: %s\r\n",
                 target, t->host, o->key);
  char offer[128];
  if (sio__ws_pmd_offer(&o->deflate, offer, sizeof(offer)))
    sio__sb_printf(&sb, "Sec-WebSocket-Extensions: %s\r\n", offer);
  sio__sb_puts(&sb, t->headers);
  sio__sb_puts(&sb, "\r\n");
  sio__rbuf_t *req = sio__sb_finish(&sb);
  if (!req) {
    sio__free(o);
    return NULL;
  }
  o->st = sio__http_target_connect(t, on_connect, o);
  if (!o->st) {
    sio__rbuf_unref(req);
    sio__free(o);
    return NULL;
  }
  o->req = req; /* written once connected */
  sio__stream_set_cbs(o->st, &k_cbs, o);
  sio__stream_timer_start(o->st, timeout_ms);
  return o;
}

void sio__ws_opening_cancel(sio__ws_opening_t *o) {
  if (!o) return;
  sio__rbuf_unref(o->req);
  sio__stream_abandon(o->st);
  sio__free(o);
}
