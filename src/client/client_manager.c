/* The client manager (socket.io-client's Manager): one Engine.IO session,
 * Socket.IO packets decoded and routed to namespace sockets, reconnection
 * with exponential backoff and jitter, and the close that ends it all.
 *
 * A close by the user (sio_client_close, or the last socket disconnecting)
 * stops the reconnection timer and never schedules a new one: only a lost
 * session does, so no timer firing later undoes the user's close. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/client_internal.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/rand.h"
#include "io/tls.h"

void sio__client_manager_emit(sio_client_t *c, sio_client_event_t ev, int value,
                              const char *reason) {
  if (c->ev_cb) c->ev_cb(c, ev, value, reason, c->ev_arg);
}

int sio__client_manager_send(sio_client_t *c, int binary, const uint8_t *msg, size_t len,
                             const sio__sio_attachment_t *att, size_t natt) {
  if (c->state != CM_OPEN || !c->e) return SIO_ENOTCONN;
  int rc = sio__eio_client_send(c->e, binary, msg, len);
  for (size_t i = 0; rc == 0 && i < natt; i++)
    rc = sio__eio_client_send(c->e, 1, att[i].base, att[i].len);
  return rc;
}

/* ---- reconnection ---- */

/* The delay before the next attempt (client_opts.c), with a fresh u. */
static uint64_t backoff_ms(sio_client_t *c) {
  uint32_t r = 0;
  sio__rand_bytes((uint8_t *)&r, sizeof(r));
  return sio__client_backoff(&c->o, c->attempts, (double)r / 4294967296.0);
}

static int anyone_wants(sio_client_t *c) {
  for (sio_client_socket_t *s = c->socks; s; s = s->next)
    if (s->want) return 1;
  return 0;
}

static void open_session(sio_client_t *c);

static void on_rtimer(sio__timer_t *t, void *arg) {
  (void)t;
  sio_client_t *c = arg;
  if (c->closing || !anyone_wants(c)) {
    c->reconnecting = 0;
    return;
  }
  sio__client_manager_emit(c, SIO_CLIENT_RECONNECT_ATTEMPT, (int)c->attempts, NULL);
  if (c->closing || c->state != CM_CLOSED) return;
  open_session(c);
}

static void schedule_reconnect(sio_client_t *c) {
  if (c->closing || !c->o.reconnection || !anyone_wants(c)) {
    c->reconnecting = 0;
    return;
  }
  if (c->o.attempts && c->attempts >= c->o.attempts) {
    c->reconnecting = 0;
    c->attempts = 0;
    sio__client_manager_emit(c, SIO_CLIENT_RECONNECT_FAILED, 0, NULL);
    return;
  }
  c->attempts++;
  c->reconnecting = 1;
  uint64_t ms = backoff_ms(c);
  SIO_LOGD("client: reconnecting in %llu ms (attempt %u)", (unsigned long long)ms,
           c->attempts);
  sio__timer_start(c->rtimer, ms);
}

/* ---- session callbacks ---- */

static void e_on_open(sio__eio_client_t *e, void *arg) {
  (void)e;
  sio_client_t *c = arg;
  c->state = CM_OPEN;
  c->parser->decoder_reset(c->dec);
  uint32_t n = c->reconnecting ? c->attempts : 0;
  c->reconnecting = 0;
  c->attempts = 0;
  sio__client_manager_emit(c, SIO_CLIENT_OPEN, 0, NULL);
  if (n && c->state == CM_OPEN)
    sio__client_manager_emit(c, SIO_CLIENT_RECONNECT, (int)n, NULL);
  for (sio_client_socket_t *s = c->socks; s && c->state == CM_OPEN; s = s->next)
    if (s->want && s->state == CS_IDLE) sio__client_socket_send_connect(s);
}

static void e_on_upgrade(sio__eio_client_t *e, void *arg) {
  (void)e;
  sio__client_manager_emit(arg, SIO_CLIENT_UPGRADE, 0, "websocket");
}

