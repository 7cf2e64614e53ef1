/* Parsing cost of HTTP requests (src/http/http_parse.c) and of its strict
 * framing checks (src/http/http_strict.c): N copies of a few typical requests
 * are fed, and the CPU time per request and the throughput are printed for
 *   - http-parser alone (http_parser_execute with no callbacks),
 *   - the strict scanner alone (sio__http_strict_scan),
 *   - the whole request parser (sio__http_parse_feed: scanner, http-parser,
 *     our copies of the request and the limits).
 * Built and run by bench/http_parse/run.sh. Timings only: nothing asserted. */
#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/http_parse.h"
#include "http/http_req.h"
#include "http/http_strict.h"
#include "http/http_util.h"

static const char *const k_reqs[] = {
    /* An Engine.IO polling GET as a browser sends it. */
    "GET /socket.io/?EIO=4&transport=polling&t=PXa8b1c&sid=abcdefghij0123456789 "
    "HTTP/1.1\r\n"
    "Host: chat.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
    "Firefox/128.0\r\n"
    "Accept: */*\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, "
    "br\r\n"
    "Origin: https://chat.example.com\r\nConnection: keep-alive\r\n"
    "Referer: https://chat.example.com/room/42\r\nCookie: "
    "io=abcdefghij0123456789\r\n\r\n",
    /* Its POST with a small payload. */
    "POST /socket.io/?EIO=4&transport=polling&sid=abcdefghij0123456789 HTTP/1.1\r\n"
    "Host: chat.example.com\r\nContent-Type: text/plain;charset=UTF-8\r\n"
    "Content-Length: 40\r\nOrigin: https://chat.example.com\r\nConnection: "
    "keep-alive\r\n\r\n"
    "42[\"message\",{\"text\":\"hello, world 1234\"}]",
    /* A chunked upload. */
    "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    "10\r\n0123456789abcdef\r\n10;ext=1\r\n0123456789abcdef\r\n0\r\n\r\n",
};
#define NREQS (sizeof(k_reqs) / sizeof(k_reqs[0]))

/* CPU time: less noise from other processes on a loaded machine. */
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int on_complete(http_parser *p) {
  (void)p;
  return 0;
}

static size_t bench_http_parser(const char *s, size_t n, long iters) {
  http_parser_settings st;
  memset(&st, 0, sizeof st);
  st.on_message_complete = on_complete;
  size_t used = 0;
  http_parser p;
  for (long i = 0; i < iters; i++) {
    http_parser_init(&p, HTTP_REQUEST);
    used += http_parser_execute(&p, &st, s, n);
  }
  return used;
}

static size_t bench_strict(const char *s, size_t n, long iters) {
  int chunked = strstr(s, "chunked") != NULL;
  size_t used = 0;
  sio__http_strict_t st;
  for (long i = 0; i < iters; i++) {
    sio__http_strict_reset(&st);
    size_t off = 0;
    int bad = 0;
    while (off < n && !bad) {
      off += sio__http_strict_scan(&st, (const uint8_t *)s + off, n - off, &bad);
      /* At the end of the header section the parser would tell the framing. */
      if (!bad && off < n) sio__http_strict_body(&st, chunked);
    }
    used += off;
  }
  return used;
}

static const sio__http_parse_cbs_t k_cbs = {NULL, NULL, NULL};

static size_t bench_full(const char *s, size_t n, long iters) {
  sio__http_limits_t lim = {16384, 100, 1000000};
  size_t used = 0;
  for (long i = 0; i < iters; i++) {
    sio__http_parse_t ps;
    sio__http_parse_init(&ps, &lim, &k_cbs, NULL);
    sio__http_parse_ev_t ev;
    used += sio__http_parse_feed(&ps, (const uint8_t *)s, n, &ev);
    if (ev.kind != SIO__HTTP_PARSE_REQUEST) {
      fprintf(stderr, "request %.20s... not parsed (%d)\n", s, ev.status);
      exit(1);
    }
    sio__http_req_free(ev.req);
  }
  return used;
}

int main(int argc, char **argv) {
  long iters = argc > 1 ? atol(argv[1]) : 200000;
  static const char *const names[] = {"http-parser alone", "strict scanner alone",
                                      "whole request parser"};
  size_t (*const fns[])(const char *, size_t, long) = {bench_http_parser, bench_strict,
                                                       bench_full};
  printf("%ld requests of each of %zu kinds\n", iters, NREQS);
  /* Rounds interleave the three and the fastest round of each is kept: time
   * taken by other processes shows as slower rounds, not in the result. */
  enum { ROUNDS = 5 };
  double best[3] = {0, 0, 0};
  size_t bytes = 0;
  for (int round = 0; round < ROUNDS; round++) {
    for (size_t f = 0; f < 3; f++) {
      bytes = 0;
      double t0 = now_s();
      for (size_t r = 0; r < NREQS; r++)
        bytes += fns[f](k_reqs[r], strlen(k_reqs[r]), iters);
      double dt = now_s() - t0;
      if (round == 0 || dt < best[f]) best[f] = dt;
    }
  }
  double nreq = (double)iters * (double)NREQS;
  for (size_t f = 0; f < 3; f++)
    printf("%-22s %7.1f ns/request %6.0f MB/s (best of %d rounds)\n", names[f],
           best[f] * 1e9 / nreq, (double)bytes / best[f] / 1e6, ROUNDS);
  return 0;
}
