/* The Socket.IO server's shared state, split over sio_server.c (server,
 * Engine.IO glue, post, close), sio_session.c (one Engine.IO session: decode,
 * dispatch, connect flow), sio_namespace.c, sio_socket.c (events, emits,
 * acks, disconnect, key-value session), sio_rooms.c (the in-memory room index),
 * sio_broadcast.c and sio_cbvec.c. The message model (arguments, encoded
 * packets) is sio_message.h, shared with the client; packets are encoded
 * and decoded by the server's parser (sio_parser.h). */
#ifndef SIO_SIO_INTERNAL_H
#define SIO_SIO_INTERNAL_H

#include "core/rbuf.h"
#include "eio/eio_msg.h"
#include "io/post.h"
#include "io/timer.h"
#include "sio/adapter.h"
#include "sio/server.h"
#include "sio/sio_map.h"
#include "sio/sio_message.h"
#include "sio/sio_sockidx.h"
#include "sio/sio_stats.h"

/* A growable array of callbacks that its own callbacks may change
 * (sio_cbvec.c). A dispatch runs the entries present when it began:
 *   size_t n = sio__cbvec_begin(cv);
 *   for (size_t i = 0; i < n; i++) if (sio__cbvec_get(cv, i, &cb)) call(cb);
 *   sio__cbvec_end(cv);
 * An entry removed meanwhile is skipped from then on (its event string stays
 * allocated until the last dispatch ends); one added meanwhile waits for the
 * next dispatch. The owner of the list must outlive the dispatch (hold a
 * reference). */
typedef struct {
  char *event; /* NULL for catch-alls and lifecycle callbacks */
  void (*fn)(void);
  void *arg;
  int removed; /* removed during a dispatch: skipped, freed after it */
} sio__cb_t;

typedef struct {
  sio__cb_t *v;
  uint32_t n, cap;
  uint32_t busy;     /* dispatches running over the list */
  uint32_t nremoved; /* entries marked removed, waiting for busy == 0 */
} sio__cbvec_t;

int sio__cbvec_add(sio__cbvec_t *cv, const char *event, void (*fn)(void), void *arg);
/* Removes the entries of event (any when NULL) whose fn and arg match (any
 * when fn is NULL). Returns how many. */
int sio__cbvec_remove(sio__cbvec_t *cv, const char *event, void (*fn)(void), void *arg);
/* Drops the entries marked removed (when no dispatch runs over cv). */
void sio__cbvec_compact(sio__cbvec_t *cv);
/* A dispatch: begin returns how many entries it covers, get reads entry i
 * (1, or 0 when it was removed meanwhile), end closes it. Inline: they run
 * for every packet. */
static inline size_t sio__cbvec_begin(sio__cbvec_t *cv) {
  cv->busy++;
  return cv->n;
}
static inline int sio__cbvec_get(const sio__cbvec_t *cv, size_t i, sio__cb_t *out) {
  if (i >= cv->n || cv->v[i].removed) return 0;
  *out = cv->v[i];
  return 1;
}
static inline void sio__cbvec_end(sio__cbvec_t *cv) {
  if (--cv->busy == 0 && cv->nremoved) sio__cbvec_compact(cv);
}
void sio__cbvec_free(sio__cbvec_t *cv);

/* ---- options ---- */
struct sio_server_opts {
  char *path;
  uint32_t connect_timeout;
  uint32_t max_nsp_name;
  uint32_t max_session_nsps;
  int cleanup_children;
  uint32_t max_attachments;
  uint32_t max_depth;
  const sio_parser_t *parser;
  sio_eio_opts_t *eio;
  sio_http_opts_t *http;
  int metrics, metrics_unserved; /* sio/metrics.h */
  char *metrics_path;
  uint32_t metrics_max_nsps;
  uint32_t recovery_ms; /* 0: recovery off */
  int recovery_skip_mw;
  size_t recovery_max_bytes;
  uint32_t workers; /* 1: one loop (default); 0: one per core */
};

