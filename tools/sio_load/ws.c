/* The websocket client of sio_load: upgrade straight away, Engine.IO open,
 * Socket.IO CONNECT, then masked text frames out and the codec's decoder
 * (client role) in. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "load.h"

/* RFC 6455's sample key and its accept value: every connection uses the
 * same key (a fixed key is legal; computing random ones would only cost the
 * generator CPU). */
#define WS_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define WS_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
#define HDR_MAX 4096

/* What a desktop browser adds to its upgrade request (with the lines
 * above, about 600 bytes of headers), to measure what a session keeps of
 * its handshake. A server without permessage-deflate ignores the offer; the
 * Origin line follows them. */
#define BROWSER_HEADERS                                                                  \
  "Pragma: no-cache\r\n"                                                                 \
  "Cache-Control: no-cache\r\n"                                                          \
  "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "         \
  "Gecko) Chrome/131.0.0.0 Safari/537.36\r\n"                                            \
  "Accept: */*\r\n"                                                                      \
  "Accept-Encoding: gzip, deflate, br, zstd\r\n"                                         \
  "Accept-Language: en-US,en;q=0.9,fr;q=0.8\r\n"                                         \
  "Cookie: _ga=GA1.1.1786532190.1733412871; theme=dark; "                                \
  "sid=s%3AqG7v2NkT1x0bL9cYwE4rPz8uJ5mHdA3f.Kp2Wn8Rt4Yx6Zb1Vc3Nm5\r\n"                   \
  "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"

/* A fixed, non-zero mask so the server does its real unmasking work. */
static const uint8_t g_mask[4] = {0x37, 0xfa, 0x21, 0x3d};

/* Appends one masked text frame holding p[0..n) to out; returns its size. */
static size_t put_frame(uint8_t *out, const void *p, size_t n) {
  size_t h = sio__ws_frame_header(out, SIO__WS_OP_TEXT, 1, n, g_mask);
  memcpy(out + h, p, n);
  sio__ws_mask(out + h, n, g_mask, 0);
  return h + n;
}

static void send_text(conn_t *c, const char *s) {
  uint8_t buf[64];
  size_t n = put_frame(buf, s, strlen(s));
  int rc = load_write((uv_stream_t *)&c->tcp, buf, n);
  if (rc != 0) load_error(c->b, "write", rc);
}

void ws_send_next(conn_t *c, uint32_t n) {
  uint8_t out[65536];
  char msg[16384];
  size_t at = 0;
  for (uint32_t i = 0; i < n; i++) {
    size_t m = load_build_msg(c, msg, sizeof msg);
    if (at + m + 14 > sizeof out) {
      if (load_write((uv_stream_t *)&c->tcp, out, at) != 0) load_error(c->b, "write", 0);
      at = 0;
    }
    at += put_frame(out + at, msg, m);
  }
  if (at && load_write((uv_stream_t *)&c->tcp, out, at) != 0)
    load_error(c->b, "write", 0);
}

static int on_msg(void *arg, const sio__ws_msg_t *m) {
  conn_t *c = arg;
  if (m->opcode == SIO__WS_OP_CLOSE) {
    load_on_closed(c, "websocket close frame");
    return 1;
  }
  if (m->opcode != SIO__WS_OP_TEXT || m->len == 0) return 0; /* pongs, binary */
  const uint8_t *p = m->data;
  switch (p[0]) {
    case '0': /* open */
      if (c->state == ST_OPEN) {
        c->state = ST_SIO;
        send_text(c, "40");
      }
      return 0;
    case '2': /* ping: answer with the same payload */
      if (m->len == 1) send_text(c, "3");
      return 0;
    case '1':
      load_on_closed(c, "engine.io close");
      return 1;
    case '4':
      if (c->state == ST_SIO) {
        if (m->len >= 2 && p[1] == '0') {
          c->state = ST_READY;
          load_on_ready(c);
        } else {
          load_on_closed(c, "connect refused");
          return 1;
        }
        return 0;
      }
      load_on_sio(c, p + 1, m->len - 1);
      return 0;
    default:
      return 0;
  }
}

