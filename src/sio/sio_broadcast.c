/* The broadcast operator (to/except/volatile/local/timeout) and its
 * terminal operations. Each goes to the namespace's cluster adapter when
 * there is one (which runs the local part itself), else straight to the
 * local operations of sio_local.c. Also: the gathering of broadcast acks
 * and fetch requests, shared with adapters through sio/adapter.h. */
#include <stddef.h>
#include <string.h>

#include "core/alloc.h"
#include "sio/sio_group.h"
#include "sio/sio_internal.h"

struct sio_broadcast {
  sio_namespace_t *nsp;
  char **to, **ex;
  size_t nto, nex;
  unsigned flags;
  int err;
  uint32_t timeout;
};

static sio_broadcast_t *bnew(sio_namespace_t *nsp) {
  sio_broadcast_t *b = sio__calloc(1, sizeof(*b));
  if (b) b->nsp = nsp;
  return b;
}

sio_broadcast_t *sio_namespace_broadcast(sio_namespace_t *nsp) {
  return nsp ? bnew(nsp) : NULL;
}

static int add_room(char ***list, size_t *n, const char *room) {
  if (!room) return SIO_EINVAL;
  char **nl = sio__realloc(*list, (*n + 1) * sizeof(*nl));
  if (!nl) return SIO_ENOMEM;
  *list = nl;
  if (!(nl[*n] = sio__strdup(room))) return SIO_ENOMEM;
  (*n)++;
  return 0;
}

sio_broadcast_t *sio_socket_broadcast(sio_socket_t *sock) {
  if (!sock) return NULL;
  sio_broadcast_t *b = bnew(sock->nsp);
  if (b && add_room(&b->ex, &b->nex, sock->id)) b->err = SIO_ENOMEM;
  return b;
}

sio_broadcast_t *sio_broadcast_to(sio_broadcast_t *b, const char *room) {
  if (b && !b->err) b->err = add_room(&b->to, &b->nto, room);
  return b;
}

sio_broadcast_t *sio_broadcast_except(sio_broadcast_t *b, const char *room) {
  if (b && !b->err) b->err = add_room(&b->ex, &b->nex, room);
  return b;
}

sio_broadcast_t *sio_broadcast_volatile(sio_broadcast_t *b) {
  if (b) b->flags |= SIO_ADAPTER_F_VOLATILE;
  return b;
}

sio_broadcast_t *sio_broadcast_compress(sio_broadcast_t *b, int on) {
  if (b && on) b->flags &= ~SIO_ADAPTER_F_NO_COMPRESS;
  if (b && !on) b->flags |= SIO_ADAPTER_F_NO_COMPRESS;
  return b;
}

sio_broadcast_t *sio_broadcast_local(sio_broadcast_t *b) {
  if (b) b->flags |= SIO_ADAPTER_F_LOCAL;
  return b;
}

sio_broadcast_t *sio_broadcast_timeout(sio_broadcast_t *b, uint32_t ms) {
  if (b) b->timeout = ms;
  return b;
}

void sio_broadcast_free(sio_broadcast_t *b) {
  if (!b) return;
  for (size_t i = 0; i < b->nto; i++) sio__free(b->to[i]);
  for (size_t i = 0; i < b->nex; i++) sio__free(b->ex[i]);
  sio__free(b->to);
  sio__free(b->ex);
  sio__free(b);
}

static void opts_of(const sio_broadcast_t *b, sio_adapter_opts_t *o) {
  o->rooms = (const char *const *)b->to;
  o->nrooms = b->nto;
  o->except = (const char *const *)b->ex;
  o->nexcept = b->nex;
  o->flags = b->flags;
  o->timeout_ms = b->timeout;
}

/* The cluster adapter's ops when one is installed and this is not a local
 * operation. */
