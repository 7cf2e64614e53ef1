/* An Engine.IO session: its packet queue, heartbeat and close, whatever the
 * transport. The transports (eio_polling.c, eio_ws.c) feed it packets and
 * drain its queue. */
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/rand.h"
#include "eio/eio_group.h"
#include "eio/eio_internal.h"
#include "eio/eio_send.h"
#include "eio/eio_v3_send.h"

/* An idle WebSocket session with one of our 20-character ids fills 104
 * bytes, malloc's 112-byte class on 64-bit systems: keep it there. */
_Static_assert(sizeof(void *) != 8 || offsetof(sio_eio_socket_t, sid) + 21 <= 104,
               "an idle session stays in malloc's 112-byte class");

/* Sessions with ids of up to 20 characters (ours) come from one block pool
 * for the process: packed in slabs, without malloc's header and the free
 * space malloc leaves around long-lived blocks (core/pool.h). The pool is
 * the process's, not a server's, because a session may be let go after its
 * server (a caller's reference); its slabs stay for the process's life. */
#define SESSION_POOLED_SIZE (offsetof(sio_eio_socket_t, sid) + 21)
static sio__pool_t *session_pool;
static pthread_once_t session_pool_once = PTHREAD_ONCE_INIT;

static void session_pool_make(void) {
  session_pool = sio__pool_new(SESSION_POOLED_SIZE, SIO__POOL_AUTO);
}

static sio_eio_socket_t *session_alloc(size_t n) {
  if (n <= 20) {
    pthread_once(&session_pool_once, session_pool_make);
    sio_eio_socket_t *sock = session_pool ? sio__pool_calloc(session_pool) : NULL;
    if (sock) sock->pooled = 1;
    return sock;
  }
  return sio__calloc(1, offsetof(sio_eio_socket_t, sid) + n + 1);
}

static void session_free(sio_eio_socket_t *sock) {
  if (sock->pooled)
    sio__pool_free(session_pool, sock);
  else
    sio__free(sock);
}

sio_eio_socket_t *sio__eio_socket_new(sio_eio_server_t *s, unsigned transport,
                                      sio_http_req_t *req, const char *sid) {
  size_t n = strlen(sid);
  if (n > SIO_EIO_SID_MAX) n = SIO_EIO_SID_MAX;
  /* Room for a fresh random id too (20 characters), should registering meet
   * a collision. */
  sio_eio_socket_t *sock = session_alloc(n);
  if (!sock) return NULL;
  sock->server = s;
  sock->refs = 1; /* the session's own, dropped when it is destroyed */
  sock->state = SIO__EIO_OPEN_STATE;
  sock->transport = (uint8_t)transport;
  sock->v3 = sio__eio_req_is_v3(req);
  if (sock->v3 && sio__eio_req_b64(req)) sock->b64 = (uint8_t)transport;
  sio__eio_bucket_init(&sock->bucket, s->opts.rate_limit, s->opts.rate_burst,
                       sio__now_ms(s->loop));
  sock->hs = sio__eio_hs_new(req, s->opts.keep_headers, s->hvals);
  if (transport == SIO_EIO_POLLING) sock->pl = sio__calloc(1, sizeof(*sock->pl));
  memcpy(sock->sid, sid, n);
  sock->sid[n] = '\0';
  if (!sock->hs || (transport == SIO_EIO_POLLING && !sock->pl)) {
    sio__free(sock->pl);
    sio__eio_hs_free(sock->hs);
    session_free(sock);
    return NULL;
  }
  return sock;
}

void sio__eio_socket_ref(sio_eio_socket_t *sock) {
  sock->refs++;
}

static void clear_wbuf(sio_eio_socket_t *sock) {
  sio__eio_polling_t *pl = sock->pl;
  if (!pl) return;
  for (size_t i = 0; i < pl->wlen; i++) sio__eio_msg_unref(pl->wbuf[i]);
  pl->wlen = 0;
  pl->wbytes = 0;
}

