/* libsio: the raw Engine.IO v4 server.
 *
 * An Engine.IO server mounts on a libsio HTTP server at a path prefix
 * ("/engine.io/" by default) and gives one ordered, bidirectional stream of
 * text and binary messages per client session, over HTTP long-polling or a
 * WebSocket, with the handshake, heartbeat and polling -> WebSocket upgrade
 * of the protocol. Socket.IO is built on it; most applications want
 * sio/server.h instead, and use this layer only to speak plain Engine.IO.
 *
 * Threads: everything runs on the HTTP server's loop thread; nothing here is
 * thread-safe.
 * Callbacks: every sio_eio_* call is legal inside every callback of this
 * header (sending, closing a socket, closing the server).
 * Lifetimes:
 *   - a socket is valid from its connection callback until its close
 *     callback returns; do not use the pointer afterwards;
 *   - the server is valid until the callback of sio_eio_server_close returns.
 *   Close the Engine.IO server before the HTTP server it is mounted on.
 */
#ifndef SIO_EIO_H
#define SIO_EIO_H

#include "sio/common.h"
#include "sio/http.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sio_eio_server sio_eio_server_t;
typedef struct sio_eio_socket sio_eio_socket_t;
typedef struct sio_eio_opts sio_eio_opts_t;

/* Transports, as bit flags for sio_eio_opts_set_transports. */
#define SIO_EIO_POLLING 1u
#define SIO_EIO_WEBSOCKET 2u

/* ---- options (copied by sio_eio_server_new; free them afterwards) ---- */

/* A new options object with the reference's defaults (given below each
 * setter); NULL if out of memory. */
SIO_EXTERN sio_eio_opts_t *sio_eio_opts_new(void);
/* Frees o. NULL is ignored. */
SIO_EXTERN void sio_eio_opts_free(sio_eio_opts_t *o);

/* Path prefix the server claims (default "/engine.io/"); copied. A missing
 * trailing '/' is added, as the reference does. Every request whose path
 * starts with the prefix is an Engine.IO request. SIO_EINVAL unless it starts
 * with '/'; SIO_ENOMEM. */
SIO_EXTERN int sio_eio_opts_set_path(sio_eio_opts_t *o, const char *path);
/* Enabled transports: SIO_EIO_POLLING | SIO_EIO_WEBSOCKET (default both).
 * SIO_EINVAL for 0 or unknown bits. */
SIO_EXTERN int sio_eio_opts_set_transports(sio_eio_opts_t *o, unsigned flags);
/* Whether polling sessions may upgrade to WebSocket (default 1). */
SIO_EXTERN void sio_eio_opts_set_allow_upgrades(sio_eio_opts_t *o, int on);
/* Milliseconds between server pings (default 25000). A server caps the
 * interval plus the ping timeout at 2^30 ms (about 12 days). */
SIO_EXTERN void sio_eio_opts_set_ping_interval(sio_eio_opts_t *o, uint32_t ms);
/* Milliseconds the client has to answer a ping (default 20000). */
SIO_EXTERN void sio_eio_opts_set_ping_timeout(sio_eio_opts_t *o, uint32_t ms);
/* Milliseconds a probing WebSocket has to complete the upgrade (default 10000). */
SIO_EXTERN void sio_eio_opts_set_upgrade_timeout(sio_eio_opts_t *o, uint32_t ms);
/* Largest POST body and WebSocket message, in bytes (default 1000000);
 * advertised to clients as maxPayload. A larger POST gets 413, a larger
 * WebSocket message closes the socket with code 1009. */
