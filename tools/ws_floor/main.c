/* ws_floor: the benchmarks' floor (docs/PERFORMANCE.md). A minimal
 * WebSocket echo server on libuv with no Socket.IO logic: it shows what the
 * machine and sio_load allow, so libsio's cost can be read as "floor + ours".
 *
 *   ws_floor [--port N]      prints "listening on 127.0.0.1:PORT"
 *
 * It speaks just enough Engine.IO/Socket.IO framing for sio_load:
 *  - any request with a Sec-WebSocket-Key is upgraded (101), followed in the
 *    same write by a fixed Engine.IO open packet; anything else gets 400;
 *  - text "40..." is answered with a fixed CONNECT reply;
 *  - text "42[..." is echoed back as it came; "42<id>[\"echo\",ARGS]" is
 *    echoed without the id plus "43<id>[ARGS]", both in one write;
 *  - text "42[\"bcast\",..." is framed once and written to every connection;
 *  - the replies to one read leave in one write, as libsio's do.
 * What it skips, on purpose: HTTP parsing beyond finding the key and the end
 * of the headers (no method, path, version or Origin checks), polling,
 * heartbeats (it never pings; it ignores pongs), session ids (always the
 * same), namespaces, JSON validation, binary packets, acks other than the
 * echo's, write-queue caps and idle timeouts. The frame decoder is libsio's
 * (src/ws/ws_frame.h), the same one the real server runs. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/alloc.h"
#include "ws/ws_frame.h"
#include "ws/ws_handshake.h"

#define HDR_MAX 8192

typedef struct fconn {
  uv_tcp_t tcp;
  struct fconn *prev, *next; /* every upgraded connection, for bcast */
  sio__ws_decoder_t dec;
  char *hbuf;
  size_t hlen;
  int upgraded;
  int closing;
} fconn_t;

typedef struct {
  uv_write_t req;
  uint32_t *refs; /* shared broadcast buffer's count, or NULL */
  char *shared;
  char data[];
} fwreq_t;

static uv_loop_t *g_loop;
static uv_tcp_t g_server;
static fconn_t g_all; /* list head */
static char g_readbuf[256 * 1024];
/* Replies to one read, written once after the read is consumed (one
 * connection's read at a time: single thread). */
static uint8_t g_out[512 * 1024];
static size_t g_outlen;
static struct fconn *g_outconn;

static const char OPEN_PACKET[] =
    "0{\"sid\":\"floorfloorfloorfloor\",\"upgrades\":[],\"pingInterval\":25000,"
    "\"pingTimeout\":20000,\"maxPayload\":1000000}";
static const char CONNECT_REPLY[] = "40{\"sid\":\"floorfloorfloorfloor\"}";

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)h;
  (void)hint;
  buf->base = g_readbuf;
  buf->len = sizeof g_readbuf;
}

static void on_closed(uv_handle_t *h) {
  fconn_t *c = h->data;
  sio__ws_decoder_free(&c->dec);
  sio__free(c->hbuf);
  sio__free(c);
}

static void conn_close(fconn_t *c) {
  if (c->closing) return;
  c->closing = 1;
  if (c->prev) {
    c->prev->next = c->next;
    c->next->prev = c->prev;
    c->prev = c->next = NULL;
  }
  uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void on_written(uv_write_t *req, int status) {
  (void)status;
  fwreq_t *w = (fwreq_t *)req;
  if (w->refs && --*w->refs == 0) sio__free(w->shared);
  sio__free(w);
}

/* Writes p[0..n) now if the socket takes it, else queues a copy. */
static void conn_write(fconn_t *c, const void *p, size_t n) {
  int r =
      uv_try_write((uv_stream_t *)&c->tcp, &(uv_buf_t){.base = (char *)p, .len = n}, 1);
  if (r == (int)n) return;
  if (r < 0 && r != UV_EAGAIN) {
    conn_close(c);
    return;
  }
  size_t done = r > 0 ? (size_t)r : 0;
  fwreq_t *w = sio__malloc(sizeof *w + (n - done));
  if (!w) {
    conn_close(c);
    return;
  }
  w->refs = NULL;
  w->shared = NULL;
  memcpy(w->data, (const char *)p + done, n - done);
  uv_buf_t b = {.base = w->data, .len = n - done};
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
    sio__free(w);
    conn_close(c);
  }
}

/* Appends a server text frame of p[0..n) at out; returns its size. */
static size_t put_frame(uint8_t *out, const void *p, size_t n) {
  size_t h = sio__ws_frame_header(out, SIO__WS_OP_TEXT, 1, n, NULL);
  memcpy(out + h, p, n);
  return h + n;
}

