/* The group of Engine.IO servers of one process (eio_group.h): sids that
 * name their worker, the directory of generator ids, the hand-off of a
 * request to its owner through the owner's post, and listening on one port. */
#include "eio/eio_group.h"

#include <stdatomic.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "eio/eio_internal.h"
#include "io/post.h"
#include "io/sync.h"

typedef struct dir_entry {
  struct dir_entry *next;
  unsigned worker;
  char sid[]; /* NUL-terminated */
} dir_entry_t;

typedef struct {
  sio__post_job_t job;   /* stop accepting; posted at most once */
  sio__post_job_t drain; /* close the sessions; posted at most once */
  sio__eio_group_t *g;
  sio_eio_server_t *eio;
  sio__post_t *post; /* NULL once its server closed; under g->mu */
  /* Its open sessions: written by its thread alone (at a session's open and
   * close), read by any with relaxed loads: no lock, nothing per message. */
  atomic_size_t sessions;
} worker_t;

struct sio__eio_group {
  unsigned n;
  int mode;
  int generator;       /* the servers take ids from the application's generator */
  atomic_uint next;    /* the acceptor's round robin */
  atomic_int stopping; /* stop_accepting was called */
  atomic_int draining; /* drain was called */
  int listened;        /* its HTTP servers listen through it (not a second group) */
  sio__mutex_t *mu;    /* posts, directory */
  dir_entry_t **dir;   /* chained hash of generator ids -> worker */
  size_t dir_buckets;  /* a power of two */
  size_t dir_count, dir_max;
  worker_t w[];
};

static const char k_alphabet[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int alpha_index(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

/* ---- sids ---- */

void sio__eio_group_stamp(const sio__eio_group_t *g, unsigned worker, char *sid) {
  sid[0] = k_alphabet[worker % 64];
  if (g->n > 64) sid[1] = k_alphabet[worker / 64];
}

static size_t hash_sid(const char *sid, size_t len) {
  size_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)sid[i]) * 16777619u;
  return h;
}

static dir_entry_t **dir_slot(const sio__eio_group_t *g, const char *sid, size_t len) {
  dir_entry_t **pp = &g->dir[hash_sid(sid, len) & (g->dir_buckets - 1)];
  while (*pp && !(strlen((*pp)->sid) == len && memcmp((*pp)->sid, sid, len) == 0))
    pp = &(*pp)->next;
  return pp;
}

/* Read from the group, not from a server: worker 0's may be gone while
 * another worker still serves. */
static int uses_generator(const sio__eio_group_t *g) {
  return g->generator;
}

int sio__eio_group_owner(sio__eio_group_t *g, const char *sid, size_t len) {
  if (uses_generator(g)) {
    sio__mutex_lock(g->mu);
    dir_entry_t *e = *dir_slot(g, sid, len);
    int owner = e ? (int)e->worker : -1;
    sio__mutex_unlock(g->mu);
    return owner;
  }
  if (len != 20) return -1;
  int lo = alpha_index(sid[0]);
  int hi = g->n > 64 ? alpha_index(sid[1]) : 0;
  if (lo < 0 || hi < 0) return -1;
  unsigned w = (unsigned)hi * 64 + (unsigned)lo;
  return w < g->n ? (int)w : -1;
}

/* Doubles the buckets when entries outnumber them twice; failing to grow
 * only makes chains longer. g->mu held. */
static void dir_grow(sio__eio_group_t *g) {
  if (g->dir_count < 2 * g->dir_buckets) return;
  size_t n = g->dir_buckets * 2;
  dir_entry_t **nb = sio__calloc(n, sizeof(*nb));
  if (!nb) return;
  for (size_t i = 0; i < g->dir_buckets; i++) {
    for (dir_entry_t *e = g->dir[i], *next; e; e = next) {
      next = e->next;
      size_t b = hash_sid(e->sid, strlen(e->sid)) & (n - 1);
      e->next = nb[b];
      nb[b] = e;
    }
  }
  sio__free(g->dir);
  g->dir = nb;
  g->dir_buckets = n;
}

int sio__eio_group_enter(sio_eio_server_t *s, const char *sid) {
  sio__eio_group_t *g = s->group;
  if (!uses_generator(g)) return 0;
  size_t len = strlen(sid);
  int rc = 0;
  sio__mutex_lock(g->mu);
  dir_entry_t **pp = dir_slot(g, sid, len);
  if (*pp) {
    rc = SIO_EEXIST;
  } else if (g->dir_count >= g->dir_max) {
    rc = SIO_ELIMIT;
  } else {
    dir_entry_t *e = sio__malloc(sizeof(*e) + len + 1);
    if (!e) {
      rc = SIO_ENOMEM;
    } else {
      e->next = NULL;
      e->worker = s->worker;
      memcpy(e->sid, sid, len + 1);
      *pp = e;
      g->dir_count++;
      dir_grow(g);
    }
  }
  sio__mutex_unlock(g->mu);
  if (rc == SIO_ELIMIT)
    SIO_LOGW("eio: %zu sessions with generator ids already, refusing the handshake",
             g->dir_max);
  return rc;
}

