/* The server object: options, listeners, mounts, the set of connections, and
 * the asynchronous close. Connections live in http_conn.c. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "http/http_internal.h"
#include "http/http_iplimit.h"
#include "io/listener.h"
#include "io/soon.h"
#include "io/tls.h"

/* A connection this server serves: TLS (if any) then HTTP. */
static void accept_here(sio_http_server_t *s, sio__stream_t *stream) {
  /* The handshake runs under the connection's first request timeout. */
  if (s->tls && sio__tls_accept(stream, s->tls) != 0) {
    sio__stream_close(stream, 0);
    return;
  }
  sio__http_conn_accept(s, stream);
}

static void on_accept(sio__listener_t *l, void *arg, sio__stream_t *stream) {
  sio_http_server_t *s = arg;
  if (s->closing) {
    sio__stream_close(stream, 0);
    return;
  }
  if (s->iplimit) {
    int r = sio__iplimit_admit(s->iplimit, stream);
    if (r != 0) {
      /* Over the cap (or no memory to count it): closed before reading
       * anything, so it costs the server nothing and touches no one else. */
      SIO_LOGD("connection from %s refused: %s", sio__stream_remote_addr(stream),
               r == SIO_ELIMIT ? "per-IP cap" : "out of memory");
      sio__stream_close(stream, 0);
      return;
    }
  }
  if (s->spread && s->spread(s, stream, s->spread_arg)) return;
  accept_here(s, stream);
}

void sio__http_server_adopt(sio_http_server_t *s, sio__http_handoff_t *h) {
  sio__stream_t *st = s->closing ? NULL : sio__stream_adopt(s->loop, h->conn);
  if (!st) {
    sio__http_handoff_drop(h);
    return;
  }
  h->conn = NULL;
  if (h->fresh)
    accept_here(s, st);
  else
    sio__http_conn_adopt(s, st, h->req, h->bytes, h->len);
  h->req = NULL;
  sio__free(h);
  /* What TLS decrypted before the move, behind the bytes that came with it
   * (the stream may have a new owner by now: it gets them). */
  sio__stream_resume(st);
}

int sio__http_server_listen_ex(sio_http_server_t *s, const char *host, int port,
                               int reuseport) {
  if (s->closing) return SIO_ECLOSED;
  sio__listener_t **nl = sio__realloc(s->listeners, (s->nlisteners + 1) * sizeof(*nl));
  if (!nl) return SIO_ENOMEM;
  s->listeners = nl;
  sio__listener_t *l;
  int r = sio__listener_new_ex(s->loop, host, port, reuseport, on_accept, s, &l);
  if (r != 0) return r;
  s->listeners[s->nlisteners++] = l;
  return 0;
}

void sio__http_server_stop_listening(sio_http_server_t *s) {
  if (s->closing) return;
  for (size_t i = 0; i < s->nlisteners; i++)
    sio__listener_close(s->listeners[i], NULL, NULL);
  s->nlisteners = 0;
}

int sio__http_server_share_iplimit(sio_http_server_t *s, const sio_http_server_t *from) {
  if (!from->iplimit || s->iplimit == from->iplimit) return 0;
  sio__iplimit_release(s->iplimit);
  s->iplimit = sio__iplimit_share(from->iplimit);
  return 0;
}

void sio__http_server_set_drain_ms(sio_http_server_t *s, uint32_t ms) {
  s->drain_ms = ms ? ms : SIO__HTTP_DRAIN_MS;
}

void sio__http_server_set_spread(sio_http_server_t *s, sio__http_spread_cb cb,
                                 void *arg) {
  s->spread = cb;
  s->spread_arg = arg;
}

