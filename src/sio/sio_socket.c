/* A namespace socket: incoming events and acks, emits (with acks and
 * timeouts), answering the client's acks, disconnect, per-socket data and
 * the key-value session. */
#include <jansson.h>
#include <string.h>

#include "core/alloc.h"
#include "core/json_jansson.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/rand.h"
#include "eio/eio_send.h"
#include "sio/sio_internal.h"

#define FN(f) ((void (*)(void))(f))

_Static_assert(_Alignof(sio_socket_t) <= 8, "sockets are 8-byte aligned pool blocks");

sio_socket_t *sio__socket_new(sio_namespace_t *nsp, sio__session_t *c, const char *auth,
                              size_t auth_len) {
  sio_socket_t *sock = sio__pool_calloc(nsp->srv->socket_pool);
  if (!sock) return NULL;
  sock->refs = 1;
  sock->nsp = nsp;
  sock->session = c;
  sock->state = SIO__SOCK_CONNECTING;
  sock->nsp_idx = UINT32_MAX;
  /* Most clients send no auth: their "{}" takes no buffer (sio__socket_auth). */
  int empty_auth = auth_len == 2 && memcmp(auth, "{}", 2) == 0;
  if (!empty_auth && !(sock->auth = sio__rbuf_from(auth, auth_len))) {
    sio__pool_free(nsp->srv->socket_pool, sock);
    return NULL;
  }
  if (nsp->srv->recovery_ms && !(sock->rec = sio__calloc(1, sizeof(*sock->rec)))) {
    sio__rbuf_unref(sock->auth);
    sio__pool_free(nsp->srv->socket_pool, sock);
    return NULL;
  }
  if (sio__rand_id(sock->id) || (sock->rec && sio__rand_id(sock->rec->pid))) {
    sio__rbuf_unref(sock->auth);
    sio__free(sock->rec);
    sio__pool_free(nsp->srv->socket_pool, sock);
    return NULL;
  }
  sio__session_ref(c);
  sio__namespace_ref(nsp);
  return sock;
}

sio_socket_t *sio_socket_ref(sio_socket_t *sock) {
  sock->refs++;
  return sock;
}

void sio_socket_unref(sio_socket_t *sock) {
  if (!sock || --sock->refs) return;
  if (sock->cbs) {
    sio__cbvec_free(&sock->cbs->on);
    sio__cbvec_free(&sock->cbs->any);
    sio__cbvec_free(&sock->cbs->any_out);
    sio__cbvec_free(&sock->cbs->disconnecting);
    sio__cbvec_free(&sock->cbs->disconnect);
    sio__free(sock->cbs);
  }
  for (size_t i = 0; i < sock->nkv; i++) {
    sio__free(sock->kv[i].key);
    sio__free(sock->kv[i].val);
  }
  sio__free(sock->kv);
  sio__free(sock->rooms);
  if (sock->rec) sio__restored_free(sock->rec->restored);
  sio__free(sock->rec);
  sio__rbuf_unref(sock->auth);
  sio__session_unref(sock->session);
  sio_namespace_t *nsp = sock->nsp;
  sio__pool_free(nsp->srv->socket_pool, sock);
  sio__namespace_unref(nsp);
}

/* ---- accessors ---- */

const char *sio_socket_id(const sio_socket_t *sock) {
  return sock->id;
}
sio_namespace_t *sio_socket_namespace(const sio_socket_t *sock) {
  return sock->nsp;
}
sio_server_t *sio_socket_server(const sio_socket_t *sock) {
  return sock->nsp->srv;
}
int sio_socket_connected(const sio_socket_t *sock) {
  return sock->state == SIO__SOCK_CONNECTED && !sock->closing;
}
int sio_socket_recovered(const sio_socket_t *sock) {
  return sock && sock->rec && sock->rec->recovered;
}
sio_eio_socket_t *sio_socket_eio(const sio_socket_t *sock) {
  return sock->session->eio;
}
const char *sio_socket_transport(const sio_socket_t *sock) {
  const sio__session_t *c = sock->session;
  if (c->link) return c->link->transport;
  return c->eio ? sio_eio_socket_transport(c->eio) : NULL;
}
void sio_socket_set_data(sio_socket_t *sock, void *data) {
  sock->data = data;
}
void *sio_socket_get_data(const sio_socket_t *sock) {
  return sock->data;
}

