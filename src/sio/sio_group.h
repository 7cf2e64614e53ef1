/* One Socket.IO server over N worker loops (sio_server_opts_set_workers):
 * worker 0 is the server the application made; workers 1..n-1 are internal
 * servers ("siblings") on loops and threads of their own, with copies of
 * its namespaces, middlewares, handlers and observers. Share-nothing: every
 * worker touches only its own objects; jobs between workers go through the
 * group's posts (io/post.h), one per worker, open until every worker has
 * stopped, so a job may always be sent while any server still runs.
 *
 * Files: sio_group.c (making, starting, listening, closing),
 * sio_group_copy.c (the registrations copied to the siblings at the start),
 * sio_group_mirror.c (registrations made later, repeated on them),
 * sio_group_wire.c (packets and selections copied into jobs),
 * sio_group_ops.c (broadcasts with their encoded bytes shared, acks, fetch,
 * join/leave/disconnect across workers), sio_group_adapter.c (a cluster
 * adapter with workers). */
#ifndef SIO_SIO_GROUP_H
#define SIO_SIO_GROUP_H

#include "io/loop_thread.h"
#include "io/post.h"
#include "sio/sio_internal.h"
#include "sio/sio_message.h"

typedef struct {
  sio_server_t *srv; /* its server; NULL once freed (its thread only) */
  uv_loop_t *loop;   /* the sibling's own loop (worker 0: the server's) */
  sio__post_t *post; /* the group's way into this worker */
  sio__loop_thread_t *thread;
} sio__worker_t;

struct sio__group {
  unsigned n;
  sio__worker_t *w;
  struct sio__eio_group *eg; /* the workers' Engine.IO servers, one port */
  /* Worker 0's thread only: */
  int started;     /* the siblings got their copies and run */
  int listening;   /* sio__group_listen ran (the start is posted) */
  unsigned closed; /* siblings whose server is freed */
  int own_closed;  /* worker 0's server finished its own close */
  int closing;     /* sio_server_close was called */
  int own_closing; /* worker 0's own close started (after the siblings') */
  /* A cluster adapter is installed on worker 0 (set before the siblings'
   * threads start, read-only afterwards): a sibling forwards its adapter
   * operations to worker 0 (sio_group_adapter.c). */
  int adapter;
  /* ... and it keeps recovery sessions (persist_session, restore_session):
   * the siblings' sessions and kept emits go through it too. */
  int adapter_sessions;
  sio_server_close_cb close_cb;
  void *close_arg;
};

/* Makes the siblings of s (workers 1..n-1, servers on loops of their own,
 * not running yet) and the group's posts. 0 or an error (s is untouched
 * then). */
int sio__group_new(sio_server_t *s, const sio_server_opts_t *opts, unsigned n);
/* Copies s's registrations to every sibling and starts their threads, once
 * (later calls return 0). */
int sio__group_start(sio_server_t *s);
/* Every worker listens on host:port (the same port). */
int sio__group_listen(sio_server_t *s, const char *host, int port);
/* sio_server_close on worker 0: stops accepting everywhere, tells every
 * sibling to close, and closes worker 0 (with cb) once they all have.
 * Idempotent. */
void sio__group_close(sio_server_t *s, sio_server_close_cb cb, void *arg);
/* Worker 0's own close is done (its post is closed): returns 1 when the
 * group takes over (it calls sio__server_free_done later), 0 when there is
 * no group. */
int sio__group_own_closed(sio_server_t *s);
/* sio_server.c: a server of one loop (a sibling), whatever opts say. */
int sio__server_new_worker(uv_loop_t *loop, const sio_server_opts_t *opts,
                           sio_server_t **out);
/* sio_server_close on this worker alone. */
void sio__server_close_here(sio_server_t *s, sio_server_close_cb cb, void *arg);
/* Runs the close callback and frees s (sio_server.c). */
void sio__server_closed_free(sio_server_t *s);

/* Copies s0's namespaces, handlers and observers onto sib (sio_group_copy.c).
 * 0 or SIO_ENOMEM. */
int sio__group_copy(sio_server_t *sib, const sio_server_t *s0);

/* Sends j to worker i's loop. 0, or SIO_ECLOSED (j never runs). */
static inline int sio__group_send(sio__group_t *g, unsigned i, sio__post_job_t *j) {
  return sio__post_send(g->w[i].post, j);
}

/* ---- what a job carries (sio_group_wire.c): copies, never pointers into
 * another worker's objects ---- */

/* A packet: the event name (NULL for an ack reply), the arguments' wire
 * JSON and the attachments' bytes. */
typedef struct {
  char *event;
  char *json;
  size_t json_len;
  sio_buf_t *att;
  size_t natt;
} sio__gpkt_t;
int sio__gpkt_copy(sio__gpkt_t *d, const char *event, const char *json, size_t json_len,
                   const sio_buf_t *att, size_t natt);
void sio__gpkt_view(const sio__gpkt_t *d, sio_adapter_packet_t *out);
void sio__gpkt_free(sio__gpkt_t *d);

