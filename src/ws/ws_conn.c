/* WebSocket connection state on a stream: frames in through the decoder,
 * frames out through the stream's write queue, and the closing handshake.
 *
 * Closing: whoever closes first sends a close frame; when the peer's close
 * arrives (or on a protocol error, after our close frame), the TCP connection
 * is ended at once: the write side is shut down and the socket closes as soon
 * as the peer closes its side (at most LINGER_MS later). A close we started
 * waits CLOSE_WAIT_MS for the peer's answer, then the socket is closed anyway.
 * on_close runs from the stream's close, so never inside a call of ours. */
#include "ws/ws_conn.h"

#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/pool.h"
#include "core/log.h"
#include "core/rand.h"
#include "http/http_server.h"
#include "io/stream.h"
#include "sio/common.h"
#include "ws/ws_deflate.h"
#include "ws/ws_handshake.h"

#define CLOSE_WAIT_MS 1000
#define LINGER_MS 1000
/* A client that fails the connection on a server's protocol error does not
 * wait for that server to close TCP first (RFC 6455 7.1.7): the owner hears
 * of the error about at once, not after a full linger. */
#define CLIENT_FAIL_LINGER_MS 50

enum { ST_OPEN, ST_CLOSE_SENT, ST_CLOSED };

/* permessage-deflate on one connection. */
typedef struct {
  sio__ws_pmd_t pmd;
  int8_t level;
  uint8_t mem_level;
  size_t threshold;
  sio__ws_inflater_t inf;
  /* An inflate failure seen inside the decoder's callback, acted on after. */
  int fail_err;
  uint16_t fail_code;
} zstate_t;

/* What most connections never need, allocated only while one of its parts
 * is in use: the bytes read with the handshake (until the first loop turn
 * decodes them) and permessage-deflate (from its negotiation on). */
typedef struct {
  sio__rbuf_t *leftover; /* bytes read with the handshake, not decoded yet */
  uint8_t deflate_on;    /* z is in use */
  zstate_t z;
} rare_t;

/* Kept small (72 bytes on 64-bit: malloc's 80-byte class) because every idle
 * connection carries one: the role lives in the decoder, and the decoder
 * holds no frame state between frames (ws/ws_frame.h, "Memory"). */
struct sio__ws_conn {
  sio__stream_t *stream;
  const sio__ws_conn_cbs_t *cbs; /* borrowed: outlives the connection */
  void *arg;
  sio__ws_decoder_t dec;
  rare_t *rare; /* NULL unless leftover bytes or permessage-deflate */
  int close_err;
  uint16_t close_code; /* sent or received; 0 = none yet */
  uint8_t state;
};

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(struct sio__ws_conn) <= 72, "an idle connection's size");
#endif

/* c's permessage-deflate state, or NULL when it was not negotiated. */
static zstate_t *deflate_of(const sio__ws_conn_t *c) {
  return c->rare && c->rare->deflate_on ? &c->rare->z : NULL;
}

static int is_client(const sio__ws_conn_t *c) {
  return sio__ws_decoder_role(&c->dec) == SIO__WS_ROLE_CLIENT;
}

/* ---- sending ---- */

static int send_rbuf(sio__ws_conn_t *c, sio__rbuf_t *f) {
  if (!f) return SIO_ENOMEM;
  int r = sio__stream_write(c->stream, f, 0, f->len);
  sio__rbuf_unref(f);
  return r;
}

static sio__rbuf_t *make_frame(sio__ws_conn_t *c, sio__ws_opcode_t op, const void *data,
                               size_t len) {
  sio_buf_t part = {(const uint8_t *)data, len};
  uint8_t mask[4];
  const uint8_t *m = NULL;
  if (is_client(c)) {
    if (sio__rand_bytes(mask, sizeof(mask)) != 0) return NULL;
    m = mask;
  }
  return sio__ws_frame_new(op, &part, 1, m);
}