sio_buf_t sio__socket_auth(const sio_socket_t *sock) {
  sio_buf_t b = {(const uint8_t *)"{}", 2};
  if (sock->auth) {
    b.base = sock->auth->data;
    b.len = sock->auth->len;
  }
  return b;
}

void sio_socket_auth(const sio_socket_t *sock, sio_buf_t *out) {
  *out = sio__socket_auth(sock);
}

struct json_t *sio_socket_auth_json(const sio_socket_t *sock) {
  sio_buf_t a = sio__socket_auth(sock);
  return sio__json_to_jansson((const char *)a.base, a.len);
}

/* ---- session ---- */

static sio__kv_t *kv_find(const sio_socket_t *sock, const char *key) {
  for (size_t i = 0; i < sock->nkv; i++)
    if (strcmp(sock->kv[i].key, key) == 0) return &sock->kv[i];
  return NULL;
}

int sio_socket_session_set(sio_socket_t *sock, const char *key, const void *value,
                           size_t len) {
  if (!sock || !key || (!value && len)) return SIO_EINVAL;
  sio__kv_t *kv = kv_find(sock, key);
  if (!value) {
    if (kv) {
      sio__free(kv->key);
      sio__free(kv->val);
      *kv = sock->kv[--sock->nkv];
    }
    return 0;
  }
  char *copy = sio__malloc(len + 1);
  if (!copy) return SIO_ENOMEM;
  memcpy(copy, value, len);
  copy[len] = 0;
  if (!kv) {
    char *k = sio__strdup(key);
    sio__kv_t *nkv = k ? sio__realloc(sock->kv, (sock->nkv + 1) * sizeof(*nkv)) : NULL;
    if (!nkv) {
      sio__free(k);
      sio__free(copy);
      return SIO_ENOMEM;
    }
    sock->kv = nkv;
    kv = &sock->kv[sock->nkv++];
    kv->key = k;
    kv->val = NULL;
  }
  sio__free(kv->val);
  kv->val = copy;
  kv->len = len;
  return 0;
}

const void *sio_socket_session_get(const sio_socket_t *sock, const char *key,
                                   size_t *len) {
  sio__kv_t *kv = sock && key ? kv_find(sock, key) : NULL;
  if (!kv) return NULL;
  if (len) *len = kv->len;
  return kv->val;
}

/* ---- handlers ---- */

/* The socket's handler vectors, made by the first handler added; NULL if
 * out of memory. */
static sio__sock_cbs_t *own_cbs(sio_socket_t *sock) {
  if (!sock->cbs) sock->cbs = sio__calloc(1, sizeof(*sock->cbs));
  return sock->cbs;
}

#define ADD_CB(sock, vec, event, cb, arg)                                                \
  (own_cbs(sock) ? sio__cbvec_add(&(sock)->cbs->vec, event, FN(cb), arg) : SIO_ENOMEM)

int sio_socket_on(sio_socket_t *sock, const char *event, sio_event_cb cb, void *arg) {
  if (!sock || !event || sio__sio_name_reserved(event, strlen(event))) return SIO_EINVAL;
  return ADD_CB(sock, on, event, cb, arg);
}
int sio_socket_on_any(sio_socket_t *sock, sio_event_cb cb, void *arg) {
  return sock ? ADD_CB(sock, any, NULL, cb, arg) : SIO_EINVAL;
}
int sio_socket_on_any_outgoing(sio_socket_t *sock, sio_outgoing_cb cb, void *arg) {
  return sock ? ADD_CB(sock, any_out, NULL, cb, arg) : SIO_EINVAL;
}
int sio_socket_on_disconnecting(sio_socket_t *sock, sio_disconnect_cb cb, void *arg) {
  return sock ? ADD_CB(sock, disconnecting, NULL, cb, arg) : SIO_EINVAL;
}
int sio_socket_on_disconnect(sio_socket_t *sock, sio_disconnect_cb cb, void *arg) {
  return sock ? ADD_CB(sock, disconnect, NULL, cb, arg) : SIO_EINVAL;
}

