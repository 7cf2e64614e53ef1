/* libsio's HTTP/1.1 server: Engine.IO and Socket.IO mount on it, it serves
 * static files from a root directory, and hands every other request to the
 * application's handler (404 when there is none).
 *
 * Requests are read strictly (RFC 9112): CRLF line ends only, no folded
 * header lines, one Host at most, HTTP/1.0 or HTTP/1.1 only; anything else is
 * answered 400 (505 for another version) and the connection closed, so a
 * proxy in front cannot be made to frame the stream another way
 * (docs/SECURITY.md, "HTTP parsing").
 *
 * Threads: everything runs on the loop's thread; nothing here is thread-safe.
 * Lifetime: close is asynchronous and idempotent; the server's memory stays
 * valid until the close callback returns. The loop is the user's: libsio never
 * runs, stops or closes it.
 */
#ifndef SIO_HTTP_H
#define SIO_HTTP_H

#include <uv.h>

#include "sio/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sio_http_server sio_http_server_t;
typedef struct sio_http_opts sio_http_opts_t;
typedef struct sio_http_req sio_http_req_t;

/* ---- options (copied by sio_http_server_new; free them afterwards) ---- */

/* A new options object with the defaults below; NULL if out of memory. */
SIO_EXTERN sio_http_opts_t *sio_http_opts_new(void);
SIO_EXTERN void sio_http_opts_free(sio_http_opts_t *o);
/* Header bytes of one request (default 16384), counted as the request target
 * plus, per header line, its name, its value and 4 (": " and CRLF); past it:
 * 431 and close. */
SIO_EXTERN void sio_http_opts_set_max_header_bytes(sio_http_opts_t *o, size_t n);
/* Header lines of one request (default 100); past it: 431 and close. */
SIO_EXTERN void sio_http_opts_set_max_headers(sio_http_opts_t *o, size_t n);
/* Body bytes of one request (default 1000000, Engine.IO's maxHttpBufferSize);
 * past it: 413 and close. A mount may ask for less. */
SIO_EXTERN void sio_http_opts_set_max_body(sio_http_opts_t *o, size_t n);
/* Time to receive a request's headers (default 10000 ms; slowloris); past it:
 * 408 and close. Also bounds the time to receive the body. */
SIO_EXTERN void sio_http_opts_set_request_timeout(sio_http_opts_t *o, uint32_t ms);
/* Idle time allowed between requests on a keep-alive connection (default 5000 ms). */
SIO_EXTERN void sio_http_opts_set_keepalive_timeout(sio_http_opts_t *o, uint32_t ms);
/* Bytes queued for writing on one connection before it is dropped as a peer
 * that does not read (default 4 MiB): a write that finds this many bytes still
 * queued drops the connection (so one large write, e.g. a file, may overshoot
 * it once). Applies to WebSocket connections too. */
SIO_EXTERN void sio_http_opts_set_max_write_queue(sio_http_opts_t *o, size_t n);
/* Concurrent TCP connections allowed from one IP address (default 0: no
 * limit). Past it, a new connection from that address is closed at once,
 * before anything is read or written (no HTTP answer: a client at its cap is
 * misbehaving or hostile, and a silent close costs the least); other
 * addresses and the address's open connections are not touched. A connection
 * counts from its accept until its socket finally closes, including the whole
 * life of a WebSocket it was upgraded to. An IPv4 address counts alone (an
 * IPv4-mapped IPv6 address as that IPv4 address); IPv6 addresses count
 * together per prefix (see sio_http_opts_set_ipv6_prefix_len). Clients behind
 * one proxy or NAT share a count. */
SIO_EXTERN void sio_http_opts_set_max_connections_per_ip(sio_http_opts_t *o, size_t n);
/* How many leading bits of an IPv6 address make one "IP" for the per-IP cap
 * (default 64: one host or site usually gets a whole /64, so a cap per single
 * address would be one per address it cares to use). 128 counts every
 * address alone; a shorter prefix groups more. Returns 0, or SIO_EINVAL
 * outside 1..128 (nothing changed). */
SIO_EXTERN int sio_http_opts_set_ipv6_prefix_len(sio_http_opts_t *o, unsigned bits);
/* Serves files below dir (copied) for GET/HEAD requests that no mount or route
 * claims; "/" and directories map to index.html. Nothing outside dir is ever
 * served (no "..", no NUL, no backslash, no symlink leading out). Files are
 * read with blocking reads when requested (meant for the small assets of an
 * app) and refused past 64 MiB; ETag/Last-Modified give 304s. With
 * compression on (sio_http_opts_set_compression) and gzip accepted, a
 * precompressed sibling "NAME.gz" is sent instead of NAME when it exists
 * (Content-Encoding: gzip, NAME's Content-Type); otherwise text-like files
 * (text types, JSON, SVG, wasm) over the threshold are compressed on the
 * fly. Each encoding has its own ETag (suffix "-gzip" or "-deflate"). */
