/* What the Socket.IO layer needs from an Engine.IO session beyond the public
 * API: sending shared, pre-built messages (broadcasts encode once), several
 * at a time (a packet and its binary attachments leave in one polling
 * response), back-pressure queries for volatile packets, and an immediate
 * close. */
#ifndef SIO_EIO_SEND_H
#define SIO_EIO_SEND_H

#include <stddef.h>

#include "eio/eio_msg.h"
#include "sio/eio.h"

/* Queues msg (a MESSAGE packet; takes its own reference, the caller keeps
 * its). Returns 0, SIO_ECLOSED (closed or closing), SIO_ENOMEM, or
 * SIO_ELIMIT when the session's write buffer went over its cap (the session
 * is then closed with "transport error"). */
int sio__eio_socket_send_msg(sio_eio_socket_t *sock, sio__eio_msg_t *msg);
/* Queues msgs[0..n) in order, as one batch: on polling a held GET is answered
 * once, with all of them. Same returns; on error the packets after the failed
 * one are not queued. */
int sio__eio_socket_send_msgs(sio_eio_socket_t *sock, sio__eio_msg_t *const *msgs,
                              size_t n);
/* 1 if a packet sent now would go out at once (a GET is held, or the
 * WebSocket's queue is empty), as the reference's transport.writable, which
 * decides whether a volatile packet is sent or dropped. */
int sio__eio_socket_writable(const sio_eio_socket_t *sock);
/* Closes the session at once, as the server: a held GET gets the close
 * packet, a WebSocket a close frame; buffered packets are dropped. reason
 * (static string) goes to the close callback. Idempotent. */
void sio__eio_socket_abort(sio_eio_socket_t *sock, const char *reason);

#endif
