/* libsio: the Socket.IO v5 / Engine.IO v4 client.
 *
 * The C counterpart of socket.io-client 4.8: a manager (sio_client_t) owns
 * one Engine.IO session to a server (polling, WebSocket, or polling then
 * upgrade, the default) and multiplexes namespace sockets
 * (sio_client_socket_t) over it. Events with a catch-all, acknowledgements
 * both ways with timeouts, binary arguments, an auth payload recomputed by a
 * callback on every (re)connection, connect errors with their data, and
 * reconnection with exponential backoff and jitter.
 *
 * Arguments are those of the server: build them with sio_args_t and read
 * them with sio_argv_t (sio/args.h). This header does not bring in the
 * server's API nor <uv.h>: include <uv.h> to run a loop.
 *
 * Threads: everything runs on the loop's thread; nothing is thread-safe. To
 * use the client from another thread, run it on its own loop in that thread
 * (or use the blocking simple client at the end of this header).
 *
 * Signals: a write to a connection the server reset raises SIGPIPE. libsio
 * sets it to ignored when it is still at its default (sio/common.h); an
 * application that installs its own SIGPIPE handler must keep it harmless,
 * as it may run on the thread of the loop the client writes from.
 *
 * Reentrancy: every function is legal inside every callback of this header.
 * sio_client_close() from a callback takes effect at once; objects stay
 * valid until the callback returns.
 *
 * Lifetimes:
 *  - a client is valid until its close callback returns; sockets live as
 *    long as their client;
 *  - received arguments and every pointer in a callback are borrowed for
 *    the call;
 *  - after the close callback, internal handles may still be closing: keep
 *    running the loop until uv_run() returns before uv_loop_close().
 *
 * Timers: every timer (heartbeat, reconnection, ack timeouts, connect
 * timeout) belongs to the client and is cancelled by sio_client_close().
 * A close by the user never triggers a reconnection.
 *
 * URLs: http://, ws://, and with TLS https://, wss:// (see the TLS options).
 * A host name other than an IP literal ("localhost" is 127.0.0.1) is looked
 * up with uv_getaddrinfo(), off the loop, at every connection, so a
 * reconnection follows a DNS change.
 */
#ifndef SIO_CLIENT_H
#define SIO_CLIENT_H

#include "sio/args.h"
#include "sio/common.h"
#include "sio/parser.h"