static const sio_adapter_ops_t *cluster(const sio_broadcast_t *b) {
  const sio_server_t *s = b->nsp->srv;
  if (!s->adapter_ops || !b->nsp->adapter || (b->flags & SIO_ADAPTER_F_LOCAL))
    return NULL;
  return s->adapter_ops;
}

static int check(sio_broadcast_t *b) {
  if (!b) return SIO_ENOMEM;
  if (b->err) return b->err;
  if (b->nsp->srv->closing) return SIO_ECLOSED;
  return 0;
}

/* The adapter's view of an event built here: the builder rides along so the
 * local delivery keeps its shared buffers. */
typedef struct {
  sio_adapter_packet_t pkt;
  sio_buf_t inl[4];
  sio_buf_t *bufs;
} pkt_view_t;

static int pkt_view(pkt_view_t *v, const char *event, const sio_args_t *args) {
  memset(v, 0, sizeof(*v));
  if (!event || sio__sio_name_reserved(event, strlen(event))) return SIO_EINVAL;
  if (args && args->err) return args->err;
  v->pkt.event = event;
  v->pkt.args = args;
  v->pkt.json = "";
  if (!args) return 0;
  v->pkt.json = (const char *)sio__sb_data(&args->sb);
  v->pkt.json_len = sio__sb_len(&args->sb);
  if (!v->pkt.json) v->pkt.json = "";
  v->bufs = args->natt <= 4 ? v->inl : sio__calloc(args->natt, sizeof(*v->bufs));
  if (!v->bufs) return SIO_ENOMEM;
  for (size_t i = 0; i < args->natt; i++) {
    v->bufs[i].base = args->att[i].base;
    v->bufs[i].len = args->att[i].len;
  }
  v->pkt.attachments = v->bufs;
  v->pkt.nattachments = args->natt;
  return 0;
}

static void pkt_view_free(pkt_view_t *v) {
  if (v->bufs && v->bufs != v->inl) sio__free(v->bufs);
}

int sio_broadcast_emit(sio_broadcast_t *b, const char *event, const sio_args_t *args) {
  int rc = check(b);
  pkt_view_t v;
  if (rc == 0) rc = pkt_view(&v, event, args);
  if (rc == 0) {
    sio_adapter_opts_t o;
    opts_of(b, &o);
    const sio_adapter_ops_t *ops = cluster(b);
    /* A sibling's local broadcasts go through worker 0 as well: every
     * broadcast of one worker then reaches a client in the order made. */
    if (sio__gadapter_forwards(b->nsp, b->flags & ~SIO_ADAPTER_F_LOCAL))
      rc = sio__gadapter_broadcast(b->nsp, &v.pkt, &o);
    else
      rc = ops && ops->broadcast ? ops->broadcast(b->nsp->adapter, &v.pkt, &o)
                                 : sio_adapter_local_broadcast(b->nsp, &v.pkt, &o);
    pkt_view_free(&v);
  }
  sio_broadcast_free(b);
  return rc;
}

int sio__socket_emit_kept(sio_socket_t *sock, const char *event, const sio_args_t *args,
                          unsigned flags) {
  sio_namespace_t *nsp = sock->nsp;
  if (nsp->srv->closing) return SIO_ECLOSED;
  pkt_view_t v;
  int rc = pkt_view(&v, event, args);
  if (rc) return rc;
  /* As the reference: a broadcast to the room of the socket's id, so the
   * packet gets an offset and is kept even while the socket is away. */
  const char *rooms[1] = {sock->id};
  sio_adapter_opts_t o = {rooms, 1, NULL, 0, 0, 0};
  if (flags & SIO_EMIT_NO_COMPRESS) o.flags |= SIO_ADAPTER_F_NO_COMPRESS;
  const sio_adapter_ops_t *ops = sio__recovery_cluster(nsp);
  /* A sibling's socket: worker 0's adapter gives the offset. */
  if (sio__gadapter_sessions(nsp))
    rc = sio__gadapter_broadcast(nsp, &v.pkt, &o);
  else
    rc = ops && ops->broadcast ? ops->broadcast(nsp->adapter, &v.pkt, &o)
                               : sio_adapter_local_broadcast(nsp, &v.pkt, &o);
  pkt_view_free(&v);
  return rc < 0 ? rc : 0;
}

