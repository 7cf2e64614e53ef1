/* A uv_async_t and a job list under a mutex. The wake-up is sent with the
 * lock held, so a close (which takes the lock to refuse) can never close the
 * handle between a sender's queueing and its uv_async_send. */
#include "io/post.h"

#include <uv.h>

#include "core/alloc.h"
#include "sio/common.h"

struct sio__post {
  uv_async_t async;
  uv_mutex_t mu;
  sio__post_job_t *head, *tail; /* mu */
  int refused;                  /* mu */
  void (*closed)(void *arg);
  void *closed_arg;
};

/* Takes every waiting job (in order) and runs it with status. */
static void run_waiting(sio__post_t *p, int status) {
  uv_mutex_lock(&p->mu);
  sio__post_job_t *j = p->head;
  p->head = p->tail = NULL;
  uv_mutex_unlock(&p->mu);
  while (j) {
    sio__post_job_t *next = j->next; /* j may be gone once it ran */
    j->run(j, status);
    j = next;
  }
}

static void on_async(uv_async_t *a) {
  run_waiting(a->data, 0);
}

int sio__post_new(uv_loop_t *loop, sio__post_t **out) {
  sio__post_t *p = sio__calloc(1, sizeof(*p));
  if (!p) return SIO_ENOMEM;
  int rc = uv_mutex_init(&p->mu);
  if (rc) {
    sio__free(p);
    return rc;
  }
  if ((rc = uv_async_init(loop, &p->async, on_async))) {
    uv_mutex_destroy(&p->mu);
    sio__free(p);
    return rc;
  }
  p->async.data = p;
  *out = p;
  return 0;
}

int sio__post_send(sio__post_t *p, sio__post_job_t *j) {
  j->next = NULL;
  uv_mutex_lock(&p->mu);
  if (p->refused) {
    uv_mutex_unlock(&p->mu);
    return SIO_ECLOSED;
  }
  if (p->tail)
    p->tail->next = j;
  else
    p->head = j;
  p->tail = j;
  uv_async_send(&p->async);
  uv_mutex_unlock(&p->mu);
  return 0;
}

void sio__post_refuse(sio__post_t *p) {
  uv_mutex_lock(&p->mu);
  p->refused = 1;
  uv_mutex_unlock(&p->mu);
}

static void on_closed(uv_handle_t *h) {
  sio__post_t *p = h->data;
  /* The lock lives until here: a sender may still be told ECLOSED. */
  if (p->closed) p->closed(p->closed_arg);
  uv_mutex_destroy(&p->mu);
  sio__free(p);
}

void sio__post_close(sio__post_t *p, void (*closed)(void *arg), void *arg) {
  sio__post_refuse(p);
  run_waiting(p, SIO_ECANCELED);
  p->closed = closed;
  p->closed_arg = arg;
  uv_close((uv_handle_t *)&p->async, on_closed);
}