static sio_client_socket_t *find_sock(sio_client_t *c, const char *nsp, size_t len) {
  int root = sio__sio_nsp_is_root(nsp, len);
  for (sio_client_socket_t *s = c->socks; s; s = s->next) {
    if (root ? strcmp(s->nsp, "/") == 0
             : strlen(s->nsp) == len && memcmp(s->nsp, nsp, len) == 0)
      return s;
  }
  return NULL;
}

static void lose_session(sio_client_t *c, const char *reason);

static void e_on_message(sio__eio_client_t *e, void *arg, int binary, const uint8_t *data,
                         size_t len) {
  (void)e;
  sio_client_t *c = arg;
  sio__sio_packet_t pkt;
  int rc = c->parser->decoder_feed(c->dec, binary, data, len, NULL, &pkt);
  if (rc < 0) {
    SIO_LOGW("client: bad packet from the server (%s)", sio_err_name(rc));
    lose_session(c, "parse error");
    return;
  }
  if (rc == 0) return; /* attachments to come */
  sio_client_socket_t *s = find_sock(c, pkt.h.nsp, pkt.h.nsp_len);
  if (s && !c->closing) sio__client_socket_on_packet(s, &pkt);
  sio__sio_packet_release(&pkt);
}

static void e_on_close(sio__eio_client_t *e, void *arg, int was_open, int err,
                       const char *reason);

static const sio__eio_client_cbs_t k_ecbs = {e_on_open, e_on_message, e_on_upgrade,
                                             e_on_close};

static void finish_close(sio_client_t *c);

static void e_on_close(sio__eio_client_t *e, void *arg, int was_open, int err,
                       const char *reason) {
  sio_client_t *c = arg;
  sio__eio_client_free(e);
  if (c->e == e) c->e = NULL;
  int was_state = c->state;
  c->state = CM_CLOSED;
  c->parser->decoder_reset(c->dec);
  if (c->closing) {
    finish_close(c);
    return;
  }
  if (err == 0) { /* our own graceful close: no socket wanted the session */
    if (was_open) sio__client_manager_emit(c, SIO_CLIENT_CLOSE, 0, reason);
    /* A socket connected again while it closed: a new session for it. */
    if (!c->closing && c->state == CM_CLOSED && anyone_wants(c)) open_session(c);
    return;
  }
  if (was_open || was_state == CM_OPEN) {
    for (sio_client_socket_t *s = c->socks; s; s = s->next)
      sio__client_socket_session_lost(s, reason);
    if (c->closing) return;
    sio__client_manager_emit(c, SIO_CLIENT_CLOSE, err, reason);
  } else {
    sio__client_manager_emit(
        c, c->reconnecting ? SIO_CLIENT_RECONNECT_ERROR : SIO_CLIENT_ERROR, err, reason);
    for (sio_client_socket_t *s = c->socks; s && !c->closing; s = s->next)
      if (s->want && s->state != CS_CONNECTED) sio__client_socket_open_failed(s, reason);
  }
  if (!c->closing && c->state == CM_CLOSED) schedule_reconnect(c);
}

/* A protocol error: the session goes, reconnection follows. */
static void lose_session(sio_client_t *c, const char *reason) {
  sio__eio_client_t *e = c->e;
  if (!e) return;
  e_on_close(e, c, 1, SIO_EPROTO, reason);
}

static void open_session(sio_client_t *c) {
  if (c->state != CM_CLOSED || c->closing) return;
  c->e = sio__eio_client_new(&c->t, c->o.mode, c->o.timeout, &k_ecbs, c);
  if (!c->e) {
    sio__client_manager_emit(c, SIO_CLIENT_ERROR, SIO_ENOMEM, "out of memory");
    schedule_reconnect(c);
    return;
  }
  sio__eio_client_set_deflate(c->e, &c->o.deflate);
  c->state = CM_OPENING;
  int rc = sio__eio_client_open(c->e);
  if (rc) e_on_close(c->e, c, 0, rc, "transport error");
}

void sio__client_manager_ensure_open(sio_client_t *c) {
  if (c->closing || c->state != CM_CLOSED || c->reconnecting) return;
  open_session(c);
}

