/* The Engine.IO v4 client session (docs/PROTOCOL.md §1.4-1.8): handshake over
 * polling or WebSocket, answers pings, a watchdog of pingInterval +
 * pingTimeout, one GET and one POST in flight with POST bodies kept under
 * maxPayload, and the polling -> WebSocket upgrade with its probe.
 *
 * Against a hostile server: a ping is answered by a pong without data (as
 * the reference client does), so a ping's payload costs us nothing; the
 * packets waiting for the next POST are capped in bytes like the
 * WebSocket's write queue (target's max_write_queue); the sid must be safe
 * to put in a URL as it is.
 *
 * Owner callbacks may free the session (sio__eio_client_free) from inside: every
 * call out is bracketed by busy++/-- and followed by a check of `dead`, and
 * the memory goes when the outermost frame leaves. */
#include <stdio.h>
#include <string.h>

#include "eio/eio_client.h"
#include "eio/eio_packet.h"
#include "http/http_client.h"
#include "ws/ws_opening.h"
#include "core/alloc.h"
#include "core/log.h"
#include "io/timer.h"

enum { E_NEW, E_OPENING, E_OPEN, E_CLOSED };

typedef struct {
  uint8_t type, binary;
  sio__rbuf_t *data; /* NULL when empty */
} qitem_t;

struct sio__eio_client {
  const sio__http_target_t *t;
  sio_transport_mode_t mode;
  uint32_t open_timeout;
  sio__ws_deflate_cfg_t deflate; /* permessage-deflate offer (off unless set) */
  sio__eio_client_cbs_t cbs;
  void *arg;
  int state, ws, busy, dead;
  sio__eio_handshake_t hs;
  sio__http_client_t *get, *post;
  sio__ws_conn_t *conn;       /* the WebSocket transport */
  sio__ws_opening_t *opening; /* a WebSocket being opened (first or probe) */
  sio__ws_conn_t *probe;      /* the upgrade probe */
  int paused;                 /* 3probe received: polling drains */
  qitem_t *q;
  size_t qn, qcap;
  size_t qbytes;        /* memory the queue holds, items and data */
  int overflow;         /* the queue hit its cap: the watchdog fails us */
  sio__timer_t *timer;  /* open timeout, then the heartbeat watchdog */
  sio__timer_t *later;  /* the deferred close notice */
  sio__timer_t *ptimer; /* bounds the wait for 3probe */
  const char *later_reason;
  int closed_open; /* the graceful close started on an open session */
  uint64_t seq;
};

static void close_abrupt(sio__eio_client_t *e, int err, const char *reason);
static void poll_get(sio__eio_client_t *e);
static void flush_post(sio__eio_client_t *e);
static void try_finish_upgrade(sio__eio_client_t *e);

static void really_free(sio__eio_client_t *e) {
  for (size_t i = 0; i < e->qn; i++) sio__rbuf_unref(e->q[i].data);
  sio__free(e->q);
  sio__free(e);
}

/* After a call out: 1 if the session was freed meanwhile (do not touch it). */
static int gone(sio__eio_client_t *e) {
  if (!e->dead) return 0;
  if (!e->busy) really_free(e);
  return 1;
}

static void ws_noop_msg(sio__ws_conn_t *c, void *a, int b, uint8_t *d, size_t n) {
  (void)c, (void)a, (void)b, (void)d, (void)n;
}
static void ws_noop_close(sio__ws_conn_t *c, void *a, uint16_t code, int err) {
  (void)c, (void)a, (void)code, (void)err;
}
static const sio__ws_conn_cbs_t k_ws_noop = {ws_noop_msg, ws_noop_close};

static void drop_conn(sio__ws_conn_t **c, uint16_t code) {
  if (!*c) return;
  sio__ws_conn_set_cbs(*c, &k_ws_noop, NULL);
  sio__ws_conn_close(*c, code, NULL);
  *c = NULL;
}

