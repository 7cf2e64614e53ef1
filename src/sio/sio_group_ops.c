/* Operations on a selection across the workers of a group: the worker that
 * runs one does its own part at once, then posts a copy (packet, selection,
 * namespace name) to every other worker, which selects its own sockets.
 * Requests that want answers (broadcast acks, fetch) carry the asker's
 * index and a sequence number; the answers are posted back and find their
 * request by that number, so an answer that comes after its request ended
 * (timeout, close) is simply dropped: no worker ever holds a pointer into
 * another worker's objects. */
#include <string.h>

#include "core/alloc.h"
#include "sio/sio_group.h"

enum { JOB_BCAST, JOB_BCAST_ACK, JOB_APPLY, JOB_FETCH, JOB_BCAST_ENC };

/* One message of an encoded packet, as another worker rebuilds it: its own
 * sio__eio_msg_t (their caches are each worker's) over the shared bytes. */
typedef struct {
  sio__rbuf_t *data; /* a reference; shared (atomic count) */
  size_t off, len;
  uint8_t type, binary, nocompress;
} gmsg_t;

/* A packet encoded by the emitting worker: each form's messages. */
typedef struct {
  gmsg_t *msgs;
  size_t n;
  const sio_parser_t *parser;
  uint8_t type;
  size_t bytes;
} gform_t;

typedef struct {
  sio__post_job_t job; /* first: the job is the record */
  sio__group_t *g;
  unsigned to, from;
  int kind, op, close;
  uint64_t seq;
  sio__gnsp_t nsp;
  sio__gsel_t sel;
  sio__gpkt_t pkt;
  gform_t forms[SIO__PARSER_COUNT]; /* JOB_BCAST_ENC: forms[0], or one per parser */
  unsigned mask;
} gjob_t;

static void gform_free(gform_t *f) {
  for (size_t i = 0; i < f->n; i++) sio__rbuf_unref(f->msgs[i].data);
  sio__free(f->msgs);
  memset(f, 0, sizeof(*f));
}

static void gjob_free(gjob_t *j) {
  for (unsigned ix = 0; ix < SIO__PARSER_COUNT; ix++) gform_free(&j->forms[ix]);
  sio__gnsp_free(&j->nsp);
  sio__gsel_free(&j->sel);
  sio__gpkt_free(&j->pkt);
  sio__free(j);
}

static void gjob_run(sio__post_job_t *pj, int status);

/* A copy of the request for worker `to`, or NULL if out of memory. */
static gjob_t *gjob_new(sio_namespace_t *nsp, unsigned to, int kind,
                        const sio_adapter_opts_t *opts, const char *const *targets,
                        size_t ntargets, const sio_adapter_packet_t *pkt) {
  gjob_t *j = sio__calloc(1, sizeof(*j));
  if (!j) return NULL;
  j->job.run = gjob_run;
  j->g = nsp->srv->group;
  j->to = to;
  j->from = nsp->srv->worker;
  j->kind = kind;
  j->nsp.parent = -1;
  if (sio__gnsp_of(&j->nsp, nsp) || sio__gsel_copy(&j->sel, opts, targets, ntargets) ||
      (pkt && sio__gpkt_copy(&j->pkt, pkt->event, pkt->json, pkt->json_len,
                             pkt->attachments, pkt->nattachments))) {
    gjob_free(j);
    return NULL;
  }
  return j;
}

/* Posts j to its worker; a refused job (that worker has stopped) is freed.
 * 0 or SIO_ECLOSED. */
static int gjob_send(gjob_t *j) {
  int rc = sio__group_send(j->g, j->to, &j->job);
  if (rc) gjob_free(j);
  return rc;
}

/* ---- answers ---- */

enum { ANS_ACK_COUNT, ANS_ACK_REPLY, ANS_FETCH };

typedef struct {
  char *id, *handshake, *data;
  char **rooms;
  size_t nrooms;
} gsock_t;

