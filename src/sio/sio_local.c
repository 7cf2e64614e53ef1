/* The local ("in-memory adapter") operations on a selection of sockets:
 * select by rooms/except with marks (no allocation for the union), deliver
 * one encoded packet to every recipient, join/leave/disconnect/fetch. A
 * dynamic parent namespace stands for all of its children. */
#include <string.h>

#include "core/alloc.h"
#include "eio/eio_send.h"
#include "sio/sio_group.h"
#include "sio/sio_internal.h"

typedef struct {
  sio_socket_t **v; /* each holds a reference */
  size_t n, cap;
} sel_t;

static int sel_push(sel_t *s, sio_socket_t *sock) {
  if (s->n == s->cap) {
    size_t ncap = s->cap ? s->cap * 2 : 16;
    sio_socket_t **nv = sio__realloc(s->v, ncap * sizeof(*nv));
    if (!nv) return SIO_ENOMEM;
    s->v = nv;
    s->cap = ncap;
  }
  s->v[s->n++] = sio_socket_ref(sock);
  return 0;
}

static void sel_free(sel_t *s) {
  for (size_t i = 0; i < s->n; i++) sio_socket_unref(s->v[i]);
  sio__free(s->v);
  memset(s, 0, sizeof(*s));
}

static void unmark(sio_socket_t *sock) {
  sock->mark_in = sock->mark_ex = 0;
}

/* A fresh selection mark. Marks are 32 bits (an idle socket stays in its
 * malloc size class); when they wrap, every socket a selection can mark
 * (connected, or a member of a room) is cleared first, so no old mark
 * equals a new one. */
static uint32_t next_mark(sio_server_t *s) {
  if (++s->mark_gen != 0) return s->mark_gen;
  for (sio_namespace_t *n = s->all_nsps; n; n = n->next_all) {
    for (size_t i = 0; i < n->nsocks; i++) unmark(n->socks[i]);
    sio__map_iter_t it = {0, NULL};
    sio__map_ent_t *e;
    while ((e = sio__map_next(&n->rooms, &it))) {
      sio__room_t *r = e->val;
      for (size_t i = 0; i < r->n; i++) unmark(r->m[i]);
    }
  }
  return s->mark_gen = 1;
}

/* Appends the selected connected sockets of one (non-parent) namespace,
 * each once. The selection holds references, so delivering may disconnect
 * sockets (a write-buffer overflow) without invalidating it. */
static int select_one(sio_namespace_t *nsp, const sio_adapter_opts_t *o, sel_t *out) {
  uint32_t gen = next_mark(nsp->srv);
  for (size_t i = 0; i < o->nexcept; i++) {
    size_t len = strlen(o->except[i]);
    sio__room_t *r = sio__map_get(&nsp->rooms, o->except[i], len);
    for (size_t j = 0; r && j < r->n; j++) r->m[j]->mark_ex = gen;
    sio_socket_t *own = sio__rooms_own(nsp, o->except[i], len);
    if (own) own->mark_ex = gen;
  }
  if (!o->nrooms) {
    for (size_t i = 0; i < nsp->nsocks; i++) {
      sio_socket_t *sock = nsp->socks[i];
      if (sock->mark_ex == gen || !sio_socket_connected(sock)) continue;
      if (sel_push(out, sock)) return SIO_ENOMEM;
    }
    return 0;
  }
  for (size_t i = 0; i < o->nrooms; i++) {
    size_t len = strlen(o->rooms[i]);
    sio__room_t *r = sio__map_get(&nsp->rooms, o->rooms[i], len);
    size_t n = r ? r->n : 0;
    /* The members of the entry, then the socket whose own room it is. */
    sio_socket_t *own = sio__rooms_own(nsp, o->rooms[i], len);
    for (size_t j = 0; j < n + (own != NULL); j++) {
      sio_socket_t *sock = j < n ? r->m[j] : own;
      if (sock->mark_ex == gen || sock->mark_in == gen || !sio_socket_connected(sock))
        continue;
      sock->mark_in = gen;
      if (sel_push(out, sock)) return SIO_ENOMEM;
    }
  }
  return 0;
}