static void polling_free(sio_eio_socket_t *sock) {
  sio__eio_polling_t *pl = sock->pl;
  if (!pl) return;
  clear_wbuf(sock);
  sio__free(pl->wbuf);
  sio__timer_free(pl->upgrade_timer);
  sio__timer_free(pl->close_timer);
  sio__free(pl);
  sock->pl = NULL;
}

void sio__eio_socket_polling_release(sio_eio_socket_t *sock) {
  sio__eio_polling_t *pl = sock->pl;
  if (pl && !pl->wlen && !pl->get && !pl->post && !pl->probe) polling_free(sock);
}

void sio__eio_socket_unref(sio_eio_socket_t *sock) {
  if (--sock->refs) return;
  polling_free(sock);
  sio__eio_hs_free(sock->hs);
  session_free(sock);
}

int sio__eio_socket_register(sio_eio_socket_t *sock) {
  sio_eio_server_t *s = sock->server;
  /* A collision of 120 random bits is not going to happen; still, never let
   * one session shadow another. */
  int rc;
  for (int tries = 0;; tries++) {
    rc = sio__eio_sidmap_put(&s->sessions, sock->sid, sock);
    if (rc == 0) break;
    /* A generated id was checked free just before: never retried here. */
    if (rc != SIO_EEXIST || tries == 3 || s->opts.generate_id ||
        sio__eio_new_random_sid(s, sock->sid) != 0)
      return rc;
  }
  if (s->group) {
    if ((rc = sio__eio_group_enter(s, sock->sid)) != 0) {
      sio__eio_sidmap_del(&s->sessions, sock->sid);
      return rc;
    }
    sio__eio_group_count(s);
  }
  uint64_t now = sio__now_ms(s->loop);
  if (sock->v3) {
    /* v3: the client pings; the server only waits for it, and a session
     * silent for pingInterval + pingTimeout dies, as a v4 one whose pong
     * is late. */
    sio__eio_hb_set(sock, SIO__EIO_HB_V3,
                    now + s->opts.ping_interval + s->opts.ping_timeout);
  } else {
    sio__eio_hb_set(sock, SIO__EIO_HB_PING, now + s->opts.ping_interval);
  }
  s->stats.handshakes[sock->transport == SIO_EIO_WEBSOCKET]++;
  return 0;
}

void sio__eio_socket_announce(sio_eio_socket_t *sock) {
  sio_eio_server_t *s = sock->server;
  if (sock->announced || sock->state == SIO__EIO_CLOSED_STATE) return;
  sock->announced = 1;
  if (s->on_connection) {
    sio__eio_socket_ref(sock);
    s->on_connection(sock, s->on_connection_data);
    sio__eio_socket_unref(sock);
  }
}

static const char k_text_plain[] = "text/plain; charset=UTF-8";

void sio__eio_socket_answer_get(sio_eio_socket_t *sock, sio_http_req_t *req) {
  sio__http_req_set_abort_cb(req, NULL, NULL);
  sio__sb_t hdr;
  const char *h = sio__eio_polling_headers(sock->server, req, &hdr);
  sio__eio_polling_t *pl = sock->pl; /* a GET comes only to a polling session */
  if (sock->v3 && pl->wlen) {
    int binary = 0;
    sio__rbuf_t *b = sio__eio_v3_polling_body(pl->wbuf, pl->wlen,
                                              sock->b64 & SIO_EIO_POLLING, &binary);
    if (b) {
      sio__http_respond_compressed(
          req, 200, binary ? "application/octet-stream" : k_text_plain, h, b, 0, b->len);
      sio__sb_reset(&hdr);
      sio__rbuf_unref(b);
      clear_wbuf(sock);
      return;
    }
  } else if (pl->wlen == 1) {
    /* One packet: its cached polling form is the body, no copy. */
    sio__rbuf_t *b = sio__eio_msg_polling(pl->wbuf[0]);
    if (b) {
      sio__http_respond_compressed(req, 200, k_text_plain, h, b, 0, b->len);
      sio__sb_reset(&hdr);
      clear_wbuf(sock);
      return;
    }
  } else if (pl->wlen > 1) {
    sio__sb_t sb;
    sio__sb_init(&sb, pl->wbytes);
    for (size_t i = 0; i < pl->wlen; i++)
      sio__eio_msg_polling_append(pl->wbuf[i], &sb, i == 0);
    sio__rbuf_t *b = sio__sb_finish(&sb);
    if (b) {
      sio__http_respond_compressed(req, 200, k_text_plain, h, b, 0, b->len);
      sio__sb_reset(&hdr);
      sio__rbuf_unref(b);
      clear_wbuf(sock);
      return;
    }
  }
  sio__sb_reset(&hdr);
  /* Out of memory (or nothing to send): the client sees an error and the
   * packets are lost, so the session cannot go on. */
  sio_http_req_respond(req, 500, NULL, NULL, NULL, 0);
  if (pl->wlen) sio__eio_socket_destroy(sock, "transport error", SIO__EIO_BY_SERVER);
}

