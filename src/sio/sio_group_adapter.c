/* A cluster adapter with workers: one cluster node per process. The
 * adapter's instances live on worker 0's namespaces; a sibling hands every
 * operation its server would give the adapter to worker 0, which runs it
 * through the public operations of its own namespace of the same name (so
 * through the adapter), and posts the results back. Worker 0's adapter
 * reaches every worker through sio_adapter_local_*; for another server's
 * broadcast with acks, sio_adapter_local_broadcast_with_ack_async gathers
 * the siblings' counts and replies on worker 0.
 *
 * As in sio_group_ops.c, requests carry the asker's index and a sequence
 * number, and an answer that finds no request (it ended at close) is
 * dropped: no worker holds a pointer into another worker's objects. */
#include <string.h>

#include "core/alloc.h"
#include "sio/sio_group.h"
#include "sio/sio_message.h"

enum {
  /* sibling -> worker 0 */
  F_BCAST,
  F_ACK,
  F_APPLY,
  F_FETCH,
  F_SS,
  F_SS_ACK,
  F_COUNT,
  F_CHILD,      /* a dynamic child made on a sibling: worker 0 makes and holds it */
  F_CHILD_GONE, /* the sibling freed it: worker 0 lets its own go */
  /* worker 0 -> sibling: answers, and the sibling's part of another
   * server's broadcast with acks */
  A_ACK,
  A_FETCH,
  A_COUNT,
  R_ACK,
  /* sibling -> worker 0: that part's replies and count */
  A_RREPLY,
  A_RCOUNT
};

typedef struct {
  char *id, *handshake, *data;
  char **rooms;
  size_t nrooms;
} gsk_t;

typedef struct {
  sio__post_job_t job; /* first: the job is the record */
  sio__group_t *g;
  unsigned to, from;
  int kind, op, close, status;
  int has_pkt; /* A_RREPLY: a reply (else the recipient went away) */
  uint64_t seq;
  uint32_t timeout;
  size_t count;
  sio__gnsp_t nsp;
  sio__gsel_t sel;
  sio__gpkt_t pkt;
  sio__gpkt_t *pkts; /* A_ACK: count replies */
  gsk_t *socks;      /* A_FETCH: count sockets */
} msg_t;

static void gsk_free(gsk_t *s) {
  for (size_t i = 0; i < s->nrooms; i++) sio__free(s->rooms[i]);
  sio__free(s->rooms);
  sio__free(s->id);
  sio__free(s->handshake);
  sio__free(s->data);
}

static void msg_free(msg_t *m) {
  sio__gnsp_free(&m->nsp);
  sio__gsel_free(&m->sel);
  sio__gpkt_free(&m->pkt);
  for (size_t i = 0; m->pkts && i < m->count; i++) sio__gpkt_free(&m->pkts[i]);
  for (size_t i = 0; m->socks && i < m->count; i++) gsk_free(&m->socks[i]);
  sio__free(m->pkts);
  sio__free(m->socks);
  sio__free(m);
}

static void msg_run(sio__post_job_t *pj, int status);

static msg_t *msg_new(sio__group_t *g, unsigned from, unsigned to, int kind,
                      uint64_t seq) {
  msg_t *m = sio__calloc(1, sizeof(*m));
  if (!m) return NULL;
  m->job.run = msg_run;
  m->g = g;
  m->from = from;
  m->to = to;
  m->kind = kind;
  m->seq = seq;
  m->nsp.parent = -1;
  return m;
}

/* A request about nsp, with copies of the selection (opts NULL: none),
 * the rooms of a join/leave and the packet (NULL: none). */