/* ---- broadcast acks ---- */

static void unlink_ba(sio__bcast_ack_t *ba) {
  sio_server_t *s = ba->srv;
  if (ba->prev)
    ba->prev->next = ba->next;
  else if (s->backs == ba)
    s->backs = ba->next;
  if (ba->next) ba->next->prev = ba->prev;
  ba->prev = ba->next = NULL;
}

static void ba_timeout_cb(sio__timer_t *t, void *arg) {
  (void)t;
  ((sio__bcast_ack_t *)arg)->srv->stats.acks_timed_out++;
  sio__bcast_ack_finish(arg, SIO_ETIMEDOUT);
}

void sio__bcast_ack_unref(sio__bcast_ack_t *ba) {
  if (--ba->refs) return;
  for (size_t i = 0; i < ba->got; i++) sio__stored_free(ba->replies[i]);
  sio__free(ba->replies);
  sio__timer_free(ba->timer);
  sio__free(ba);
}

void sio__bcast_ack_finish(sio__bcast_ack_t *ba, int status) {
  if (ba->done) return;
  ba->done = 1;
  sio__timer_stop(ba->timer);
  unlink_ba(ba);
  ba->refs++;
  const sio_argv_t *inl[8], **v = inl;
  if (ba->got > 8 && !(v = sio__malloc(ba->got * sizeof(*v)))) {
    if (!status) status = SIO_ENOMEM;
  }
  for (size_t i = 0; v && i < ba->got; i++) v[i] = &ba->replies[i]->av;
  ba->cb(status, v ? ba->got : 0, v, ba->arg);
  if (v && v != inl) sio__free(v);
  sio__bcast_ack_unref(ba); /* the callback's */
  sio__bcast_ack_unref(ba); /* the request's own */
}

static void ba_check(sio__bcast_ack_t *ba) {
  if (!ba->done && ba->servers_done && !ba->workers_pending && ba->got >= ba->expected)
    sio__bcast_ack_finish(ba, 0);
}

void sio__bcast_ack_worker_count(sio__bcast_ack_t *ba, size_t n) {
  if (ba->done) return;
  ba->expected += n;
  if (ba->workers_pending) ba->workers_pending--;
  ba_check(ba);
}

static void ba_store(sio__bcast_ack_t *ba, sio__stored_t *st) {
  if (ba->done || !st) {
    sio__stored_free(st);
    return;
  }
  if (ba->got == ba->cap) {
    size_t ncap = ba->cap ? ba->cap * 2 : 8;
    sio__stored_t **nr = sio__realloc(ba->replies, ncap * sizeof(*nr));
    if (!nr) {
      sio__stored_free(st);
      return;
    }
    ba->replies = nr;
    ba->cap = ncap;
  }
  ba->replies[ba->got++] = st;
  ba_check(ba);
}

void sio__bcast_ack_reply(sio__bcast_ack_t *ba, const sio__sio_packet_t *pkt) {
  if (!ba->done) ba_store(ba, sio__stored_new(pkt));
}

void sio_adapter_ack_expect(sio_adapter_ack_t *ack, size_t n) {
  if (ack && !ack->done) ack->expected += n;
}

void sio_adapter_ack_reply(sio_adapter_ack_t *ack, const sio_adapter_packet_t *reply) {
  if (!ack || ack->done || !reply) return;
  ba_store(ack, sio__stored_from_wire(reply));
}