int sio_socket_off(sio_socket_t *sock, const char *event, sio_event_cb cb, void *arg) {
  if (!sock || !event) return SIO_EINVAL;
  if (!sock->cbs) return 0; /* nothing to remove */
  return sio__cbvec_remove(&sock->cbs->on, event, cb ? FN(cb) : NULL, arg);
}

/* ---- sending ---- */

typedef struct {
  sio_socket_t *sock;
  const char *event;
} any_out_ctx_t;

static void run_any_out(const sio_argv_t *av, void *arg) {
  any_out_ctx_t *c = arg;
  sio_socket_t *sock = c->sock;
  sio__cb_t cb;
  sio__cbvec_t *cv = &sock->cbs->any_out; /* set: checked by the caller */
  size_t n = sio__cbvec_begin(cv);
  for (size_t i = 0; i < n; i++)
    if (sio__cbvec_get(cv, i, &cb)) ((sio_outgoing_cb)cb.fn)(sock, c->event, av, cb.arg);
  sio__cbvec_end(cv);
}

int sio__socket_send(sio_socket_t *sock, const sio__packet_out_t *out,
                     const char *event) {
  if (sock->state != SIO__SOCK_CONNECTED || !sio__session_up(sock->session))
    return SIO_ENOTCONN;
  if (event && sock->cbs && sock->cbs->any_out.n) {
    any_out_ctx_t c = {sock, event};
    sio_socket_ref(sock); /* its handlers may disconnect it */
    sio__out_argv(out, run_any_out, &c);
    sio_socket_unref(sock);
  }
  /* A catch-all may have disconnected it: nothing goes after its end. */
  if (sock->state != SIO__SOCK_CONNECTED || !sio__session_up(sock->session))
    return SIO_ENOTCONN;
  int rc = sio__session_send(sock->session, out);
  if (rc == 0) sock->nsp->srv->stats.deliveries++;
  return rc;
}

static int check_event(const char *event) {
  if (!event || sio__sio_name_reserved(event, strlen(event))) return SIO_EINVAL;
  return 0;
}

static inline int emit(sio_socket_t *sock, const char *event, const sio_args_t *args,
                       unsigned flags) {
  if (!sock) return SIO_EINVAL;
  if (flags & SIO_EMIT_VOLATILE) {
    if (sock->state == SIO__SOCK_CONNECTED && sio__session_up(sock->session) &&
        !sio__session_writable(sock->session)) {
      sock->nsp->srv->stats.dropped++;
      return check_event(event);
    }
  } else if (sock->rec && sock->state != SIO__SOCK_CONNECTING) {
    /* With recovery, a socket that was connected once keeps receiving: its
     * packets wait for its return (volatile ones are never kept). */
    int rc = check_event(event);
    return rc ? rc : sio__socket_emit_kept(sock, event, args, flags);
  }
  int rc = check_event(event);
  if (rc) return rc;
  if (sock->state != SIO__SOCK_CONNECTED || !sio__session_up(sock->session))
    return SIO_ENOTCONN;
  sio__packet_out_t out;
  if ((rc = sio__session_encode(sock->session, &out, sock->nsp->name, event, -1, args)))
    return rc;
  if (flags & SIO_EMIT_NO_COMPRESS) sio__packet_out_no_compress(&out);
  sio_socket_ref(sock);
  rc = sio__socket_send(sock, &out, event);
  sio_socket_unref(sock);
  sio__packet_out_free(&out);
  return rc;
}

int sio_socket_emit(sio_socket_t *sock, const char *event, const sio_args_t *args) {
  return emit(sock, event, args, 0); /* the hot path: the flag tests fold away */
}

int sio_socket_emit_flags(sio_socket_t *sock, const char *event, const sio_args_t *args,
                          unsigned flags) {
  return emit(sock, event, args, flags);
}