/* ---- rooms (the in-memory adapter) ---- */
typedef struct sio__room {
  const char *name; /* the map's key */
  size_t name_len;
  sio_socket_t **m;
  size_t n, cap;
} sio__room_t;

typedef struct {
  sio__room_t *room;
  size_t idx; /* position in room->m */
} sio__membership_t;

/* A socket's own room (named after its id) has no entry in the room map:
 * the socket's own_room flag says it is in it. These count it in. */
int sio__rooms_join(sio_socket_t *sock, const char *room, size_t len);
int sio__rooms_leave(sio_socket_t *sock, const char *room, size_t len);
void sio__rooms_leave_all(sio_socket_t *sock);
void sio__rooms_free(sio_namespace_t *nsp);
/* The connected socket whose own room is room[0..len), or NULL. */
sio_socket_t *sio__rooms_own(const sio_namespace_t *nsp, const char *room, size_t len);

/* ---- sessions (one per Engine.IO connection: the reference's Client) ---- */

/* An in-process link in place of the Engine.IO session (the test client,
 * sio_test_client.c, include/sio/test_client.h): the one seam between a
 * session and what carries its packets. Everything above it (decoding,
 * namespaces, middlewares, rooms, acks) is the same code. */
typedef struct {
  const char *transport; /* what sio_socket_transport() says (static) */
  /* Delivers one packet, msgs[0..n) (its message, then its attachments),
   * borrowed for the call. 0, SIO_ECLOSED, or SIO_ELIMIT (over the link's
   * bound: the session then closes with "transport error"). */
  int (*send)(void *arg, sio__eio_msg_t *const *msgs, size_t n);
  /* Whether a packet sent now would be taken (volatile packets). */
  int (*writable)(void *arg);
  /* The server ends the connection (reason static): the link forgets the
   * session and sends nothing more. Called once, before the sockets go. */
  void (*closed)(void *arg, const char *reason);
  /* The handshake the link stands for (as eio/eio_handshake.h's). */
  const char *(*header)(void *arg, const char *name, size_t *len);
  int (*header_at)(void *arg, size_t i, sio_buf_t *name, sio_buf_t *value);
  const char *(*query)(void *arg, size_t *len);
  int (*query_get)(void *arg, const char *key, char *out, size_t outlen);
  const char *(*url)(void *arg, size_t *len);
  const char *(*address)(void *arg);
  uint64_t (*issued)(void *arg);
} sio__link_ops_t;

typedef struct sio__session {
  sio_server_t *srv;
  sio_eio_socket_t *eio;       /* NULL once the session is gone, or for a link */
  const sio__link_ops_t *link; /* an in-process link instead (NULL once gone) */
  void *link_arg;
  sio__timer_t *connect_timer;
  /* Connected and connecting sockets: in one while cap <= 1 (most sessions
   * join one namespace: no block of its own), else an array of cap
   * (sio__session_socks). */
  union {
    sio_socket_t *one;
    sio_socket_t **many;
  } socks;
  struct sio__session *prev, *next;
  /* Counts and flags in 32 and 8 bits: an idle session stays 80 bytes. */
  uint32_t nsocks, cap; /* nsocks <= the server's max_session_nsps */
  uint32_t refs;
  uint8_t failed; /* a protocol error closed it: ignore further input */
  uint8_t joined; /* a namespace was joined once: the connect timer is off */
  /* Auto servers: the session's parser (SIO__PARSER_*), decided by its
   * first message (parser_set). */
  uint8_t parser_ix;
  uint8_t parser_set;
} sio__session_t;

/* The session's decoder lives in the same allocation, after it; the
 * server's parser owns its layout (no pointer kept: an idle session is
 * small). */
static inline void *sio__session_dec(sio__session_t *c) {
  return (char *)c + sio__parser_dec_offset(sizeof(*c));
}