static int send_close_frame(sio__ws_conn_t *c, uint16_t code, const char *reason) {
  uint8_t mask[4];
  const uint8_t *m = NULL;
  if (is_client(c)) {
    if (sio__rand_bytes(mask, sizeof(mask)) != 0) return SIO_EAGAIN;
    m = mask;
  }
  /* 1005/1006/1015 may not be sent: they become an empty close frame. */
  if (code == SIO_WS_CLOSE_NO_STATUS || code == SIO_WS_CLOSE_ABNORMAL || code == 1015)
    code = 0;
  return send_rbuf(c, sio__ws_close_frame_new(code, reason, m));
}

int sio__ws_conn_send(sio__ws_conn_t *c, int binary, const void *data, size_t len) {
  if (c->state != ST_OPEN) return SIO_ECLOSED;
  sio__ws_opcode_t op = binary ? SIO__WS_OP_BINARY : SIO__WS_OP_TEXT;
  zstate_t *z = deflate_of(c);
  if (z && z->pmd.out_bits && len >= z->threshold) {
    sio_buf_t part = {(const uint8_t *)data, len};
    uint8_t mask[4];
    const uint8_t *m = NULL;
    if (is_client(c)) {
      if (sio__rand_bytes(mask, sizeof(mask)) != 0) return SIO_EAGAIN;
      m = mask;
    }
    size_t off, flen;
    sio__rbuf_t *f = sio__ws_frame_new_deflated(op, &part, 1, m, z->level, z->mem_level,
                                                z->pmd.out_bits, &off, &flen);
    if (!f) return SIO_ENOMEM;
    int r = sio__stream_write(c->stream, f, off, flen);
    sio__rbuf_unref(f);
    return r;
  }
  return send_rbuf(c, make_frame(c, op, data, len));
}

int sio__ws_conn_set_deflate(sio__ws_conn_t *c, const sio__ws_pmd_t *pmd,
                             const sio__ws_deflate_cfg_t *cfg) {
  if (!pmd->on || deflate_of(c)) return 0;
  if (!c->rare && !(c->rare = sio__calloc(1, sizeof(*c->rare)))) return SIO_ENOMEM;
  zstate_t *z = &c->rare->z;
  z->pmd = *pmd;
  z->level = cfg->level;
  z->mem_level = cfg->mem_level;
  z->threshold = cfg->threshold;
  c->rare->deflate_on = 1;
  sio__ws_decoder_allow_rsv1(&c->dec, 1);
  return 0;
}

int sio__ws_conn_deflate_bits(const sio__ws_conn_t *c) {
  zstate_t *z = deflate_of(c);
  return z ? z->pmd.out_bits : 0;
}

size_t sio__ws_conn_deflate_held(const sio__ws_conn_t *c) {
  zstate_t *z = deflate_of(c);
  return z ? sizeof(*c->rare) + sio__ws_inflater_held(&z->inf) : 0;
}

int sio__ws_conn_send_slice(sio__ws_conn_t *c, sio__rbuf_t *frame, size_t off,
                            size_t len) {
  if (c->state != ST_OPEN) return SIO_ECLOSED;
  return sio__stream_write(c->stream, frame, off, len);
}

size_t sio__ws_conn_queued(const sio__ws_conn_t *c) {
  return sio__stream_queued(c->stream);
}

void sio__ws_conn_set_cbs(sio__ws_conn_t *c, const sio__ws_conn_cbs_t *cbs, void *arg) {
  c->cbs = cbs;
  c->arg = arg;
}

/* ---- closing ---- */

/* The handshake is over (or failed): end the TCP connection now. */
static void finish(sio__ws_conn_t *c, uint16_t code, int err) {
  c->state = ST_CLOSED;
  if (!c->close_code) c->close_code = code;
  c->close_err = err;
  int client_failing = err < 0 && is_client(c);
  sio__stream_end(c->stream, client_failing ? CLIENT_FAIL_LINGER_MS : LINGER_MS);
}