typedef struct {
  sio__post_job_t job;
  sio__group_t *g;
  unsigned to;
  int kind;
  uint64_t seq;
  size_t count;
  sio__gpkt_t pkt; /* ANS_ACK_REPLY */
  gsock_t *socks;  /* ANS_FETCH: count of them */
} gans_t;

static void gsock_free(gsock_t *s) {
  for (size_t i = 0; i < s->nrooms; i++) sio__free(s->rooms[i]);
  sio__free(s->rooms);
  sio__free(s->id);
  sio__free(s->handshake);
  sio__free(s->data);
}

static void gans_free(gans_t *a) {
  sio__gpkt_free(&a->pkt);
  for (size_t i = 0; a->socks && i < a->count; i++) gsock_free(&a->socks[i]);
  sio__free(a->socks);
  sio__free(a);
}

static void gans_run(sio__post_job_t *pj, int status);

static gans_t *gans_new(sio__group_t *g, unsigned to, int kind, uint64_t seq) {
  gans_t *a = sio__calloc(1, sizeof(*a));
  if (!a) return NULL;
  a->job.run = gans_run;
  a->g = g;
  a->to = to;
  a->kind = kind;
  a->seq = seq;
  return a;
}

static void gans_send(gans_t *a) {
  if (sio__group_send(a->g, a->to, &a->job)) gans_free(a);
}

static sio__bcast_ack_t *find_back(sio_server_t *s, uint64_t seq) {
  for (sio__bcast_ack_t *ba = s->backs; ba; ba = ba->next)
    if (ba->seq == seq) return ba;
  return NULL;
}

/* A fetch waiting for the other workers' answers. */
typedef struct sio__gfetch {
  struct sio__gfetch *next;
  uint64_t seq;
  unsigned pending;
  sio_adapter_fetch_t *req;
} gfetch_t;

static gfetch_t *unlink_fetch(sio_server_t *s, uint64_t seq) {
  for (gfetch_t **pp = &s->gfetches; *pp; pp = &(*pp)->next)
    if ((*pp)->seq == seq) {
      gfetch_t *f = *pp;
      *pp = f->next;
      return f;
    }
  return NULL;
}

static void fetch_answered(sio_server_t *s, gfetch_t *f) {
  if (--f->pending) return;
  unlink_fetch(s, f->seq);
  sio__fetch_workers_done(f->req, 0);
  sio__free(f);
}

static void gans_run(sio__post_job_t *pj, int status) {
  gans_t *a = (gans_t *)pj;
  sio_server_t *s = status == 0 ? a->g->w[a->to].srv : NULL;
  if (!s) {
    gans_free(a);
    return;
  }
  if (a->kind == ANS_ACK_COUNT || a->kind == ANS_ACK_REPLY) {
    sio__bcast_ack_t *ba = find_back(s, a->seq);
    if (ba && a->kind == ANS_ACK_COUNT) sio__bcast_ack_worker_count(ba, a->count);
    if (ba && a->kind == ANS_ACK_REPLY) {
      sio_adapter_packet_t p;
      sio__gpkt_view(&a->pkt, &p);
      sio_adapter_ack_reply(ba, &p);
    }
  } else {
    gfetch_t *f = NULL;
    for (f = s->gfetches; f && f->seq != a->seq; f = f->next) {
    }
    for (size_t i = 0; f && i < a->count; i++) {
      gsock_t *gs = &a->socks[i];
      sio_adapter_fetch_add(f->req, gs->id, (const char *const *)gs->rooms, gs->nrooms,
                            gs->handshake, gs->data);
    }
    if (f) fetch_answered(s, f);
  }
  gans_free(a);
}

/* ---- broadcast acks: the replies of this worker's recipients ---- */

typedef struct {
  sio__group_t *g;
  unsigned asker;
  uint64_t seq;
  size_t calls, n;
  int counted;
} ackctx_t;

