/* The metrics' internals shared by the server (sio_metrics.c: options,
 * collection, the HTTP route, the loop-lag timer) and the text writer
 * (sio_metrics_text.c). The public side is sio/metrics.h. */
#ifndef SIO_SIO_METRICS_H
#define SIO_SIO_METRICS_H

#include "core/rbuf.h"
#include "sio/metrics.h"

struct sio_metrics_out {
  sio__sb_t sb;
};

typedef struct {
  const char *name;
  const char *value; /* value[0..len), escaped when written */
  size_t len;
} sio__metrics_label_t;

/* Writes name{l1="v1",...} (no value; name alone when n is 0). */
void sio__metrics_labels(sio_metrics_out_t *out, const char *name,
                         const sio__metrics_label_t *labels, size_t n);

/* The server's side (sio_metrics.c), called by sio_server.c. */
struct sio_server;
/* Starts the metrics if the options turn them on: the route, the timer.
 * 0 or an error (SIO_EEXIST: the path is taken). */
int sio__metrics_start(struct sio_server *s, const sio_server_opts_t *opts);
/* The server closes: the route and the timer go (idempotent). */
void sio__metrics_stop(struct sio_server *s);
/* Frees what is left (with the server; after sio__metrics_stop if the
 * route was mounted). */
void sio__metrics_free(struct sio_server *s);
/* The loop lag last sampled and the largest (zeros with the metrics off). */
void sio__metrics_lag(const struct sio_server *s, uint64_t *lag, uint64_t *max);
/* The text of s's sources (new, NUL-terminated, *len its length), or NULL:
 * none, or out of memory. */
char *sio__metrics_sources(struct sio_server *s, size_t *len);

#endif