static size_t nsp_count(const sio_namespace_t *nsp) {
  return nsp->is_parent ? nsp->nchildren : 1;
}
static sio_namespace_t *nsp_at(sio_namespace_t *nsp, size_t i) {
  return nsp->is_parent ? nsp->children[i] : nsp;
}

static int select_all(sio_namespace_t *nsp, const sio_adapter_opts_t *o, sel_t *sel) {
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < nsp_count(nsp); i++)
    rc = select_one(nsp_at(nsp, i), o, sel);
  if (rc) sel_free(sel);
  return rc;
}

/* Encodes args once for nsp (mask 0: with the server's parser), or once
 * per parser in mask (an auto server's recipients: bit 1 << SIO__PARSER_*)
 * into out[ix]; on error nothing is left to free. */
static int encode_args(sio_namespace_t *nsp, const char *event, int64_t id,
                       const sio_args_t *args, unsigned mask, sio__packet_out_t *out) {
  if (!mask) return sio__server_encode(nsp->srv, out, nsp->name, event, id, args);
  for (unsigned ix = 0; ix < SIO__PARSER_COUNT; ix++) {
    if (!(mask & (1u << ix))) continue;
    int rc = sio__packet_encode(sio__parser_at(ix), &out[ix], nsp->name, event, id, args);
    if (rc) {
      while (ix-- > 0)
        if (mask & (1u << ix)) sio__packet_out_free(&out[ix]);
      return rc;
    }
    nsp->srv->stats.encodes++;
  }
  return 0;
}

/* Encodes pkt for nsp (see encode_args); with an offset (a recoverable
 * packet), the offset is added as its last argument. */
static int encode(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt, int64_t id,
                  const char *offset, unsigned mask, sio__packet_out_t *out) {
  if (!pkt || !pkt->event || sio__sio_name_reserved(pkt->event, strlen(pkt->event)))
    return SIO_EINVAL;
  if (pkt->args && !offset) return encode_args(nsp, pkt->event, id, pkt->args, mask, out);
  sio_args_t tmp;
  memset(&tmp, 0, sizeof(tmp));
  int rc = pkt->args ? sio__args_copy(&tmp, pkt->args)
                     : sio__args_set_wire(&tmp, pkt->json, pkt->json_len,
                                          pkt->attachments, pkt->nattachments);
  if (rc == 0 && offset) rc = sio_args_add_string(&tmp, offset);
  if (rc == 0) rc = encode_args(nsp, pkt->event, id, &tmp, mask, out);
  sio_args_clear(&tmp);
  sio__sb_reset(&tmp.sb); /* clear keeps a small builder */
  sio__free(tmp.att);
  return rc;
}

/* The parsers the selected sockets speak (auto servers only; a JSON-only
 * server does not walk the selection twice). */
static unsigned parsers_of(const sio_server_t *s, const sel_t *sel) {
  unsigned mask = 0;
  for (size_t i = 0; s->parser_auto && i < sel->n; i++)
    mask |= sio__session_parser_bit(sel->v[i]->session);
  return mask;
}

/* Delivers to one namespace; ba/reply_cb: register the ack id on each. With
 * an offset (a recoverable packet), the packet is encoded even without
 * recipients, and kept when keep is set. */