int sio_http_server_new(uv_loop_t *loop, const sio_http_opts_t *opts,
                        sio_http_server_t **out) {
  if (!loop || !out) return SIO_EINVAL;
  sio_http_server_t *s = sio__calloc(1, sizeof(*s));
  if (!s) return SIO_ENOMEM;
  sio_http_opts_t *def = NULL;
  if (!opts) {
    def = sio_http_opts_new();
    if (!def) {
      sio__free(s);
      return SIO_ENOMEM;
    }
    opts = def;
  }
  s->loop = loop;
  s->drain_ms = SIO__HTTP_DRAIN_MS;
  s->opts = *opts;
  s->opts.static_root = NULL;
  s->opts.cors_origins = NULL;
  /* The files are read now: the server keeps only the loaded context. */
  s->opts.tls_cert = NULL;
  s->opts.tls_key = NULL;
  s->opts.tls_client_ca = NULL;
  int err = sio__http_cors_check(opts);
  if (!err && opts->tls_cert) {
    err = sio__tls_server_ctx_new(opts->tls_cert, opts->tls_key, opts->tls_client_ca,
                                  &s->tls);
    if (err == SIO_EINVAL) err = SIO_ETLS;
  }
  if (!err && opts->static_root) {
    s->opts.static_root = sio__strdup(opts->static_root);
    char *real = realpath(opts->static_root, NULL); /* libc malloc: copy it over */
    if (!real) {
      SIO_LOGW("static root %s: not found", opts->static_root);
      err = SIO_EINVAL;
    } else {
      s->static_real = sio__strdup(real);
      free(real);
      if (!s->static_real || !s->opts.static_root) err = SIO_ENOMEM;
    }
  }
  if (!err && opts->max_conns_per_ip) {
    s->iplimit = sio__iplimit_new(opts->max_conns_per_ip, opts->ipv6_prefix_len);
    if (!s->iplimit) err = SIO_ENOMEM;
  }
  if (!err && opts->cors_origins) {
    s->opts.cors_origins = sio__strdup(opts->cors_origins);
    if (!s->opts.cors_origins) err = SIO_ENOMEM;
  }
  if (!err && !(s->close_soon = sio__soon_new(loop))) err = SIO_ENOMEM;
  sio_http_opts_free(def);
  if (err) {
    sio__tls_ctx_free(s->tls);
    sio__iplimit_release(s->iplimit);
    sio__free(s->opts.static_root);
    sio__free(s->opts.cors_origins);
    sio__free(s->static_real);
    sio__free(s);
    return err;
  }
  *out = s;
  return 0;
}

int sio_http_server_listen(sio_http_server_t *s, const char *host, int port) {
  return sio__http_server_listen_ex(s, host, port, 0);
}

int sio_http_server_port(const sio_http_server_t *s) {
  if (s->nlisteners == 0) return SIO_ENOENT;
  return sio__listener_port(s->listeners[0]);
}

void sio_http_server_on_request(sio_http_server_t *s, sio_http_handler_cb cb, void *arg) {
  s->app_cb = cb;
  s->app_ud = arg;
}

void sio_http_server_set_data(sio_http_server_t *s, void *data) {
  s->data = data;
}

void *sio_http_server_get_data(const sio_http_server_t *s) {
  return s->data;
}

uv_loop_t *sio__http_server_loop(const sio_http_server_t *s) {
  return s->loop;
}

size_t sio__http_server_max_write_queue(const sio_http_server_t *s) {
  return s->opts.max_write_queue;
}

size_t sio__http_server_connections(const sio_http_server_t *s) {
  return s->nconns;
}

/* ---- mounts ---- */

int sio__http_server_mount(sio_http_server_t *s, const char *prefix, size_t max_body,
                           sio_http_handler_cb cb, void *arg) {
  if (!prefix || !*prefix || !cb) return SIO_EINVAL;
  size_t len = strlen(prefix);
  for (size_t i = 0; i < s->nmounts; i++)
    if (s->mounts[i].len == len && !memcmp(s->mounts[i].prefix, prefix, len))
      return SIO_EEXIST;
  sio__http_mount_t *nm = sio__realloc(s->mounts, (s->nmounts + 1) * sizeof(*nm));
  if (!nm) return SIO_ENOMEM;
  s->mounts = nm;
  char *p = sio__strdup(prefix);
  if (!p) return SIO_ENOMEM;
  /* Keep the longest prefixes first so the first match is the best. */
  size_t at = 0;
  while (at < s->nmounts && s->mounts[at].len >= len) at++;
  memmove(&s->mounts[at + 1], &s->mounts[at], (s->nmounts - at) * sizeof(*nm));
  s->mounts[at] = (sio__http_mount_t){p, len, max_body, cb, arg, NULL};
  s->nmounts++;
  return 0;
}

