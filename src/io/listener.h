/* A listening TCP socket: every accepted connection becomes a stream (with
 * TCP_NODELAY) handed to the callback. */
#ifndef SIO_IO_LISTENER_H
#define SIO_IO_LISTENER_H

#include "io/stream.h"

typedef struct sio__listener sio__listener_t;

/* A new connection: the callee owns s and must set its callbacks (and start
 * reading) or close it. */
typedef void (*sio__listener_cb)(sio__listener_t *l, void *arg, sio__stream_t *s);

/* Listens on host:port (host: an IPv4/IPv6 literal or a name resolved at once,
 * blocking; NULL or "" for every IPv4 address; port 0 picks a free port).
 * Returns 0 and *out, or a libuv error / SIO_ENOMEM. */
int sio__listener_new(uv_loop_t *loop, const char *host, int port, sio__listener_cb cb,
                      void *arg, sio__listener_t **out);
/* The same, with SO_REUSEPORT set before the bind when reuseport is 1: every
 * listener of the process bound that way to one address shares its port,
 * and the kernel spreads new connections over them (one per loop). */
int sio__listener_new_ex(uv_loop_t *loop, const char *host, int port, int reuseport,
                         sio__listener_cb cb, void *arg, sio__listener_t **out);
/* The bound port, or a negative error. */
int sio__listener_port(const sio__listener_t *l);
/* Stops accepting and closes the socket; cb (may be NULL) runs once closed,
 * then l is freed. Idempotent (the first cb wins). */
void sio__listener_close(sio__listener_t *l, void (*cb)(void *arg), void *arg);

#endif