SIO_EXTERN void sio_eio_opts_set_max_http_buffer_size(sio_eio_opts_t *o, size_t n);
/* Per-session limit on incoming packets (default off; not in the reference):
 * a token bucket of burst tokens (0 means packets_per_second) refilled at
 * packets_per_second; packets_per_second 0 turns it off. Every Engine.IO
 * packet the session receives on its transport takes a token, whichever the
 * transport (each packet of a polling POST payload counts alone) and whatever
 * its type (messages, pongs, noops, close), so a flood of any kind is caught;
 * the upgrade probe's packets are not counted. A packet that finds the bucket
 * empty is not processed: the session is closed at once with reason
 * "transport error" (the reference's reason for a misbehaving transport, so
 * Socket.IO's disconnect reasons stay the documented set; a warning is
 * logged). A healthy client sends one pong per ping interval plus its own
 * messages: a Socket.IO packet with N binary attachments is N+1 Engine.IO
 * packets. */
SIO_EXTERN void sio_eio_opts_set_rate_limit(sio_eio_opts_t *o,
                                            uint32_t packets_per_second, uint32_t burst);
/* permessage-deflate (RFC 7692) on WebSocket transports, off by default as
 * in the reference (a client's offer then gets no extension). On, a
 * client's offer is accepted and messages of at least the threshold are sent
 * compressed. The server never keeps a compressor per connection: each
 * outgoing message is compressed once, with a fresh context, and the same
 * frame goes to every deflate recipient of a broadcast (so the answer always
 * carries server_no_context_takeover). Incoming compressed messages are
 * inflated within the max_http_buffer_size bound: one that would inflate
 * past it closes the connection with 1009, and no more than that bound is
 * ever allocated for it. Memory per connection: see docs/PERFORMANCE.md. */
SIO_EXTERN void sio_eio_opts_set_per_message_deflate(sio_eio_opts_t *o, int on);
/* The smallest message compressed (default 1024 bytes, as the reference). */
SIO_EXTERN void sio_eio_opts_set_deflate_threshold(sio_eio_opts_t *o, size_t bytes);
/* zlib compression level -1 (zlib's default, 6) .. 9, and memLevel 1..9
 * (default 8; the compressor's state, alive only while one message is
 * compressed). SIO_EINVAL out of range. */
SIO_EXTERN int sio_eio_opts_set_deflate_level(sio_eio_opts_t *o, int level,
                                              int mem_level);
/* Windows, as powers of two: server_bits 9..15 (default 15) for what the
 * server compresses, client_bits 8..15 (default 15) the largest window asked
 * of clients that let the server choose (client_max_window_bits), which is
 * also the size of the server's inflate window for them. A client asking the
 * server for a window below server_bits is sent plain frames. SIO_EINVAL out
 * of range. */
SIO_EXTERN int sio_eio_opts_set_deflate_window_bits(sio_eio_opts_t *o, int server_bits,
                                                    int client_bits);
/* Asks every client to compress each message with a fresh context
 * (client_no_context_takeover; default 1, unlike the reference). The server
 * then frees its inflate state after each message, so a connection holds
 * none between messages (with 0, each connection that sent one compressed
 * message keeps about 40 KB: zlib's state and a 32 KB window), at the cost
 * of a worse ratio for clients that send many similar messages; `ws` and
 * engine.io-client then also leave messages under their threshold plain. */
SIO_EXTERN void sio_eio_opts_set_deflate_client_no_context_takeover(sio_eio_opts_t *o,
                                                                    int on);
/* How long a graceful close of a polling session waits for the client's next
 * GET to deliver the close (default 30000 ms). */
SIO_EXTERN void sio_eio_opts_set_close_timeout(sio_eio_opts_t *o, uint32_t ms);
/* Sets a cookie holding the session id on the handshake response of polling
 * sessions (default off), like the reference's `cookie` option:
 * "Set-Cookie: <name>=<sid>; Path=<path>; HttpOnly; SameSite=<same_site>".
 * name NULL turns it off; name "" means "io"; path NULL means "/"; http_only
 * adds HttpOnly; same_site NULL omits SameSite (the reference default is
 * "Lax"). Strings are copied and must be valid cookie tokens (no ';', ',',
 * spaces or control characters): SIO_EINVAL otherwise; SIO_ENOMEM. */