void sio__eio_socket_flush(sio_eio_socket_t *sock) {
  sio__eio_polling_t *pl = sock->pl;
  if (sock->transport != SIO_EIO_POLLING || !pl || !pl->get || !pl->wlen) return;
  sio_http_req_t *req = pl->get;
  pl->get = NULL;
  sio__eio_socket_answer_get(sock, req);
}

static int push_wbuf(sio_eio_socket_t *sock, sio__eio_msg_t *msg) {
  sio__eio_polling_t *pl = sock->pl; /* only a polling session buffers */
  size_t size = sio__eio_msg_polling_len(msg) + 1;
  /* wbytes is 32 bits: past 4 GiB counts as over the cap too. */
  if (pl->wbytes + size > sock->server->max_wbuf || size > UINT32_MAX - pl->wbytes) {
    SIO_LOGI("eio %s: write buffer over %zu bytes, closing", sock->sid,
             sock->server->max_wbuf);
    sock->server->stats.write_limited++;
    sio__eio_socket_destroy(sock, "transport error", SIO__EIO_BY_SERVER);
    return SIO_ELIMIT;
  }
  if (pl->wlen == pl->wcap) {
    if (pl->wcap > UINT32_MAX / 2) return SIO_ENOMEM;
    uint32_t ncap = pl->wcap ? pl->wcap * 2 : 8;
    sio__eio_msg_t **nw = sio__realloc(pl->wbuf, ncap * sizeof(*nw));
    if (!nw) return SIO_ENOMEM;
    pl->wbuf = nw;
    pl->wcap = ncap;
  }
  pl->wbuf[pl->wlen++] = sio__eio_msg_ref(msg);
  pl->wbytes += (uint32_t)size;
  sio__eio_stats_hwm(&sock->server->stats.polling_hwm, pl->wbytes);
  return 0;
}

/* A WebSocket send that records the queue's high-water mark (metrics on). */
static int send_ws_watched(sio_eio_socket_t *sock, sio__rbuf_t *frame, size_t off,
                           size_t len) {
  int rc = sio__ws_conn_send_slice(sock->ws, frame, off, len);
  if (rc == 0)
    sio__eio_stats_hwm(&sock->server->stats.ws_hwm, sio__ws_conn_queued(sock->ws));
  return rc;
}

/* The frame msg goes out as on sock's WebSocket: the shared compressed one
 * when the connection negotiated permessage-deflate, the message reaches
 * the threshold and its emit did not turn compression off. */
static sio__rbuf_t *ws_frame_for(sio_eio_socket_t *sock, sio__eio_msg_t *msg, size_t *off,
                                 size_t *len) {
  const sio__ws_deflate_cfg_t *cfg = &sock->server->opts.deflate;
  if (cfg->enabled && !msg->nocompress && msg->len + !msg->binary >= cfg->threshold &&
      sio__ws_conn_deflate_bits(sock->ws))
    return sio__eio_msg_ws_zslice(msg, cfg, off, len);
  return sio__eio_msg_ws_slice(msg, off, len);
}

/* Sends msg as one frame on the session's WebSocket, in the session's
 * protocol revision (v3 sessions send plain frames). */