static int deliver(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                   const sio_adapter_opts_t *o, int with_ack, sio__bcast_ack_t *ba,
                   sio_adapter_reply_cb reply_cb, void *arg, const char *offset,
                   int keep) {
  sel_t sel = {0};
  int rc = select_one(nsp, o, &sel);
  if (rc || (sel.n == 0 && !keep)) {
    sel_free(&sel);
    return rc;
  }
  int64_t id = with_ack ? (int64_t)nsp->next_ack_id++ : -1;
  /* out[0] alone, or (auto servers) one form per parser in mask; what is
   * kept for recovery is the JSON form there (only JSON sessions of an auto
   * server are kept, sio_recovery.c). */
  sio__packet_out_t out[SIO__PARSER_COUNT];
  unsigned mask = parsers_of(nsp->srv, &sel);
  if (keep && mask) mask |= 1u << SIO__PARSER_JSON;
  if ((rc = encode(nsp, pkt, id, offset, mask, out))) {
    sel_free(&sel);
    return rc;
  }
  if (keep) sio__recovery_keep(nsp, offset, o, mask ? &out[SIO__PARSER_JSON] : out);
  if (o->flags & SIO_ADAPTER_F_NO_COMPRESS)
    for (unsigned ix = 0; ix < (mask ? SIO__PARSER_COUNT : 1u); ix++)
      if (!mask || (mask & (1u << ix))) sio__packet_out_no_compress(&out[ix]);
  int count = 0;
  for (size_t i = 0; i < sel.n; i++) {
    sio_socket_t *sock = sel.v[i];
    if (!sio_socket_connected(sock) || !sio__session_up(sock->session)) continue;
    if ((o->flags & SIO_ADAPTER_F_VOLATILE) && !sio__session_writable(sock->session)) {
      nsp->srv->stats.dropped++;
      continue;
    }
    sio__pending_ack_t *pa = NULL;
    if (with_ack) {
      if (!(pa = sio__socket_add_ack(sock, (uint64_t)id))) continue;
      pa->bc = ba;
      pa->reply_cb = reply_cb;
      pa->reply_arg = arg;
      if (ba) ba->refs++;
    }
    const sio__packet_out_t *form = mask ? &out[sock->session->parser_ix] : out;
    if (sio__socket_send(sock, form, pkt->event) == 0) {
      count++;
    } else if (pa && sock->acks == pa) {
      /* Not sent: nothing to wait for. */
      sock->acks = pa->next;
      if (ba) sio__bcast_ack_unref(ba);
      sio__free(pa);
    } else if (pa && reply_cb) {
      /* The socket went away meanwhile and took pa with it, telling
       * reply_cb (NULL): count it, since reply_cb hears of every recipient
       * counted. */
      count++;
    }
  }
  if (!mask) sio__packet_out_free(out);
  for (unsigned ix = 0; mask && ix < SIO__PARSER_COUNT; ix++)
    if (mask & (1u << ix)) sio__packet_out_free(&out[ix]);
  sel_free(&sel);
  return count;
}

/* The namespaces a delivery goes to, held: the outgoing catch-alls it runs
 * may disconnect sockets, which frees empty children and reorders the
 * parent's list. */
typedef struct {
  sio_namespace_t **v, *one;
  size_t n;
} held_t;

static int hold(sio_namespace_t *nsp, held_t *h) {
  h->n = nsp_count(nsp);
  h->one = nsp;
  h->v = &h->one;
  if (nsp->is_parent && h->n) {
    if (!(h->v = sio__malloc(h->n * sizeof(*h->v)))) return SIO_ENOMEM;
    memcpy(h->v, nsp->children, h->n * sizeof(*h->v));
  }
  for (size_t i = 0; i < h->n; i++) sio__namespace_ref(h->v[i]);
  return 0;
}

static void unhold(held_t *h) {
  for (size_t i = 0; i < h->n; i++) sio__namespace_unref(h->v[i]);
  if (h->v != &h->one) sio__free(h->v);
}

/* A broadcast, with its offset when it is recoverable (keep: kept here). */
static int broadcast(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                     const sio_adapter_opts_t *opts, const char *offset, int keep) {
  if (!nsp || !opts) return SIO_EINVAL;
  nsp->srv->stats.broadcasts++;
  held_t h;
  if (hold(nsp, &h)) return SIO_ENOMEM;
  int total = 0;
  for (size_t i = 0; i < h.n; i++) {
    int rc = deliver(h.v[i], pkt, opts, 0, NULL, NULL, NULL, offset, keep);
    if (rc < 0) {
      if (!total) total = rc;
      break;
    }
    total += rc;
  }
  unhold(&h);
  return total;
}