SIO_EXTERN int sio_eio_opts_set_cookie(sio_eio_opts_t *o, const char *name,
                                       const char *path, int http_only,
                                       const char *same_site);
/* Sets a cookie naming this server on every handshake response (the polling
 * answer and the WebSocket 101), for load balancers that keep a client on
 * one server by cookie (sticky sessions, docs/SCALING.md):
 * "Set-Cookie: <name>=<value>; Path=/; HttpOnly; SameSite=Lax". name NULL
 * turns it off. Copied; both must be cookie tokens (no '=' in name): 0,
 * SIO_EINVAL, SIO_ENOMEM. */
SIO_EXTERN int sio_eio_opts_set_server_cookie(sio_eio_opts_t *o, const char *name,
                                              const char *value);
/* Decides whether a handshake request may open a session: return 1 to
 * accept, 0 to refuse (403 {"code":4,"message":"Forbidden"}; a refused
 * WebSocket handshake gets a 400 with the text "Forbidden"). It runs only for
 * handshakes (requests without sid), after the other checks, synchronously:
 * it must decide before returning. req and everything read from it are
 * borrowed for the call (headers, query, remote address; see sio/http.h); do
 * not answer it. Default: every handshake is accepted. */
typedef int (*sio_eio_allow_request_cb)(sio_http_req_t *req, void *arg);
/* Which headers of the handshake request a session keeps for its life (what
 * sio_eio_socket_header and sio_socket_header show to connect handlers and
 * middlewares): names is a comma-separated list, case-insensitive
 * ("user-agent, cookie, authorization"); "" (or a list of nothing but
 * separators) keeps none: a session then keeps only the request's URL (and
 * so its query) and the peer's address, 8 bytes more than their text;
 * NULL, the default, keeps every header, as the reference does. Every kept
 * byte stays with each idle session (a browser sends 0.5-1 KB of headers).
 * The request is still read whole while the handshake runs (allow_request
 * hooks see every header); the admin UI's address and the fetched sockets' "xdomain" read
 * x-forwarded-for / cf-connecting-ip and origin, if kept. Copies names.
 * 0, SIO_EINVAL (o NULL) or SIO_ENOMEM. */
SIO_EXTERN int sio_eio_opts_set_handshake_headers(sio_eio_opts_t *o, const char *names);
/* Kept handshake headers whose values most sessions share word for word
 * (User-Agent, Accept, Accept-Language, Origin, Host, Sec-CH-UA; not
 * per-user ones such as Cookie) keep a value of 32 bytes or more once per
 * server, counted, instead of once per session. The table holds at most
 * max_entries values of at most max_len bytes each (defaults below); when
 * it is full, or a value is longer, the value is kept in its session as
 * without sharing. max_entries 0 turns sharing off. What the header
 * accessors return does not change. */
#define SIO_EIO_SHARED_VALUES_DEFAULT 1024
#define SIO_EIO_SHARED_VALUE_LEN_DEFAULT 1024
SIO_EXTERN void sio_eio_opts_set_shared_header_values(sio_eio_opts_t *o,
                                                      uint32_t max_entries,
                                                      uint32_t max_len);
SIO_EXTERN void sio_eio_opts_set_allow_request(sio_eio_opts_t *o,
                                               sio_eio_allow_request_cb cb, void *arg);

/* ---- hooks (the reference's allowRequest, generateId and header events) ---- */

/* Asynchronous allowRequest: the application answers later (after a token
 * check, a database look-up...). cb runs for handshakes (requests without
 * sid) after the other checks, like the synchronous hook, which runs first
 * when both are set. req is borrowed for the call only (read its headers,
 * query and address then; do not answer it). The application answers through
 * pending, exactly once, with sio_eio_allow_accept or sio_eio_allow_refuse,
 * from the loop thread, inside cb or any time later; the answer frees
 * pending. Meanwhile the request waits, at most timeout_ms (0 means 10000):
 * past it the handshake is refused as "Forbidden". If the client goes away,
 * the timeout passes or the server closes first, the request is gone and the
 * later answer is ignored (but must still be given, to free pending).
 * cb NULL turns it off. The wait timeout is in docs/SECURITY.md. */