SIO_EXTERN int sio_http_opts_set_static_root(sio_http_opts_t *o, const char *dir);

/* HTTP compression of Engine.IO polling responses (GET) and static files, on
 * by default: a body of at least threshold bytes goes out as gzip or deflate
 * when the request's Accept-Encoding accepts one (the higher q wins, gzip on
 * a tie unless the client lists deflate first; identity when neither is
 * acceptable), with Content-Encoding, its compressed Content-Length and Vary:
 * Accept-Encoding. Smaller bodies are sent as they are. Each compression uses
 * a zlib context of about 260 KiB for that response only (docs/SECURITY.md).
 * Request bodies are never inflated. on: 0 turns it off. */
SIO_EXTERN void sio_http_opts_set_compression(sio_http_opts_t *o, int on);
/* The smallest body compressed (default 1024 bytes, as the reference servers). */
SIO_EXTERN void sio_http_opts_set_compression_threshold(sio_http_opts_t *o, size_t bytes);
/* zlib's level, 0 (store) to 9 (smallest), -1 zlib's default (6; default).
 * Returns 0 or SIO_EINVAL (out of range; the option is unchanged). */
SIO_EXTERN int sio_http_opts_set_compression_level(sio_http_opts_t *o, int level);

/* TLS: the server speaks HTTPS (and WSS) on every address it listens on.
 * cert_chain_file: PEM, the server's certificate followed by its
 * intermediates; key_file: its PEM private key (unencrypted). Both paths are
 * copied; the files are read by sio_http_server_new (and sio_server_new),
 * which fails with SIO_ETLS when one cannot be loaded or the key does not
 * match the certificate (the reason is logged). TLS 1.2 and later, OpenSSL's
 * default ciphers, ALPN "http/1.1", no client certificate asked for (see
 * sio_http_opts_set_tls_client_ca). A connection whose handshake fails (plain
 * HTTP, garbage, an old version) is closed without an answer and logged at
 * debug level only; the request timeout also bounds the handshake. Graceful
 * closes send a close_notify. Both NULL: plain HTTP again (default). Returns
 * 0, SIO_EINVAL (only one of the two, or an empty path), or SIO_ENOMEM. */
SIO_EXTERN int sio_http_opts_set_tls(sio_http_opts_t *o, const char *cert_chain_file,
                                     const char *key_file);
/* With TLS on: every client must present a certificate signed by one of the
 * CAs of ca_file (PEM; path copied, read by sio_http_server_new: SIO_ETLS if
 * it cannot be loaded); a client without one fails its handshake (closed,
 * logged at debug level). NULL: no client certificate asked for (default).
 * Ignored without sio_http_opts_set_tls. Returns 0, SIO_EINVAL (empty path)
 * or SIO_ENOMEM. */
SIO_EXTERN int sio_http_opts_set_tls_client_ca(sio_http_opts_t *o, const char *ca_file);

/* CORS. Default: no cross-origin access (no Access-Control-* headers, and an
 * Engine.IO request, polling or WebSocket upgrade, whose Origin differs from
 * its Host is refused with 400, as python-engineio does). The same rule
 * (list, "*" or callback) decides which Origins Engine.IO accepts.
 * origins: "*" for any origin, or a comma-separated list of exact origins
 * ("http://a.example,https://b.example"); copied. With "*" every response
 * carries Access-Control-Allow-Origin: * (errors and Origin-less requests
 * too); with a list, an allowed Origin is reflected with Vary: Origin. When
 * CORS is configured, OPTIONS requests are preflights answered 204 before
 * any mount or handler. "*" also lets every site open an Engine.IO WebSocket,
 * and browsers send cookies with WebSocket handshakes whatever CORS says: do
 * not authenticate by cookie with "*". */
SIO_EXTERN int sio_http_opts_set_cors_origins(sio_http_opts_t *o, const char *origins);
/* Credentials (default off): an allowed Origin is reflected with
 * Access-Control-Allow-Credentials: true, so the browser sends cookies and
 * lets the page read the answer. Needs an explicit list of origins or a
 * callback: "*" (alone or in the list) with credentials would hand every
 * site the user's session, so sio_http_server_new (and sio_server_new) then
 * fail with SIO_EINVAL and log why. */
SIO_EXTERN void sio_http_opts_set_cors_credentials(sio_http_opts_t *o, int on);
/* A callback that decides per origin (1 allow, 0 deny); overrides the list.
 * origin is borrowed for the call. */