/* Requests still arriving (headers in, body not yet) were claimed by the
 * mount when their headers completed: they must not reach its handler once
 * it is gone (its owner may be freed). Their early-notice abort callbacks run
 * now, while the owner still exists; they then fall through to static files,
 * the application or 404 like any unclaimed request. */
static void forget_mount(sio_http_server_t *s, const sio__http_mount_t *m) {
  for (sio__http_conn_t *c = s->conns; c; c = c->next) {
    sio_http_req_t *r = c->ps.req;
    if (!r || r == c->active || r->cb != m->cb || r->cb_ud != m->ud) continue;
    r->cb = NULL;
    r->cb_ud = NULL;
    sio__http_abort_cb cb = r->abort_cb;
    void *ud = r->abort_ud;
    r->abort_cb = NULL;
    r->abort_ud = NULL;
    if (cb) cb(r, ud);
  }
}

void sio__http_server_unmount(sio_http_server_t *s, const char *prefix) {
  size_t len = strlen(prefix);
  for (size_t i = 0; i < s->nmounts; i++) {
    if (s->mounts[i].len == len && !memcmp(s->mounts[i].prefix, prefix, len)) {
      forget_mount(s, &s->mounts[i]);
      sio__free(s->mounts[i].prefix);
      memmove(&s->mounts[i], &s->mounts[i + 1],
              (s->nmounts - i - 1) * sizeof(*s->mounts));
      s->nmounts--;
      return;
    }
  }
}

int sio__http_server_mount_on_headers(sio_http_server_t *s, const char *prefix,
                                      sio_http_handler_cb cb) {
  size_t len = strlen(prefix);
  for (size_t i = 0; i < s->nmounts; i++) {
    if (s->mounts[i].len == len && !memcmp(s->mounts[i].prefix, prefix, len)) {
      s->mounts[i].headers_cb = cb;
      return 0;
    }
  }
  return SIO_ENOENT;
}

const sio__http_mount_t *sio__http_server_find_mount(const sio_http_server_t *s,
                                                     const char *path, size_t len) {
  for (size_t i = 0; i < s->nmounts; i++)
    if (len >= s->mounts[i].len && !memcmp(path, s->mounts[i].prefix, s->mounts[i].len))
      return &s->mounts[i];
  return NULL;
}

/* ---- closing ---- */

static void maybe_finish_close(sio_http_server_t *s) {
  if (s->pending_closes > 0 || s->nconns > 0) return;
  if (s->close_cb) s->close_cb(s, s->close_ud);
  for (size_t i = 0; i < s->nmounts; i++) sio__free(s->mounts[i].prefix);
  sio__free(s->mounts);
  sio__free(s->listeners);
  sio__iplimit_release(s->iplimit);
  sio__tls_ctx_free(s->tls);
  sio__free(s->opts.static_root);
  sio__free(s->opts.cors_origins);
  sio__free(s->static_real);
  sio__free(s);
}

static void on_listener_closed(void *arg) {
  sio_http_server_t *s = arg;
  s->pending_closes--;
  maybe_finish_close(s);
}

void sio__http_server_conn_gone(sio_http_server_t *s, sio__http_conn_t *c) {
  if (c->prev)
    c->prev->next = c->next;
  else
    s->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  c->next = c->prev = NULL;
  s->nconns--;
  if (s->closing) maybe_finish_close(s);
}

void sio_http_server_close(sio_http_server_t *s, sio_http_close_cb cb, void *arg) {
  if (s->closing) return;
  s->closing = 1;
  s->close_cb = cb;
  s->close_ud = arg;
  /* One more call from the loop, so cb always runs from the loop. */
  s->pending_closes = s->nlisteners + 1;
  for (size_t i = 0; i < s->nlisteners; i++)
    sio__listener_close(s->listeners[i], on_listener_closed, s);
  s->nlisteners = 0;
  sio__soon_run(s->close_soon, on_listener_closed, s);
  s->close_soon = NULL;
  /* Each connection leaves the list when its stream reports closed. */
  for (sio__http_conn_t *c = s->conns, *next; c; c = next) {
    next = c->next;
    sio__http_conn_close(c);
  }
}