typedef struct sio_eio_allow sio_eio_allow_t;
typedef void (*sio_eio_allow_request_async_cb)(sio_http_req_t *req,
                                               sio_eio_allow_t *pending, void *arg);
SIO_EXTERN void sio_eio_opts_set_allow_request_async(sio_eio_opts_t *o,
                                                     sio_eio_allow_request_async_cb cb,
                                                     void *arg, uint32_t timeout_ms);
/* The handshake goes on (the session opens, on the transport asked for).
 * Frees pending. */
SIO_EXTERN void sio_eio_allow_accept(sio_eio_allow_t *pending);
/* The handshake is refused as the reference refuses it: a polling request gets
 * 403 {"code":4,"message":<message>}, a WebSocket one 400 with the message as
 * text. message NULL means "Forbidden"; it is copied (at most 200 bytes are
 * kept; control characters become spaces). Frees pending. */
SIO_EXTERN void sio_eio_allow_refuse(sio_eio_allow_t *pending, const char *message);

/* Extra response headers, filled by the header hooks below. */
typedef struct sio_eio_headers sio_eio_headers_t;
/* Adds "name: value" to the response. name must be an HTTP token (letters,
 * digits and !#$%&'*+-.^_`|~), value must hold no CR, LF, NUL or other
 * control character but tab; both copied. The headers that frame the
 * message or the connection are libsio's: Content-Length, Transfer-Encoding,
 * Connection, Upgrade and Sec-WebSocket-Accept are refused. 0, SIO_EINVAL or
 * SIO_ENOMEM. */
SIO_EXTERN int sio_eio_headers_add(sio_eio_headers_t *h, const char *name,
                                   const char *value);
/* A header hook: req is the request being answered (borrowed for the call,
 * read-only: do not answer it); h is valid for the call only. */
typedef void (*sio_eio_headers_cb)(sio_http_req_t *req, sio_eio_headers_t *h, void *arg);
/* Runs on the handshake response only (the polling open packet's answer or
 * the WebSocket 101), as the reference's "initial_headers" event. NULL: off. */
SIO_EXTERN void sio_eio_opts_set_initial_headers(sio_eio_opts_t *o, sio_eio_headers_cb cb,
                                                 void *arg);
/* Runs on every 200 answer of a polling request and every WebSocket 101
 * (after the initial hook on a handshake), as the reference's "headers"
 * event. Error answers (4xx/5xx) get none. NULL: off. */
SIO_EXTERN void sio_eio_opts_set_headers(sio_eio_opts_t *o, sio_eio_headers_cb cb,
                                         void *arg);

/* The longest session id, in bytes. */
#define SIO_EIO_SID_MAX 63
/* A session id generator, as the reference's generateId: writes an id of 1
 * to SIO_EIO_SID_MAX characters among A-Z a-z 0-9 '-' '_' into out (cap is
 * SIO_EIO_SID_MAX + 1; a NUL is not needed) and returns its length. req is
 * borrowed for the call. A return outside 1..SIO_EIO_SID_MAX or a character
 * outside the set refuses the handshake as the reference does when its
 * generator throws (400 {"code":3,"message":"Bad request"}) and logs a
 * warning; an id already in use is asked for again, at most 3 times, then
 * refused the same way. NULL: 20 random URL-safe characters (the default). */
typedef int (*sio_eio_generate_id_cb)(sio_http_req_t *req, char *out, size_t cap,
                                      void *arg);
SIO_EXTERN void sio_eio_opts_set_generate_id(sio_eio_opts_t *o, sio_eio_generate_id_cb cb,
                                             void *arg);

