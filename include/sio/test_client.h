/* libsio: an in-process test client for a server's handlers.
 *
 * A test client is a Socket.IO client living inside the server's process,
 * with no socket, no HTTP and no timer between them: what it sends is
 * decoded and dispatched by the server inside the call that sends it, and
 * what the server sends it is queued inside the server's call, ready to be
 * read when that call returns. It stands in for one Engine.IO connection:
 * the server runs the same code above the transport as for a real client
 * (namespaces, middlewares, connection handlers, events, acks both ways,
 * binary arguments, rooms, broadcasts, the key-value session, disconnects),
 * and the handshake accessors of sio/server.h (sio_socket_header,
 * sio_socket_query_get, sio_socket_auth, ...) return what the test gave.
 * The counterpart of Flask-SocketIO's socketio.test_client(app).
 *
 *   sio_test_client_t *tc;
 *   sio_test_client_new(srv, NULL, &tc);
 *   sio_test_client_connect(tc, "/", "{\"token\":\"t\"}");   // 0: connected
 *   sio_test_client_emit(tc, "/", "hello", args);
 *   sio_test_event_t *ev = sio_test_client_next(tc, "/");     // what came back
 *   ... sio_test_event_name(ev), sio_test_event_args(ev) ...
 *   sio_test_event_free(ev);
 *   sio_test_client_free(tc);
 *
 * Differences from a real connection: no connect timeout (a test client may
 * stay without a namespace), no heartbeat, the transport is named "test"
 * (sio_socket_transport) and sio_socket_eio() is NULL. A server emitting
 * with a timeout still needs its loop to run for the timeout to fire; a
 * reply the test sends arrives at once.
 *
 * Bound: the events and ack replies received and not yet taken are at most
 * max_received (sio_test_client_opts_set_max_received); one more closes the
 * connection as an overflowing Engine.IO write buffer does ("transport
 * error"), and volatile packets are dropped while the queue is full.
 *
 * Threads: the loop thread of the server only, like sio/server.h. The
 * functions below are not meant to be called from inside the server's
 * callbacks for the same test client (call them from the test).
 *
 * Errors: 0 (or a count) on success, a negative SIO_E* code on failure.
 */
#ifndef SIO_TEST_CLIENT_H
#define SIO_TEST_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "sio/args.h"
#include "sio/common.h"
#include "sio/server.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sio_test_client sio_test_client_t;
typedef struct sio_test_client_opts sio_test_client_opts_t;
typedef struct sio_test_event sio_test_event_t;

/* ======================================================================
 * Options: the handshake the client stands for (copied by
 * sio_test_client_new; free them after)
 * ====================================================================== */

/* Default bound of the received queue. */
#define SIO_TEST_CLIENT_MAX_RECEIVED_DEFAULT 1024

/* A new options object (no header, no query, address "127.0.0.1", the
 * default bound); NULL if out of memory. */
SIO_EXTERN sio_test_client_opts_t *sio_test_client_opts_new(void);
/* Frees o. NULL is ignored. */
SIO_EXTERN void sio_test_client_opts_free(sio_test_client_opts_t *o);
/* Adds a handshake header (name and value copied; kept in order; names
 * compared case-insensitively by sio_socket_header). 0, SIO_EINVAL (NULL,
 * or a name or value holding CR or LF), SIO_ENOMEM. */
SIO_EXTERN int sio_test_client_opts_add_header(sio_test_client_opts_t *o,
                                               const char *name, const char *value);
/* The query string of the handshake, percent-encoded, without '?'
 * ("token=abc&room=a%20b"; copied). The server sees
 * "EIO=4&transport=test&" followed by it, as a real client's query carries
 * EIO and transport first. 0, SIO_EINVAL, SIO_ENOMEM. */
SIO_EXTERN int sio_test_client_opts_set_query(sio_test_client_opts_t *o,
                                              const char *query);
/* The peer address sio_socket_address reports (copied). 0, SIO_EINVAL,
 * SIO_ENOMEM. */
SIO_EXTERN int sio_test_client_opts_set_address(sio_test_client_opts_t *o,
                                                const char *address);
/* The bound of the received queue (0 restores the default). */
SIO_EXTERN void sio_test_client_opts_set_max_received(sio_test_client_opts_t *o,
                                                      size_t n);

/* ======================================================================
 * The client
 * ====================================================================== */

/* Opens a connection to s (the Engine.IO handshake's counterpart: no
 * namespace joined yet). opts may be NULL for the defaults. s is borrowed:
 * when it closes, the connection closes ("transport close" for the client)
 * and the client stays valid, answering SIO_ENOTCONN; it may then be freed
 * after the server. Returns 0 and *out (yours: sio_test_client_free),
 * SIO_EINVAL, SIO_ECLOSED (the server is closing) or SIO_ENOMEM. */
SIO_EXTERN int sio_test_client_new(sio_server_t *s, const sio_test_client_opts_t *opts,
                                   sio_test_client_t **out);
/* Closes the connection if it is open (every socket of the client is
 * disconnected with "transport close", its disconnect handlers run inside
 * this call) and frees tc with everything still queued. Events taken with
 * sio_test_client_next stay yours. NULL is ignored. */
SIO_EXTERN void sio_test_client_free(sio_test_client_t *tc);

