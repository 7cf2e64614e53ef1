/* The heartbeat deadlines of an Engine.IO server's sessions: one list per
 * kind of wait (eio_hblist.h) and one timer armed for the earliest head, in
 * place of a timer per session. Each server (each worker's, on its own
 * loop) has its own. Deadlines are sio__now_ms() values. */
#ifndef SIO_EIO_HB_H
#define SIO_EIO_HB_H

#include <stdint.h>

#include "sio/eio.h"

/* What a session waits for; its list is hb[wait - 1]. */
enum {
  SIO__EIO_HB_NONE, /* nothing: not in a list (closing, closed, unregistered) */
  SIO__EIO_HB_PING, /* v4: the time to send the next ping */
  SIO__EIO_HB_PONG, /* v4: the pong of the ping sent */
  SIO__EIO_HB_V3,   /* v3: the client's next ping */
  SIO__EIO_HB_KINDS = SIO__EIO_HB_V3
};

/* Empty lists and a stopped timer; caps the server's ping interval and
 * timeout so a deadline stays within the lists' 32-bit range. 0 or
 * SIO_ENOMEM. */
int sio__eio_hb_init(sio_eio_server_t *s);
/* Frees the timer (the lists must be empty: every session closed). */
void sio__eio_hb_free(sio_eio_server_t *s);
/* Moves sock to the list of wait with the deadline due (now + an interval):
 * the timer is re-armed if sock is its new earliest deadline, or was. */
void sio__eio_hb_set(sio_eio_socket_t *sock, unsigned wait, uint64_t due);
/* Takes sock out of its list (SIO__EIO_HB_NONE); the timer follows the new
 * earliest deadline. */
void sio__eio_hb_stop(sio_eio_socket_t *sock);
/* The deadline the timer is armed for and 1, or 0 when it is stopped. */
int sio__eio_hb_armed(const sio_eio_server_t *s, uint32_t *due);

#endif