void sio__client_manager_maybe_close(sio_client_t *c) {
  if (anyone_wants(c)) return;
  sio__timer_stop(c->rtimer);
  c->reconnecting = 0;
  c->attempts = 0;
  if (c->e) sio__eio_client_close(c->e);
}

/* ---- create and close ---- */

static int parse_url(sio_client_t *c, const char *url) {
  const char *p = url;
  int port = 80, tls = 0;
  if (strncasecmp(p, "http://", 7) == 0) {
    p += 7;
  } else if (strncasecmp(p, "ws://", 5) == 0) {
    p += 5;
  } else if (strncasecmp(p, "https://", 8) == 0) {
    p += 8;
    tls = 1;
  } else if (strncasecmp(p, "wss://", 6) == 0) {
    p += 6;
    tls = 1;
  } else if (strstr(p, "://")) {
    return SIO_EINVAL; /* an unknown scheme */
  }
  if (tls) port = 443;
  char host[256];
  size_t n = 0;
  if (*p == '[') { /* IPv6 literal */
    const char *end = strchr(p, ']');
    if (!end || (size_t)(end - p - 1) >= sizeof(host)) return SIO_EINVAL;
    n = (size_t)(end - p - 1);
    memcpy(host, p + 1, n);
    p = end + 1;
  } else {
    while (p[n] && p[n] != ':' && p[n] != '/' && p[n] != '?') n++;
    if (n == 0 || n >= sizeof(host)) return SIO_EINVAL;
    memcpy(host, p, n);
    p += n;
  }
  host[n] = 0;
  if (*p == ':') {
    char *end;
    long v = strtol(p + 1, &end, 10);
    if (end == p + 1 || v <= 0 || v > 65535) return SIO_EINVAL;
    port = (int)v;
    p = end;
  }
  if (*p && *p != '/' && *p != '?') return SIO_EINVAL;
  c->t.port = port;
  if (n < sizeof(c->t.ip) && sio__stream_is_ip_literal(host)) {
    memcpy(c->t.ip, host, n + 1);
  } else if (strcasecmp(host, "localhost") == 0) {
    snprintf(c->t.ip, sizeof(c->t.ip), "127.0.0.1");
  } else {
    /* A name: looked up (off the loop, see io/stream.h) at every connection,
     * so a reconnection sees a DNS change. */
    c->t.ip[0] = 0;
    c->t.conn_host = sio__strdup(host);
    if (!c->t.conn_host) return SIO_ENOMEM;
  }
  char hosthdr[300];
  int ipv6 = strchr(host, ':') != NULL;
  snprintf(hosthdr, sizeof(hosthdr), "%s%s%s:%d", ipv6 ? "[" : "", host, ipv6 ? "]" : "",
           port);
  c->t.host = sio__strdup(hosthdr);
  if (tls) c->t.tls_host = sio__strdup(host);
  return c->t.host && (!tls || c->t.tls_host) ? 0 : SIO_ENOMEM;
}

/* The TLS context of an https/wss client, from the options' files. */
static int setup_tls(sio_client_t *c, const sio_client_opts_t *o) {
  if (!c->t.tls_host) return 0;
  return sio__tls_ctx_new(o->tls_verify, o->tls_ca_file, o->tls_ca_dir, o->tls_cert_file,
                          o->tls_key_file, &c->t.tls);
}

static void client_free(sio_client_t *c) {
  while (c->socks) {
    sio_client_socket_t *s = c->socks;
    c->socks = s->next;
    sio__client_socket_free(s);
  }
  sio__eio_client_free(c->e);
  c->parser->decoder_reset(c->dec);
  sio__timer_free(c->rtimer);
  sio__timer_free(c->close_timer);
  sio__free(c->t.host);
  sio__free(c->t.tls_host);
  sio__free(c->t.conn_host);
  sio__tls_ctx_free(c->t.tls);
  sio__free(c->t.path);
  sio__free(c->t.query);
  sio__free(c->t.headers);
  sio__free(c);
}