void sio__ws_conn_close(sio__ws_conn_t *c, uint16_t code, const char *reason) {
  if (c->state != ST_OPEN) return;
  c->state = ST_CLOSE_SENT;
  c->close_code = code ? code : SIO_WS_CLOSE_NO_STATUS;
  if (send_close_frame(c, code, reason) != 0) {
    finish(c, c->close_code, SIO_ENOMEM);
    return;
  }
  sio__stream_timer_start(c->stream, CLOSE_WAIT_MS);
}

/* ---- receiving ---- */

/* A compressed message: inflated within the decoder's bound (so a small
 * frame that inflates past it closes with 1009), its text checked. */
static void deliver_inflated(sio__ws_conn_t *c, const sio__ws_msg_t *m) {
  zstate_t *z = deflate_of(c); /* set: the decoder allows RSV1 only then */
  uint8_t *out;
  size_t n;
  uint16_t code = SIO_WS_CLOSE_INTERNAL;
  int rc = sio__ws_inflate(&z->inf, &z->pmd, m->data, m->len,
                           sio__ws_decoder_max_message(&c->dec), &out, &n, &code);
  if (rc == 0 && m->opcode == SIO__WS_OP_TEXT && !sio__utf8_valid(out, n)) {
    rc = SIO_EILSEQ;
    code = SIO_WS_CLOSE_INVALID_DATA;
  }
  if (rc) {
    z->fail_err = rc;
    z->fail_code = code;
    return;
  }
  c->cbs->on_message(c, c->arg, m->opcode == SIO__WS_OP_BINARY, out, n);
  sio__ws_inflater_release(&z->inf); /* still there: freed only with c */
}

static int on_frame(void *arg, const sio__ws_msg_t *m) {
  sio__ws_conn_t *c = arg;
  if (c->state == ST_CLOSED) return 1;
  switch (m->opcode) {
    case SIO__WS_OP_TEXT:
    case SIO__WS_OP_BINARY:
      /* After our close frame, data is read and dropped (RFC 6455 5.5.1). */
      if (c->state != ST_OPEN || !c->cbs->on_message) break;
      if (m->compressed) {
        deliver_inflated(c, m);
        if (deflate_of(c)->fail_err) return 1;
      } else {
        c->cbs->on_message(c, c->arg, m->opcode == SIO__WS_OP_BINARY, m->data, m->len);
      }
      break;
    case SIO__WS_OP_PING:
      if (c->state == ST_OPEN)
        send_rbuf(c, make_frame(c, SIO__WS_OP_PONG, m->data, m->len));
      break;
    case SIO__WS_OP_PONG:
      break;
    case SIO__WS_OP_CLOSE:
      if (c->state == ST_OPEN) {
        /* Echo the peer's code (an empty close for "no code"). */
        send_close_frame(c, m->close_code, NULL);
        c->close_code = m->close_code;
      }
      finish(c, m->close_code, 0);
      break;
    default:
      break;
  }
  return c->state == ST_CLOSED || sio__stream_is_closing(c->stream);
}

static void feed(sio__ws_conn_t *c, uint8_t *data, size_t len) {
  if (c->state == ST_CLOSED || sio__stream_is_closing(c->stream)) return;
  uint16_t code = SIO_WS_CLOSE_PROTOCOL;
  int r = sio__ws_decoder_feed(&c->dec, data, len, on_frame, c, &code);
  zstate_t *z = deflate_of(c);
  if (z && z->fail_err && r >= 0) {
    r = z->fail_err;
    code = z->fail_code;
  }
  if (r < 0 && c->state != ST_CLOSED) {
    SIO_LOGD("ws %s: %s, closing with %u", sio__stream_remote_addr(c->stream),
             sio_strerror(r), code);
    if (c->state == ST_OPEN) send_close_frame(c, code, NULL);
    c->close_code = code;
    finish(c, code, r);
  }
}