/* The bytes of a session with parser p's decoder (its pool's block size). */
static inline size_t sio__session_size(const sio_parser_t *p) {
  return sio__parser_dec_offset(sizeof(sio__session_t)) + p->decoder_size;
}

/* The session's sockets, nsocks of them. */
static inline sio_socket_t **sio__session_socks(sio__session_t *c) {
  return c->cap > 1 ? c->socks.many : &c->socks.one;
}

void sio__session_ref(sio__session_t *c);
void sio__session_unref(sio__session_t *c);
/* A new session of s over eio, or over link (with link_arg) when eio is
 * NULL; in the server's list, holding its own reference (dropped when it
 * closes). Only Engine.IO sessions have the connect timeout. NULL if out of
 * memory. */
sio__session_t *sio__session_new(sio_server_t *s, sio_eio_socket_t *eio,
                                 const sio__link_ops_t *link, void *link_arg);
/* 1 while the connection under the session is open. */
static inline int sio__session_up(const sio__session_t *c) {
  return c->eio || c->link;
}
/* 1 if a packet sent now would go out at once (volatile packets). */
int sio__session_writable(const sio__session_t *c);
/* Sends an encoded packet (in the session's parser). 0 or an error. */
int sio__session_send(sio__session_t *c, const sio__packet_out_t *out);
/* One incoming Engine.IO message (a link feeds its client's packets here). */
void sio__session_feed(sio__session_t *c, int binary, const uint8_t *data, size_t len);
/* The server closes the connection: gracefully (queued packets first), or
 * for a link at once with reason. */
void sio__session_close(sio__session_t *c, const char *reason);
/* The connection under the session is gone: every socket goes with reason,
 * the session leaves the server's list and drops its own reference. */
void sio__session_closed(sio__session_t *c, const char *reason);
/* Closes every link session of s with reason (server shutdown). */
void sio__session_close_links(sio_server_t *s, const char *reason);
/* Protocol error: every socket goes with reason, the session is closed. */
void sio__session_fail(sio__session_t *c, const char *reason);
void sio__session_remove_socket(sio__session_t *c, sio_socket_t *sock);
/* A socket of the session that is not closing yet, or NULL. */
sio_socket_t *sio__session_next_open(sio__session_t *c);
/* ---- Socket.IO v2 clients (sio_v2.c) ---- */
/* 1 if the session's client speaks Socket.IO v2 (an Engine.IO v3 session). */
int sio__session_is_v2(const sio__session_t *c);
/* A v2 CONNECT's namespace nsp[0..len) ("/chat?token=abc"): the name's
 * length (up to '?') in *name_len, and its query as a JSON object of strings
 * (the last of a repeated key wins; a parameter not valid as UTF-8 text is
 * left out) appended to auth, as the reference reads it. 0 or SIO_ENOMEM. */
int sio__v2_connect_target(const char *nsp, size_t len, size_t *name_len,
                           sio__sb_t *auth);
void sio__session_on_connection(sio_eio_socket_t *eio, void *arg);
void sio__session_on_message(sio_eio_socket_t *eio, int binary, const uint8_t *data,
                             size_t len, void *arg);
void sio__session_on_close(sio_eio_socket_t *eio, const char *reason, void *arg);

/* ---- namespaces ---- */
struct sio_namespace {
  sio_server_t *srv;
  uint32_t refs; /* its sockets (alive, any state) and running operations */
  char *name;
  size_t name_len;
  sio_namespace_t *parent; /* dynamic parent of a child */
  size_t child_idx;        /* a child's position in parent->children */
  int is_parent;           /* a dynamic parent (no sockets of its own) */
  sio_namespace_match_cb match;
  void *match_arg;
  char *pattern;
  sio_namespace_t **children;
  size_t nchildren, ccap;
  sio__cbvec_t mw, conn, on, any, disconnecting, disconnect;
  sio_socket_t **socks; /* connected sockets */
  size_t nsocks, scap;
  sio__sockidx_t ids; /* the connected sockets by id */
  /* name -> sio__room_t, every room but a socket's own: that one is the
   * socket's own_room flag, found through ids (sio_rooms.c). */
  sio__map_t rooms;
  uint64_t next_ack_id;
  void *adapter; /* the cluster adapter's instance, or NULL */
  sio__cbvec_t server_side;
  void *data;
  struct sio__store *store; /* kept packets and sessions (recovery), or NULL */
  sio_namespace_t *next_all, *prev_all; /* the server's list of every namespace */
  sio_namespace_t *next_drop;           /* the server's list of children to free */
  int drop_pending;                     /* in that list */
};