static msg_t *req_new(sio_namespace_t *nsp, unsigned to, int kind, uint64_t seq,
                      const sio_adapter_opts_t *opts, const char *room,
                      const sio_adapter_packet_t *pkt) {
  sio_server_t *s = nsp->srv;
  msg_t *m = msg_new(s->group, s->worker, to, kind, seq);
  if (!m) return NULL;
  sio_adapter_opts_t none;
  memset(&none, 0, sizeof(none));
  const char *targets[1] = {room};
  if (sio__gnsp_of(&m->nsp, nsp) ||
      sio__gsel_copy(&m->sel, opts ? opts : &none, targets, room ? 1 : 0) ||
      (pkt && sio__gpkt_copy(&m->pkt, pkt->event, pkt->json, pkt->json_len,
                             pkt->attachments, pkt->nattachments))) {
    msg_free(m);
    return NULL;
  }
  m->has_pkt = pkt != NULL;
  return m;
}

/* Posts m; a refused one (that worker has stopped) is freed. 0 or
 * SIO_ECLOSED. */
static int msg_send(msg_t *m) {
  int rc = sio__group_send(m->g, m->to, &m->job);
  if (rc) msg_free(m);
  return rc;
}

/* ---- requests waiting on this worker ---- */

enum { W_FETCH, W_COUNT, W_RACK };

typedef struct sio__gwait {
  struct sio__gwait *next;
  uint64_t seq;
  int kind;
  sio_adapter_fetch_t *req; /* W_FETCH, with its namespace (held) */
  sio_namespace_t *nsp;
  sio_server_count_cb count_cb;
  void *arg; /* W_COUNT, W_RACK */
  /* W_RACK: another server's broadcast with acks on worker 0 */
  sio_adapter_reply_cb reply_cb;
  sio_adapter_count_cb counted;
  size_t total;     /* recipients counted so far, every worker */
  size_t sib_total; /* of them on the siblings */
  size_t sib_heard; /* the siblings' recipients heard of (reply or gone) */
  unsigned pending; /* workers yet to count (and ours while posting) */
} gwait_t;

static gwait_t *wait_new(sio_server_t *s, int kind) {
  gwait_t *w = sio__calloc(1, sizeof(*w));
  if (!w) return NULL;
  w->kind = kind;
  w->seq = ++s->group_seq;
  w->next = s->gwaits;
  s->gwaits = w;
  return w;
}

static gwait_t *wait_find(sio_server_t *s, uint64_t seq) {
  gwait_t *w = s->gwaits;
  while (w && w->seq != seq) w = w->next;
  return w;
}

static void wait_unlink(sio_server_t *s, gwait_t *w) {
  for (gwait_t **pp = &s->gwaits; *pp; pp = &(*pp)->next)
    if (*pp == w) {
      *pp = w->next;
      return;
    }
}

/* A W_RACK is over once every worker counted and every sibling recipient
 * was heard of: the adapter then owns nothing of ours. */
static void rack_check(sio_server_t *s, gwait_t *w) {
  if (w->pending) return;
  if (w->counted) {
    sio_adapter_count_cb cb = w->counted;
    w->counted = NULL;
    cb(w->total, w->arg);
  }
  if (w->sib_heard < w->sib_total) return;
  wait_unlink(s, w);
  sio__free(w);
}

void sio__gadapter_cancel(sio_server_t *s) {
  while (s->gwaits) {
    gwait_t *w = s->gwaits;
    s->gwaits = w->next;
    if (w->kind == W_FETCH) {
      sio_adapter_fetch_done(w->req, SIO_ECANCELED);
      sio__namespace_unref(w->nsp);
    }
    if (w->kind == W_COUNT) w->count_cb(SIO_ECANCELED, 0, w->arg);
    if (w->kind == W_RACK) {
      /* Every recipient counted hears of its reply exactly once. */
      if (w->counted) w->counted(w->total, w->arg);
      for (; w->sib_heard < w->sib_total; w->sib_heard++) w->reply_cb(NULL, w->arg);
    }
    sio__free(w);
  }
}

/* ---- the sibling's side ---- */

