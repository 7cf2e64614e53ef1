/* sio_load: options, the phases of a run (connect, warm up, measure) and the
 * one-line JSON report. See load.h and docs/PERFORMANCE.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/alloc.h"
#include "load.h"

#define MAX_CONNS 200000u
#define MAX_SIZE 8192u

static void usage(FILE *f) {
  fprintf(f,
          "usage: sio_load --port N [options]\n"
          "\n"
          "Socket.IO v5 / Engine.IO v4 load generator. Prints one JSON line per run.\n"
          "  --host H             server address (default 127.0.0.1)\n"
          "  --port N             server port (required)\n"
          "  --path P             endpoint path (default /socket.io/)\n"
          "  --mode M             echo | bcast | connect (default echo)\n"
          "  --transport T        websocket | polling (default websocket)\n"
          "  --conns C            connections (bcast: receivers, plus one sender)\n"
          "                       (default 100)\n"
          "  --inflight W         messages in flight per connection (bcast: broadcasts\n"
          "                       in flight; default 1, at most 64 for bcast)\n"
          "  --acks               echo: ask for an ack and time the ack\n"
          "  --browser-headers    websocket: send the headers a browser sends with its\n"
          "                       upgrade (about 600 bytes: User-Agent, Cookie, ...)\n"
          "  --size B             string argument of B bytes per message (default 16)\n"
          "  --warmup S           seconds of load before measuring (default 1)\n"
          "  --duration S         seconds measured (default 5)\n"
          "  --hold S             connect: seconds idle before reading RSS (default 2)\n"
          "  --parallel P         handshakes in progress at once (default 256)\n"
          "  --sources N          spread over 127.0.0.1..N (default: one per 20000\n"
          "                       connections)\n"
          "  --connect-timeout S  give up connecting after S seconds (default 30)\n"
          "  --server-pid PID     read the server's CPU time and RSS from /proc\n");
}

static bench_t g_b;

/* ---- messages ---- */

