/* The server's metrics (sio/metrics.h): options, the text built from the
 * counters of sio_stats.h and eio_stats.h plus a walk over namespaces and
 * sockets, the HTTP route that serves it, the loop-lag timer, and the
 * sources other libraries add. */
#include <string.h>

#include "core/alloc.h"
#include "eio/eio_stats.h"
#include "http/http_server.h"
#include "sio/sio_internal.h"
#include "sio/sio_metrics.h"
#include "sio/sio_totals.h"

/* How often the loop lag is sampled. */
#define LAG_INTERVAL_MS 500

struct sio__metrics {
  sio_server_t *srv;
  char *path; /* mounted on the HTTP server, or NULL */
  uint32_t max_nsps;
  sio__timer_t *lag_timer;
  uint64_t lag_started; /* sio__now_ms() when the timer was started */
  uint64_t lag_ms, lag_max_ms;
  sio__cbvec_t sources;
};

/* ---- options ---- */

void sio_server_opts_set_metrics(sio_server_opts_t *o, int on) {
  if (o) o->metrics = on ? 1 : 0;
}

int sio_server_opts_set_metrics_path(sio_server_opts_t *o, const char *path) {
  if (!o || (path && path[0] != '/')) return SIO_EINVAL;
  char *p = NULL;
  if (path && !(p = sio__strdup(path))) return SIO_ENOMEM;
  sio__free(o->metrics_path);
  o->metrics_path = p;
  o->metrics_unserved = path == NULL;
  return 0;
}

void sio_server_opts_set_metrics_max_namespaces(sio_server_opts_t *o, uint32_t n) {
  if (o) o->metrics_max_nsps = n ? n : SIO_METRICS_NAMESPACES_MAX_DEFAULT;
}

/* ---- the text ---- */

static const char *const k_types[SIO__STATS_TYPES] = {
    "connect",       "disconnect",   "event",      "ack",
    "connect_error", "binary_event", "binary_ack", "other"};

static void sample2(sio_metrics_out_t *out, const char *name, const char *l1,
                    const char *v1, size_t v1len, const char *l2, const char *v2,
                    uint64_t value) {
  sio__metrics_label_t l[2] = {{l1, v1, v1len}, {l2, v2, strlen(v2)}};
  sio__metrics_labels(out, name, l, 2);
  sio__sb_putc(&out->sb, ' ');
  sio__sb_put_u64(&out->sb, value);
  sio__sb_putc(&out->sb, '\n');
}

static void by_type(sio_metrics_out_t *out, const char *name, const char *help,
                    const uint64_t *v) {
  sio_metrics_family(out, name, "counter", help);
  for (size_t i = 0; i < SIO__STATS_TYPES; i++)
    sio_metrics_sample_u64(out, name, "type", k_types[i], v[i]);
}

/* Connected sockets per namespace and transport, and pending acks, as the
 * workers counted them (sio_totals.c); namespaces past the bound are summed
 * under "_other". */
static void sockets(sio_metrics_out_t *out, const sio__totals_t *t) {
  sio_metrics_family(out, "sio_sockets_connected", "gauge",
                     "Sockets connected, by namespace and transport.");
  for (size_t i = 0; i < t->nnsps; i++) {
    const sio__totals_nsp_t *e = &t->nsps[i];
    sample2(out, "sio_sockets_connected", "nsp", e->name, e->len, "transport", "polling",
            e->by[0]);
    sample2(out, "sio_sockets_connected", "nsp", e->name, e->len, "transport",
            "websocket", e->by[1]);
  }
  if (t->any_other) {
    sample2(out, "sio_sockets_connected", "nsp", "_other", 6, "transport", "polling",
            t->other_by[0]);
    sample2(out, "sio_sockets_connected", "nsp", "_other", 6, "transport", "websocket",
            t->other_by[1]);
  }
  sio_metrics_family(out, "sio_acks_pending", "gauge",
                     "Acknowledgements the server waits for from its sockets.");
  sio_metrics_sample_u64(out, "sio_acks_pending", NULL, NULL, t->acks_pending);
}

static void counter(sio_metrics_out_t *out, const char *name, const char *help,
                    uint64_t v) {
  sio_metrics_family(out, name, "counter", help);
  sio_metrics_sample_u64(out, name, NULL, NULL, v);
}

static void gauge(sio_metrics_out_t *out, const char *name, const char *help, double v) {
  sio_metrics_family(out, name, "gauge", help);
  sio_metrics_sample(out, name, NULL, NULL, v);
}