/* Stops every I/O; no callback of any of them runs afterwards. */
static void teardown(sio__eio_client_t *e) {
  sio__http_client_free(e->get);
  sio__http_client_free(e->post);
  e->get = e->post = NULL;
  sio__ws_opening_cancel(e->opening);
  e->opening = NULL;
  drop_conn(&e->probe, 1000);
  drop_conn(&e->conn, 1000);
  sio__timer_free(e->timer);
  sio__timer_free(e->later);
  sio__timer_free(e->ptimer);
  e->timer = e->later = e->ptimer = NULL;
  e->state = E_CLOSED;
}

static void close_abrupt(sio__eio_client_t *e, int err, const char *reason) {
  if (e->state == E_CLOSED) return;
  int was_open = e->state == E_OPEN;
  SIO_LOGD("eio client: closed (%s)", reason);
  teardown(e);
  e->busy++;
  e->cbs.on_close(e, e->arg, was_open, err, reason);
  e->busy--;
}

/* ---- targets ---- */

static void make_target(sio__eio_client_t *e, char *buf, size_t cap,
                        const char *transport) {
  int sid = e->state == E_OPEN;
  snprintf(buf, cap, "%s?EIO=4&transport=%s%s%s&t=%llx%s", e->t->path, transport,
           sid ? "&sid=" : "", sid ? e->hs.sid : "", (unsigned long long)++e->seq,
           e->t->query);
}

/* ---- timers ---- */

static void on_timer(sio__timer_t *t, void *arg) {
  (void)t;
  sio__eio_client_t *e = arg;
  if (e->overflow)
    close_abrupt(e, SIO_ELIMIT, "transport error");
  else if (e->state == E_OPENING)
    close_abrupt(e, SIO_ETIMEDOUT, "timeout");
  else
    close_abrupt(e, SIO_ETIMEDOUT, "ping timeout");
  gone(e);
}

static void arm_watchdog(sio__eio_client_t *e) {
  if (e->overflow) return; /* the failure is due now */
  sio__timer_start(e->timer, (uint64_t)e->hs.ping_interval + e->hs.ping_timeout);
}

/* ---- incoming packets ---- */

static int send_pkt(sio__eio_client_t *e, sio__eio_type_t type, int binary,
                    const void *data, size_t len);

static void start_probe(sio__eio_client_t *e);

/* The sid goes as it is into every request target: only the characters a
 * URL carries unescaped (RFC 3986 "unreserved"; ids are base64url or hex
 * in practice), so a server cannot inject CR/LF, spaces or parameters. */