/* A broadcast the server keeps for recovery: recovery on, not volatile. */
static int recoverable(const sio_namespace_t *nsp, const sio_adapter_opts_t *opts) {
  return nsp && opts && nsp->srv->recovery_ms && !(opts->flags & SIO_ADAPTER_F_VOLATILE);
}

int sio__local_broadcast_here(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                              const sio_adapter_opts_t *opts) {
  return broadcast(nsp, pkt, opts, NULL, 0);
}

int sio__local_deliver_encoded(sio_namespace_t *nsp, const char *event,
                               const sio_adapter_opts_t *o, const sio__packet_out_t *out,
                               unsigned mask) {
  sel_t sel = {0};
  int rc = select_one(nsp, o, &sel);
  if (rc) {
    sel_free(&sel);
    return rc;
  }
  nsp->srv->stats.broadcasts++;
  int count = 0;
  for (size_t i = 0; i < sel.n; i++) {
    sio_socket_t *sock = sel.v[i];
    if (!sio_socket_connected(sock) || !sio__session_up(sock->session)) continue;
    if ((o->flags & SIO_ADAPTER_F_VOLATILE) && !sio__session_writable(sock->session)) {
      nsp->srv->stats.dropped++;
      continue;
    }
    const sio__packet_out_t *form = mask ? &out[sock->session->parser_ix] : out;
    if (sio__socket_send(sock, form, event) == 0) count++;
  }
  sel_free(&sel);
  return count;
}

/* Workers, a namespace of its own (not a dynamic parent, whose children
 * differ from worker to worker): encoded once here (once per parser on an
 * auto server), delivered here, and the same bytes posted to every other
 * worker. keep: an offset of ours, kept in worker 0's store (a cluster
 * adapter's offsets are its store's). */
static int broadcast_encoded(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                             const sio_adapter_opts_t *opts, const char *offset,
                             int keep) {
  sio__packet_out_t out[SIO__PARSER_COUNT];
  unsigned mask = nsp->srv->parser_auto ? (1u << SIO__PARSER_COUNT) - 1 : 0;
  held_t h;
  if (hold(nsp, &h)) return SIO_ENOMEM;
  int rc = encode(nsp, pkt, -1, offset, mask, out);
  if (rc == 0) {
    unsigned forms = mask ? SIO__PARSER_COUNT : 1;
    if (opts->flags & SIO_ADAPTER_F_NO_COMPRESS)
      for (unsigned ix = 0; ix < forms; ix++) sio__packet_out_no_compress(&out[ix]);
    /* Posted first: delivering here may run handlers that change rooms. */
    sio__group_broadcast_encoded(nsp, pkt->event, opts, out, mask);
    /* Recoverable: kept in worker 0's store (JSON form, see deliver). */
    if (offset && keep)
      sio__recovery_keep(nsp, offset, opts, mask ? &out[SIO__PARSER_JSON] : out);
    rc = sio__local_deliver_encoded(nsp, pkt->event, opts, out, mask);
    for (unsigned ix = 0; ix < forms; ix++) sio__packet_out_free(&out[ix]);
  }
  unhold(&h);
  return rc;
}

/* This worker's recipients, then (workers) every other worker's. */
static int broadcast_all(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                         const sio_adapter_opts_t *opts) {
  if (!nsp->srv->group) return broadcast(nsp, pkt, opts, NULL, 0);
  if (!nsp->is_parent) return broadcast_encoded(nsp, pkt, opts, NULL, 0);
  /* A dynamic parent: each worker encodes for its own children. */
  int n = broadcast(nsp, pkt, opts, NULL, 0);
  if (n >= 0) sio__group_broadcast(nsp, pkt, opts);
  return n;
}

