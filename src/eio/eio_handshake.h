/* The handshake request of an Engine.IO session, kept for the session's life
 * so the Socket.IO layer can show it to connect handlers and middlewares
 * (headers, query, address, time), as the reference's socket.handshake.
 * All returned pointers are borrowed and valid as long as the socket. */
#ifndef SIO_EIO_HANDSHAKE_H
#define SIO_EIO_HANDSHAKE_H

#include "sio/eio.h"

/* The first handshake header with this name (case-insensitive), or NULL. */
const char *sio__eio_socket_header(const sio_eio_socket_t *sock, const char *name,
                                   size_t *len);
/* Handshake header i (0-based); 0, or SIO_ENOENT past the end. */
int sio__eio_socket_header_at(const sio_eio_socket_t *sock, size_t i, sio_buf_t *name,
                              sio_buf_t *value);
/* The raw query string of the handshake request ("" if none). */
const char *sio__eio_socket_query(const sio_eio_socket_t *sock, size_t *len);
/* Percent-decoded value of a handshake query parameter into out (NUL
 * terminated, truncated to outlen-1): its length, or SIO_ENOENT. */
int sio__eio_socket_query_get(const sio_eio_socket_t *sock, const char *key, char *out,
                              size_t outlen);
/* The raw request target of the handshake ("/socket.io/?EIO=4&..."). */
const char *sio__eio_socket_url(const sio_eio_socket_t *sock, size_t *len);
/* When the session was created, in ms since the Unix epoch. */
uint64_t sio__eio_socket_issued(const sio_eio_socket_t *sock);

#endif