void sio__eio_group_leave(sio_eio_server_t *s, const char *sid) {
  sio__eio_group_t *g = s->group;
  if (!uses_generator(g)) return;
  sio__mutex_lock(g->mu);
  dir_entry_t **pp = dir_slot(g, sid, strlen(sid));
  dir_entry_t *e = *pp;
  if (e && e->worker == s->worker) {
    *pp = e->next;
    g->dir_count--;
    sio__free(e);
  }
  sio__mutex_unlock(g->mu);
}

void sio__eio_group_count(sio_eio_server_t *s) {
  atomic_store_explicit(&s->group->w[s->worker].sessions, s->sessions.count,
                        memory_order_relaxed);
}

size_t sio__eio_group_sessions(const sio__eio_group_t *g) {
  size_t n = 0;
  for (unsigned i = 0; i < g->n; i++)
    n += atomic_load_explicit(&((sio__eio_group_t *)g)->w[i].sessions,
                              memory_order_relaxed);
  return n;
}

int sio__eio_group_taken(sio_eio_server_t *s, const char *sid, size_t len) {
  sio__eio_group_t *g = s->group;
  sio__mutex_lock(g->mu);
  int taken = *dir_slot(g, sid, len) != NULL;
  sio__mutex_unlock(g->mu);
  return taken;
}

/* ---- moving connections ---- */

static void run_handoff(sio__post_job_t *j, int status) {
  sio__http_handoff_t *h = (sio__http_handoff_t *)j;
  worker_t *w = h->to;
  if (status != 0) {
    sio__http_handoff_drop(h); /* the worker is closing */
    return;
  }
  sio__http_server_adopt(w->eio->http, h);
}

/* Posts h to worker w; drops it when w is gone. */
static void send_to(sio__eio_group_t *g, worker_t *w, sio__http_handoff_t *h) {
  h->to = w;
  h->job.run = run_handoff;
  sio__mutex_lock(g->mu);
  int rc = w->post ? sio__post_send(w->post, &h->job) : SIO_ECLOSED;
  sio__mutex_unlock(g->mu);
  if (rc != 0) sio__http_handoff_drop(h);
}

static void deliver(sio__http_handoff_t *h, void *arg) {
  worker_t *w = arg;
  send_to(w->g, w, h);
}

void sio__eio_group_handoff(sio__eio_group_t *g, unsigned worker, sio_http_req_t *req) {
  sio__http_req_handoff(req, deliver, &g->w[worker]);
}

/* The acceptor deals new connections round robin, itself included. */
static int spread(sio_http_server_t *http, struct sio__stream *st, void *arg) {
  (void)http;
  sio__eio_group_t *g = arg;
  unsigned i = atomic_fetch_add_explicit(&g->next, 1, memory_order_relaxed) % g->n;
  if (i == 0) return 0;
  sio__http_handoff_t *h = sio__http_handoff_fresh(st);
  if (h) send_to(g, &g->w[i], h);
  return 1;
}

/* ---- the group ---- */

int sio__eio_group_new(sio_eio_server_t **eios, unsigned n, sio__eio_group_t **out) {
  *out = NULL;
  if (!eios || n == 0 || n > SIO__EIO_GROUP_MAX) return SIO_EINVAL;
  for (unsigned i = 0; i < n; i++)
    if (!eios[i] || eios[i]->group) return SIO_EINVAL;
  sio__eio_group_t *g = sio__calloc(1, sizeof(*g) + n * sizeof(worker_t));
  if (!g) return SIO_ENOMEM;
  g->n = n;
  g->generator = eios[0]->opts.generate_id != NULL;
  g->dir_max = SIO__EIO_GROUP_DIRECTORY_MAX;
  g->dir_buckets = 64;
  g->dir = sio__calloc(g->dir_buckets, sizeof(*g->dir));
  g->mu = g->dir ? sio__mutex_new() : NULL;
  int rc = g->mu ? 0 : SIO_ENOMEM;
  for (unsigned i = 0; i < n && rc == 0; i++) {
    g->w[i].g = g;
    g->w[i].eio = eios[i];
    rc = sio__post_new(eios[i]->loop, &g->w[i].post);
  }
  if (rc != 0) {
    /* The loops have not run: the posts close on their first run, freed
     * then; nothing else refers to them. */
    for (unsigned i = 0; i < n; i++)
      if (g->w[i].post) sio__post_close(g->w[i].post, NULL, NULL);
    sio__mutex_free(g->mu);
    sio__free(g->dir);
    sio__free(g);
    return rc;
  }
  for (unsigned i = 0; i < n; i++) {
    eios[i]->group = g;
    eios[i]->worker = i;
    if (i > 0) sio__http_server_share_iplimit(eios[i]->http, eios[0]->http);
  }
  *out = g;
  return 0;
}

