/* The WebSocket transport (docs/PROTOCOL.md §1.7) and the polling -> WebSocket
 * upgrade probe (§1.8). One Engine.IO packet per WebSocket message. */
#include <string.h>

#include "core/log.h"
#include "eio/eio_internal.h"
#include "eio/eio_v3.h"

/* Callbacks for a WebSocket nobody listens to any more (closing). */
static void detached_message(sio__ws_conn_t *c, void *arg, int binary, uint8_t *data,
                             size_t len) {
  (void)c, (void)arg, (void)binary, (void)data, (void)len;
}
static void detached_close(sio__ws_conn_t *c, void *arg, uint16_t code, int err) {
  (void)c, (void)arg, (void)code, (void)err;
}
static const sio__ws_conn_cbs_t k_detached = {detached_message, detached_close};

/* Closes c with a close frame without a code, as the reference does (the
 * client sees 1005), and stops listening to it. */
static void close_detached(sio__ws_conn_t *c) {
  sio__ws_conn_set_cbs(c, &k_detached, NULL);
  sio__ws_conn_close(c, 0, NULL);
}

/* Errors of the peer (as opposed to it leaving) are transport errors. */
static const char *close_reason(int err) {
  switch (err) {
    case SIO_EPROTO:
    case SIO_EILSEQ:
    case SIO_EMSGSIZE:
    case SIO_ELIMIT:
    case SIO_ENOMEM:
      return "transport error";
    default:
      return "transport close";
  }
}

/* ---- the session's transport ---- */

static void main_on_message(sio__ws_conn_t *c, void *arg, int binary, uint8_t *data,
                            size_t len);
static void main_on_close(sio__ws_conn_t *c, void *arg, uint16_t code, int err);
static const sio__ws_conn_cbs_t k_main = {main_on_message, main_on_close};

/* A WebSocket-first session starts once its socket is accepted: registered,
 * the open packet as the first frame, then the connection callback. It may
 * run from inside sio__ws_accept (if the accept already delivers frames) or
 * right after it. */
static void ws_first_attach(sio_eio_socket_t *sock, sio__ws_conn_t *c) {
  sio_eio_server_t *s = sock->server;
  if (sock->ws || sock->announced || sock->state != SIO__EIO_OPEN_STATE) return;
  sock->ws = c;
  sio__sb_t sb;
  sio__sb_init(&sb, 160);
  sio__eio_open_packet_append(&sb, sock->sid, 0, s->opts.ping_interval,
                              s->opts.ping_timeout, s->opts.max_http_buffer_size);
  sio__rbuf_t *open = sio__sb_finish(&sb);
  if (!open || sio__eio_socket_register(sock) != 0) {
    sio__rbuf_unref(open);
    sock->ws = NULL;
    sock->state = SIO__EIO_CLOSED_STATE;
    close_detached(c);
    return;
  }
  sio__ws_conn_send(c, 0, open->data, open->len);
  sio__rbuf_unref(open);
  sio__eio_socket_announce(sock);
}

static void main_on_message(sio__ws_conn_t *c, void *arg, int binary, uint8_t *data,
                            size_t len) {
  sio_eio_socket_t *sock = arg;
  if (!sock->ws) ws_first_attach(sock, c);
  if (sock->ws != c || sock->state != SIO__EIO_OPEN_STATE) return;
  sio__eio_socket_ref(sock);
  if (sio__eio_socket_heartbeat(sock) == 0 && sock->state == SIO__EIO_OPEN_STATE) {
    sio__eio_packet_t p;
    int rc = sock->v3 ? sio__eio_v3_decode_ws(data, len, binary, &p)
                      : sio__eio_decode_ws(data, len, binary, &p);
    if (rc != 0)
      sio__eio_socket_destroy(sock, "parse error", SIO__EIO_BY_SERVER);
    else if (sio__eio_socket_on_packet(sock, &p) != 0)
      sio__eio_socket_destroy(sock, "transport error", SIO__EIO_BY_SERVER);
  }
  sio__eio_socket_unref(sock);
}

