/* The blocking simple client: a private loop on a thread of its own runs
 * the async client, so pings are answered and reconnections happen while
 * the program is busy elsewhere. The blocking calls hand work to that
 * thread (io/post.h) and wait on the condition variable; received events
 * are queued for receive().
 * See sio/client.h.
 *
 * Which thread touches what: the loop thread alone touches the loop, the
 * client and its socket (after connect() started the thread; before that,
 * connect() sets them up in the caller's thread while nothing runs). Every
 * field marked "mu" is read and written only with the mutex held. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "client/client_internal.h"
#include "core/alloc.h"
#include "core/log.h"
#include "io/loop_thread.h"
#include "io/own_loop.h"
#include "io/post.h"
#include "io/sync.h"

/* Received events kept for receive(); past it the oldest is dropped. The
 * bytes they hold are bounded too (the options' max_receive_queue). */
#define SIO__SIMPLE_MAX_QUEUED 1024

typedef struct qnode {
  struct qnode *next;
  sio_simple_msg_t *m;
  size_t bytes; /* what m holds: arguments and attachments */
} qnode_t;

enum { JOB_EMIT, JOB_CALL };

/* A blocking call's request, on the caller's stack: the caller waits until
 * done, and the loop thread never touches it after setting done. */
typedef struct job {
  sio__post_job_t pj; /* first: the posted job is the record */
  sio_simple_t *sc;
  int kind;
  const char *event;
  const sio_args_t *args; /* borrowed: the caller waits while it is encoded */
  uint32_t timeout_ms;
  int done, rc;            /* mu */
  sio_simple_msg_t *reply; /* mu; JOB_CALL */
} job_t;

struct sio_simple {
  uv_loop_t *loop;
  sio__post_t *wake;          /* jobs for the loop thread */
  sio__post_job_t stop;       /* posted by disconnect() */
  sio__loop_thread_t *thread; /* NULL: not started */
  sio__mutex_t *mu;
  sio__cond_t *cv; /* broadcast on every change of a mu field */
  sio_client_t *c;
  sio_client_socket_t *s;
  int closing;            /* loop thread: sio_client_close() called */
  int connected, refused; /* mu */
  char sid[64];           /* mu: the socket id of the last connection */
  qnode_t *head, *tail;   /* mu */
  size_t nqueued;         /* mu */
  size_t qbytes;          /* mu: bytes of the queued events */
  size_t max_qbytes;      /* set before the thread starts */
  uint64_t dropped;       /* mu */
};

void sio_simple_msg_free(sio_simple_msg_t *m) {
  if (!m) return;
  sio__free(m->event);
  sio__free(m->args);
  for (size_t i = 0; i < m->nbins; i++) sio__free((void *)m->bins[i].base);
  sio__free(m->bins);
  sio__free(m);
}

/* An owned copy of received arguments (event NULL for an ack reply). */
static sio_simple_msg_t *msg_copy(const char *event, const sio_argv_t *av) {
  sio_simple_msg_t *m = sio__calloc(1, sizeof(*m));
  if (!m) return NULL;
  sio_buf_t all = {(const uint8_t *)"", 0};
  if (av) sio_argv_raw_all(av, &all);
  m->args = sio__malloc(all.len + 3);
  if (!m->args || (event && !(m->event = sio__strdup(event)))) goto oom;
  m->args[0] = '[';
  memcpy(m->args + 1, all.base, all.len);
  m->args[all.len + 1] = ']';
  m->args[all.len + 2] = 0;
  size_t n = av ? sio_argv_attachments_count(av) : 0;
  if (n) {
    if (!(m->bins = sio__calloc(n, sizeof(*m->bins)))) goto oom;
    for (size_t i = 0; i < n; i++) {
      sio_buf_t b;
      sio_argv_attachment(av, i, &b);
      uint8_t *p = sio__malloc(b.len ? b.len : 1);
      if (!p) goto oom;
      memcpy(p, b.base, b.len);
      m->bins[i].base = p;
      m->bins[i].len = b.len;
      m->nbins++;
    }
  }
  return m;
oom:
  sio_simple_msg_free(m);
  return NULL;
}

/* ---- the loop thread ---- */

static size_t msg_bytes(const sio_simple_msg_t *m) {
  size_t n = strlen(m->args) + (m->event ? strlen(m->event) : 0);
  for (size_t i = 0; i < m->nbins; i++) n += m->bins[i].len;
  return n;
}