/* Connects to namespace nsp ("/", "/chat"; copied) with auth, the raw JSON
 * text of an object (NULL: none, the server sees "{}"). Middlewares and
 * connection handlers run inside this call. Returns 0 when connected,
 * SIO_EACCES when refused (a middleware, or an unknown namespace:
 * sio_test_client_connect_error has the server's message), SIO_EAGAIN when a
 * middleware has not completed yet (sio_test_client_is_connected tells
 * later), SIO_EEXIST (connected or connecting to nsp already), SIO_EINVAL
 * (nsp not starting with '/', auth not a JSON object), SIO_ENOTCONN (the
 * connection is closed), SIO_ENOMEM. */
SIO_EXTERN int sio_test_client_connect(sio_test_client_t *tc, const char *nsp,
                                       const char *auth);
/* 1 while connected to nsp, else 0. */
SIO_EXTERN int sio_test_client_is_connected(const sio_test_client_t *tc, const char *nsp);
/* The socket id the server gave on nsp (its sio_socket_id), or NULL if never
 * connected. Borrowed until tc is freed. */
SIO_EXTERN const char *sio_test_client_sid(const sio_test_client_t *tc, const char *nsp);
/* The CONNECT_ERROR payload of the last refusal on nsp, raw JSON text
 * ({"message":"...","data":...}), or NULL. Borrowed until the next connect
 * to nsp or the free. */
SIO_EXTERN const char *sio_test_client_connect_error(const sio_test_client_t *tc,
                                                     const char *nsp);
/* Why nsp is not connected any more, with the client-side names of
 * socket.io-client: "io client disconnect" (sio_test_client_disconnect),
 * "io server disconnect" (the server disconnected the socket), "transport
 * close" (the connection closed: server closing, sio_socket_disconnect with
 * close_connection), "transport error" (the received queue overflowed); NULL
 * while connected or never connected. Static strings. */
SIO_EXTERN const char *sio_test_client_disconnect_reason(const sio_test_client_t *tc,
                                                         const char *nsp);
/* Leaves nsp: the server's disconnecting and disconnect handlers run inside
 * this call with "client namespace disconnect". The connection stays open
 * (other namespaces too). 0 or SIO_ENOTCONN. */
SIO_EXTERN int sio_test_client_disconnect(sio_test_client_t *tc, const char *nsp);

/* Emits event with args (NULL for none; borrowed for the call, binary
 * arguments included) on nsp. The server's handlers run inside this call.
 * 0, SIO_ENOTCONN (not connected to nsp), SIO_EINVAL (reserved or invalid
 * event name), the args' sticky error, SIO_ENOMEM. */
SIO_EXTERN int sio_test_client_emit(sio_test_client_t *tc, const char *nsp,
                                    const char *event, const sio_args_t *args);
/* Emits with an acknowledgement request. When a handler answered inside
 * this call, *reply (may be NULL if you do not want it here) is its reply,
 * yours to free with sio_test_event_free; otherwise *reply is NULL and the
 * reply, once the server sends it, is kept for sio_test_client_take_ack.
 * *ack_id (may be NULL) is the id. Same errors as sio_test_client_emit. */
SIO_EXTERN int sio_test_client_emit_with_ack(sio_test_client_t *tc, const char *nsp,
                                             const char *event, const sio_args_t *args,
                                             uint64_t *ack_id, sio_test_event_t **reply);
/* The reply to ack_id if it arrived (yours: sio_test_event_free), else
 * NULL. Each reply is taken once. */
SIO_EXTERN sio_test_event_t *sio_test_client_take_ack(sio_test_client_t *tc,
                                                      uint64_t ack_id);

/* ---- what the server sent ---- */

/* How many events of nsp (NULL: of every namespace) are queued: emits to
 * this client, broadcasts and room emits it was part of, in arrival order. */
SIO_EXTERN size_t sio_test_client_received_count(const sio_test_client_t *tc,
                                                 const char *nsp);
/* Takes the oldest queued event of nsp (NULL: of any namespace) out of the
 * queue: yours to free with sio_test_event_free. NULL if there is none. */
SIO_EXTERN sio_test_event_t *sio_test_client_next(sio_test_client_t *tc, const char *nsp);
/* Drops the queued events of nsp (NULL: all). */
SIO_EXTERN void sio_test_client_clear(sio_test_client_t *tc, const char *nsp);

/* An event (or an ack reply) taken from a test client. Everything read
 * from it is borrowed until sio_test_event_free; an event may outlive its
 * client. */
/* The event's name; NULL for an ack reply. */
SIO_EXTERN const char *sio_test_event_name(const sio_test_event_t *ev);
/* The namespace it came on ("/", "/chat"). */
SIO_EXTERN const char *sio_test_event_namespace(const sio_test_event_t *ev);
/* Its arguments (sio/args.h: strings, numbers, JSON, binary). */
SIO_EXTERN const sio_argv_t *sio_test_event_args(const sio_test_event_t *ev);
/* 1 if the server waits for an answer to this event (it emitted with an
 * ack): answer it with sio_test_client_ack. */
SIO_EXTERN int sio_test_event_wants_ack(const sio_test_event_t *ev);
SIO_EXTERN void sio_test_event_free(sio_test_event_t *ev);

/* Answers an event the server emitted with an ack (args NULL for none,
 * borrowed for the call): the server's ack callback runs inside this call.
 * At most once per event: SIO_EEXIST after the first. 0, SIO_EINVAL (ev
 * wants no ack), SIO_ENOTCONN (the namespace was left), SIO_ENOMEM. */
SIO_EXTERN int sio_test_client_ack(sio_test_client_t *tc, sio_test_event_t *ev,
                                   const sio_args_t *args);

#ifdef __cplusplus
}
#endif
#endif
