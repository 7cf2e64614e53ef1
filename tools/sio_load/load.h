/* sio_load: a Socket.IO v5 / Engine.IO v4 load generator (bench/compare).
 *
 * One libuv loop, one thread. Connections speak just the client side the
 * benchmark needs: websocket straight away (?EIO=4&transport=websocket), or
 * polling (one long-poll GET connection and one POST connection per client,
 * as browsers do). Messages carry their send time, so every reply gives one
 * latency sample without per-message bookkeeping.
 *
 * Files: main.c (options, phases, report), ws.c (websocket client),
 * polling.c (polling client), net.c (TCP connect, writes, server stats). */
#ifndef SIO_LOAD_H
#define SIO_LOAD_H
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "ws/ws_frame.h"

typedef enum { MODE_ECHO, MODE_BCAST, MODE_CONNECT } load_mode_t;

typedef enum {
  ST_TCP,   /* TCP connect in progress */
  ST_HTTP,  /* upgrade / handshake request sent, waiting for the answer */
  ST_OPEN,  /* waiting for the Engine.IO open packet */
  ST_SIO,   /* CONNECT sent, waiting for the Socket.IO CONNECT reply */
  ST_READY, /* joined the namespace */
  ST_CLOSED
} conn_state_t;

/* Latency histogram: one bucket per microsecond up to 1 s (the last bucket
 * holds everything slower). */
#define HIST_BUCKETS 1000000u

typedef struct bench bench_t;
typedef struct conn conn_t;

/* One HTTP/1.1 connection of a polling client. */
typedef struct {
  uv_tcp_t tcp;
  conn_t *owner;
  int busy;      /* a request is out */
  int connected; /* TCP is up */
  char *buf;     /* response bytes not yet consumed (sio__malloc) */
  size_t len, cap;
} http_conn_t;

struct conn {
  bench_t *b;
  uint32_t index;
  uint8_t state;
  uint8_t polling;
  uint8_t sender;  /* broadcast mode: the one that emits */
  uint8_t in_read; /* replies owed are batched into one write per read */
  uint32_t owed;
  uint64_t next_ack;
  /* websocket */
  uv_tcp_t tcp;
  sio__ws_decoder_t dec;
  char *hbuf; /* HTTP upgrade answer until its end (sio__malloc) */
  size_t hlen;
  /* polling */
  http_conn_t get, post;
  char sid[64];
  uint32_t pending; /* polling: messages to POST */
  uint32_t pongs;   /* polling: pongs to POST */
};

struct bench {
  uv_loop_t *loop;
  /* options */
  load_mode_t mode;
  int polling;
  const char *host;
  int port;
  uint32_t conns, inflight, parallel, sources, size;
  int acks;
  int browser_headers; /* websocket: send a browser's usual upgrade headers */
  double duration, warmup, hold, connect_timeout;
  int server_pid;
  const char *path;
  /* state */
  conn_t *c; /* conns (+1 sender in broadcast mode) */
  uint32_t nconn;
  uint32_t started, ready, failed, closed_early;
  uint64_t errors;
  int measuring, stopping;
  uint64_t t0; /* ns, the clock the timestamps use */
  uint64_t connect_t0, connect_t1;
  /* counters of the current window */
  uint64_t done;       /* round trips completed (echo) / broadcasts completed */
  uint64_t deliveries; /* broadcast deliveries (or echo replies received) */
  uint32_t *hist;
  uint64_t samples;
  /* broadcast pacing: deliveries counted per sequence number */
  uint64_t bseq;
  uint32_t bcount[64];
  uint64_t last_progress;
  /* payload pad */
  char *pad;
  uv_timer_t timer;
  char first_error[160];
};

/* ---- net.c ---- */
/* Starts a TCP connect for connection index (source address spread): tcp is
 * initialised with data, cb gets a connect request whose data is data too
 * (free it with sio__free). On an error tcp is closed (or never opened). */
int load_tcp_connect(bench_t *b, uint32_t index, uv_tcp_t *tcp, void *data,
                     uv_connect_cb cb);
/* Writes p[0..n) on s now if possible, else queues a copy. 0 or an error. */
int load_write(uv_stream_t *s, const void *p, size_t n);
/* A shared read buffer (one thread: each read is consumed before the next). */
void load_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf);
/* Records an error (the first one is kept for the report). */
void load_error(bench_t *b, const char *what, int code);
/* ns since the start, the clock of the timestamps in messages. */
uint64_t load_now(const bench_t *b);
void load_sample(bench_t *b, uint64_t sent_ns);
/* Server process figures from /proc (every thread of the process): CPU
 * seconds in user space and in the kernel, RSS in KiB; negative when
 * unknown. */
typedef struct {
  double user, sys;
} load_cpu_t;
load_cpu_t load_server_cpu(int pid);
long load_server_rss_kib(int pid);
/* Parses a run of decimal digits at p[0..n); returns digits consumed (0 if
 * none). */
size_t load_parse_u64(const uint8_t *p, size_t n, uint64_t *out);

/* ---- ws.c / polling.c ---- */
void ws_start(conn_t *c);
void ws_send_next(conn_t *c, uint32_t n);
void polling_start(conn_t *c);
void polling_send_next(conn_t *c, uint32_t n);

/* ---- main.c: what a connection reports ---- */
void load_on_ready(conn_t *c);
void load_on_closed(conn_t *c, const char *why);
/* One Socket.IO packet text received (after the Engine.IO '4'). */
void load_on_sio(conn_t *c, const uint8_t *p, size_t n);
/* Writes the Engine.IO text of the next message ("42[...]" with the send
 * time, or "42<id>[...]" with acks) into out[0..cap) (cap >= 96 + size);
 * returns its length. */
size_t load_build_msg(conn_t *c, char *out, size_t cap);

#endif