int sio_adapter_local_broadcast(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                                const sio_adapter_opts_t *opts) {
  if (!recoverable(nsp, opts)) return nsp ? broadcast_all(nsp, pkt, opts) : SIO_EINVAL;
  /* One offset for the whole broadcast, whatever the children. */
  char offset[SIO_OFFSET_MAX + 1];
  sio__recovery_offset(nsp->srv, offset);
  if (!nsp->srv->group) return broadcast(nsp, pkt, opts, offset, 1);
  /* Workers: one offset (unique across them), delivered everywhere. */
  if (!nsp->is_parent) return broadcast_encoded(nsp, pkt, opts, offset, 1);
  /* A dynamic parent: kept for this worker's children only (the store
   * finds a child by name on worker 0); the others get it without. */
  int n = broadcast(nsp, pkt, opts, offset, 1);
  if (n >= 0) sio__group_broadcast(nsp, pkt, opts);
  return n;
}

int sio_adapter_local_broadcast_offset(sio_namespace_t *nsp,
                                       const sio_adapter_packet_t *pkt,
                                       const sio_adapter_opts_t *opts,
                                       const char *offset) {
  if (offset && strlen(offset) > SIO_OFFSET_MAX) return SIO_EINVAL;
  if (!offset || !offset[0] || !recoverable(nsp, opts))
    return nsp ? broadcast_all(nsp, pkt, opts) : SIO_EINVAL;
  if (!nsp->srv->group) return broadcast(nsp, pkt, opts, offset, 0);
  /* Workers: the adapter's offset reaches every worker's recipients too. */
  if (!nsp->is_parent) return broadcast_encoded(nsp, pkt, opts, offset, 0);
  int n = broadcast(nsp, pkt, opts, offset, 0);
  if (n >= 0) sio__group_broadcast(nsp, pkt, opts);
  return n;
}

static int broadcast_with_ack(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                              const sio_adapter_opts_t *opts, sio_adapter_ack_t *ack,
                              sio_adapter_reply_cb reply_cb, void *arg);

int sio__local_broadcast_with_ack_here(sio_namespace_t *nsp,
                                       const sio_adapter_packet_t *pkt,
                                       const sio_adapter_opts_t *opts,
                                       sio_adapter_reply_cb reply_cb, void *arg) {
  return broadcast_with_ack(nsp, pkt, opts, NULL, reply_cb, arg);
}

int sio_adapter_local_broadcast_with_ack(sio_namespace_t *nsp,
                                         const sio_adapter_packet_t *pkt,
                                         const sio_adapter_opts_t *opts,
                                         sio_adapter_ack_t *ack,
                                         sio_adapter_reply_cb reply_cb, void *arg) {
  if (!nsp || !opts || (!ack && !reply_cb)) return SIO_EINVAL;
  int n = broadcast_with_ack(nsp, pkt, opts, ack, reply_cb, arg);
  /* Another server's request (reply_cb) stays on this worker: cluster
   * adapters are refused with workers. */
  if (n >= 0 && ack && nsp->srv->group)
    sio__group_broadcast_with_ack(nsp, pkt, opts, ack);
  return n;
}

static int broadcast_with_ack(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                              const sio_adapter_opts_t *opts, sio_adapter_ack_t *ack,
                              sio_adapter_reply_cb reply_cb, void *arg) {
  if (!nsp || !opts || (!ack && !reply_cb)) return SIO_EINVAL;
  nsp->srv->stats.broadcasts++;
  held_t h;
  if (hold(nsp, &h)) return SIO_ENOMEM;
  int total = 0;
  for (size_t i = 0; i < h.n; i++) {
    int rc = deliver(h.v[i], pkt, opts, 1, ack, ack ? NULL : reply_cb, arg, NULL, 0);
    if (rc < 0) {
      unhold(&h);
      return total ? total : rc;
    }
    total += rc;
  }
  unhold(&h);
  if (ack) ack->expected += (size_t)total;
  return total;
}