/* 1 if name[0..len) matches pattern pat ('*': any run of characters but
 * '/'), else 0; at most (len + 1) x (strlen(pat) + 1) character comparisons
 * (sio_glob.c), counted into *steps (may be NULL). */
int sio__glob(const char *pat, const char *name, size_t len, uint64_t *steps);

sio_namespace_t *sio__namespace_new(sio_server_t *s, const char *name, size_t len);
void sio__namespace_free(sio_namespace_t *nsp);
/* Holding a namespace: a dynamic child is freed (with its cluster adapter
 * instance) once the last holder lets it go, if the server cleans up empty
 * children. Every socket holds its namespace. The free happens on a later
 * turn of the loop (sio__namespace_sweep, a job of the server's post),
 * never inside the call that let it go: adapter and handler code up the
 * stack may still use it. */
void sio__namespace_ref(sio_namespace_t *nsp);
void sio__namespace_unref(sio_namespace_t *nsp);
/* Frees the children waiting in the server's list that are still unused. */
void sio__namespace_sweep(sio_server_t *s);
/* The namespace a client may connect to by this name (static, or a dynamic
 * child created now), or NULL. */
sio_namespace_t *sio__namespace_lookup(sio_server_t *s, const char *name, size_t len);
/* Runs the connect flow of a new socket (middlewares, then connect). */
void sio__namespace_connect(sio_socket_t *sock);
int sio__namespace_add_socket(sio_namespace_t *nsp, sio_socket_t *sock);
void sio__namespace_del_socket(sio_namespace_t *nsp, sio_socket_t *sock);

/* ---- sockets ---- */
enum { SIO__SOCK_CONNECTING, SIO__SOCK_CONNECTED, SIO__SOCK_GONE };

typedef struct sio__pending_ack {
  struct sio__pending_ack *next;
  uint64_t id;
  sio_socket_t *sock;
  sio_ack_cb cb;
  void *arg;
  struct sio_adapter_ack *bc;    /* or a broadcast's gathering */
  sio_adapter_reply_cb reply_cb; /* or a remote server's request */
  void *reply_arg;
  sio__timer_t *timer;
} sio__pending_ack_t;

typedef struct {
  char *key;
  void *val;
  size_t len;
} sio__kv_t;

struct sio_socket {
  /* Pointers first, then counts in 32 bits and flags in 8, the id last:
   * 120 bytes, an idle socket's block stays in malloc's 128-byte class. */
  sio_namespace_t *nsp;
  sio__session_t *session;
  sio__rbuf_t *auth;         /* NULL: the client sent none ("{}") */
  struct sio__sock_cbs *cbs; /* the socket's own handlers; NULL: none yet */
  sio__membership_t *rooms;
  sio__pending_ack_t *acks;
  sio__kv_t *kv;
  void *data;
  struct sio__sock_rec *rec; /* recovery on: its private id and restore state */
  uint32_t mark_in, mark_ex; /* broadcast selection marks (sio_local.c) */
  uint32_t refs;
  uint32_t nrooms; /* rooms holds pow2 >= nrooms + 1 entries (sio_rooms.c) */
  uint32_t nkv;
  uint32_t nsp_idx; /* position in nsp->socks; UINT32_MAX: not there */
  uint8_t state;
  uint8_t closing;  /* inside sio__socket_close */
  uint8_t own_room; /* in the room named after its id (no room entry) */
  char id[21];
};

