/* The stream's fields, for the files of src/io only (listener, io_loop). */
#ifndef SIO_IO_STREAM_INTERNAL_H
#define SIO_IO_STREAM_INTERNAL_H

#include "io/io_loop.h"
#include "io/stream.h"
#include "io/timer.h"

/* A queued piece of a buffer; a write longer than 4 GiB is queued as
 * several slices. */
typedef struct {
  sio__rbuf_t *buf;
  uint32_t off;
  uint32_t len;
} sio__slice_t;

/* Slices a stream's write queue holds without an allocation (16 B each): a
 * message's frame, or an event and its ack. */
#define SIO__STREAM_QINLINE 2

struct sio__stream {
  /* Watches the nonblocking socket (uv_fileno gives it back); initialised
   * once the socket exists (opened): a client looking its server's name up
   * has none yet. The stream reads, writes, shuts down and closes the socket
   * itself (a uv_poll_t is 88 bytes smaller than a uv_tcp_t). */
  uv_poll_t poll;
  /* On the io's timer set, borrowing our io reference; made by the first
   * timer start and let go when a new owner takes the stream with it
   * stopped: a WebSocket keeps none while idle (40 bytes a connection). */
  sio__timer_t *timer;
  sio__io_t *io;
  const sio__stream_cbs_t *cbs;
  void *arg;

  /* Write queue: what the socket has not taken yet. q is qinline unless
   * more than SIO__STREAM_QINLINE slices wait at once: the usual message
   * queues and leaves with no allocation. */
  sio__slice_t *q;
  uint32_t qhead, qlen, qcap;
  int err; /* sticky failure */
  sio__slice_t qinline[SIO__STREAM_QINLINE];
  size_t qbytes;

  /* Membership of the io's service list. */
  struct sio__stream *snext, *sprev;

  /* Owner-independent last call (per-IP accounting); survives handovers. */
  sio__close_hook_t *close_hook;

  struct sio__tls *tls; /* NULL: plain TCP (io/tls.h) */

  uint32_t max_queue; /* write-queue cap in bytes, 0: none */
  unsigned scheduled : 1;
  unsigned reading : 1;      /* owner wants reads */
  unsigned closing : 1;      /* close called */
  unsigned ending : 1;       /* graceful close in progress */
  unsigned shut : 1;         /* the sending side is shut down */
  unsigned defer : 1;        /* on_defer pending */
  unsigned err_reported : 1; /* on_error delivered */
  unsigned eof : 1;          /* the peer sent EOF (reported) */
  unsigned in_read : 1;      /* inside on_read: writes are flushed after it */
  unsigned looking_up : 1;   /* peer.dial is set: a name lookup in flight */
  unsigned connecting : 1;   /* peer.dial is set: the connect in flight */
  unsigned opened : 1;       /* poll is initialised on the socket */
  unsigned fd_gone : 1;      /* the socket left with an export: not ours to close */
  unsigned blocked : 1;      /* the socket refused bytes: waiting for writable */
  unsigned events : 3;       /* what the poll watches now (UV_READABLE ...) */
  uint8_t addr_family;       /* 0 (unknown), AF_INET or AF_INET6 */
  /* A connecting client has no peer address yet: its pending connect (and
   * name lookup) shares the bytes (the stream stays in malloc's 320-byte
   * class). */
  union {
    uint8_t addr[16];       /* the peer's address (4 or 16 bytes) */
    struct sio__dial *dial; /* looking_up or connecting */
  } peer;
};

/* A stream for fd, a nonblocking connected socket accepted on io's loop,
 * which the stream takes (TCP_NODELAY set); takes a reference of io. NULL on
 * failure (fd closed). */
sio__stream_t *sio__stream_accept(sio__io_t *io, int fd);
/* A stream on io's loop, not connected (stream_move.c adopts a socket into
 * it); takes over the caller's reference of io on success. NULL if out of
 * memory. */
sio__stream_t *sio__stream_new_io(sio__io_t *io);
/* Gives s (from sio__stream_new_io) the nonblocking socket fd, which the
 * stream closes from then on. 0 or a libuv error (fd untouched). */
int sio__stream_open(sio__stream_t *s, int fd);
/* The stream's socket, or -1 (none yet, or closing). */
int sio__stream_fd(const sio__stream_t *s);
/* Writes what the queue holds while the socket takes it (the queue keeps
 * the rest). 0 or a negative errno. */
int sio__stream_try_write(sio__stream_t *s);
/* Delivers a pending error or defer and flushes the write queue. */
void sio__stream_service(sio__stream_t *s);

/* For the TLS layer (tls.c): queues bytes as they are (ciphertext), without
 * the cap check; 0, SIO_EMSGSIZE or SIO_ENOMEM. */
int sio__stream_push_raw(sio__stream_t *s, sio__rbuf_t *b, size_t off, size_t len);
/* Fails the stream; the owner's on_error follows from the loop. */
void sio__stream_fail(sio__stream_t *s, int err);
/* Fails the stream with no on_error (the caller tells the owner itself). */
void sio__stream_fail_quiet(sio__stream_t *s, int err);

#endif
