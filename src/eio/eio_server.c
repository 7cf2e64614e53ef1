/* The Engine.IO server: the mount's request handler (validation in the
 * reference's order, then handshake, polling or upgrade), the session map and
 * shutdown. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "eio/eio_group.h"
#include "eio/eio_hvals.h"
#include "eio/eio_internal.h"
#include "eio/eio_validate.h"

/* ---- errors ---- */

/* The session cookie header line, when the cookie option is on (both
 * handshakes: the polling answer and the WebSocket 101). */
void sio__eio_cookie_append(const sio_eio_socket_t *sock, sio__sb_t *hdr) {
  const sio_eio_server_t *s = sock->server;
  if (s->opts.server_cookie)
    sio__sb_printf(hdr, "Set-Cookie: %s; Path=/; HttpOnly; SameSite=Lax\r\n",
                   s->opts.server_cookie);
  if (!s->opts.cookie_name) return;
  sio__sb_printf(hdr, "Set-Cookie: %s=%s; Path=%s", s->opts.cookie_name, sock->sid,
                 s->opts.cookie_path);
  if (s->opts.cookie_http_only) sio__sb_puts(hdr, "; HttpOnly");
  if (s->opts.cookie_same_site)
    sio__sb_printf(hdr, "; SameSite=%s", s->opts.cookie_same_site);
  sio__sb_puts(hdr, "\r\n");
}

static void refuse(sio_http_req_t *req, int is_upgrade, int code) {
  if (is_upgrade) {
    /* Not upgraded yet: a plain HTTP refusal, the text of the error (the
     * HTTP layer closes a refused upgrade's connection itself). */
    const char *msg = sio__eio_error_message(code);
    sio_http_req_respond(req, 400, "text/html", NULL, msg, strlen(msg));
    return;
  }
  char body[96];
  size_t n = sio__eio_error_json(code, body, sizeof body);
  sio_http_req_respond(req, sio__eio_error_status(code), "application/json", NULL, body,
                       n);
}

/* ---- handshake ---- */

static void polling_handshake(sio_eio_server_t *s, sio_http_req_t *req, const char *sid) {
  sio_eio_socket_t *sock = sio__eio_socket_new(s, SIO_EIO_POLLING, req, sid);
  if (!sock) {
    sio_http_req_respond(req, 500, NULL, NULL, NULL, 0);
    return;
  }
  int upgrades = s->opts.allow_upgrades && (s->opts.transports & SIO_EIO_WEBSOCKET);
  sio__sb_t body;
  sio__sb_init(&body, 160);
  if (sock->v3) {
    /* v3's text payload: "<length>:" first; the open packet is ASCII (a sid
     * holds only URL-safe characters), so its length is its byte count. */
    sio__sb_t open;
    sio__sb_init(&open, 160);
    sio__eio_open_packet_append(&open, sock->sid, upgrades, s->opts.ping_interval,
                                s->opts.ping_timeout, s->opts.max_http_buffer_size);
    sio__sb_put_u64(&body, sio__sb_len(&open));
    sio__sb_putc(&body, ':');
    if (open.err)
      body.err = open.err;
    else
      sio__sb_append(&body, sio__sb_data(&open), sio__sb_len(&open));
    sio__sb_reset(&open);
  } else {
    sio__eio_open_packet_append(&body, sock->sid, upgrades, s->opts.ping_interval,
                                s->opts.ping_timeout, s->opts.max_http_buffer_size);
  }
  sio__sb_t hdr;
  sio__sb_init(&hdr, 128);
  sio__sb_puts(&hdr, "Cache-Control: no-store\r\n");
  sio__eio_cookie_append(sock, &hdr);
  sio__eio_hooks_headers(s, req, 1, &hdr);
  sio__sb_putc(&hdr, '\0');
  sio__rbuf_t *b = sio__sb_finish(&body);
  sio__rbuf_t *h = sio__sb_finish(&hdr);
  if (!b || !h || sio__eio_socket_register(sock) != 0) {
    sio__rbuf_unref(b);
    sio__rbuf_unref(h);
    sock->state = SIO__EIO_CLOSED_STATE;
    sio__eio_socket_unref(sock);
    sio_http_req_respond(req, 500, NULL, NULL, NULL, 0);
    return;
  }
  /* The open packet alone answers the handshake; what the connection
   * callback sends waits for the next GET. */
  sio__http_req_respond_rbuf(req, 200, "text/plain; charset=UTF-8", (const char *)h->data,
                             b, 0, b->len);
  sio__rbuf_unref(b);
  sio__rbuf_unref(h);
  sio__eio_socket_announce(sock);
}