int sio__gadapter_forwards(const sio_namespace_t *nsp, unsigned flags) {
  const sio_server_t *s = nsp->srv;
  return s->group && s->worker != 0 && s->group->adapter &&
         !(flags & SIO_ADAPTER_F_LOCAL);
}

int sio__gadapter_sessions(const sio_namespace_t *nsp) {
  const sio_server_t *s = nsp->srv;
  return s->group && s->worker != 0 && s->group->adapter_sessions;
}

static int forward(sio_namespace_t *nsp, int kind, uint64_t seq,
                   const sio_adapter_opts_t *opts, const char *room,
                   const sio_adapter_packet_t *pkt, msg_t **out) {
  msg_t *m = req_new(nsp, 0, kind, seq, opts, room, pkt);
  if (!m) return SIO_ENOMEM;
  if (out) *out = m;
  return 0;
}

int sio__gadapter_broadcast(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                            const sio_adapter_opts_t *opts) {
  msg_t *m;
  int rc = forward(nsp, F_BCAST, 0, opts, NULL, pkt, &m);
  return rc ? rc : msg_send(m);
}

int sio__gadapter_broadcast_with_ack(sio_namespace_t *nsp,
                                     const sio_adapter_packet_t *pkt,
                                     const sio_adapter_opts_t *opts,
                                     sio__bcast_ack_t *ba) {
  msg_t *m;
  int rc = forward(nsp, F_ACK, ba->seq, opts, NULL, pkt, &m);
  return rc ? rc : msg_send(m);
}

int sio__gadapter_apply(sio_namespace_t *nsp, const sio_adapter_opts_t *opts, int op,
                        const char *room, int close) {
  msg_t *m;
  int rc = forward(nsp, F_APPLY, 0, opts, room, NULL, &m);
  if (rc) return rc;
  m->op = op;
  m->close = close;
  return msg_send(m);
}

int sio__gadapter_fetch(sio_namespace_t *nsp, const sio_adapter_opts_t *opts,
                        sio_adapter_fetch_t *req) {
  gwait_t *w = wait_new(nsp->srv, W_FETCH);
  if (!w) return SIO_ENOMEM;
  w->req = req;
  msg_t *m;
  int rc = forward(nsp, F_FETCH, w->seq, opts, NULL, NULL, &m);
  if (rc == 0) rc = msg_send(m);
  if (rc) {
    wait_unlink(nsp->srv, w);
    sio__free(w);
  } else {
    sio__namespace_ref(w->nsp = nsp);
  }
  return rc;
}

void sio__gadapter_child(sio_namespace_t *nsp) {
  msg_t *m;
  if (forward(nsp, F_CHILD, 0, NULL, NULL, NULL, &m) == 0) msg_send(m);
}

void sio__gadapter_child_gone(sio_namespace_t *nsp) {
  msg_t *m;
  if (forward(nsp, F_CHILD_GONE, 0, NULL, NULL, NULL, &m) == 0) msg_send(m);
}

int sio__fetch_add_local(sio_adapter_fetch_t *req, sio_socket_t *sock);

/* This worker's socket of that id in nsp (its own-id room), or NULL. */
static sio_socket_t *own_socket(sio_namespace_t *nsp, const char *id) {
  if (nsp->is_parent) return NULL;
  sio_socket_t *sock = sio_namespace_socket(nsp, id);
  return sock && sio_socket_connected(sock) ? sock : NULL;
}

int sio__gadapter_server_side_emit(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                                   uint32_t timeout_ms, sio__bcast_ack_t *ba) {
  msg_t *m;
  int rc = forward(nsp, ba ? F_SS_ACK : F_SS, ba ? ba->seq : 0, NULL, NULL, pkt, &m);
  if (rc) return rc;
  m->timeout = timeout_ms;
  return msg_send(m);
}

