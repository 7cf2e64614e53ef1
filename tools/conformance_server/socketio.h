/* The conformance server's Socket.IO endpoint at /socket.io/, as the
 * official socket.io-protocol test-suite expects it. */
#ifndef CONFORMANCE_SOCKETIO_H
#define CONFORMANCE_SOCKETIO_H

#include <stdint.h>

#include "sio/http.h"
#include "sio/server.h"
#include "sio/parser.h"

/* Mounts the endpoint on http (borrowed; it must outlive the endpoint):
 * namespace "/" emits `auth` with the CONNECT payload (or {}) on connection,
 * answers `message` with `message-back` and the same arguments, acknowledges
 * `message-with-ack` with the same arguments, and answers `emit-later` (delay
 * ms, event, ...args) by emitting event with args to the socket after the
 * delay, `broadcast-later` likewise to the whole namespace (and, for the
 * recovery tests: `room-later` (delay, room, event, ...args) to a room,
 * `volatile-later` and `ack-later` to the socket as a volatile packet / with
 * an ack, `join` (room) joins then acknowledges, `close-transport` closes
 * the Engine.IO session, `set-data` (value) / `get-data` set and read the
 * shared data); "/custom" emits
 * `auth` the
 * same way; any other namespace is refused with {"message":"Invalid
 * namespace"}. pingInterval 300, pingTimeout 200, maxPayload 1000000,
 * connect timeout 1000 ms (CORS comes from the HTTP server). parser: the
 * Socket.IO parser (sio/parser.h; NULL: JSON); deflate: 1 turns
 * permessage-deflate on (as the reference's perMessageDeflate). 0 or an
 * error. */
int conformance_socketio_attach(sio_http_server_t *http, const sio_parser_t *parser,
                                int deflate);

/* The endpoint on a server of its own (sio_server_new on loop) with
 * workers (sio_server_opts_set_workers; each worker's *-later events run on
 * its loop), listening on 127.0.0.1:port, CORS for any origin, HTTP
 * compression as http_compression. before_listen(server, arg) (NULL: none)
 * runs once the handlers are registered, before the server listens, e.g.
 * to register per-worker hooks (sio_server_on_worker); its error stops the
 * setup. Returns the bound port or an error. */
int conformance_socketio_listen(uv_loop_t *loop, const sio_parser_t *parser, int deflate,
                                int http_compression, unsigned workers, int port,
                                int (*before_listen)(sio_server_t *s, void *arg),
                                void *arg);

/* Whether the endpoint accepts Engine.IO v3 / Socket.IO v2 clients (default
 * 0, as the reference); call before conformance_socketio_attach. */
void conformance_socketio_allow_eio3(int on);

/* Closes the endpoint (every session) and runs done(arg) once it is closed
 * (at once if it was never attached). Call before closing http. */
void conformance_socketio_close(void (*done)(void *arg), void *arg);

/* Connection state recovery with that maximum disconnection duration (0:
 * off, the default), byte bound (0: the default), and, with
 * through_adapter, sessions kept through a cluster adapter of the program's
 * own (recovery_adapter.h) instead of libsio's memory; call before
 * conformance_socketio_attach. */
void conformance_socketio_recovery(uint32_t max_disconnection_ms, size_t max_bytes,
                                   int through_adapter);

#endif
