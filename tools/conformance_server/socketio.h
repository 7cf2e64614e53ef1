/* The conformance server's Socket.IO endpoint at /socket.io/, as the
 * official socket.io-protocol test-suite expects it. */
#ifndef CONFORMANCE_SOCKETIO_H
#define CONFORMANCE_SOCKETIO_H

#include "sio/http.h"

/* Mounts the endpoint on http (borrowed; it must outlive the endpoint):
 * namespace "/" emits `auth` with the CONNECT payload (or {}) on connection,
 * answers `message` with `message-back` and the same arguments, acknowledges
 * `message-with-ack` with the same arguments; "/custom" emits `auth` the
 * same way; any other namespace is refused with {"message":"Invalid
 * namespace"}. pingInterval 300, pingTimeout 200, maxPayload 1000000,
 * connect timeout 1000 ms (CORS comes from the HTTP server). 0 or an error. */
/* deflate: 1 turns permessage-deflate on (as the reference's perMessageDeflate). */
int conformance_socketio_attach(sio_http_server_t *http, int deflate);

/* Closes the endpoint (every session) and runs done(arg) once it is closed
 * (at once if it was never attached). Call before closing http. */
void conformance_socketio_close(void (*done)(void *arg), void *arg);

#endif
