/* libsio-redis: what goes through the publisher connection: PUBLISH (sent
 * or queued while down), PUBSUB NUMSUB, other commands (the streams
 * adapter's XADD, XREAD, SET...), flush waiters, and the 0 ms timer
 * that delivers results known at call time "later on the loop". */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "redis/redis_conn_internal.h"
#include "sio/common.h"

#define PUB_CHANNEL_MAX 65536

static int cmd_ready(const sio__redis_conn_t *c) {
  return c->cmd.phase == SIO__LINK_READY && c->cmd.ac && !c->cmd.freeing;
}

/* ---- ops (numsub requests, flush waiters) ---- */

static void op_unlink(sio__redis_conn_t *c, sio__redis_op_t *op) {
  if (op->prev)
    op->prev->next = op->next;
  else
    c->ops_head = op->next;
  if (op->next)
    op->next->prev = op->prev;
  else
    c->ops_tail = op->prev;
  op->next = op->prev = NULL;
}

static void op_append(sio__redis_conn_t *c, sio__redis_op_t *op) {
  op->prev = c->ops_tail;
  op->next = NULL;
  if (c->ops_tail)
    c->ops_tail->next = op;
  else
    c->ops_head = op;
  c->ops_tail = op;
}

/* Takes op out of the list, frees it unless hiredis still holds it, then
 * runs its callback. The caller holds a ref on c. */
static void op_deliver(sio__redis_conn_t *c, sio__redis_op_t *op, int status,
                       long long value) {
  sio__redis_int_cb icb = op->icb;
  sio__redis_reply_cb rcb = op->rcb;
  void (*fcb)(void *, int) = op->fcb;
  void *arg = op->arg;
  int is_flush = op->is_flush;
  op_unlink(c, op);
  op->delivered = 1;
  if (!op->in_hiredis) sio__free(op);
  if (is_flush)
    fcb(arg, status);
  else if (rcb)
    rcb(arg, status, NULL);
  else
    icb(arg, status, value);
}

static void defer_kick(sio__redis_conn_t *c) {
  if (!c->closing) sio__redis_timer_start(c->defer, sio__redis_defer_cb, 0, 0);
}

static void op_set_ready(sio__redis_conn_t *c, sio__redis_op_t *op, int status) {
  op->ready = 1;
  op->status = status;
  defer_kick(c);
}

void sio__redis_defer_cb(void *conn) {
  sio__redis_conn_t *c = conn;
  sio__redis_op_t *op;
  sio__redis_conn_ref(c);
  /* Rescan from the head each time: a callback may add or cancel ops. */
  while (!c->closing) {
    for (op = c->ops_head; op && !op->ready; op = op->next) {
    }
    if (!op) break;
    op_deliver(c, op, op->status, op->value);
  }
  sio__redis_conn_unref(c);
}

void sio__redis_ops_cancel_all(sio__redis_conn_t *c) {
  while (c->ops_head) op_deliver(c, c->ops_head, SIO_ECANCELED, 0);
}

void sio__redis_ops_check_flush(sio__redis_conn_t *c) {
  sio__redis_op_t *op;
  for (op = c->ops_head; op; op = op->next)
    if (op->is_flush && !op->ready && c->pub_done >= op->seq) op_set_ready(c, op, 0);
}

/* Every waiting flush covers the publish that just failed (or the ones
 * stuck in the queue of a lost connection). */
void sio__redis_ops_fail_flush(sio__redis_conn_t *c, int status) {
  sio__redis_op_t *op;
  for (op = c->ops_head; op; op = op->next)
    if (op->is_flush && !op->ready) op_set_ready(c, op, status);
}

static sio__redis_op_t *op_new(sio__redis_conn_t *c, void *arg) {
  sio__redis_op_t *op = sio__calloc(1, sizeof(*op));
  if (!op) return NULL;
  op->conn = c;
  op->arg = arg;
  op_append(c, op);
  return op;
}

/* ---- PUBSUB NUMSUB ---- */

