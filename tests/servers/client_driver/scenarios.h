/* The scenarios of tests/servers/client_driver.c. Each runs against a
 * server speaking the events of tests/servers/client_test_server.c, prints
 * its checks (driver.h) and returns 0, or non-zero when it could not run to
 * its end (the driver then fails). */
#ifndef SIO_CLIENT_DRIVER_SCENARIOS_H
#define SIO_CLIENT_DRIVER_SCENARIOS_H

#include "sio/client.h"

typedef int (*scenario_fn)(const char *url, sio_transport_mode_t mode);

/* scenario_basic.c: the whole API over one session (events, acks both
 * ways, binaries, namespaces, auth, disconnects). */
int scenario_basic(const char *url, sio_transport_mode_t mode);
/* scenario_reconnect.c: a server killed and restarted, a server that goes
 * silent, a misbehaving server. */
int scenario_reconnect(const char *url, sio_transport_mode_t mode);
int scenario_heartbeat(const char *url, sio_transport_mode_t mode);
int scenario_bad(const char *url, sio_transport_mode_t mode);
/* scenario_transport.c: many emits over polling, an unanswered probe. */
int scenario_burst(const char *url, sio_transport_mode_t mode);
int scenario_probe(const char *url, sio_transport_mode_t mode);
int scenario_base64(const char *url, sio_transport_mode_t mode);
/* scenario_recovery.c: connection state recovery (a conformance server
 * with --recovery). */
int scenario_recovery(const char *url, sio_transport_mode_t mode);
/* scenario_simple.c: the blocking simple client. */
int scenario_simple(const char *url, sio_transport_mode_t mode);
/* scenario_threads.c: clients on other threads. */
int scenario_threads(const char *url, sio_transport_mode_t mode);

#endif
