/* The client options object (copied into the client by sio_client_new). */
#ifndef SIO_CLIENT_OPTS_H
#define SIO_CLIENT_OPTS_H

#include "core/rbuf.h"
#include "sio/client.h"
#include "ws/ws_deflate.h"

struct sio_client_opts {
  sio_transport_mode_t mode;
  char *path;        /* NULL: "/socket.io/" */
  sio__sb_t query;   /* "&k=v..." */
  sio__sb_t headers; /* "Name: value\r\n..." */
  int reconnection;
  uint32_t attempts; /* 0: unlimited */
  uint32_t delay, delay_max;
  double randomization;
  uint32_t timeout;
  uint32_t max_buffered;
  size_t max_write_queue;             /* WebSocket write queue, polling outgoing queue */
  size_t max_receive_queue;           /* the simple client's received events */
  const sio_parser_t *parser;         /* NULL: JSON */
  int tls_verify;                     /* default 1 */
  char *tls_ca_file, *tls_ca_dir;     /* NULL: the system store */
  char *tls_cert_file, *tls_key_file; /* NULL: no client certificate */
  sio__ws_deflate_cfg_t deflate;      /* permessage-deflate (off by default) */
};

/* The delay before reconnection attempt `attempt` (1, 2, ...), as
 * socket.io-client's Backoff computes it: delay * 2^(attempt - 1), moved by
 * a deviation of floor(u * randomization * that) (subtracted when
 * floor(u * 10) is even, else added), then capped at delay_max. u is a
 * random number in [0, 1). Pure: the caller draws u. */
uint64_t sio__client_backoff(const sio_client_opts_t *o, uint32_t attempt, double u);

#endif