static void ack_reply_cb(const sio_argv_t *reply, void *arg) {
  ackctx_t *c = arg;
  c->calls++;
  if (reply) {
    gans_t *a = gans_new(c->g, c->asker, ANS_ACK_REPLY, c->seq);
    if (a) {
      size_t natt = sio_argv_attachments_count(reply);
      sio_buf_t inl[4], *bufs = natt <= 4 ? inl : sio__calloc(natt, sizeof(*bufs));
      int rc = bufs ? 0 : SIO_ENOMEM;
      for (size_t i = 0; rc == 0 && i < natt; i++) {
        bufs[i].base = reply->att[i].base;
        bufs[i].len = reply->att[i].len;
      }
      if (rc == 0)
        rc = sio__gpkt_copy(&a->pkt, NULL, reply->all, reply->all_len, bufs, natt);
      if (bufs && bufs != inl) sio__free(bufs);
      if (rc)
        gans_free(a);
      else
        gans_send(a);
    }
  }
  /* The last recipient heard of frees the context. */
  if (c->counted && c->calls >= c->n) sio__free(c);
}

/* ---- the requests, run on the other workers ---- */

static void answer_fetch(gjob_t *j, sio_namespace_t *nsp);

/* This worker's messages over the emitting worker's bytes, delivered. */
static void deliver_forms(gjob_t *j, sio_namespace_t *nsp, const sio_adapter_opts_t *o) {
  sio__packet_out_t out[SIO__PARSER_COUNT];
  memset(out, 0, sizeof(out));
  unsigned nforms = j->mask ? SIO__PARSER_COUNT : 1;
  int rc = 0;
  for (unsigned ix = 0; rc == 0 && ix < nforms; ix++) {
    gform_t *f = &j->forms[ix];
    sio__packet_out_t *po = &out[ix];
    po->msgs = f->n <= 2 ? po->inl : sio__calloc(f->n, sizeof(*po->msgs));
    if (!po->msgs) {
      rc = SIO_ENOMEM;
      break;
    }
    po->parser = f->parser;
    po->type = f->type;
    po->bytes = f->bytes;
    for (size_t i = 0; i < f->n; i++) {
      gmsg_t *g = &f->msgs[i];
      sio__eio_msg_t *m = sio__eio_msg_new(g->type, g->binary, g->data, g->off, g->len);
      if (!m) {
        rc = SIO_ENOMEM;
        break;
      }
      m->nocompress = g->nocompress;
      po->msgs[po->n++] = m;
    }
  }
  if (rc == 0) sio__local_deliver_encoded(nsp, j->pkt.event, o, out, j->mask);
  for (unsigned ix = 0; ix < nforms; ix++)
    if (out[ix].msgs) sio__packet_out_free(&out[ix]);
}

static void gjob_run(sio__post_job_t *pj, int status) {
  gjob_t *j = (gjob_t *)pj;
  sio__group_t *g = j->g;
  sio_server_t *s = status == 0 ? g->w[j->to].srv : NULL;
  sio_namespace_t *nsp = s && !s->closing ? sio__gnsp_find(&j->nsp, s) : NULL;
  sio_adapter_opts_t o;
  sio__gsel_opts(&j->sel, &o);
  sio_adapter_packet_t p;
  sio__gpkt_view(&j->pkt, &p);
  switch (j->kind) {
    case JOB_BCAST:
      if (nsp) sio__local_broadcast_here(nsp, &p, &o);
      break;
    case JOB_APPLY:
      if (nsp)
        sio__local_apply_here(nsp, &o, j->op, (const char *const *)j->sel.targets,
                              j->sel.ntargets, j->close);
      break;
    case JOB_BCAST_ACK: {
      if (status) break; /* the group is stopping: nobody waits */
      ackctx_t *c = nsp ? sio__calloc(1, sizeof(*c)) : NULL;
      int n = 0;
      if (c) {
        c->g = g;
        c->asker = j->from;
        c->seq = j->seq;
        n = sio__local_broadcast_with_ack_here(nsp, &p, &o, ack_reply_cb, c);
        if (n < 0) n = 0;
        c->n = (size_t)n;
        c->counted = 1;
        if (c->calls >= c->n) sio__free(c);
      }
      /* After the replies already posted (none can precede it: a reply
       * comes from the network, later), so the asker counts first. */
      gans_t *a = gans_new(g, j->from, ANS_ACK_COUNT, j->seq);
      if (a) {
        a->count = (size_t)n;
        gans_send(a);
      }
      break;
    }
    case JOB_FETCH:
      if (status == 0) answer_fetch(j, nsp);
      break;
    case JOB_BCAST_ENC:
      if (nsp) deliver_forms(j, nsp, &o);
      break;
  }
  gjob_free(j);
}

