/* libsio-redis: scale-out through Redis, wire-compatible with Node's
 * @socket.io/redis-adapter 8.x (classic mode) and @socket.io/redis-emitter
 * 5.x, so C servers, Node servers and emitters share one cluster.
 *
 * A separate library (link -lsio-redis, pkg-config libsio-redis) built on
 * hiredis and msgpack-c; it uses only the public libsio API (sio/adapter.h).
 *
 * Threads: like libsio, everything runs on the loop thread of the server
 * (adapter) or of the loop given to the emitter. Redis I/O runs on that loop.
 *
 * Memory: libsio-redis allocates through libsio's allocator hook
 * (sio_replace_allocator in sio/common.h). hiredis (0.14 has no allocator
 * hook) and msgpack-c's decoder allocate with the C library's malloc.
 *
 * Redis down: local delivery goes on; publishes made while the connection is
 * down wait in a bounded queue (1 MiB) and go out, in order, once it is
 * back; past the bound they are dropped (counted and logged once per
 * outage). Requests to other servers complete with what they have; the
 * connection comes back with backoff and every subscription is renewed.
 */
#ifndef SIO_REDIS_H
#define SIO_REDIS_H

#include "sio/adapter.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- options (shared by the adapter and the emitter) ---- */

typedef struct sio_redis_opts sio_redis_opts_t;

/* Defaults: redis://127.0.0.1:6379/0, key "socket.io", request timeout
 * 5000 ms, responses on the common channel. NULL if out of memory. */
SIO_EXTERN sio_redis_opts_t *sio_redis_opts_new(void);
SIO_EXTERN void sio_redis_opts_free(sio_redis_opts_t *o);
/* Where Redis is (copied):
 *   redis://[[user]:password@]host[:port][/db]
 *   unix:///path/to/redis.sock[?db=N&password=P]
 * 0, or SIO_EINVAL for a URL it cannot use (rediss:// too: no TLS yet). */
SIO_EXTERN int sio_redis_opts_set_url(sio_redis_opts_t *o, const char *url);
/* The channel prefix, Node's `key` option (copied; no '#'). 0 or SIO_EINVAL. */
SIO_EXTERN int sio_redis_opts_set_key(sio_redis_opts_t *o, const char *key);
/* How long fetchSockets, serverSideEmit with ack and the server count wait
 * for other servers (Node's requestsTimeout). */
SIO_EXTERN void sio_redis_opts_set_request_timeout(sio_redis_opts_t *o, uint32_t ms);
/* Answer requests on the requester's own response channel (Node's
 * publishOnSpecificResponseChannel; default 0: the common channel). */
SIO_EXTERN void sio_redis_opts_set_specific_response_channel(sio_redis_opts_t *o, int on);
/* What one message received on the adapter's channels may cost: its bytes
 * plus the tree MessagePack unpacks it into (about 24 bytes a value, so a
 * message of small values costs up to ~25 times its size). A costlier one is
 * dropped and logged. Default SIO_REDIS_MAX_MESSAGE_DEFAULT; 0 restores it.
 * Redis itself cuts a subscriber that falls behind by its
 * client-output-buffer-limit for pubsub (32 MB by default). */
#define SIO_REDIS_MAX_MESSAGE_DEFAULT (32u << 20)
SIO_EXTERN void sio_redis_opts_set_max_message_size(sio_redis_opts_t *o, uint32_t bytes);

/* ---- the adapter ---- */

/* Makes every namespace of s (existing and future) part of the cluster:
 * installs the adapter with sio_server_set_adapter and connects to Redis on
 * the server's loop. o is copied. With the server's metrics on (sio/metrics.h)
 * it adds its own: sio_redis_up, sio_redis_published_total,
 * sio_redis_received_total, sio_redis_dropped_total{reason} and
 * sio_redis_queued_bytes. The adapter lives until the server closes
 * (sio_server_close), which also closes its Redis connections. Call before
 * clients connect. 0, SIO_EINVAL (bad options, or an adapter is already set),
 * SIO_ENOMEM. A Redis that is not reachable yet is not an error: the adapter
 * keeps trying, logging. */