static int ws_send(sio_eio_socket_t *sock, sio__eio_msg_t *msg) {
  size_t off, len;
  if (sock->v3) {
    sio__rbuf_t *frame =
        sio__eio_v3_ws_slice(msg, sock->b64 & SIO_EIO_WEBSOCKET, &off, &len);
    if (!frame) return SIO_ENOMEM;
    int rc = sock->server->stats.watch_ws
                 ? send_ws_watched(sock, frame, off, len)
                 : sio__ws_conn_send_slice(sock->ws, frame, off, len);
    sio__rbuf_unref(frame);
    return rc;
  }
  sio__rbuf_t *frame = ws_frame_for(sock, msg, &off, &len);
  if (!frame) return SIO_ENOMEM;
  /* Off, one test more and the send stays a tail call. */
  if (sock->server->stats.watch_ws) return send_ws_watched(sock, frame, off, len);
  return sio__ws_conn_send_slice(sock->ws, frame, off, len);
}

int sio__eio_socket_enqueue(sio_eio_socket_t *sock, sio__eio_msg_t *msg) {
  if (sock->state != SIO__EIO_OPEN_STATE) return SIO_ECLOSED;
  if (sock->transport == SIO_EIO_WEBSOCKET) {
    if (!sock->ws) return SIO_ECLOSED;
    return ws_send(sock, msg);
  }
  int rc = push_wbuf(sock, msg);
  if (rc == 0) sio__eio_socket_flush(sock);
  return rc;
}

/* Moves the polling buffer onto the new WebSocket transport, in order. */
int sio__eio_socket_drain_to_ws(sio_eio_socket_t *sock) {
  int rc = 0;
  for (size_t i = 0; i < sio__eio_wlen(sock) && rc == 0 && sock->ws; i++)
    rc = ws_send(sock, sock->pl->wbuf[i]);
  clear_wbuf(sock);
  return rc;
}

int sio__eio_socket_heartbeat(sio_eio_socket_t *sock) {
  if (sock->state == SIO__EIO_CLOSED_STATE) return -1;
  /* A closing session sends nothing more; its close timer ends it. */
  if (sock->state != SIO__EIO_OPEN_STATE) return 0;
  sio_eio_server_t *s = sock->server;
  /* Called for every incoming packet: one read of the precise clock (the
   * deadlines are exact, a cached loop time could be a whole loop turn
   * old) and one comparison while nothing is due. */
  uint64_t now = sio__now_ms(s->loop);
  if (!sock->hb_wait || sio__eio_due_before((uint32_t)now, sock->hb_due)) return 0;
  uint64_t due = sio__eio_due_full(sock->hb_due, now);
  int alive = 1;
  sio__eio_socket_ref(sock);
  if (sock->hb_wait == SIO__EIO_HB_PING) {
    /* The pong deadline counts from when the ping was due, not from when a
     * late timer sent it: a silent session dies exactly at handshake +
     * pingInterval + pingTimeout. */
    due += s->opts.ping_timeout;
    sio__eio_hb_set(sock, SIO__EIO_HB_PONG, due);
    if (now < due) sio__eio_socket_enqueue(sock, s->ping);
  }
  if (sock->state != SIO__EIO_OPEN_STATE) {
    alive = sock->state != SIO__EIO_CLOSED_STATE;
  } else if (sock->hb_wait != SIO__EIO_HB_PING && now >= due) {
    sio__eio_socket_destroy(sock, "ping timeout", SIO__EIO_BY_SERVER);
    alive = 0;
  }
  sio__eio_socket_unref(sock);
  return alive ? 0 : -1;
}

