/* The process's figures (sio_totals.h): each worker takes its own on its
 * thread, in a job posted to it, and posts them back to the worker that
 * asked, which sums them. The answers find their request by a sequence
 * number (as the group's fetches do): an answer that comes after its
 * request was cancelled is dropped, and no worker touches another's
 * objects. */
#include <string.h>

#include "core/alloc.h"
#include "http/http_server.h"
#include "sio/sio_group.h"
#include "sio/sio_metrics.h"
#include "sio/sio_totals.h"

struct sio__gather {
  struct sio__gather *next;
  uint64_t seq;
  unsigned pending; /* workers yet to answer */
  uint32_t max_nsps;
  sio__totals_cb cb;
  void *arg;
  sio__totals_t t;
};

typedef struct {
  sio__post_job_t job; /* first: the job is the record */
  sio__group_t *g;
  unsigned to, from;
  int back; /* 0: on its way to `to`; 1: the answer, on its way back */
  uint64_t seq;
  uint32_t max_nsps;
  sio__totals_t t;
} tjob_t;

void sio__totals_release(sio__totals_t *t) {
  for (size_t i = 0; i < t->nnsps; i++) sio__free(t->nsps[i].name);
  sio__free(t->nsps);
  sio__free(t->sources);
  memset(t, 0, sizeof(*t));
}

/* Adds one namespace's sockets: to its entry, a new entry while there are
 * fewer than max, or the rest. */
static void add_nsp(sio__totals_t *t, uint32_t max, const char *name, size_t len,
                    const uint64_t by[2]) {
  for (size_t i = 0; i < t->nnsps; i++) {
    sio__totals_nsp_t *e = &t->nsps[i];
    if (e->len == len && memcmp(e->name, name, len) == 0) {
      e->by[0] += by[0];
      e->by[1] += by[1];
      return;
    }
  }
  if (t->nnsps < max) {
    sio__totals_nsp_t *v = sio__realloc(t->nsps, (t->nnsps + 1) * sizeof(*v));
    if (v) {
      t->nsps = v;
      sio__totals_nsp_t *e = &v[t->nnsps];
      if ((e->name = sio__malloc(len + 1))) {
        memcpy(e->name, name, len);
        e->name[len] = 0;
        e->len = len;
        e->by[0] = by[0];
        e->by[1] = by[1];
        t->nnsps++;
        return;
      }
    }
  }
  t->other_by[0] += by[0];
  t->other_by[1] += by[1];
  t->any_other = 1;
}

/* s's own figures, on its thread (s NULL: a worker already gone, zeros). */
void sio__totals_here(sio_server_t *s, uint32_t max, sio__totals_t *t) {
  memset(t, 0, sizeof(*t));
  t->workers = 1;
  if (!s) return;
  t->sio = s->stats;
  if (s->eio) {
    t->eio = *sio__eio_server_stats(s->eio);
    t->sessions = sio__eio_server_sessions_here(s->eio);
  }
  if (s->http) t->http_conns = sio__http_server_connections(s->http);
  sio__metrics_lag(s, &t->lag_ms, &t->lag_max_ms);
  if (s->worker == 0) t->sources = sio__metrics_sources(s, &t->sources_len);
  for (const sio_namespace_t *n = s->all_nsps; n; n = n->next_all) {
    if (n->is_parent) continue;
    uint64_t by[2] = {0, 0};
    for (size_t i = 0; i < n->nsocks; i++) {
      const sio_socket_t *sock = n->socks[i];
      const char *tr = sio_socket_transport(sock);
      if (tr) by[tr[0] == 'w']++;
      for (const sio__pending_ack_t *pa = sock->acks; pa; pa = pa->next)
        t->acks_pending++;
    }
    add_nsp(t, max, n->name, n->name_len, by);
  }
}

static uint64_t max64(uint64_t a, uint64_t b) {
  return a > b ? a : b;
}

