/* libsio: the adapter interface behind rooms and broadcasting.
 *
 * The model is the reference's: the in-memory adapter (rooms, local
 * delivery) is built in and always present; a cluster adapter (the Redis
 * adapter, in its own library) "extends" it. When a server has a cluster
 * adapter, every operation below is handed to it INSTEAD of being run
 * locally, and the adapter runs the local part itself through the
 * sio_adapter_local_*() functions (the "super" calls), whenever its protocol
 * says so: at once for a broadcast (then it publishes), or when its own
 * request comes back from the bus (Redis's remote join/leave/disconnect). A
 * packet or request that arrives from another server is applied with the
 * same local functions.
 *
 * Without a cluster adapter libsio runs the local functions directly: that
 * is the in-memory adapter, the default.
 *
 * Threads: everything runs on the server's loop thread, adapter callbacks
 * included. A cluster adapter that runs I/O elsewhere must come back to the
 * loop (sio_server_post) before calling anything here.
 *
 * Workers (sio_server_opts_set_workers): the process is one node of the
 * cluster. Install the adapter on the server sio_server_new returned
 * (worker 0), before sio_server_listen (later: SIO_EINVAL). Its instances
 * exist for worker 0's namespaces only, and everything here runs on worker
 * 0's loop thread. The operations of the other workers' sockets come to it
 * posted, through worker 0's namespace of the same name (a dynamic child
 * made on another worker is made on worker 0 too). The local functions
 * below reach the sockets of every worker, except where a function says
 * otherwise; the replies and sockets of other workers come back later, so
 * for answering another server use the _async forms. persist_session and
 * restore_session serve the sessions of every worker (a client may come
 * back on any of them); an emit to one socket of any worker reaches the
 * adapter as a broadcast to the room of its id, as without workers.
 *
 * Lifetimes: every pointer handed to an adapter operation is borrowed for
 * the call only; copy what you keep. Request objects (sio_adapter_ack_t,
 * sio_adapter_fetch_t) stay valid until the adapter completes them, which it
 * must do exactly once (a timeout is the adapter's business: every request
 * to other servers needs one). At server close, ops->destroy runs for every
 * namespace instance after every local socket is gone; the adapter must have
 * completed its pending requests (with SIO_ECANCELED) by the time it
 * returns.
 */
#ifndef SIO_ADAPTER_H
#define SIO_ADAPTER_H

#include "sio/server.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Flags of a selection (sio_adapter_opts_t.flags). */
#define SIO_ADAPTER_F_VOLATILE 1u    /* skip recipients that are not writable */
#define SIO_ADAPTER_F_LOCAL 2u       /* this server only: never publish */
#define SIO_ADAPTER_F_NO_COMPRESS 4u /* never permessage-deflate compressed */

/* A selection of sockets, as Node's BroadcastOptions: sockets in any of
 * rooms (every socket when nrooms is 0) minus those in any of except (a
 * socket id is a room). timeout_ms is set for broadcasts with acks. */
typedef struct {
  const char *const *rooms;
  size_t nrooms;
  const char *const *except;
  size_t nexcept;
  unsigned flags;
  uint32_t timeout_ms;
} sio_adapter_opts_t;

/* An event to broadcast: the name (UTF-8, NUL-terminated), the arguments as
 * compact JSON text, comma-separated, without brackets, where each binary
 * value is a placeholder {"_placeholder":true,"num":N} standing for
 * attachments[N]. args is the builder the packet came from when it was
 * built on this server (NULL for a packet from the wire); pass the packet
 * unchanged to a local function to keep its zero-copy path. */
typedef struct {
  const char *event;
  const char *json;
  size_t json_len;
  const sio_buf_t *attachments;
  size_t nattachments;
  const sio_args_t *args;
} sio_adapter_packet_t;

/* A socket's state kept for connection state recovery: its id (sid), its
 * private session id (pid, never shown to other clients), the rooms it was
 * in (its own id among them), and its shared data (Node's socket.data, as
 * JSON text; NULL when unset). Borrowed for the call it is given to. */
