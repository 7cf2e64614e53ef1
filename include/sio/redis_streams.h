/* libsio-redis: the Redis Streams adapter, wire-compatible with Node's
 * @socket.io/redis-streams-adapter 0.3 (docs/REDIS-WIRE.md, "Redis Streams
 * adapter"), so C and Node servers using that adapter share one cluster.
 *
 * Which adapter to choose (docs/SCALING.md says more):
 * - sio/redis.h (sio_redis_adapter_attach): pub/sub, the format of Node's
 *   @socket.io/redis-adapter 8.x and of @socket.io/redis-emitter. Nothing is
 *   stored: a server that loses Redis for a moment misses what was
 *   published meanwhile.
 * - this header (sio_redis_streams_attach): broadcasts and room changes go
 *   through one Redis stream that every server reads with XREAD. A server
 *   that loses Redis, or a Redis that restarts with its data, resumes
 *   reading after the last entry it saw, so it misses nothing the stream
 *   still holds (MAXLEN trimming decides how much that is). Requests that
 *   wait for answers (fetch, acks, server-side emit) use pub/sub as Node's
 *   does. Speaks with Node servers using the streams adapter only; it does
 *   not understand the classic adapter's channels nor the emitter.
 *
 * Connection state recovery (sio_server_opts_set_recovery): sessions are kept in Redis as
 * Node's adapter keeps them, so a client that drops from one server is recovered by any
 * other (C or Node). A recoverable broadcast (no ack, not volatile, not local) is
 * delivered on this server once Redis has stored it (its entry id is the offset), so the
 * broadcast call reports 0 local recipients; while Redis is away such broadcasts wait in
 * the queue below, or are delivered without an offset when they do not fit.
 *
 * Connections: the adapter opens two hiredis connection pairs on the
 * server's loop: one for commands and subscriptions, one whose command
 * connection is given to the blocking XREAD (its subscriber stays idle).
 *
 * Threads, memory: as sio/redis.h.
 */
#ifndef SIO_REDIS_STREAMS_H
#define SIO_REDIS_STREAMS_H

#include "sio/redis.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sio_redis_streams_opts sio_redis_streams_opts_t;

/* Defaults, Node's: stream "socket.io", MAXLEN ~ 10000, XREAD COUNT 100 and
 * BLOCK 5000 ms, session keys "sio:session:<pid>"; and ours: at most
 * SIO_REDIS_STREAMS_QUEUE_DEFAULT bytes of stream entries waiting while
 * Redis is away. NULL if out of memory. */
#define SIO_REDIS_STREAMS_QUEUE_DEFAULT (1u << 20)
SIO_EXTERN sio_redis_streams_opts_t *sio_redis_streams_opts_new(void);
SIO_EXTERN void sio_redis_streams_opts_free(sio_redis_streams_opts_t *o);
/* The stream's key (copied; non-empty). 0, SIO_EINVAL or SIO_ENOMEM. */
SIO_EXTERN int sio_redis_streams_opts_set_stream(sio_redis_streams_opts_t *o,
                                                 const char *name);
/* The approximate length Redis trims the stream to at each XADD (Node's
 * maxLen; at least 1): a server away longer than it takes to write that
 * many entries loses the oldest of what it missed. */
SIO_EXTERN void sio_redis_streams_opts_set_max_len(sio_redis_streams_opts_t *o,
                                                   uint32_t entries);
/* Entries asked per XREAD (Node's readCount; at least 1) and how long one
 * XREAD blocks (Node's blockTimeInMs; at least 1). */
SIO_EXTERN void sio_redis_streams_opts_set_read_count(sio_redis_streams_opts_t *o,
                                                      uint32_t count);
SIO_EXTERN void sio_redis_streams_opts_set_block_ms(sio_redis_streams_opts_t *o,
                                                    uint32_t ms);
/* Stream entries this server writes while Redis is away wait in a queue of
 * at most this many bytes and go out in order when it is back; past the
 * bound they are dropped (counted, logged once per outage). 0 drops every
 * entry written while away. */
SIO_EXTERN void sio_redis_streams_opts_set_max_queued(sio_redis_streams_opts_t *o,
                                                      size_t bytes);
/* The prefix of session keys (Node's sessionKeyPrefix; copied). */
SIO_EXTERN int sio_redis_streams_opts_set_session_prefix(sio_redis_streams_opts_t *o,
                                                         const char *prefix);

/* Makes every namespace of s (existing and future) part of the cluster, as
 * sio_redis_adapter_attach does, with the Redis options r (URL, channel
 * prefix = Node's channelPrefix, request timeout, received message bound;
 * NULL: defaults) and o (NULL: defaults); both copied. The adapter lives
 * until the server closes. 0, SIO_EINVAL (bad options, or an adapter is
 * already set), SIO_ENOMEM. A Redis not reachable yet is not an error. */
SIO_EXTERN int sio_redis_streams_attach(sio_server_t *s, const sio_redis_opts_t *r,
                                        const sio_redis_streams_opts_t *o);

#ifdef __cplusplus
}
#endif
#endif