static void feed_leftover(sio__ws_conn_t *c) {
  sio__rbuf_t *b = c->rare ? c->rare->leftover : NULL;
  if (!b) return;
  c->rare->leftover = NULL;
  if (!c->rare->deflate_on) { /* nothing else was in use */
    sio__free(c->rare);
    c->rare = NULL;
  }
  feed(c, b->data, b->len);
  sio__rbuf_unref(b);
}

static void ws_on_read(sio__stream_t *st, void *arg, uint8_t *data, size_t len) {
  sio__ws_conn_t *c = arg;
  feed_leftover(c); /* bytes that came with the handshake go first */
  feed(c, data, len);
}

static void ws_on_defer(sio__stream_t *st, void *arg) {
  feed_leftover(arg);
}

static void ws_on_error(sio__stream_t *st, void *arg, int err) {
  sio__ws_conn_t *c = arg;
  if (c->state != ST_CLOSED) {
    c->state = ST_CLOSED;
    c->close_code = SIO_WS_CLOSE_ABNORMAL;
    c->close_err = err;
  } else if (err == SIO_ELIMIT) {
    c->close_err = err;
  }
  /* A peer that does not read gets a reset: its buffers go at once. */
  sio__stream_close(st, err == SIO_ELIMIT);
}

static void ws_on_timer(sio__stream_t *st, void *arg) {
  sio__ws_conn_t *c = arg;
  if (c->state != ST_CLOSE_SENT) return;
  /* The peer never answered our close frame. */
  c->state = ST_CLOSED;
  c->close_err = SIO_ETIMEDOUT;
  sio__stream_close(st, 0);
}

static void ws_on_close(sio__stream_t *st, void *arg) {
  sio__ws_conn_t *c = arg;
  uint16_t code = c->close_code ? c->close_code : SIO_WS_CLOSE_ABNORMAL;
  int err = c->close_err;
  if (!c->close_code && !err) err = SIO_ECLOSED;
  c->state = ST_CLOSED;
  if (c->cbs->on_close) c->cbs->on_close(c, c->arg, code, err);
  sio__ws_decoder_free(&c->dec);
  if (c->rare) {
    sio__rbuf_unref(c->rare->leftover);
    sio__ws_inflater_free(&c->rare->z.inf);
    sio__free(c->rare);
  }
  sio__pool_free(sio__stream_pool(st, sizeof(*c)), c);
}

static const sio__stream_cbs_t k_ws_stream_cbs = {
    .on_read = ws_on_read,
    .on_error = ws_on_error,
    .on_timer = ws_on_timer,
    .on_defer = ws_on_defer,
    .on_close = ws_on_close,
};

int sio__ws_conn_start(struct sio__stream *stream, sio__ws_role_t role,
                       const sio__ws_conn_cbs_t *cbs, void *arg, size_t max_message,
                       size_t max_queue, sio__rbuf_t *leftover, sio__ws_conn_t **out) {
  /* From the stream's loop's pool: the connection lives as long as the
   * stream (core/pool.h). */
  sio__pool_t *pool = sio__stream_pool(stream, sizeof(sio__ws_conn_t));
  sio__ws_conn_t *c = pool ? sio__pool_calloc(pool) : NULL;
  if (c && leftover && !(c->rare = sio__calloc(1, sizeof(*c->rare)))) {
    sio__pool_free(pool, c);
    c = NULL;
  }
  if (!c) {
    sio__rbuf_unref(leftover);
    sio__stream_close(stream, 0);
    return SIO_ENOMEM;
  }
  c->stream = stream;
  c->state = ST_OPEN;
  c->cbs = cbs;
  c->arg = arg;
  if (leftover) c->rare->leftover = leftover;
  sio__ws_decoder_init(&c->dec, role, max_message);
  sio__stream_set_cbs(stream, &k_ws_stream_cbs, c);
  sio__stream_set_max_queue(stream, max_queue);
  sio__stream_read_start(stream);
  if (leftover) sio__stream_defer(stream);
  *out = c;
  return 0;
}

