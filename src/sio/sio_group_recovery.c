/* Connection state recovery across workers with the in-memory store: the
 * store is worker 0's (one per namespace name). A sibling posts to it what
 * the store keeps (a recoverable packet with its offset, rooms and
 * exceptions, its encoded bytes shared; a session that went away, copied),
 * and a CONNECT with a private id and an offset on a sibling asks worker 0
 * by a posted job: the answer (the session and the packets it missed, their
 * bytes shared) comes back to the sibling, which completes the recovery as
 * a cluster adapter's restore_session does. A client may thus come back on
 * any worker. With a cluster adapter that keeps sessions, worker 0 hands
 * the siblings' sessions to it and asks it for them the same way. Answers find their
 * request by a sequence number, so one that comes after the request ended (server close)
 * is dropped. */
#include <string.h>

#include "core/alloc.h"
#include "sio/sio_group.h"

enum { JOB_KEEP, JOB_SAVE, JOB_RESTORE, JOB_RESTORED };

/* One message of an encoded packet, rebuilt by the worker that gets it
 * (message caches are each worker's) over the shared bytes. */
typedef struct {
  sio__rbuf_t *data; /* a reference; shared (atomic count) */
  size_t off, len;
  uint8_t type, binary, nocompress;
} rmsg_t;

typedef struct {
  rmsg_t *msgs;
  size_t n;
  const sio_parser_t *parser;
  uint8_t type;
  size_t bytes;
} rform_t;

/* A recovery of this worker waiting for worker 0. */
typedef struct sio__grestore {
  struct sio__grestore *next;
  uint64_t seq;
  sio_adapter_restore_t *req;
} grestore_t;

typedef struct {
  sio__post_job_t job; /* first: the job is the record */
  sio__group_t *g;
  unsigned to, from;
  int kind;
  int found; /* JOB_RESTORED: a session comes back */
  uint64_t seq;
  sio__gnsp_t nsp;
  sio__gsel_t sel; /* JOB_KEEP: the packet's rooms and exceptions */
  char offset[SIO_OFFSET_MAX + 1];
  char sid[21], pid[64];
  char **rooms; /* JOB_SAVE, JOB_RESTORED: the session's */
  size_t nrooms;
  sio__kv_t *kv;
  size_t nkv;
  rform_t *forms; /* JOB_KEEP: one; JOB_RESTORED: the missed packets */
  size_t nforms;
} rjob_t;

static void form_free(rform_t *f) {
  for (size_t i = 0; i < f->n; i++) sio__rbuf_unref(f->msgs[i].data);
  sio__free(f->msgs);
  memset(f, 0, sizeof(*f));
}

/* The form of po for another worker: its bytes marked shared (this thread
 * is the only one that may still hold them unshared) and referenced. */
static int form_of(rform_t *f, const sio__packet_out_t *po) {
  memset(f, 0, sizeof(*f));
  if (po->n && !(f->msgs = sio__calloc(po->n, sizeof(*f->msgs)))) return SIO_ENOMEM;
  f->parser = po->parser;
  f->type = po->type;
  f->bytes = po->bytes;
  for (size_t i = 0; i < po->n; i++, f->n++) {
    const sio__eio_msg_t *m = po->msgs[i];
    rmsg_t *r = &f->msgs[i];
    if (m->data) {
      /* Bytes already posted elsewhere are shared: only read the flag then
       * (another thread reads it too). */
      if (!m->data->shared) sio__rbuf_share(m->data);
      r->data = sio__rbuf_ref(m->data);
    }
    r->off = m->off;
    r->len = m->len;
    r->type = m->type;
    r->binary = m->binary;
    r->nocompress = m->nocompress;
  }
  return 0;
}

