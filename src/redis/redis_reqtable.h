/* Pending requests to the other servers of a cluster, the same for both
 * Redis adapters (redis_requests.c, streams_requests.c): a table per node of
 * fetches, server-side emits with ack, broadcasts with ack and server
 * counts, each waiting for NUMSUB (how many servers listen), then for the
 * others' answers, until its deadline. What a request looks like on the
 * wire stays with each adapter. Everything runs on the loop's thread. */
#ifndef SIO_REDIS_REQTABLE_H
#define SIO_REDIS_REQTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/rbuf.h"
#include "redis/redis_conn.h"
#include "redis/redis_loop.h"
#include "sio/adapter.h"

enum { SIO__RQ_FETCH, SIO__RQ_SS_ACK, SIO__RQ_BCAST_ACK, SIO__RQ_COUNT };

/* The longest request id, with its NUL. */
#define SIO__RQ_ID_MAX 17

typedef struct sio__rq sio__rq_t;
typedef struct sio__rq_table sio__rq_table_t;

/* Publishes len bytes of data on channel for the table's node. */
typedef int (*sio__rq_publish_fn)(void *node, const char *channel, const void *data,
                                  size_t len);

/* One per node, inside it (sio__rq_table_init). */
struct sio__rq_table {
  sio__rq_t *head;
  sio__redis_loop_t *loop;
  sio__redis_conn_t **conn; /* the node's connection (NUMSUB), borrowed */
  sio__rq_publish_fn publish;
  void *node;
  const char *log_name;     /* in log lines: "redis", "redis-streams" */
  size_t id_size;           /* request ids: id_size - 1 characters */
  uint32_t timeout_ms;      /* the wait for answers */
  sio__redis_timer_t *tick; /* deadlines: created with the table as data */
  int tick_running;
};

/* A request, waiting for NUMSUB and for answers. */
struct sio__rq {
  sio__rq_t *next, *prev;
  sio__rq_table_t *table;
  void *owner;         /* the namespace's instance; NULL once finished */
  const char *channel; /* where it goes and whose listeners count; owner's */
  int type;
  char id[SIO__RQ_ID_MAX];
  int in_numsub; /* a NUMSUB callback will still come */
  int numsub_known;
  int servers_done;
  size_t expected; /* other servers that should answer */
  size_t answered;
  uint64_t deadline; /* loop time, ms; 0: none yet */
  sio__sb_t payload; /* published once NUMSUB says others exist */
  sio_adapter_fetch_t *fetch;
  sio_adapter_ack_t *ack;
  void (*count_cb)(int status, size_t count, void *arg);
  void *count_arg;
};

/* Sets t up for node, empty, with its deadline timer on loop (the node
 * closes t->tick with sio__redis_timer_close when it goes; t must stay until
 * the timer is closed). conn points at the node's connection (NUMSUB),
 * read when a request asks. Request ids get id_size - 1 characters (at most
 * SIO__RQ_ID_MAX - 1). 0 or SIO_ENOMEM. */
int sio__rq_table_init(sio__rq_table_t *t, sio__redis_loop_t *loop,
                       sio__redis_conn_t **conn, sio__rq_publish_fn publish, void *node,
                       const char *log_name, size_t id_size, uint32_t timeout_ms);
/* A new request of owner, in t with a fresh id. NULL if out of memory. */
sio__rq_t *sio__rq_new(sio__rq_table_t *t, void *owner, const char *channel, int type);
/* Drops a request that never went out (nothing is completed). */
void sio__rq_discard(sio__rq_t *r);
/* owner's request with id (len bytes; NULL: none), or NULL. */
sio__rq_t *sio__rq_find(sio__rq_table_t *t, const void *owner, const char *id,
                        size_t len);
/* Completes r: its fetch (status), ack or count; r is gone afterwards. */
void sio__rq_finish(sio__rq_t *r, int status);
/* Completes r with 0 once every server it waits for answered. */
void sio__rq_answered(sio__rq_t *r);
/* Publishes r's payload on its channel now, and empties it. */
void sio__rq_publish_payload(sio__rq_t *r);
/* r ends at ms from now (0: at once) at the latest. */
void sio__rq_set_deadline(sio__rq_t *r, uint32_t ms);
/* Asks Redis how many servers listen on r's channel, then goes on: a
 * count completes, a fetch or a server-side emit publishes its payload, a
 * broadcast (already published) learns how many answers to wait for. */
void sio__rq_ask_numsub(sio__rq_t *r);
/* A broadcast with ack whose payload is ready: publishes it at once, then
 * waits timeout_ms at most for the answers (NUMSUB says how many). */
void sio__rq_start_broadcast(sio__rq_t *r, uint32_t timeout_ms);
/* Counts the servers listening on owner's channel: cb(status, count, arg)
 * once (count 1, this server, when Redis cannot say). 0 or SIO_ENOMEM. */
int sio__rq_server_count(sio__rq_table_t *t, void *owner, const char *channel,
                         void (*cb)(int status, size_t count, void *arg), void *arg);
/* A broadcast-with-ack answer of clientCount n from one more server. */
void sio__rq_client_count(sio__rq_t *r, size_t n);
/* Cancels owner's requests (its namespace is gone). */
void sio__rq_cancel_owner(sio__rq_table_t *t, const void *owner);
/* The tick: ends the requests past their deadline. */
void sio__rq_check_deadlines(void *table);

/* A server-side ack this server owes another. Its handler may answer after
 * the namespace is gone, so the namespace's list can orphan it. */
typedef struct sio__rq_owed sio__rq_owed_t;
struct sio__rq_owed {
  sio__rq_owed_t *next, *prev;
  sio__rq_owed_t **list; /* the namespace's; NULL once orphaned */
  void *owner;           /* the namespace's instance; NULL once it is gone */
  char *rid;
  char *requester; /* NULL when none was given */
};

/* A new owed ack on *list, with copies of rid and requester (NULL: none).
 * NULL if out of memory. */
sio__rq_owed_t *sio__rq_owe(sio__rq_owed_t **list, void *owner, const char *rid,
                            const char *requester);
/* Takes c off its list, if still on one, and frees it. */
void sio__rq_owed_free(sio__rq_owed_t *c);
/* The namespace is gone: its owed acks stay for their handlers, ownerless. */
void sio__rq_orphan_owed(sio__rq_owed_t **list);

#endif