/* Whether Engine.IO v3 clients (EIO=3: engine.io-client 3, socket.io-client
 * 2.x and the firmware clients built on them) may connect, as the reference's
 * allowEIO3 (default 0). Off, their handshake is refused as the reference
 * refuses it: a polling request gets 400 {"code":5,"message":"Unsupported
 * protocol version"}, a WebSocket one is accepted and closed. On, such a
 * session speaks v3 (its payload format, the client's pings answered with
 * pongs) beside the v4 sessions; messages are the same to the application.
 * A handshake whose EIO is anything but 4 counts as v3, as in the reference. */
SIO_EXTERN void sio_eio_opts_set_allow_eio3(sio_eio_opts_t *o, int on);

/* ---- server ---- */

/* Creates an Engine.IO server mounted on http (borrowed; it must outlive the
 * Engine.IO server) at the options' path. opts may be NULL for the defaults.
 * Returns 0 and *out, SIO_EEXIST if the path is already mounted, or
 * SIO_ENOMEM / SIO_EINVAL. */
SIO_EXTERN int sio_eio_server_new(sio_http_server_t *http, const sio_eio_opts_t *opts,
                                  sio_eio_server_t **out);

/* A new session is open: its open packet has been sent. Sending from here is
 * fine (polling: the packets wait for the client's next GET). */
typedef void (*sio_eio_connection_cb)(sio_eio_socket_t *sock, void *arg);
/* A message from the client: binary 0 for text (UTF-8 as sent), 1 for binary.
 * data is borrowed for the call only. */
typedef void (*sio_eio_message_cb)(sio_eio_socket_t *sock, int binary,
                                   const uint8_t *data, size_t len, void *arg);
/* The session is closed; runs exactly once per socket. reason is a static
 * string: "transport close" (the client closed or went away), "ping timeout",
 * "transport error" (a broken or misbehaving transport, a write buffer over
 * its cap), "parse error" (an invalid packet), "forced close"
 * (sio_eio_socket_close) or "server shutting down" (sio_eio_server_close).
 * Sending from here fails with SIO_ECLOSED. The socket is freed when the
 * callback returns. */
typedef void (*sio_eio_close_cb)(sio_eio_socket_t *sock, const char *reason, void *arg);

/* Sets (or clears with NULL) the callbacks; arg is passed to each. */
SIO_EXTERN void sio_eio_server_on_connection(sio_eio_server_t *s,
                                             sio_eio_connection_cb cb, void *arg);
SIO_EXTERN void sio_eio_server_on_message(sio_eio_server_t *s, sio_eio_message_cb cb,
                                          void *arg);
SIO_EXTERN void sio_eio_server_on_close(sio_eio_server_t *s, sio_eio_close_cb cb,
                                        void *arg);

/* Number of open sessions. A worker's server of a libsio server with
 * workers (sio_server_opts_set_workers) answers for the whole process: the
 * sum of every worker's count (each published by its own thread at a
 * session's open and close, read without a lock), as Node's
 * engine.clientsCount; legal on any worker's thread. */
SIO_EXTERN size_t sio_eio_server_clients_count(const sio_eio_server_t *s);
/* Number of open sessions of s alone: with workers, the calling worker's
 * own (what a per-worker report adds up across workers, as libsio-admin's
 * server_stats does); without, the same as sio_eio_server_clients_count.
 * On s's loop thread only. */
SIO_EXTERN size_t sio_eio_server_clients_count_here(const sio_eio_server_t *s);
/* The socket with this session id (NUL-terminated, borrowed), or NULL. */
SIO_EXTERN sio_eio_socket_t *sio_eio_server_find(sio_eio_server_t *s, const char *sid);

/* Closes every session (close callbacks run with "server shutting down";
 * held GETs get the close packet, WebSockets a close frame), unmounts the
 * path, and runs cb (may be NULL) from the loop once that is done; the server
 * is freed when cb returns. Idempotent (later calls do nothing, their cb is
 * not run); safe inside any callback. */