int sio_socket_emit_volatile(sio_socket_t *sock, const char *event,
                             const sio_args_t *args) {
  return emit(sock, event, args, SIO_EMIT_VOLATILE);
}

/* ---- acks the server waits for ---- */

static void unlink_ack(sio_socket_t *sock, sio__pending_ack_t *pa) {
  for (sio__pending_ack_t **pp = &sock->acks; *pp; pp = &(*pp)->next) {
    if (*pp == pa) {
      *pp = pa->next;
      return;
    }
  }
}

static void free_ack(sio__pending_ack_t *pa) {
  sio__timer_free(pa->timer);
  if (pa->bc) sio__bcast_ack_unref(pa->bc);
  /* A remote server's request hears of every recipient exactly once. */
  if (pa->reply_cb) pa->reply_cb(NULL, pa->reply_arg);
  sio__free(pa);
}

static void ack_timeout_cb(sio__timer_t *t, void *arg) {
  sio__pending_ack_t *pa = arg;
  sio_socket_t *sock = sio_socket_ref(pa->sock);
  (void)t;
  unlink_ack(sock, pa);
  sock->nsp->srv->stats.acks_timed_out++;
  if (pa->cb) pa->cb(sock, SIO_ETIMEDOUT, NULL, pa->arg);
  free_ack(pa);
  sio_socket_unref(sock);
}

sio__pending_ack_t *sio__socket_add_ack(sio_socket_t *sock, uint64_t id) {
  sio__pending_ack_t *pa = sio__calloc(1, sizeof(*pa));
  if (!pa) return NULL;
  pa->id = id;
  pa->sock = sock;
  pa->next = sock->acks;
  sock->acks = pa;
  return pa;
}

int sio_socket_emit_with_ack(sio_socket_t *sock, const char *event,
                             const sio_args_t *args, uint32_t timeout_ms, sio_ack_cb cb,
                             void *arg) {
  if (!sock || !cb) return SIO_EINVAL;
  int rc = check_event(event);
  if (rc) return rc;
  if (sock->state != SIO__SOCK_CONNECTED || !sio__session_up(sock->session))
    return SIO_ENOTCONN;
  /* Everything that can fail is ready before the packet leaves, so an error
   * return means no callback. */
  sio__pending_ack_t *pa = sio__calloc(1, sizeof(*pa));
  if (!pa) return SIO_ENOMEM;
  pa->id = sock->nsp->next_ack_id++;
  pa->sock = sock;
  pa->cb = cb;
  pa->arg = arg;
  if (timeout_ms &&
      !(pa->timer = sio__timer_new(sock->nsp->srv->loop, ack_timeout_cb, pa))) {
    sio__free(pa);
    return SIO_ENOMEM;
  }
  sio__packet_out_t out;
  rc = sio__session_encode(sock->session, &out, sock->nsp->name, event, (int64_t)pa->id,
                           args);
  if (rc) {
    free_ack(pa);
    return rc;
  }
  sio_socket_ref(sock);
  rc = sio__socket_send(sock, &out, event);
  sio__packet_out_free(&out);
  if (rc == 0 && (sock->state != SIO__SOCK_CONNECTED || sock->closing)) rc = SIO_ENOTCONN;
  if (rc) {
    free_ack(pa);
  } else {
    pa->next = sock->acks;
    sock->acks = pa;
    if (pa->timer) sio__timer_start(pa->timer, timeout_ms);
  }
  sio_socket_unref(sock);
  return rc;
}