/* Adds b's figures into a. */
static void merge(sio__totals_t *a, sio__totals_t *b, uint32_t max) {
  sio__server_stats_t *x = &a->sio;
  const sio__server_stats_t *y = &b->sio;
  x->encodes += y->encodes;
  x->deliveries += y->deliveries;
  x->dropped += y->dropped;
  x->broadcasts += y->broadcasts;
  for (size_t i = 0; i < SIO__STATS_TYPES; i++) {
    x->packets_in[i] += y->packets_in[i];
    x->packets_out[i] += y->packets_out[i];
  }
  x->bytes_in += y->bytes_in;
  x->bytes_out += y->bytes_out;
  x->acks_timed_out += y->acks_timed_out;
  sio__eio_stats_t *e = &a->eio;
  const sio__eio_stats_t *f = &b->eio;
  e->handshakes[0] += f->handshakes[0];
  e->handshakes[1] += f->handshakes[1];
  e->upgrades += f->upgrades;
  e->rate_limited += f->rate_limited;
  e->write_limited += f->write_limited;
  e->polling_hwm = max64(e->polling_hwm, f->polling_hwm);
  e->ws_hwm = max64(e->ws_hwm, f->ws_hwm);
  a->sessions += b->sessions;
  a->http_conns += b->http_conns;
  a->acks_pending += b->acks_pending;
  a->lag_ms = max64(a->lag_ms, b->lag_ms);
  a->lag_max_ms = max64(a->lag_max_ms, b->lag_max_ms);
  a->workers += b->workers;
  for (size_t i = 0; i < b->nnsps; i++)
    add_nsp(a, max, b->nsps[i].name, b->nsps[i].len, b->nsps[i].by);
  if (b->any_other) {
    a->other_by[0] += b->other_by[0];
    a->other_by[1] += b->other_by[1];
    a->any_other = 1;
  }
  if (b->sources && !a->sources) {
    a->sources = b->sources;
    a->sources_len = b->sources_len;
    b->sources = NULL;
  }
}

uint64_t sio__totals_nsp_sockets(const sio__totals_t *t, const char *name) {
  size_t len = strlen(name);
  for (size_t i = 0; i < t->nnsps; i++)
    if (t->nsps[i].len == len && memcmp(t->nsps[i].name, name, len) == 0)
      return t->nsps[i].by[0] + t->nsps[i].by[1];
  return 0;
}

/* Unlinks q from s, answers and frees it. */
static void finish(sio_server_t *s, struct sio__gather *q, int status) {
  for (struct sio__gather **pp = &s->gathers; *pp; pp = &(*pp)->next)
    if (*pp == q) {
      *pp = q->next;
      break;
    }
  q->cb(status, &q->t, q->arg);
  sio__totals_release(&q->t);
  sio__free(q);
}

static void tjob_free(tjob_t *j) {
  sio__totals_release(&j->t);
  sio__free(j);
}

static void tjob_run(sio__post_job_t *pj, int status) {
  tjob_t *j = (tjob_t *)pj;
  sio_server_t *s = j->g->w[j->back ? j->from : j->to].srv;
  if (!j->back) {
    /* Cancelled (this worker's post closed): its figures as zeros. */
    sio__totals_here(status ? NULL : s, j->max_nsps, &j->t);
    j->back = 1;
    if (sio__group_send(j->g, j->from, &j->job)) tjob_free(j); /* the asker is gone */
    return;
  }
  struct sio__gather *q = s ? s->gathers : NULL;
  while (q && q->seq != j->seq) q = q->next;
  if (q) {
    merge(&q->t, &j->t, q->max_nsps);
    if (--q->pending == 0) finish(s, q, 0);
  }
  tjob_free(j);
}

int sio__totals_gather(sio_server_t *s, uint32_t max_nsps, sio__totals_cb cb, void *arg) {
  if (s->closing) return SIO_ECANCELED; /* its gathers were cancelled already */
  struct sio__gather *q = sio__calloc(1, sizeof(*q));
  if (!q) return SIO_ENOMEM;
  q->max_nsps = max_nsps;
  q->cb = cb;
  q->arg = arg;
  sio__totals_here(s, max_nsps, &q->t);
  q->next = s->gathers;
  s->gathers = q;
  sio__group_t *g = s->group;
  if (g) {
    q->seq = ++s->group_seq;
    for (unsigned i = 0; i < g->n; i++) {
      if (i == s->worker) continue;
      tjob_t *j = sio__calloc(1, sizeof(*j));
      if (!j) continue; /* that worker's figures are missing */
      j->job.run = tjob_run;
      j->g = g;
      j->to = i;
      j->from = s->worker;
      j->seq = q->seq;
      j->max_nsps = max_nsps;
      if (sio__group_send(g, i, &j->job) == 0)
        q->pending++;
      else
        sio__free(j);
    }
  }
  if (q->pending == 0) finish(s, q, 0);
  return 0;
}

void sio__totals_cancel(sio_server_t *s) {
  while (s->gathers) finish(s, s->gathers, SIO_ECANCELED);
}