typedef void (*sio_eio_server_close_cb)(sio_eio_server_t *s, void *arg);
SIO_EXTERN void sio_eio_server_close(sio_eio_server_t *s, sio_eio_server_close_cb cb,
                                     void *arg);

/* User data, never touched by libsio. */
SIO_EXTERN void sio_eio_server_set_data(sio_eio_server_t *s, void *data);
SIO_EXTERN void *sio_eio_server_get_data(const sio_eio_server_t *s);

/* ---- sockets (sessions) ---- */

/* Queues a message: binary 0 sends data as text (it should be UTF-8), 1 as
 * binary. data is copied. Returns 0, SIO_ECLOSED if the session is closed or
 * closing, SIO_ENOMEM. When the session's buffer would pass its cap (the HTTP
 * server's max write queue) the session is closed ("transport error") and
 * SIO_ELIMIT is returned. */
SIO_EXTERN int sio_eio_socket_send(sio_eio_socket_t *sock, int binary, const void *data,
                                   size_t len);
/* Closes the session gracefully: packets already queued are delivered first.
 * On polling with a held GET the close packet goes out at once; otherwise the
 * next GET returns what is buffered, the one after it the close (waiting at
 * most the close timeout). On WebSocket a close frame is sent. The close
 * callback runs with "forced close" when the session is gone (possibly inside
 * this call). Idempotent. */
SIO_EXTERN void sio_eio_socket_close(sio_eio_socket_t *sock);

/* The session id: 20 URL-safe characters (or the generator's id, see
 * sio_eio_opts_set_generate_id), NUL-terminated; valid as long as the
 * socket. */
SIO_EXTERN const char *sio_eio_socket_id(const sio_eio_socket_t *sock);
/* The current transport: "polling" or "websocket" (static string). */
SIO_EXTERN const char *sio_eio_socket_transport(const sio_eio_socket_t *sock);
/* The client's address as "ip" (of the handshake request); valid as long as
 * the socket. */
SIO_EXTERN const char *sio_eio_socket_remote_addr(const sio_eio_socket_t *sock);
/* The session's handshake request, kept for the session's life (the
 * reference's socket.request): a header (case-insensitive name; NULL if
 * absent, *len its length when len is not NULL), header i (0, or SIO_ENOENT
 * past the end; its name lower-cased, as the reference's request headers), the raw query
 * string ("" if none), a percent-decoded query parameter into out (NUL-terminated,
 * truncated to outlen - 1; returns the full length, SIO_ENOENT, SIO_EINVAL for outlen 0
 * or a bad escape, SIO_ENOMEM), and the request target ("/engine.io/?EIO=4&...").
 * Pointers are borrowed and valid as long as the socket. */
SIO_EXTERN const char *sio_eio_socket_header(const sio_eio_socket_t *sock,
                                             const char *name, size_t *len);
SIO_EXTERN int sio_eio_socket_header_at(const sio_eio_socket_t *sock, size_t i,
                                        sio_buf_t *name, sio_buf_t *value);
SIO_EXTERN const char *sio_eio_socket_query(const sio_eio_socket_t *sock, size_t *len);
SIO_EXTERN int sio_eio_socket_query_get(const sio_eio_socket_t *sock, const char *key,
                                        char *out, size_t outlen);
SIO_EXTERN const char *sio_eio_socket_url(const sio_eio_socket_t *sock, size_t *len);
/* The session's Engine.IO protocol revision: 3 or 4. */
SIO_EXTERN int sio_eio_socket_protocol(const sio_eio_socket_t *sock);
/* The server the socket belongs to. */
SIO_EXTERN sio_eio_server_t *sio_eio_socket_server(const sio_eio_socket_t *sock);
/* User data, never touched by libsio. */
SIO_EXTERN void sio_eio_socket_set_data(sio_eio_socket_t *sock, void *data);
SIO_EXTERN void *sio_eio_socket_get_data(const sio_eio_socket_t *sock);

#ifdef __cplusplus
}
#endif
#endif