sio__stored_t *sio__stored_from_wire(const sio_adapter_packet_t *reply) {
  /* Wire arguments -> an ACK packet text -> a stored reply (JSON whatever
   * the server's parser: this packet never leaves the process). */
  sio__stored_t *st = NULL;
  sio_args_t tmp;
  memset(&tmp, 0, sizeof(tmp));
  sio__packet_out_t out;
  if (sio__args_set_wire(&tmp, reply->json, reply->json_len, reply->attachments,
                         reply->nattachments) == 0 &&
      sio__packet_encode(sio_parser_json(), &out, "/", NULL, 0, &tmp) == 0) {
    sio__sio_limits_t lim;
    sio__sio_limits_init(&lim);
    lim.max_attachments = UINT32_MAX;
    lim.max_depth = SIO_JSON_DEPTH_MAX;
    sio__sio_packet_t pkt;
    if (sio__sio_packet_decode((const char *)sio__eio_msg_bytes(out.msgs[0]),
                               out.msgs[0]->len, &lim, &pkt) == 0) {
      pkt.att = tmp.natt ? tmp.att : NULL;
      st = sio__stored_new(&pkt);
    }
    sio__packet_out_free(&out);
  }
  sio_args_clear(&tmp);
  sio__sb_reset(&tmp.sb); /* clear keeps a small builder */
  sio__free(tmp.att);
  return st;
}

void sio_adapter_ack_servers_done(sio_adapter_ack_t *ack) {
  if (!ack || ack->done) return;
  ack->servers_done = 1;
  ba_check(ack);
}

void sio_adapter_ack_release(sio_adapter_ack_t *ack) {
  if (ack) sio__bcast_ack_unref(ack);
}

/* A broadcast-ack request, linked to the server (which cancels it at close). */
static sio__bcast_ack_t *ba_new(sio_server_t *s, sio_broadcast_ack_cb cb, void *arg) {
  sio__bcast_ack_t *ba = sio__calloc(1, sizeof(*ba));
  if (!ba || !(ba->timer = sio__timer_new(s->loop, ba_timeout_cb, ba))) {
    sio__free(ba);
    return NULL;
  }
  ba->srv = s;
  ba->seq = ++s->group_seq;
  ba->refs = 1; /* the request's own, dropped when it finishes */
  ba->cb = cb;
  ba->arg = arg;
  ba->next = s->backs;
  if (s->backs) s->backs->prev = ba;
  s->backs = ba;
  return ba;
}

int sio_broadcast_emit_with_ack(sio_broadcast_t *b, const char *event,
                                const sio_args_t *args, sio_broadcast_ack_cb cb,
                                void *arg) {
  int rc = check(b);
  if (rc == 0 && (!cb || !b->timeout)) rc = SIO_EINVAL;
  pkt_view_t v;
  int have_view = 0;
  if (rc == 0 && (rc = pkt_view(&v, event, args)) == 0) have_view = 1;
  sio__bcast_ack_t *ba = NULL;
  if (rc == 0 && !(ba = ba_new(b->nsp->srv, cb, arg))) rc = SIO_ENOMEM;
  if (rc) {
    if (have_view) pkt_view_free(&v);
    sio_broadcast_free(b);
    return rc;
  }
  sio_adapter_opts_t o;
  opts_of(b, &o);
  const sio_adapter_ops_t *ops = cluster(b);
  ba->refs++; /* ours, during the call */
  int forwarded = sio__gadapter_forwards(b->nsp, b->flags);
  if (forwarded) {
    /* Worker 0's adapter runs it, with its timeout; rc 0: no recipient of
     * this worker is known here. */
    rc = sio__gadapter_broadcast_with_ack(b->nsp, &v.pkt, &o, ba);
  } else if (ops && ops->broadcast_with_ack) {
    ba->refs++; /* the adapter's, until sio_adapter_ack_release */
    rc = ops->broadcast_with_ack(b->nsp->adapter, &v.pkt, &o, ba);
    if (rc < 0) sio__bcast_ack_unref(ba); /* it took nothing on failure */
  } else {
    rc = sio_adapter_local_broadcast_with_ack(b->nsp, &v.pkt, &o, ba, NULL, NULL);
    ba->servers_done = 1;
  }
  pkt_view_free(&v);
  sio_broadcast_free(b);
  if (rc < 0 && ba->expected == 0) {
    /* Nothing went out: the error is the answer; no callback. */
    ba->done = 1;
    unlink_ba(ba);
    sio__bcast_ack_unref(ba); /* the request's */
  } else if (!ba->done) {
    if (!forwarded) sio__timer_start(ba->timer, o.timeout_ms);
    ba_check(ba);
    if (rc < 0) rc = (int)ba->expected;
  }
  sio__bcast_ack_unref(ba); /* ours */
  return rc;
}

