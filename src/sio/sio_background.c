/* The server's background services (sio/server.h: sio_server_every,
 * sio_server_queue_work) over src/io/background.h. */
#include "io/background.h"
#include "sio/server.h"

/* The public handle is the io interval itself. */
struct sio_interval;

int sio_server_every(sio_server_t *s, uint32_t every_ms, void (*cb)(void *arg), void *arg,
                     sio_interval_t **out) {
  if (!s) return SIO_EINVAL;
  return sio__interval_start(sio_server_loop(s), every_ms, cb, arg,
                             (sio__interval_t **)out);
}

void sio_interval_close(sio_interval_t *t, void (*closed)(void *arg)) {
  sio__interval_close((sio__interval_t *)t, closed);
}

int sio_server_queue_work(sio_server_t *s, void (*work)(void *arg),
                          void (*done)(void *arg, int ok), void *arg) {
  if (!s) return SIO_EINVAL;
  return sio__work_queue(sio_server_loop(s), work, done, arg);
}
