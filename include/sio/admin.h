/* libsio-admin: instrumentation for the official Socket.IO Admin UI
 * (@socket.io/admin-ui 0.5), so its web page can watch and drive a libsio
 * server: server stats, the socket list, rooms, events, and the UI's
 * actions (join, leave, disconnect, emit).
 *
 * A separate library (link -lsio-admin, pkg-config libsio-admin) built on
 * the public libsio API (sio/server.h) and libcrypt (bcrypt through
 * crypt_r). It adds a namespace ("/admin" by default) to the server; the UI
 * connects to it with socket.io-client.
 *
 * Cluster: every broadcast of the admin namespace goes through the server's
 * adapter, so with a cluster adapter (libsio-redis) attach the
 * instrumentation on every node: each node sends its own server_stats, the
 * socket list gathers the sockets of every node (fetch_sockets), and the
 * UI's actions reach sockets on any node. A login session id is known only
 * to the node that issued it.
 *
 * Workers (sio_server_opts_set_workers): attach on the server
 * sio_server_new returned, before sio_server_listen. Each worker gets an
 * instance of its own, made when the workers start, on its thread: it
 * watches that worker's sockets, counts its events and sends its own
 * server_stats, with "<server id>#<worker index>" as its server id (the UI
 * lists one server per worker). The socket list and the UI's actions go
 * through fetch and broadcasts, which reach every worker; a login session
 * id is good on every worker.
 *
 * Threads: everything runs on the server's loop thread (with workers, each
 * instance on its worker's). Password checks (bcrypt is slow by design) run
 * on libuv's thread pool, so a login does not stall the loop.
 *
 * Memory: allocated through libsio's allocator (sio_malloc), except what
 * jansson and libcrypt allocate themselves.
 *
 * Where it differs from Node's instrument(), which sees Engine.IO itself:
 * packetsIn/packetsOut and bytesIn/bytesOut count Socket.IO events and
 * their payload bytes (not pings or other Engine.IO packets); rawConnection
 * and rawDisconnection count Engine.IO sessions that joined a namespace; a
 * transport upgrade (socket_updated) is seen at the next stats tick; uptime
 * counts from sio_admin_attach; handshake.time is an ISO date and secure is
 * false; event_received/event_sent of an event with binary arguments carry
 * its name only.
 */
#ifndef SIO_ADMIN_H
#define SIO_ADMIN_H

#include "sio/server.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sio_admin sio_admin_t;
typedef struct sio_admin_opts sio_admin_opts_t;

/* ---- options (copied by sio_admin_attach; free them after) ---- */

/* Defaults: namespace "/admin", authentication required (set it with
 * sio_admin_opts_set_auth or turn it off with sio_admin_opts_set_no_auth:
 * sio_admin_attach refuses options with neither), not read-only,
 * development mode, the host name as the server id, stats every
 * SIO_ADMIN_STATS_INTERVAL_DEFAULT ms. NULL if out of memory. */
#define SIO_ADMIN_STATS_INTERVAL_DEFAULT 2000
SIO_EXTERN sio_admin_opts_t *sio_admin_opts_new(void);
/* Frees o (the password hash is wiped first). NULL is ignored. */
SIO_EXTERN void sio_admin_opts_free(sio_admin_opts_t *o);
/* The UI logs in with username and a password whose bcrypt hash is
 * bcrypt_hash ("$2b$", "$2a$" or "$2y$", 60 characters, e.g. from
 * sio_admin_hash_password or `htpasswd -nbBC 10 user pass`). Both copied.
 * 0, SIO_EINVAL (not a bcrypt hash), SIO_ENOMEM. */
SIO_EXTERN int sio_admin_opts_set_auth(sio_admin_opts_t *o, const char *username,
                                       const char *bcrypt_hash);
/* Anyone who reaches the server may use the UI: only for a trusted network. */
SIO_EXTERN void sio_admin_opts_set_no_auth(sio_admin_opts_t *o);
/* on 1: the UI only watches; its actions (join, leave, disconnect, emit) are
 * not offered and are ignored if sent. */