int sio__eio_socket_on_packet(sio_eio_socket_t *sock, const sio__eio_packet_t *p) {
  sio_eio_server_t *s = sock->server;
  /* The clock is read only when a rate limit is set. */
  if (s->opts.rate_limit &&
      !sio__eio_bucket_take(&sock->bucket, s->opts.rate_limit, s->opts.rate_burst,
                            sio__now_ms(s->loop))) {
    /* Past the rate limit: the session goes at once, whatever the packet. */
    SIO_LOGW("eio %s: over the packet rate limit, closing", sock->sid);
    s->stats.rate_limited++;
    sio__eio_socket_destroy(sock, "transport error", SIO__EIO_BY_SERVER);
    return 0;
  }
  switch (p->type) {
    case SIO__EIO_PING:
      /* v4: the server pings; a client ping (even "probe" on the session's
       * own transport) is an invalid heartbeat direction. */
      if (!sock->v3) return SIO_EPROTO;
      /* v3: the client's ping, answered with a pong; the session now has
       * pingInterval + pingTimeout until the next one. */
      sio__eio_hb_set(sock, SIO__EIO_HB_V3,
                      sio__now_ms(s->loop) + s->opts.ping_interval +
                          s->opts.ping_timeout);
      sio__eio_socket_enqueue(sock, s->pong);
      return 0;
    case SIO__EIO_PONG:
      if (sock->v3) return SIO_EPROTO; /* v3: the server never pings */
      /* A pong, expected or not, pushes the next ping pingInterval away. */
      sio__eio_hb_set(sock, SIO__EIO_HB_PING,
                      sio__now_ms(s->loop) + s->opts.ping_interval);
      return 0;
    case SIO__EIO_MESSAGE:
      if (s->on_message)
        s->on_message(sock, p->binary, p->data, p->len, s->on_message_data);
      return 0;
    case SIO__EIO_CLOSE:
      sio__eio_socket_destroy(sock, "transport close", SIO__EIO_BY_CLIENT);
      return 0;
    default:
      /* open, upgrade outside a probe, noop: ignored, as the reference does. */
      return 0;
  }
}

void sio__eio_socket_destroy(sio_eio_socket_t *sock, const char *reason,
                             sio__eio_closer_t by) {
  if (sock->state == SIO__EIO_CLOSED_STATE) return;
  sio_eio_server_t *s = sock->server;
  sock->state = SIO__EIO_CLOSED_STATE;
  sio__eio_socket_ref(sock);
  sio__eio_hb_stop(sock);
  sio__eio_polling_t *pl = sock->pl;
  if (pl && pl->upgrade_timer) sio__timer_stop(pl->upgrade_timer);
  if (pl && pl->close_timer) sio__timer_stop(pl->close_timer);
  if (pl && pl->probe) sio__eio_ws_abort_probe(sock);
  if (pl && pl->get) {
    sio_http_req_t *req = pl->get;
    pl->get = NULL;
    sio__http_req_set_abort_cb(req, NULL, NULL);
    sio__eio_polling_answer_ctl(sock, req, by == SIO__EIO_BY_CLIENT ? "6" : "1");
  }
  clear_wbuf(sock);
  if (sock->ws) sio__eio_ws_close_transport(sock);
  sio__eio_sidmap_del(&s->sessions, sock->sid);
  if (s->group) {
    sio__eio_group_leave(s, sock->sid);
    sio__eio_group_count(s);
  }
  SIO_LOGD("eio %s: closed (%s)", sock->sid, reason);
  if (sock->announced && s->on_close) s->on_close(sock, reason, s->on_close_data);
  sio__eio_socket_unref(sock); /* the session's own reference */
  sio__eio_socket_unref(sock);
}

/* ---- graceful close ---- */

static void close_timer_cb(sio__timer_t *t, void *arg) {
  (void)t;
  sio__eio_socket_destroy(arg, "forced close", SIO__EIO_BY_SERVER);
}