typedef struct {
  gsock_t *v;
  size_t n, cap;
  int err;
} gsocks_t;

static void collect_cb(sio_socket_t *sock, void *arg) {
  gsocks_t *c = arg;
  if (c->err) return;
  if (c->n == c->cap) {
    size_t ncap = c->cap ? c->cap * 2 : 8;
    gsock_t *nv = sio__realloc(c->v, ncap * sizeof(*nv));
    if (!nv) {
      c->err = SIO_ENOMEM;
      return;
    }
    c->v = nv;
    c->cap = ncap;
  }
  gsock_t *gs = &c->v[c->n];
  memset(gs, 0, sizeof(*gs));
  c->n++;
  size_t nr = sio_socket_rooms_count(sock);
  gs->id = sio__strdup(sio_socket_id(sock));
  gs->handshake = sio_socket_handshake_json(sock);
  const char *data = sio_socket_shared_data(sock);
  if (data) gs->data = sio__strdup(data);
  if (nr && (gs->rooms = sio__calloc(nr, sizeof(*gs->rooms))))
    for (size_t i = 0; i < nr; i++, gs->nrooms++)
      if (!(gs->rooms[i] = sio__strdup(sio_socket_room(sock, i)))) break;
  if (!gs->id || !gs->handshake || (data && !gs->data) || gs->nrooms != nr)
    c->err = SIO_ENOMEM;
}

static void answer_fetch(gjob_t *j, sio_namespace_t *nsp) {
  gsocks_t c = {0};
  if (nsp) {
    sio_adapter_opts_t o;
    sio__gsel_opts(&j->sel, &o);
    sio_adapter_local_fetch(nsp, &o, NULL, collect_cb, &c);
  }
  gans_t *a = gans_new(j->g, j->from, ANS_FETCH, j->seq);
  if (a && !c.err) {
    a->socks = c.v;
    a->count = c.n;
    c.v = NULL;
    c.n = 0;
  }
  for (size_t i = 0; i < c.n; i++) gsock_free(&c.v[i]);
  sio__free(c.v);
  /* Out of memory: an empty answer, so the asker still completes. */
  if (a) gans_send(a);
}

/* ---- the asking side ---- */

int sio__group_broadcast(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                         const sio_adapter_opts_t *opts) {
  sio_server_t *s = nsp->srv;
  for (unsigned i = 0; i < s->group->n; i++) {
    if (i == s->worker) continue;
    gjob_t *j = gjob_new(nsp, i, JOB_BCAST, opts, NULL, 0, pkt);
    if (!j) return SIO_ENOMEM;
    gjob_send(j);
  }
  return 0;
}

/* The form's messages for another worker: the bytes shared, the rest
 * copied. 0 or SIO_ENOMEM. */
static int gform_of(gform_t *f, const sio__packet_out_t *po) {
  memset(f, 0, sizeof(*f));
  if (!(f->msgs = sio__calloc(po->n, sizeof(*f->msgs)))) return SIO_ENOMEM;
  f->parser = po->parser;
  f->type = po->type;
  f->bytes = po->bytes;
  for (size_t i = 0; i < po->n; i++, f->n++) {
    const sio__eio_msg_t *m = po->msgs[i];
    gmsg_t *g = &f->msgs[i];
    g->data = m->data ? sio__rbuf_ref(m->data) : NULL;
    g->off = m->off;
    g->len = m->len;
    g->type = m->type;
    g->binary = m->binary;
    g->nocompress = m->nocompress;
  }
  return 0;
}