typedef struct {
  const char *sid;
  const char *pid;
  const char *const *rooms;
  size_t nrooms;
  const char *data_json;
} sio_adapter_session_t;

/* A recovery in progress (see ops.restore_session). */
typedef struct sio_adapter_restore sio_adapter_restore_t;

/* A broadcast with acks in progress (see ops.broadcast_with_ack). */
typedef struct sio_adapter_ack sio_adapter_ack_t;
/* A fetch in progress (see ops.fetch_sockets). */
typedef struct sio_adapter_fetch sio_adapter_fetch_t;

typedef struct {
  /* sizeof(sio_adapter_ops_t) as the adapter was compiled: set it to
   * SIO_ADAPTER_OPS_SIZE. Operations are only ever appended, so an adapter
   * built against an older libsio keeps working (the operations it does not
   * know of count as NULL); one built against a newer libsio than the
   * running one is refused by sio_server_set_adapter. */
  size_t size;
  /* Makes the adapter instance of a namespace (each namespace has its own,
   * as in Node), or NULL on failure (the namespace then stays local). arg is
   * the one given to sio_server_set_adapter. */
  void *(*create)(sio_namespace_t *nsp, void *arg);
  /* Ends an instance: at server close, and when an empty dynamic child
   * namespace is freed (sio_server_opts_set_cleanup_empty_children), which
   * happens while the server runs, on a turn of the loop of its own (never
   * inside a call of the adapter's): unsubscribe what create subscribed. */
  void (*destroy)(void *self);

  /* Broadcast: deliver locally (sio_adapter_local_broadcast) and publish,
   * unless opts->flags has SIO_ADAPTER_F_LOCAL. Returns the number of local
   * recipients or an error. */
  int (*broadcast)(void *self, const sio_adapter_packet_t *pkt,
                   const sio_adapter_opts_t *opts);
  /* Broadcast with acks: deliver locally with sio_adapter_local_broadcast_with_ack
   * (which counts the local recipients into ack), publish, then for each
   * other server add its client count (sio_adapter_ack_expect) and each of
   * its clients' replies (sio_adapter_ack_reply); finally (every server
   * counted, or given up) call sio_adapter_ack_servers_done. The overall
   * timeout (opts->timeout_ms) is run by libsio. */
  int (*broadcast_with_ack)(void *self, const sio_adapter_packet_t *pkt,
                            const sio_adapter_opts_t *opts, sio_adapter_ack_t *ack);
  /* Selected sockets join/leave rooms, or are disconnected (close: also
   * their Engine.IO sessions), wherever they live. Return the number of
   * local sockets affected so far, or an error. */
  int (*sockets_join)(void *self, const sio_adapter_opts_t *opts,
                      const char *const *rooms, size_t nrooms);
  int (*sockets_leave)(void *self, const sio_adapter_opts_t *opts,
                       const char *const *rooms, size_t nrooms);
  int (*disconnect_sockets)(void *self, const sio_adapter_opts_t *opts, int close);
  /* Fetch: add the local sockets (sio_adapter_local_fetch), ask the other
   * servers, add theirs (sio_adapter_fetch_add), then complete the request
   * (sio_adapter_fetch_done) exactly once. */
  int (*fetch_sockets)(void *self, const sio_adapter_opts_t *opts,
                       sio_adapter_fetch_t *req);
  /* Sends an event to the other servers' server-side handlers (never to
   * this server's, as in Node). */
  int (*server_side_emit)(void *self, const sio_adapter_packet_t *pkt);
  /* Room life, for adapters that subscribe per room (Redis sharded mode):
   * a local room got its first member / lost its last. Optional (NULL). */
  void (*room_created)(void *self, const char *room);
  void (*room_deleted)(void *self, const char *room);
  /* The same, asking each other server for an answer: add the number of
   * other servers (sio_adapter_ack_expect), each answer as it comes
   * (sio_adapter_ack_reply, one argument), then sio_adapter_ack_servers_done
   * and sio_adapter_ack_release, as for broadcast_with_ack. The timeout is
   * run by libsio. Optional (NULL: SIO_EINVAL to the caller). */
  int (*server_side_emit_with_ack)(void *self, const sio_adapter_packet_t *pkt,
                                   sio_adapter_ack_t *ack);
  /* The number of servers of the cluster (this one included): cb runs
   * exactly once, later, with status 0 and the count or an error. Optional
   * (NULL: 1). */
  int (*server_count)(void *self, void (*cb)(int status, size_t count, void *cb_arg),
                      void *cb_arg);

  /* ---- connection state recovery (sio_server_opts_set_recovery) ----
   * Optional, both NULL or both set. NULL: libsio keeps sessions and
   * packets in memory on this server (enough for a client that comes back
   * to the same server: the classic Redis adapter). Set: the adapter keeps
   * them where every server can read them (Redis Streams), and then:
   *  - its broadcast op gives each recoverable packet (a broadcast without
   *    ack whose opts->flags lacks SIO_ADAPTER_F_VOLATILE, while
   *    sio_server_recovery_enabled) an offset of its own choosing (a string,
   *    e.g. the stream entry id) and delivers it locally with
   *    sio_adapter_local_broadcast_offset, here and on the other servers;
   *  - an emit to a single socket reaches the adapter as a broadcast to the
   *    room of its id, so it gets an offset too. */
  /* A socket went away for a recoverable reason: keep session (copy what
   * you keep) for the maximum disconnection duration. 0 or an error (the
   * session is then simply not recoverable). */
  int (*persist_session)(void *self, const sio_adapter_session_t *session);
  /* A client asks to recover session pid, having received every packet up
   * to offset (both NUL-terminated, borrowed for the call). Later or now,
   * the adapter adds each missed packet in order (sio_adapter_restore_add),
   * keeping only those whose rooms/except select the session's rooms as
   * Node's adapter does, then calls sio_adapter_restore_done exactly once:
   * with the session, or with NULL when the pid is unknown or expired or the
   * offset no longer kept (the client then gets a new session). A session is
   * restored at most once: forget it here. Returns 0, or an error (then
   * req is not used and the client gets a new session). */
  int (*restore_session)(void *self, const char *pid, const char *offset,
                         sio_adapter_restore_t *req);
} sio_adapter_ops_t;

