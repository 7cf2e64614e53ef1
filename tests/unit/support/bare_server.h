/* A server with no loop and sockets with no Engine.IO session, for unit
 * tests of what the Socket.IO layer keeps in memory (rooms, recovery): the
 * structs are filled by hand, so a test sees the internals it checks. */
#ifndef SIO_TEST_BARE_SERVER_H
#define SIO_TEST_BARE_SERVER_H

#include <stddef.h>

#include "sio/sio_internal.h"

#define BARE_SOCKETS_MAX 8

typedef struct {
  sio_server_t srv;
  sio__session_t session; /* shared by every socket, never released */
  sio_namespace_t *nsp;   /* "/" */
  sio_socket_t *socks[BARE_SOCKETS_MAX];
  size_t n;
} bare_server_t;

/* A new server (free it with bare_server_release, then bare_server_free)
 * holding the namespace "/"; NULL if out of memory. */
bare_server_t *bare_server_new(void);
/* A new socket of "/" with the given id and state, owned by f (released by
 * bare_server_release); not yet in the namespace, so a test can fill more
 * fields first. */
sio_socket_t *bare_socket_new(bare_server_t *f, const char *id, int state);
/* Adds s to its namespace and to the room named after its id, as a
 * connection does (a failure fails the test). */
void bare_socket_add(sio_socket_t *s);
/* Takes every socket out of its rooms and drops it (sio_socket_unref frees
 * its rooms, data, recovery state and auth), then frees every namespace;
 * what the server counts can be checked after it. */
void bare_server_release(bare_server_t *f);
/* Frees the rest of f. */
void bare_server_free(bare_server_t *f);

#endif
