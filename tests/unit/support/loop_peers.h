/* A server and clients on one loop, for the unit tests that let them talk
 * (tests/unit/test_sio_parser.c, test_sio_parser_msgpack.c). Every step
 * that fails fails the test. */
#ifndef SIO_TEST_LOOP_PEERS_H
#define SIO_TEST_LOOP_PEERS_H

#include <stddef.h>
#include <uv.h>

#include "sio/client.h"
#include "sio/server.h"

/* A new server on loop with parser, listening on 127.0.0.1 at a free port,
 * on_conn (given arg) answering connections to "/"; its URL is written to
 * url (url_size bytes). The caller closes it. */
sio_server_t *loop_server_new(uv_loop_t *loop, const sio_parser_t *parser,
                              sio_connection_cb on_conn, void *arg, char *url,
                              size_t url_size);
/* A new client of url on loop with parser (NULL: the default) and mode,
 * which does not reconnect. The caller closes it. */
sio_client_t *loop_client_new(uv_loop_t *loop, const char *url,
                              const sio_parser_t *parser, sio_transport_mode_t mode);

#endif