/* This worker's messages over f's bytes into po (empty on error). */
static int form_build(sio__packet_out_t *po, const rform_t *f) {
  memset(po, 0, sizeof(*po));
  po->msgs = f->n <= 2 ? po->inl : sio__calloc(f->n, sizeof(*po->msgs));
  if (!po->msgs) return SIO_ENOMEM;
  po->parser = f->parser;
  po->type = f->type;
  po->bytes = f->bytes;
  for (size_t i = 0; i < f->n; i++) {
    const rmsg_t *r = &f->msgs[i];
    sio__eio_msg_t *m = sio__eio_msg_new(r->type, r->binary, r->data, r->off, r->len);
    if (!m) {
      sio__packet_out_free(po);
      memset(po, 0, sizeof(*po));
      return SIO_ENOMEM;
    }
    m->nocompress = r->nocompress;
    po->msgs[po->n++] = m;
  }
  return 0;
}

static void kv_free(sio__kv_t *kv, size_t n) {
  for (size_t i = 0; i < n; i++) {
    sio__free(kv[i].key);
    sio__free(kv[i].val);
  }
  sio__free(kv);
}

static void rooms_free(char **rooms, size_t n) {
  for (size_t i = 0; i < n; i++) sio__free(rooms[i]);
  sio__free(rooms);
}

static void rjob_free(rjob_t *j) {
  for (size_t i = 0; i < j->nforms; i++) form_free(&j->forms[i]);
  sio__free(j->forms);
  rooms_free(j->rooms, j->nrooms);
  kv_free(j->kv, j->nkv);
  sio__gnsp_free(&j->nsp);
  sio__gsel_free(&j->sel);
  sio__free(j);
}

static void rjob_run(sio__post_job_t *pj, int status);

static rjob_t *rjob_new(sio__group_t *g, unsigned from, unsigned to, int kind) {
  rjob_t *j = sio__calloc(1, sizeof(*j));
  if (!j) return NULL;
  j->job.run = rjob_run;
  j->g = g;
  j->from = from;
  j->to = to;
  j->kind = kind;
  j->nsp.parent = -1;
  return j;
}

/* Posts j; a refused job (that worker has stopped) is freed. */
static int rjob_send(rjob_t *j) {
  int rc = sio__group_send(j->g, j->to, &j->job);
  if (rc) rjob_free(j);
  return rc;
}

static int copy_str(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  if (n >= cap) return SIO_EINVAL;
  memcpy(dst, src, n + 1);
  return 0;
}

/* ---- a sibling's side ---- */

void sio__group_recovery_keep(sio_namespace_t *nsp, const char *offset,
                              const sio_adapter_opts_t *o, const sio__packet_out_t *out) {
  sio_server_t *s = nsp->srv;
  rjob_t *j = rjob_new(s->group, s->worker, 0, JOB_KEEP);
  if (!j) return;
  if (copy_str(j->offset, sizeof(j->offset), offset) || sio__gnsp_of(&j->nsp, nsp) ||
      sio__gsel_copy(&j->sel, o, NULL, 0) ||
      !(j->forms = sio__calloc(1, sizeof(*j->forms))) || form_of(&j->forms[0], out)) {
    /* Not kept: a recovery past it becomes a new session (worker 0 does
     * not know the offset). */
    if (j->forms) j->nforms = 1;
    rjob_free(j);
    return;
  }
  j->nforms = 1;
  rjob_send(j);
}

void sio__group_recovery_save(sio_namespace_t *nsp, const char *sid, const char *pid,
                              const char *const *rooms, size_t nrooms,
                              const sio__kv_t *kv, size_t nkv) {
  sio_server_t *s = nsp->srv;
  rjob_t *j = rjob_new(s->group, s->worker, 0, JOB_SAVE);
  if (!j) return;
  int rc = copy_str(j->sid, sizeof(j->sid), sid) ||
           copy_str(j->pid, sizeof(j->pid), pid) || sio__gnsp_of(&j->nsp, nsp);
  if (!rc && nrooms && !(j->rooms = sio__calloc(nrooms, sizeof(*j->rooms)))) rc = 1;
  for (; !rc && j->nrooms < nrooms; j->nrooms++)
    if (!(j->rooms[j->nrooms] = sio__strdup(rooms[j->nrooms]))) rc = 1;
  if (!rc && nkv && !(j->kv = sio__calloc(nkv, sizeof(*j->kv)))) rc = 1;
  for (; !rc && j->nkv < nkv; j->nkv++) {
    sio__kv_t *d = &j->kv[j->nkv];
    d->key = sio__strdup(kv[j->nkv].key);
    d->val = sio__malloc(kv[j->nkv].len + 1);
    if (!d->key || !d->val) {
      sio__free(d->key);
      sio__free(d->val);
      d->key = d->val = NULL;
      rc = 1;
      break;
    }
    memcpy(d->val, kv[j->nkv].val, kv[j->nkv].len + 1);
    d->len = kv[j->nkv].len;
  }
  if (rc) {
    rjob_free(j);
    return;
  }
  rjob_send(j);
}