size_t load_build_msg(conn_t *c, char *out, size_t cap) {
  bench_t *b = c->b;
  uint64_t ts = load_now(b);
  int n;
  if (b->mode == MODE_BCAST) {
    uint64_t seq = b->bseq++;
    b->bcount[seq % 64] = 0;
    n = snprintf(out, cap, "42[\"bcast\",%llu,%llu,\"%s\"]", (unsigned long long)seq,
                 (unsigned long long)ts, b->pad);
  } else if (b->acks) {
    n = snprintf(out, cap, "42%llu[\"echo\",%llu,\"%s\"]",
                 (unsigned long long)c->next_ack++, (unsigned long long)ts, b->pad);
  } else {
    n = snprintf(out, cap, "42[\"echo\",%llu,\"%s\"]", (unsigned long long)ts, b->pad);
  }
  return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void send_next(conn_t *c, uint32_t n) {
  if (c->state != ST_READY || c->b->stopping) return;
  if (c->in_read) {
    c->owed += n; /* sent when the read that owed them is consumed */
    return;
  }
  if (c->polling)
    polling_send_next(c, n);
  else
    ws_send_next(c, n);
}

static int has_prefix(const uint8_t *p, size_t n, const char *s) {
  size_t k = strlen(s);
  return n >= k && memcmp(p, s, k) == 0;
}

void load_on_sio(conn_t *c, const uint8_t *p, size_t n) {
  bench_t *b = c->b;
  uint64_t v = 0, ts = 0;
  if (n == 0) return;
  if (p[0] == '2' && has_prefix(p, n, "2[\"echo\",")) {
    load_parse_u64(p + 9, n - 9, &ts);
    b->deliveries++;
    if (!b->acks) {
      load_sample(b, ts);
      b->done++;
      send_next(c, 1);
    }
  } else if (p[0] == '3') {
    size_t k = 1 + load_parse_u64(p + 1, n - 1, &v);
    if (k < n && p[k] == '[') load_parse_u64(p + k + 1, n - k - 1, &ts);
    load_sample(b, ts);
    b->done++;
    send_next(c, 1);
  } else if (p[0] == '2' && has_prefix(p, n, "2[\"bcast\",")) {
    size_t k = 10 + load_parse_u64(p + 10, n - 10, &v);
    if (k < n && p[k] == ',') load_parse_u64(p + k + 1, n - k - 1, &ts);
    b->deliveries++;
    load_sample(b, ts);
    if (++b->bcount[v % 64] == b->nconn - b->failed - b->closed_early) {
      /* every connected socket got it: the sender may go on */
      b->done++;
      b->last_progress = load_now(b);
      send_next(&b->c[0], 1);
    }
  } else if (p[0] == '1' || p[0] == '4') {
    load_on_closed(c, p[0] == '1' ? "namespace disconnect" : "connect error");
  }
}

/* ---- phases ---- */

static uint32_t settled(const bench_t *b) {
  return b->ready + b->failed;
}

static void launch(bench_t *b) {
  while (!b->stopping && b->started < b->nconn && b->started - settled(b) < b->parallel) {
    conn_t *c = &b->c[b->started++];
    if (c->polling)
      polling_start(c);
    else
      ws_start(c);
  }
}

static double cpu_self(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

typedef enum { PH_CONNECT, PH_WARMUP, PH_MEASURE, PH_HOLD } phase_t;

static struct {
  phase_t phase;
  uint64_t phase_t0;
  double gen_cpu0, gen_cpu;
  load_cpu_t srv_cpu0, srv_cpu; /* the server's, at the start; over the window */
  long rss0, rss1;
  uint64_t hist_max;
} g_run;

/* The server's CPU since srv_cpu0 (negative parts when unknown). */
static load_cpu_t srv_cpu_since_start(const bench_t *b) {
  load_cpu_t now = load_server_cpu(b->server_pid), d = {-1, -1};
  if (now.user >= 0 && g_run.srv_cpu0.user >= 0) {
    d.user = now.user - g_run.srv_cpu0.user;
    d.sys = now.sys - g_run.srv_cpu0.sys;
  }
  return d;
}

static double srv_total(void) {
  return g_run.srv_cpu.user >= 0 ? g_run.srv_cpu.user + g_run.srv_cpu.sys : -1;
}

/* Microseconds of CPU per unit (message, delivery, handshake); -1 if unknown. */
static double per_unit(double cpu_s, uint64_t units) {
  return cpu_s >= 0 && units ? cpu_s * 1e6 / (double)units : -1.0;
}

static uint64_t percentile(const bench_t *b, double q) {
  if (b->samples == 0) return 0;
  uint64_t want = (uint64_t)((double)b->samples * q);
  if (want >= b->samples) want = b->samples - 1;
  uint64_t seen = 0;
  for (uint32_t i = 0; i < HIST_BUCKETS; i++) {
    seen += b->hist[i];
    if (seen > want) return i;
  }
  return HIST_BUCKETS - 1;
}

static void report(bench_t *b, double window_s) {
  const char *mode = b->mode == MODE_ECHO    ? "echo"
                     : b->mode == MODE_BCAST ? "bcast"
                                             : "connect";
  double conn_s = (double)(b->connect_t1 - b->connect_t0) / 1e9;
  printf("{\"mode\":\"%s\",\"transport\":\"%s\",\"conns\":%u,\"inflight\":%u,\"acks\":%s,"
         "\"size\":%u,\"connected\":%u,\"failed\":%u,\"closed_early\":%u,\"errors\":%llu,"
         "\"first_error\":\"%s\",\"connect_s\":%.3f,\"handshakes_per_s\":%.1f,",
         mode, b->polling ? "polling" : "websocket", b->conns, b->inflight,
         b->acks ? "true" : "false", b->size, b->ready, b->failed, b->closed_early,
         (unsigned long long)b->errors, b->first_error, conn_s,
         conn_s > 0 ? (double)b->ready / conn_s : 0.0);
  if (b->mode == MODE_CONNECT) {
    long per = (g_run.rss0 >= 0 && g_run.rss1 >= 0 && b->ready)
                   ? (long)((double)(g_run.rss1 - g_run.rss0) * 1024.0 / b->ready)
                   : -1;
    printf("\"server_rss_kib_before\":%ld,\"server_rss_kib_after\":%ld,"
           "\"rss_per_conn_bytes\":%ld,\"server_cpu_us_per_handshake\":%.2f,"
           "\"server_user_us_per_handshake\":%.2f,\"server_sys_us_per_handshake\":%.2f,",
           g_run.rss0, g_run.rss1, per, per_unit(srv_total(), b->ready),
           per_unit(g_run.srv_cpu.user, b->ready), per_unit(g_run.srv_cpu.sys, b->ready));
  } else {
    uint64_t units = b->mode == MODE_BCAST ? b->deliveries : b->done;
    printf(
        "\"duration_s\":%.3f,\"messages\":%llu,\"msgs_per_s\":%.1f,\"deliveries\":%llu,"
        "\"deliveries_per_s\":%.1f,\"samples\":%llu,\"p50_us\":%llu,\"p99_us\":%llu,"
        "\"p999_us\":%llu,\"max_us\":%llu,\"server_cpu_us_per_msg\":%.3f,"
        "\"server_user_us_per_msg\":%.3f,\"server_sys_us_per_msg\":%.3f,",
        window_s, (unsigned long long)b->done, (double)b->done / window_s,
        (unsigned long long)b->deliveries, (double)b->deliveries / window_s,
        (unsigned long long)b->samples, (unsigned long long)percentile(b, 0.50),
        (unsigned long long)percentile(b, 0.99), (unsigned long long)percentile(b, 0.999),
        (unsigned long long)percentile(b, 1.0), per_unit(srv_total(), units),
        per_unit(g_run.srv_cpu.user, units), per_unit(g_run.srv_cpu.sys, units));
  }
  printf("\"server_cpu_s\":%.3f,\"server_user_s\":%.3f,\"server_sys_s\":%.3f,"
         "\"gen_cpu_s\":%.3f,\"gen_cpu_pct\":%.1f}\n",
         srv_total(), g_run.srv_cpu.user, g_run.srv_cpu.sys, g_run.gen_cpu,
         window_s > 0 ? 100.0 * g_run.gen_cpu / window_s : 0.0);
  fflush(stdout);
}

static void finish(bench_t *b, double window_s) {
  b->stopping = 1;
  g_run.gen_cpu = cpu_self() - g_run.gen_cpu0;
  g_run.srv_cpu = srv_cpu_since_start(b);
  b->measuring = 0;
  report(b, window_s);
  /* A load generator's sockets need no orderly goodbye: the exit closes them. */
  exit(b->errors == 0 && (b->mode == MODE_CONNECT ? b->ready > 0 : b->done > 0) ? 0 : 1);
}

static void start_window(bench_t *b) {
  b->done = b->deliveries = b->samples = 0;
  memset(b->hist, 0, HIST_BUCKETS * sizeof *b->hist);
  b->measuring = 1;
  g_run.gen_cpu0 = cpu_self();
  g_run.srv_cpu0 = load_server_cpu(b->server_pid);
}

static void begin_load(bench_t *b) {
  if (!b->connect_t1) b->connect_t1 = load_now(b);
  if (b->mode == MODE_CONNECT) {
    /* The handshake window is over: its CPU, then the idle hold. */
    g_run.gen_cpu = cpu_self() - g_run.gen_cpu0;
    g_run.srv_cpu = srv_cpu_since_start(b);
    g_run.phase = PH_HOLD;
    g_run.phase_t0 = load_now(b);
    return;
  }
  g_run.phase = PH_WARMUP;
  g_run.phase_t0 = load_now(b);
  b->last_progress = g_run.phase_t0;
  if (b->mode == MODE_ECHO) {
    for (uint32_t i = 0; i < b->nconn; i++) send_next(&b->c[i], b->inflight);
  } else {
    send_next(&b->c[0], b->inflight);
  }
}

static void on_tick(uv_timer_t *t) {
  bench_t *b = t->data;
  uint64_t now = load_now(b);
  double in_phase = (double)(now - g_run.phase_t0) / 1e9;
  switch (g_run.phase) {
    case PH_CONNECT:
      if (settled(b) == b->nconn) {
        begin_load(b);
      } else if (in_phase > b->connect_timeout) {
        load_error(b, "connect timeout", 0);
        b->failed = b->nconn - b->ready; /* those still trying no longer count */
        begin_load(b);
      }
      break;
    case PH_WARMUP:
      if (in_phase >= b->warmup) {
        g_run.phase = PH_MEASURE;
        g_run.phase_t0 = now;
        start_window(b);
      }
      break;
    case PH_MEASURE:
      if (in_phase >= b->duration) finish(b, in_phase);
      break;
    case PH_HOLD:
      if (in_phase >= b->hold) {
        g_run.rss1 = load_server_rss_kib(b->server_pid);
        b->stopping = 1;
        report(b, (double)(b->connect_t1 - b->connect_t0) / 1e9);
        exit(b->errors == 0 && b->ready > 0 ? 0 : 1);
      }
      break;
  }
  /* Broadcast watchdog: a broadcast that not every socket got within a
   * second (a socket went away) must not stall the sender. */
  now = load_now(b); /* begin_load may have moved last_progress past it */
  if (b->mode == MODE_BCAST && g_run.phase != PH_CONNECT &&
      now > b->last_progress + 1000000000ull) {
    load_error(b, "broadcast not delivered to every socket within 1 s", 0);
    b->last_progress = now;
    send_next(&b->c[0], b->inflight);
  }
}

/* The end of the connect phase is taken when the last handshake settles,
 * not at the next tick. */
static void settle(bench_t *b) {
  if (g_run.phase == PH_CONNECT && settled(b) == b->nconn && !b->connect_t1)
    b->connect_t1 = load_now(b);
  launch(b);
}

void load_on_ready(conn_t *c) {
  c->b->ready++;
  settle(c->b);
}

void load_on_closed(conn_t *c, const char *why) {
  bench_t *b = c->b;
  if (c->state == ST_CLOSED) return;
  if (why) load_error(b, why, 0);
  uint8_t was = c->state;
  c->state = ST_CLOSED;
  if (was == ST_READY)
    b->closed_early++;
  else
    b->failed++;
  if (c->polling) {
    if (!uv_is_closing((uv_handle_t *)&c->get.tcp))
      uv_close((uv_handle_t *)&c->get.tcp, NULL);
    if (!uv_is_closing((uv_handle_t *)&c->post.tcp))
      uv_close((uv_handle_t *)&c->post.tcp, NULL);
  } else if (!uv_is_closing((uv_handle_t *)&c->tcp)) {
    uv_close((uv_handle_t *)&c->tcp, NULL);
  }
  if (was != ST_READY) settle(b);
}

/* ---- options ---- */

static int num(const char *s, double lo, double hi, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (!*s || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

int main(int argc, char **argv) {
  bench_t *b = &g_b;
  b->host = "127.0.0.1";
  b->path = "/socket.io/";
  b->conns = 100;
  b->inflight = 1;
  b->size = 16;
  b->duration = 5;
  b->warmup = 1;
  b->hold = 2;
  b->parallel = 256;
  b->connect_timeout = 30;
  const char *mode = "echo", *transport = "websocket";
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    double d = 0;
    int bad = 0;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--acks") == 0) {
      b->acks = 1;
      continue;
    } else if (strcmp(a, "--browser-headers") == 0) {
      b->browser_headers = 1;
      continue;
    } else if (!v) {
      bad = 1;
    } else if (strcmp(a, "--host") == 0) {
      b->host = v;
    } else if (strcmp(a, "--path") == 0) {
      b->path = v;
    } else if (strcmp(a, "--mode") == 0) {
      mode = v;
    } else if (strcmp(a, "--transport") == 0) {
      transport = v;
    } else if (strcmp(a, "--port") == 0) {
      bad = num(v, 1, 65535, &d);
      b->port = (int)d;
    } else if (strcmp(a, "--conns") == 0) {
      bad = num(v, 1, MAX_CONNS, &d);
      b->conns = (uint32_t)d;
    } else if (strcmp(a, "--inflight") == 0) {
      bad = num(v, 1, 1024, &d);
      b->inflight = (uint32_t)d;
    } else if (strcmp(a, "--size") == 0) {
      bad = num(v, 0, MAX_SIZE, &d);
      b->size = (uint32_t)d;
    } else if (strcmp(a, "--warmup") == 0) {
      bad = num(v, 0, 600, &b->warmup);
    } else if (strcmp(a, "--duration") == 0) {
      bad = num(v, 0.1, 600, &b->duration);
    } else if (strcmp(a, "--hold") == 0) {
      bad = num(v, 0, 600, &b->hold);
    } else if (strcmp(a, "--parallel") == 0) {
      bad = num(v, 1, MAX_CONNS, &d);
      b->parallel = (uint32_t)d;
    } else if (strcmp(a, "--sources") == 0) {
      bad = num(v, 1, 250, &d);
      b->sources = (uint32_t)d;
    } else if (strcmp(a, "--connect-timeout") == 0) {
      bad = num(v, 1, 600, &b->connect_timeout);
    } else if (strcmp(a, "--server-pid") == 0) {
      bad = num(v, 1, 1 << 30, &d);
      b->server_pid = (int)d;
    } else {
      bad = 1;
    }
    if (bad) {
      fprintf(stderr, "sio_load: bad option '%s'\n", a);
      usage(stderr);
      return 2;
    }
    i++;
  }
  if (strcmp(mode, "echo") == 0)
    b->mode = MODE_ECHO;
  else if (strcmp(mode, "bcast") == 0)
    b->mode = MODE_BCAST;
  else if (strcmp(mode, "connect") == 0)
    b->mode = MODE_CONNECT;
  else {
    fprintf(stderr, "sio_load: unknown mode '%s'\n", mode);
    return 2;
  }
  if (strcmp(transport, "polling") == 0)
    b->polling = 1;
  else if (strcmp(transport, "websocket") != 0) {
    fprintf(stderr, "sio_load: unknown transport '%s'\n", transport);
    return 2;
  }
  if (!b->port) {
    fprintf(stderr, "sio_load: --port is required\n");
    return 2;
  }
  if (b->mode == MODE_BCAST && b->inflight > 64) b->inflight = 64;
  b->nconn = b->conns + (b->mode == MODE_BCAST ? 1u : 0u);
  uint32_t sockets = b->nconn * (b->polling ? 2u : 1u);
  if (!b->sources) b->sources = (sockets + 19999u) / 20000u;

  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0) return 1;
  b->loop = &loop;
  b->c = sio__calloc(b->nconn, sizeof *b->c);
  b->hist = sio__calloc(HIST_BUCKETS, sizeof *b->hist);
  b->pad = sio__malloc(b->size + 1);
  if (!b->c || !b->hist || !b->pad) {
    fprintf(stderr, "sio_load: out of memory\n");
    return 1;
  }
  memset(b->pad, 'x', b->size);
  b->pad[b->size] = '\0';
  for (uint32_t i = 0; i < b->nconn; i++) {
    b->c[i].b = b;
    b->c[i].index = i;
    b->c[i].polling = (uint8_t)b->polling;
  }
  b->c[0].sender = b->mode == MODE_BCAST;

  b->t0 = uv_hrtime();
  g_run.phase = PH_CONNECT;
  g_run.phase_t0 = 0;
  g_run.rss0 = load_server_rss_kib(b->server_pid);
  g_run.gen_cpu0 = cpu_self();
  g_run.srv_cpu0 = load_server_cpu(b->server_pid);
  g_run.srv_cpu.user = g_run.srv_cpu.sys = -1;
  b->connect_t0 = load_now(b);
  uv_timer_init(&loop, &b->timer);
  b->timer.data = b;
  uv_timer_start(&b->timer, on_tick, 20, 20);
  launch(b);
  uv_run(&loop, UV_RUN_DEFAULT);
  return 1;
}