static void out_flush(void) {
  if (g_outlen && g_outconn && !g_outconn->closing)
    conn_write(g_outconn, g_out, g_outlen);
  g_outlen = 0;
}

/* Queues bytes for the connection being read (written by out_flush). */
static void out_put(fconn_t *c, const void *p, size_t n) {
  if (g_outconn != c || g_outlen + n > sizeof g_out) {
    out_flush();
    g_outconn = c;
  }
  if (n > sizeof g_out) {
    conn_write(c, p, n);
    return;
  }
  memcpy(g_out + g_outlen, p, n);
  g_outlen += n;
}

static void send_text(fconn_t *c, const char *s, size_t n) {
  uint8_t buf[256];
  out_put(c, buf, put_frame(buf, s, n));
}

/* "42<id>[\"echo\",ARGS]": the echo without the id and "43<id>[ARGS]". */
static void echo_with_ack(fconn_t *c, const uint8_t *p, size_t n) {
  size_t id_end = 2;
  while (id_end < n && p[id_end] >= '0' && p[id_end] <= '9') id_end++;
  const uint8_t *arr = p + id_end; /* "[\"echo\",ARGS]" */
  size_t alen = n - id_end;
  const uint8_t *comma = memchr(arr, ',', alen);
  uint8_t *out = sio__malloc(2 * n + 64);
  if (!out) return;
  uint8_t *tmp = sio__malloc(n + 8);
  if (!tmp) {
    sio__free(out);
    return;
  }
  size_t at = 0;
  memcpy(tmp, "42", 2);
  memcpy(tmp + 2, arr, alen);
  at += put_frame(out + at, tmp, 2 + alen);
  size_t m = 0;
  memcpy(tmp, "43", 2);
  m = 2;
  memcpy(tmp + m, p + 2, id_end - 2);
  m += id_end - 2;
  tmp[m++] = '[';
  if (comma) {
    size_t rest = alen - (size_t)(comma + 1 - arr); /* ARGS] */
    memcpy(tmp + m, comma + 1, rest);
    m += rest;
  } else {
    tmp[m++] = ']';
  }
  at += put_frame(out + at, tmp, m);
  out_put(c, out, at);
  sio__free(tmp);
  sio__free(out);
}

static void broadcast(const uint8_t *p, size_t n) {
  out_flush(); /* what the sender was owed goes first */
  uint32_t *refs = sio__malloc(sizeof *refs);
  char *frame = sio__malloc(n + 14);
  if (!refs || !frame) {
    sio__free(refs);
    sio__free(frame);
    return;
  }
  size_t len = put_frame((uint8_t *)frame, p, n);
  *refs = 1;
  for (fconn_t *c = g_all.next; c != &g_all;) {
    fconn_t *next = c->next;
    int r =
        uv_try_write((uv_stream_t *)&c->tcp, &(uv_buf_t){.base = frame, .len = len}, 1);
    if (r != (int)len && (r >= 0 || r == UV_EAGAIN)) {
      size_t done = r > 0 ? (size_t)r : 0;
      fwreq_t *w = sio__malloc(sizeof *w);
      if (w) {
        w->refs = refs;
        w->shared = frame;
        ++*refs;
        uv_buf_t b = {.base = frame + done, .len = len - done};
        if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
          --*refs;
          sio__free(w);
          conn_close(c);
        }
      } else {
        conn_close(c);
      }
    } else if (r < 0) {
      conn_close(c);
    }
    c = next;
  }
  if (--*refs == 0) {
    sio__free(frame);
    sio__free(refs);
  }
}

static int on_msg(void *arg, const sio__ws_msg_t *m) {
  fconn_t *c = arg;
  if (m->opcode == SIO__WS_OP_CLOSE) {
    conn_close(c);
    return 1;
  }
  if (m->opcode != SIO__WS_OP_TEXT || m->len < 2) return 0;
  const uint8_t *p = m->data;
  if (p[0] == '4' && p[1] == '0') {
    send_text(c, CONNECT_REPLY, sizeof CONNECT_REPLY - 1);
  } else if (p[0] == '4' && p[1] == '2' && m->len > 2) {
    if (p[2] >= '0' && p[2] <= '9') {
      echo_with_ack(c, p, m->len);
    } else if (m->len > 10 && memcmp(p + 2, "[\"bcast\"", 8) == 0) {
      broadcast(p, m->len);
    } else {
      uint8_t *out = sio__malloc(m->len + 14);
      if (out) {
        out_put(c, out, put_frame(out, p, m->len));
        sio__free(out);
      }
    }
  }
  return 0;
}