void sio__eio_handshake_now(sio_eio_server_t *s, sio_http_req_t *req, unsigned transport,
                            int is_upgrade) {
  if (transport == SIO_EIO_POLLING && is_upgrade) {
    /* The reference upgrades, then finds polling cannot take a socket. */
    sio__eio_ws_accept_and_close(s, req);
    return;
  }
  char sid[SIO_EIO_SID_MAX + 1];
  int rc = sio__eio_hooks_new_sid(s, req, sid);
  if (rc == SIO_ENOMEM) {
    sio_http_req_respond(req, 500, NULL, NULL, NULL, 0);
    return;
  }
  if (rc != 0) {
    /* The application's generator failed, as the reference answers a
     * throwing generateId. */
    refuse(req, is_upgrade, SIO__EIO_ERR_BAD_REQUEST);
    return;
  }
  if (transport == SIO_EIO_POLLING) {
    polling_handshake(s, req, sid);
    return;
  }
  sio_eio_socket_t *sock = sio__eio_socket_new(s, SIO_EIO_WEBSOCKET, req, sid);
  if (!sock) {
    sio_http_req_respond(req, 500, NULL, NULL, NULL, 0);
    return;
  }
  sio__eio_ws_handshake(sock, req);
}

/* ---- the mount's handler ---- */

typedef struct {
  sio_eio_server_t *s;
  sio_http_req_t *req;
} allow_ctx_t;

static int allow_hook(void *arg) {
  allow_ctx_t *a = arg;
  return a->s->opts.allow_request(a->req, a->s->opts.allow_request_data) != 0;
}

/* A query parameter into out; NULL when absent. A value too long for out is
 * returned truncated with *too_long set (it then matches nothing). */
static const char *param(sio_http_req_t *req, const char *key, char *out, size_t outlen,
                         int *too_long) {
  int n = sio_http_req_query_get(req, key, out, outlen);
  if (n < 0) return NULL;
  if (too_long) *too_long = (size_t)n >= outlen;
  return out;
}

/* ---- POSTs in progress: only one at a time per session ---- */

/* Marks a POST that arrived while another one of its session was in progress. */
static char overlap_mark;

static void on_post_abort(sio_http_req_t *req, void *arg) {
  sio_eio_socket_t *sock = arg;
  if (sock->pl && sock->pl->post == req) sock->pl->post = NULL;
  sio__http_req_set_data(req, NULL);
  sio__eio_socket_unref(sock);
}

/* Runs when a request's headers are in, before its body: the only moment a
 * second POST can be seen overlapping the first. */
static void on_headers(sio_http_req_t *req, void *arg) {
  sio_eio_server_t *s = arg;
  if (strcmp(sio_http_req_method(req), "POST") != 0) return;
  char sid[64];
  int n = sio_http_req_query_get(req, "sid", sid, sizeof sid);
  if (n <= 0 || (size_t)n >= sizeof sid) return;
  sio_eio_socket_t *sock = sio__eio_sidmap_get(&s->sessions, sid, (size_t)n);
  if (!sock || sock->state != SIO__EIO_OPEN_STATE || sock->transport != SIO_EIO_POLLING)
    return;
  if (sock->pl->post) { /* a polling session has its polling side */
    sio__http_req_set_data(req, &overlap_mark);
    return;
  }
  sock->pl->post = req;
  sio__eio_socket_ref(sock);
  sio__http_req_set_data(req, sock);
  sio__http_req_set_abort_cb(req, on_post_abort, sock);
}

/* The body is complete: the POST is no longer in progress. Returns 1 if it
 * overlapped another one. */
static int post_done(sio_http_req_t *req) {
  void *d = sio__http_req_get_data(req);
  if (!d) return 0;
  sio__http_req_set_data(req, NULL);
  if (d == &overlap_mark) return 1;
  sio_eio_socket_t *sock = d;
  sio__http_req_set_abort_cb(req, NULL, NULL);
  if (sock->pl && sock->pl->post == req) sock->pl->post = NULL;
  sio__eio_socket_unref(sock);
  return 0;
}