SIO_EXTERN void sio_admin_opts_set_readonly(sio_admin_opts_t *o, int on);
/* on 1 (the default): development mode, which also sends the socket list,
 * each socket's connection, update and disconnection, room joins and leaves,
 * and every event received and sent (one admin broadcast per application
 * event: turn it off on a busy production server). on 0: production mode,
 * stats only. */
SIO_EXTERN void sio_admin_opts_set_development(sio_admin_opts_t *o, int on);
/* The id this server shows in the UI (copied; default the host name). 0,
 * SIO_EINVAL (empty), SIO_ENOMEM. */
SIO_EXTERN int sio_admin_opts_set_server_id(sio_admin_opts_t *o, const char *id);
/* The admin namespace (copied; default "/admin"). 0, SIO_EINVAL (no leading
 * '/', or "/"), SIO_ENOMEM. */
SIO_EXTERN int sio_admin_opts_set_namespace(sio_admin_opts_t *o, const char *name);
/* Milliseconds between two server_stats (default
 * SIO_ADMIN_STATS_INTERVAL_DEFAULT; 0 restores it). */
SIO_EXTERN void sio_admin_opts_set_stats_interval(sio_admin_opts_t *o, uint32_t ms);
/* Bounds (0 restores each default):
 * - aggregated-event entries buffered between two server_stats (one entry
 *   per second, type and sub-type); past it new entries are dropped;
 * - login sessions remembered (the oldest is forgotten past it);
 * - password checks waiting for or running on the thread pool; one more
 *   login is refused with "too many login attempts". */
#define SIO_ADMIN_MAX_EVENT_ENTRIES_DEFAULT 1024
#define SIO_ADMIN_MAX_SESSIONS_DEFAULT 1024
#define SIO_ADMIN_MAX_PENDING_LOGINS_DEFAULT 8
SIO_EXTERN void sio_admin_opts_set_max_event_entries(sio_admin_opts_t *o, uint32_t n);
SIO_EXTERN void sio_admin_opts_set_max_sessions(sio_admin_opts_t *o, uint32_t n);
SIO_EXTERN void sio_admin_opts_set_max_pending_logins(sio_admin_opts_t *o, uint32_t n);

/* ---- the instrumentation ---- */

/* Instruments s: creates the admin namespace with its authentication, starts
 * the stats timer on the server's loop, and watches every namespace
 * (existing and future). o is copied. Attach it after the cluster adapter
 * (if any) and before clients connect. 0 and *out, SIO_EINVAL (no
 * authentication choice, or bad options; nothing was changed), SIO_ENOMEM
 * (hooks already registered on s stay, with the state they use, until the
 * process ends), or, with workers, SIO_EBUSY (they started already:
 * attach before sio_server_listen) or SIO_EINVAL (s is not worker 0). */
SIO_EXTERN int sio_admin_attach(sio_server_t *s, const sio_admin_opts_t *o,
                                sio_admin_t **out);
/* Stops the instrumentation and frees a. Call it from the close callback of
 * sio_server_close (or after it): the server no longer calls a's hooks by
 * then. Its timer handle is closed on the loop, so let the loop run once
 * more (uv_run) before uv_loop_close; a password check still running on
 * the thread pool keeps a until it ends. Call it once. NULL is ignored. */
SIO_EXTERN void sio_admin_free(sio_admin_t *a);
/* The admin namespace. */
SIO_EXTERN sio_namespace_t *sio_admin_namespace(const sio_admin_t *a);

/* A bcrypt hash ("$2b$", cost 4..31, e.g. 10) of password, through
 * libcrypt's crypt_gensalt_rn and crypt_r, written NUL-terminated to out
 * (cap >= 61). For programs that take a plain password (the demo's
 * --admin USER:PASSWORD). 0, SIO_EINVAL, or SIO_ENOMEM (libcrypt failed). */
SIO_EXTERN int sio_admin_hash_password(const char *password, unsigned cost, char *out,
                                       size_t cap);

#ifdef __cplusplus
}
#endif
#endif