int sio__group_recovery_restore(sio_namespace_t *nsp, const char *pid, const char *offset,
                                sio_adapter_restore_t *req) {
  sio_server_t *s = nsp->srv;
  rjob_t *j = rjob_new(s->group, s->worker, 0, JOB_RESTORE);
  grestore_t *w = sio__calloc(1, sizeof(*w));
  if (!j || !w || copy_str(j->pid, sizeof(j->pid), pid) ||
      copy_str(j->offset, sizeof(j->offset), offset) || sio__gnsp_of(&j->nsp, nsp)) {
    if (j) rjob_free(j);
    sio__free(w);
    return SIO_ENOMEM;
  }
  j->seq = w->seq = ++s->group_seq;
  w->req = req;
  int rc = rjob_send(j);
  if (rc) {
    sio__free(w);
    return rc;
  }
  w->next = s->grestores;
  s->grestores = w;
  return 0;
}

static sio_adapter_restore_t *take_waiting(sio_server_t *s, uint64_t seq) {
  for (grestore_t **pp = &s->grestores; *pp; pp = &(*pp)->next)
    if ((*pp)->seq == seq) {
      grestore_t *w = *pp;
      sio_adapter_restore_t *req = w->req;
      *pp = w->next;
      sio__free(w);
      return req;
    }
  return NULL;
}

void sio__group_recovery_cancel(sio_server_t *s) {
  while (s->grestores) {
    grestore_t *w = s->grestores;
    s->grestores = w->next;
    sio__recovery_restore_finish(w->req, NULL, NULL, NULL, 0, NULL, 0);
    sio__free(w);
  }
}

/* Worker 0's answer, on the sibling that asked. */
static void restored(rjob_t *j, sio_server_t *s) {
  sio_adapter_restore_t *req = take_waiting(s, j->seq);
  if (!req) return; /* the request ended meanwhile */
  int ok = j->found;
  sio__restored_t *r = sio__recovery_req_restored(req);
  if (ok && j->nforms && !(r->missed = sio__calloc(j->nforms, sizeof(*r->missed))))
    ok = 0;
  if (ok) r->mcap = j->nforms;
  for (size_t i = 0; ok && i < j->nforms; i++) {
    if (form_build(&r->missed[i], &j->forms[i])) ok = 0;
    if (ok) r->nmissed++;
  }
  if (!ok) {
    sio__recovery_restore_finish(req, NULL, NULL, NULL, 0, NULL, 0);
    return;
  }
  sio__recovery_restore_finish(req, j->sid, j->pid, j->rooms, j->nrooms, j->kv, j->nkv);
  j->rooms = NULL;
  j->nrooms = 0;
  j->kv = NULL;
  j->nkv = 0;
}

/* ---- worker 0's side ---- */

static void keep(rjob_t *j, sio_namespace_t *nsp) {
  sio__packet_out_t po;
  if (form_build(&po, &j->forms[0])) return;
  sio_adapter_opts_t o;
  sio__gsel_opts(&j->sel, &o);
  sio__recovery_keep(nsp, j->offset, &o, &po);
  sio__packet_out_free(&po);
}

