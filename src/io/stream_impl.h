/* The stream's fields, for the files of src/io only (listener, io_loop). */
#ifndef SIO_IO_STREAM_IMPL_H
#define SIO_IO_STREAM_IMPL_H

#include "io/io_loop.h"
#include "io/stream.h"

typedef struct {
  sio__rbuf_t *buf;
  size_t off;
  size_t len;
} sio__slice_t;

/* Slices a stream's write queue holds without an allocation (24 B each). */
#define SIO__STREAM_QINLINE 4

struct sio__stream {
  uv_tcp_t tcp;
  uv_timer_t timer;
  sio__io_t *io;
  sio__stream_cbs_t cbs;
  void *arg;

  /* Write queue (not yet handed to the kernel or libuv) and the one uv_write
   * in flight. q is qinline unless more than SIO__STREAM_QINLINE slices wait
   * at once: the usual message (one frame, or an event and its ack) queues
   * and leaves with no allocation. */
  sio__slice_t *q;
  size_t qhead, qlen, qcap;
  sio__slice_t qinline[SIO__STREAM_QINLINE];
  size_t qbytes;
  size_t max_queue;
  struct sio__wreq *inflight;

  /* Membership of the io's service list. */
  struct sio__stream *snext, *sprev;
  unsigned scheduled : 1;

  unsigned reading : 1;      /* owner wants reads */
  unsigned closing : 1;      /* uv_close called */
  unsigned ending : 1;       /* graceful close in progress */
  unsigned shut : 1;         /* uv_shutdown issued */
  unsigned defer : 1;        /* on_defer pending */
  unsigned err_reported : 1; /* on_error delivered */
  unsigned eof : 1;          /* the peer sent EOF (reported) */
  int err;                   /* sticky failure */
  int handles;               /* libuv handles not closed yet */
  /* Owner-independent last call (per-IP accounting); survives handovers. */
  void (*close_hook)(void *arg);
  void *close_hook_arg;
  uint64_t linger_ms;
  char addr[64];
};

/* A stream for a connection accepted on server (a listening handle on io's
 * loop); takes a reference of io. NULL on failure (nothing accepted). */
sio__stream_t *sio__stream_accept(sio__io_t *io, uv_stream_t *server);
/* Delivers a pending error or defer and flushes the write queue. */
void sio__stream_service(sio__stream_t *s);

#endif
