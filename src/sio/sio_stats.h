/* The Socket.IO server's counters, the face that tests and the benchmark
 * server read (a broadcast encodes once, volatile packets dropped). */
#ifndef SIO_SIO_STATS_H
#define SIO_SIO_STATS_H

#include <stdint.h>

#include "sio/server.h"

/* Counters a test can read to prove that a broadcast encodes once. */
typedef struct {
  uint64_t encodes;    /* Socket.IO packets encoded (one per emit/broadcast) */
  uint64_t deliveries; /* packets queued on a recipient */
  uint64_t dropped;    /* volatile packets skipped */
} sio__server_stats_t;

const sio__server_stats_t *sio__server_stats(const sio_server_t *s);

#endif