int sio__gadapter_server_count(sio_namespace_t *nsp, sio_server_count_cb cb, void *arg) {
  gwait_t *w = wait_new(nsp->srv, W_COUNT);
  if (!w) return SIO_ENOMEM;
  w->count_cb = cb;
  w->arg = arg;
  msg_t *m;
  int rc = forward(nsp, F_COUNT, w->seq, NULL, NULL, NULL, &m);
  if (rc == 0) rc = msg_send(m);
  if (rc) {
    wait_unlink(nsp->srv, w);
    sio__free(w);
  }
  return rc;
}

/* ---- worker 0 runs a sibling's request ---- */

/* Where an answer goes. */
typedef struct {
  sio__group_t *g;
  unsigned to;
  uint64_t seq;
} back_t;

static back_t *back_new(const msg_t *m) {
  back_t *b = sio__malloc(sizeof(*b));
  if (b) *b = (back_t){m->g, m->from, m->seq};
  return b;
}

static void ack_answered(int status, size_t count, const sio_argv_t *const *replies,
                         void *arg) {
  back_t *b = arg;
  msg_t *a = msg_new(b->g, 0, b->to, A_ACK, b->seq);
  if (a) {
    a->status = status;
    if (count && (a->pkts = sio__calloc(count, sizeof(*a->pkts)))) {
      for (size_t i = 0; i < count; i++) {
        const sio_argv_t *r = replies[i];
        size_t natt = sio_argv_attachments_count(r);
        sio_buf_t *bufs = natt ? sio__calloc(natt, sizeof(*bufs)) : NULL;
        if (natt && !bufs) break;
        for (size_t k = 0; k < natt; k++) {
          bufs[k].base = r->att[k].base;
          bufs[k].len = r->att[k].len;
        }
        int rc = sio__gpkt_copy(&a->pkts[i], NULL, r->all, r->all_len, bufs, natt);
        sio__free(bufs);
        if (rc) break;
        a->count++;
      }
    }
    msg_send(a);
  }
  sio__free(b);
}

static void fetched(int status, size_t count, sio_remote_socket_t *const *socks,
                    void *arg) {
  back_t *b = arg;
  msg_t *a = msg_new(b->g, 0, b->to, A_FETCH, b->seq);
  if (a) {
    a->status = status;
    if (count && !(a->socks = sio__calloc(count, sizeof(*a->socks))))
      a->status = SIO_ENOMEM;
    for (size_t i = 0; a->socks && i < count; i++) {
      const sio_remote_socket_t *rs = socks[i];
      sio_socket_t *local = sio_remote_socket_local(rs);
      gsk_t *gs = &a->socks[a->count++];
      size_t nr = sio_remote_socket_rooms_count(rs);
      const char *hs = sio_remote_socket_handshake_json(rs);
      const char *data =
          local ? sio_socket_shared_data(local) : sio_remote_socket_data_json(rs);
      gs->id = sio__strdup(sio_remote_socket_id(rs));
      gs->handshake = local ? sio_socket_handshake_json(local)
                      : hs  ? sio__strdup(hs)
                            : NULL;
      if (data) gs->data = sio__strdup(data);
      if (nr && (gs->rooms = sio__calloc(nr, sizeof(*gs->rooms))))
        for (; gs->nrooms < nr; gs->nrooms++)
          if (!(gs->rooms[gs->nrooms] =
                    sio__strdup(sio_remote_socket_room(rs, gs->nrooms))))
            break;
      if (!gs->id || gs->nrooms != nr) a->status = SIO_ENOMEM;
    }
    msg_send(a);
  }
  sio__free(b);
}

static void counted(int status, size_t count, void *arg) {
  back_t *b = arg;
  msg_t *a = msg_new(b->g, 0, b->to, A_COUNT, b->seq);
  if (a) {
    a->status = status;
    a->count = count;
    msg_send(a);
  }
  sio__free(b);
}