static void engine(sio_metrics_out_t *out, const sio__totals_t *t) {
  const sio__eio_stats_t *e = &t->eio;
  gauge(out, "sio_engine_sessions", "Engine.IO sessions open.", (double)t->sessions);
  sio_metrics_family(out, "sio_handshakes_total", "counter",
                     "Engine.IO sessions opened, by first transport.");
  sio_metrics_sample_u64(out, "sio_handshakes_total", "transport", "polling",
                         e->handshakes[0]);
  sio_metrics_sample_u64(out, "sio_handshakes_total", "transport", "websocket",
                         e->handshakes[1]);
  counter(out, "sio_upgrades_total", "Sessions upgraded from polling to WebSocket.",
          e->upgrades);
  sio_metrics_family(out, "sio_sessions_closed_over_limit_total", "counter",
                     "Sessions closed over a limit: the write-queue cap or the "
                     "packet rate limit.");
  sio_metrics_sample_u64(out, "sio_sessions_closed_over_limit_total", "limit",
                         "write_queue", e->write_limited);
  sio_metrics_sample_u64(out, "sio_sessions_closed_over_limit_total", "limit", "rate",
                         e->rate_limited);
  sio_metrics_family(out, "sio_write_queue_high_water_bytes", "gauge",
                     "Largest write queue of one session seen, by transport.");
  sio_metrics_sample_u64(out, "sio_write_queue_high_water_bytes", "transport", "polling",
                         e->polling_hwm);
  sio_metrics_sample_u64(out, "sio_write_queue_high_water_bytes", "transport",
                         "websocket", e->ws_hwm);
}

static void build(const sio__totals_t *t, sio_metrics_out_t *out) {
  const sio__server_stats_t *st = &t->sio;
  sockets(out, t);
  engine(out, t);
  by_type(out, "sio_packets_received_total", "Socket.IO packets received, by type.",
          st->packets_in);
  by_type(out, "sio_packets_sent_total",
          "Socket.IO packets sent to a session, by type (a broadcast counts once per "
          "recipient).",
          st->packets_out);
  counter(out, "sio_received_bytes_total",
          "Engine.IO message payload bytes received by Socket.IO.", st->bytes_in);
  counter(out, "sio_sent_bytes_total",
          "Engine.IO message payload bytes sent by Socket.IO, per recipient.",
          st->bytes_out);
  counter(out, "sio_packets_encoded_total",
          "Packets encoded (an emit or a broadcast is encoded once).", st->encodes);
  counter(out, "sio_broadcasts_total", "Broadcasts delivered to this server's sockets.",
          st->broadcasts);
  counter(out, "sio_deliveries_total",
          "Packets queued on a recipient socket (emits and broadcasts).", st->deliveries);
  counter(out, "sio_volatile_dropped_total",
          "Volatile packets skipped: the transport was not writable.", st->dropped);
  counter(out, "sio_acks_timed_out_total",
          "Acknowledgements waited for in vain (a socket's or a broadcast's).",
          st->acks_timed_out);
  gauge(out, "sio_event_loop_lag_seconds",
        "How late the last loop-lag timer fired (sampled twice a second).",
        (double)t->lag_ms / 1000.0);
  gauge(out, "sio_event_loop_lag_max_seconds", "The largest loop lag sampled.",
        (double)t->lag_max_ms / 1000.0);
  if (t->sources) sio__sb_append(&out->sb, t->sources, t->sources_len);
}

/* The text of s's sources, or NULL (none, or out of memory). */
char *sio__metrics_sources(sio_server_t *s, size_t *len) {
  struct sio__metrics *m = s->metrics;
  *len = 0;
  if (!m) return NULL;
  sio_metrics_out_t out;
  sio__sb_init(&out.sb, 1024);
  sio__cb_t cb;
  size_t n = sio__cbvec_begin(&m->sources);
  for (size_t i = 0; i < n; i++)
    if (sio__cbvec_get(&m->sources, i, &cb)) ((sio_metrics_source_cb)cb.fn)(&out, cb.arg);
  sio__cbvec_end(&m->sources);
  sio__rbuf_t *b = sio__sb_finish(&out.sb);
  if (!b) return NULL;
  char *t = b->len ? sio__malloc(b->len + 1) : NULL;
  if (t) {
    memcpy(t, b->data, b->len);
    t[b->len] = 0;
    *len = b->len;
  }
  sio__rbuf_unref(b);
  return t;
}

void sio__metrics_lag(const sio_server_t *s, uint64_t *lag, uint64_t *max) {
  const struct sio__metrics *m = s->metrics;
  *lag = m ? m->lag_ms : 0;
  *max = m ? m->lag_max_ms : 0;
}

int sio_server_metrics(sio_server_t *s, char **text, size_t *len) {
  if (text) *text = NULL;
  if (!s || !text || !s->metrics) return SIO_EINVAL;
  /* This worker's own figures: no other worker can be asked synchronously. */
  sio__totals_t tot;
  sio__totals_here(s, s->metrics->max_nsps, &tot);
  sio_metrics_out_t out;
  sio__sb_init(&out.sb, 4096);
  build(&tot, &out);
  sio__totals_release(&tot);
  sio__rbuf_t *b = sio__sb_finish(&out.sb);
  if (!b) return SIO_ENOMEM;
  char *t = sio__malloc(b->len + 1);
  if (t) {
    memcpy(t, b->data, b->len);
    t[b->len] = 0;
    if (len) *len = b->len;
  }
  sio__rbuf_unref(b);
  *text = t;
  return t ? 0 : SIO_ENOMEM;
}