static int on_ack(sio_socket_t *sock, const sio__sio_packet_t *pkt) {
  sio__pending_ack_t *pa = sock->acks;
  while (pa && pa->id != pkt->h.ack_id) pa = pa->next;
  if (!pa) return 0; /* unknown or already used: ignored */
  unlink_ack(sock, pa);
  if (pa->timer) sio__timer_stop(pa->timer);
  sio_argv_t av;
  int rc = sio__argv_init(&av, pkt);
  if (rc) {
    free_ack(pa);
    return rc;
  }
  sio_socket_ref(sock);
  if (pa->bc) {
    sio__bcast_ack_reply(pa->bc, pkt);
  } else if (pa->reply_cb) {
    sio_adapter_reply_cb reply_cb = pa->reply_cb;
    pa->reply_cb = NULL; /* answered: free_ack says nothing more */
    reply_cb(&av, pa->reply_arg);
  } else if (pa->cb) {
    pa->cb(sock, 0, &av, pa->arg);
  }
  sio__argv_clear(&av);
  free_ack(pa);
  sio_socket_unref(sock);
  return 0;
}

/* ---- acks the client asked for ---- */

/* A client's ack (sock set), or the ack of a server-side event from another
 * server (sock NULL: the reply goes to ss_cb, for the cluster adapter). */
struct sio_ack {
  sio_socket_t *sock;
  uint64_t id;
  int sent, held, in_handler;
  sio__ss_reply_cb ss_cb;
  void *ss_arg;
};

sio_ack_t *sio__ack_new_server_side(sio__ss_reply_cb cb, void *arg) {
  sio_ack_t *ack = sio__calloc(1, sizeof(*ack));
  if (!ack) return NULL;
  ack->ss_cb = cb;
  ack->ss_arg = arg;
  ack->in_handler = 1;
  return ack;
}

static void ack_maybe_free(sio_ack_t *ack);

void sio__ack_handlers_done(sio_ack_t *ack) {
  if (!ack) return;
  ack->in_handler = 0;
  ack_maybe_free(ack);
}

uint64_t sio_ack_id(const sio_ack_t *ack) {
  return ack->id;
}

static void ack_maybe_free(sio_ack_t *ack) {
  if (ack->held || ack->in_handler) return;
  if (ack->sock) {
    sio_socket_unref(ack->sock);
  } else if (!ack->sent && ack->ss_cb) {
    ack->ss_cb(NULL, ack->ss_arg); /* nobody answered */
  }
  sio__free(ack);
}

sio_ack_t *sio_ack_hold(sio_ack_t *ack) {
  if (ack) ack->held = 1;
  return ack;
}

void sio_ack_release(sio_ack_t *ack) {
  if (!ack) return;
  ack->held = 0;
  ack_maybe_free(ack);
}

int sio_ack_send(sio_ack_t *ack, const sio_args_t *args) {
  if (!ack) return SIO_EINVAL;
  int rc;
  if (ack->sent) {
    rc = SIO_EEXIST;
  } else if (!ack->sock) {
    ack->sent = 1;
    if (ack->ss_cb) ack->ss_cb(args, ack->ss_arg);
    rc = 0;
  } else {
    ack->sent = 1;
    sio_socket_t *sock = ack->sock;
    sio__packet_out_t out;
    if (sock->state != SIO__SOCK_CONNECTED || !sio__session_up(sock->session))
      rc = SIO_ENOTCONN;
    else if ((rc = sio__session_encode(sock->session, &out, sock->nsp->name, NULL,
                                       (int64_t)ack->id, args)) == 0) {
      rc = sio__socket_send(sock, &out, NULL);
      sio__packet_out_free(&out);
    }
  }
  if (ack->held) sio_ack_release(ack);
  return rc;
}

/* ---- incoming events ---- */

/* The handlers of cv for event (every entry when named is 0: catch-alls).
 * Each gets the packet's own copy of the name, which outlives the call even
 * when the handler removes itself. */
static void run_handlers(sio_socket_t *sock, sio__cbvec_t *cv, int named,
                         const char *event, const sio_argv_t *av, sio_ack_t *ack) {
  if (!cv->n) return; /* most lists are empty: no dispatch to open */
  sio__cb_t cb;
  size_t n = sio__cbvec_begin(cv);
  for (size_t i = 0; i < n && sock->state == SIO__SOCK_CONNECTED && !sock->closing; i++) {
    if (!sio__cbvec_get(cv, i, &cb)) continue;
    /* The first bytes tell most names apart without a call. */
    if (named && (!cb.event || cb.event[0] != event[0] || strcmp(cb.event, event) != 0))
      continue;
    ((sio_event_cb)cb.fn)(sock, event, av, ack, cb.arg);
  }
  sio__cbvec_end(cv);
}