/* ---- server-wide operations on a selection ---- */

static int rooms_op(sio_broadcast_t *b, const char *room, int join) {
  int rc = check(b);
  if (rc == 0 && !room) rc = SIO_EINVAL;
  if (rc == 0) {
    sio_adapter_opts_t o;
    opts_of(b, &o);
    const sio_adapter_ops_t *ops = cluster(b);
    const char *rooms[1] = {room};
    if (sio__gadapter_forwards(b->nsp, b->flags))
      rc = sio__gadapter_apply(b->nsp, &o, join ? SIO__OP_JOIN : SIO__OP_LEAVE, room, 0);
    else if (join)
      rc = ops && ops->sockets_join
               ? ops->sockets_join(b->nsp->adapter, &o, rooms, 1)
               : sio_adapter_local_sockets_join(b->nsp, &o, rooms, 1);
    else
      rc = ops && ops->sockets_leave
               ? ops->sockets_leave(b->nsp->adapter, &o, rooms, 1)
               : sio_adapter_local_sockets_leave(b->nsp, &o, rooms, 1);
  }
  sio_broadcast_free(b);
  return rc;
}

int sio_broadcast_sockets_join(sio_broadcast_t *b, const char *room) {
  return rooms_op(b, room, 1);
}

int sio_broadcast_sockets_leave(sio_broadcast_t *b, const char *room) {
  return rooms_op(b, room, 0);
}

int sio_broadcast_disconnect_sockets(sio_broadcast_t *b, int close_connection) {
  int rc = check(b);
  if (rc == 0) {
    sio_adapter_opts_t o;
    opts_of(b, &o);
    const sio_adapter_ops_t *ops = cluster(b);
    if (sio__gadapter_forwards(b->nsp, b->flags))
      rc = sio__gadapter_apply(b->nsp, &o, SIO__OP_DISCONNECT, NULL, close_connection);
    else
      rc = ops && ops->disconnect_sockets
               ? ops->disconnect_sockets(b->nsp->adapter, &o, close_connection)
               : sio_adapter_local_disconnect_sockets(b->nsp, &o, close_connection);
  }
  sio_broadcast_free(b);
  return rc;
}

/* ---- fetch ---- */

struct sio_remote_socket {
  sio_socket_t *local; /* a reference, or NULL */
  char *id;
  char **rooms;
  size_t nrooms;
  char *handshake, *data;
};

struct sio_adapter_fetch {
  sio_fetch_cb cb;
  void *arg;
  sio_remote_socket_t **v;
  size_t n, cap;
  int err;
  /* Workers: the other workers' answers are still to come (workers), and
   * the adapter (or the local path) is already done with status. */
  int workers, done, status;
};

const char *sio_remote_socket_id(const sio_remote_socket_t *rs) {
  return rs->id;
}
size_t sio_remote_socket_rooms_count(const sio_remote_socket_t *rs) {
  return rs->nrooms;
}
const char *sio_remote_socket_room(const sio_remote_socket_t *rs, size_t i) {
  return i < rs->nrooms ? rs->rooms[i] : NULL;
}
sio_socket_t *sio_remote_socket_local(const sio_remote_socket_t *rs) {
  return rs->local;
}
const char *sio_remote_socket_handshake_json(const sio_remote_socket_t *rs) {
  return rs->handshake;
}
const char *sio_remote_socket_data_json(const sio_remote_socket_t *rs) {
  return rs->data;
}