/* A socket's own handlers, allocated with the first one added: most
 * applications register theirs on the namespace, and five empty vectors
 * took 120 bytes of every idle socket. Never freed before the socket, so a
 * vector stays put while its handlers run. */
typedef struct sio__sock_cbs {
  sio__cbvec_t on, any, any_out, disconnecting, disconnect;
} sio__sock_cbs_t;

/* A socket's recovery state, allocated only when the server keeps sessions
 * (an idle socket stays small otherwise). */
typedef struct sio__sock_rec {
  char pid[21];                   /* private session id */
  int recovered;                  /* a restored session */
  struct sio__restored *restored; /* what the connect reply brings back */
} sio__sock_rec_t;

sio_socket_t *sio__socket_new(sio_namespace_t *nsp, sio__session_t *c, const char *auth,
                              size_t auth_len);
/* The socket goes away: disconnecting, rooms left, acks cancelled,
 * disconnect; no packet is sent. */
void sio__socket_close(sio_socket_t *sock, const char *reason);
/* A packet for this (connected) socket. Returns 0 or SIO_EPROTO. */
int sio__socket_on_packet(sio_socket_t *sock, const sio__sio_packet_t *pkt);
/* Queues an encoded packet on the socket (outgoing catch-all included).
 * event (may be NULL) is for the catch-all. */
int sio__socket_send(sio_socket_t *sock, const sio__packet_out_t *out, const char *event);
/* An emit to one socket while recovery is on: through the adapter as a
 * broadcast to its id's room, kept for it (sio_broadcast.c). 0 or an error. */
int sio__socket_emit_kept(sio_socket_t *sock, const char *event, const sio_args_t *args,
                          unsigned flags);
/* The CONNECT's auth object as JSON text ("{}" if the client sent none);
 * borrowed, valid as long as the socket. */
sio_buf_t sio__socket_auth(const sio_socket_t *sock);
/* Registers a pending ack (single or broadcast). */
sio__pending_ack_t *sio__socket_add_ack(sio_socket_t *sock, uint64_t id);

/* ---- broadcast acks ---- */
struct sio_adapter_ack {
  sio_server_t *srv;
  uint32_t refs;
  size_t expected, got;
  int done, servers_done;
  sio__stored_t **replies;
  size_t cap;
  sio_broadcast_ack_cb cb;
  void *arg;
  sio__timer_t *timer;
  struct sio_adapter_ack *prev, *next; /* the server's list */
  uint64_t seq;                        /* workers: how other workers' answers find it */
  uint32_t workers_pending;            /* workers: other workers yet to give a count */
};
typedef struct sio_adapter_ack sio__bcast_ack_t;

void sio__bcast_ack_reply(sio__bcast_ack_t *ba, const sio__sio_packet_t *pkt);
void sio__bcast_ack_finish(sio__bcast_ack_t *ba, int status);
void sio__bcast_ack_unref(sio__bcast_ack_t *ba);
/* Workers: another worker delivered to n recipients (sio_group_ops.c). */
void sio__bcast_ack_worker_count(sio__bcast_ack_t *ba, size_t n);