static int on_event(sio_socket_t *sock, const sio__sio_packet_t *pkt) {
  char small[128];
  char *name = small;
  size_t cap = pkt->name.len + 1;
  if (cap > sizeof(small) && !(name = sio__malloc(cap))) return SIO_ENOMEM;
  int rc =
      sio__sio_event_name(pkt, name, cap > sizeof(small) ? cap : sizeof(small), NULL);
  sio_argv_t av;
  if (rc == 0) rc = sio__argv_init(&av, pkt);
  if (rc) {
    if (name != small) sio__free(name);
    return rc == SIO_ENOMEM ? rc : SIO_EPROTO;
  }
  sio_ack_t *ack = NULL;
  if (pkt->h.has_ack) {
    ack = sio__calloc(1, sizeof(*ack));
    if (!ack) {
      sio__argv_clear(&av);
      if (name != small) sio__free(name);
      return SIO_ENOMEM;
    }
    ack->sock = sio_socket_ref(sock);
    ack->id = pkt->h.ack_id;
    ack->in_handler = 1;
  }
  sio_socket_ref(sock);
  sio_namespace_t *nsp = sock->nsp;
  /* Catch-alls first, then the named handlers: namespace level (parent,
   * then own), then the socket's. */
  if (nsp->parent) run_handlers(sock, &nsp->parent->any, 0, name, &av, ack);
  run_handlers(sock, &nsp->any, 0, name, &av, ack);
  if (sock->cbs) run_handlers(sock, &sock->cbs->any, 0, name, &av, ack);
  if (nsp->parent) run_handlers(sock, &nsp->parent->on, 1, name, &av, ack);
  run_handlers(sock, &nsp->on, 1, name, &av, ack);
  /* Read after the handlers above, which may have added the socket's. */
  if (sock->cbs) run_handlers(sock, &sock->cbs->on, 1, name, &av, ack);
  if (ack) {
    ack->in_handler = 0;
    ack_maybe_free(ack);
  }
  sio__argv_clear(&av);
  if (name != small) sio__free(name);
  sio_socket_unref(sock);
  return 0;
}

int sio__socket_on_packet(sio_socket_t *sock, const sio__sio_packet_t *pkt) {
  switch (pkt->h.type) {
    case SIO_SIO_DISCONNECT:
      sio__socket_close(sock, "client namespace disconnect");
      return 0;
    case SIO_SIO_EVENT:
    case SIO_SIO_BINARY_EVENT:
      return on_event(sock, pkt);
    case SIO_SIO_ACK:
    case SIO_SIO_BINARY_ACK:
      return on_ack(sock, pkt);
    default:
      return SIO_EPROTO; /* CONNECT on a joined namespace */
  }
}

/* ---- disconnect ---- */

static void run_disc(sio_socket_t *sock, sio__cbvec_t *cv, const char *reason) {
  sio__cb_t cb;
  size_t n = sio__cbvec_begin(cv);
  for (size_t i = 0; i < n; i++)
    if (sio__cbvec_get(cv, i, &cb)) ((sio_disconnect_cb)cb.fn)(sock, reason, cb.arg);
  sio__cbvec_end(cv);
}

