/* The blocking simple client: a private loop on a thread of its own runs
 * the async client, so pings are answered and reconnections happen while
 * the program is busy elsewhere. The blocking calls hand work to that
 * thread (a job list under the mutex, then a uv_async_t wake-up) and wait
 * on the condition variable; received events are queued for receive().
 * See sio/client.h.
 *
 * Which thread touches what: the loop thread alone touches the loop, the
 * client and its socket (after connect() started the thread; before that,
 * connect() sets them up in the caller's thread while nothing runs). Every
 * field marked "mu" is read and written only with the mutex held. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "client/client_sio.h"
#include "core/alloc.h"
#include "core/log.h"

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
  struct job *next;
  sio_simple_t *sc;
  int kind;
  const char *event;
  const sio_args_t *args; /* borrowed: the caller waits while it is encoded */
  uint32_t timeout_ms;
  int done, rc;            /* mu */
  sio_simple_msg_t *reply; /* mu; JOB_CALL */
} job_t;

struct sio_simple {
  uv_loop_t loop;
  uv_async_t wake;
  uv_thread_t thread;
  int thread_started;
  uv_mutex_t mu;
  uv_cond_t cv; /* broadcast on every change of a mu field */
  sio_client_t *c;
  sio_client_socket_t *s;
  int closing;             /* loop thread: sio_client_close() called */
  job_t *jobs, *jobs_tail; /* mu */
  int stop;                /* mu: disconnect() asked */
  int connected, refused;  /* mu */
  char sid[64];            /* mu: the socket id of the last connection */
  qnode_t *head, *tail;    /* mu */
  size_t nqueued;          /* mu */
  size_t qbytes;           /* mu: bytes of the queued events */
  size_t max_qbytes;       /* set before the thread starts */
  uint64_t dropped;        /* mu */
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
  uv_mutex_lock(&sc->mu);
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
  uv_cond_broadcast(&sc->cv);
  uv_mutex_unlock(&sc->mu);
  free_nodes(gone);
}

static void on_connect(sio_client_socket_t *s, void *arg) {
  sio_simple_t *sc = arg;
  const char *id = sio_client_socket_id(s);
  uv_mutex_lock(&sc->mu);
  sc->connected = 1;
  snprintf(sc->sid, sizeof(sc->sid), "%s", id ? id : "");
  uv_cond_broadcast(&sc->cv);
  uv_mutex_unlock(&sc->mu);
}

static void on_connect_error(sio_client_socket_t *s, const char *message,
                             const char *data, void *arg) {
  sio_simple_t *sc = arg;
  SIO_LOGW("simple client: connect error: %s%s%s", message, data ? " " : "",
           data ? data : "");
  /* Only a refusal by the server ends connect()'s wait; open failures retry. */
  if (sio_client_socket_connected(s) || sc->s->want != 0) return;
  uv_mutex_lock(&sc->mu);
  sc->refused = 1;
  uv_cond_broadcast(&sc->cv);
  uv_mutex_unlock(&sc->mu);
}

static void on_disconnect(sio_client_socket_t *s, const char *reason, void *arg) {
  (void)s, (void)reason;
  sio_simple_t *sc = arg;
  uv_mutex_lock(&sc->mu);
  sc->connected = 0;
  uv_cond_broadcast(&sc->cv);
  uv_mutex_unlock(&sc->mu);
}

static void job_finish(sio_simple_t *sc, job_t *j, int rc, sio_simple_msg_t *reply) {
  uv_mutex_lock(&sc->mu);
  j->rc = rc;
  j->reply = reply;
  j->done = 1;
  uv_cond_broadcast(&sc->cv);
  uv_mutex_unlock(&sc->mu);
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
  /* The last handle of ours: uv_run() returns once the client's are gone. */
  uv_close((uv_handle_t *)&sc->wake, NULL);
}

static void on_wake(uv_async_t *a) {
  sio_simple_t *sc = a->data;
  uv_mutex_lock(&sc->mu);
  job_t *j = sc->jobs;
  sc->jobs = sc->jobs_tail = NULL;
  int stop = sc->stop;
  uv_mutex_unlock(&sc->mu);
  while (j) {
    job_t *next = j->next; /* j may be gone once finished */
    int rc;
    if (!sc->s) {
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
    j = next;
  }
  if (!stop || sc->closing) return;
  sc->closing = 1;
  if (sc->c)
    sio_client_close(sc->c, on_closed, sc);
  else
    on_closed(NULL, sc);
}

static void thread_main(void *arg) {
  sio_simple_t *sc = arg;
  uv_run(&sc->loop, UV_RUN_DEFAULT);
}

/* The loop thread takes no asynchronous signal. Above all SIGPIPE: this
 * thread writes to the sockets, and a write to a connection the server has
 * closed and then reset raises SIGPIPE, whose default action ends the whole
 * program without a word. Held back, the write fails with EPIPE instead, a
 * transport error like any other. The other signals are left to the
 * application's own threads (its handlers never run on ours). Faults stay
 * deliverable: blocking them is undefined. */
static void block_async_signals(sigset_t *old) {
  static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS};
  sigset_t set;
  sigfillset(&set);
  for (size_t i = 0; i < sizeof(faults) / sizeof(*faults); i++)
    sigdelset(&set, faults[i]);
  pthread_sigmask(SIG_BLOCK, &set, old);
}

/* Starts the loop thread: it inherits the mask it is created with. */
static int start_thread(sio_simple_t *sc) {
  sigset_t old;
  block_async_signals(&old);
  int rc = uv_thread_create(&sc->thread, thread_main, sc);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return rc;
}