static void rs_free(sio_remote_socket_t *rs) {
  if (!rs) return;
  for (size_t i = 0; i < rs->nrooms; i++) sio__free(rs->rooms[i]);
  sio__free(rs->rooms);
  sio__free(rs->id);
  sio__free(rs->handshake);
  sio__free(rs->data);
  sio_socket_unref(rs->local);
  sio__free(rs);
}

static int fetch_push(sio_adapter_fetch_t *req, sio_remote_socket_t *rs) {
  if (req->n == req->cap) {
    size_t ncap = req->cap ? req->cap * 2 : 8;
    sio_remote_socket_t **nv = sio__realloc(req->v, ncap * sizeof(*nv));
    if (!nv) {
      rs_free(rs);
      return SIO_ENOMEM;
    }
    req->v = nv;
    req->cap = ncap;
  }
  req->v[req->n++] = rs;
  return 0;
}

static sio_remote_socket_t *rs_new(const char *id, size_t nrooms) {
  sio_remote_socket_t *rs = sio__calloc(1, sizeof(*rs));
  if (!rs) return NULL;
  rs->id = sio__strdup(id);
  rs->rooms = nrooms ? sio__calloc(nrooms, sizeof(*rs->rooms)) : NULL;
  if (!rs->id || (nrooms && !rs->rooms)) {
    rs_free(rs);
    return NULL;
  }
  return rs;
}

int sio__fetch_add_local(sio_adapter_fetch_t *req, sio_socket_t *sock) {
  size_t nrooms = sio_socket_rooms_count(sock);
  sio_remote_socket_t *rs = rs_new(sock->id, nrooms);
  if (!rs) return SIO_ENOMEM;
  for (size_t i = 0; i < nrooms; i++, rs->nrooms++)
    if (!(rs->rooms[i] = sio__strdup(sio_socket_room(sock, i)))) {
      rs_free(rs);
      return SIO_ENOMEM;
    }
  rs->local = sio_socket_ref(sock);
  return fetch_push(req, rs);
}

int sio_adapter_fetch_add(sio_adapter_fetch_t *req, const char *id,
                          const char *const *rooms, size_t nrooms,
                          const char *handshake_json, const char *data_json) {
  if (!req || !id || (nrooms && !rooms)) return SIO_EINVAL;
  sio_remote_socket_t *rs = rs_new(id, nrooms);
  if (!rs) return SIO_ENOMEM;
  for (size_t i = 0; i < nrooms; i++, rs->nrooms++)
    if (!(rs->rooms[i] = sio__strdup(rooms[i] ? rooms[i] : ""))) goto oom;
  if (handshake_json && !(rs->handshake = sio__strdup(handshake_json))) goto oom;
  if (data_json && !(rs->data = sio__strdup(data_json))) goto oom;
  return fetch_push(req, rs);
oom:
  rs_free(rs);
  return SIO_ENOMEM;
}

static void fetch_complete(sio_adapter_fetch_t *req, int status) {
  if (status == 0 && req->err) status = req->err;
  req->cb(status, req->n, req->v, req->arg);
  for (size_t i = 0; i < req->n; i++) rs_free(req->v[i]);
  sio__free(req->v);
  sio__free(req);
}

void sio_adapter_fetch_done(sio_adapter_fetch_t *req, int status) {
  if (!req) return;
  if (req->workers) {
    /* The other workers' sockets are not all in yet. */
    req->done = 1;
    if (!req->status) req->status = status;
    return;
  }
  fetch_complete(req, req->status ? req->status : status);
}

void sio__fetch_workers_done(sio_adapter_fetch_t *req, int status) {
  req->workers = 0;
  if (status && !req->status) req->status = status;
  if (req->done) fetch_complete(req, req->status);
}

