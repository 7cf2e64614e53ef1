/* Per-IP count of a server's open TCP connections, for the optional cap
 * (sio_http_opts_set_max_connections_per_ip). A connection stays counted until
 * its stream is finally closed, also after an upgrade handed it to a
 * WebSocket, so the table is reference-counted: the server holds one
 * reference and every counted connection another, and the table outlives a
 * server closed while upgraded connections are still open. Loop thread only. */
#ifndef SIO_HTTP_IPLIMIT_H
#define SIO_HTTP_IPLIMIT_H

#include <stddef.h>

struct sio__stream;
typedef struct sio__iplimit sio__iplimit_t;

/* A table allowing max connections per IP (max > 0); NULL if out of memory. */
sio__iplimit_t *sio__iplimit_new(size_t max);
/* Drops the server's reference; the table goes with its last connection. */
void sio__iplimit_release(sio__iplimit_t *t);
/* Counts stream (just accepted) against its peer's IP and arranges for the
 * count to drop when the stream closes. Returns 0, SIO_ELIMIT (that IP is at
 * the cap) or SIO_ENOMEM; on error nothing is counted and the caller closes
 * the stream. */
int sio__iplimit_admit(sio__iplimit_t *t, struct sio__stream *stream);

#endif