static void on_request(sio_http_req_t *req, void *arg) {
  sio_eio_server_t *s = arg;
  int overlapping = post_done(req);
  char transport[16], eio[8], sid[64];
  int transport_long = 0, eio_long = 0, sid_long = 0;
  const char *t = param(req, "transport", transport, sizeof transport, &transport_long);
  const char *e = param(req, "EIO", eio, sizeof eio, &eio_long);
  const char *id = param(req, "sid", sid, sizeof sid, &sid_long);
  if (t && transport_long) t = "";
  if (e && eio_long) e = "";
  int is_upgrade = sio_http_req_is_upgrade(req);

  sio__eio_reqinfo_t ri;
  memset(&ri, 0, sizeof ri);
  ri.method = sio_http_req_method(req);
  ri.transport = t;
  ri.eio = e;
  ri.is_upgrade = is_upgrade;
  ri.origin_invalid = sio__http_req_origin_invalid(req);
  /* An Origin the HTTP server's CORS does not allow (same origin only when
   * none is configured) is refused on every request, as python-engineio
   * does: WebSocket has no CORS of its own, and a browser would still send a
   * cross-origin polling request whose answer it cannot read. */
  ri.origin_refused = !sio__http_req_origin_allowed(req);
  ri.transports = s->opts.transports;
  ri.allow_eio3 = s->opts.allow_eio3;
  allow_ctx_t actx = {s, req};
  if (s->opts.allow_request) {
    ri.allow = allow_hook;
    ri.allow_ctx = &actx;
  }

  sio_eio_socket_t *sock = NULL;
  if (id && id[0]) {
    ri.has_sid = 1;
    if (!sid_long) sock = sio__eio_sidmap_get(&s->sessions, id, strlen(id));
    /* Another worker's session: its owner answers, on the same connection. */
    if (!sock && !sid_long && s->group && !sio__http_req_was_handed(req)) {
      int owner = sio__eio_group_owner(s->group, id, strlen(id));
      if (owner >= 0 && (unsigned)owner != s->worker) {
        sio__eio_group_handoff(s->group, (unsigned)owner, req);
        return;
      }
    }
    /* Deadlines are checked when a request arrives, not only by timers: a
     * session past its pong deadline is already gone. */
    if (sock && sio__eio_socket_heartbeat(sock) != 0) sock = NULL;
    if (sock) {
      ri.session_found = 1;
      ri.session_transport = sock->transport;
      ri.session_v3 = sock->v3;
    }
  }

  int code = sio__eio_validate(&ri);
  if (code != SIO__EIO_OK) {
    if (code == SIO__EIO_ERR_UNSUPPORTED_PROTOCOL && is_upgrade) {
      /* The reference completes the upgrade before it checks the version. */
      sio__eio_ws_accept_and_close(s, req);
      return;
    }
    refuse(req, is_upgrade, code);
    return;
  }
  unsigned tf = sio__eio_transport_flag(t);
  if (!sock) {
    if (s->draining) { /* the group is draining (eio_group.h): no new session */
      sio_http_req_respond(req, 503, NULL, NULL, NULL, 0);
      return;
    }
    if (s->opts.allow_async && !(tf == SIO_EIO_POLLING && is_upgrade))
      sio__eio_hooks_allow_start(s, req, tf, is_upgrade); /* answers later */
    else
      sio__eio_handshake_now(s, req, tf, is_upgrade);
    return;
  }
  sio__eio_socket_ref(sock);
  if (is_upgrade) {
    if (tf != SIO_EIO_WEBSOCKET || !s->opts.allow_upgrades ||
        sock->transport != SIO_EIO_POLLING || sio__eio_probe(sock) ||
        sock->state != SIO__EIO_OPEN_STATE) {
      /* Already upgraded or upgrading: a 400 here would crash clients that
       * do not expect it, so accept the socket and close it. */
      sio__eio_ws_accept_and_close(s, req);
    } else {
      sio__eio_ws_start_probe(sock, req);
    }
  } else if (strcmp(ri.method, "GET") == 0) {
    sio__eio_polling_on_get(sock, req);
  } else if (strcmp(ri.method, "POST") == 0) {
    if (overlapping) {
      /* Two POSTs at once on one session: refused, and the session closed. */
      sio_http_req_respond(req, 400, NULL, NULL, NULL, 0);
      sio__eio_socket_destroy(sock, "transport error", SIO__EIO_BY_SERVER);
    } else {
      sio__eio_polling_on_post(sock, req);
    }
  } else {
    refuse(req, 0, SIO__EIO_ERR_BAD_REQUEST); /* validation lets no other method by */
  }
  sio__eio_socket_unref(sock);
}

/* ---- server ---- */

static void server_free(sio_eio_server_t *s) {
  sio__eio_sidmap_free(&s->sessions);
  sio__eio_msg_unref(s->ping);
  sio__eio_msg_unref(s->pong);
  sio__eio_msg_unref(s->noop);
  sio__eio_msg_unref(s->close);
  sio__timer_free(s->close_timer);
  sio__eio_hb_free(s);
  sio__eio_hvals_close(s->hvals);
  sio__eio_opts_clear(&s->opts);
  sio__free(s);
}