typedef enum {
  OP_JOIN = SIO__OP_JOIN,
  OP_LEAVE = SIO__OP_LEAVE,
  OP_DISCONNECT = SIO__OP_DISCONNECT
} op_t;

static int apply_here(sio_namespace_t *nsp, const sio_adapter_opts_t *opts, op_t op,
                      const char *const *rooms, size_t nrooms, int close);

int sio__local_apply_here(sio_namespace_t *nsp, const sio_adapter_opts_t *opts, int op,
                          const char *const *rooms, size_t nrooms, int close) {
  return apply_here(nsp, opts, (op_t)op, rooms, nrooms, close);
}

/* This worker's sockets, then (workers) the same on every other worker. */
static int apply(sio_namespace_t *nsp, const sio_adapter_opts_t *opts, op_t op,
                 const char *const *rooms, size_t nrooms, int close) {
  int n = apply_here(nsp, opts, op, rooms, nrooms, close);
  if (n >= 0 && nsp->srv->group)
    sio__group_apply(nsp, opts, (int)op, rooms, nrooms, close);
  return n;
}

static int apply_here(sio_namespace_t *nsp, const sio_adapter_opts_t *opts, op_t op,
                      const char *const *rooms, size_t nrooms, int close) {
  if (!nsp || !opts || (op != OP_DISCONNECT && nrooms && !rooms)) return SIO_EINVAL;
  sel_t sel = {0};
  int rc = select_all(nsp, opts, &sel);
  if (rc) return rc;
  for (size_t i = 0; i < sel.n; i++) {
    for (size_t k = 0; op != OP_DISCONNECT && k < nrooms; k++) {
      if (op == OP_JOIN && rc == 0)
        rc = sio_socket_join(sel.v[i], rooms[k]);
      else if (op == OP_LEAVE)
        sio_socket_leave(sel.v[i], rooms[k]);
    }
    if (op == OP_DISCONNECT) sio_socket_disconnect(sel.v[i], close);
  }
  int n = (int)sel.n;
  sel_free(&sel);
  return rc ? rc : n;
}

int sio_adapter_local_sockets_join(sio_namespace_t *nsp, const sio_adapter_opts_t *opts,
                                   const char *const *rooms, size_t nrooms) {
  return apply(nsp, opts, OP_JOIN, rooms, nrooms, 0);
}
int sio_adapter_local_sockets_leave(sio_namespace_t *nsp, const sio_adapter_opts_t *opts,
                                    const char *const *rooms, size_t nrooms) {
  return apply(nsp, opts, OP_LEAVE, rooms, nrooms, 0);
}
int sio_adapter_local_disconnect_sockets(sio_namespace_t *nsp,
                                         const sio_adapter_opts_t *opts, int close) {
  return apply(nsp, opts, OP_DISCONNECT, NULL, 0, close);
}

int sio__fetch_add_local(sio_adapter_fetch_t *req, sio_socket_t *sock);
void sio__fetch_workers_start(sio_namespace_t *nsp, const sio_adapter_opts_t *opts,
                              sio_adapter_fetch_t *req);

int sio_adapter_local_fetch(sio_namespace_t *nsp, const sio_adapter_opts_t *opts,
                            sio_adapter_fetch_t *req, sio_adapter_socket_cb cb,
                            void *arg) {
  if (!nsp || !opts || (!req && !cb)) return SIO_EINVAL;
  sel_t sel = {0};
  int rc = select_all(nsp, opts, &sel);
  if (rc) return rc;
  for (size_t i = 0; i < sel.n && rc == 0; i++) {
    if (req)
      rc = sio__fetch_add_local(req, sel.v[i]);
    else
      cb(sel.v[i], arg);
  }
  int n = (int)sel.n;
  sel_free(&sel);
  /* Workers: the others' sockets are added to req as they answer; req
   * completes after them (sio_adapter_fetch_done waits). */
  if (req && rc == 0 && nsp->srv->group) sio__fetch_workers_start(nsp, opts, req);
  return rc ? rc : n;
}

