/* TCP plumbing, clocks and /proc readers of sio_load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "load.h"

typedef struct {
  uv_write_t req;
  char data[];
} wreq_t;

static char g_readbuf[256 * 1024];

void load_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)h;
  (void)hint;
  buf->base = g_readbuf;
  buf->len = sizeof g_readbuf;
}

int load_tcp_connect(bench_t *b, uint32_t index, uv_tcp_t *tcp, void *data,
                     uv_connect_cb cb) {
  struct sockaddr_in dst;
  int rc = uv_ip4_addr(b->host, b->port, &dst);
  if (rc != 0) return rc;
  rc = uv_tcp_init(b->loop, tcp);
  if (rc != 0) return rc;
  tcp->data = data;
  uv_tcp_nodelay(tcp, 1);
  if (b->sources > 1) {
    /* 127.0.0.1, 127.0.0.2, ... in turn: each address has its own ephemeral
     * port range (about 28000 ports here). */
    char src[32];
    snprintf(src, sizeof src, "127.0.0.%u", 1u + index % b->sources);
    struct sockaddr_in sa;
    uv_ip4_addr(src, 0, &sa);
    rc = uv_tcp_bind(tcp, (const struct sockaddr *)&sa, 0);
  }
  uv_connect_t *req = rc == 0 ? sio__malloc(sizeof *req) : NULL;
  if (rc == 0 && !req) rc = UV_ENOMEM;
  if (rc == 0) {
    req->data = data;
    rc = uv_tcp_connect(req, tcp, (const struct sockaddr *)&dst, cb);
    if (rc != 0) sio__free(req);
  }
  if (rc != 0) uv_close((uv_handle_t *)tcp, NULL);
  return rc;
}

static void on_written(uv_write_t *req, int status) {
  (void)status; /* a failed write shows up as a read error */
  sio__free(req);
}

int load_write(uv_stream_t *s, const void *p, size_t n) {
  /* uv_try_write refuses while writes are queued, so order is kept. */
  int w = uv_try_write(s, &(uv_buf_t){.base = (char *)p, .len = n}, 1);
  if (w == (int)n) return 0;
  if (w < 0 && w != UV_EAGAIN) return w;
  size_t done = w > 0 ? (size_t)w : 0;
  wreq_t *r = sio__malloc(sizeof *r + (n - done));
  if (!r) return UV_ENOMEM;
  memcpy(r->data, (const char *)p + done, n - done);
  uv_buf_t buf = {.base = r->data, .len = n - done};
  int rc = uv_write(&r->req, s, &buf, 1, on_written);
  if (rc != 0) sio__free(r);
  return rc;
}

void load_error(bench_t *b, const char *what, int code) {
  if (b->stopping) return;
  if (b->errors++ == 0)
    snprintf(b->first_error, sizeof b->first_error, "%s%s%s", what, code ? ": " : "",
             code ? uv_strerror(code) : "");
}

uint64_t load_now(const bench_t *b) {
  return uv_hrtime() - b->t0;
}

void load_sample(bench_t *b, uint64_t sent_ns) {
  if (!b->measuring) return;
  uint64_t now = load_now(b);
  uint64_t us = now > sent_ns ? (now - sent_ns) / 1000u : 0;
  if (us >= HIST_BUCKETS) us = HIST_BUCKETS - 1;
  b->hist[us]++;
  b->samples++;
}

load_cpu_t load_server_cpu(int pid) {
  load_cpu_t unknown = {-1, -1};
  if (pid <= 0) return unknown;
  char path[64], buf[2048];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return unknown;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* Fields after the command (which may hold spaces): skip to the last ')'. */
  char *p = strrchr(buf, ')');
  if (!p) return unknown;
  unsigned long utime = 0, stime = 0;
  /* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
             &stime) != 2)
    return unknown;
  double hz = (double)sysconf(_SC_CLK_TCK);
  if (hz <= 0) hz = 100;
  load_cpu_t cpu = {(double)utime / hz, (double)stime / hz};
  return cpu;
}

long load_server_rss_kib(int pid) {
  if (pid <= 0) return -1;
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long kib = -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) {
      kib = strtol(line + 6, NULL, 10);
      break;
    }
  fclose(f);
  return kib;
}

size_t load_parse_u64(const uint8_t *p, size_t n, uint64_t *out) {
  uint64_t v = 0;
  size_t i = 0;
  while (i < n && i < 19 && p[i] >= '0' && p[i] <= '9')
    v = v * 10 + (uint64_t)(p[i++] - '0');
  *out = v;
  return i;
}