/* ---- the server ---- */
struct sio_server {
  uv_loop_t *loop;
  uv_loop_t *own_loop; /* made by sio_server_new(NULL, ...), freed by sio_server_run */
  int *run_done;       /* set while sio_server_run runs: told when the server is freed */
  sio_http_server_t *http;
  int own_http;
  sio_eio_server_t *eio;
  char *path; /* the endpoint's path, "/socket.io/" (a test client's URL) */
  uint32_t connect_timeout;
  uint32_t max_nsp_name;     /* longest name a dynamic child may have */
  uint32_t max_session_nsps; /* namespaces one session may join at once */
  int cleanup_children;      /* free a dynamic child once it has no socket */
  sio__sio_limits_t lim;
  const sio_parser_t *parser;
  int parser_auto; /* parser is sio_parser_auto(): each session has its own */
  sio__map_t nsps; /* static namespaces and dynamic children by name */
  sio_namespace_t *all_nsps;
  sio_namespace_t *drops; /* empty children to free on a later turn of the loop */
  sio__post_job_t sweep;  /* the job that frees them, posted once per batch */
  int sweep_posted;       /* sweep is queued on the post */
  int sweep_closed;       /* the post is closing: free_now frees them */
  sio_namespace_t **parents;
  size_t nparents, pcap;
  sio__session_t *sessions;
  /* Sessions and sockets live as long as their connection: their blocks
   * come from pools of their exact sizes (core/pool.h), packed away from the
   * short-lived blocks of handshakes and messages. */
  struct sio__pool *session_pool;
  struct sio__pool *socket_pool;
  sio__bcast_ack_t *backs;
  sio__post_t *post; /* sio_server_post's way in (io/post.h) */
  int closing;
  sio_server_close_cb close_cb;
  void *close_arg;
  sio__server_stats_t stats;
  struct sio__metrics *metrics;         /* NULL unless on (sio_metrics.c) */
  const sio_adapter_ops_t *adapter_ops; /* NULL, or &adapter_copy */
  sio_adapter_ops_t adapter_copy;       /* the installed ops, unknown ones NULL */
  void *adapter_arg;
  sio__cbvec_t observe_nsp, observe_nsp_gone, observe_room; /* observation hooks */
  uint32_t mark_gen; /* the last selection's mark; 0 after a wrap */
  void *data;
  uint32_t recovery_ms; /* 0: recovery off */
  int recovery_skip_mw;
  size_t recovery_max_bytes;
  size_t recovery_bytes; /* kept now, all namespaces */
  char offset_prev[16];  /* the offset generator's last time stamp */
  uint32_t offset_seed;
  /* Workers (sio_group.h): NULL for a server of one loop. */
  struct sio__group *group;
  unsigned worker;              /* its index in the group; 0: the user's */
  uint64_t group_seq;           /* names its requests to other workers */
  struct sio__gfetch *gfetches; /* its fetches waiting for other workers */
  struct sio__gwait *gwaits;    /* its adapter requests waiting for worker 0 */
  /* sio_server_on_worker (sio_worker_hooks.c): the hooks live on worker 0. */
  struct sio__worker_hook *worker_hooks;
  size_t nworker_hooks;
  int worker_hooks_ran;        /* worker 0: the workers started (no more hooks) */
  int worker_started;          /* this worker's start hooks ran: its stop hooks will */
  struct sio__gather *gathers; /* its figure gathers waiting (sio_totals.c) */
  struct sio__grestore *grestores; /* its recoveries waiting for worker 0 */
};
typedef struct sio__group sio__group_t;

/* The local operations of sio_local.c on this worker alone (the public
 * sio_adapter_local_* reach every worker of a group). */
int sio__local_broadcast_here(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                              const sio_adapter_opts_t *opts);
int sio__local_broadcast_with_ack_here(sio_namespace_t *nsp,
                                       const sio_adapter_packet_t *pkt,
                                       const sio_adapter_opts_t *opts,
                                       sio_adapter_reply_cb reply_cb, void *arg);
/* Delivers a packet already encoded (out[0] when mask is 0, else out[ix]
 * for each parser ix in mask: every parser a session may speak) to this
 * worker's selection of nsp (not a dynamic parent). The count. */
int sio__local_deliver_encoded(sio_namespace_t *nsp, const char *event,
                               const sio_adapter_opts_t *o, const sio__packet_out_t *out,
                               unsigned mask);
enum { SIO__OP_JOIN, SIO__OP_LEAVE, SIO__OP_DISCONNECT };

/* Workers: a registration on worker 0 after the workers started is
 * repeated on every sibling (sio_group_mirror.c); nothing without workers.
 * nsp NULL: the server's own lists and data. */
