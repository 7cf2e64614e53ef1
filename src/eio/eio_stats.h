/* The Engine.IO server's counters, the face that the Socket.IO server's
 * metrics read. Plain integers bumped on the loop thread (no lock, no
 * allocation); a high-water mark is one comparison. */
#ifndef SIO_EIO_STATS_H
#define SIO_EIO_STATS_H

#include <stdint.h>

#include "sio/eio.h"

typedef struct {
  uint64_t handshakes[2]; /* sessions opened: [0] polling, [1] WebSocket first */
  uint64_t upgrades;      /* polling sessions moved to WebSocket */
  uint64_t rate_limited;  /* sessions closed over the packet rate limit */
  uint64_t write_limited; /* sessions closed with their write queue over its cap */
  uint64_t polling_hwm;   /* largest polling write buffer seen, bytes */
  uint64_t ws_hwm;        /* largest WebSocket write queue seen, bytes */
  int watch_ws;           /* measure ws_hwm (a read of the stream's queue per send:
                             only when metrics are on) */
} sio__eio_stats_t;

/* Valid as long as s; writable (watch_ws) by its owner. */
sio__eio_stats_t *sio__eio_server_stats(sio_eio_server_t *s);
/* s's own open sessions (sio_eio_server_clients_count sums a group's). */
size_t sio__eio_server_sessions_here(const sio_eio_server_t *s);

/* A new high-water mark when v is above it. */
static inline void sio__eio_stats_hwm(uint64_t *hwm, uint64_t v) {
  if (v > *hwm) *hwm = v;
}

#endif