void sio__group_broadcast_encoded(sio_namespace_t *nsp, const char *event,
                                  const sio_adapter_opts_t *opts,
                                  const sio__packet_out_t *out, unsigned mask) {
  sio_server_t *s = nsp->srv;
  unsigned nforms = mask ? SIO__PARSER_COUNT : 1;
  /* Shared before another thread can see them: from now on every worker
   * counts their references atomically. */
  for (unsigned ix = 0; ix < nforms; ix++)
    for (size_t i = 0; i < out[ix].n; i++)
      if (out[ix].msgs[i]->data) sio__rbuf_share(out[ix].msgs[i]->data);
  for (unsigned i = 0; i < s->group->n; i++) {
    if (i == s->worker) continue;
    gjob_t *j = gjob_new(nsp, i, JOB_BCAST_ENC, opts, NULL, 0, NULL);
    if (!j) return;
    j->mask = mask;
    int rc = event && !(j->pkt.event = sio__strdup(event)) ? SIO_ENOMEM : 0;
    for (unsigned ix = 0; rc == 0 && ix < nforms; ix++)
      rc = gform_of(&j->forms[ix], &out[ix]);
    if (rc) {
      gjob_free(j);
      return;
    }
    gjob_send(j);
  }
}

int sio__group_apply(sio_namespace_t *nsp, const sio_adapter_opts_t *opts, int op,
                     const char *const *rooms, size_t nrooms, int close) {
  sio_server_t *s = nsp->srv;
  for (unsigned i = 0; i < s->group->n; i++) {
    if (i == s->worker) continue;
    gjob_t *j = gjob_new(nsp, i, JOB_APPLY, opts, rooms, nrooms, NULL);
    if (!j) return SIO_ENOMEM;
    j->op = op;
    j->close = close;
    gjob_send(j);
  }
  return 0;
}

int sio__group_broadcast_with_ack(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                                  const sio_adapter_opts_t *opts, sio__bcast_ack_t *ba) {
  sio_server_t *s = nsp->srv;
  for (unsigned i = 0; i < s->group->n; i++) {
    if (i == s->worker) continue;
    gjob_t *j = gjob_new(nsp, i, JOB_BCAST_ACK, opts, NULL, 0, pkt);
    if (!j) return SIO_ENOMEM; /* the timeout ends the wait */
    j->seq = ba->seq;
    if (gjob_send(j) == 0) ba->workers_pending++;
  }
  return 0;
}

int sio__group_fetch(sio_namespace_t *nsp, const sio_adapter_opts_t *opts,
                     sio_adapter_fetch_t *req) {
  sio_server_t *s = nsp->srv;
  gfetch_t *f = sio__calloc(1, sizeof(*f));
  if (!f) {
    sio__fetch_workers_done(req, SIO_ENOMEM);
    return SIO_ENOMEM;
  }
  f->seq = ++s->group_seq;
  f->req = req;
  f->pending = 1; /* ours, while posting */
  f->next = s->gfetches;
  s->gfetches = f;
  for (unsigned i = 0; i < s->group->n; i++) {
    if (i == s->worker) continue;
    gjob_t *j = gjob_new(nsp, i, JOB_FETCH, opts, NULL, 0, NULL);
    if (!j) continue; /* that worker's sockets are missing from the answer */
    j->seq = f->seq;
    if (gjob_send(j) == 0) f->pending++;
  }
  fetch_answered(s, f);
  return 0;
}

void sio__group_fetch_cancel(sio_server_t *s) {
  while (s->gfetches) {
    gfetch_t *f = s->gfetches;
    s->gfetches = f->next;
    sio__fetch_workers_done(f->req, SIO_ECANCELED);
    sio__free(f);
  }
}