#define SIO_ADAPTER_OPS_SIZE sizeof(sio_adapter_ops_t)

/* Installs a cluster adapter for every namespace of the server, existing and
 * future: ops is copied (only its first ops->size bytes are read). Call
 * before clients connect. 0, SIO_EINVAL (no create operation, an adapter
 * already installed, or ops->size smaller than the first version of this
 * struct or larger than this libsio knows; with workers: s is not worker 0's
 * server, or the workers already started), SIO_ENOMEM (create failed for
 * an existing namespace). */
SIO_EXTERN int sio_server_set_adapter(sio_server_t *s, const sio_adapter_ops_t *ops,
                                      void *arg);
/* The adapter instance of a namespace, or NULL (in-memory only). */
SIO_EXTERN void *sio_namespace_adapter(const sio_namespace_t *nsp);

/* ---- the local ("super") operations, for adapters ---- */

/* Delivers to the local sockets matching opts: encodes once, queues on each.
 * Returns the recipient count or an error. */
SIO_EXTERN int sio_adapter_local_broadcast(sio_namespace_t *nsp,
                                           const sio_adapter_packet_t *pkt,
                                           const sio_adapter_opts_t *opts);
/* The same with an ack id; each local reply is added to ack (ack NULL: the
 * replies go to reply_cb instead, for a request from another server: it
 * runs exactly once per recipient counted in the return value, with the
 * reply, or with NULL when the recipient went away without answering; the
 * last call is the moment to free arg). Returns the local recipient count
 * (already added to ack's expected count) or an error. With workers, ack
 * gathers every worker's recipients; reply_cb hears of this worker's only
 * (use the _async form below). */
