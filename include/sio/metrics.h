/* libsio: metrics of a Socket.IO server in the Prometheus text exposition
 * format, version 0.0.4. Opt-in: nothing is served and no timer runs unless
 * sio_server_opts_set_metrics() turned them on.
 *
 * What is exposed (every name starts with sio_): connected sockets per
 * namespace and transport, Engine.IO sessions, handshakes and upgrades,
 * packets and bytes received and sent (packets by Socket.IO type),
 * broadcasts and deliveries, drops (volatile packets skipped, sessions
 * closed over the write-queue cap or the packet rate limit), write-queue
 * high-water marks, acks pending and timed out, and the event-loop lag;
 * libsio-redis adds its link state and message counts (sio/redis.h).
 *
 * Cost: the counters are plain integers the loop thread bumps whether the
 * metrics are on or not (no lock, no allocation); the text is built only
 * when asked for, in O(namespaces + sockets). With the metrics on, a timer
 * measures the loop's lag twice a second and the WebSocket write queue is
 * read after each send for its high-water mark.
 *
 * Threads: every function runs on the server's loop thread, like
 * sio/server.h (from another thread, go through sio_server_post).
 *
 * Workers (sio_server_opts_set_workers): the served text is the process's.
 * The worker that takes the scrape posts a job to every other worker, each
 * takes its own figures on its own thread, and the answer goes out once all
 * are in (a worker always answers: a closing one answers zeros): counters
 * and gauges are summed, high-water marks and the loop lag are the largest
 * of the workers'. Sources stay worker 0's: they run on its thread and
 * their text joins the answer. sio_server_metrics() answers at once, with
 * the calling worker's own figures. */
#ifndef SIO_METRICS_H
#define SIO_METRICS_H

#include "sio/server.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The Content-Type of the text. */
#define SIO_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* Where the built-in HTTP server serves them unless told otherwise. */
#define SIO_METRICS_PATH_DEFAULT "/metrics"
/* Namespaces with a label of their own; the sockets of the others are summed
 * under nsp="_other" (dynamic namespaces are named by clients: this keeps the
 * number of series bounded). */
#define SIO_METRICS_NAMESPACES_MAX_DEFAULT 64

/* ---- options (copied by sio_server_new / sio_server_attach) ---- */

/* Turns the metrics on (default off): served by the server's HTTP server
 * (its own, or the one it is attached to) at the metrics path for GET and
 * HEAD, readable with sio_server_metrics(), and the loop lag measured. */
SIO_EXTERN void sio_server_opts_set_metrics(sio_server_opts_t *o, int on);
/* The path they are served at (copied; default SIO_METRICS_PATH_DEFAULT), or
 * NULL to serve them nowhere (an application's own route then calls
 * sio_server_metrics()). 0, SIO_EINVAL (not starting with '/'), SIO_ENOMEM.
 * Creating the server fails with SIO_EEXIST when the path is already
 * mounted on its HTTP server. */
SIO_EXTERN int sio_server_opts_set_metrics_path(sio_server_opts_t *o, const char *path);
/* How many namespaces get a label of their own (default
 * SIO_METRICS_NAMESPACES_MAX_DEFAULT; 0 restores it). */
SIO_EXTERN void sio_server_opts_set_metrics_max_namespaces(sio_server_opts_t *o,
                                                           uint32_t n);

/* ---- reading them ---- */

/* The whole text (with workers: the calling worker's figures alone; the
 * served route gives the process's), NUL-terminated, in a new buffer the caller owns and
 * frees with sio_free(); *len (may be NULL) its length without the NUL. Serve it with
 * SIO_METRICS_CONTENT_TYPE. 0, SIO_EINVAL (NULL argument, or the metrics are off) or
 * SIO_ENOMEM (*text is then NULL). */
SIO_EXTERN int sio_server_metrics(sio_server_t *s, char **text, size_t *len);

/* ---- adding metrics of your own (libsio-redis does) ---- */

/* The text being built, handed to a source for the length of its call. */
typedef struct sio_metrics_out sio_metrics_out_t;
/* A source appends its families after the server's each time the text is
 * built (out borrowed for the call). */
typedef void (*sio_metrics_source_cb)(sio_metrics_out_t *out, void *arg);
/* Adds a source (several run in the order added; arg borrowed until it is
 * removed or the server is freed). 0, SIO_EINVAL (metrics off, NULL cb),
 * SIO_ENOMEM. */
SIO_EXTERN int sio_server_metrics_add_source(sio_server_t *s, sio_metrics_source_cb cb,
                                             void *arg);
/* Removes the sources with this cb and arg. Returns how many. */
SIO_EXTERN int sio_server_metrics_remove_source(sio_server_t *s, sio_metrics_source_cb cb,
                                                void *arg);
/* A family's # HELP and # TYPE lines. name: [a-zA-Z_:][a-zA-Z0-9_:]*; type:
 * "counter" or "gauge"; help: one line (a backslash or newline in it is
 * escaped). All borrowed for the call. */
SIO_EXTERN void sio_metrics_family(sio_metrics_out_t *out, const char *name,
                                   const char *type, const char *help);
/* One sample of the family: name{label="label_value"} value, or name value
 * when label is NULL. The label value is escaped (backslash, quote,
 * newline). Borrowed for the call. sio_metrics_sample_u64 writes an integer
 * exactly (a counter past 2^53 would lose digits as a double). */
SIO_EXTERN void sio_metrics_sample(sio_metrics_out_t *out, const char *name,
                                   const char *label, const char *label_value,
                                   double value);
SIO_EXTERN void sio_metrics_sample_u64(sio_metrics_out_t *out, const char *name,
                                       const char *label, const char *label_value,
                                       uint64_t value);

#ifdef __cplusplus
}
#endif
#endif