/* Starts the other workers' part of a fetch with req (sio_local.c). */
void sio__fetch_workers_start(sio_namespace_t *nsp, const sio_adapter_opts_t *opts,
                              sio_adapter_fetch_t *req) {
  req->workers = 1;
  sio__group_fetch(nsp, opts, req);
}

static void fetch_free(sio_adapter_fetch_t *req) {
  for (size_t i = 0; i < req->n; i++) rs_free(req->v[i]);
  sio__free(req->v);
  sio__free(req);
}

int sio_adapter_local_fetch_async(sio_namespace_t *nsp, const sio_adapter_opts_t *opts,
                                  sio_fetch_cb cb, void *arg) {
  if (!nsp || !opts || !cb) return SIO_EINVAL;
  sio_adapter_fetch_t *req = sio__calloc(1, sizeof(*req));
  if (!req) return SIO_ENOMEM;
  req->cb = cb;
  req->arg = arg;
  int rc = sio_adapter_local_fetch(nsp, opts, req, NULL, NULL);
  if (rc < 0 && !req->workers) {
    fetch_free(req);
    return rc;
  }
  sio_adapter_fetch_done(req, 0);
  return 0;
}

int sio_broadcast_fetch_sockets(sio_broadcast_t *b, sio_fetch_cb cb, void *arg) {
  int rc = check(b);
  if (rc == 0 && !cb) rc = SIO_EINVAL;
  sio_adapter_fetch_t *req = NULL;
  if (rc == 0 && !(req = sio__calloc(1, sizeof(*req)))) rc = SIO_ENOMEM;
  if (rc) {
    sio_broadcast_free(b);
    return rc;
  }
  req->cb = cb;
  req->arg = arg;
  sio_adapter_opts_t o;
  opts_of(b, &o);
  const sio_adapter_ops_t *ops = cluster(b);
  if (sio__gadapter_forwards(b->nsp, b->flags)) {
    /* Worker 0's answer completes req; nothing was sent on failure. */
    rc = sio__gadapter_fetch(b->nsp, &o, req);
    if (rc < 0) fetch_free(req);
  } else if (ops && ops->fetch_sockets) {
    /* The adapter completes req (exactly once) unless it fails here. A
     * failure after its local fetch leaves the other workers' answers
     * to come: req completes with them. */
    rc = ops->fetch_sockets(b->nsp->adapter, &o, req);
    if (rc < 0 && !req->workers)
      fetch_free(req);
    else if (rc < 0)
      sio_adapter_fetch_done(req, rc);
  } else {
    /* With workers, the other workers answer later: req completes then. */
    rc = sio_adapter_local_fetch(b->nsp, &o, req, NULL, NULL);
    if (rc < 0 && !req->workers) {
      fetch_free(req);
    } else {
      sio_adapter_fetch_done(req, rc < 0 ? rc : 0);
      rc = 0;
    }
  }
  sio_broadcast_free(b);
  return rc < 0 ? rc : 0;
}

/* ---- adapters ---- */

/* The size of the first version of sio_adapter_ops_t (up to server_count). */
#define ADAPTER_OPS_V1_SIZE                                                              \
  (offsetof(sio_adapter_ops_t, server_count) +                                           \
   sizeof(((sio_adapter_ops_t *)0)->server_count))

int sio_server_set_adapter(sio_server_t *s, const sio_adapter_ops_t *ops, void *arg) {
  if (!s || !ops || s->adapter_ops) return SIO_EINVAL;
  /* Workers: worker 0's namespaces alone have instances; the siblings,
   * which learn of the adapter when they start, forward to them. */
  if (s->group && (s->worker || s->group->started)) return SIO_EINVAL;
  if (ops->size < ADAPTER_OPS_V1_SIZE || ops->size > sizeof(*ops) || !ops->create)
    return SIO_EINVAL;
  /* A copy zero-filled past what the adapter knows: newer operations read
   * as NULL for an adapter built against an older header. */
  memset(&s->adapter_copy, 0, sizeof(s->adapter_copy));
  memcpy(&s->adapter_copy, ops, ops->size);
  s->adapter_ops = &s->adapter_copy;
  ops = s->adapter_ops;
  s->adapter_arg = arg;
  for (sio_namespace_t *n = s->all_nsps; n; n = n->next_all) {
    if (n->is_parent) continue;
    if (!(n->adapter = ops->create(n, arg))) return SIO_ENOMEM;
  }
  if (s->group) {
    s->group->adapter = 1;
    s->group->adapter_sessions = ops->persist_session && ops->restore_session;
  }
  return 0;
}

