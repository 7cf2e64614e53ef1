/* libsio-redis: one logical Redis endpoint, kept connected.
 *
 * A conn is two hiredis async connections on a uv loop: the subscriber
 * (SUBSCRIBE/PSUBSCRIBE only; Redis allows nothing else on it) and the
 * publisher (PUBLISH, PUBSUB NUMSUB). Each one connects, AUTHs and SELECTs
 * on its own and reconnects forever with exponential backoff and jitter.
 *
 * Threads: everything on the loop thread. Callbacks: never called inside
 * the call that caused them (except sio__redis_conn_close, see there); it is
 * legal to call any function here, including close, from inside any of them.
 */
#ifndef SIO_REDIS_CONN_H
#define SIO_REDIS_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "redis/redis_loop.h"

#include "redis/redis_url.h"

typedef struct sio__redis_conn sio__redis_conn_t;

/* A message: pattern is NULL for a SUBSCRIBE message (channel-exact), else
 * the pattern that matched (NUL-terminated). channel is also NUL-terminated
 * but may hold NULs: use channel_len. data is binary. Every pointer is
 * borrowed for the call. A message may still arrive for a subscription
 * shortly after it was removed (Redis confirms removals asynchronously). */
typedef void (*sio__redis_msg_cb)(void *arg, const char *pattern, const char *channel,
                                  size_t channel_len, const char *data, size_t len);
/* up=1 each time both connections are ready and every registered
 * subscription has been confirmed by Redis (so a PUBLISH made from then on
 * reaches it); up=0 when either connection is lost. Only transitions. */
typedef void (*sio__redis_state_cb)(void *arg, int up);
/* Result of a request: status 0 and a value, or a negative SIO_E*. */
typedef void (*sio__redis_int_cb)(void *arg, int status, long long value);

/* Creates the conn and starts connecting at once (both connections).
 * url and name (for log lines; NULL means "redis") are copied. on_msg and
 * on_state may be NULL. 0, SIO_EINVAL, SIO_ENOMEM; *out is owned by the
 * caller until sio__redis_conn_close. Side effect: SIGPIPE is set to
 * SIG_IGN if it still has the default action (hiredis 0.14 writes with
 * write(2), and a vanished Redis would otherwise kill the process). A host
 * name is resolved with a blocking getaddrinfo at each connect (hiredis). */
int sio__redis_conn_new(sio__redis_loop_t *loop, const sio__redis_url_t *url,
                        const char *name, sio__redis_msg_cb on_msg,
                        sio__redis_state_cb on_state, void *arg, sio__redis_conn_t **out);

/* Subscriptions are remembered (the strings copied), sent at once when the
 * subscriber is connected, and renewed after every reconnect. They are
 * reference-counted: subscribing twice needs two unsubscribes before Redis
 * is told. Exact channel / glob pattern (passed to Redis unchanged).
 * 0, SIO_EINVAL (NULL or empty), SIO_ENOMEM, SIO_ECLOSED (closing).
 * Unsubscribing something not subscribed is 0 and does nothing. */
int sio__redis_conn_subscribe(sio__redis_conn_t *c, const char *channel);
int sio__redis_conn_psubscribe(sio__redis_conn_t *c, const char *pattern);
int sio__redis_conn_unsubscribe(sio__redis_conn_t *c, const char *channel);
int sio__redis_conn_punsubscribe(sio__redis_conn_t *c, const char *pattern);

/* PUBLISH channel data (binary-safe; both copied). Sent at once while the
 * publisher connection is ready (and nothing is queued). Otherwise queued
 * (in order, up to the queue limit, counted in channel + data bytes;
 * default 1 MiB) and sent when the conn is up again (just before state_cb
 * says up=1); past the limit the publish is dropped and SIO_ELIMIT
 * returned (counted in sio__redis_conn_dropped; logged once per outage).
 * Also SIO_ELIMIT when 64 MiB are already written but not yet answered
 * (a stalled Redis). A publish in flight when the connection breaks is lost.
 * 0, SIO_EINVAL, SIO_ENOMEM, SIO_ECLOSED, SIO_ELIMIT. */
