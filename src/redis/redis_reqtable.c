/* Pending requests to the other servers (redis_reqtable.h). A request that
 * waits for answers first asks Redis how many servers listen (NUMSUB), and
 * ends at its deadline at the latest, so a Redis that accepts but never
 * answers cannot hold it forever. */
#include "redis/redis_reqtable.h"

#include <string.h>

#include "core/alloc.h"
#include "redis/redis_adapter.h"

/* The deadlines are looked at this often while any is set. */
#define TICK_MS 50

int sio__rq_table_init(sio__rq_table_t *t, sio__redis_loop_t *loop,
                       sio__redis_conn_t **conn, sio__rq_publish_fn publish, void *node,
                       const char *log_name, size_t id_size, uint32_t timeout_ms) {
  *t = (sio__rq_table_t){.loop = loop,
                         .conn = conn,
                         .publish = publish,
                         .node = node,
                         .log_name = log_name,
                         .id_size = id_size < SIO__RQ_ID_MAX ? id_size : SIO__RQ_ID_MAX,
                         .timeout_ms = timeout_ms};
  t->tick = sio__redis_timer_new(loop, t);
  return t->tick ? 0 : SIO_ENOMEM;
}

sio__rq_t *sio__rq_new(sio__rq_table_t *t, void *owner, const char *channel, int type) {
  sio__rq_t *r = sio__calloc(1, sizeof(*r));
  if (!r) return NULL;
  r->table = t;
  r->owner = owner;
  r->channel = channel;
  r->type = type;
  sio__redis_random_id(r->id, t->id_size);
  r->next = t->head;
  if (t->head) t->head->prev = r;
  t->head = r;
  return r;
}

static void unlink_req(sio__rq_t *r) {
  sio__rq_table_t *t = r->table;
  if (r->prev)
    r->prev->next = r->next;
  else
    t->head = r->next;
  if (r->next) r->next->prev = r->prev;
  r->next = r->prev = NULL;
}

static void free_req(sio__rq_t *r) {
  sio__sb_reset(&r->payload);
  sio__free(r);
}

void sio__rq_discard(sio__rq_t *r) {
  unlink_req(r);
  free_req(r);
}

sio__rq_t *sio__rq_find(sio__rq_table_t *t, const void *owner, const char *id,
                        size_t len) {
  if (!id) return NULL;
  for (sio__rq_t *r = t->head; r; r = r->next)
    if (r->owner == owner && strlen(r->id) == len && memcmp(r->id, id, len) == 0)
      return r;
  return NULL;
}

/* Frees r, or leaves it for its NUMSUB callback to free. */
void sio__rq_finish(sio__rq_t *r, int status) {
  unlink_req(r);
  switch (r->type) {
    case SIO__RQ_FETCH:
      if (status == SIO_ETIMEDOUT)
        sio_log(SIO_LOG_WARN, "%s: fetchSockets timed out (%zu of %zu servers answered)",
                r->table->log_name, r->answered, r->expected);
      sio_adapter_fetch_done(r->fetch, status);
      break;
    case SIO__RQ_SS_ACK:
    case SIO__RQ_BCAST_ACK:
      if (!r->servers_done) sio_adapter_ack_servers_done(r->ack);
      sio_adapter_ack_release(r->ack);
      break;
    case SIO__RQ_COUNT:
      r->count_cb(status, 1, r->count_arg);
      break;
  }
  r->owner = NULL;
  if (!r->in_numsub) free_req(r);
}

void sio__rq_answered(sio__rq_t *r) {
  if (++r->answered >= r->expected && r->numsub_known) sio__rq_finish(r, 0);
}

static void tick_start(sio__rq_table_t *t) {
  if (!t->tick_running) {
    t->tick_running = 1;
    sio__redis_timer_start(t->tick, sio__rq_check_deadlines, TICK_MS, TICK_MS);
  }
}

static void tick_stop(sio__rq_table_t *t) {
  if (t->tick_running) {
    t->tick_running = 0;
    sio__redis_timer_stop(t->tick);
  }
}

void sio__rq_set_deadline(sio__rq_t *r, uint32_t ms) {
  r->deadline = sio__redis_now(r->table->loop) + (ms ? ms : 1);
  tick_start(r->table);
}

void sio__rq_check_deadlines(void *table) {
  sio__rq_table_t *t = table;
  uint64_t now = sio__redis_now(t->loop);
  int again = 1;
  while (again) {
    again = 0;
    for (sio__rq_t *r = t->head; r; r = r->next) {
      if (r->deadline && now >= r->deadline) {
        sio__rq_finish(r, SIO_ETIMEDOUT);
        again = 1; /* callbacks may have changed the list */
        break;
      }
    }
  }
  for (sio__rq_t *r = t->head; r; r = r->next)
    if (r->deadline) return;
  tick_stop(t);
}