void sio__group_mirror_nsp(sio_namespace_t *nsp);
void sio__group_mirror_vec(sio_server_t *s, const sio_namespace_t *nsp,
                           const sio__cbvec_t *vec, const char *event, void (*fn)(void),
                           void *arg, int add);
void sio__group_mirror_data(sio_server_t *s, const sio_namespace_t *nsp, void *data);
int sio__local_apply_here(sio_namespace_t *nsp, const sio_adapter_opts_t *opts, int op,
                          const char *const *rooms, size_t nrooms, int close);

/* ---- connection state recovery (sio_recovery.c) ---- */

/* What a recovered socket gets back when it connects: its rooms and the
 * packets it missed, sent right after the CONNECT reply. */
typedef struct sio__restored {
  char **rooms;
  size_t nrooms;
  sio__packet_out_t *missed;
  size_t nmissed, mcap;
} sio__restored_t;

void sio__restored_free(sio__restored_t *r);
/* A new offset (Node's yeast form: the time in base 64, a sequence number
 * after a '.' when the time repeats) into out[SIO_OFFSET_MAX + 1]. */
void sio__recovery_offset(sio_server_t *s, char *out);
/* Keeps a recoverable packet of nsp sent with offset to the selection o. */
void sio__recovery_keep(sio_namespace_t *nsp, const char *offset,
                        const sio_adapter_opts_t *o, const sio__packet_out_t *out);
/* A connected socket goes away for reason: its session is kept if the
 * reason is recoverable. Call before it leaves its rooms. */
void sio__recovery_persist(sio_socket_t *sock, const char *reason);
/* A CONNECT with auth: restores the session it names, if any. Returns 1
 * when a cluster adapter answers later (it then runs the connect flow),
 * else 0 (the socket is restored or new: the caller runs the flow). */
int sio__recovery_restore(sio_socket_t *sock);
/* Frees a namespace's store. */
void sio__recovery_free(sio_namespace_t *nsp);
/* The session key of the shared data (sio_socket_set_shared_data). */
#define SIO__SHARED_DATA_KEY "\x01sio.data"
/* Worker 0 asks its cluster adapter for a sibling's session (pid, offset):
 * cb(arg, session, r) runs once, on worker 0's thread, with the adapter's
 * answer (session NULL: none) and the missed packets encoded in r; neither
 * is the callback's to keep. 0, or an error (cb not called). */
typedef void (*sio__recovery_relay_cb)(void *arg, const sio_adapter_session_t *session,
                                       sio__restored_t *r);
int sio__recovery_restore_relay(sio_namespace_t *nsp, const char *pid, const char *offset,
                                sio__recovery_relay_cb cb, void *arg);
/* The adapter ops that keep sessions for nsp, or NULL (in memory). */
const sio_adapter_ops_t *sio__recovery_cluster(const sio_namespace_t *nsp);
/* Keeps a session in nsp's store (worker 0, or a server of one worker), or
 * hands it to nsp's cluster adapter when it keeps sessions (a sibling's
 * session on worker 0): everything is copied. */
void sio__recovery_save(sio_namespace_t *nsp, const char *sid, const char *pid,
                        const char *const *rooms, size_t nrooms, const sio__kv_t *kv,
                        size_t nkv);
/* Takes the session pid out of nsp's store with the packets it missed after
 * offset (references of the kept ones); sid, pid_out, *kv and the result's
 * rooms move to the caller. NULL: not kept (or out of memory). */
sio__restored_t *sio__recovery_take(sio_namespace_t *nsp, const char *pid,
                                    const char *offset, char sid[21], char pid_out[21],
                                    sio__kv_t **kv, size_t *nkv);
/* A recovery in progress: where its missed packets go. */
sio__restored_t *sio__recovery_req_restored(sio_adapter_restore_t *req);
/* Completes req (its socket's thread) with the session taken elsewhere
 * (sid NULL: a new session); rooms and kv move in, whatever the outcome.
 * The connect flow runs unless the server is closing. */