typedef void (*sio_adapter_reply_cb)(const sio_argv_t *reply, void *arg);
SIO_EXTERN int sio_adapter_local_broadcast_with_ack(
    sio_namespace_t *nsp, const sio_adapter_packet_t *pkt, const sio_adapter_opts_t *opts,
    sio_adapter_ack_t *ack, sio_adapter_reply_cb reply_cb, void *arg);
/* The same for another server's request, on a server of any number of
 * workers: reply_cb as above, once per recipient of every worker (possibly
 * before count_cb); count_cb runs exactly once, with the recipients of
 * every worker, once they are all counted (possibly before the return).
 * arg is free to go when count_cb has run and reply_cb has run count times.
 * 0, or an error (then neither callback runs). */
typedef void (*sio_adapter_count_cb)(size_t count, void *arg);
SIO_EXTERN int sio_adapter_local_broadcast_with_ack_async(
    sio_namespace_t *nsp, const sio_adapter_packet_t *pkt, const sio_adapter_opts_t *opts,
    sio_adapter_reply_cb reply_cb, sio_adapter_count_cb count_cb, void *arg);
/* Local room membership changes / disconnects for a selection; return the
 * number of local sockets affected. */
SIO_EXTERN int sio_adapter_local_sockets_join(sio_namespace_t *nsp,
                                              const sio_adapter_opts_t *opts,
                                              const char *const *rooms, size_t nrooms);
SIO_EXTERN int sio_adapter_local_sockets_leave(sio_namespace_t *nsp,
                                               const sio_adapter_opts_t *opts,
                                               const char *const *rooms, size_t nrooms);
SIO_EXTERN int sio_adapter_local_disconnect_sockets(sio_namespace_t *nsp,
                                                    const sio_adapter_opts_t *opts,
                                                    int close);
/* Adds the matching local sockets to req (req NULL: to cb instead, called
 * once per socket with borrowed values, for answering another server).
 * With workers, req also gets the other workers' sockets, later:
 * sio_adapter_fetch_done then completes it once they are in; cb sees this
 * worker's sockets only (use sio_adapter_local_fetch_async). */
typedef void (*sio_adapter_socket_cb)(sio_socket_t *sock, void *arg);
SIO_EXTERN int sio_adapter_local_fetch(sio_namespace_t *nsp,
                                       const sio_adapter_opts_t *opts,
                                       sio_adapter_fetch_t *req, sio_adapter_socket_cb cb,
                                       void *arg);
/* The matching sockets of every worker, for answering another server: cb
 * runs exactly once (possibly before the return) with status 0 and the
 * list, borrowed for the call (this worker's sockets have
 * sio_remote_socket_local set; the other workers' have their handshake and
 * data as JSON). 0, or an error (then cb does not run). */
SIO_EXTERN int sio_adapter_local_fetch_async(sio_namespace_t *nsp,
                                             const sio_adapter_opts_t *opts,
                                             sio_fetch_cb cb, void *arg);
/* Runs the namespace's server-side handlers with an event that came from
 * another server. */
SIO_EXTERN void sio_adapter_local_server_side_emit(sio_namespace_t *nsp,
                                                   const sio_adapter_packet_t *pkt);
/* The same for an event whose sender wants an answer: cb runs exactly once,
 * with the arguments of the first handler's sio_ack_send (borrowed for the
 * call), or with NULL when no handler answered (possibly later, when a
 * handler that held the ack releases it). */
typedef void (*sio_adapter_ss_reply_cb)(const sio_args_t *reply, void *arg);
SIO_EXTERN void
sio_adapter_local_server_side_emit_with_ack(sio_namespace_t *nsp,
                                            const sio_adapter_packet_t *pkt,
                                            sio_adapter_ss_reply_cb cb, void *arg);