void *sio_namespace_adapter(const sio_namespace_t *nsp) {
  return nsp ? nsp->adapter : NULL;
}

int sio_namespace_server_side_emit(sio_namespace_t *nsp, const char *event,
                                   const sio_args_t *args) {
  if (!nsp) return SIO_EINVAL;
  const sio_adapter_ops_t *ops = nsp->srv->adapter_ops;
  int forwarded = sio__gadapter_forwards(nsp, 0);
  if (!forwarded && (!ops || !ops->server_side_emit || !nsp->adapter)) return SIO_EINVAL;
  pkt_view_t v;
  int rc = pkt_view(&v, event, args);
  if (rc) return rc;
  rc = forwarded ? sio__gadapter_server_side_emit(nsp, &v.pkt, 0, NULL)
                 : ops->server_side_emit(nsp->adapter, &v.pkt);
  pkt_view_free(&v);
  return rc;
}

int sio_namespace_server_side_emit_with_ack(sio_namespace_t *nsp, const char *event,
                                            const sio_args_t *args, uint32_t timeout_ms,
                                            sio_broadcast_ack_cb cb, void *arg) {
  if (!nsp || !cb || !timeout_ms) return SIO_EINVAL;
  const sio_adapter_ops_t *ops = nsp->srv->adapter_ops;
  int forwarded = sio__gadapter_forwards(nsp, 0);
  if (!forwarded && (!ops || !ops->server_side_emit_with_ack || !nsp->adapter))
    return SIO_EINVAL;
  pkt_view_t v;
  int rc = pkt_view(&v, event, args);
  if (rc) return rc;
  sio__bcast_ack_t *ba = ba_new(nsp->srv, cb, arg);
  if (!ba) {
    pkt_view_free(&v);
    return SIO_ENOMEM;
  }
  ba->refs += 2; /* ours during the call, and the adapter's until release */
  if (forwarded) {
    /* Worker 0 runs the timeout; its answer completes ba. */
    rc = sio__gadapter_server_side_emit(nsp, &v.pkt, timeout_ms, ba);
    if (rc >= 0) sio__bcast_ack_unref(ba); /* no adapter holds it here */
  } else {
    rc = ops->server_side_emit_with_ack(nsp->adapter, &v.pkt, ba);
  }
  pkt_view_free(&v);
  if (rc < 0) {
    sio__bcast_ack_unref(ba); /* the adapter took nothing */
    ba->done = 1;
    unlink_ba(ba);
    sio__bcast_ack_unref(ba); /* the request's */
  } else if (!ba->done) {
    if (!forwarded) sio__timer_start(ba->timer, timeout_ms);
    ba_check(ba);
    rc = 0;
  }
  sio__bcast_ack_unref(ba); /* ours */
  return rc < 0 ? rc : 0;
}

int sio_namespace_server_count(sio_namespace_t *nsp, sio_server_count_cb cb, void *arg) {
  if (!nsp || !cb) return SIO_EINVAL;
  const sio_adapter_ops_t *ops = nsp->srv->adapter_ops;
  if (sio__gadapter_forwards(nsp, 0)) return sio__gadapter_server_count(nsp, cb, arg);
  if (!ops || !ops->server_count || !nsp->adapter) {
    cb(0, 1, arg);
    return 0;
  }
  return ops->server_count(nsp->adapter, cb, arg);
}