static void numsub_reply_cb(redisAsyncContext *ac, void *r, void *priv) {
  sio__redis_op_t *op = priv;
  sio__redis_conn_t *c = op->conn;
  redisReply *reply = r;
  int status = SIO_EPROTO;
  long long value = 0;
  (void)ac;
  op->in_hiredis = 0;
  if (op->delivered) { /* cancelled by close */
    sio__free(op);
    return;
  }
  if (!reply) {
    status = SIO_ENOTCONN; /* lost before the answer */
  } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
             reply->element[1]->type == REDIS_REPLY_INTEGER) {
    status = 0;
    value = reply->element[1]->integer;
  } else if (reply->type == REDIS_REPLY_ERROR) {
    sio_log(SIO_LOG_WARN, "redis[%s]: PUBSUB NUMSUB failed: %s", c->name, reply->str);
  }
  sio__redis_conn_ref(c);
  op_deliver(c, op, status, value);
  sio__redis_conn_unref(c);
}

int sio__redis_conn_numsub(sio__redis_conn_t *c, const char *channel,
                           sio__redis_int_cb cb, void *arg) {
  sio__redis_op_t *op;
  const char *argv[3];
  size_t lens[3], n;
  if (!c || !channel || !cb) return SIO_EINVAL;
  if (c->closing) return SIO_ECLOSED;
  n = strnlen(channel, PUB_CHANNEL_MAX + 1);
  if (n > PUB_CHANNEL_MAX) return SIO_EINVAL;
  if (!(op = op_new(c, arg))) return SIO_ENOMEM;
  op->icb = cb;
  if (cmd_ready(c)) {
    argv[0] = "PUBSUB";
    lens[0] = 6;
    argv[1] = "NUMSUB";
    lens[1] = 6;
    argv[2] = channel;
    lens[2] = n;
    if (redisAsyncCommandArgv(c->cmd.ac, numsub_reply_cb, op, 3, argv, lens) ==
        REDIS_OK) {
      op->in_hiredis = 1;
      return 0;
    }
  }
  op_set_ready(c, op, SIO_ENOTCONN);
  return 0;
}

/* ---- any command ---- */

static void command_reply_cb(redisAsyncContext *ac, void *r, void *priv) {
  sio__redis_op_t *op = priv;
  sio__redis_conn_t *c = op->conn;
  redisReply *reply = r;
  (void)ac;
  op->in_hiredis = 0;
  if (op->delivered) { /* cancelled by close */
    sio__free(op);
    return;
  }
  sio__redis_reply_cb cb = op->rcb;
  void *arg = op->arg;
  int status = !reply ? SIO_ENOTCONN : reply->type == REDIS_REPLY_ERROR ? SIO_EPROTO : 0;
  /* The reply lives only during this hiredis callback: hand it over here. */
  op_unlink(c, op);
  op->delivered = 1;
  sio__free(op);
  sio__redis_conn_ref(c);
  cb(arg, status, reply);
  sio__redis_conn_unref(c);
}

int sio__redis_conn_command(sio__redis_conn_t *c, int argc, const char **argv,
                            const size_t *lens, sio__redis_reply_cb cb, void *arg) {
  sio__redis_op_t *op;
  if (!c || argc < 1 || !argv || !lens || !cb) return SIO_EINVAL;
  if (c->closing) return SIO_ECLOSED;
  if (!cmd_ready(c)) return SIO_ENOTCONN;
  if (!(op = op_new(c, arg))) return SIO_ENOMEM;
  op->rcb = cb;
  if (redisAsyncCommandArgv(c->cmd.ac, command_reply_cb, op, argc, argv, lens) !=
      REDIS_OK) {
    op_unlink(c, op);
    sio__free(op);
    return SIO_ENOTCONN;
  }
  op->in_hiredis = 1;
  return 0;
}

/* ---- flush ---- */

int sio__redis_conn_flush(sio__redis_conn_t *c, void (*cb)(void *arg, int status),
                          void *arg) {
  sio__redis_op_t *op;
  if (!c || !cb) return SIO_EINVAL;
  if (c->closing) return SIO_ECLOSED;
  if (!(op = op_new(c, arg))) return SIO_ENOMEM;
  op->is_flush = 1;
  op->fcb = cb;
  op->seq = c->pub_seq;
  if (c->pub_done >= op->seq)
    op_set_ready(c, op, 0);
  else if (!cmd_ready(c))
    op_set_ready(c, op, SIO_ENOTCONN);
  return 0;
}

/* ---- PUBLISH ---- */