#ifdef __cplusplus
extern "C" {
#endif

/* libuv's loop type (the same declaration as <uv.h>'s). */
typedef struct uv_loop_s uv_loop_t;

typedef struct sio_client sio_client_t;
typedef struct sio_client_opts sio_client_opts_t;
typedef struct sio_client_socket sio_client_socket_t;
typedef struct sio_client_ack sio_client_ack_t;

/* ======================================================================
 * Options (copied by sio_client_new; free them after)
 * ====================================================================== */

typedef enum {
  SIO_TRANSPORT_POLLING_UPGRADE = 0, /* polling, then WebSocket (default) */
  SIO_TRANSPORT_POLLING = 1,         /* long-polling only */
  SIO_TRANSPORT_WEBSOCKET = 2        /* WebSocket only */
} sio_transport_mode_t;

SIO_EXTERN sio_client_opts_t *sio_client_opts_new(void);
SIO_EXTERN void sio_client_opts_free(sio_client_opts_t *o);
SIO_EXTERN void sio_client_opts_set_transports(sio_client_opts_t *o,
                                               sio_transport_mode_t mode);
/* Endpoint path (default "/socket.io/"); copied; a trailing '/' is added. */
SIO_EXTERN int sio_client_opts_set_path(sio_client_opts_t *o, const char *path);
/* An extra query parameter (key and value copied and percent-encoded). */
SIO_EXTERN int sio_client_opts_add_query(sio_client_opts_t *o, const char *key,
                                         const char *value);
/* An extra request header on every HTTP request and the WebSocket upgrade
 * (copied; name and value must not hold CR or LF: SIO_EINVAL). */
SIO_EXTERN int sio_client_opts_add_header(sio_client_opts_t *o, const char *name,
                                          const char *value);
/* Reconnection (default on, unlimited attempts (0), delay 1000 ms, max
 * 5000 ms, randomization 0.5). */
SIO_EXTERN void sio_client_opts_set_reconnection(sio_client_opts_t *o, int on);
SIO_EXTERN void sio_client_opts_set_reconnection_attempts(sio_client_opts_t *o,
                                                          uint32_t n);
SIO_EXTERN void sio_client_opts_set_reconnection_delay(sio_client_opts_t *o, uint32_t ms,
                                                       uint32_t max_ms);
SIO_EXTERN void sio_client_opts_set_randomization(sio_client_opts_t *o, double factor);
/* How long opening the Engine.IO session may take (default 20000 ms). */
SIO_EXTERN void sio_client_opts_set_timeout(sio_client_opts_t *o, uint32_t ms);
/* Emits made while a socket is not connected are buffered and sent once it
 * connects: at most n packets (default 1000; 0 disables buffering, such
 * emits then fail with SIO_ENOTCONN). Over the bound: SIO_ELIMIT. The same
 * bound holds the events a recovering server sends before its CONNECT
 * reply (more are dropped). */
SIO_EXTERN void sio_client_opts_set_max_buffered(sio_client_opts_t *o, uint32_t n);
/* The parser of the session (sio/parser.h; a static object, borrowed for
 * ever): the server must speak the same. NULL (the default) is
 * sio_parser_json(). */
SIO_EXTERN void sio_client_opts_set_parser(sio_client_opts_t *o,
                                           const sio_parser_t *parser);

/* Bounds against a server that does not read or floods us (docs/SECURITY.md).
 * Write queue: bytes waiting to be sent on the WebSocket, and packets waiting
 * for the next polling POST (counted with their bookkeeping); a send that
 * finds the queue at the cap fails the session with "transport error",
 * then the usual reconnection. Default 4 MiB, as the server's
 * sio_http_opts_set_max_write_queue; 0 is ignored. */
#define SIO_CLIENT_DEFAULT_MAX_WRITE_QUEUE ((size_t)4 * 1024 * 1024)
SIO_EXTERN void sio_client_opts_set_max_write_queue(sio_client_opts_t *o, size_t bytes);
/* Offers permessage-deflate (RFC 7692) on WebSocket transports (default
 * off; engine.io-client offers it by default). When the server accepts,
 * messages of 1024 bytes or more are sent compressed, each with a fresh
 * context, and compressed messages are inflated within the client's maximum
 * message size: one that would inflate past it fails the connection with
 * 1009 (then the usual reconnection), whatever its compressed size. */
SIO_EXTERN void sio_client_opts_set_per_message_deflate(sio_client_opts_t *o, int on);
/* The simple client's received events waiting for sio_simple_receive(): at
 * most this many bytes (arguments and attachments); the oldest are dropped
 * to make room, an event larger than the whole bound is dropped itself,
 * and both are counted by sio_simple_dropped(). Default 16 MiB; 0 is
 * ignored. The async client keeps no such queue. */
#define SIO_CLIENT_DEFAULT_MAX_RECEIVE_QUEUE ((size_t)16 * 1024 * 1024)
SIO_EXTERN void sio_client_opts_set_max_receive_queue(sio_client_opts_t *o, size_t bytes);

/* TLS, for "https://" and "wss://" URLs (ignored for http:// and ws://).
 * By default the server's certificate is checked against the system's CA
 * store and the URL's host name (SNI is sent for names, not IP literals); a
 * failed check (or any handshake failure) is a connect error with
 * SIO_ETLS, retried like any failed open when reconnection is on.
 *
 * Trust anchors instead of the system store: ca_file (a PEM file of one or
 * more CA certificates) and/or ca_dir (an OpenSSL hashed directory); either
 * may be NULL, both NULL restores the system store. Paths are copied; the
 * files are read by sio_client_new (a file that cannot be loaded makes it
 * fail with SIO_ETLS). 0 or SIO_ENOMEM / SIO_EINVAL. */
SIO_EXTERN int sio_client_opts_set_tls_ca(sio_client_opts_t *o, const char *ca_file,
                                          const char *ca_dir);
/* on 0 disables every certificate check (expired, self-signed, wrong host
 * name: all accepted). For tests and development only. Default 1. */
SIO_EXTERN void sio_client_opts_set_tls_verify(sio_client_opts_t *o, int on);
/* A client certificate (PEM chain) and its private key (PEM, unencrypted),
 * for servers that ask for one. Paths copied, files read by sio_client_new
 * (SIO_ETLS if they cannot be loaded or do not match). Both NULL: none.
 * 0, SIO_EINVAL (only one given) or SIO_ENOMEM. */
SIO_EXTERN int sio_client_opts_set_tls_cert(sio_client_opts_t *o, const char *cert_file,
                                            const char *key_file);

/* ======================================================================
 * The manager: one Engine.IO session
 * ====================================================================== */

/* Creates a client for url ("http://host:port", "ws://", or with TLS
 * "https://" / "wss://"; the port defaults to 80, or 443 with TLS; an
 * optional path is ignored: set it with sio_client_opts_set_path) on loop
 * (borrowed; it must outlive the client). Nothing connects until a socket
 * connects. A host name is not looked up here: it is resolved (without
 * blocking the loop) at every connection, so a reconnection sees a DNS
 * change; a failed lookup is a connect error SIO_ENOENT (SIO_CLIENT_ERROR /
 * RECONNECT_ERROR), retried like any. IP literals and "localhost"
 * (127.0.0.1) need no lookup. 0 and *out, SIO_EINVAL (bad URL or scheme),
 * SIO_ETLS (a TLS file of the options could not be loaded), SIO_ENOMEM.
 * opts may be NULL. */
SIO_EXTERN int sio_client_new(uv_loop_t *loop, const char *url,
                              const sio_client_opts_t *opts, sio_client_t **out);

/* Lifecycle of the manager. value: the attempt number (RECONNECT_ATTEMPT,
 * RECONNECT), or an error code (ERROR, CLOSE: 0 for a close by the user);
 * reason: a short static text ("ping timeout", "transport close", "transport
 * error", "parse error", "io client disconnect", ...) or NULL. */
typedef enum {
  SIO_CLIENT_OPEN,              /* the Engine.IO session is open */
  SIO_CLIENT_CLOSE,             /* the session closed (reason) */
  SIO_CLIENT_ERROR,             /* opening failed (value: error) */
  SIO_CLIENT_RECONNECT_ATTEMPT, /* a reconnection starts (value: attempt) */
  SIO_CLIENT_RECONNECT,         /* reconnected (value: attempts it took) */
  SIO_CLIENT_RECONNECT_ERROR,   /* an attempt failed (value: error) */
  SIO_CLIENT_RECONNECT_FAILED,  /* attempts exhausted: no more tries */
  SIO_CLIENT_UPGRADE            /* the session moved to WebSocket */
} sio_client_event_t;
typedef void (*sio_client_event_cb)(sio_client_t *c, sio_client_event_t ev, int value,
                                    const char *reason, void *arg);
/* One handler (a later call replaces it; NULL removes it). */
SIO_EXTERN void sio_client_on_event(sio_client_t *c, sio_client_event_cb cb, void *arg);

/* "polling" or "websocket" while open, else NULL (static). */
SIO_EXTERN const char *sio_client_transport(const sio_client_t *c);
/* The Engine.IO session id while open, else NULL (valid until it closes). */
SIO_EXTERN const char *sio_client_sid(const sio_client_t *c);

/* Closes everything: every socket disconnects ("io client disconnect"),
 * every pending ack callback runs with SIO_ECANCELED, the session is closed
 * gracefully, every timer is cancelled, no reconnection follows; cb (may be
 * NULL) runs once from the loop and the client is freed when it returns.
 * Idempotent: later calls do nothing. */
typedef void (*sio_client_close_cb)(sio_client_t *c, void *arg);
SIO_EXTERN void sio_client_close(sio_client_t *c, sio_client_close_cb cb, void *arg);

SIO_EXTERN void sio_client_set_data(sio_client_t *c, void *data);
SIO_EXTERN void *sio_client_get_data(const sio_client_t *c);
SIO_EXTERN uv_loop_t *sio_client_loop(const sio_client_t *c);

/* ======================================================================
 * Namespace sockets
 * ====================================================================== */

/* The socket for namespace nsp ("/" or "/chat"; copied) on this client,
 * created on first use (not connected). NULL if out of memory or nsp does
 * not start with '/'. */
SIO_EXTERN sio_client_socket_t *sio_client_socket(sio_client_t *c, const char *nsp);
SIO_EXTERN sio_client_t *sio_client_socket_client(const sio_client_socket_t *s);
SIO_EXTERN const char *sio_client_socket_nsp(const sio_client_socket_t *s);

/* The auth payload sent with CONNECT. Static: one JSON object text (copied;
 * NULL removes it; SIO_EINVAL if not an object). Dynamic: cb runs before
 * each CONNECT (so also on every reconnection) and may add ONE JSON object
 * to auth (sio_args_add_raw / sio_args_add_json); adding nothing sends no
 * auth. The callback wins over the static payload. */
SIO_EXTERN int sio_client_socket_set_auth(sio_client_socket_t *s, const char *json);
typedef void (*sio_client_auth_cb)(sio_client_socket_t *s, sio_args_t *auth, void *arg);
SIO_EXTERN void sio_client_socket_set_auth_cb(sio_client_socket_t *s,
                                              sio_client_auth_cb cb, void *arg);

/* Connects the socket: opens the manager's session if needed, then sends
 * CONNECT. The socket reconnects by itself after a session loss until
 * disconnected. 0 or SIO_ENOMEM. Connecting a connected socket does
 * nothing. */
SIO_EXTERN int sio_client_socket_connect(sio_client_socket_t *s);
/* Disconnects: sends DISCONNECT if connected, fails pending acks with
 * SIO_ECANCELED, runs the disconnect handler ("io client disconnect"), and
 * closes the session when no socket is left. No automatic reconnection of
 * this socket. Idempotent. */
SIO_EXTERN void sio_client_socket_disconnect(sio_client_socket_t *s);
/* 1 while connected to the namespace. */
SIO_EXTERN int sio_client_socket_connected(const sio_client_socket_t *s);
/* 1 while connected through a connection state recovery: the server knew
 * this socket's previous session (it keeps them when the server enables
 * recovery: sio_server_opts_set_recovery, Node's connectionStateRecovery),
 * gave the same id and rooms back and sent the missed events again. The
 * client keeps the private session id of the CONNECT reply and the offset
 * of the last event received (its last argument, a string), and sends both
 * in the CONNECT of every reconnection; the offset stays the last argument
 * handlers see, as with socket.io-client. */
SIO_EXTERN int sio_client_socket_recovered(const sio_client_socket_t *s);
/* The socket id the server gave (valid while connected), else NULL. */
SIO_EXTERN const char *sio_client_socket_id(const sio_client_socket_t *s);

/* Handlers (one per kind; a later call replaces it).
 * connect: the server accepted the CONNECT.
 * connect_error: refused by the server (CONNECT_ERROR): message
 *   (NUL-terminated) and data (raw JSON text, or NULL when absent) are
 *   borrowed for the call; the socket stays disconnected and does not retry
 *   by itself. Also runs when the session could not be opened, with the
 *   reason as message ("timeout", "transport error", "parse error") and
 *   data NULL; the manager then retries if reconnection is on.
 * disconnect: reason is "io server disconnect" (the server sent
 *   DISCONNECT: no reconnection), "io client disconnect", "ping timeout",
 *   "transport close", "transport error", "parse error". */
typedef void (*sio_client_connect_cb)(sio_client_socket_t *s, void *arg);
typedef void (*sio_client_connect_error_cb)(sio_client_socket_t *s, const char *message,
                                            const char *data, void *arg);
typedef void (*sio_client_disconnect_cb)(sio_client_socket_t *s, const char *reason,
                                         void *arg);
SIO_EXTERN void sio_client_socket_on_connect(sio_client_socket_t *s,
                                             sio_client_connect_cb cb, void *arg);
SIO_EXTERN void sio_client_socket_on_connect_error(sio_client_socket_t *s,
                                                   sio_client_connect_error_cb cb,
                                                   void *arg);
SIO_EXTERN void sio_client_socket_on_disconnect(sio_client_socket_t *s,
                                                sio_client_disconnect_cb cb, void *arg);

/* An event from the server. ack is non-NULL when the server asked for an
 * acknowledgement: answer it with sio_client_ack_send() inside the call,
 * or keep it with sio_client_ack_hold(). Everything is borrowed for the
 * call. Catch-all handlers run before the named ones. Handlers may add or
 * remove handlers (themselves too) from inside, with the server's rules
 * (sio/server.h): the handlers present when an event arrives run for it,
 * once, in order; one added meanwhile first runs for the next event; one
 * removed meanwhile does not run any more, even for the event under way
 * (its arg may be freed as soon as the removal returns). */
typedef void (*sio_client_socket_event_cb)(sio_client_socket_t *s, const char *event,
                                           const sio_argv_t *args, sio_client_ack_t *ack,
                                           void *arg);
/* Adds a handler of event (copied). 0, SIO_ENOMEM, SIO_EINVAL. */
SIO_EXTERN int sio_client_socket_on(sio_client_socket_t *s, const char *event,
                                    sio_client_socket_event_cb cb, void *arg);
/* Removes the handlers of event: all of them when cb is NULL, else those
 * with this cb and arg (as sio_socket_off). Returns how many were removed. */
SIO_EXTERN int sio_client_socket_off(sio_client_socket_t *s, const char *event,
                                     sio_client_socket_event_cb cb, void *arg);
SIO_EXTERN int sio_client_socket_on_any(sio_client_socket_t *s,
                                        sio_client_socket_event_cb cb, void *arg);

/* Answers the server's ack (args NULL for none; binary makes it a
 * BINARY_ACK). At most once (SIO_EEXIST after). A held ack is freed by
 * this call. 0, SIO_EEXIST, SIO_ENOTCONN (the socket disconnected; nothing
 * sent), or an encoding error. */
SIO_EXTERN int sio_client_ack_send(sio_client_ack_t *ack, const sio_args_t *args);
/* Keeps the ack past the handler: later call sio_client_ack_send() or
 * sio_client_ack_release() exactly once. The socket must outlive it. */
SIO_EXTERN sio_client_ack_t *sio_client_ack_hold(sio_client_ack_t *ack);
SIO_EXTERN void sio_client_ack_release(sio_client_ack_t *ack);

/* Sends event with args (NULL for none; borrowed: encoded at once). While
 * the socket is not connected the packet is buffered (see
 * sio_client_opts_set_max_buffered). 0, SIO_EINVAL (reserved name), the
 * args' sticky error, SIO_ENOTCONN, SIO_ELIMIT, SIO_ENOMEM. */
SIO_EXTERN int sio_client_socket_emit(sio_client_socket_t *s, const char *event,
                                      const sio_args_t *args);
/* The server's reply, or the end of the wait. Runs exactly once (unless the
 * emit returned an error): status 0 with the reply, SIO_ETIMEDOUT (no reply
 * within timeout_ms; reply NULL), or SIO_ECANCELED (the socket disconnected
 * or the client closed; reply NULL). */
typedef void (*sio_client_ack_cb)(sio_client_socket_t *s, int status,
                                  const sio_argv_t *reply, void *arg);
/* Emits with an ack. timeout_ms 0 waits until the reply or a disconnect. */
SIO_EXTERN int sio_client_socket_emit_with_ack(sio_client_socket_t *s, const char *event,
                                               const sio_args_t *args,
                                               uint32_t timeout_ms, sio_client_ack_cb cb,
                                               void *arg);

SIO_EXTERN void sio_client_socket_set_data(sio_client_socket_t *s, void *data);
SIO_EXTERN void *sio_client_socket_get_data(const sio_client_socket_t *s);

/* ======================================================================
 * The simple blocking client (python-socketio's SimpleClient)
 *
 * Design: sio_simple_connect() starts a thread of its own running a private
 * loop with the client above on it, so the connection lives between calls:
 * pings are answered and a lost session reconnects by itself however long
 * the program stays away. The calls below hand their work to that thread
 * and block until it is done or their time is up.
 *
 * Received events wait in a queue for sio_simple_receive(), at most 1024
 * and at most sio_client_opts_set_max_receive_queue() bytes: past that the
 * OLDEST queued events are dropped (the loop thread never blocks, so the
 * heartbeat keeps going) and counted by sio_simple_dropped().
 *
 * Threads: emit, call, receive, connected, sid and dropped may be called
 * from any threads, also at the same time (a mutex guards the shared
 * state; each event is received by exactly one caller). disconnect must be
 * called exactly once, after every other call on the client returned. The
 * simple client's own thread blocks asynchronous signals (a write to a
 * reset connection fails there with EPIPE; your handlers never run on it).
 * ====================================================================== */

typedef struct sio_simple sio_simple_t;

/* A received event or ack reply, owned by the caller (free it with
 * sio_simple_msg_free). event is NULL for an ack reply. args is the JSON
 * array of the arguments as received (binary values appear as
 * {"_placeholder":true,"num":N}, N indexing bins). */
typedef struct {
  char *event;
  char *args;
  size_t nbins;
  sio_buf_t *bins;
} sio_simple_msg_t;
SIO_EXTERN void sio_simple_msg_free(sio_simple_msg_t *m);

/* Connects to url, namespace nsp (NULL for "/") with an optional auth
 * object (JSON text or NULL) within timeout_ms. opts may be NULL (copied).
 * 0 and *out; SIO_ETIMEDOUT; SIO_ECONNRESET (refused: the refusal message
 * is logged); SIO_EINVAL; SIO_ENOMEM. On failure nothing is left (the
 * thread is joined). */
SIO_EXTERN int sio_simple_connect(const char *url, const char *nsp, const char *auth,
                                  const sio_client_opts_t *opts, uint32_t timeout_ms,
                                  sio_simple_t **out);
/* Emits (buffered while reconnecting). Errors as sio_client_socket_emit. */
SIO_EXTERN int sio_simple_emit(sio_simple_t *sc, const char *event,
                               const sio_args_t *args);
/* Emits and waits for the ack (timeout_ms > 0): 0 and *reply (owned),
 * SIO_ETIMEDOUT, SIO_ECANCELED (disconnected), or an emit error. */
SIO_EXTERN int sio_simple_call(sio_simple_t *sc, const char *event,
                               const sio_args_t *args, uint32_t timeout_ms,
                               sio_simple_msg_t **reply);
/* The next event (queued or arriving within timeout_ms; 0 takes only a
 * queued one): 0 and *msg (owned), or SIO_ETIMEDOUT. Events the server sent with an ack
 * request are answered with no arguments. */
SIO_EXTERN int sio_simple_receive(sio_simple_t *sc, uint32_t timeout_ms,
                                  sio_simple_msg_t **msg);
/* 1 while connected. */
SIO_EXTERN int sio_simple_connected(const sio_simple_t *sc);
/* Copies the socket id the server gave (NUL-terminated) into buf: 0,
 * SIO_ENOTCONN (not connected now; buf ""), SIO_EMSGSIZE (cap too small;
 * buf ""), SIO_EINVAL. A reconnection gets a new id. */
SIO_EXTERN int sio_simple_sid(const sio_simple_t *sc, char *buf, size_t cap);
/* How many received events were dropped because the queue was full. */
SIO_EXTERN uint64_t sio_simple_dropped(const sio_simple_t *sc);
/* Disconnects, stops and joins the thread, frees everything (the private
 * loop included). sc may be NULL. */
SIO_EXTERN void sio_simple_disconnect(sio_simple_t *sc);

#ifdef __cplusplus
}
#endif
#endif