static int sid_is_safe(const char *sid) {
  if (!*sid) return 0;
  for (const char *p = sid; *p; p++) {
    char ch = *p;
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
          (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~'))
      return 0;
  }
  return 1;
}

static void on_opened(sio__eio_client_t *e, const uint8_t *json, size_t len) {
  if (sio__eio_parse_open(json, len, &e->hs) != 0 || e->hs.ping_interval == 0 ||
      !sid_is_safe(e->hs.sid)) {
    close_abrupt(e, SIO_EPROTO, "parse error");
    return;
  }
  if (e->hs.max_payload == 0) e->hs.max_payload = 1000000;
  e->state = E_OPEN;
  arm_watchdog(e);
  e->busy++;
  e->cbs.on_open(e, e->arg);
  e->busy--;
}

/* One packet from the server; returns non-zero when processing must stop. */
static int on_packet(sio__eio_client_t *e, const sio__eio_packet_t *p) {
  if (e->state == E_OPENING) {
    if (p->type != SIO__EIO_OPEN || p->binary) {
      close_abrupt(e, SIO_EPROTO, "parse error");
      return 1;
    }
    on_opened(e, p->data, p->len);
    if (e->dead || e->state != E_OPEN) return 1;
    if (!e->ws && e->mode == SIO_TRANSPORT_POLLING_UPGRADE && e->hs.upgrade_websocket)
      start_probe(e);
    return 0;
  }
  if (e->state != E_OPEN) return 1;
  switch (p->type) {
    case SIO__EIO_PING:
      /* No echo of the payload: a server's pings carry none, and a peer
       * that floods large ones and never reads would grow us by as much. */
      arm_watchdog(e);
      send_pkt(e, SIO__EIO_PONG, 0, NULL, 0);
      return e->state != E_OPEN;
    case SIO__EIO_MESSAGE:
      e->busy++;
      e->cbs.on_message(e, e->arg, p->binary, p->data, p->len);
      e->busy--;
      return e->dead || e->state != E_OPEN;
    case SIO__EIO_CLOSE:
      close_abrupt(e, SIO_ECONNRESET, "transport close");
      return 1;
    case SIO__EIO_NOOP:
    case SIO__EIO_PONG:
      return 0;
    default:
      close_abrupt(e, SIO_EPROTO, "parse error");
      return 1;
  }
}

static int payload_cb(void *arg, const sio__eio_packet_t *p) {
  return on_packet(arg, p);
}

/* ---- polling ---- */

static void on_get(void *arg, int status, uint8_t *body, size_t len) {
  sio__eio_client_t *e = arg;
  if (e->later_reason) return; /* closing: nothing more is read */
  if (status != 200) {
    close_abrupt(e, status < 0 ? status : SIO_EPROTO,
                 e->state == E_OPENING ? "transport error" : "transport error");
    gone(e);
    return;
  }
  e->busy++;
  int rc = sio__eio_decode_payload(body, len, payload_cb, e);
  e->busy--;
  if (gone(e)) return;
  if (rc == SIO_EPROTO) {
    close_abrupt(e, SIO_EPROTO, "parse error");
    gone(e);
    return;
  }
  if (e->state != E_OPEN || e->ws) return;
  if (e->paused)
    try_finish_upgrade(e);
  else
    poll_get(e);
  gone(e);
}

static void poll_get(sio__eio_client_t *e) {
  if (sio__http_client_busy(e->get)) return;
  char target[1024];
  make_target(e, target, sizeof(target), "polling");
  /* A GET is held up to pingInterval: allow a margin past it. */
  uint64_t to = e->state == E_OPEN
                    ? (uint64_t)e->hs.ping_interval + e->hs.ping_timeout + 1000
                    : e->open_timeout;
  int rc = sio__http_client_request(e->get, "GET", target, NULL, 0, to, on_get, e);
  if (rc) close_abrupt(e, rc, "transport error");
}

static void on_later(sio__timer_t *t, void *arg);

static void on_post(void *arg, int status, uint8_t *body, size_t len) {
  (void)body, (void)len;
  sio__eio_client_t *e = arg;
  if (e->later_reason) { /* closing: send the rest, then report */
    if (status == 200 && e->qn)
      flush_post(e);
    else
      on_later(NULL, e);
    return;
  }
  if (status != 200) {
    close_abrupt(e, status < 0 ? status : SIO_EPROTO, "transport error");
    gone(e);
    return;
  }
  if (e->state != E_OPEN || e->ws) return;
  if (e->paused)
    try_finish_upgrade(e);
  else
    flush_post(e);
  gone(e);
}

/* What one queued packet costs in memory (the cap counts this). */
static size_t qitem_bytes(const qitem_t *it) {
  return sizeof(*it) + (it->data ? sizeof(*it->data) + it->data->len : 0);
}

static void flush_post(sio__eio_client_t *e) {
  if (e->qn == 0 || sio__http_client_busy(e->post) || e->paused || e->ws) return;
  /* Batch under maxPayload (docs/PROTOCOL.md §1.11); the first packet always goes. */
  size_t total = 1, k = 0;
  for (; k < e->qn; k++) {
    size_t n = e->q[k].data ? e->q[k].data->len : 0;
    if (k > 0 && total + n > e->hs.max_payload) break;
    total += n + 2;
  }
  sio__sb_t sb;
  sio__sb_init(&sb, total + 16);
  for (size_t i = 0; i < k; i++) {
    qitem_t *it = &e->q[i];
    sio__eio_payload_append(&sb, i == 0, (sio__eio_type_t)it->type, it->binary,
                            it->data ? it->data->data : NULL,
                            it->data ? it->data->len : 0);
  }
  if (sb.err) {
    sio__sb_reset(&sb);
    close_abrupt(e, SIO_ENOMEM, "transport error");
    return;
  }
  for (size_t i = 0; i < k; i++) {
    e->qbytes -= qitem_bytes(&e->q[i]);
    sio__rbuf_unref(e->q[i].data);
  }
  memmove(e->q, e->q + k, (e->qn - k) * sizeof(*e->q));
  e->qn -= k;
  char target[1024];
  make_target(e, target, sizeof(target), "polling");
  int rc = sio__http_client_request(e->post, "POST", target, sio__sb_data(&sb),
                                    sio__sb_len(&sb), e->open_timeout, on_post, e);
  sio__sb_reset(&sb);
  if (rc) close_abrupt(e, rc, "transport error");
}

/* Fails the session from the loop (the caller may be deep in a send of the
 * owner's): the watchdog timer fires at once. */
static void fail_overflow(sio__eio_client_t *e) {
  if (e->overflow || e->later_reason) return; /* closing: the close goes on */
  SIO_LOGW("eio client: %zu bytes waiting to be sent, over the cap: closing", e->qbytes);
  e->overflow = 1;
  sio__timer_start(e->timer, 0);
}

static int queue_pkt(sio__eio_client_t *e, sio__eio_type_t type, int binary,
                     const void *data, size_t len) {
  if (e->overflow) return SIO_ELIMIT;
  if (e->t->max_write_queue && e->qbytes >= e->t->max_write_queue) {
    fail_overflow(e);
    return SIO_ELIMIT;
  }
  if (e->qn == e->qcap) {
    size_t ncap = e->qcap ? e->qcap * 2 : 16;
    qitem_t *nq = sio__realloc(e->q, ncap * sizeof(*nq));
    if (!nq) return SIO_ENOMEM;
    e->q = nq;
    e->qcap = ncap;
  }
  sio__rbuf_t *b = NULL;
  if (len && !(b = sio__rbuf_from(data, len))) return SIO_ENOMEM;
  e->q[e->qn].type = (uint8_t)type;
  e->q[e->qn].binary = (uint8_t)binary;
  e->q[e->qn].data = b;
  e->qbytes += qitem_bytes(&e->q[e->qn]);
  e->qn++;
  return 0;
}

/* ---- WebSocket ---- */

static int ws_send(sio__ws_conn_t *c, sio__eio_type_t type, int binary, const void *data,
                   size_t len) {
  if (binary) return sio__ws_conn_send(c, 1, data, len);
  uint8_t inl[256];
  uint8_t *buf = len + 1 <= sizeof(inl) ? inl : sio__malloc(len + 1);
  if (!buf) return SIO_ENOMEM;
  buf[0] = (uint8_t)('0' + type);
  if (len) memcpy(buf + 1, data, len);
  int rc = sio__ws_conn_send(c, 0, buf, len + 1);
  if (buf != inl) sio__free(buf);
  return rc;
}

/* The probe is given up (it failed, or misbehaved): polling goes on, and
 * resumes if it had paused for the upgrade. */
static void abandon_probe(sio__eio_client_t *e) {
  drop_conn(&e->probe, 1000);
  if (!e->paused) return;
  e->paused = 0;
  poll_get(e);
  flush_post(e);
}

static int send_pkt(sio__eio_client_t *e, sio__eio_type_t type, int binary,
                    const void *data, size_t len) {
  if (e->ws) return e->conn ? ws_send(e->conn, type, binary, data, len) : SIO_ENOTCONN;
  int rc = queue_pkt(e, type, binary, data, len);
  if (rc == 0) flush_post(e);
  return rc;
}

static void ws_on_message(sio__ws_conn_t *c, void *arg, int binary, uint8_t *data,
                          size_t len) {
  sio__eio_client_t *e = arg;
  sio__eio_packet_t p;
  if (c == e->probe) {
    if (!binary && len == 6 && memcmp(data, "3probe", 6) == 0 && !e->paused) {
      if (e->ptimer) sio__timer_stop(e->ptimer);
      e->paused = 1;
      try_finish_upgrade(e);
      gone(e);
    } else { /* anything else, also a second message after 3probe */
      SIO_LOGD("eio client: probe failed, staying on polling");
      abandon_probe(e);
      gone(e);
    }
    return;
  }
  if (sio__eio_decode_ws(data, len, binary, &p) != 0) {
    close_abrupt(e, SIO_EPROTO, "parse error");
    gone(e);
    return;
  }
  on_packet(e, &p);
  gone(e);
}

static void ws_on_close(sio__ws_conn_t *c, void *arg, uint16_t code, int err) {
  (void)code;
  sio__eio_client_t *e = arg;
  if (c == e->probe) {
    e->probe = NULL; /* it is gone already */
    abandon_probe(e);
    gone(e);
    return;
  }
  if (c != e->conn) return;
  e->conn = NULL;
  close_abrupt(e, err ? err : SIO_ECONNRESET,
               err && err != SIO__STREAM_EOF && err != SIO_ECONNRESET
                   ? "transport error"
                   : "transport close");
  gone(e);
}

static const sio__ws_conn_cbs_t k_ws_cbs = {ws_on_message, ws_on_close};

static void on_ws_first(void *arg, int err, sio__ws_conn_t *conn) {
  sio__eio_client_t *e = arg;
  e->opening = NULL;
  if (err) {
    close_abrupt(e, err, "transport error");
    gone(e);
    return;
  }
  e->conn = conn;
  e->ws = 1;
  /* The open packet comes as the first text frame. */
}

static void on_probe_timeout(sio__timer_t *t, void *arg) {
  (void)t;
  sio__eio_client_t *e = arg;
  /* Once 3probe came, polling drains under its own request timeouts. */
  if (!e->probe || e->paused) return;
  SIO_LOGD("eio client: no answer to the probe, staying on polling");
  drop_conn(&e->probe, 1000);
}

static void on_ws_probe(void *arg, int err, sio__ws_conn_t *conn) {
  sio__eio_client_t *e = arg;
  e->opening = NULL;
  if (err) {
    SIO_LOGD("eio client: upgrade failed (%s), staying on polling", sio_err_name(err));
    return;
  }
  e->probe = conn;
  if (ws_send(conn, SIO__EIO_PING, 0, "probe", 5) != 0) {
    drop_conn(&e->probe, 1000);
    return;
  }
  /* A server that never answers the probe must not keep it open forever. */
  if (!e->ptimer) e->ptimer = sio__timer_new(e->t->loop, on_probe_timeout, e);
  if (e->ptimer) sio__timer_start(e->ptimer, e->open_timeout);
}

static void start_probe(sio__eio_client_t *e) {
  char target[1024];
  make_target(e, target, sizeof(target), "websocket");
  e->opening = sio__ws_opening_start(e->t, target, e->open_timeout, &k_ws_cbs, e,
                                     &e->deflate, on_ws_probe, e);
}

static void try_finish_upgrade(sio__eio_client_t *e) {
  if (!e->paused || !e->probe || sio__http_client_busy(e->get) ||
      sio__http_client_busy(e->post))
    return;
  if (ws_send(e->probe, SIO__EIO_UPGRADE, 0, NULL, 0) != 0) {
    abandon_probe(e);
    return;
  }
  sio__http_client_free(e->get);
  sio__http_client_free(e->post);
  e->get = e->post = NULL;
  e->conn = e->probe;
  e->probe = NULL;
  e->ws = 1;
  e->paused = 0;
  /* Packets queued while polling drained go first, in order. */
  for (size_t i = 0; i < e->qn; i++) {
    qitem_t *it = &e->q[i];
    ws_send(e->conn, (sio__eio_type_t)it->type, it->binary,
            it->data ? it->data->data : NULL, it->data ? it->data->len : 0);
    sio__rbuf_unref(it->data);
  }
  e->qn = 0;
  e->qbytes = 0;
  e->busy++;
  if (e->cbs.on_upgrade) e->cbs.on_upgrade(e, e->arg);
  e->busy--;
}

/* ---- API ---- */

sio__eio_client_t *sio__eio_client_new(const sio__http_target_t *t,
                                       sio_transport_mode_t mode, uint32_t open_timeout,
                                       const sio__eio_client_cbs_t *cbs, void *arg) {
  sio__eio_client_t *e = sio__calloc(1, sizeof(*e));
  if (!e) return NULL;
  e->t = t;
  e->mode = mode;
  e->open_timeout = open_timeout ? open_timeout : 20000;
  e->cbs = *cbs;
  e->arg = arg;
  sio__ws_deflate_cfg_init(&e->deflate);
  e->timer = sio__timer_new(t->loop, on_timer, e);
  if (!e->timer) {
    sio__free(e);
    return NULL;
  }
  return e;
}

void sio__eio_client_set_deflate(sio__eio_client_t *e, const sio__ws_deflate_cfg_t *cfg) {
  e->deflate = *cfg;
}

int sio__eio_client_open(sio__eio_client_t *e) {
  if (e->state != E_NEW) return SIO_EINVAL;
  e->state = E_OPENING;
  sio__timer_start(e->timer, e->open_timeout);
  if (e->mode == SIO_TRANSPORT_WEBSOCKET) {
    char target[1024];
    make_target(e, target, sizeof(target), "websocket");
    e->opening = sio__ws_opening_start(e->t, target, e->open_timeout, &k_ws_cbs, e,
                                       &e->deflate, on_ws_first, e);
    if (!e->opening) return SIO_ENOMEM;
    return 0;
  }
  e->get = sio__http_client_new(e->t);
  e->post = sio__http_client_new(e->t);
  if (!e->get || !e->post) return SIO_ENOMEM;
  char target[1024];
  make_target(e, target, sizeof(target), "polling");
  return sio__http_client_request(e->get, "GET", target, NULL, 0, e->open_timeout, on_get,
                                  e);
}

int sio__eio_client_send(sio__eio_client_t *e, int binary, const void *data, size_t len) {
  if (e->state != E_OPEN || e->later_reason) return SIO_ENOTCONN;
  return send_pkt(e, SIO__EIO_MESSAGE, binary, data, len);
}

static void on_later(sio__timer_t *t, void *arg) {
  (void)t;
  sio__eio_client_t *e = arg;
  const char *reason = e->later_reason;
  int was_open = e->closed_open;
  teardown(e);
  e->busy++;
  e->cbs.on_close(e, e->arg, was_open, 0, reason);
  e->busy--;
  gone(e);
}

void sio__eio_client_close(sio__eio_client_t *e) {
  if (e->state == E_CLOSED || e->later_reason) return;
  e->later_reason = "io client disconnect";
  e->closed_open = e->state == E_OPEN;
  sio__timer_stop(e->timer);
  sio__ws_opening_cancel(e->opening);
  e->opening = NULL;
  drop_conn(&e->probe, 1000);
  e->paused = 0;
  e->later = sio__timer_new(e->t->loop, on_later, e);
  if (!e->later) {
    on_later(NULL, e);
    return;
  }
  if (e->state == E_OPEN && e->ws) {
    ws_send(e->conn, SIO__EIO_CLOSE, 0, NULL, 0);
    drop_conn(&e->conn, 1000);
  } else if (e->state == E_OPEN && queue_pkt(e, SIO__EIO_CLOSE, 0, NULL, 0) == 0) {
    /* What is queued (the DISCONNECTs) and the close go in the last POSTs;
     * the held GET is released by the server once it sees the close. */
    flush_post(e);
    sio__timer_start(e->later, 1000);
    return;
  }
  sio__timer_start(e->later, 0);
}

void sio__eio_client_free(sio__eio_client_t *e) {
  if (!e) return;
  teardown(e);
  e->dead = 1;
  if (!e->busy) really_free(e);
}

const char *sio__eio_client_transport(const sio__eio_client_t *e) {
  if (e->state != E_OPEN) return NULL;
  return e->ws ? "websocket" : "polling";
}

const char *sio__eio_client_sid(const sio__eio_client_t *e) {
  return e->state == E_OPEN ? e->hs.sid : NULL;
}