void sio_eio_socket_close(sio_eio_socket_t *sock) {
  if (!sock || sock->state != SIO__EIO_OPEN_STATE) return;
  /* A WebSocket has every queued frame ahead of the close frame; a held GET
   * means nothing is buffered: both can close at once. */
  if (sock->transport == SIO_EIO_WEBSOCKET || sio__eio_held_get(sock)) {
    sio__eio_socket_destroy(sock, "forced close", SIO__EIO_BY_SERVER);
    return;
  }
  /* Polling without a GET: the next GET takes what is buffered, the one
   * after it (or that one, if nothing is) gets "6\x1e1". */
  sio__eio_polling_t *pl = sock->pl; /* a polling session has one */
  if (pl->probe) sio__eio_ws_abort_probe(sock);
  if (!pl->close_timer)
    pl->close_timer = sio__timer_new(sock->server->loop, close_timer_cb, sock);
  if (!pl->close_timer) {
    sio__eio_socket_destroy(sock, "forced close", SIO__EIO_BY_SERVER);
    return;
  }
  sock->state = SIO__EIO_CLOSING_STATE;
  sio__eio_hb_stop(sock);
  sio__timer_start(pl->close_timer, sock->server->opts.close_timeout);
}

/* ---- public accessors and sending ---- */

int sio_eio_socket_send(sio_eio_socket_t *sock, int binary, const void *data,
                        size_t len) {
  if (!sock || (len && !data)) return SIO_EINVAL;
  if (sock->state != SIO__EIO_OPEN_STATE) return SIO_ECLOSED;
  sio__eio_msg_t *m = sio__eio_msg_copy(SIO__EIO_MESSAGE, binary, data, len);
  if (!m) return SIO_ENOMEM;
  int rc = sio__eio_socket_enqueue(sock, m);
  sio__eio_msg_unref(m);
  return rc;
}

const char *sio_eio_socket_id(const sio_eio_socket_t *sock) {
  return sock->sid;
}

int sio_eio_socket_protocol(const sio_eio_socket_t *sock) {
  return sock->v3 ? 3 : 4;
}

const char *sio_eio_socket_transport(const sio_eio_socket_t *sock) {
  return sock->transport == SIO_EIO_WEBSOCKET ? "websocket" : "polling";
}

const char *sio_eio_socket_remote_addr(const sio_eio_socket_t *sock) {
  return sio__eio_hs_remote(sock->hs);
}
sio_eio_server_t *sio_eio_socket_server(const sio_eio_socket_t *sock) {
  return sock->server;
}
void sio_eio_socket_set_data(sio_eio_socket_t *sock, void *data) {
  sock->data = data;
}
void *sio_eio_socket_get_data(const sio_eio_socket_t *sock) {
  return sock->data;
}

/* ---- eio_send.h ---- */

int sio__eio_socket_send_msg(sio_eio_socket_t *sock, sio__eio_msg_t *msg) {
  return sio__eio_socket_send_msgs(sock, &msg, 1);
}

int sio__eio_socket_send_msgs(sio_eio_socket_t *sock, sio__eio_msg_t *const *msgs,
                              size_t n) {
  if (sock->state != SIO__EIO_OPEN_STATE) return SIO_ECLOSED;
  if (sock->transport == SIO_EIO_WEBSOCKET) {
    for (size_t i = 0; i < n; i++) {
      int rc = sio__eio_socket_enqueue(sock, msgs[i]);
      if (rc != 0) return rc;
    }
    return 0;
  }
  int rc = 0;
  sio__eio_socket_ref(sock);
  for (size_t i = 0; i < n && rc == 0; i++) {
    rc = push_wbuf(sock, msgs[i]);
    if (rc == 0 && sock->state != SIO__EIO_OPEN_STATE) rc = SIO_ECLOSED;
  }
  if (sock->state == SIO__EIO_OPEN_STATE) sio__eio_socket_flush(sock);
  sio__eio_socket_unref(sock);
  return rc;
}

int sio__eio_socket_writable(const sio_eio_socket_t *sock) {
  if (sock->state != SIO__EIO_OPEN_STATE) return 0;
  if (sock->transport == SIO_EIO_WEBSOCKET)
    return sock->ws && sio__ws_conn_queued(sock->ws) == 0;
  return sio__eio_held_get(sock) != NULL;
}

void sio__eio_socket_abort(sio_eio_socket_t *sock, const char *reason) {
  sio__eio_socket_destroy(sock, reason, SIO__EIO_BY_SERVER);
}