/* a's missed packets: r's, their bytes shared; 0 when they all went in. */
static int answer_forms(rjob_t *a, const sio__restored_t *r) {
  if (r->nmissed && !(a->forms = sio__calloc(r->nmissed, sizeof(*a->forms)))) return -1;
  for (size_t i = 0; i < r->nmissed; i++, a->nforms++)
    if (form_of(&a->forms[i], &r->missed[i])) return -1;
  return 0;
}

/* The cluster adapter's answer for a sibling (arg: the answer to post). */
static void relayed(void *arg, const sio_adapter_session_t *session, sio__restored_t *r) {
  rjob_t *a = arg;
  a->found = session && session->sid && session->pid &&
             !copy_str(a->sid, sizeof(a->sid), session->sid) &&
             !copy_str(a->pid, sizeof(a->pid), session->pid) &&
             (session->nrooms == 0 || session->rooms);
  if (a->found && session->nrooms &&
      !(a->rooms = sio__calloc(session->nrooms, sizeof(*a->rooms))))
    a->found = 0;
  for (; a->found && a->nrooms < session->nrooms; a->nrooms++)
    if (!session->rooms[a->nrooms] ||
        !(a->rooms[a->nrooms] = sio__strdup(session->rooms[a->nrooms])))
      a->found = 0;
  /* The shared data travels as the session entry a socket keeps it in. */
  if (a->found && session->data_json) {
    size_t len = strlen(session->data_json);
    if ((a->kv = sio__calloc(1, sizeof(*a->kv)))) a->nkv = 1;
    if (a->kv && (a->kv->key = sio__strdup(SIO__SHARED_DATA_KEY)) &&
        (a->kv->val = sio__malloc(len + 1))) {
      memcpy(a->kv->val, session->data_json, len + 1);
      a->kv->len = len;
    } else {
      a->found = 0;
    }
  }
  if (a->found && answer_forms(a, r)) a->found = 0;
  rjob_send(a);
}

/* The session j asks for, taken out of the store (or asked of the cluster
 * adapter that keeps the sessions), posted back. */
static void answer_restore(rjob_t *j, sio_namespace_t *nsp) {
  rjob_t *a = rjob_new(j->g, 0, j->from, JOB_RESTORED);
  if (!a) return; /* the asker's close completes its request */
  a->seq = j->seq;
  if (nsp && sio__recovery_cluster(nsp)) {
    if (sio__recovery_restore_relay(nsp, j->pid, j->offset, relayed, a)) rjob_send(a);
    return;
  }
  sio__kv_t *kv = NULL;
  size_t nkv = 0;
  sio__restored_t *r =
      nsp ? sio__recovery_take(nsp, j->pid, j->offset, a->sid, a->pid, &kv, &nkv) : NULL;
  if (r) {
    a->found = 1;
    a->rooms = r->rooms;
    a->nrooms = r->nrooms;
    r->rooms = NULL;
    r->nrooms = 0;
    a->kv = kv;
    a->nkv = nkv;
    if (answer_forms(a, r)) a->found = 0;
    sio__restored_free(r);
  }
  rjob_send(a);
}

static void rjob_run(sio__post_job_t *pj, int status) {
  rjob_t *j = (rjob_t *)pj;
  sio_server_t *s = status == 0 ? j->g->w[j->to].srv : NULL;
  /* The requests name a namespace of worker 0; an answer needs none. */
  sio_namespace_t *nsp =
      s && !s->closing && j->kind != JOB_RESTORED ? sio__gnsp_find(&j->nsp, s) : NULL;
  switch (j->kind) {
    case JOB_KEEP:
      if (nsp) keep(j, nsp);
      break;
    case JOB_SAVE:
      if (nsp)
        sio__recovery_save(nsp, j->sid, j->pid, (const char *const *)j->rooms, j->nrooms,
                           j->kv, j->nkv);
      break;
    case JOB_RESTORE:
      /* Always answered (empty when worker 0 stops), so the asker goes on. */
      answer_restore(j, nsp);
      break;
    case JOB_RESTORED:
      if (s) restored(j, s);
      break;
  }
  rjob_free(j);
}