/* ---- sources ---- */

int sio_server_metrics_add_source(sio_server_t *s, sio_metrics_source_cb cb, void *arg) {
  if (!s || !cb || !s->metrics) return SIO_EINVAL;
  return sio__cbvec_add(&s->metrics->sources, NULL, (void (*)(void))cb, arg);
}

int sio_server_metrics_remove_source(sio_server_t *s, sio_metrics_source_cb cb,
                                     void *arg) {
  if (!s || !cb || !s->metrics) return 0;
  return sio__cbvec_remove(&s->metrics->sources, NULL, (void (*)(void))cb, arg);
}

/* ---- the route ---- */

/* Every worker's figures are in (or the server closes): the answer. */
static void answer(int status, const sio__totals_t *t, void *arg) {
  sio_http_req_t *req = arg;
  if (status) {
    sio_http_req_respond(req, 503, NULL, NULL, NULL, 0);
    return;
  }
  sio_metrics_out_t out;
  sio__sb_init(&out.sb, 4096);
  build(t, &out);
  sio__rbuf_t *b = sio__sb_finish(&out.sb);
  if (!b) {
    sio_http_req_respond(req, 500, NULL, NULL, NULL, 0);
    return;
  }
  sio__http_respond_compressed(req, 200, SIO_METRICS_CONTENT_TYPE,
                               "Cache-Control: no-store\r\n", b, 0, b->len);
  sio__rbuf_unref(b);
}

static void on_request(sio_http_req_t *req, void *arg) {
  struct sio__metrics *m = arg;
  size_t plen;
  const char *path = sio_http_req_path(req, &plen);
  const char *method = sio_http_req_method(req);
  /* The mount claims the prefix: only the path itself is ours. */
  if (plen != strlen(m->path) || memcmp(path, m->path, plen) != 0) {
    sio_http_req_respond(req, 404, NULL, NULL, NULL, 0);
    return;
  }
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
    sio_http_req_respond(req, 405, NULL, "Allow: GET, HEAD\r\n", NULL, 0);
    return;
  }
  if (sio__totals_gather(m->srv, m->max_nsps, answer, req))
    sio_http_req_respond(req, 500, NULL, NULL, NULL, 0);
}

/* ---- the loop lag ---- */

static void lag_tick(sio__timer_t *t, void *arg) {
  struct sio__metrics *m = arg;
  uint64_t now = sio__now_ms(m->srv->loop);
  uint64_t due = m->lag_started + LAG_INTERVAL_MS;
  m->lag_ms = now > due ? now - due : 0;
  if (m->lag_ms > m->lag_max_ms) m->lag_max_ms = m->lag_ms;
  m->lag_started = now;
  sio__timer_start(t, LAG_INTERVAL_MS);
}

/* ---- lifetime ---- */

int sio__metrics_start(sio_server_t *s, const sio_server_opts_t *opts) {
  if (!opts || !opts->metrics) return 0;
  struct sio__metrics *m = sio__calloc(1, sizeof(*m));
  if (!m) return SIO_ENOMEM;
  s->metrics = m;
  m->srv = s;
  m->max_nsps = opts->metrics_max_nsps ? opts->metrics_max_nsps
                                       : SIO_METRICS_NAMESPACES_MAX_DEFAULT;
  if (!(m->lag_timer = sio__timer_new(s->loop, lag_tick, m))) return SIO_ENOMEM;
  m->lag_started = sio__now_ms(s->loop);
  sio__timer_start(m->lag_timer, LAG_INTERVAL_MS);
  sio__eio_server_stats(s->eio)->watch_ws = 1;
  if (opts->metrics_unserved) return 0;
  const char *path = opts->metrics_path ? opts->metrics_path : SIO_METRICS_PATH_DEFAULT;
  if (!(m->path = sio__strdup(path))) return SIO_ENOMEM;
  int rc = sio__http_server_mount(s->http, m->path, 0, on_request, m);
  if (rc) {
    sio__free(m->path);
    m->path = NULL;
  }
  return rc;
}

void sio__metrics_stop(sio_server_t *s) {
  struct sio__metrics *m = s->metrics;
  if (!m) return;
  sio__timer_free(m->lag_timer);
  m->lag_timer = NULL;
  if (m->path) sio__http_server_unmount(s->http, m->path);
  sio__free(m->path);
  m->path = NULL;
}

void sio__metrics_free(sio_server_t *s) {
  struct sio__metrics *m = s->metrics;
  if (!m) return;
  sio__timer_free(m->lag_timer);
  sio__free(m->path);
  sio__cbvec_free(&m->sources);
  sio__free(m);
  s->metrics = NULL;
}