/* The sibling's selection on worker 0's namespace. */
static sio_broadcast_t *selection(sio_namespace_t *nsp, const sio__gsel_t *sel) {
  sio_broadcast_t *b = sio_namespace_broadcast(nsp);
  for (size_t i = 0; i < sel->nrooms; i++) b = sio_broadcast_to(b, sel->rooms[i]);
  for (size_t i = 0; i < sel->nexcept; i++) b = sio_broadcast_except(b, sel->except[i]);
  if (sel->flags & SIO_ADAPTER_F_VOLATILE) b = sio_broadcast_volatile(b);
  if (sel->flags & SIO_ADAPTER_F_LOCAL) b = sio_broadcast_local(b);
  if (sel->flags & SIO_ADAPTER_F_NO_COMPRESS) b = sio_broadcast_compress(b, 0);
  if (sel->timeout_ms) b = sio_broadcast_timeout(b, sel->timeout_ms);
  return b;
}

/* Worker 0's namespace of the request's name: a dynamic child that exists
 * only on the sibling is made here too (its adapter instance with it). */
static sio_namespace_t *nsp_here(const msg_t *m, sio_server_t *s) {
  sio_namespace_t *nsp = sio__gnsp_find(&m->nsp, s);
  if (!nsp && m->nsp.parent < 0 && m->nsp.name)
    nsp = sio__namespace_lookup(s, m->nsp.name, strlen(m->nsp.name));
  return nsp;
}

static void run_request(msg_t *m, sio_server_t *s) {
  if (m->kind == F_CHILD_GONE) {
    sio_namespace_t *child = s && !s->closing ? sio__gnsp_find(&m->nsp, s) : NULL;
    if (child && child->parent) sio__namespace_unref(child); /* F_CHILD's */
    return;
  }
  sio_namespace_t *nsp = s && !s->closing ? nsp_here(m, s) : NULL;
  if (nsp && nsp->parent && m->kind == F_CHILD) sio__namespace_ref(nsp); /* held */
  int wants =
      m->kind == F_ACK || m->kind == F_SS_ACK || m->kind == F_FETCH || m->kind == F_COUNT;
  back_t *b = wants ? back_new(m) : NULL;
  if (!nsp || (wants && !b)) {
    /* Nothing to run it on: the asker still completes. */
    if (b && m->kind == F_FETCH) fetched(SIO_ECANCELED, 0, NULL, b);
    if (b && m->kind == F_COUNT) counted(SIO_ECANCELED, 0, b);
    if (b && (m->kind == F_ACK || m->kind == F_SS_ACK))
      ack_answered(SIO_ECANCELED, 0, NULL, b);
    return;
  }
  sio__namespace_ref(nsp);
  sio_args_t args;
  memset(&args, 0, sizeof(args));
  int rc = 0;
  if (m->has_pkt)
    rc = sio__args_set_wire(&args, m->pkt.json, m->pkt.json_len, m->pkt.att, m->pkt.natt);
  const char *room = m->sel.ntargets ? m->sel.targets[0] : NULL;
  switch (m->kind) {
    case F_BCAST:
      if (rc == 0) sio_broadcast_emit(selection(nsp, &m->sel), m->pkt.event, &args);
      break;
    case F_ACK:
      if (rc == 0)
        rc = sio_broadcast_emit_with_ack(selection(nsp, &m->sel), m->pkt.event, &args,
                                         ack_answered, b);
      if (rc < 0) ack_answered(rc, 0, NULL, b);
      break;
    case F_APPLY:
      if (m->op == SIO__OP_JOIN)
        sio_broadcast_sockets_join(selection(nsp, &m->sel), room);
      else if (m->op == SIO__OP_LEAVE)
        sio_broadcast_sockets_leave(selection(nsp, &m->sel), room);
      else
        sio_broadcast_disconnect_sockets(selection(nsp, &m->sel), m->close);
      break;
    case F_FETCH:
      if (sio_broadcast_fetch_sockets(selection(nsp, &m->sel), fetched, b) < 0)
        fetched(SIO_ENOMEM, 0, NULL, b);
      break;
    case F_SS:
      if (rc == 0) sio_namespace_server_side_emit(nsp, m->pkt.event, &args);
      break;
    case F_SS_ACK:
      if (rc == 0)
        rc = sio_namespace_server_side_emit_with_ack(nsp, m->pkt.event, &args, m->timeout,
                                                     ack_answered, b);
      if (rc < 0) ack_answered(rc, 0, NULL, b);
      break;
    case F_COUNT:
      if (sio_namespace_server_count(nsp, counted, b) < 0) counted(SIO_ENOMEM, 0, b);
      break;
  }
  sio_args_clear(&args);
  sio__sb_reset(&args.sb); /* clear keeps a small builder */
  sio__free(args.att);
  sio__namespace_unref(nsp);
}

