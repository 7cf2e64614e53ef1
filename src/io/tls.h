/* TLS as a layer of a stream (io/stream.h), connected or accepted, with
 * OpenSSL and memory BIOs: bytes read from TCP are fed to SSL and the
 * plaintext goes to the owner's on_read; the owner's writes are encrypted
 * into the stream's write queue. A client's handshake (with the peer's
 * certificate checked, when the context verifies) completes before the
 * connect callback reports success; a server's (sio__tls_accept) runs on the
 * first bytes read. A plain stream pays nothing for it but a NULL pointer
 * test.
 *
 * A client handshake failure reaches the connect callback as SIO_ETLS (the
 * reason, e.g. the certificate verification error, is logged at warn level),
 * or as SIO_ECONNRESET when the peer closed the connection during it. */
#ifndef SIO_IO_TLS_H
#define SIO_IO_TLS_H

#include "io/stream.h"

typedef struct sio__tls_ctx sio__tls_ctx_t;

/* Client TLS settings shared by all the connections of one client. Strings
 * are borrowed for the call (OpenSSL loads the files at once). verify 0
 * disables every certificate check (tests and development only). ca_file /
 * ca_dir: PEM trust anchors used instead of the system store (NULL: the
 * system store). cert_file + key_file: a client certificate (NULL: none).
 * Returns 0 and *out, SIO_ENOMEM, or SIO_ETLS (a file could not be loaded;
 * logged). */
int sio__tls_ctx_new(int verify, const char *ca_file, const char *ca_dir,
                     const char *cert_file, const char *key_file, sio__tls_ctx_t **out);
/* Server TLS settings shared by every connection of one server:
 * cert_chain_file (PEM: the server's certificate, then its intermediates)
 * and key_file (PEM), borrowed for the call (loaded at once). TLS 1.2
 * and later, OpenSSL's default ciphers, ALPN "http/1.1". client_ca_file:
 * NULL (no client certificate asked for), or PEM CAs (borrowed, loaded at
 * once) one of which must have signed the certificate every client then has
 * to present. Returns 0 and *out, SIO_EINVAL (a NULL path),
 * SIO_ENOMEM, or SIO_ETLS (a file could not be loaded, or the key does not
 * match the certificate; logged). */
int sio__tls_server_ctx_new(const char *cert_chain_file, const char *key_file,
                            const char *client_ca_file, sio__tls_ctx_t **out);
/* Drops the caller's reference; connections still open keep the context
 * alive until they close. NULL is ignored. */
void sio__tls_ctx_free(sio__tls_ctx_t *ctx);

/* sio__stream_connect_host to addr (an IP literal or a name to look up), then
 * a TLS handshake with SNI and the host name check for host (borrowed for the call; an IP
 * literal is checked against the certificate's IP addresses and sent without SNI). cb's
 * status 0 means the handshake is done. NULL on a bad address or out of memory. */
sio__stream_t *sio__stream_connect_tls(uv_loop_t *loop, const char *addr, int port,
                                       const char *host, sio__tls_ctx_t *ctx,
                                       sio__stream_connect_cb cb, void *arg);

/* Makes s, a stream just accepted and not read yet, the server side of a TLS
 * connection with ctx (the stream takes its own reference): the handshake
 * runs on the first bytes read, and the owner's on_read sees only plaintext
 * after it. A failed handshake (plain HTTP, garbage, a version below 1.2) is
 * logged at debug level and reaches the owner's on_error as SIO_ETLS; an EOF
 * during it as UV_EOF. Writes before the handshake is done fail with
 * SIO_ENOTCONN. Returns 0 or SIO_ENOMEM (the stream is untouched). */
int sio__tls_accept(sio__stream_t *s, sio__tls_ctx_t *ctx);

/* ---- for stream.c only ---- */
typedef struct sio__tls sio__tls_t;
/* Ciphertext read from TCP: len bytes at buf, a buffer of cap bytes that is
 * reused for the plaintext (valid for the call). */
void sio__tls_feed(sio__stream_t *s, uint8_t *buf, size_t len, size_t cap);
/* TCP failed or ended (UV_EOF) before the handshake completed: reports it to
 * the connect callback. Returns 1 if it did, 0 if the handshake was done (the
 * owner's on_error is then the one to tell). */
int sio__tls_read_failed(sio__stream_t *s, int err);
/* Encrypts len bytes into the write queue: 0, SIO_ENOMEM, SIO_ENOTCONN
 * (handshake not done) or SIO_ETLS. */
int sio__tls_write(sio__stream_t *s, const uint8_t *p, size_t len);
/* A graceful end (sio__stream_end): queues a close_notify alert. */
void sio__tls_close_notify(sio__stream_t *s);
void sio__tls_free(sio__tls_t *t);

#endif