/* Unlinks the oldest queued event (mu held; the queue is not empty). */
static qnode_t *pop_locked(sio_simple_t *sc) {
  qnode_t *q = sc->head;
  sc->head = q->next;
  if (!sc->head) sc->tail = NULL;
  sc->nqueued--;
  sc->qbytes -= q->bytes;
  q->next = NULL;
  return q;
}

static void free_nodes(qnode_t *q) {
  while (q) {
    qnode_t *next = q->next;
    sio_simple_msg_free(q->m);
    sio__free(q);
    q = next;
  }
}

static void on_any(sio_client_socket_t *s, const char *event, const sio_argv_t *args,
                   sio_client_ack_t *ack, void *arg) {
  (void)s;
  sio_simple_t *sc = arg;
  sio_simple_msg_t *m = msg_copy(event, args);
  qnode_t *q = m ? sio__calloc(1, sizeof(*q)) : NULL;
  if (ack) sio_client_ack_send(ack, NULL);
  if (!q) {
    sio_simple_msg_free(m);
    SIO_LOGW("simple client: out of memory, event dropped");
    return;
  }
  q->m = m;
  q->bytes = msg_bytes(m);
  qnode_t *gone = NULL, **gone_tail = &gone;
  sio__mutex_lock(sc->mu);
  /* Never block the loop (pings must be answered): drop the oldest until
   * the new event fits the count and the bytes; one larger than the whole
   * byte bound is dropped itself. */
  uint64_t was_dropped = sc->dropped;
  if (q->bytes > sc->max_qbytes) {
    *gone_tail = q;
    sc->dropped++;
    q = NULL;
  }
  while (
      q && sc->head &&
      (sc->nqueued >= SIO__SIMPLE_MAX_QUEUED || sc->qbytes + q->bytes > sc->max_qbytes)) {
    *gone_tail = pop_locked(sc);
    gone_tail = &(*gone_tail)->next;
    sc->dropped++;
  }
  if (q) {
    if (sc->tail)
      sc->tail->next = q;
    else
      sc->head = q;
    sc->tail = q;
    sc->nqueued++;
    sc->qbytes += q->bytes;
  }
  if (was_dropped == 0 && sc->dropped)
    SIO_LOGW("simple client: receive queue full, dropping the oldest events");
  sio__cond_broadcast(sc->cv);
  sio__mutex_unlock(sc->mu);
  free_nodes(gone);
}

static void on_connect(sio_client_socket_t *s, void *arg) {
  sio_simple_t *sc = arg;
  const char *id = sio_client_socket_id(s);
  sio__mutex_lock(sc->mu);
  sc->connected = 1;
  snprintf(sc->sid, sizeof(sc->sid), "%s", id ? id : "");
  sio__cond_broadcast(sc->cv);
  sio__mutex_unlock(sc->mu);
}

static void on_connect_error(sio_client_socket_t *s, const char *message,
                             const char *data, void *arg) {
  sio_simple_t *sc = arg;
  SIO_LOGW("simple client: connect error: %s%s%s", message, data ? " " : "",
           data ? data : "");
  /* Only a refusal by the server ends connect()'s wait; open failures retry. */
  if (sio_client_socket_connected(s) || sc->s->want != 0) return;
  sio__mutex_lock(sc->mu);
  sc->refused = 1;
  sio__cond_broadcast(sc->cv);
  sio__mutex_unlock(sc->mu);
}

static void on_disconnect(sio_client_socket_t *s, const char *reason, void *arg) {
  (void)s, (void)reason;
  sio_simple_t *sc = arg;
  sio__mutex_lock(sc->mu);
  sc->connected = 0;
  sio__cond_broadcast(sc->cv);
  sio__mutex_unlock(sc->mu);
}

static void job_finish(sio_simple_t *sc, job_t *j, int rc, sio_simple_msg_t *reply) {
  sio__mutex_lock(sc->mu);
  j->rc = rc;
  j->reply = reply;
  j->done = 1;
  sio__cond_broadcast(sc->cv);
  sio__mutex_unlock(sc->mu);
}

static void on_reply(sio_client_socket_t *s, int status, const sio_argv_t *reply,
                     void *arg) {
  (void)s;
  job_t *j = arg;
  sio_simple_msg_t *m = NULL;
  if (status == 0 && !(m = msg_copy(NULL, reply))) status = SIO_ENOMEM;
  job_finish(j->sc, j, status, m);
}