void sio__recovery_restore_finish(sio_adapter_restore_t *req, const char *sid,
                                  const char *pid, char **rooms, size_t nrooms,
                                  sio__kv_t *kv, size_t nkv);

/* ---- recovery across workers (sio_group_recovery.c): a sibling's part of
 * the store, posted to worker 0 ---- */
/* A kept packet: its bytes shared (they are marked so here). */
void sio__group_recovery_keep(sio_namespace_t *nsp, const char *offset,
                              const sio_adapter_opts_t *o, const sio__packet_out_t *out);
/* A session that went away: copied. */
void sio__group_recovery_save(sio_namespace_t *nsp, const char *sid, const char *pid,
                              const char *const *rooms, size_t nrooms,
                              const sio__kv_t *kv, size_t nkv);
/* Asks worker 0 for the session; req completes later on this worker
 * (sio__recovery_restore_finish). 0, or an error (req untouched). */
int sio__group_recovery_restore(sio_namespace_t *nsp, const char *pid, const char *offset,
                                sio_adapter_restore_t *req);
/* Completes the recoveries still waiting as new sessions (server close). */
void sio__group_recovery_cancel(sio_server_t *s);

/* Server-side events with acks (cluster): an ack whose reply goes to cb,
 * called once with the handler's arguments, or with NULL if no handler
 * answered (when the last holder lets it go). The caller runs the handlers,
 * then calls sio__ack_handlers_done. */
typedef void (*sio__ss_reply_cb)(const sio_args_t *reply, void *arg);
sio_ack_t *sio__ack_new_server_side(sio__ss_reply_cb cb, void *arg);
void sio__ack_handlers_done(sio_ack_t *ack);

/* sio_server_on_worker's hooks (sio_worker_hooks.c): start on every
 * worker of s0's (worker 0's) server, in order, once; stop on worker w (its
 * thread, as its close begins), if its start ran; free with worker 0. */
void sio__worker_hooks_start(sio_server_t *s0);
void sio__worker_hooks_stop(sio_server_t *w);
void sio__worker_hooks_free(sio_server_t *s0);

/* Observation hooks (sio_observe.c). */
void sio__observe_namespace(sio_namespace_t *nsp);
void sio__observe_namespace_deleted(sio_namespace_t *nsp);
void sio__observe_room(sio_namespace_t *nsp, sio_room_event_t ev, const char *room,
                       const char *sid);

/* The parser the session speaks. */
static inline const sio_parser_t *sio__session_parser(const sio__session_t *c) {
  return c->srv->parser_auto ? sio__parser_at(c->parser_ix) : c->srv->parser;
}

/* sio__packet_encode with the server's parser, counted in its stats (on an
 * auto server: JSON). */
static inline int sio__server_encode(sio_server_t *s, sio__packet_out_t *out,
                                     const char *nsp, const char *event, int64_t ack_id,
                                     const sio_args_t *args) {
  int rc = sio__packet_encode(s->parser, out, nsp, event, ack_id, args);
  if (rc == 0) s->stats.encodes++;
  return rc;
}
/* The mask bit of the session's parser (auto servers). */
static inline unsigned sio__session_parser_bit(const sio__session_t *c) {
  return 1u << c->parser_ix;
}
/* sio__server_encode for one recipient session c: in its parser. */
static inline int sio__session_encode(sio__session_t *c, sio__packet_out_t *out,
                                      const char *nsp, const char *event, int64_t ack_id,
                                      const sio_args_t *args) {
  sio_server_t *s = c->srv;
  int rc = sio__packet_encode(sio__session_parser(c), out, nsp, event, ack_id, args);
  if (rc == 0) s->stats.encodes++;
  return rc;
}
/* A control packet in the session's parser. */
static inline int sio__session_encode_ctl(const sio__session_t *c, sio__packet_out_t *out,
                                          int type, const char *nsp, const char *payload,
                                          size_t len) {
  return sio__packet_encode_ctl(sio__session_parser(c), out, type, nsp, payload, len);
}

#endif