/* For answering another server's fetch: the socket's handshake as the JSON
 * object Node sends ({headers,time,address,xdomain,secure,issued,url,query,
 * auth}); NULL if out of memory. Free with sio_free. */
SIO_EXTERN char *sio_socket_handshake_json(const sio_socket_t *sock);
/* Calls cb for each local room of the namespace (socket id rooms included)
 * with its member count; the room name is borrowed for the call, and cb must
 * not change rooms. Returns the number of rooms. */
typedef void (*sio_room_cb)(const char *room, size_t members, void *arg);
SIO_EXTERN int sio_namespace_foreach_room(const sio_namespace_t *nsp, sio_room_cb cb,
                                          void *arg);
/* 1 if the namespace has a local room of that name (Redis's receive-side
 * room filter). With workers, always 1 (another worker may have it). */
SIO_EXTERN int sio_namespace_has_room(const sio_namespace_t *nsp, const char *room);

/* Connection state recovery: 1 when the server keeps sessions, with its
 * maximum disconnection duration in *max_ms (may be NULL), else 0. */
SIO_EXTERN int sio_server_recovery_enabled(const sio_server_t *s, uint32_t *max_ms);
/* The same as sio_adapter_local_broadcast for a recoverable packet whose
 * offset the adapter chose (NUL-terminated, at most SIO_OFFSET_MAX bytes):
 * offset is added as the packet's last argument, the packet is encoded once
 * and nothing is kept in memory. Without recovery, offset is ignored. */
#define SIO_OFFSET_MAX 64
SIO_EXTERN int sio_adapter_local_broadcast_offset(sio_namespace_t *nsp,
                                                  const sio_adapter_packet_t *pkt,
                                                  const sio_adapter_opts_t *opts,
                                                  const char *offset);

/* ---- completing requests ---- */

/* Another server will deliver to n clients (its clientCount). */
SIO_EXTERN void sio_adapter_ack_expect(sio_adapter_ack_t *ack, size_t n);
/* One client's reply (its ack arguments), from another server. */
SIO_EXTERN void sio_adapter_ack_reply(sio_adapter_ack_t *ack,
                                      const sio_adapter_packet_t *reply);
/* Every server has reported its client count (or the adapter gave up
 * counting): the request completes once all expected replies are in, or at
 * the timeout. Replies may still be added after this call. */
SIO_EXTERN void sio_adapter_ack_servers_done(sio_adapter_ack_t *ack);
/* The adapter is done with ack (it holds one reference from
 * ops.broadcast_with_ack until this call; replies after the completion are
 * ignored). Call servers_done first. */
SIO_EXTERN void sio_adapter_ack_release(sio_adapter_ack_t *ack);

/* A socket of another server: id, rooms, and its handshake and data as JSON
 * texts (may be NULL); everything copied. 0 or SIO_ENOMEM. */
SIO_EXTERN int sio_adapter_fetch_add(sio_adapter_fetch_t *req, const char *id,
                                     const char *const *rooms, size_t nrooms,
                                     const char *handshake_json, const char *data_json);
/* Completes the fetch (status 0 or SIO_ETIMEDOUT with what was added):
 * the user's callback runs now. The adapter must not touch req afterwards. */
SIO_EXTERN void sio_adapter_fetch_done(sio_adapter_fetch_t *req, int status);

/* A missed packet of a recovery, in order: its arguments' JSON end with
 * its offset, as it was first delivered. Copied. 0, SIO_EINVAL (a reserved
 * or missing event name) or SIO_ENOMEM (the recovery then fails: the client
 * gets a new session). */
SIO_EXTERN int sio_adapter_restore_add(sio_adapter_restore_t *req,
                                       const sio_adapter_packet_t *pkt);
/* Completes the recovery: session (borrowed for the call) is what
 * persist_session was given, or NULL for a new session. The adapter must not
 * touch req afterwards. */
SIO_EXTERN void sio_adapter_restore_done(sio_adapter_restore_t *req,
                                         const sio_adapter_session_t *session);

#ifdef __cplusplus
}
#endif
#endif
