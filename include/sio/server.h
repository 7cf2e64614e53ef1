/* libsio: the Socket.IO v5 server.
 *
 * The C counterpart of Node's socket.io 4.8 server: namespaces (static and
 * dynamic), connect middlewares, events with a catch-all, acknowledgements
 * both ways, binary arguments, rooms, broadcasting with selections, volatile
 * packets, broadcast acks with a timeout, server-wide room operations,
 * per-socket data and a key-value session, and a thread-safe post.
 *
 * Threads: everything runs on the loop's thread and nothing is thread-safe,
 * except sio_server_post(), which any thread may call. A server of several
 * workers (sio_server_opts_set_workers) has one loop and thread per worker:
 * see "Workers: the thread rules" below.
 *
 * Reentrancy: every function of this header is legal inside every callback
 * of this header (emit, join, leave, disconnect, broadcast, close the
 * server...), unless its comment says otherwise. Closing and disconnecting
 * from a callback take effect at once; the objects you hold stay valid until
 * your callback returns (see the lifetimes below).
 *
 * Lifetimes:
 *  - a server is valid until the callback of sio_server_close() returns;
 *  - a namespace lives as long as its server;
 *  - a socket is valid from its connection callback (or middleware) until
 *    its disconnect callback returns; to keep it longer (e.g. across an
 *    asynchronous operation), take a reference with sio_socket_ref() and drop
 *    it with sio_socket_unref(); a disconnected socket accepts every call and
 *    answers SIO_ENOTCONN where a call needs the connection;
 *  - received arguments (sio_argv_t) and every pointer read from them are
 *    borrowed: valid only until the callback that received them returns.
 *
 * Errors: 0 (or a count) on success, a negative SIO_E* code on failure (see
 * sio/common.h). A call that returns an error never runs its callback.
 * Every callback that completes an operation (ack, broadcast ack, fetch,
 * close) runs exactly once.
 */
#ifndef SIO_SERVER_H
#define SIO_SERVER_H

#include "sio/args.h"
#include "sio/common.h"
#include "sio/eio.h"
#include "sio/http.h"
#include "sio/parser.h"

