/* Callbacks shared by the unit tests that run a server and clients on one
 * loop (tests/unit/test_sio_parser.c, test_sio_parser_msgpack.c). */
#ifndef SIO_TEST_LOOP_CALLBACKS_H
#define SIO_TEST_LOOP_CALLBACKS_H

#include "sio/client.h"
#include "sio/server.h"

/* An event handler: acknowledges with the event's own arguments and
 * broadcasts them as "news" to the socket's namespace; the test fails
 * unless ack is set and exactly one socket gets the broadcast. */
void echo_ack_and_news(sio_socket_t *sock, const char *event, const sio_argv_t *args,
                       sio_ack_t *ack, void *arg);

/* Close callbacks: each adds one to the int that arg points at. */
void count_server_closed(sio_server_t *s, void *arg);
void count_client_closed(sio_client_t *c, void *arg);

#endif
