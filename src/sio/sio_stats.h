/* The Socket.IO server's counters: what tests and the benchmark server read
 * (a broadcast encodes once, volatile packets dropped) and what the metrics
 * (sio_metrics.c) expose. Plain integers bumped on the loop thread: no lock,
 * no allocation, one add each. */
#ifndef SIO_SIO_STATS_H
#define SIO_SIO_STATS_H

#include <stdint.h>

#include "sio/server.h"

/* Socket.IO packet types 0..6 (CONNECT .. BINARY_ACK), indexed & 7. */
#define SIO__STATS_TYPES 8

typedef struct {
  uint64_t encodes;    /* Socket.IO packets encoded (one per emit/broadcast) */
  uint64_t deliveries; /* packets queued on a recipient */
  uint64_t dropped;    /* volatile packets skipped */
  uint64_t broadcasts; /* broadcasts sent to this server's sockets */
  uint64_t packets_in[SIO__STATS_TYPES];  /* decoded packets received, by type */
  uint64_t packets_out[SIO__STATS_TYPES]; /* packets sent to a session, by type */
  uint64_t bytes_in, bytes_out; /* Engine.IO message payloads under those packets */
  uint64_t acks_timed_out; /* acks waited for in vain (a socket's or a broadcast's) */
} sio__server_stats_t;

const sio__server_stats_t *sio__server_stats(const sio_server_t *s);

/* One packet of this type and size sent to one session. */
static inline void sio__stats_out(sio__server_stats_t *st, uint8_t type, size_t bytes) {
  st->packets_out[type & 7]++;
  st->bytes_out += bytes;
}

#endif
