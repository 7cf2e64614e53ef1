/* A cluster adapter that keeps recovery sessions and packets itself, the way
 * a shared store would (see recovery_adapter.h): offsets of its own ("x1",
 * "x2", ...), sessions and packets in lists, and every recovery answered on
 * a later turn of the loop, as a store across the network would. Nothing
 * expires and nothing is bounded: it serves tests only. */
#include "recovery_adapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sio/adapter.h"

typedef struct {
  char offset[24];
  char *event, *json; /* json: the arguments with the offset last */
  size_t json_len;
  char **rooms, **except;
  size_t nrooms, nexcept;
} kept_t;

typedef struct {
  char *sid, *pid, *data;
  char **rooms;
  size_t nrooms;
} session_t;

typedef struct {
  sio_namespace_t *nsp;
  kept_t *kept;
  size_t nkept;
  session_t *sessions;
  size_t nsessions;
  unsigned long long next;
  struct restore *pending;
} inst_t;

typedef struct restore {
  uv_timer_t timer;
  inst_t *inst; /* NULL once the instance is gone */
  struct restore *next;
  sio_adapter_restore_t *req;
  char *pid, *offset;
} restore_t;

static char *dup_n(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = 0;
  }
  return d;
}
static char *dup_s(const char *s) {
  return s ? dup_n(s, strlen(s)) : NULL;
}
static char **dup_list(const char *const *v, size_t n) {
  char **d = calloc(n + 1, sizeof(*d));
  for (size_t i = 0; d && i < n; i++) d[i] = dup_s(v[i]);
  return d;
}
static void free_list(char **v, size_t n) {
  for (size_t i = 0; v && i < n; i++) free(v[i]);
  free(v);
}
static int in_list(char *const *v, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i], s) == 0) return 1;
  return 0;
}

static void *a_create(sio_namespace_t *nsp, void *arg) {
  (void)arg;
  inst_t *in = calloc(1, sizeof(*in));
  if (in) in->nsp = nsp;
  return in;
}

static void restore_closed(uv_handle_t *h) {
  restore_t *r = h->data;
  free(r->pid);
  free(r->offset);
  free(r);
}

static void a_destroy(void *self) {
  inst_t *in = self;
  /* Recoveries still waiting end as new sessions (their sockets are gone). */
  while (in->pending) {
    restore_t *r = in->pending;
    in->pending = r->next;
    sio_adapter_restore_done(r->req, NULL);
    uv_close((uv_handle_t *)&r->timer, restore_closed);
  }
  for (size_t i = 0; i < in->nkept; i++) {
    free(in->kept[i].event);
    free(in->kept[i].json);
    free_list(in->kept[i].rooms, in->kept[i].nrooms);
    free_list(in->kept[i].except, in->kept[i].nexcept);
  }
  for (size_t i = 0; i < in->nsessions; i++) {
    free(in->sessions[i].sid);
    free(in->sessions[i].pid);
    free(in->sessions[i].data);
    free_list(in->sessions[i].rooms, in->sessions[i].nrooms);
  }
  free(in->kept);
  free(in->sessions);
  free(in);
}

static int a_broadcast(void *self, const sio_adapter_packet_t *pkt,
                       const sio_adapter_opts_t *opts) {
  inst_t *in = self;
  if ((opts->flags & SIO_ADAPTER_F_VOLATILE) || pkt->nattachments ||
      !sio_server_recovery_enabled(sio_namespace_server(in->nsp), NULL))
    return sio_adapter_local_broadcast(in->nsp, pkt, opts);
  kept_t *nk = realloc(in->kept, (in->nkept + 1) * sizeof(*nk));
  if (!nk) return -1;
  in->kept = nk;
  kept_t *k = &nk[in->nkept];
  memset(k, 0, sizeof(*k));
  snprintf(k->offset, sizeof(k->offset), "x%llu", ++in->next);
  size_t cap = pkt->json_len + strlen(k->offset) + 4;
  k->json = malloc(cap);
  if (k->json)
    k->json_len = (size_t)snprintf(k->json, cap, "%.*s%s\"%s\"", (int)pkt->json_len,
                                   pkt->json, pkt->json_len ? "," : "", k->offset);
  k->event = dup_s(pkt->event);
  k->rooms = dup_list(opts->rooms, opts->nrooms);
  k->except = dup_list(opts->except, opts->nexcept);
  k->nrooms = opts->nrooms;
  k->nexcept = opts->nexcept;
  in->nkept++;
  return sio_adapter_local_broadcast_offset(in->nsp, pkt, opts, k->offset);
}