/* ---- the sibling gets its answers ---- */

static void run_answer(msg_t *m, sio_server_t *s) {
  if (m->kind == A_ACK) {
    sio__bcast_ack_t *ba = s->backs;
    while (ba && ba->seq != m->seq) ba = ba->next;
    if (!ba) return;
    for (size_t i = 0; i < m->count; i++) {
      sio_adapter_packet_t p;
      sio__gpkt_view(&m->pkts[i], &p);
      sio_adapter_ack_reply(ba, &p);
    }
    sio__bcast_ack_finish(ba, m->status);
    return;
  }
  gwait_t *w = wait_find(s, m->seq);
  if (!w) return;
  wait_unlink(s, w);
  if (m->kind == A_COUNT) {
    w->count_cb(m->status, m->count, w->arg);
  } else {
    /* This worker's own sockets come back as its local ones. */
    for (size_t i = 0; i < m->count; i++) {
      gsk_t *gs = &m->socks[i];
      sio_socket_t *own = gs->id ? own_socket(w->nsp, gs->id) : NULL;
      if (own)
        sio__fetch_add_local(w->req, own);
      else if (gs->id)
        sio_adapter_fetch_add(w->req, gs->id, (const char *const *)gs->rooms, gs->nrooms,
                              gs->handshake, gs->data);
    }
    sio_adapter_fetch_done(w->req, m->status);
    sio__namespace_unref(w->nsp);
  }
  sio__free(w);
}

/* ---- another server's broadcast with acks, across the workers ---- */

typedef struct {
  sio__group_t *g;
  unsigned self;
  uint64_t seq;
} relay_t;

/* A sibling's recipient answered (reply) or went away (NULL): worker 0
 * hears of each. */
static void relay_reply(const sio_argv_t *reply, void *arg) {
  relay_t *r = arg;
  msg_t *a = msg_new(r->g, r->self, 0, A_RREPLY, r->seq);
  if (a && reply) {
    size_t natt = sio_argv_attachments_count(reply);
    sio_buf_t *bufs = natt ? sio__calloc(natt, sizeof(*bufs)) : NULL;
    int rc = natt && !bufs ? SIO_ENOMEM : 0;
    for (size_t k = 0; rc == 0 && k < natt; k++) {
      bufs[k].base = reply->att[k].base;
      bufs[k].len = reply->att[k].len;
    }
    if (rc == 0)
      rc = sio__gpkt_copy(&a->pkt, NULL, reply->all, reply->all_len, bufs, natt);
    sio__free(bufs);
    a->has_pkt = rc == 0;
  }
  if (a) msg_send(a);
}

/* The relays of one request on a sibling, freed with the last recipient. */
typedef struct {
  relay_t r;
  size_t calls, n;
  int counted;
} relays_t;

static void relays_reply(const sio_argv_t *reply, void *arg) {
  relays_t *c = arg;
  relay_reply(reply, &c->r);
  if (++c->calls >= c->n && c->counted) sio__free(c);
}

