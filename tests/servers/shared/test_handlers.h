/* Event handlers and helpers shared by the test servers
 * (tests/servers/sio_test_server.c, client_test_server.c,
 * sio_cluster_server.c and sio_eio3_server.c), so each event the interop tests use means
 * the same on every server that answers it. Built as a library of its own, linked to
 * every test program. */
#ifndef SIO_TEST_HANDLERS_H
#define SIO_TEST_HANDLERS_H

#include <jansson.h>
#include <uv.h>

#include "sio/server.h"

/* ---- helpers ---- */

/* Acknowledges with v as the one argument (no argument when v is NULL) and
 * drops the reference to v. Nothing is sent when ack is NULL. */
void ack_json(sio_ack_t *ack, json_t *v);
/* String argument i, or "" when it is missing or not a string (borrowed
 * from av). */
const char *str_arg(const sio_argv_t *av, size_t i);
/* The rooms of sock as a new JSON array of strings. */
json_t *rooms_json(sio_socket_t *sock);
/* A new args (owned by the caller) holding av's arguments from index
 * `from` on, each relayed byte for byte with its binaries at any depth.
 * NULL if out of memory. */
sio_args_t *args_from(const sio_argv_t *av, size_t from);
/* Argument i as a new JSON value; a binary one as {"binary":[bytes]}. */
json_t *arg_json(const sio_argv_t *av, size_t i);

/* ---- events (register them with sio_namespace_on) ---- */

/* The connection handler: emits `auth` with the CONNECT payload. */
void emit_auth(sio_socket_t *sock, void *arg);
/* echo ...args: emits `echo` with the same args (a byte relay). */
void on_echo(sio_socket_t *sock, const char *ev, const sio_argv_t *av, sio_ack_t *ack,
             void *arg);
/* echo-ack ...args: acknowledges with the same args. */
void on_echo_ack(sio_socket_t *sock, const char *ev, const sio_argv_t *av, sio_ack_t *ack,
                 void *arg);
/* make-binary: acks [<01 02 03>, {"nested": <04 05>, "n": 1}]. */
void on_make_binary(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                    sio_ack_t *ack, void *arg);
/* join room / leave room / leave-all / rooms: acks the socket's rooms. */
void on_rooms(sio_socket_t *sock, const char *ev, const sio_argv_t *av, sio_ack_t *ack,
              void *arg);
/* to-rooms {"to":[..],"except":[..],"sender":bool,"volatile":bool,
 * "local":bool} ev ...args: one broadcast with every selection at once
 * (sender: from this socket, which is excluded); acks the (local)
 * recipient count. */
void on_to_rooms(sio_socket_t *sock, const char *ev, const sio_argv_t *av, sio_ack_t *ack,
                 void *arg);
/* sockets-join room new / sockets-leave room old: acks the count of the
 * sockets of room (all when room is "") that joined or left;
 * disconnect-sockets room close: acks "ok" first (the sender may be among
 * them), then disconnects them. */
void on_sockets_op(sio_socket_t *sock, const char *ev, const sio_argv_t *av,
                   sio_ack_t *ack, void *arg);
/* worker: acks the index of the thread the handler runs on (0, 1, ... in
 * the order the threads first answered it): with a server of N worker
 * threads, sockets on N different workers give N different numbers; with
 * one worker, always 0. */
void on_worker(sio_socket_t *sock, const char *ev, const sio_argv_t *av, sio_ack_t *ack,
               void *arg);
/* Registers echo, echo-ack and make-binary (above) on nsp: the relay
 * events every Socket.IO test server answers the same way. */
void on_relay_events(sio_namespace_t *nsp);
/* The middleware of "/private": refused unless auth.token == "secret",
 * with message "not authorized" and data {"code":42}. */
void private_mw(sio_socket_t *sock, sio_next_t *next, void *arg);

/* ---- shutdown ---- */

/* SIGINT or SIGTERM closes srv, then the signal handles: the loop ends once
 * srv closed. The signal handles run on loop (srv's loop). 0 or a libuv
 * error. */
int close_on_signals(uv_loop_t *loop, sio_server_t *srv);
/* The end of a test server's main, once srv listens on loop: closes srv on
 * signals, prints "listening on 127.0.0.1:PORT", runs loop until srv closed,
 * then closes loop. The exit status: 0 only if the loop closed cleanly (else
 * the reason goes to stderr, after name). */
int serve_until_signal(uv_loop_t *loop, sio_server_t *srv, const char *name);

#endif