int sio_eio_server_new(sio_http_server_t *http, const sio_eio_opts_t *opts,
                       sio_eio_server_t **out) {
  if (!http || !out) return SIO_EINVAL;
  *out = NULL;
  sio_eio_server_t *s = sio__calloc(1, sizeof(*s));
  if (!s) return SIO_ENOMEM;
  int rc;
  if (opts)
    rc = sio__eio_opts_copy(&s->opts, opts);
  else
    rc = sio__eio_opts_init(&s->opts);
  if (rc != 0) {
    sio__free(s);
    return rc;
  }
  s->http = http;
  s->loop = sio__http_server_loop(http);
  sio__eio_sidmap_init(&s->sessions);
  s->max_wbuf = sio__http_server_max_write_queue(http);
  if (s->max_wbuf == 0) s->max_wbuf = (size_t)4 << 20;
  s->ping = sio__eio_msg_new(SIO__EIO_PING, 0, NULL, 0, 0);
  s->pong = sio__eio_msg_new(SIO__EIO_PONG, 0, NULL, 0, 0);
  s->noop = sio__eio_msg_new(SIO__EIO_NOOP, 0, NULL, 0, 0);
  s->close = sio__eio_msg_new(SIO__EIO_CLOSE, 0, NULL, 0, 0);
  /* No table (out of memory, or sharing off) keeps every value inline. */
  s->hvals = sio__eio_hvals_new(s->opts.hval_max_entries, s->opts.hval_max_len);
  if (!s->ping || !s->pong || !s->noop || !s->close || sio__eio_hb_init(s) != 0) {
    server_free(s);
    return SIO_ENOMEM;
  }
  rc = sio__http_server_mount(http, s->opts.path, s->opts.max_http_buffer_size,
                              on_request, s);
  if (rc == 0) {
    rc = sio__http_server_mount_on_headers(http, s->opts.path, on_headers);
    if (rc != 0) sio__http_server_unmount(http, s->opts.path);
  }
  if (rc != 0) {
    server_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

void sio_eio_server_on_connection(sio_eio_server_t *s, sio_eio_connection_cb cb,
                                  void *arg) {
  s->on_connection = cb;
  s->on_connection_data = arg;
}

void sio_eio_server_on_message(sio_eio_server_t *s, sio_eio_message_cb cb, void *arg) {
  s->on_message = cb;
  s->on_message_data = arg;
}

void sio_eio_server_on_close(sio_eio_server_t *s, sio_eio_close_cb cb, void *arg) {
  s->on_close = cb;
  s->on_close_data = arg;
}

size_t sio_eio_server_clients_count(const sio_eio_server_t *s) {
  return s->group ? sio__eio_group_sessions(s->group) : s->sessions.count;
}

size_t sio_eio_server_clients_count_here(const sio_eio_server_t *s) {
  return s->sessions.count;
}

size_t sio__eio_server_sessions_here(const sio_eio_server_t *s) {
  return s->sessions.count;
}

sio_eio_socket_t *sio_eio_server_find(sio_eio_server_t *s, const char *sid) {
  if (!s || !sid) return NULL;
  return sio__eio_sidmap_get(&s->sessions, sid, strlen(sid));
}

void sio_eio_server_set_data(sio_eio_server_t *s, void *data) {
  s->data = data;
}
void *sio_eio_server_get_data(const sio_eio_server_t *s) {
  return s->data;
}
sio__eio_stats_t *sio__eio_server_stats(sio_eio_server_t *s) {
  return &s->stats;
}

/* Runs from the loop, after the call stack that closed the server unwound. */
static void close_done(sio__timer_t *t, void *arg) {
  (void)t;
  sio_eio_server_t *s = arg;
  if (s->close_cb) s->close_cb(s, s->close_data);
  server_free(s);
}

void sio__eio_server_close_sessions(sio_eio_server_t *s, const char *reason) {
  /* Close sessions in batches: each close changes the map. */
  for (;;) {
    void *batch[64];
    size_t n = sio__eio_sidmap_values(&s->sessions, batch, 64);
    size_t before = s->sessions.count;
    if (n == 0) break;
    /* A close callback may close other sessions of the batch: hold them. */
    for (size_t i = 0; i < n; i++) sio__eio_socket_ref(batch[i]);
    for (size_t i = 0; i < n; i++)
      sio__eio_socket_destroy(batch[i], reason, SIO__EIO_BY_SERVER);
    for (size_t i = 0; i < n; i++) sio__eio_socket_unref(batch[i]);
    if (s->sessions.count >= before) break; /* never spin */
  }
}

void sio_eio_server_close(sio_eio_server_t *s, sio_eio_server_close_cb cb, void *arg) {
  if (!s || s->closing) return;
  s->closing = 1;
  s->close_cb = cb;
  s->close_data = arg;
  sio__eio_hooks_allow_close_all(s);
  if (s->group) sio__eio_group_worker_closing(s);
  sio__http_server_unmount(s->http, s->opts.path);
  sio__eio_server_close_sessions(s, "server shutting down");
  s->close_timer = sio__timer_new(s->loop, close_done, s);
  if (s->close_timer) {
    sio__timer_start(s->close_timer, 0);
  } else {
    /* No memory for a timer: finish now rather than never. */
    if (cb) cb(s, arg);
    s->close_cb = NULL;
    server_free(s);
  }
}