static void run_rack(msg_t *m, sio_server_t *s) {
  sio_namespace_t *nsp = s && !s->closing ? sio__gnsp_find(&m->nsp, s) : NULL;
  relays_t *c = nsp ? sio__calloc(1, sizeof(*c)) : NULL;
  int n = 0;
  if (c) {
    c->r = (relay_t){m->g, m->to, m->seq};
    sio_adapter_opts_t o;
    sio__gsel_opts(&m->sel, &o);
    sio_adapter_packet_t p;
    sio__gpkt_view(&m->pkt, &p);
    n = sio__local_broadcast_with_ack_here(nsp, &p, &o, relays_reply, c);
    if (n < 0) n = 0;
    c->n = (size_t)n;
    c->counted = 1;
    if (c->calls >= c->n) sio__free(c);
  }
  /* Posted after the replies already sent (those of recipients that went
   * away at once): worker 0 counts them with it. */
  msg_t *a = msg_new(m->g, m->to, 0, A_RCOUNT, m->seq);
  if (a) {
    a->count = (size_t)n;
    msg_send(a);
  }
}

static void run_rack_answer(msg_t *m, sio_server_t *s) {
  gwait_t *w = wait_find(s, m->seq);
  if (!w || w->kind != W_RACK) return;
  if (m->kind == A_RCOUNT) {
    w->total += m->count;
    w->sib_total += m->count;
    if (w->pending) w->pending--;
  } else {
    w->sib_heard++;
    sio__stored_t *st = NULL;
    if (m->has_pkt) {
      sio_adapter_packet_t p;
      sio__gpkt_view(&m->pkt, &p);
      st = sio__stored_from_wire(&p);
    }
    w->reply_cb(st ? &st->av : NULL, w->arg);
    sio__stored_free(st);
  }
  rack_check(s, w);
}

int sio_adapter_local_broadcast_with_ack_async(sio_namespace_t *nsp,
                                               const sio_adapter_packet_t *pkt,
                                               const sio_adapter_opts_t *opts,
                                               sio_adapter_reply_cb reply_cb,
                                               sio_adapter_count_cb count_cb, void *arg) {
  if (!nsp || !opts || !reply_cb || !count_cb) return SIO_EINVAL;
  sio_server_t *s = nsp->srv;
  if (!s->group) {
    int n = sio_adapter_local_broadcast_with_ack(nsp, pkt, opts, NULL, reply_cb, arg);
    if (n < 0) return n;
    count_cb((size_t)n, arg);
    return 0;
  }
  gwait_t *w = wait_new(s, W_RACK);
  if (!w) return SIO_ENOMEM;
  w->reply_cb = reply_cb;
  w->counted = count_cb;
  w->arg = arg;
  w->pending = 1; /* ours, while posting */
  int n = sio__local_broadcast_with_ack_here(nsp, pkt, opts, reply_cb, arg);
  if (n < 0) {
    wait_unlink(s, w);
    sio__free(w);
    return n;
  }
  w->total = (size_t)n;
  for (unsigned i = 0; i < s->group->n; i++) {
    if (i == s->worker) continue;
    msg_t *m = req_new(nsp, i, R_ACK, w->seq, opts, NULL, pkt);
    if (m && msg_send(m) == 0) w->pending++;
  }
  w->pending--;
  rack_check(s, w);
  return 0;
}

static void msg_run(sio__post_job_t *pj, int status) {
  msg_t *m = (msg_t *)pj;
  sio_server_t *s = status == 0 ? m->g->w[m->to].srv : NULL;
  switch (m->kind) {
    case A_ACK:
    case A_FETCH:
    case A_COUNT:
      if (s) run_answer(m, s);
      break;
    case R_ACK:
      /* The group is stopping: worker 0 completes the request itself. */
      if (s) run_rack(m, s);
      break;
    case A_RREPLY:
    case A_RCOUNT:
      if (s) run_rack_answer(m, s);
      break;
    default:
      run_request(m, s);
      break;
  }
  msg_free(m);
}