SIO_EXTERN int sio_redis_adapter_attach(sio_server_t *s, const sio_redis_opts_t *o);

/* The number of servers of the cluster: sio_namespace_server_count
 * (sio/adapter.h). With this adapter it is Redis's NUMSUB of the namespace's
 * request channel, this server included, or SIO_ENOTCONN and 1 while Redis
 * is down. */

/* ---- the emitter (for processes that are not servers) ---- */

typedef struct sio_redis_emitter sio_redis_emitter_t;

/* A selection, as the emitter's io.of(nsp).to(rooms).except(rooms)
 * .volatile: built by the calls below, read by the emitter functions (which
 * borrow it for the call only), freed by the caller. */
typedef struct sio_redis_target sio_redis_target_t;
/* A selection of every socket of namespace nsp (NULL means "/"; a missing
 * leading slash is added; copied). NULL if out of memory. */
SIO_EXTERN sio_redis_target_t *sio_redis_target_new(const char *nsp);
/* Narrows to the sockets in room (a union over several calls) / leaves out
 * those in room. The name is copied. 0, SIO_EINVAL, SIO_ENOMEM. */
SIO_EXTERN int sio_redis_target_to(sio_redis_target_t *t, const char *room);
SIO_EXTERN int sio_redis_target_except(sio_redis_target_t *t, const char *room);
/* Node's .volatile: recipients that are not ready to write skip the event. */
SIO_EXTERN void sio_redis_target_set_volatile(sio_redis_target_t *t, int on);
SIO_EXTERN void sio_redis_target_free(sio_redis_target_t *t);

/* Connects on loop (o copied). 0, SIO_EINVAL, SIO_ENOMEM; *out owned by the
 * caller until sio_redis_emitter_close. */
SIO_EXTERN int sio_redis_emitter_new(uv_loop_t *loop, const sio_redis_opts_t *o,
                                     sio_redis_emitter_t **out);
/* Publishes an event to the selected sockets of every server. args may be
 * NULL; binary arguments are carried as binary. Reserved event names
 * (connect, connect_error, disconnect, disconnecting, newListener,
 * removeListener) give SIO_EINVAL. Publishes made before the connection is
 * up wait in a bounded queue (SIO_ELIMIT past it). 0 or an error. */
SIO_EXTERN int sio_redis_emitter_emit(sio_redis_emitter_t *em,
                                      const sio_redis_target_t *t, const char *event,
                                      const sio_args_t *args);
/* The selected sockets join / leave room, or are disconnected (close 1 also
 * closes their Engine.IO sessions), on every server. */
SIO_EXTERN int sio_redis_emitter_sockets_join(sio_redis_emitter_t *em,
                                              const sio_redis_target_t *t,
                                              const char *room);
SIO_EXTERN int sio_redis_emitter_sockets_leave(sio_redis_emitter_t *em,
                                               const sio_redis_target_t *t,
                                               const char *room);
SIO_EXTERN int sio_redis_emitter_disconnect_sockets(sio_redis_emitter_t *em,
                                                    const sio_redis_target_t *t,
                                                    int close);
/* An event for the servers' server-side handlers of namespace nsp (no
 * acks, as Node's emitter). */
SIO_EXTERN int sio_redis_emitter_server_side_emit(sio_redis_emitter_t *em,
                                                  const char *nsp, const char *event,
                                                  const sio_args_t *args);
/* Sends what is queued (waiting at most the request timeout for Redis to be
 * reachable; what cannot be sent is logged), closes the connection, then
 * runs cb (may be NULL) later on the loop; em is freed when cb returns. */
typedef void (*sio_redis_emitter_close_cb)(sio_redis_emitter_t *em, void *arg);
SIO_EXTERN void sio_redis_emitter_close(sio_redis_emitter_t *em,
                                        sio_redis_emitter_close_cb cb, void *arg);

#ifdef __cplusplus
}
#endif
#endif