/* No thread could be started: the loop closes in the caller's thread, with
 * SIGPIPE held back meanwhile and a pending one dropped before the caller's
 * mask returns. */
static void run_here(sio_simple_t *sc) {
  sigset_t pipe, old;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  int was_blocked =
      pthread_sigmask(SIG_BLOCK, &pipe, &old) == 0 && sigismember(&old, SIGPIPE);
  thread_main(sc);
  struct timespec zero = {0, 0};
  if (!was_blocked) sigtimedwait(&pipe, NULL, &zero); /* one at most: not queued */
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* ---- the caller's side ---- */

/* Hands j to the loop thread and waits until it is done; returns its rc. */
static int run_job(sio_simple_t *sc, job_t *j) {
  uv_mutex_lock(&sc->mu);
  if (sc->jobs_tail)
    sc->jobs_tail->next = j;
  else
    sc->jobs = j;
  sc->jobs_tail = j;
  uv_mutex_unlock(&sc->mu);
  uv_async_send(&sc->wake);
  uv_mutex_lock(&sc->mu);
  while (!j->done) uv_cond_wait(&sc->cv, &sc->mu);
  uv_mutex_unlock(&sc->mu);
  return j->rc;
}

/* Waits with the mutex held until *flag or *flag2 is set or ms pass. */
static void wait_locked(sio_simple_t *sc, const int *flag, const int *flag2,
                        uint32_t ms) {
  uint64_t deadline = uv_hrtime() + (uint64_t)ms * 1000000u;
  while (!*flag && !(flag2 && *flag2)) {
    uint64_t now = uv_hrtime();
    if (now >= deadline || uv_cond_timedwait(&sc->cv, &sc->mu, deadline - now) != 0) {
      break;
    }
  }
}

void sio_simple_disconnect(sio_simple_t *sc) {
  if (!sc) return;
  uv_mutex_lock(&sc->mu);
  sc->stop = 1;
  uv_mutex_unlock(&sc->mu);
  uv_async_send(&sc->wake);
  if (sc->thread_started)
    uv_thread_join(&sc->thread);
  else
    run_here(sc); /* no thread could be started: close in this one */
  if (uv_loop_close(&sc->loop) != 0) SIO_LOGW("simple client: loop not closed cleanly");
  free_nodes(sc->head);
  uv_cond_destroy(&sc->cv);
  uv_mutex_destroy(&sc->mu);
  sio__free(sc);
}

/* Creates the client and starts connecting, before the loop runs. */
static int setup(sio_simple_t *sc, const char *url, const char *nsp, const char *auth,
                 const sio_client_opts_t *opts) {
  int rc = sio_client_new(&sc->loop, url, opts, &sc->c);
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
  if (uv_mutex_init(&sc->mu) != 0) {
    sio__free(sc);
    return SIO_ENOMEM;
  }
  if (uv_cond_init(&sc->cv) != 0) {
    uv_mutex_destroy(&sc->mu);
    sio__free(sc);
    return SIO_ENOMEM;
  }
  int lrc = uv_loop_init(&sc->loop);
  if (lrc != 0 || uv_async_init(&sc->loop, &sc->wake, on_wake) != 0) {
    if (lrc == 0) uv_loop_close(&sc->loop); /* no handle was created */
    uv_cond_destroy(&sc->cv);
    uv_mutex_destroy(&sc->mu);
    sio__free(sc);
    return SIO_ENOMEM;
  }
  sc->wake.data = sc;
  int rc = setup(sc, url, nsp, auth, opts);
  if (rc == 0) {
    sc->thread_started = start_thread(sc) == 0;
    if (!sc->thread_started) rc = SIO_ENOMEM;
  }
  if (rc == 0) {
    uv_mutex_lock(&sc->mu);
    wait_locked(sc, &sc->connected, &sc->refused, timeout_ms);
    rc = sc->connected ? 0 : sc->refused ? SIO_ECONNRESET : SIO_ETIMEDOUT;
    uv_mutex_unlock(&sc->mu);
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
  sio_simple_t *m = (sio_simple_t *)sc; /* the mutex is not logical state */
  uv_mutex_lock(&m->mu);
  int v = m->connected;
  uv_mutex_unlock(&m->mu);
  return v;
}

int sio_simple_sid(const sio_simple_t *sc, char *buf, size_t cap) {
  if (!sc || !buf || !cap) return SIO_EINVAL;
  sio_simple_t *m = (sio_simple_t *)sc;
  uv_mutex_lock(&m->mu);
  int rc = m->connected ? 0 : SIO_ENOTCONN;
  size_t n = rc ? 0 : strlen(m->sid);
  if (n >= cap) rc = SIO_EMSGSIZE, n = 0;
  memcpy(buf, m->sid, n);
  buf[n] = 0;
  uv_mutex_unlock(&m->mu);
  return rc;
}

uint64_t sio_simple_dropped(const sio_simple_t *sc) {
  if (!sc) return 0;
  sio_simple_t *m = (sio_simple_t *)sc;
  uv_mutex_lock(&m->mu);
  uint64_t v = m->dropped;
  uv_mutex_unlock(&m->mu);
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
  uv_mutex_lock(&sc->mu);
  uint64_t deadline = uv_hrtime() + (uint64_t)timeout_ms * 1000000u;
  while (!sc->head) {
    uint64_t now = uv_hrtime();
    if (now >= deadline || uv_cond_timedwait(&sc->cv, &sc->mu, deadline - now) != 0)
      break;
  }
  qnode_t *q = sc->head ? pop_locked(sc) : NULL;
  uv_mutex_unlock(&sc->mu);
  if (!q) return SIO_ETIMEDOUT;
  *msg = q->m;
  sio__free(q);
  return 0;
}