int sio__redis_conn_publish(sio__redis_conn_t *c, const char *channel, const void *data,
                            size_t len);
/* Queue limit in bytes; 0 drops every publish made while down. Publishes
 * already queued stay queued. */
void sio__redis_conn_set_queue_limit(sio__redis_conn_t *c, size_t bytes);

/* PUBSUB NUMSUB channel (copied): cb runs exactly once, always later on the
 * loop (never inside this call): status 0 and the count; SIO_ENOTCONN when
 * the publisher connection is down or lost before the answer; SIO_EPROTO
 * for an error or malformed answer; SIO_ECANCELED if the conn is closed
 * first. Returns 0 (cb will run), or SIO_EINVAL / SIO_ENOMEM / SIO_ECLOSED
 * (cb will not run). */
int sio__redis_conn_numsub(sio__redis_conn_t *c, const char *channel,
                           sio__redis_int_cb cb, void *arg);

/* Any command on the publisher connection (argv/lens copied by hiredis),
 * sent at once. cb runs exactly once, later on the loop: status 0 and the
 * reply; SIO_EPROTO and the reply when Redis answered with an error;
 * SIO_ENOTCONN and NULL when the connection was lost before the answer;
 * SIO_ECANCELED and NULL when the conn is closed first (inside
 * sio__redis_conn_close). The reply is hiredis's, borrowed for the call.
 * Returns 0 (cb will run), or SIO_ENOTCONN (the publisher connection is not
 * ready: nothing is queued), SIO_EINVAL, SIO_ENOMEM, SIO_ECLOSED (cb will
 * not run). Replies come in the order the commands were sent. */
struct redisReply;
typedef void (*sio__redis_reply_cb)(void *arg, int status,
                                    const struct redisReply *reply);
int sio__redis_conn_command(sio__redis_conn_t *c, int argc, const char **argv,
                            const size_t *lens, sio__redis_reply_cb cb, void *arg);

/* 1 when both connections are ready (the last state_cb said up), else 0. */
int sio__redis_conn_is_up(const sio__redis_conn_t *c);

/* cb runs once, always later on the loop, when every publish accepted
 * before this call has been answered by Redis (status 0; also 0 at once if
 * there is nothing to send); SIO_ENOTCONN if the publisher connection is
 * down (now, or lost before then) while some are still queued or in flight;
 * SIO_ECANCELED if the conn is closed first. 0, or SIO_EINVAL / SIO_ENOMEM
 * / SIO_ECLOSED (cb will not run). */
int sio__redis_conn_flush(sio__redis_conn_t *c, void (*cb)(void *arg, int status),
                          void *arg);

/* Closes: flushes nothing (queued publishes are dropped), pending numsub
 * and flush callbacks get SIO_ECANCELED synchronously inside this call, no
 * other callback runs afterwards (on_state is not called). Both connections
 * are closed; the memory is freed once hiredis and libuv are done with
 * their handles, so the loop must keep running; uv_run then ends on its
 * own. Safe inside any callback of this conn; c must not be used after the
 * call (except by callbacks already running). NULL-safe; idempotent. */
void sio__redis_conn_close(sio__redis_conn_t *c);

/* ---- extras (stats, tuning, tests) ---- */

/* Publishes dropped (SIO_ELIMIT) since the conn was created. */
uint64_t sio__redis_conn_dropped(const sio__redis_conn_t *c);
/* Bytes queued while down (channel + data). */
size_t sio__redis_conn_queued_bytes(const sio__redis_conn_t *c);
/* Reconnect backoff: first delay min_ms, doubling up to max_ms, each delay
 * randomised by +-50%. Defaults 100 and 5000. Both at least 1. */
void sio__redis_conn_set_backoff(sio__redis_conn_t *c, uint32_t min_ms, uint32_t max_ms);

#endif