void sio__rq_cancel_owner(sio__rq_table_t *t, const void *owner) {
  int again = 1;
  while (again) {
    again = 0;
    for (sio__rq_t *r = t->head; r; r = r->next) {
      if (r->owner == owner) {
        sio__rq_finish(r, SIO_ECANCELED);
        again = 1;
        break;
      }
    }
  }
}

void sio__rq_publish_payload(sio__rq_t *r) {
  sio__rq_table_t *t = r->table;
  t->publish(t->node, r->channel, sio__sb_data(&r->payload), sio__sb_len(&r->payload));
  sio__sb_reset(&r->payload);
}

/* The others are known: publish and wait for their answers, or end now. */
static void await_answers(sio__rq_t *r, size_t others) {
  if (!others) {
    sio__rq_finish(r, 0);
    return;
  }
  sio__rq_publish_payload(r);
  sio__rq_set_deadline(r, r->table->timeout_ms);
}

static void on_numsub(void *arg, int status, long long n) {
  sio__rq_t *r = arg;
  r->in_numsub = 0;
  if (!r->owner) { /* finished meanwhile */
    free_req(r);
    return;
  }
  size_t others = status == 0 && n > 1 ? (size_t)(n - 1) : 0;
  r->numsub_known = 1;
  r->expected = others;
  switch (r->type) {
    case SIO__RQ_COUNT:
      unlink_req(r);
      r->count_cb(status, others + 1, r->count_arg);
      free_req(r);
      return;
    case SIO__RQ_FETCH:
      await_answers(r, others);
      return;
    case SIO__RQ_SS_ACK:
      sio_adapter_ack_expect(r->ack, others);
      sio_adapter_ack_servers_done(r->ack);
      r->servers_done = 1;
      await_answers(r, others);
      return;
    case SIO__RQ_BCAST_ACK:
      if (r->answered >= others) {
        sio_adapter_ack_servers_done(r->ack);
        r->servers_done = 1;
      }
      if (!others) sio__rq_finish(r, 0); /* no reply can come */
      return;
  }
}

/* A failure to even ask completes r as if alone. */
void sio__rq_ask_numsub(sio__rq_t *r) {
  sio__rq_table_t *t = r->table;
  if (!r->deadline) sio__rq_set_deadline(r, t->timeout_ms);
  r->in_numsub = 1;
  if (sio__redis_conn_numsub(*t->conn, r->channel, on_numsub, r)) {
    r->in_numsub = 0;
    on_numsub(r, SIO_ENOTCONN, 1);
  }
}

void sio__rq_start_broadcast(sio__rq_t *r, uint32_t timeout_ms) {
  sio__rq_publish_payload(r);
  sio__rq_set_deadline(r, timeout_ms);
  sio__rq_ask_numsub(r);
}

int sio__rq_server_count(sio__rq_table_t *t, void *owner, const char *channel,
                         void (*cb)(int status, size_t count, void *arg), void *arg) {
  sio__rq_t *r = sio__rq_new(t, owner, channel, SIO__RQ_COUNT);
  if (!r) return SIO_ENOMEM;
  r->count_cb = cb;
  r->count_arg = arg;
  sio__rq_ask_numsub(r);
  return 0;
}

void sio__rq_client_count(sio__rq_t *r, size_t n) {
  sio_adapter_ack_expect(r->ack, n);
  r->answered++;
  if (r->numsub_known && !r->servers_done && r->answered >= r->expected) {
    sio_adapter_ack_servers_done(r->ack);
    r->servers_done = 1;
  }
}

sio__rq_owed_t *sio__rq_owe(sio__rq_owed_t **list, void *owner, const char *rid,
                            const char *requester) {
  sio__rq_owed_t *c = sio__calloc(1, sizeof(*c));
  if (!c) return NULL;
  if (!(c->rid = sio__strdup(rid)) ||
      (requester && !(c->requester = sio__strdup(requester)))) {
    sio__rq_owed_free(c);
    return NULL;
  }
  c->owner = owner;
  c->list = list;
  c->next = *list;
  if (*list) (*list)->prev = c;
  *list = c;
  return c;
}

void sio__rq_owed_free(sio__rq_owed_t *c) {
  if (c->list) {
    if (c->prev)
      c->prev->next = c->next;
    else
      *c->list = c->next;
    if (c->next) c->next->prev = c->prev;
  }
  sio__free(c->rid);
  sio__free(c->requester);
  sio__free(c);
}

void sio__rq_orphan_owed(sio__rq_owed_t **list) {
  for (sio__rq_owed_t *c = *list; c; c = c->next) {
    c->owner = NULL;
    c->list = NULL;
  }
  *list = NULL;
}