static int a_persist(void *self, const sio_adapter_session_t *s) {
  inst_t *in = self;
  session_t *ns = realloc(in->sessions, (in->nsessions + 1) * sizeof(*ns));
  if (!ns) return -1;
  in->sessions = ns;
  session_t *d = &ns[in->nsessions++];
  d->sid = dup_s(s->sid);
  d->pid = dup_s(s->pid);
  d->data = dup_s(s->data_json);
  d->rooms = dup_list(s->rooms, s->nrooms);
  d->nrooms = s->nrooms;
  return 0;
}

/* Node's rule for a kept packet and a session's rooms. */
static int selects(const kept_t *k, const session_t *s) {
  int in = k->nrooms == 0;
  for (size_t i = 0; i < s->nrooms; i++) {
    if (in_list(k->except, k->nexcept, s->rooms[i])) return 0;
    if (in_list(k->rooms, k->nrooms, s->rooms[i])) in = 1;
  }
  return in;
}

static void answer(uv_timer_t *t) {
  restore_t *r = t->data;
  inst_t *in = r->inst;
  for (restore_t **pp = &in->pending; *pp; pp = &(*pp)->next)
    if (*pp == r) {
      *pp = r->next;
      break;
    }
  session_t *s = NULL;
  size_t si = 0;
  for (; si < in->nsessions; si++)
    if (strcmp(in->sessions[si].pid, r->pid) == 0) {
      s = &in->sessions[si];
      break;
    }
  size_t from = in->nkept;
  for (size_t i = 0; s && i < in->nkept; i++)
    if (strcmp(in->kept[i].offset, r->offset) == 0) from = i + 1;
  if (!s || from > in->nkept) {
    sio_adapter_restore_done(r->req, NULL);
  } else {
    for (size_t i = from; i < in->nkept; i++) {
      const kept_t *k = &in->kept[i];
      if (!selects(k, s)) continue;
      sio_adapter_packet_t p = {k->event, k->json, k->json_len, NULL, 0, NULL};
      sio_adapter_restore_add(r->req, &p);
    }
    sio_adapter_session_t out = {s->sid, s->pid, (const char *const *)s->rooms, s->nrooms,
                                 s->data};
    sio_adapter_restore_done(r->req, &out);
    /* Restored once: forgotten. */
    free(s->sid);
    free(s->pid);
    free(s->data);
    free_list(s->rooms, s->nrooms);
    in->sessions[si] = in->sessions[--in->nsessions];
  }
  uv_close((uv_handle_t *)&r->timer, restore_closed);
}

static int a_restore(void *self, const char *pid, const char *offset,
                     sio_adapter_restore_t *req) {
  inst_t *in = self;
  restore_t *r = calloc(1, sizeof(*r));
  if (!r) return -1;
  r->inst = in;
  r->req = req;
  r->pid = dup_s(pid);
  r->offset = dup_s(offset);
  uv_timer_init(sio_server_loop(sio_namespace_server(in->nsp)), &r->timer);
  r->timer.data = r;
  r->next = in->pending;
  in->pending = r;
  uv_timer_start(&r->timer, answer, 5, 0);
  return 0;
}

int recovery_adapter_install(sio_server_t *srv) {
  static const sio_adapter_ops_t ops = {
      .size = SIO_ADAPTER_OPS_SIZE,
      .create = a_create,
      .destroy = a_destroy,
      .broadcast = a_broadcast,
      .persist_session = a_persist,
      .restore_session = a_restore,
  };
  return sio_server_set_adapter(srv, &ops, NULL);
}