static void upgrade(fconn_t *c, size_t hdr_end) {
  const char *k = strcasestr(c->hbuf, "\r\nsec-websocket-key:");
  if (!k || (size_t)(k - c->hbuf) > hdr_end) {
    static const char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                              "Connection: close\r\n\r\n";
    conn_write(c, bad, sizeof bad - 1);
    conn_close(c);
    return;
  }
  k += 20;
  while (*k == ' ') k++;
  size_t klen = strcspn(k, " \r\n");
  char accept[29];
  sio__ws_accept_key(k, klen, accept);
  char out[512];
  int n = snprintf(out, sizeof out,
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                   accept);
  n += (int)put_frame((uint8_t *)out + n, OPEN_PACKET, sizeof OPEN_PACKET - 1);
  conn_write(c, out, (size_t)n);
  c->upgraded = 1;
  c->next = g_all.next;
  c->prev = &g_all;
  g_all.next->prev = c;
  g_all.next = c;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  fconn_t *c = s->data;
  if (nread < 0) {
    conn_close(c);
    return;
  }
  if (nread == 0 || c->closing) return;
  uint8_t *p = (uint8_t *)buf->base;
  size_t n = (size_t)nread;
  if (!c->upgraded) {
    if (c->hlen + n > HDR_MAX || (!c->hbuf && !(c->hbuf = sio__malloc(HDR_MAX + 1)))) {
      conn_close(c);
      return;
    }
    memcpy(c->hbuf + c->hlen, p, n);
    c->hlen += n;
    c->hbuf[c->hlen] = '\0';
    char *end = strstr(c->hbuf, "\r\n\r\n");
    if (!end) return;
    size_t hdr = (size_t)(end + 4 - c->hbuf);
    upgrade(c, hdr);
    if (c->closing) return;
    size_t rest = c->hlen - hdr;
    p = (uint8_t *)c->hbuf + hdr;
    n = rest;
    if (n == 0) {
      sio__free(c->hbuf);
      c->hbuf = NULL;
      return;
    }
  }
  uint16_t code = 0;
  g_outconn = c;
  if (sio__ws_decoder_feed(&c->dec, p, n, on_msg, c, &code) < 0) conn_close(c);
  out_flush();
  g_outconn = NULL;
  if (c->hbuf && c->upgraded && !c->closing) {
    sio__free(c->hbuf);
    c->hbuf = NULL;
  }
}

static void on_connection(uv_stream_t *server, int status) {
  if (status != 0) return;
  fconn_t *c = sio__calloc(1, sizeof *c);
  if (!c) return;
  uv_tcp_init(g_loop, &c->tcp);
  c->tcp.data = c;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
    uv_close((uv_handle_t *)&c->tcp, on_closed);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  sio__ws_decoder_init(&c->dec, SIO__WS_ROLE_SERVER, 1000000);
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void on_signal(uv_signal_t *h, int signum) {
  (void)h;
  (void)signum;
  uv_stop(g_loop);
}

int main(int argc, char **argv) {
  long port = 3000;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      char *end;
      port = strtol(argv[++i], &end, 10);
      if (*end || port < 0 || port > 65535) {
        fprintf(stderr, "ws_floor: bad port '%s'\n", argv[i]);
        return 2;
      }
    } else {
      fprintf(stderr, "usage: ws_floor [--port N]\n");
      return strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  g_loop = uv_default_loop();
  g_all.next = g_all.prev = &g_all;
  struct sockaddr_in addr;
  uv_ip4_addr("127.0.0.1", (int)port, &addr);
  uv_tcp_init(g_loop, &g_server);
  int rc = uv_tcp_bind(&g_server, (const struct sockaddr *)&addr, 0);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&g_server, 4096, on_connection);
  if (rc != 0) {
    fprintf(stderr, "ws_floor: cannot listen: %s\n", uv_strerror(rc));
    return 1;
  }
  struct sockaddr_storage ss;
  int len = sizeof ss;
  uv_tcp_getsockname(&g_server, (struct sockaddr *)&ss, &len);
  printf("listening on 127.0.0.1:%d\n", ntohs(((struct sockaddr_in *)&ss)->sin_port));
  fflush(stdout);
  uv_signal_t sigint, sigterm;
  uv_signal_init(g_loop, &sigint);
  uv_signal_init(g_loop, &sigterm);
  uv_signal_start(&sigint, on_signal, SIGINT);
  uv_signal_start(&sigterm, on_signal, SIGTERM);
  uv_run(g_loop, UV_RUN_DEFAULT);
  /* Stopped by a signal: the process exits and the kernel closes the
   * sockets; nothing is flushed on purpose (it is a floor, not a server). */
  return 0;
}