static void on_closed(sio_client_t *c, void *arg) {
  (void)c;
  sio_simple_t *sc = arg;
  sc->c = NULL;
  sc->s = NULL;
  /* The last handle of ours: the loop's run returns once the client's are
   * gone. A job still waiting runs now, without a client (ENOTCONN). */
  sio__post_close(sc->wake, NULL, NULL);
}

/* A blocking call's job, on the loop thread (status: the post's). */
static void run_job_here(sio__post_job_t *pj, int status) {
  job_t *j = (job_t *)pj;
  sio_simple_t *sc = j->sc;
  int rc;
  if (!sc->s || status) {
    job_finish(sc, j, SIO_ENOTCONN, NULL);
  } else if (j->kind == JOB_EMIT) {
    rc = sio_client_socket_emit(sc->s, j->event, j->args);
    job_finish(sc, j, rc, NULL);
  } else {
    /* The ack callback runs exactly once (reply, its own timeout, or a
     * cancel by the close): that finishes the job. */
    rc = sio_client_socket_emit_with_ack(sc->s, j->event, j->args, j->timeout_ms,
                                         on_reply, j);
    if (rc) job_finish(sc, j, rc, NULL);
  }
}

/* disconnect(), after every job posted before it. */
static void run_stop(sio__post_job_t *pj, int status) {
  sio_simple_t *sc = (sio_simple_t *)(void *)((char *)pj - offsetof(sio_simple_t, stop));
  (void)status;
  if (sc->closing) return;
  sc->closing = 1;
  if (sc->c)
    sio_client_close(sc->c, on_closed, sc);
  else
    on_closed(NULL, sc);
}

/* ---- the caller's side ---- */

/* Hands j to the loop thread and waits until it is done; returns its rc. */
static int run_job(sio_simple_t *sc, job_t *j) {
  j->pj.run = run_job_here;
  if (sio__post_send(sc->wake, &j->pj) != 0) return SIO_ENOTCONN; /* closed */
  sio__mutex_lock(sc->mu);
  while (!j->done) sio__cond_wait(sc->cv, sc->mu);
  sio__mutex_unlock(sc->mu);
  return j->rc;
}

/* Waits with the mutex held until *flag or *flag2 is set or ms pass. */
static void wait_locked(sio_simple_t *sc, const int *flag, const int *flag2,
                        uint32_t ms) {
  uint64_t deadline = sio__clock_ns() + (uint64_t)ms * 1000000u;
  while (!*flag && !(flag2 && *flag2)) {
    if (sio__cond_wait_until(sc->cv, sc->mu, deadline) != 0) break;
  }
}

void sio_simple_disconnect(sio_simple_t *sc) {
  if (!sc) return;
  sc->stop.run = run_stop;
  sio__post_send(sc->wake, &sc->stop); /* the post is open until stop runs */
  if (sc->thread)
    sio__loop_thread_join(sc->thread);
  else
    sio__loop_run_here(sc->loop); /* no thread could be started: close in this one */
  if (sio__own_loop_free(sc->loop) != 0)
    SIO_LOGW("simple client: loop not closed cleanly");
  free_nodes(sc->head);
  sio__cond_free(sc->cv);
  sio__mutex_free(sc->mu);
  sio__free(sc);
}

/* Creates the client and starts connecting, before the loop runs. */
static int setup(sio_simple_t *sc, const char *url, const char *nsp, const char *auth,
                 const sio_client_opts_t *opts) {
  int rc = sio_client_new(sc->loop, url, opts, &sc->c);
  if (rc) return rc;
  sc->max_qbytes = sc->c->o.max_receive_queue;
  sc->s = sio_client_socket(sc->c, nsp ? nsp : "/");
  if (!sc->s) return nsp && nsp[0] != '/' ? SIO_EINVAL : SIO_ENOMEM;
  if (auth && (rc = sio_client_socket_set_auth(sc->s, auth)) != 0) return rc;
  sio_client_socket_on_connect(sc->s, on_connect, sc);
  sio_client_socket_on_connect_error(sc->s, on_connect_error, sc);
  sio_client_socket_on_disconnect(sc->s, on_disconnect, sc);
  if ((rc = sio_client_socket_on_any(sc->s, on_any, sc)) != 0) return rc;
  return sio_client_socket_connect(sc->s);
}