void sio__socket_close(sio_socket_t *sock, const char *reason) {
  if (sock->closing || sock->state == SIO__SOCK_GONE) return;
  sock->closing = 1;
  sio_socket_ref(sock);
  int was_connected = sock->state == SIO__SOCK_CONNECTED;
  sio_namespace_t *nsp = sock->nsp;
  if (was_connected && reason) {
    if (nsp->parent) run_disc(sock, &nsp->parent->disconnecting, reason);
    run_disc(sock, &nsp->disconnecting, reason);
    if (sock->cbs) run_disc(sock, &sock->cbs->disconnecting, reason);
    sio__recovery_persist(sock, reason);
  }
  sio__rooms_leave_all(sock);
  if (was_connected) sio__namespace_del_socket(nsp, sock);
  sio__session_remove_socket(sock->session, sock);
  sock->state = SIO__SOCK_GONE;
  /* Every ack the server waits for ends now. */
  while (sock->acks) {
    sio__pending_ack_t *pa = sock->acks;
    sock->acks = pa->next;
    if (pa->timer) sio__timer_stop(pa->timer);
    if (pa->cb) pa->cb(sock, SIO_ECANCELED, NULL, pa->arg);
    free_ack(pa);
  }
  if (was_connected && reason) {
    if (nsp->parent) run_disc(sock, &nsp->parent->disconnect, reason);
    run_disc(sock, &nsp->disconnect, reason);
    if (sock->cbs) run_disc(sock, &sock->cbs->disconnect, reason);
  }
  sio_socket_unref(sock); /* the client's list */
  sio_socket_unref(sock);
}

/* Sends DISCONNECT for the socket's namespace (the client then knows the
 * server ended it and does not reconnect). */
static void send_disconnect(sio_socket_t *sock) {
  sio__session_t *c = sock->session;
  if (sock->state != SIO__SOCK_CONNECTED || sock->closing || !sio__session_up(c)) return;
  sio__packet_out_t out;
  if (sio__session_encode_ctl(c, &out, SIO_SIO_DISCONNECT, sock->nsp->name, NULL, 0) ==
      0) {
    sio__session_send(c, &out);
    sio__packet_out_free(&out);
  }
}

void sio_socket_disconnect(sio_socket_t *sock, int close_connection) {
  if (!sock || sock->closing || sock->state == SIO__SOCK_GONE) return;
  sio__session_t *c = sock->session;
  sio__session_ref(c);
  sio_socket_ref(sock);
  if (close_connection && sio__session_up(c)) {
    /* As the reference: every namespace of the client is disconnected (each
     * gets its DISCONNECT packet), then the session closes gracefully, so
     * the packets go out first. */
    send_disconnect(sock);
    sio__socket_close(sock, "server namespace disconnect");
    /* A socket already closing (we may be inside its handlers) is skipped:
     * its own close finishes the job. */
    sio_socket_t *other;
    while ((other = sio__session_next_open(c))) {
      send_disconnect(other);
      sio__socket_close(other, "server namespace disconnect");
    }
    sio__session_close(c, "forced close");
  } else {
    send_disconnect(sock);
    sio__socket_close(sock, "server namespace disconnect");
  }
  sio_socket_unref(sock);
  sio__session_unref(c);
}

/* ---- rooms ---- */

int sio_socket_join(sio_socket_t *sock, const char *room) {
  if (!sock || !room) return SIO_EINVAL;
  if (sock->state != SIO__SOCK_CONNECTED || sock->closing) return SIO_ENOTCONN;
  return sio__rooms_join(sock, room, strlen(room));
}

int sio_socket_leave(sio_socket_t *sock, const char *room) {
  if (!sock || !room) return SIO_EINVAL;
  return sio__rooms_leave(sock, room, strlen(room));
}

void sio_socket_leave_all(sio_socket_t *sock) {
  if (sock) sio__rooms_leave_all(sock);
}

/* The own room (sio_rooms.c) comes first: it is joined at the connection. */
size_t sio_socket_rooms_count(const sio_socket_t *sock) {
  return sock->own_room + (size_t)sock->nrooms;
}

const char *sio_socket_room(const sio_socket_t *sock, size_t i) {
  if (sock->own_room && i-- == 0) return sock->id;
  return i < sock->nrooms ? sock->rooms[i].room->name : NULL;
}

int sio_socket_in_room(const sio_socket_t *sock, const char *room) {
  if (sock->own_room && strcmp(sock->id, room) == 0) return 1;
  size_t n = strlen(room);
  for (size_t i = 0; i < sock->nrooms; i++) {
    const sio__room_t *r = sock->rooms[i].room;
    if (r->name_len == n && memcmp(r->name, room, n) == 0) return 1;
  }
  return 0;
}
