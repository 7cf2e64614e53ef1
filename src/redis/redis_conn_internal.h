/* libsio-redis: internals of redis_conn (shared by redis_conn*.c only).
 *
 * Lifetimes, the part that needs care:
 * - hiredis frees a context by itself after its disconnect callback (or right
 *   after a failed connect callback), and calls every pending reply callback
 *   (NULL reply) before that. link->ac is set to NULL at those points and
 *   the context is never touched again.
 * - Freeing a context from inside its connect callback is a use-after-free
 *   in hiredis 0.14, so errors found in hiredis callbacks go through
 *   link_fail (a 0 ms timer) instead of freeing in place.
 * - The conn is freed once it is closing, both contexts are gone, its uv
 *   handles (three timers, the poll handle of each context) are closed, and
 *   no call of ours is on the stack (refs).
 */
#ifndef SIO_REDIS_CONN_INTERNAL_H
#define SIO_REDIS_CONN_INTERNAL_H

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "redis/redis_conn.h"

#define SIO__REDIS_QUEUE_DEFAULT ((size_t)1 << 20)
#define SIO__REDIS_INFLIGHT_MAX ((size_t)64 << 20)
/* A connect + AUTH/SELECT + resubscribe that takes longer is retried. */
#define SIO__REDIS_CONNECT_TIMEOUT_MS 10000
/* While Redis stays unreachable, one reminder line per this period. */
#define SIO__REDIS_LOG_PERIOD_MS 30000

enum {
  SIO__LINK_IDLE,       /* no context, no timer (closing) */
  SIO__LINK_WAIT,       /* backoff timer running */
  SIO__LINK_CONNECTING, /* context, TCP/unix connect in progress */
  SIO__LINK_HANDSHAKE,  /* AUTH / SELECT / PING under way */
  SIO__LINK_RENEW,      /* subscriber: waiting for subscribe confirmations */
  SIO__LINK_READY,
  SIO__LINK_FAILING /* giving up this context (0 ms timer), then WAIT */
};

typedef struct sio__redis_link {
  sio__redis_conn_t *conn;
  const char *role; /* "subscriber" / "publisher", for logs */
  int is_sub;
  redisAsyncContext *ac; /* NULL when hiredis no longer has one for us */
  int phase;
  int freeing;               /* redisAsyncFree called, disconnect callback to come */
  int hs_step;               /* handshake command whose reply is awaited */
  sio__redis_timer_t *timer; /* backoff, connect timeout, deferred failure */
  unsigned attempt;          /* consecutive failures, for the backoff */
  uint64_t ready_at;
  long confirms;  /* subscribe confirmations still awaited */
  int bad_logged; /* an unexpected reply was logged on this context */
  char reason[160];
} sio__redis_link_t;

typedef struct sio__redis_sub {
  struct sio__redis_sub *next;
  int pattern;
  unsigned refs;
  size_t len;
  char name[]; /* NUL-terminated */
} sio__redis_sub_t;

typedef struct sio__redis_pub {
  struct sio__redis_pub *next;
  size_t chlen, len;
  char buf[]; /* channel then data */
} sio__redis_pub_t;

/* A numsub request or a flush waiter. */
typedef struct sio__redis_op {
  struct sio__redis_op *next, *prev; /* in conn->ops while undelivered */
  sio__redis_conn_t *conn;
  int is_flush;
  sio__redis_int_cb icb;
  sio__redis_reply_cb rcb; /* a generic command (sio__redis_conn_command) */
  void (*fcb)(void *arg, int status);
  void *arg;
  uint64_t seq; /* flush: publishes up to this one must be answered */
  int status;
  long long value;
  int ready;      /* result known, delivery on the defer timer */
  int in_hiredis; /* hiredis holds it as privdata */
  int delivered;
} sio__redis_op_t;

struct sio__redis_conn {
  sio__redis_loop_t *loop;
  sio__redis_url_t url;
  char *name;
  char addr[192];
  sio__redis_msg_cb on_msg;
  sio__redis_state_cb on_state;
  void *arg;
  sio__redis_link_t sub, cmd;
  int up;
  int closing;
  int refs;    /* our frames on the stack that use the conn */
  int handles; /* timers and polls not yet closed */
  sio__redis_timer_t *defer;
  uint32_t backoff_min_ms, backoff_max_ms;
  uint64_t rng;
  /* logging while down */
  int fail_logged;
  uint64_t fail_log_ms;
  unsigned fails;
  int ever_up;
  /* subscriptions */
  sio__redis_sub_t *subs;
  /* publishes */
  sio__redis_pub_t *qhead, *qtail;
  size_t qbytes, qlimit, inflight_bytes;
  uint64_t pub_seq, pub_done; /* accepted while up or queued / answered */
  uint64_t dropped, dropped_outage;
  int drop_logged, pub_err_logged;
  /* undelivered numsub / flush */
  sio__redis_op_t *ops_head, *ops_tail;
};

/* redis_conn.c */
void sio__redis_conn_ref(sio__redis_conn_t *c);
void sio__redis_conn_unref(sio__redis_conn_t *c); /* may free c */
void sio__redis_conn_link_ready(sio__redis_link_t *l);
void sio__redis_conn_link_down(sio__redis_link_t *l, int was_ready);
void sio__redis_conn_log_failure(sio__redis_link_t *l, const char *what,
                                 const char *reason);
uint32_t sio__redis_conn_backoff(sio__redis_conn_t *c, unsigned attempt);
/* A timer or poll handle of conn (void *: a timer closed callback) is closed. */
void sio__redis_handle_closed(void *conn);

/* redis_conn_link.c */
/* l takes timer (its callbacks get l). */
void sio__redis_link_init(sio__redis_conn_t *c, sio__redis_link_t *l, int is_sub,
                          sio__redis_timer_t *timer);
void sio__redis_link_connect(sio__redis_link_t *l);
/* Closing: frees the context (callbacks with NULL replies may run now or
 * right after the hiredis callback we are in) and closes the timer. */
void sio__redis_link_shutdown(sio__redis_link_t *l);
/* Sends (P)(UN)SUBSCRIBE for one name if the subscriber is past its
 * handshake; otherwise renewal will send it. */
void sio__redis_link_sub_send(sio__redis_link_t *l, const sio__redis_sub_t *s, int on);
/* Gives up on the current context from any context (even inside hiredis). */
void sio__redis_link_fail(sio__redis_link_t *l, const char *reason);

/* redis_conn_uv.c: hooks ac to the loop (a uv_poll_t counted in
 * conn->handles until closed). 0 or -1 (nothing attached). */
int sio__redis_uv_attach(sio__redis_link_t *l, redisAsyncContext *ac);

/* redis_conn_pub.c */
void sio__redis_pub_drain(sio__redis_conn_t *c);
void sio__redis_pub_free_queue(sio__redis_conn_t *c);
void sio__redis_ops_check_flush(sio__redis_conn_t *c);
void sio__redis_ops_fail_flush(sio__redis_conn_t *c, int status);
void sio__redis_ops_cancel_all(sio__redis_conn_t *c);
void sio__redis_defer_cb(void *conn);

#endif