int sio_simple_connect(const char *url, const char *nsp, const char *auth,
                       const sio_client_opts_t *opts, uint32_t timeout_ms,
                       sio_simple_t **out) {
  if (!url || !out) return SIO_EINVAL;
  sio_simple_t *sc = sio__calloc(1, sizeof(*sc));
  if (!sc) return SIO_ENOMEM;
  sc->mu = sio__mutex_new();
  sc->cv = sio__cond_new();
  if (!sc->mu || !sc->cv || sio__own_loop_new(&sc->loop) != 0) {
    sio__cond_free(sc->cv);
    sio__mutex_free(sc->mu);
    sio__free(sc);
    return SIO_ENOMEM;
  }
  if (sio__post_new(sc->loop, &sc->wake) != 0) {
    sio__own_loop_free(sc->loop); /* no handle was created */
    sio__cond_free(sc->cv);
    sio__mutex_free(sc->mu);
    sio__free(sc);
    return SIO_ENOMEM;
  }
  int rc = setup(sc, url, nsp, auth, opts);
  if (rc == 0 && sio__loop_thread_start(sc->loop, &sc->thread) != 0) {
    sc->thread = NULL;
    rc = SIO_ENOMEM;
  }
  if (rc == 0) {
    sio__mutex_lock(sc->mu);
    wait_locked(sc, &sc->connected, &sc->refused, timeout_ms);
    rc = sc->connected ? 0 : sc->refused ? SIO_ECONNRESET : SIO_ETIMEDOUT;
    sio__mutex_unlock(sc->mu);
  }
  if (rc) {
    sio_simple_disconnect(sc);
    return rc;
  }
  *out = sc;
  return 0;
}

int sio_simple_connected(const sio_simple_t *sc) {
  if (!sc) return 0;
  sio__mutex_lock(sc->mu);
  int v = sc->connected;
  sio__mutex_unlock(sc->mu);
  return v;
}

int sio_simple_sid(const sio_simple_t *sc, char *buf, size_t cap) {
  if (!sc || !buf || !cap) return SIO_EINVAL;
  sio__mutex_lock(sc->mu);
  int rc = sc->connected ? 0 : SIO_ENOTCONN;
  size_t n = rc ? 0 : strlen(sc->sid);
  if (n >= cap) rc = SIO_EMSGSIZE, n = 0;
  memcpy(buf, sc->sid, n);
  buf[n] = 0;
  sio__mutex_unlock(sc->mu);
  return rc;
}

uint64_t sio_simple_dropped(const sio_simple_t *sc) {
  if (!sc) return 0;
  sio__mutex_lock(sc->mu);
  uint64_t v = sc->dropped;
  sio__mutex_unlock(sc->mu);
  return v;
}

int sio_simple_emit(sio_simple_t *sc, const char *event, const sio_args_t *args) {
  if (!sc || !event) return SIO_EINVAL;
  job_t j = {.sc = sc, .kind = JOB_EMIT, .event = event, .args = args};
  return run_job(sc, &j);
}

int sio_simple_call(sio_simple_t *sc, const char *event, const sio_args_t *args,
                    uint32_t timeout_ms, sio_simple_msg_t **reply) {
  if (!sc || !event || !reply || !timeout_ms) return SIO_EINVAL;
  *reply = NULL;
  job_t j = {
      .sc = sc, .kind = JOB_CALL, .event = event, .args = args, .timeout_ms = timeout_ms};
  int rc = run_job(sc, &j);
  if (rc == 0) *reply = j.reply;
  return rc;
}

int sio_simple_receive(sio_simple_t *sc, uint32_t timeout_ms, sio_simple_msg_t **msg) {
  if (!sc || !msg) return SIO_EINVAL;
  *msg = NULL;
  sio__mutex_lock(sc->mu);
  uint64_t deadline = sio__clock_ns() + (uint64_t)timeout_ms * 1000000u;
  while (!sc->head) {
    if (sio__cond_wait_until(sc->cv, sc->mu, deadline) != 0) break;
  }
  qnode_t *q = sc->head ? pop_locked(sc) : NULL;
  sio__mutex_unlock(sc->mu);
  if (!q) return SIO_ETIMEDOUT;
  *msg = q->m;
  sio__free(q);
  return 0;
}