typedef int (*sio_http_cors_cb)(const char *origin, size_t len, void *arg);
SIO_EXTERN void sio_http_opts_set_cors_callback(sio_http_opts_t *o, sio_http_cors_cb cb,
                                                void *arg);

/* ---- server ---- */

/* Creates a server on loop (borrowed; must outlive the server). opts may be
 * NULL for the defaults. Returns 0 and *out, or SIO_ENOMEM / SIO_EINVAL (the
 * static root is not found, or CORS "*" with credentials) / SIO_ETLS (the
 * TLS files could not be loaded). */
SIO_EXTERN int sio_http_server_new(uv_loop_t *loop, const sio_http_opts_t *opts,
                                   sio_http_server_t **out);
/* Listens on host:port (port 0 picks a free one; see sio_http_server_port).
 * May be called several times for several addresses. Returns 0 or a libuv error. */
SIO_EXTERN int sio_http_server_listen(sio_http_server_t *s, const char *host, int port);
/* The port of the first listener, or a negative error. */
SIO_EXTERN int sio_http_server_port(const sio_http_server_t *s);

/* Handler for a complete request (headers and body received). The handler
 * must eventually answer it with sio_http_req_respond*(), at once or later
 * (long-polling); requests pipelined behind it on the same connection wait
 * and are answered in order. req is valid until it is answered or its abort
 * callback (internal API) has run; a held request without one stays valid
 * after its connection goes, and answering it then only frees it. */
typedef void (*sio_http_handler_cb)(sio_http_req_t *req, void *arg);
/* The application handler: every request no mount, and no static file, claims. */
SIO_EXTERN void sio_http_server_on_request(sio_http_server_t *s, sio_http_handler_cb cb,
                                           void *arg);

/* Closes listeners and every connection; cb (may be NULL) runs once after every
 * handle is closed. Idempotent; safe inside a callback. */
typedef void (*sio_http_close_cb)(sio_http_server_t *s, void *arg);
SIO_EXTERN void sio_http_server_close(sio_http_server_t *s, sio_http_close_cb cb,
                                      void *arg);
SIO_EXTERN void sio_http_server_set_data(sio_http_server_t *s, void *data);
SIO_EXTERN void *sio_http_server_get_data(const sio_http_server_t *s);

/* ---- requests: all strings are borrowed, valid until the request is answered ---- */

/* "GET", "POST", ... */
SIO_EXTERN const char *sio_http_req_method(const sio_http_req_t *r);
/* The raw target path (before '?'), not decoded. */
SIO_EXTERN const char *sio_http_req_path(const sio_http_req_t *r, size_t *len);
/* The raw query string (after '?', without it), "" if none. */
SIO_EXTERN const char *sio_http_req_query(const sio_http_req_t *r, size_t *len);
/* Copies the percent-decoded value ('+' is a space) of the first query
 * parameter named key into out (NUL terminated, truncated to outlen-1).
 * Returns the length copied, SIO_ENOENT, or SIO_EINVAL (outlen 0). */
SIO_EXTERN int sio_http_req_query_get(const sio_http_req_t *r, const char *key, char *out,
                                      size_t outlen);
/* The first header with this name (case-insensitive) or NULL; *len its length. */
SIO_EXTERN const char *sio_http_req_header(const sio_http_req_t *r, const char *name,
                                           size_t *len);
/* Header i (0-based) as name/value; returns 0, or SIO_ENOENT past the end. */
SIO_EXTERN int sio_http_req_header_at(const sio_http_req_t *r, size_t i, sio_buf_t *name,
                                      sio_buf_t *value);
/* The body bytes (mutable in place; never NULL), valid until the request is
 * answered. Chunked bodies arrive decoded. */
SIO_EXTERN uint8_t *sio_http_req_body(sio_http_req_t *r, size_t *len);
/* The peer's address as "ip" (no port). */
SIO_EXTERN const char *sio_http_req_remote_addr(const sio_http_req_t *r);
/* 1 when this is a WebSocket upgrade request (Upgrade: websocket). */
SIO_EXTERN int sio_http_req_is_upgrade(const sio_http_req_t *r);

/* Answers the request. content_type may be NULL (no Content-Type);
 * extra_headers is NULL or complete header lines, each ending in "\r\n",
 * copied. body is copied. CORS headers (when configured and the request has an
 * allowed Origin) are added, on errors too. Content-Length is always set; a
 * HEAD request gets it without the body. Returns 0, or a negative code if the
 * connection is gone (the answer is dropped). The request is finished either
 * way: do not touch it afterwards. */
SIO_EXTERN int sio_http_req_respond(sio_http_req_t *r, int status,
                                    const char *content_type, const char *extra_headers,
                                    const void *body, size_t len);

#ifdef __cplusplus
}
#endif
#endif
