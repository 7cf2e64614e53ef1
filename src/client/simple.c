/* The blocking simple client: a private loop run only inside its calls, in
 * the calling thread, until what the call waits for happened or its time is
 * up (a timer on the same loop bounds every wait). See sio/client.h. */
#include <stdio.h>
#include <string.h>

#include "client/client_sio.h"
#include "core/alloc.h"
#include "core/log.h"

typedef struct qnode {
  struct qnode *next;
  sio_simple_msg_t *m;
} qnode_t;

struct sio_simple {
  uv_loop_t loop;
  sio_client_t *c;
  sio_client_socket_t *s;
  sio__timer_t *timer;
  int timed_out;
  int connected, refused, closed;
  qnode_t *head, *tail;
  sio_simple_msg_t *reply;
  int reply_status, reply_done;
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

static void on_any(sio_client_socket_t *s, const char *event, const sio_argv_t *args,
                   sio_client_ack_t *ack, void *arg) {
  (void)s;
  sio_simple_t *sc = arg;
  sio_simple_msg_t *m = msg_copy(event, args);
  qnode_t *q = m ? sio__calloc(1, sizeof(*q)) : NULL;
  if (!q) {
    sio_simple_msg_free(m);
    SIO_LOGW("simple client: out of memory, event dropped");
  } else {
    q->m = m;
    if (sc->tail)
      sc->tail->next = q;
    else
      sc->head = q;
    sc->tail = q;
  }
  if (ack) sio_client_ack_send(ack, NULL);
}

static void on_connect(sio_client_socket_t *s, void *arg) {
  (void)s;
  sio_simple_t *sc = arg;
  sc->connected = 1;
}

static void on_connect_error(sio_client_socket_t *s, const char *message,
                             const char *data, void *arg) {
  (void)s;
  sio_simple_t *sc = arg;
  SIO_LOGW("simple client: connect error: %s%s%s", message, data ? " " : "",
           data ? data : "");
  /* Only a refusal by the server ends the wait; open failures retry. */
  if (!sio_client_socket_connected(s) && sc->s->want == 0) sc->refused = 1;
}

static void on_disconnect(sio_client_socket_t *s, const char *reason, void *arg) {
  (void)s, (void)reason;
  sio_simple_t *sc = arg;
  sc->connected = 0;
}

static void on_timer(sio__timer_t *t, void *arg) {
  (void)t;
  sio_simple_t *sc = arg;
  sc->timed_out = 1;
}

static void on_closed(sio_client_t *c, void *arg) {
  (void)c;
  sio_simple_t *sc = arg;
  sc->closed = 1;
}

void sio_simple_disconnect(sio_simple_t *sc) {
  if (!sc) return;
  if (sc->c) {
    sio_client_close(sc->c, on_closed, sc);
    while (!sc->closed) uv_run(&sc->loop, UV_RUN_ONCE);
  }
  sio__timer_free(sc->timer);
  /* Let the last handles finish closing, then the loop can be closed. */
  uv_run(&sc->loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&sc->loop) != 0) SIO_LOGW("simple client: loop not closed cleanly");
  while (sc->head) {
    qnode_t *q = sc->head;
    sc->head = q->next;
    sio_simple_msg_free(q->m);
    sio__free(q);
  }
  sio_simple_msg_free(sc->reply);
  sio__free(sc);
}

int sio_simple_connect(const char *url, const char *nsp, const char *auth,
                       const sio_client_opts_t *opts, uint32_t timeout_ms,
                       sio_simple_t **out) {
  if (!url || !out) return SIO_EINVAL;
  sio_simple_t *sc = sio__calloc(1, sizeof(*sc));
  if (!sc) return SIO_ENOMEM;
  if (uv_loop_init(&sc->loop) != 0) {
    sio__free(sc);
    return SIO_ENOMEM;
  }
  int rc = SIO_ENOMEM;
  sc->timer = sio__timer_new(&sc->loop, on_timer, sc);
  if (!sc->timer) goto fail;
  rc = sio_client_new(&sc->loop, url, opts, &sc->c);
  if (rc) goto fail;
  rc = SIO_ENOMEM;
  sc->s = sio_client_socket(sc->c, nsp ? nsp : "/");
  if (!sc->s) goto fail;
  if (auth && (rc = sio_client_socket_set_auth(sc->s, auth)) != 0) goto fail;
  sio_client_socket_on_connect(sc->s, on_connect, sc);
  sio_client_socket_on_connect_error(sc->s, on_connect_error, sc);
  sio_client_socket_on_disconnect(sc->s, on_disconnect, sc);
  if ((rc = sio_client_socket_on_any(sc->s, on_any, sc)) != 0) goto fail;
  if ((rc = sio_client_socket_connect(sc->s)) != 0) goto fail;
  int done = 0;
  sc->timed_out = 0;
  sio__timer_start(sc->timer, timeout_ms);
  while (!sc->connected && !sc->refused && !sc->timed_out) uv_run(&sc->loop, UV_RUN_ONCE);
  sio__timer_stop(sc->timer);
  done = sc->connected;
  if (!done) {
    rc = sc->refused ? SIO_ECONNRESET : SIO_ETIMEDOUT;
    goto fail;
  }
  *out = sc;
  return 0;
fail:
  sio_simple_disconnect(sc);
  return rc;
}

int sio_simple_connected(const sio_simple_t *sc) {
  return sc && sc->connected;
}

int sio_simple_emit(sio_simple_t *sc, const char *event, const sio_args_t *args) {
  int rc = sio_client_socket_emit(sc->s, event, args);
  /* Give the loop one turn without blocking, so the packet leaves now. */
  uv_run(&sc->loop, UV_RUN_NOWAIT);
  return rc;
}

static void on_reply(sio_client_socket_t *s, int status, const sio_argv_t *reply,
                     void *arg) {
  (void)s;
  sio_simple_t *sc = arg;
  sc->reply_status = status;
  if (status == 0) {
    sc->reply = msg_copy(NULL, reply);
    if (!sc->reply) sc->reply_status = SIO_ENOMEM;
  }
  sc->reply_done = 1;
}

int sio_simple_call(sio_simple_t *sc, const char *event, const sio_args_t *args,
                    uint32_t timeout_ms, sio_simple_msg_t **reply) {
  if (!sc || !reply || !timeout_ms) return SIO_EINVAL;
  sc->reply_done = 0;
  sc->reply = NULL;
  int rc = sio_client_socket_emit_with_ack(sc->s, event, args, timeout_ms, on_reply, sc);
  if (rc) return rc;
  /* The ack's own timer ends the wait: the callback always runs. */
  while (!sc->reply_done) uv_run(&sc->loop, UV_RUN_ONCE);
  *reply = sc->reply;
  sc->reply = NULL;
  return sc->reply_status;
}

int sio_simple_receive(sio_simple_t *sc, uint32_t timeout_ms, sio_simple_msg_t **msg) {
  if (!sc || !msg) return SIO_EINVAL;
  int have = sc->head != NULL;
  if (!have) {
    sc->timed_out = 0;
    sio__timer_start(sc->timer, timeout_ms);
    while (!sc->head && !sc->timed_out) uv_run(&sc->loop, UV_RUN_ONCE);
    sio__timer_stop(sc->timer);
  }
  if (!sc->head) return SIO_ETIMEDOUT;
  qnode_t *q = sc->head;
  sc->head = q->next;
  if (!sc->head) sc->tail = NULL;
  *msg = q->m;
  sio__free(q);
  return 0;
}