void sio__eio_group_set_listen_mode(sio__eio_group_t *g, int mode) {
  g->mode = mode == SIO__EIO_GROUP_ACCEPTOR ? mode : SIO__EIO_GROUP_REUSEPORT;
}

void sio__eio_group_set_max_directory(sio__eio_group_t *g, size_t max) {
  g->dir_max = max ? max : SIO__EIO_GROUP_DIRECTORY_MAX;
}

int sio__eio_group_listen(sio__eio_group_t *g, const char *host, int port) {
  sio_http_server_t *first = g->w[0].eio->http;
  g->listened = 1;
  if (g->mode == SIO__EIO_GROUP_ACCEPTOR || g->n == 1) {
    int rc = sio_http_server_listen(first, host, port);
    if (rc == 0 && g->n > 1) sio__http_server_set_spread(first, spread, g);
    return rc;
  }
  int rc = sio__http_server_listen_ex(first, host, port, 1);
  if (rc != 0) return rc;
  int bound = sio_http_server_port(first);
  for (unsigned i = 1; i < g->n && rc == 0; i++)
    rc = sio__http_server_listen_ex(g->w[i].eio->http, host, bound, 1);
  if (rc != 0)
    for (unsigned i = 0; i < g->n; i++)
      sio__http_server_stop_listening(g->w[i].eio->http);
  return rc;
}

int sio__eio_group_port(const sio__eio_group_t *g) {
  return sio_http_server_port(g->w[0].eio->http);
}

static void run_stop(sio__post_job_t *j, int status) {
  worker_t *w = (worker_t *)j;
  if (status == 0) sio__http_server_stop_listening(w->eio->http);
}

void sio__eio_group_stop_accepting(sio__eio_group_t *g) {
  if (atomic_exchange(&g->stopping, 1)) return;
  sio__mutex_lock(g->mu);
  for (unsigned i = 0; i < g->n; i++) {
    worker_t *w = &g->w[i];
    w->job.run = run_stop;
    if (w->post) sio__post_send(w->post, &w->job);
  }
  sio__mutex_unlock(g->mu);
}

static void run_drain(sio__post_job_t *j, int status) {
  worker_t *w = (worker_t *)((char *)j - offsetof(worker_t, drain));
  if (status != 0) return; /* its server is closing: it closes its sessions */
  w->eio->draining = 1;
  sio__eio_server_close_sessions(w->eio, "server shutting down");
}

void sio__eio_group_drain(sio__eio_group_t *g) {
  if (atomic_exchange(&g->draining, 1)) return;
  /* Every worker's listener job is queued before any drain job: a worker
   * has stopped accepting before it closes its sessions. */
  sio__eio_group_stop_accepting(g);
  sio__mutex_lock(g->mu);
  for (unsigned i = 0; i < g->n; i++) {
    worker_t *w = &g->w[i];
    w->drain.run = run_drain;
    if (w->post) sio__post_send(w->post, &w->drain);
  }
  sio__mutex_unlock(g->mu);
}

void sio__eio_group_set_drain_ms(sio__eio_group_t *g, uint32_t ms) {
  for (unsigned i = 0; i < g->n; i++)
    sio__http_server_set_drain_ms(g->w[i].eio->http, ms);
}

void sio__eio_group_worker_closing(sio_eio_server_t *s) {
  sio__eio_group_t *g = s->group;
  worker_t *w = &g->w[s->worker];
  sio__mutex_lock(g->mu);
  sio__post_t *p = w->post;
  w->post = NULL;
  sio__mutex_unlock(g->mu);
  /* The acceptor's dealing belongs to the group that listens. */
  if (g->listened) sio__http_server_set_spread(s->http, NULL, NULL);
  /* Connections on their way here are closed; jobs already run are done. */
  if (p) sio__post_close(p, NULL, NULL);
}

void sio__eio_group_free(sio__eio_group_t *g) {
  if (!g) return;
  for (unsigned i = 0; i < g->n; i++)
    if (g->w[i].post) SIO_LOGW("eio group: worker %u freed before its server closed", i);
  for (size_t i = 0; i < g->dir_buckets; i++) {
    for (dir_entry_t *e = g->dir[i], *next; e; e = next) {
      next = e->next;
      sio__free(e);
    }
  }
  sio__free(g->dir);
  sio__mutex_free(g->mu);
  sio__free(g);
}

unsigned sio__eio_group_size(const sio__eio_group_t *g) {
  return g->n;
}

unsigned sio__eio_server_worker(const sio_eio_server_t *s) {
  return s->worker;
}
