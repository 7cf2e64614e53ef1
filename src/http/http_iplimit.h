/* Per-IP count of a server's open TCP connections, for the optional cap
 * (sio_http_opts_set_max_connections_per_ip; IPv6 counted by prefix,
 * sio_http_opts_set_ipv6_prefix_len). A connection stays counted until
 * its stream is finally closed, also after an upgrade handed it to a
 * WebSocket, so the table is reference-counted: the server holds one
 * reference and every counted connection another, and the table outlives a
 * server closed while upgraded connections are still open. Several servers
 * (one per worker loop) may share one table, so every call is thread-safe
 * (a mutex, on the accept and close paths only), and a count taken on one
 * loop may be dropped on another (a connection moved between loops). */
#ifndef SIO_HTTP_IPLIMIT_H
#define SIO_HTTP_IPLIMIT_H

#include <stddef.h>

struct sio__stream;
typedef struct sio__iplimit sio__iplimit_t;

/* The key an address is counted under, into out: an IPv4 address as it is,
 * an IPv4-mapped IPv6 address (a dual-stack listener's IPv4 client) as its
 * IPv4 address, any other IPv6 address as its first v6_prefix bits (1..128)
 * with the length ("2001:db8:1:2::/64"; one host or network usually holds a
 * whole /64, so counting single addresses would let it open a cap per
 * address). Text that is no address is its own key. */
void sio__iplimit_key(const char *ip, unsigned v6_prefix, char out[64]);
/* A table allowing max connections per key (max > 0), IPv6 grouped by
 * v6_prefix bits; NULL if out of memory. */
sio__iplimit_t *sio__iplimit_new(size_t max, unsigned v6_prefix);
/* Adds a reference for another server that shares t; returns t. */
sio__iplimit_t *sio__iplimit_share(sio__iplimit_t *t);
/* Drops a server's reference; the table goes with its last connection. */
void sio__iplimit_release(sio__iplimit_t *t);
/* Counts stream (just accepted) against its peer's IP and arranges for the
 * count to drop when the stream closes. Returns 0, SIO_ELIMIT (that IP is at
 * the cap) or SIO_ENOMEM; on error nothing is counted and the caller closes
 * the stream. */
int sio__iplimit_admit(sio__iplimit_t *t, struct sio__stream *stream);
/* The same for a bare address (what admit does with the stream's): 0 and
 * *token, to give to sio__iplimit_leave when that connection is gone, or
 * SIO_ELIMIT / SIO_ENOMEM. */
int sio__iplimit_enter(sio__iplimit_t *t, const char *ip, void **token);
void sio__iplimit_leave(void *token);
/* Open connections counted under ip's key (ip NUL-terminated), for tests. */
size_t sio__iplimit_count(const sio__iplimit_t *t, const char *ip);

#endif
