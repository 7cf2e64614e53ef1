/* The client options object (copied into the client by sio_client_new). */
#ifndef SIO_CLIENT_OPTS_H
#define SIO_CLIENT_OPTS_H

#include "core/rbuf.h"
#include "sio/client.h"

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
};

#endif