static void pub_reply_cb(redisAsyncContext *ac, void *r, void *priv) {
  sio__redis_link_t *l = ac->data;
  sio__redis_conn_t *c = l->conn;
  redisReply *reply = r;
  size_t bytes = (size_t)(uintptr_t)priv;
  c->inflight_bytes -= bytes;
  c->pub_done++;
  if (c->closing) return;
  if (!reply) {
    /* Lost with the connection: a flush covering it did not succeed. */
    sio__redis_ops_fail_flush(c, SIO_ENOTCONN);
    return;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    if (!c->pub_err_logged) {
      sio_log(SIO_LOG_WARN, "redis[%s]: PUBLISH failed: %s", c->name, reply->str);
      c->pub_err_logged = 1;
    }
    sio__redis_ops_fail_flush(c, SIO_EPROTO);
    return;
  }
  sio__redis_ops_check_flush(c);
}

static int send_publish(sio__redis_conn_t *c, const char *ch, size_t chlen,
                        const void *data, size_t len) {
  const char *argv[3];
  size_t lens[3];
  argv[0] = "PUBLISH";
  lens[0] = 7;
  argv[1] = ch;
  lens[1] = chlen;
  argv[2] = data ? (const char *)data : "";
  lens[2] = len;
  if (redisAsyncCommandArgv(c->cmd.ac, pub_reply_cb, (void *)(uintptr_t)(chlen + len), 3,
                            argv, lens) != REDIS_OK)
    return -1;
  c->inflight_bytes += chlen + len;
  return 0;
}

static int drop(sio__redis_conn_t *c) {
  c->dropped++;
  c->dropped_outage++;
  if (!c->drop_logged) {
    sio_log(
        SIO_LOG_WARN,
        "redis[%s]: publish queue full (%zu bytes queued, limit %zu): dropping publishes "
        "until Redis is back",
        c->name, c->qbytes, c->qlimit);
    c->drop_logged = 1;
  }
  return SIO_ELIMIT;
}

int sio__redis_conn_publish(sio__redis_conn_t *c, const char *channel, const void *data,
                            size_t len) {
  sio__redis_pub_t *p;
  size_t chlen;
  if (!c || !channel || (!data && len)) return SIO_EINVAL;
  if (c->closing) return SIO_ECLOSED;
  chlen = strnlen(channel, PUB_CHANNEL_MAX + 1);
  if (chlen == 0 || chlen > PUB_CHANNEL_MAX || len > SIZE_MAX - chlen) return SIO_EINVAL;
  /* Straight out while up; behind the queue (order) or into it while not. */
  if (cmd_ready(c) && !c->qhead) {
    if (c->inflight_bytes > SIO__REDIS_INFLIGHT_MAX ||
        len + chlen > SIO__REDIS_INFLIGHT_MAX - c->inflight_bytes)
      return drop(c);
    if (send_publish(c, channel, chlen, data, len) == 0) {
      c->pub_seq++;
      return 0;
    }
  }
  if (chlen + len > c->qlimit || c->qbytes > c->qlimit - (chlen + len)) return drop(c);
  if (!(p = sio__malloc(sizeof(*p) + chlen + len))) return SIO_ENOMEM;
  p->next = NULL;
  p->chlen = chlen;
  p->len = len;
  memcpy(p->buf, channel, chlen);
  if (len) memcpy(p->buf + chlen, data, len);
  if (c->qtail)
    c->qtail->next = p;
  else
    c->qhead = p;
  c->qtail = p;
  c->qbytes += chlen + len;
  c->pub_seq++;
  return 0;
}

void sio__redis_pub_drain(sio__redis_conn_t *c) {
  sio__redis_pub_t *p;
  while ((p = c->qhead) != NULL && cmd_ready(c)) {
    if (send_publish(c, p->buf, p->chlen, p->buf + p->chlen, p->len) != 0) {
      sio__redis_link_fail(&c->cmd, "cannot queue PUBLISH");
      return;
    }
    c->qhead = p->next;
    if (!c->qhead) c->qtail = NULL;
    c->qbytes -= p->chlen + p->len;
    sio__free(p);
  }
}

void sio__redis_pub_free_queue(sio__redis_conn_t *c) {
  sio__redis_pub_t *p;
  while ((p = c->qhead) != NULL) {
    c->qhead = p->next;
    sio__free(p);
  }
  c->qtail = NULL;
  c->qbytes = 0;
}