/* A selection (rooms, except, flags) and the rooms of a join or leave. */
typedef struct {
  char **rooms, **except, **targets;
  size_t nrooms, nexcept, ntargets;
  unsigned flags;
  uint32_t timeout_ms;
} sio__gsel_t;
int sio__gsel_copy(sio__gsel_t *d, const sio_adapter_opts_t *o,
                   const char *const *targets, size_t ntargets);
void sio__gsel_opts(const sio__gsel_t *d, sio_adapter_opts_t *o);
void sio__gsel_free(sio__gsel_t *d);

/* A namespace by name, or a dynamic parent by its index (the parents are
 * registered in the same order on every worker). */
typedef struct {
  char *name;
  long parent; /* -1: by name */
} sio__gnsp_t;
int sio__gnsp_of(sio__gnsp_t *d, const sio_namespace_t *nsp);
/* The worker's own namespace of that name (NULL: none here). */
sio_namespace_t *sio__gnsp_find(const sio__gnsp_t *d, sio_server_t *s);
void sio__gnsp_free(sio__gnsp_t *d);

/* ---- operations across workers (sio_group_ops.c) ---- */
/* The same operation on every other worker of nsp's server, posted: with
 * a copy of the packet (broadcasts) and of the selection. 0 or an error. */
int sio__group_broadcast(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                         const sio_adapter_opts_t *opts);
/* The same with the bytes already encoded here (see
 * sio__local_deliver_encoded): their buffers are marked shared and every
 * other worker gets messages of its own over them. */
void sio__group_broadcast_encoded(sio_namespace_t *nsp, const char *event,
                                  const sio_adapter_opts_t *opts,
                                  const sio__packet_out_t *out, unsigned mask);
int sio__group_apply(sio_namespace_t *nsp, const sio_adapter_opts_t *opts, int op,
                     const char *const *rooms, size_t nrooms, int close);
/* Broadcast acks: the other workers' recipients are added to ba as their
 * counts come back; ba->workers_pending counts the workers still to answer. */
int sio__group_broadcast_with_ack(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                                  const sio_adapter_opts_t *opts, sio__bcast_ack_t *ba);
/* Fetch: the other workers' sockets are added to req as they answer, then
 * sio__fetch_workers_done(req). */
int sio__group_fetch(sio_namespace_t *nsp, const sio_adapter_opts_t *opts,
                     sio_adapter_fetch_t *req);
/* Completes the fetches still waiting with SIO_ECANCELED (server close). */
void sio__group_fetch_cancel(sio_server_t *s);

/* ---- a cluster adapter with workers (sio_group_adapter.c) ----
 * Its instances live on worker 0's namespaces only. A sibling hands every
 * operation a server gives its adapter to worker 0, which runs it through
 * its own namespace of the same name (and so its adapter); answers come
 * back to the sibling by sequence number, as in sio_group_ops.c. */

/* 1 when nsp's server is a sibling whose operations go to worker 0's
 * adapter (flags: the selection's; SIO_ADAPTER_F_LOCAL stays here). */
int sio__gadapter_forwards(const sio_namespace_t *nsp, unsigned flags);
/* 1 when nsp's server is a sibling and worker 0's adapter keeps the
 * recovery sessions (sio_group_recovery.c asks it through worker 0). */
int sio__gadapter_sessions(const sio_namespace_t *nsp);
/* The forwarded operations; 0 or an error (nothing was sent then). */
int sio__gadapter_broadcast(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                            const sio_adapter_opts_t *opts);
/* ba (not timed here: worker 0 runs the timeout) completes when worker 0
 * answers, or at this worker's close. */
int sio__gadapter_broadcast_with_ack(sio_namespace_t *nsp,
                                     const sio_adapter_packet_t *pkt,
                                     const sio_adapter_opts_t *opts,
                                     sio__bcast_ack_t *ba);
int sio__gadapter_apply(sio_namespace_t *nsp, const sio_adapter_opts_t *opts, int op,
                        const char *room, int close);
int sio__gadapter_fetch(sio_namespace_t *nsp, const sio_adapter_opts_t *opts,
                        sio_adapter_fetch_t *req);
int sio__gadapter_server_side_emit(sio_namespace_t *nsp, const sio_adapter_packet_t *pkt,
                                   uint32_t timeout_ms, sio__bcast_ack_t *ba);
int sio__gadapter_server_count(sio_namespace_t *nsp, sio_server_count_cb cb, void *arg);
/* A sibling made the dynamic child nsp: worker 0 makes it too, so the
 * adapter has an instance for it, and holds it until the sibling frees
 * its own (sio__gadapter_child_gone). */
void sio__gadapter_child(sio_namespace_t *nsp);
void sio__gadapter_child_gone(sio_namespace_t *nsp);
/* Completes this worker's requests still waiting (server close). */
void sio__gadapter_cancel(sio_server_t *s);

/* sio_broadcast.c: every worker answered a fetch (status 0 or
 * SIO_ECANCELED); it completes once its adapter is done too. */
void sio__fetch_workers_done(sio_adapter_fetch_t *req, int status);
/* sio_broadcast.c: an ack reply in wire form (an adapter's) as a stored
 * reply, or NULL (out of memory, or not a valid argument list). */
sio__stored_t *sio__stored_from_wire(const sio_adapter_packet_t *reply);

#endif
