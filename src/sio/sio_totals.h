/* The process's figures of a server of several workers: every worker's
 * counters (sio_stats.h, eio_stats.h), sessions, HTTP connections, pending
 * acks, loop lag and sockets per namespace, each taken by its worker on its
 * own thread (a posted job) and summed on the worker that asked. Nothing is
 * read across threads and the hot path pays nothing. The metrics
 * (sio_metrics.c) and the test servers read them. */
#ifndef SIO_SIO_TOTALS_H
#define SIO_SIO_TOTALS_H

#include "eio/eio_stats.h"
#include "sio/sio_stats.h"

/* Sockets of one namespace (not a dynamic parent) by transport. */
typedef struct {
  char *name; /* owned, NUL-terminated */
  size_t len;
  uint64_t by[2]; /* [0] polling, [1] WebSocket */
} sio__totals_nsp_t;

typedef struct {
  sio__server_stats_t sio;
  sio__eio_stats_t eio;        /* sums; the high-water marks are the largest */
  uint64_t sessions;           /* Engine.IO sessions open */
  uint64_t http_conns;         /* HTTP connections open */
  uint64_t acks_pending;       /* acks waited for from sockets */
  uint64_t lag_ms, lag_max_ms; /* the largest of the workers' (metrics on) */
  unsigned workers;            /* how many answered */
  /* The first max_nsps namespaces by name; the sockets of the others are
   * summed in other_by (any_other: there were some). */
  sio__totals_nsp_t *nsps;
  size_t nnsps;
  uint64_t other_by[2];
  int any_other;
  /* The text of worker 0's metrics sources (sio_server_metrics_add_source),
   * built on its thread; NULL if none. Owned. */
  char *sources;
  size_t sources_len;
} sio__totals_t;

/* status 0, or SIO_ECANCELED when the asking server closed first (t holds
 * what had come in). t is borrowed for the call. */
typedef void (*sio__totals_cb)(int status, const sio__totals_t *t, void *arg);

/* Gathers s's process-wide figures and calls cb(arg) on s's thread: at once
 * without workers, else once every worker answered (a worker always answers:
 * its post runs every job it accepted; a worker already gone counts as
 * zeros). max_nsps: namespaces with an entry of their own. 0, SIO_ENOMEM or
 * SIO_ECANCELED (s is closing); cb never runs then. */
int sio__totals_gather(sio_server_t *s, uint32_t max_nsps, sio__totals_cb cb, void *arg);

/* s's own figures alone, now, into t (release it). */
void sio__totals_here(sio_server_t *s, uint32_t max_nsps, sio__totals_t *t);

/* Frees what t owns (for a copy taken out of a callback). */
void sio__totals_release(sio__totals_t *t);

/* Sockets of the namespace named name in t (0 if none). */
uint64_t sio__totals_nsp_sockets(const sio__totals_t *t, const char *name);

/* The server closes: its gathers still waiting get SIO_ECANCELED. */
void sio__totals_cancel(sio_server_t *s);

#endif