/* Every message a read brings is handled first; the messages it owes go
 * out after, in one write. */
static void feed(conn_t *c, uint8_t *p, size_t n) {
  uint16_t code = 0;
  c->in_read = 1;
  int rc = sio__ws_decoder_feed(&c->dec, p, n, on_msg, c, &code);
  c->in_read = 0;
  if (rc < 0) load_on_closed(c, "websocket decode error");
  uint32_t owed = c->owed;
  c->owed = 0;
  if (owed && c->state == ST_READY && !c->b->stopping) ws_send_next(c, owed);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  conn_t *c = s->data;
  if (nread < 0) {
    load_on_closed(c, nread == UV_EOF ? "eof" : uv_strerror((int)nread));
    return;
  }
  if (c->state == ST_CLOSED || nread == 0) return;
  uint8_t *p = (uint8_t *)buf->base;
  size_t n = (size_t)nread;
  if (c->state == ST_HTTP) {
    /* Collect the 101 answer; whatever follows it is frames. */
    if (c->hlen + n > HDR_MAX) {
      load_on_closed(c, "upgrade answer too long");
      return;
    }
    if (!c->hbuf && !(c->hbuf = sio__malloc(HDR_MAX + 1))) {
      load_on_closed(c, "out of memory");
      return;
    }
    memcpy(c->hbuf + c->hlen, p, n);
    c->hlen += n;
    c->hbuf[c->hlen] = '\0';
    char *end = strstr(c->hbuf, "\r\n\r\n");
    if (!end) return;
    size_t hdr = (size_t)(end + 4 - c->hbuf);
    if (strncmp(c->hbuf, "HTTP/1.1 101", 12) != 0 || !strstr(c->hbuf, WS_ACCEPT)) {
      load_on_closed(c, "upgrade refused");
      return;
    }
    size_t rest = c->hlen - hdr;
    c->state = ST_OPEN;
    if (rest) memmove(c->hbuf, c->hbuf + hdr, rest);
    uint8_t *tail = (uint8_t *)c->hbuf;
    if (rest) feed(c, tail, rest);
    sio__free(c->hbuf);
    c->hbuf = NULL;
    c->hlen = 0;
    return;
  }
  feed(c, p, n);
}

static void on_connect(uv_connect_t *req, int status) {
  conn_t *c = req->data;
  sio__free(req);
  if (status != 0) {
    load_error(c->b, "connect", status);
    load_on_closed(c, NULL);
    return;
  }
  /* The page's origin is the server's own (no CORS set up in the server). */
  char port[32] = "";
  snprintf(port, sizeof port, "%d\r\n", c->b->port);
  char rq[1536];
  int n = snprintf(rq, sizeof rq,
                   "GET %s?EIO=4&transport=websocket HTTP/1.1\r\n"
                   "Host: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: " WS_KEY
                   "\r\nSec-WebSocket-Version: 13\r\n%s%s%s%s\r\n",
                   c->b->path, c->b->host, c->b->port,
                   c->b->browser_headers ? BROWSER_HEADERS "Origin: http://" : "",
                   c->b->browser_headers ? c->b->host : "",
                   c->b->browser_headers ? ":" : "", c->b->browser_headers ? port : "");
  c->state = ST_HTTP;
  int rc = load_write((uv_stream_t *)&c->tcp, rq, (size_t)n);
  if (rc == 0) rc = uv_read_start((uv_stream_t *)&c->tcp, load_alloc, on_read);
  if (rc != 0) {
    load_error(c->b, "upgrade request", rc);
    load_on_closed(c, NULL);
  }
}

void ws_start(conn_t *c) {
  sio__ws_decoder_init(&c->dec, SIO__WS_ROLE_CLIENT, 0);
  c->state = ST_TCP;
  int rc = load_tcp_connect(c->b, c->index, &c->tcp, c, on_connect);
  if (rc != 0) {
    load_error(c->b, "connect", rc);
    c->state = ST_CLOSED;
    c->b->failed++;
  }
}