static void main_on_close(sio__ws_conn_t *c, void *arg, uint16_t code, int err) {
  (void)code;
  sio_eio_socket_t *sock = arg;
  if (!sock->ws) ws_first_attach(sock, c);
  if (sock->ws != c) return;
  sock->ws = NULL; /* freed when this returns */
  if (err == SIO_ELIMIT) sock->server->stats.write_limited++; /* write queue cap */
  sio__eio_socket_destroy(sock, close_reason(err), SIO__EIO_BY_CLIENT);
}

void sio__eio_ws_handshake(sio_eio_socket_t *sock, sio_http_req_t *req) {
  sio_eio_server_t *s = sock->server;
  sio__ws_conn_t *c = NULL;
  sio__eio_socket_ref(sock);
  sio__sb_t hdr;
  sio__sb_init(&hdr, 0);
  sio__eio_cookie_append(sock, &hdr);
  sio__eio_hooks_headers(s, req, 1, &hdr);
  sio__sb_putc(&hdr, '\0');
  const char *extra = hdr.err ? NULL : (const char *)sio__sb_data(&hdr);
  int rc = sio__ws_accept_ex(req, &k_main, sock, s->opts.max_http_buffer_size, extra,
                             &s->opts.deflate, &c);
  sio__sb_reset(&hdr);
  if (rc == 0 && c && !sock->ws && !sock->announced) ws_first_attach(sock, c);
  if (!sock->announced) {
    /* Never started: nobody was told, nothing to undo but our memory. */
    sock->state = SIO__EIO_CLOSED_STATE;
    sio__eio_socket_unref(sock);
  }
  sio__eio_socket_unref(sock);
}

void sio__eio_ws_close_transport(sio_eio_socket_t *sock) {
  sio__ws_conn_t *c = sock->ws;
  sock->ws = NULL;
  if (c) close_detached(c);
}

/* ---- the upgrade probe ---- */

static void probe_on_message(sio__ws_conn_t *c, void *arg, int binary, uint8_t *data,
                             size_t len);
static void probe_on_close(sio__ws_conn_t *c, void *arg, uint16_t code, int err);
static const sio__ws_conn_cbs_t k_probe = {probe_on_message, probe_on_close};

static void upgrade_timer_cb(sio__timer_t *t, void *arg) {
  (void)t;
  sio_eio_socket_t *sock = arg;
  SIO_LOGD("eio %s: upgrade timed out", sock->sid);
  if (sio__eio_probe(sock)) sio__eio_ws_abort_probe(sock);
}

/* Forgets the probe without touching its socket. */
static void probe_end(sio_eio_socket_t *sock) {
  sock->probe_acked = 0;
  if (!sock->pl) return;
  sock->pl->probe = NULL;
  if (sock->pl->upgrade_timer) sio__timer_stop(sock->pl->upgrade_timer);
}

void sio__eio_ws_abort_probe(sio_eio_socket_t *sock) {
  sio__ws_conn_t *c = sio__eio_probe(sock);
  probe_end(sock);
  if (c) close_detached(c);
}

/* `5`: the probe becomes the session's transport. Whatever the polling side
 * still buffers goes out on it first, in order; a held GET is released. */
static void upgrade(sio_eio_socket_t *sock, sio__ws_conn_t *c) {
  probe_end(sock);
  sio__ws_conn_set_cbs(c, &k_main, sock);
  if (sock->pl->get) {
    sio_http_req_t *req = sock->pl->get;
    sock->pl->get = NULL;
    sio__http_req_set_abort_cb(req, NULL, NULL);
    sio__eio_polling_answer_ctl(sock, req, "6");
  }
  sock->transport = SIO_EIO_WEBSOCKET;
  sock->ws = c;
  sock->upgraded = 1;
  sock->server->stats.upgrades++;
  SIO_LOGD("eio %s: upgraded to websocket", sock->sid);
  if (sio__eio_socket_drain_to_ws(sock) == SIO_ENOMEM)
    sio__eio_socket_destroy(sock, "transport error", SIO__EIO_BY_SERVER);
  else
    sio__eio_socket_polling_release(sock); /* an idle WebSocket keeps none */
}