int sio_client_new(uv_loop_t *loop, const char *url, const sio_client_opts_t *opts,
                   sio_client_t **out) {
  if (!loop || !url || !out) return SIO_EINVAL;
  const sio_parser_t *parser = sio__parser_or_default(opts ? opts->parser : NULL);
  size_t off = sio__parser_dec_offset(sizeof(sio_client_t));
  sio_client_t *c = sio__calloc(1, off + parser->decoder_size);
  if (!c) return SIO_ENOMEM;
  c->parser = parser;
  c->dec = (char *)c + off;
  c->parser->decoder_init(c->dec, NULL);
  c->loop = loop;
  c->t.loop = loop;
  sio_client_opts_t *def = opts ? NULL : sio_client_opts_new();
  const sio_client_opts_t *o = opts ? opts : def;
  if (!o) {
    sio__free(c);
    return SIO_ENOMEM;
  }
  c->o.mode = o->mode;
  c->o.reconnection = o->reconnection;
  c->o.attempts = o->attempts;
  c->o.delay = o->delay;
  c->o.delay_max = o->delay_max;
  c->o.randomization = o->randomization;
  c->o.timeout = o->timeout;
  c->o.max_buffered = o->max_buffered;
  c->o.max_write_queue = o->max_write_queue;
  c->o.max_receive_queue = o->max_receive_queue;
  c->o.deflate = o->deflate;
  c->t.max_write_queue = o->max_write_queue;
  c->t.path = sio__strdup(o->path ? o->path : "/socket.io/");
  c->t.query = sio__strndup(
      (const char *)(o->query.buf ? o->query.buf->data : (const uint8_t *)""),
      sio__sb_len(&o->query));
  c->t.headers = sio__strndup(
      (const char *)(o->headers.buf ? o->headers.buf->data : (const uint8_t *)""),
      sio__sb_len(&o->headers));
  c->rtimer = sio__timer_new(loop, on_rtimer, c);
  int rc = (!c->t.path || !c->t.query || !c->t.headers || !c->rtimer) ? SIO_ENOMEM : 0;
  if (rc == 0) rc = parse_url(c, url);
  if (rc == 0) rc = setup_tls(c, o);
  sio_client_opts_free(def);
  if (rc) {
    client_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

void sio_client_on_event(sio_client_t *c, sio_client_event_cb cb, void *arg) {
  c->ev_cb = cb;
  c->ev_arg = arg;
}

const char *sio_client_transport(const sio_client_t *c) {
  return c->e && c->state == CM_OPEN ? sio__eio_client_transport(c->e) : NULL;
}

const char *sio_client_sid(const sio_client_t *c) {
  return c->e && c->state == CM_OPEN ? sio__eio_client_sid(c->e) : NULL;
}

static void on_close_timer(sio__timer_t *t, void *arg) {
  (void)t;
  sio_client_t *c = arg;
  if (c->close_cb) c->close_cb(c, c->close_arg);
  client_free(c);
}

/* Everything is shut: the user's callback runs from the loop. */
static void finish_close(sio_client_t *c) {
  if (c->close_timer) return;
  c->close_timer = sio__timer_new(c->loop, on_close_timer, c);
  if (c->close_timer) {
    sio__timer_start(c->close_timer, 0);
  } else { /* no memory for a timer: finish now */
    on_close_timer(NULL, c);
  }
}

void sio_client_close(sio_client_t *c, sio_client_close_cb cb, void *arg) {
  if (!c || c->closing) return;
  c->closing = 1;
  c->close_cb = cb;
  c->close_arg = arg;
  sio__timer_stop(c->rtimer);
  c->reconnecting = 0;
  for (sio_client_socket_t *s = c->socks; s; s = s->next) sio_client_socket_disconnect(s);
  if (c->e && c->state != CM_CLOSED)
    sio__eio_client_close(c->e); /* e_on_close then finishes */
  else
    finish_close(c);
}

void sio_client_set_data(sio_client_t *c, void *data) {
  c->data = data;
}
void *sio_client_get_data(const sio_client_t *c) {
  return c->data;
}
uv_loop_t *sio_client_loop(const sio_client_t *c) {
  return c->loop;
}