int sio_namespace_has_room(const sio_namespace_t *nsp, const char *room) {
  if (!nsp || !room) return 0;
  /* Workers: the room may exist on another worker (unknown here). */
  if (nsp->srv->group) return 1;
  size_t len = strlen(room);
  for (size_t i = 0; i < nsp_count(nsp); i++) {
    const sio_namespace_t *n = nsp_at((sio_namespace_t *)nsp, i);
    if (sio__map_get(&n->rooms, room, len) || sio__rooms_own(n, room, len)) return 1;
  }
  return 0;
}

/* ---- server-side events ---- */

typedef struct {
  sio_namespace_t *nsp;
  const char *event;
  sio_ack_t *ack;
} ss_ctx_t;

static void run_server_side(const sio_argv_t *av, void *arg) {
  ss_ctx_t *c = arg;
  sio_namespace_t *nsp = c->nsp;
  sio__cb_t cb;
  size_t n = sio__cbvec_begin(&nsp->server_side);
  for (size_t i = 0; i < n; i++)
    if (sio__cbvec_get(&nsp->server_side, i, &cb))
      ((sio_server_side_cb)cb.fn)(nsp, c->event, av, c->ack, cb.arg);
  sio__cbvec_end(&nsp->server_side);
}

static void server_side(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                        sio_ack_t *ack) {
  sio__packet_out_t out;
  if (encode(nsp, pkt, -1, NULL, 0, &out)) return;
  ss_ctx_t c = {nsp, pkt->event, ack};
  sio__out_argv(&out, run_server_side, &c);
  sio__packet_out_free(&out);
}

void sio_adapter_local_server_side_emit(sio_namespace_t *nsp,
                                        const sio_adapter_packet_t *pkt) {
  if (nsp && nsp->server_side.n) server_side(nsp, pkt, NULL);
}

void sio_adapter_local_server_side_emit_with_ack(sio_namespace_t *nsp,
                                                 const sio_adapter_packet_t *pkt,
                                                 sio_adapter_ss_reply_cb cb, void *arg) {
  if (!nsp || !nsp->server_side.n) {
    if (cb) cb(NULL, arg);
    return;
  }
  sio_ack_t *ack = sio__ack_new_server_side(cb, arg);
  if (!ack) {
    if (cb) cb(NULL, arg);
    return;
  }
  server_side(nsp, pkt, ack);
  sio__ack_handlers_done(ack); /* answers NULL unless sent or held */
}

int sio_namespace_on_server_side(sio_namespace_t *nsp, sio_server_side_cb cb, void *arg) {
  if (!nsp) return SIO_EINVAL;
  int rc = sio__cbvec_add(&nsp->server_side, NULL, (void (*)(void))cb, arg);
  if (rc == 0 && nsp->srv->group)
    sio__group_mirror_vec(nsp->srv, nsp, &nsp->server_side, NULL, (void (*)(void))cb, arg,
                          1);
  return rc;
}

int sio_namespace_foreach_room(const sio_namespace_t *nsp, sio_room_cb cb, void *arg) {
  if (!nsp || !cb) return SIO_EINVAL;
  sio__map_iter_t it = {0};
  sio__map_ent_t *e;
  int n = 0;
  while ((e = sio__map_next(&nsp->rooms, &it))) {
    const sio__room_t *r = e->val;
    size_t own = sio__rooms_own(nsp, e->key, r->name_len) != NULL;
    if (r->n + own) {
      cb(e->key, r->n + own, arg);
      n++;
    }
  }
  /* The sockets' own rooms that have no entry. */
  for (size_t i = 0; i < nsp->nsocks; i++) {
    const sio_socket_t *sock = nsp->socks[i];
    if (sock->own_room && !sio__map_get(&nsp->rooms, sock->id, strlen(sock->id))) {
      cb(sock->id, 1, arg);
      n++;
    }
  }
  return n;
}