static void probe_on_message(sio__ws_conn_t *c, void *arg, int binary, uint8_t *data,
                             size_t len) {
  sio_eio_socket_t *sock = arg;
  if (sio__eio_probe(sock) != c || sock->state != SIO__EIO_OPEN_STATE) return;
  sio__eio_socket_ref(sock);
  sio__eio_packet_t p;
  int rc = binary ? SIO_EPROTO : sio__eio_decode_ws(data, len, 0, &p);
  if (rc == 0 && p.type == SIO__EIO_PING && p.len == 5 &&
      memcmp(p.data, "probe", 5) == 0) {
    sio__ws_conn_send(c, 0, "3probe", 6);
    sock->probe_acked = 1;
    /* From now on GETs are released with a noop so the client can pause
     * polling; a held one first. (A held GET means nothing is buffered.) */
    if (sio__eio_held_get(sock) && sio__eio_probe(sock) == c) {
      sio_http_req_t *req = sock->pl->get;
      sock->pl->get = NULL;
      sio__http_req_set_abort_cb(req, NULL, NULL);
      sio__eio_polling_answer_ctl(sock, req, "6");
    }
  } else if (rc == 0 && p.type == SIO__EIO_UPGRADE) {
    upgrade(sock, c);
  } else {
    /* Anything else fails the probe; the session stays on polling. */
    sio__eio_ws_abort_probe(sock);
  }
  sio__eio_socket_unref(sock);
}

static void probe_on_close(sio__ws_conn_t *c, void *arg, uint16_t code, int err) {
  (void)code, (void)err;
  sio_eio_socket_t *sock = arg;
  if (sio__eio_probe(sock) == c) probe_end(sock);
}

void sio__eio_ws_start_probe(sio_eio_socket_t *sock, sio_http_req_t *req) {
  sio_eio_server_t *s = sock->server;
  sio__eio_polling_t *pl = sock->pl; /* only a polling session probes */
  if (!pl->upgrade_timer)
    pl->upgrade_timer = sio__timer_new(s->loop, upgrade_timer_cb, sock);
  if (!pl->upgrade_timer) {
    sio_http_req_respond(req, 500, NULL, NULL, NULL, 0);
    return;
  }
  sio__ws_conn_t *c = NULL;
  /* Read before the accept, which takes the request over. */
  int b64 = sock->v3 && sio__eio_req_b64(req);
  sio__sb_t hdr;
  sio__sb_init(&hdr, 0);
  sio__eio_hooks_headers(s, req, 0, &hdr);
  sio__sb_putc(&hdr, '\0');
  const char *extra = hdr.err ? NULL : (const char *)sio__sb_data(&hdr);
  int rc = sio__ws_accept_ex(req, &k_probe, sock, s->opts.max_http_buffer_size, extra,
                             &s->opts.deflate, &c);
  sio__sb_reset(&hdr);
  if (rc != 0 || !c) return;
  /* v3: the WebSocket has its own binary form, asked for on its request. */
  if (sock->v3)
    sock->b64 =
        (uint8_t)((sock->b64 & ~SIO_EIO_WEBSOCKET) | (b64 ? SIO_EIO_WEBSOCKET : 0));
  pl->probe = c;
  sock->probe_acked = 0;
  sio__timer_start(pl->upgrade_timer, s->opts.upgrade_timeout);
}

void sio__eio_ws_accept_and_close(sio_eio_server_t *s, sio_http_req_t *req) {
  sio__ws_conn_t *c = NULL;
  if (sio__ws_accept(req, &k_detached, NULL, s->opts.max_http_buffer_size, &c) == 0 && c)
    sio__ws_conn_close(c, 0, NULL);
}