/* ---- server handshake ---- */

static int refuse(sio_http_req_t *req, int status, const char *why) {
  const char *extra = status == 426 ? "Sec-WebSocket-Version: 13\r\n" : NULL;
  sio_http_req_respond(req, status, "text/plain; charset=utf-8", extra, why, strlen(why));
  return SIO_EPROTO;
}

int sio__ws_accept(sio_http_req_t *req, const sio__ws_conn_cbs_t *cbs, void *arg,
                   size_t max_message, sio__ws_conn_t **out) {
  return sio__ws_accept_ex(req, cbs, arg, max_message, NULL, NULL, out);
}

int sio__ws_accept_ex(sio_http_req_t *req, const sio__ws_conn_cbs_t *cbs, void *arg,
                      size_t max_message, const char *extra_headers,
                      const sio__ws_deflate_cfg_t *deflate, sio__ws_conn_t **out) {
  size_t n;
  const char *v;
  if (strcmp(sio_http_req_method(req), "GET") != 0 || !sio__http_req_is_http11(req))
    return refuse(req, 400, "WebSocket upgrades need GET and HTTP/1.1");
  v = sio_http_req_header(req, "upgrade", &n);
  if (!v || !sio__http_header_has_token(v, n, "websocket"))
    return refuse(req, 400, "Missing Upgrade: websocket");
  v = sio_http_req_header(req, "connection", &n);
  if (!v || !sio__http_header_has_token(v, n, "upgrade"))
    return refuse(req, 400, "Missing Connection: upgrade");
  v = sio_http_req_header(req, "sec-websocket-version", &n);
  if (!v) return refuse(req, 400, "Missing Sec-WebSocket-Version");
  if (n != 2 || memcmp(v, "13", 2) != 0)
    return refuse(req, 426, "Unsupported WebSocket version");
  const char *key = sio_http_req_header(req, "sec-websocket-key", &n);
  if (!key || !sio__ws_key_valid(key, n))
    return refuse(req, 400, "Invalid Sec-WebSocket-Key");

  char accept[29];
  sio__ws_accept_key(key, n, accept);
  size_t max_queue = 0;
  sio_http_server_t *srv = sio__http_req_server(req);
  if (srv) max_queue = sio__http_server_max_write_queue(srv);
  /* Build the answer before the request (and its strings) is finished. */
  sio__ws_pmd_t pmd = {0};
  char ext[192];
  if (deflate) {
    v = sio_http_req_header(req, "sec-websocket-extensions", &n);
    sio__ws_pmd_negotiate(deflate, v, v ? n : 0, &pmd, ext, sizeof(ext));
  }
  char head[768];
  if (!extra_headers) extra_headers = "";
  int hl = snprintf(head, sizeof(head),
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s%s%s%s\r\n",
                    accept, pmd.on ? "Sec-WebSocket-Extensions: " : "", pmd.on ? ext : "",
                    pmd.on ? "\r\n" : "", extra_headers);
  if (hl < 0 || (size_t)hl >= sizeof(head))
    return refuse(req, 500, "Response headers too long");
  sio__rbuf_t *leftover = NULL;
  sio__stream_t *st = sio__http_req_take_stream(req, &leftover);
  if (!st) return SIO_ECLOSED;
  /* Without an accepted offer, permessage-deflate is declined by omission. */
  int r = sio__stream_write_copy(st, head, (size_t)hl);
  if (r != 0) {
    sio__rbuf_unref(leftover);
    sio__stream_close(st, 0);
    return r;
  }
  r = sio__ws_conn_start(st, SIO__WS_ROLE_SERVER, cbs, arg, max_message, max_queue,
                         leftover, out);
  if (r == 0 && pmd.on && sio__ws_conn_set_deflate(*out, &pmd, deflate) != 0) {
    /* The client was told it may compress: without the state, close. */
    sio__ws_conn_close(*out, SIO_WS_CLOSE_INTERNAL, NULL);
  }
  return r;
}