#ifdef __cplusplus
extern "C" {
#endif

/* jansson's value type (include <jansson.h> to use it). */
struct json_t;

typedef struct sio_server sio_server_t;
typedef struct sio_server_opts sio_server_opts_t;
typedef struct sio_namespace sio_namespace_t;
typedef struct sio_socket sio_socket_t;
typedef struct sio_ack sio_ack_t;
typedef struct sio_next sio_next_t;
typedef struct sio_broadcast sio_broadcast_t;
typedef struct sio_remote_socket sio_remote_socket_t;

/* ======================================================================
 * Options (copied by sio_server_new/sio_server_attach; free them after)
 * ====================================================================== */

/* A new options object with the reference's defaults; NULL if out of memory. */
SIO_EXTERN sio_server_opts_t *sio_server_opts_new(void);
/* Frees o. NULL is ignored. */
SIO_EXTERN void sio_server_opts_free(sio_server_opts_t *o);
/* Path of the endpoint (default "/socket.io/"); copied; a trailing '/' is
 * added. SIO_EINVAL unless it starts with '/'; SIO_ENOMEM. */
SIO_EXTERN int sio_server_opts_set_path(sio_server_opts_t *o, const char *path);
/* The Engine.IO options (ping interval and timeout, max payload, transports,
 * cookie, allow_request, ...: see sio/eio.h), borrowed: set them on the
 * returned object, which lives as long as o. Its path is ignored (the path
 * above wins). */
SIO_EXTERN sio_eio_opts_t *sio_server_opts_eio(sio_server_opts_t *o);
/* How long an Engine.IO session may stay without joining any namespace
 * before it is closed (default 45000 ms). */
SIO_EXTERN void sio_server_opts_set_connect_timeout(sio_server_opts_t *o, uint32_t ms);
/* Largest attachment count of one binary packet (default 10); more closes
 * the connection. */
SIO_EXTERN void sio_server_opts_set_max_attachments(sio_server_opts_t *o, uint32_t n);
/* JSON nesting bound of received packets (default 32); deeper closes the
 * connection. */
SIO_EXTERN void sio_server_opts_set_max_json_depth(sio_server_opts_t *o, uint32_t depth);
/* The parser of every connection (sio/parser.h; a static object, borrowed
 * for ever): clients must speak the same. NULL (the default) is
 * sio_parser_json(). */
SIO_EXTERN void sio_server_opts_set_parser(sio_server_opts_t *o,
                                           const sio_parser_t *parser);
/* Dynamic child namespaces (sio_server_of_dynamic/_pattern) are made from
 * names the clients choose, so by default a child is freed, with its cluster
 * adapter instance (its Redis channels unsubscribed), as soon as it has no
 * socket left: the number of children then never exceeds the number of
 * sockets. on = 0 keeps every child until the server closes, as Node does by
 * default (its cleanupEmptyChildNamespaces is off): only for a small, trusted
 * set of names, since a client looping over fresh names grows the server
 * without bound. A freed child's handlers, data and sio_namespace_t go with
 * it: register per-child state from the parent's connection handler. */
SIO_EXTERN void sio_server_opts_set_cleanup_empty_children(sio_server_opts_t *o, int on);
/* Longest name, in bytes, a client may connect a new dynamic child under
 * (default SIO_NSP_NAME_MAX_DEFAULT; 0 restores it). A longer name gets the
 * CONNECT_ERROR "Invalid namespace", as a name no parent matches. Names
 * registered with sio_server_of are not bounded. */
#define SIO_NSP_NAME_MAX_DEFAULT 256
SIO_EXTERN void sio_server_opts_set_max_namespace_name(sio_server_opts_t *o,
                                                       uint32_t bytes);
/* How many namespaces one Engine.IO session may have joined (or be joining)
 * at once (default SIO_SESSION_NAMESPACES_MAX_DEFAULT; 0 restores it). One
 * more gets the CONNECT_ERROR "Too many namespaces". Node has no such bound;
 * each namespace is a socket, and with dynamic namespaces a child. */
#define SIO_SESSION_NAMESPACES_MAX_DEFAULT 64
SIO_EXTERN void sio_server_opts_set_max_session_namespaces(sio_server_opts_t *o,
                                                           uint32_t n);
/* Connection state recovery (Node's connectionStateRecovery; off by
 * default): a client whose connection drops for a recoverable reason
 * (transport close or error, ping timeout, forced close, server shutdown)
 * and comes back within max_disconnection_ms (0: SIO_RECOVERY_DURATION_DEFAULT)
 * gets its socket id, rooms and key-value session (sio_socket_session_set,
 * the shared data included) back, and every event it missed meanwhile,
 * in order; sio_socket_recovered() then says 1. Not restored: the pointer of
 * sio_socket_set_data (free what it points to in your disconnect handler as
 * usual). skip_middlewares: a recovered socket connects without running the
 * middlewares (Node's default, 1). While on, the CONNECT reply carries a
 * private session id, and every event sent without ack and not volatile
 * carries an offset as its last argument (what socket.io-client 4.6+ reads);
 * the server keeps those packets for the duration, within
 * sio_server_opts_set_recovery_max_bytes. With workers
 * (sio_server_opts_set_workers), what is kept lives on worker 0 and a
 * client may come back on any worker (docs/SCALING.md); the byte bound is
 * then the whole server's. Returns 0 or SIO_EINVAL. */
#define SIO_RECOVERY_DURATION_DEFAULT 120000u
SIO_EXTERN int sio_server_opts_set_recovery(sio_server_opts_t *o,
                                            uint32_t max_disconnection_ms,
                                            int skip_middlewares);
/* Bound on the bytes the server keeps for recovery (kept packets and
 * sessions, all namespaces; default SIO_RECOVERY_MAX_BYTES_DEFAULT, 0
 * restores it). Past it the oldest packets go first (a client that missed
 * one of them gets a new session instead of a partial recovery), and a
 * session that does not fit is not kept. */
#define SIO_RECOVERY_MAX_BYTES_DEFAULT (16u * 1024u * 1024u)
SIO_EXTERN void sio_server_opts_set_recovery_max_bytes(sio_server_opts_t *o,
                                                       size_t bytes);
/* Workers: the number of loops, each on a thread of its own, that one
 * server runs on (default 1: everything on the server's loop, as without
 * this option; 0: one per CPU the process may use; at most
 * SIO_WORKERS_MAX). Worker 0 is the server sio_server_new() returns, on its
 * loop; workers 1..n-1 are internal servers on loops and threads of their
 * own, started on the loop's first turn after sio_server_listen() (or by
 * sio_server_run()), each with copies of the namespaces, middlewares,
 * handlers, observers and data pointers registered on the server until
 * then; later registrations reach them a moment later. Every connection
 * belongs
 * to one worker, and its sockets' handlers run on that worker's thread.
 * Broadcasts (with rooms, except, volatile, compress, local and acks),
 * fetch, and joins, leaves and disconnects of a selection reach the
 * sockets of every worker; sio_namespace_server_count() says 1 (without a
 * cluster adapter). With a cluster adapter (sio/adapter.h, installed before
 * sio_server_listen) the process is one node of the cluster, whatever its
 * workers; the other workers' adapter operations run on worker 0 (their
 * return counts are then 0). Read the thread rules under "Workers" below
 * before using more than one. Refused: sio_server_attach() with workers
 * other than 1 (SIO_EINVAL). 0 or SIO_EINVAL (more than
 * SIO_WORKERS_MAX). */
#define SIO_WORKERS_MAX 256u
SIO_EXTERN int sio_server_opts_set_workers(sio_server_opts_t *o, unsigned n);
/* Options of the HTTP server that sio_server_new() creates (static root,
 * CORS, limits: see sio/http.h), borrowed like sio_server_opts_eio(). Not
 * used by sio_server_attach(). */
SIO_EXTERN sio_http_opts_t *sio_server_opts_http(sio_server_opts_t *o);

/* ======================================================================
 * Server
 * ====================================================================== */

/* Creates a server with its own HTTP server on loop (borrowed; it must
 * outlive the server; libsio never runs, stops or closes it), or, with loop
 * NULL, on a loop of its own that sio_server_run() runs and frees. Listen
 * with sio_server_listen(). opts may be NULL for the defaults. Returns 0 and
 * *out, or SIO_ENOMEM / SIO_EINVAL / a libuv error. Not legal inside
 * callbacks of another server's close. */
SIO_EXTERN int sio_server_new(uv_loop_t *loop, const sio_server_opts_t *opts,
                              sio_server_t **out);
/* For a server made with loop NULL only: runs its loop on the calling thread
 * until the server is closed (sio_server_close() from a handler, a timer, a
 * signal handle on sio_server_loop(), or sio_server_post() from another
 * thread), then closes and frees the loop. Returns 0 once the server is
 * closed (s is freed by then), 1 if uv_stop() on its loop returned earlier
 * (the server lives on: call again), SIO_EINVAL (not an own-loop server, or
 * already running), or UV_EBUSY when a handle of yours is still open on the
 * loop after the close (the loop is then left to you: close your handles,
 * uv_run and uv_loop_close it, free it with sio_free). A server of its own
 * loop closed without this call leaks the loop. */
SIO_EXTERN int sio_server_run(sio_server_t *s); /* starts the workers too */
/* Creates a server mounted on an existing HTTP server (borrowed; it must
 * outlive this server), so static files and application routes live beside
 * Socket.IO. Close this server before the HTTP server. Returns 0 and *out,
 * SIO_EEXIST (path already mounted), SIO_ENOMEM / SIO_EINVAL. */
SIO_EXTERN int sio_server_attach(sio_http_server_t *http, const sio_server_opts_t *opts,
                                 sio_server_t **out);
/* Listens on host:port (port 0 picks a free one). Only for servers made by
 * sio_server_new (SIO_EINVAL otherwise). 0 or a libuv error. With workers:
 * every worker listens on that port and the workers start; once only
 * (SIO_EBUSY after). */
SIO_EXTERN int sio_server_listen(sio_server_t *s, const char *host, int port);
/* The port of the first listener, or a negative error. */
SIO_EXTERN int sio_server_port(const sio_server_t *s);
/* The HTTP server (own or attached) and the Engine.IO server under it. */
SIO_EXTERN sio_http_server_t *sio_server_http(const sio_server_t *s);
SIO_EXTERN sio_eio_server_t *sio_server_eio(const sio_server_t *s);
SIO_EXTERN uv_loop_t *sio_server_loop(const sio_server_t *s);

/* Closes everything: every socket is disconnected with "server shutting
 * down", every pending ack callback runs with SIO_ECANCELED, the Engine.IO
 * server and (for sio_server_new) the HTTP server close, and cb (may be
 * NULL) runs once every handle is closed; the server is freed when cb
 * returns. Idempotent: later calls do nothing and never run their cb. */
typedef void (*sio_server_close_cb)(sio_server_t *s, void *arg);
SIO_EXTERN void sio_server_close(sio_server_t *s, sio_server_close_cb cb, void *arg);

/* Runs fn(s, arg) on the loop thread, soon. THE ONLY THREAD-SAFE CALL of
 * libsio: emit from another thread by posting a function that emits. Posts
 * are run in order. Returns 0, SIO_ENOMEM, or SIO_ECLOSED once the server is
 * closing (fn will then never run; a post accepted before the close runs
 * before the close callback, with the server closing). The server must not
 * be freed while another thread may call this: stop your threads before
 * the close callback returns. */
typedef void (*sio_post_cb)(sio_server_t *s, void *arg);
SIO_EXTERN int sio_server_post(sio_server_t *s, sio_post_cb fn, void *arg);

/* ---- Workers: the thread rules (sio_server_opts_set_workers > 1) ----
 *
 * Each worker is a loop on a thread of its own with its own connections,
 * sockets, rooms, namespaces and timers; nothing is shared between workers
 * but what the application shares itself.
 *  - A socket's calls (emit, join, leave, disconnect, data, handlers...)
 *    are legal on its worker's thread only: inside its handlers, or from
 *    code run on sio_server_loop(sio_socket_server(sock)) (a timer, a
 *    sio_server_post to sio_socket_server(sock)). To act on a socket of
 *    another worker, use a broadcast to the room of its id.
 *  - Broadcasts and the other selection operations (sio_broadcast_*) are
 *    legal on any worker's thread, through the namespace the handler got
 *    (sio_socket_namespace(sock), or sio_server_of(sio_socket_server(sock),
 *    name)): they reach the sockets of every worker. The count they return
 *    is the calling worker's own recipients (the other workers' get the
 *    packet later, posted, uncounted: the clients' deliveries are the
 *    measure); a broadcast is still encoded once, on the calling worker.
 *  - Worker 0 is the server sio_server_new returned: register namespaces,
 *    middlewares, handlers and observers on it, on its thread (before
 *    sio_server_listen, or later: later ones reach the other workers a
 *    moment later, by posted jobs). Handlers registered from a handler on
 *    another worker's namespace stay on that worker. Dynamic children are
 *    each worker's own: sio_namespace_sockets_count and
 *    sio_namespace_socket see the calling worker's sockets only.
 *  - sio_server_post(s) runs its function on s's worker: on worker 0 for
 *    the server the application made. sio_server_close from any worker
 *    closes the whole server (the callback runs on worker 0's thread).
 *  - Every callback the application registered (handlers, middlewares,
 *    match callbacks of dynamic namespaces, observers) runs on every
 *    worker's thread, at the same time on several: what it touches besides
 *    the socket and the arguments it got (counters, maps, the data pointers
 *    of sio_server_set_data and sio_namespace_set_data, which every worker
 *    shares) needs the application's own lock or atomics, or per-worker
 *    copies indexed by sio_server_worker(sio_socket_server(sock)).
 *  - sio_server_loop, sio_server_http and sio_server_eio of a worker's
 *    server are that worker's own.
 *  - Counts: the process's (every worker's) are
 *    sio_eio_server_clients_count (as Node's engine.clientsCount), the
 *    metrics served at the metrics path (the worker that takes the scrape
 *    asks every other for its figures, each taken on its own thread), and
 *    the sockets a fetch or a broadcast reaches. The calling worker's own
 *    are sio_eio_server_clients_count_here, sio_namespace_sockets_count,
 *    sio_namespace_socket, the count a
 *    broadcast or a selection operation returns, sio_server_metrics() (it
 *    answers at once) and the HTTP server's connections. */

/* Background services of the server's loop, for add-on libraries (libsio-admin
 * uses them) and applications that must not include <uv.h>.
 *
 * sio_server_every: cb(arg) every every_ms milliseconds on the loop's thread
 * until sio_interval_close. It does not keep the loop alive by itself. 0 and
 * *out (yours until sio_interval_close), or SIO_EINVAL / SIO_ENOMEM. */
typedef struct sio_interval sio_interval_t;
SIO_EXTERN int sio_server_every(sio_server_t *s, uint32_t every_ms, void (*cb)(void *arg),
                                void *arg, sio_interval_t **out);
/* Stops t at once (cb never runs again); its memory goes once its handle is
 * closed, after which closed(arg) runs on the loop if not NULL. t is invalid
 * after this call. */
SIO_EXTERN void sio_interval_close(sio_interval_t *t, void (*closed)(void *arg));
/* Runs work(arg) on libuv's thread pool (it must not call libsio), then
 * done(arg, ok) on the loop's thread (ok 0: cancelled). arg stays the
 * caller's until done. 0, or SIO_EINVAL / SIO_ENOMEM, and then neither runs. */
SIO_EXTERN int sio_server_queue_work(sio_server_t *s, void (*work)(void *arg),
                                     void (*done)(void *arg, int ok), void *arg);

/* The number of workers of s's server (sio_server_opts_set_workers; 1
 * without), and s's own index among them: 0 for the server sio_server_new
 * returned, 1..n-1 for the internal servers a handler on another worker
 * gets from sio_socket_server() or sio_namespace_server(). An index lets
 * the application keep per-worker state in an array without a lock. */
SIO_EXTERN unsigned sio_server_workers(const sio_server_t *s);
SIO_EXTERN unsigned sio_server_worker(const sio_server_t *s);

/* Per-worker setup and teardown, for add-on libraries (libsio-admin) and
 * applications that keep resources per worker (timers on its loop, other
 * endpoints on its HTTP server). start(w, arg) runs once for every worker w
 * (sio_server_worker(w) = 0, 1, ..., n-1, in that order) when the workers
 * start: inside sio_server_listen (or sio_server_run), on the calling
 * thread, after the registrations were copied to the workers and before
 * any worker but 0 runs its loop, so start may set w up as if from w's own
 * thread (sio_server_every(w), sio_server_http(w), sio_server_of(w, ...)); NULL: none;
 * what it registers on a worker other than 0 stays on that worker. stop(w,
 * arg) (NULL: none) runs on w's own thread when w's close begins, before
 * its sockets are disconnected and its HTTP server closes (worker 0's
 * last), for every worker whose start ran. With one worker, start runs at
 * sio_server_listen; a server of sio_server_attach never starts (neither
 * runs). Register on the server sio_server_new returned, before
 * sio_server_listen: 0, SIO_EINVAL (neither start nor stop, or not
 * worker 0), SIO_EBUSY
 * (the workers started already), SIO_ENOMEM. */
typedef void (*sio_worker_cb)(sio_server_t *worker, void *arg);
SIO_EXTERN int sio_server_on_worker(sio_server_t *s, sio_worker_cb start,
                                    sio_worker_cb stop, void *arg);

/* User data, never touched by libsio. */
SIO_EXTERN void sio_server_set_data(sio_server_t *s, void *data);
SIO_EXTERN void *sio_server_get_data(const sio_server_t *s);

/* ======================================================================
 * Namespaces
 * ====================================================================== */

/* The namespace with this name ("/" or "/chat"; copied), created on first
 * use. Namespaces live as long as the server. NULL if out of memory or the
 * name does not start with '/'. */
SIO_EXTERN sio_namespace_t *sio_server_of(sio_server_t *s, const char *name);

/* Dynamic namespaces: match decides whether a client may connect to a
 * namespace name that is not registered (name is NUL-terminated, borrowed
 * for the call; return 1 to accept). On first connect the child namespace
 * is created; it runs the middlewares and handlers of the returned parent
 * (registered before or after), and its own. Returns the parent namespace
 * (configure it like any other; it has no sockets of its own; a broadcast
 * on it reaches every child), or NULL if out of memory. Parents are tried in
 * the order they were added. */
typedef int (*sio_namespace_match_cb)(const char *name, void *arg);
SIO_EXTERN sio_namespace_t *
sio_server_of_dynamic(sio_server_t *s, sio_namespace_match_cb match, void *arg);
/* The same with a pattern: "*" matches any run of characters but '/'
 * ("/dyn-*" matches "/dyn-1" but not "/dyn-1/x"); copied. Matching costs
 * O(pattern length x name length) at worst, without backtracking over the
 * stars (a hostile name cannot make it exponential). */
SIO_EXTERN sio_namespace_t *sio_server_of_pattern(sio_server_t *s, const char *pattern);

/* The namespace's name, valid as long as the server. */
SIO_EXTERN const char *sio_namespace_name(const sio_namespace_t *nsp);
SIO_EXTERN sio_server_t *sio_namespace_server(const sio_namespace_t *nsp);
/* The dynamic parent of a child namespace, or NULL. */
SIO_EXTERN sio_namespace_t *sio_namespace_parent(const sio_namespace_t *nsp);
/* Sockets connected to the namespace on this server (with workers: on the
 * calling worker). */
SIO_EXTERN size_t sio_namespace_sockets_count(const sio_namespace_t *nsp);
/* A connected socket of this server by its id (NUL-terminated), or NULL. */
SIO_EXTERN sio_socket_t *sio_namespace_socket(const sio_namespace_t *nsp, const char *id);
SIO_EXTERN void sio_namespace_set_data(sio_namespace_t *nsp, void *data);
SIO_EXTERN void *sio_namespace_get_data(const sio_namespace_t *nsp);

/* ---- connect: middlewares, then the connection handler ---- */

/* A middleware sees every socket trying to connect (auth and handshake are
 * readable; emitting is not possible yet: SIO_ENOTCONN) and must complete
 * next exactly once, inside the call or later (asynchronously):
 * sio_next(next, NULL, NULL) lets the socket go on to the next middleware
 * and then to the connection handler; sio_next(next, message, data) refuses
 * it with CONNECT_ERROR {"message":message,"data":data} (data: raw JSON
 * text, copied; NULL omits it). If the client goes away meanwhile, next is
 * still valid and its completion does nothing. Middlewares run in the order
 * they were added. */
typedef void (*sio_middleware_cb)(sio_socket_t *sock, sio_next_t *next, void *arg);
SIO_EXTERN int sio_namespace_use(sio_namespace_t *nsp, sio_middleware_cb fn, void *arg);
/* Completes a middleware. message and data are copied. Returns 0 or
 * SIO_EINVAL (data is not valid JSON: the socket is then refused with
 * message alone). next is freed by this call. */
SIO_EXTERN int sio_next(sio_next_t *next, const char *message, const char *data);

/* A socket joined the namespace: its CONNECT reply {"sid":...} is already
 * queued, so whatever the handler emits goes after it. Register per-socket
 * handlers, join rooms, emit... here. */
typedef void (*sio_connection_cb)(sio_socket_t *sock, void *arg);
/* Adds a connection handler (several run in the order added). */
SIO_EXTERN int sio_namespace_on_connection(sio_namespace_t *nsp, sio_connection_cb cb,
                                           void *arg);

/* ---- events ---- */

/* An event from the client. event is the name (NUL-terminated; a number name
 * is given as spelled); args the arguments; ack non-NULL when the client asked
 * for an acknowledgement: answer it with sio_ack_send() (at most once). If the
 * handler neither answers nor holds it (sio_ack_hold), nothing is sent and it
 * is freed when the last handler returns. Everything is borrowed for the
 * call. */
typedef void (*sio_event_cb)(sio_socket_t *sock, const char *event,
                             const sio_argv_t *args, sio_ack_t *ack, void *arg);
/* Outgoing catch-all: event and args of each packet the socket sends
 * (emits and broadcasts it receives), borrowed for the call. */
typedef void (*sio_outgoing_cb)(sio_socket_t *sock, const char *event,
                                const sio_argv_t *args, void *arg);
/* disconnecting (rooms still joined) and disconnect. reason is one of the
 * reference's strings: "client namespace disconnect", "server namespace
 * disconnect", "transport close", "ping timeout", "transport error", "parse
 * error" (an invalid Engine.IO packet), "forced close" (an invalid
 * Socket.IO packet closed the connection), "server shutting down". */
typedef void (*sio_disconnect_cb)(sio_socket_t *sock, const char *reason, void *arg);

/* Handler lists and their dispatch (every list below: event handlers,
 * catch-alls in and out, middlewares, connection, disconnecting and
 * disconnect handlers, server-side handlers). A handler may add or remove
 * handlers, join or leave rooms and disconnect sockets (its own included)
 * while it runs:
 * - a dispatch runs the handlers registered when it began, in order; one
 *   added meanwhile first runs on the next packet (as Node's EventEmitter);
 * - one removed meanwhile does not run any more, even in the dispatch under
 *   way (unlike Node, which still runs it: in C its arg may be freed as soon
 *   as the removal returns); removing one never makes another be skipped;
 * - the event name a handler gets is the packet's own copy, valid for the
 *   whole call even when the handler removes itself (the "once" pattern);
 * - once the socket is disconnected, no further event handler runs for it.
 * The reserved names (connect, connect_error, disconnect, disconnecting,
 * newListener, removeListener) are no events: registering a handler for one
 * fails with SIO_EINVAL (use the lifecycle functions), and a client packet
 * naming one, or whose name holds a NUL byte (it would collide with the name
 * cut at the NUL), is an invalid packet that closes the connection. */

/* Namespace-level handlers: registered once, they run for every socket of
 * the namespace (cheaper than per socket), before the socket's own. event is
 * copied. Several handlers per event run in the order added. 0, SIO_EINVAL
 * (NULL argument or reserved name) or SIO_ENOMEM. */
SIO_EXTERN int sio_namespace_on(sio_namespace_t *nsp, const char *event, sio_event_cb cb,
                                void *arg);
/* Removes the namespace's handlers of event (all of them when cb is NULL,
 * else those with this cb and arg). Returns how many were removed. */
SIO_EXTERN int sio_namespace_off(sio_namespace_t *nsp, const char *event, sio_event_cb cb,
                                 void *arg);
SIO_EXTERN int sio_namespace_on_any(sio_namespace_t *nsp, sio_event_cb cb, void *arg);
SIO_EXTERN int sio_namespace_on_disconnecting(sio_namespace_t *nsp, sio_disconnect_cb cb,
                                              void *arg);
SIO_EXTERN int sio_namespace_on_disconnect(sio_namespace_t *nsp, sio_disconnect_cb cb,
                                           void *arg);

/* Per-socket handlers (as Node's socket.on in a connection handler). Catch-all
 * handlers run before the named ones, as in Node. sio_socket_on returns as
 * sio_namespace_on. */
SIO_EXTERN int sio_socket_on(sio_socket_t *sock, const char *event, sio_event_cb cb,
                             void *arg);
/* Removes the socket's handlers of event (all of them when cb is NULL, else
 * those with this cb and arg). Returns how many were removed. */
SIO_EXTERN int sio_socket_off(sio_socket_t *sock, const char *event, sio_event_cb cb,
                              void *arg);
SIO_EXTERN int sio_socket_on_any(sio_socket_t *sock, sio_event_cb cb, void *arg);
SIO_EXTERN int sio_socket_on_any_outgoing(sio_socket_t *sock, sio_outgoing_cb cb,
                                          void *arg);
SIO_EXTERN int sio_socket_on_disconnecting(sio_socket_t *sock, sio_disconnect_cb cb,
                                           void *arg);
SIO_EXTERN int sio_socket_on_disconnect(sio_socket_t *sock, sio_disconnect_cb cb,
                                        void *arg);

/* Arguments, sent (sio_args_t) and received (sio_argv_t), are declared in
 * sio/args.h, which this header includes: the client shares them. */

/* ======================================================================
 * Sockets
 * ====================================================================== */

/* The socket id (20 characters, never the Engine.IO sid), valid as long as
 * the socket. */
SIO_EXTERN const char *sio_socket_id(const sio_socket_t *sock);
SIO_EXTERN sio_namespace_t *sio_socket_namespace(const sio_socket_t *sock);
SIO_EXTERN sio_server_t *sio_socket_server(const sio_socket_t *sock);
/* 1 while connected to its namespace. */
SIO_EXTERN int sio_socket_connected(const sio_socket_t *sock);
/* "polling" or "websocket" (static; "test" for a client of
 * sio/test_client.h), NULL once the connection is gone. */
SIO_EXTERN const char *sio_socket_transport(const sio_socket_t *sock);
/* The Engine.IO session under the socket (shared by the sockets of every
 * namespace the client joined), NULL once gone (and for a test client). */
SIO_EXTERN sio_eio_socket_t *sio_socket_eio(const sio_socket_t *sock);
/* Keeps the socket's memory alive past its disconnect callback. */
SIO_EXTERN sio_socket_t *sio_socket_ref(sio_socket_t *sock);
SIO_EXTERN void sio_socket_unref(sio_socket_t *sock);
/* 1 if this socket is a recovered session (sio_server_opts_set_recovery):
 * same id, rooms and session as before its disconnection, the missed events
 * sent again; 0 for a new session. */
SIO_EXTERN int sio_socket_recovered(const sio_socket_t *sock);

/* ---- handshake and auth (borrowed; valid as long as the socket) ---- */

/* The CONNECT payload: raw JSON text of an object ("{}" when the client sent
 * none). */
SIO_EXTERN void sio_socket_auth(const sio_socket_t *sock, sio_buf_t *out);
/* The same as a new jansson object the caller owns, or NULL. */
SIO_EXTERN struct json_t *sio_socket_auth_json(const sio_socket_t *sock);
/* The handshake request of the Engine.IO session: a header (case-insensitive
 * name; NULL if absent), header i (0, or SIO_ENOENT past the end; its name
 * lower-cased, as in the reference's handshake.headers), the raw
 * query string, a percent-decoded query parameter (its length, or
 * SIO_ENOENT), the request target, the client address, and when the session
 * was created (ms since the Unix epoch). NULL/"" once the connection is gone.
 * Headers: every one, unless the server keeps fewer (idle memory;
 * sio_eio_opts_set_handshake_headers on sio_server_opts_eio). */
SIO_EXTERN const char *sio_socket_header(const sio_socket_t *sock, const char *name,
                                         size_t *len);
SIO_EXTERN int sio_socket_header_at(const sio_socket_t *sock, size_t i, sio_buf_t *name,
                                    sio_buf_t *value);
SIO_EXTERN const char *sio_socket_query(const sio_socket_t *sock, size_t *len);
SIO_EXTERN int sio_socket_query_get(const sio_socket_t *sock, const char *key, char *out,
                                    size_t outlen);
SIO_EXTERN const char *sio_socket_url(const sio_socket_t *sock, size_t *len);
SIO_EXTERN const char *sio_socket_address(const sio_socket_t *sock);
SIO_EXTERN uint64_t sio_socket_issued(const sio_socket_t *sock);

/* ---- per-socket data ---- */

SIO_EXTERN void sio_socket_set_data(sio_socket_t *sock, void *data);
SIO_EXTERN void *sio_socket_get_data(const sio_socket_t *sock);
/* A small key-value session (python-socketio's save_session): value[0..len)
 * is copied under key (copied); value NULL deletes the key. 0 or
 * SIO_ENOMEM. */
SIO_EXTERN int sio_socket_session_set(sio_socket_t *sock, const char *key,
                                      const void *value, size_t len);
/* The value of key (borrowed until the key is set again or the socket is
 * freed; NUL-terminated for convenience) and its length, or NULL. */
SIO_EXTERN const void *sio_socket_session_get(const sio_socket_t *sock, const char *key,
                                              size_t *len);

/* Node's socket.data: a JSON value (copied; validated: SIO_EINVAL if it is
 * not JSON; NULL clears it) that other servers of a cluster see when they
 * fetch this socket. sio_socket_shared_data returns it (borrowed until it is
 * set again or the socket is freed) or NULL. */
SIO_EXTERN int sio_socket_set_shared_data(sio_socket_t *sock, const char *json);
SIO_EXTERN const char *sio_socket_shared_data(const sio_socket_t *sock);

/* ---- emitting ---- */

/* Sends event with args (NULL for none) to this socket. event and args are
 * borrowed for the call (the packet is encoded at once). 0, SIO_ENOTCONN
 * (disconnected), SIO_EINVAL (reserved or invalid event name), the args'
 * sticky error, SIO_ENOMEM, or an Engine.IO error (the connection may close:
 * SIO_ELIMIT when its write buffer is over its cap). With recovery on
 * (sio_server_opts_set_recovery), it goes out as a broadcast to the room of
 * the socket's id, as in Node: it gets an offset and is kept, so an emit to
 * a socket that went away (still referenced) returns 0 and reaches it if
 * its session is recovered. */
SIO_EXTERN int sio_socket_emit(sio_socket_t *sock, const char *event,
                               const sio_args_t *args);
/* Like sio_socket_emit, skipped (returning 0) when the transport is not
 * writable at this moment (polling without a held GET, WebSocket with bytes
 * still queued). */
SIO_EXTERN int sio_socket_emit_volatile(sio_socket_t *sock, const char *event,
                                        const sio_args_t *args);
/* Flags of sio_socket_emit_flags. */
#define SIO_EMIT_VOLATILE 1u /* as sio_socket_emit_volatile */
/* Never compressed (Node's socket.compress(false)): for data that does not
 * compress, such as images or already-compressed binary. Without it, a
 * packet is compressed when the connection negotiated permessage-deflate and
 * the packet reaches the threshold (sio_eio_opts_set_per_message_deflate). */
#define SIO_EMIT_NO_COMPRESS 2u
/* sio_socket_emit with flags (an OR of SIO_EMIT_*; 0 is sio_socket_emit).
 * Same arguments, ownership and returns. */
SIO_EXTERN int sio_socket_emit_flags(sio_socket_t *sock, const char *event,
                                     const sio_args_t *args, unsigned flags);
/* The client's reply, or the end of the wait: status 0 and the reply's
 * arguments, SIO_ETIMEDOUT (no reply within timeout_ms; reply NULL), or
 * SIO_ECANCELED (the socket disconnected or the server closed; reply NULL).
 * Runs exactly once unless the emit returned an error. */
typedef void (*sio_ack_cb)(sio_socket_t *sock, int status, const sio_argv_t *reply,
                           void *arg);
/* Emits with an acknowledgement. timeout_ms 0 waits until the reply or the
 * disconnect. Same errors as sio_socket_emit. */
SIO_EXTERN int sio_socket_emit_with_ack(sio_socket_t *sock, const char *event,
                                        const sio_args_t *args, uint32_t timeout_ms,
                                        sio_ack_cb cb, void *arg);

/* Answers a client's acknowledgement (args NULL for none; binary arguments
 * make it a BINARY_ACK). At most once: SIO_EEXIST after the first. The ack is
 * freed by this call if it was held. 0, SIO_EEXIST, SIO_ENOTCONN (the socket
 * is gone; nothing sent), or the errors of sio_socket_emit. */
SIO_EXTERN int sio_ack_send(sio_ack_t *ack, const sio_args_t *args);
/* Keeps the ack past the handler to answer it later: then call exactly one
 * of sio_ack_send() or sio_ack_release(). Returns ack. */
SIO_EXTERN sio_ack_t *sio_ack_hold(sio_ack_t *ack);
/* Drops a held ack without answering. */
SIO_EXTERN void sio_ack_release(sio_ack_t *ack);
/* The ack id the client chose. */
SIO_EXTERN uint64_t sio_ack_id(const sio_ack_t *ack);

/* ---- rooms ---- */

/* Joins/leaves a room (name copied). Joining twice is a no-op. Each socket
 * is in the room named after its id from its connection on. 0, SIO_ENOMEM,
 * SIO_ENOTCONN. */
SIO_EXTERN int sio_socket_join(sio_socket_t *sock, const char *room);
SIO_EXTERN int sio_socket_leave(sio_socket_t *sock, const char *room);
/* Leaves every room, its own id room included. */
SIO_EXTERN void sio_socket_leave_all(sio_socket_t *sock);
/* The rooms the socket is in: count, and room i (borrowed; valid until the
 * socket leaves it). */
SIO_EXTERN size_t sio_socket_rooms_count(const sio_socket_t *sock);
SIO_EXTERN const char *sio_socket_room(const sio_socket_t *sock, size_t i);
SIO_EXTERN int sio_socket_in_room(const sio_socket_t *sock, const char *room);

/* ---- disconnect ---- */

/* Disconnects the socket from its namespace: the client gets DISCONNECT, the
 * disconnecting and disconnect handlers run (inside this call) with "server
 * namespace disconnect". close_connection 1 also closes the Engine.IO
 * session (every namespace of that client goes). Idempotent. */
SIO_EXTERN void sio_socket_disconnect(sio_socket_t *sock, int close_connection);

/* ======================================================================
 * Broadcasting: an operator like Node's io.to("a").except("b").emit(...)
 *
 * Build one with sio_namespace_broadcast() or sio_socket_broadcast(), narrow
 * it, then end it with one terminal call (emit, emit_with_ack, sockets_join,
 * sockets_leave, disconnect_sockets, fetch_sockets), which CONSUMES it (also
 * on error), or discard it with sio_broadcast_free(). Setters return b so
 * calls chain; they accept NULL (out of memory upstream) and keep errors
 * sticky: the terminal call then returns SIO_ENOMEM.
 * The packet is encoded once and the same bytes are queued on every
 * recipient; a socket in several selected rooms gets it once.
 * ====================================================================== */

/* Every socket of the namespace (NULL if out of memory). */
SIO_EXTERN sio_broadcast_t *sio_namespace_broadcast(sio_namespace_t *nsp);
/* Every socket of the namespace but sock (Node's socket.broadcast). */
SIO_EXTERN sio_broadcast_t *sio_socket_broadcast(sio_socket_t *sock);
/* Only sockets in room (several calls: in any of them); copied. */
SIO_EXTERN sio_broadcast_t *sio_broadcast_to(sio_broadcast_t *b, const char *room);
/* Not the sockets in room; copied. */
SIO_EXTERN sio_broadcast_t *sio_broadcast_except(sio_broadcast_t *b, const char *room);
/* Skip recipients whose transport is not writable right now. */
SIO_EXTERN sio_broadcast_t *sio_broadcast_volatile(sio_broadcast_t *b);
/* on 0: the packet is never compressed for any recipient (Node's
 * io.compress(false)); default 1: compressed for recipients whose connection
 * negotiated permessage-deflate, once for all of them, when it reaches the
 * threshold. Local recipients only: a cluster adapter does not carry it. */
SIO_EXTERN sio_broadcast_t *sio_broadcast_compress(sio_broadcast_t *b, int on);
/* Only this server's sockets (matters with a cluster adapter). */
SIO_EXTERN sio_broadcast_t *sio_broadcast_local(sio_broadcast_t *b);
/* The wait of sio_broadcast_emit_with_ack (required there). */
SIO_EXTERN sio_broadcast_t *sio_broadcast_timeout(sio_broadcast_t *b, uint32_t ms);
SIO_EXTERN void sio_broadcast_free(sio_broadcast_t *b);

/* Sends event to the selection. Returns the number of local recipients, or
 * an error. */
SIO_EXTERN int sio_broadcast_emit(sio_broadcast_t *b, const char *event,
                                  const sio_args_t *args);
/* Every recipient's reply, Node's timeout(ms).emit(ev, (err, replies) => {})
 * semantics: runs exactly once, with status 0 when every recipient answered
 * (at once when there was none), or SIO_ETIMEDOUT with the replies received
 * so far; SIO_ECANCELED if the server closed first. replies[0..count) are
 * borrowed for the call, in arrival order. */
typedef void (*sio_broadcast_ack_cb)(int status, size_t count,
                                     const sio_argv_t *const *replies, void *arg);
/* Returns the number of local recipients or an error (the callback then
 * never runs). SIO_EINVAL without a timeout. */
SIO_EXTERN int sio_broadcast_emit_with_ack(sio_broadcast_t *b, const char *event,
                                           const sio_args_t *args,
                                           sio_broadcast_ack_cb cb, void *arg);
/* The selected sockets join / leave room / are disconnected (close 1 also
 * closes their Engine.IO sessions). Return how many local sockets matched. */
SIO_EXTERN int sio_broadcast_sockets_join(sio_broadcast_t *b, const char *room);
SIO_EXTERN int sio_broadcast_sockets_leave(sio_broadcast_t *b, const char *room);
SIO_EXTERN int sio_broadcast_disconnect_sockets(sio_broadcast_t *b, int close_connection);

/* The selected sockets, local and (with a cluster adapter) remote: runs
 * exactly once with status 0 (or SIO_ETIMEDOUT with the answers received)
 * and the list, borrowed for the call. */
typedef void (*sio_fetch_cb)(int status, size_t count,
                             sio_remote_socket_t *const *sockets, void *arg);
SIO_EXTERN int sio_broadcast_fetch_sockets(sio_broadcast_t *b, sio_fetch_cb cb,
                                           void *arg);
/* A fetched socket: id, rooms, and the local socket when it lives on this
 * server (NULL otherwise; use it only during the callback or ref it). */
SIO_EXTERN const char *sio_remote_socket_id(const sio_remote_socket_t *rs);
SIO_EXTERN size_t sio_remote_socket_rooms_count(const sio_remote_socket_t *rs);
SIO_EXTERN const char *sio_remote_socket_room(const sio_remote_socket_t *rs, size_t i);
SIO_EXTERN sio_socket_t *sio_remote_socket_local(const sio_remote_socket_t *rs);
/* For a socket of another server: its handshake and data as JSON texts, as
 * that server sent them (NULL for local sockets: read the socket instead). */
SIO_EXTERN const char *sio_remote_socket_handshake_json(const sio_remote_socket_t *rs);
SIO_EXTERN const char *sio_remote_socket_data_json(const sio_remote_socket_t *rs);

/* ======================================================================
 * Server-side events and the server count (between servers of a cluster;
 * a cluster adapter such as libsio-redis's carries them)
 * ====================================================================== */

/* A handler for events other servers send with sio_namespace_server_side_emit.
 * ack is non-NULL when the sender waits for an answer: answer with
 * sio_ack_send (at most once; held acks as for client events). Everything is
 * borrowed for the call. */
typedef void (*sio_server_side_cb)(sio_namespace_t *nsp, const char *event,
                                   const sio_argv_t *args, sio_ack_t *ack, void *arg);
SIO_EXTERN int sio_namespace_on_server_side(sio_namespace_t *nsp, sio_server_side_cb cb,
                                            void *arg);
/* Sends event to the other servers of the cluster. SIO_EINVAL without a
 * cluster adapter (the in-memory adapter has no other server), as Node. */
SIO_EXTERN int sio_namespace_server_side_emit(sio_namespace_t *nsp, const char *event,
                                              const sio_args_t *args);
/* The same, gathering each other server's answer (Node's
 * serverSideEmit(ev, ...args, cb)): cb runs exactly once, with status 0 when
 * every other server answered, or SIO_ETIMEDOUT after timeout_ms with the
 * answers received; each reply holds the one value a server answered with.
 * SIO_EINVAL without a cluster adapter or a timeout. */
SIO_EXTERN int
sio_namespace_server_side_emit_with_ack(sio_namespace_t *nsp, const char *event,
                                        const sio_args_t *args, uint32_t timeout_ms,
                                        sio_broadcast_ack_cb cb, void *arg);
/* The number of servers of the cluster for nsp, this one included: cb runs
 * exactly once with status 0 and the count (at once, with 1, without a
 * cluster adapter), or an error and 1 (Redis down: SIO_ENOTCONN). */
typedef void (*sio_server_count_cb)(int status, size_t count, void *arg);
SIO_EXTERN int sio_namespace_server_count(sio_namespace_t *nsp, sio_server_count_cb cb,
                                          void *arg);

/* ======================================================================
 * Observation hooks (for add-ons that watch a server: admin panels, metrics)
 * ====================================================================== */

/* A namespace came to exist: made by sio_server_of(), or a dynamic child
 * created for a connecting client (its parent's handlers are in place, no
 * socket has joined it yet). nsp is borrowed: valid until the server frees
 * it (at close, or when an empty dynamic child is cleaned up). Hooks run on
 * the loop thread in the order they were added, and may register handlers
 * on nsp. 0, SIO_EINVAL, SIO_ENOMEM. */
typedef void (*sio_namespace_created_cb)(sio_namespace_t *nsp, void *arg);
SIO_EXTERN int sio_server_on_namespace_created(sio_server_t *s,
                                               sio_namespace_created_cb cb, void *arg);
/* A dynamic child is about to be freed (it had no socket left: see
 * sio_server_opts_set_cleanup_empty_children); nsp is valid for the call
 * only: drop every pointer to it. Not called at server close, where every
 * namespace goes with the server. 0, SIO_EINVAL, SIO_ENOMEM. */
typedef void (*sio_namespace_deleted_cb)(sio_namespace_t *nsp, void *arg);
SIO_EXTERN int sio_server_on_namespace_deleted(sio_server_t *s,
                                               sio_namespace_deleted_cb cb, void *arg);
/* Calls cb for every namespace that exists now (static ones and dynamic
 * children; not the dynamic parents), e.g. to catch up with the ones made
 * before a hook was added ("/" always exists). Returns how many. */
SIO_EXTERN int sio_server_foreach_namespace(sio_server_t *s, sio_namespace_created_cb cb,
                                            void *arg);

/* Room life in the local (in-memory) room index of a namespace, as Node's
 * adapter events: a join into a new room reports SIO_ROOM_CREATED then
 * SIO_ROOM_JOINED; a leave reports SIO_ROOM_LEFT then, if it was the last
 * member, SIO_ROOM_DELETED. Each socket's own-id room counts like any other. */
typedef enum {
  SIO_ROOM_CREATED, /* the room got its first member */
  SIO_ROOM_DELETED, /* the room lost its last member */
  SIO_ROOM_JOINED,  /* socket sid joined the room */
  SIO_ROOM_LEFT     /* socket sid left the room */
} sio_room_event_t;
/* room and sid are borrowed for the call (sid is the socket that caused the
 * change). The hook runs after the change is complete; it may join or leave
 * rooms itself (those changes report their own events). */
typedef void (*sio_room_event_cb)(sio_namespace_t *nsp, sio_room_event_t ev,
                                  const char *room, const char *sid, void *arg);
/* Adds a hook for the room events of every namespace of the server,
 * present and future. 0, SIO_EINVAL, SIO_ENOMEM. */
SIO_EXTERN int sio_server_on_room_event(sio_server_t *s, sio_room_event_cb cb, void *arg);

#ifdef __cplusplus
}
#endif
#endif
