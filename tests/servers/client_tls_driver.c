/* client_tls_driver: the C client over TLS (https:// / wss://), for
 * tests/interop/client_tls.test.mjs against ref/sio_tls_ref_server.mjs.
 *
 *   client_tls_driver --url https://127.0.0.1:PORT
 *                     --transport polling|websocket|upgrade
 *                     [--ca FILE] [--no-verify] [--expect ok|tls-error]
 *
 * ok: connects, emits with an ack, binary both ways, 500 KB text and binary
 * both ways, then closes. tls-error: the open fails with SIO_ETLS, one
 * reconnection attempt fails the same way, then the attempts are exhausted.
 * Prints JSON lines ({"check":...}, last {"result":"pass"|"fail"}); exit 0
 * on pass. Every wait is bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sio/client.h"

#define BIG (500u * 1000u)

static uv_loop_t loop;
static uv_timer_t deadline;
static int timed_out, failures;

static void check(const char *name, int ok, const char *detail) {
  if (!ok) failures++;
  printf("{\"check\":\"%s\",\"ok\":%s,\"detail\":\"%s\"}\n", name, ok ? "true" : "false",
         detail ? detail : "");
  fflush(stdout);
}

static void on_deadline(uv_timer_t *t) {
  (void)t;
  timed_out = 1;
}

static int wait_for(const int *flag, uint64_t ms) {
  timed_out = 0;
  uv_timer_start(&deadline, on_deadline, ms, 0);
  while (!*flag && !timed_out) uv_run(&loop, UV_RUN_ONCE);
  uv_timer_stop(&deadline);
  return *flag != 0;
}

/* ---- state ---- */
static int connected, upgraded, closed;
static int got_error, got_reconnect_error, got_reconnect_failed, got_connect_error;
static int error_value, reconnect_error_value;

static void on_client_event(sio_client_t *c, sio_client_event_t ev, int value,
                            const char *reason, void *arg) {
  (void)c;
  (void)reason;
  (void)arg;
  if (ev == SIO_CLIENT_ERROR) {
    got_error = 1;
    error_value = value;
  } else if (ev == SIO_CLIENT_RECONNECT_ERROR) {
    got_reconnect_error = 1;
    reconnect_error_value = value;
  } else if (ev == SIO_CLIENT_RECONNECT_FAILED) {
    got_reconnect_failed = 1;
  } else if (ev == SIO_CLIENT_UPGRADE) {
    upgraded = 1;
  }
}

static void on_connect(sio_client_socket_t *s, void *arg) {
  (void)s;
  (void)arg;
  connected = 1;
}

static void on_connect_error(sio_client_socket_t *s, const char *msg, const char *data,
                             void *arg) {
  (void)s;
  (void)msg;
  (void)data;
  (void)arg;
  got_connect_error = 1;
}

/* An ack reply: its JSON text and first attachment, copied. */
typedef struct {
  int done, status;
  char *json;
  uint8_t *bin;
  size_t bin_len, nbins;
} reply_t;

static void reply_reset(reply_t *r) {
  free(r->json);
  free(r->bin);
  memset(r, 0, sizeof(*r));
}

static void on_ack(sio_client_socket_t *s, int status, const sio_argv_t *reply,
                   void *arg) {
  (void)s;
  reply_t *r = arg;
  r->status = status;
  if (status == 0) {
    sio_buf_t all;
    sio_argv_raw_all(reply, &all);
    r->json = malloc(all.len + 1);
    if (r->json) {
      memcpy(r->json, all.base, all.len);
      r->json[all.len] = 0;
    }
    r->nbins = sio_argv_attachments_count(reply);
    sio_buf_t b;
    if (r->nbins && sio_argv_attachment(reply, 0, &b) == 0) {
      r->bin = malloc(b.len ? b.len : 1);
      if (r->bin) memcpy(r->bin, b.base, b.len);
      r->bin_len = b.len;
    }
  }
  r->done = 1;
}

static int bin_done;
static size_t bin_len;
static int bin_ok;
static void on_bin(sio_client_socket_t *s, const char *event, const sio_argv_t *av,
                   sio_client_ack_t *ack, void *arg) {
  (void)s;
  (void)event;
  (void)ack;
  (void)arg;
  sio_buf_t b;
  bin_ok = 0;
  if (sio_argv_attachments_count(av) == 1 && sio_argv_attachment(av, 0, &b) == 0) {
    bin_len = b.len;
    bin_ok = 1;
    for (size_t i = 0; i < b.len; i++)
      if (b.base[i] != (uint8_t)(i & 255)) bin_ok = 0;
  }
  bin_done = 1;
}

static void on_closed(sio_client_t *c, void *arg) {
  (void)c;
  (void)arg;
  closed = 1;
}

/* Emits echo-ack with args and waits for the reply into r. */
static int call(sio_client_socket_t *s, const char *ev, sio_args_t *a, reply_t *r) {
  reply_reset(r);
  if (sio_client_socket_emit_with_ack(s, ev, a, 15000, on_ack, r) != 0) return 0;
  return wait_for(&r->done, 20000) && r->status == 0;
}

static void scenario_ok(sio_client_socket_t *s, const char *transport) {
  check("connect", wait_for(&connected, 15000), NULL);
  if (!connected) return;
  if (strcmp(transport, "upgrade") == 0)
    check("upgrade", wait_for(&upgraded, 10000), NULL);
  reply_t r = {0};
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, "hello");
  sio_args_add_raw(a, "{\"n\":1}", 7);
  int ok = call(s, "echo-ack", a, &r);
  /* sio_argv_raw_all gives the arguments without the brackets. */
  check("ack", ok && r.json && strcmp(r.json, "\"hello\",{\"n\":1}") == 0, NULL);

  sio_args_clear(a);
  static const uint8_t three[] = {1, 2, 3};
  sio_args_add_binary(a, three, 3);
  ok = call(s, "echo-ack", a, &r);
  check("binary to server and back",
        ok && r.nbins == 1 && r.bin_len == 3 && r.bin && memcmp(r.bin, three, 3) == 0,
        NULL);

  ok = call(s, "make-binary", NULL, &r);
  static const uint8_t four[] = {4, 5, 6, 7};
  check("binary from server",
        ok && r.bin_len == 4 && r.bin && memcmp(r.bin, four, 4) == 0, NULL);

  /* 500 KB of text both ways. */
  char *big = malloc(BIG + 1);
  for (size_t i = 0; big && i < BIG; i++) big[i] = (char)('a' + i % 26);
  if (big) big[BIG] = 0;
  sio_args_clear(a);
  sio_args_add_string(a, big ? big : "");
  ok = call(s, "echo-ack", a, &r);
  int same = ok && big && r.json && strlen(r.json) == BIG + 2 &&
             memcmp(r.json + 1, big, BIG) == 0;
  check("500 KB text both ways", same, NULL);

  /* 500 KB of binary both ways. */
  uint8_t *bbig = malloc(BIG);
  for (size_t i = 0; bbig && i < BIG; i++) bbig[i] = (uint8_t)(i * 7);
  sio_args_clear(a);
  sio_args_add_binary(a, bbig ? bbig : three, bbig ? BIG : 3);
  ok = call(s, "echo-ack", a, &r);
  check("500 KB binary both ways",
        ok && bbig && r.bin_len == BIG && r.bin && memcmp(r.bin, bbig, BIG) == 0, NULL);

  /* A server-initiated binary event. */
  sio_args_clear(a);
  sio_args_add_int(a, BIG);
  sio_client_socket_emit(s, "send-binary", a);
  check("500 KB binary event from server",
        wait_for(&bin_done, 20000) && bin_ok && bin_len == BIG, NULL);
  free(big);
  free(bbig);
  reply_reset(&r);
  sio_args_free(a);
}

static void scenario_tls_error(sio_client_socket_t *s) {
  (void)s;
  check("reconnect_failed", wait_for(&got_reconnect_failed, 20000), NULL);
  char d[64];
  snprintf(d, sizeof(d), "%d %s", error_value, sio_err_name(error_value));
  check("error is ETLS", got_error && error_value == SIO_ETLS, d);
  snprintf(d, sizeof(d), "%d %s", reconnect_error_value,
           sio_err_name(reconnect_error_value));
  check("reconnect error is ETLS",
        got_reconnect_error && reconnect_error_value == SIO_ETLS, d);
  check("connect_error handler ran", got_connect_error, NULL);
  check("never connected", !connected, NULL);
}

int main(int argc, char **argv) {
  const char *url = NULL, *transport = "upgrade", *ca = NULL, *expect = "ok";
  int verify = 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--no-verify") == 0)
      verify = 0;
    else if (i + 1 < argc && strcmp(argv[i], "--url") == 0)
      url = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--transport") == 0)
      transport = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--ca") == 0)
      ca = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--expect") == 0)
      expect = argv[++i];
  }
  if (!url) {
    fprintf(stderr, "usage: client_tls_driver --url URL [--transport T] [--ca FILE] "
                    "[--no-verify] [--expect ok|tls-error]\n");
    return 2;
  }
  uv_loop_init(&loop);
  uv_timer_init(&loop, &deadline);
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_transports(
      o, strcmp(transport, "polling") == 0     ? SIO_TRANSPORT_POLLING
         : strcmp(transport, "websocket") == 0 ? SIO_TRANSPORT_WEBSOCKET
                                               : SIO_TRANSPORT_POLLING_UPGRADE);
  if (ca) sio_client_opts_set_tls_ca(o, ca, NULL);
  sio_client_opts_set_tls_verify(o, verify);
  sio_client_opts_set_timeout(o, 10000);
  sio_client_opts_set_reconnection_attempts(o, 1);
  sio_client_opts_set_reconnection_delay(o, 100, 200);
  sio_client_t *c = NULL;
  int rc = sio_client_new(&loop, url, o, &c);
  sio_client_opts_free(o);
  check("client_new", rc == 0, sio_err_name(rc));
  if (rc == 0) {
    sio_client_on_event(c, on_client_event, NULL);
    sio_client_socket_t *s = sio_client_socket(c, "/");
    sio_client_socket_on_connect(s, on_connect, NULL);
    sio_client_socket_on_connect_error(s, on_connect_error, NULL);
    sio_client_socket_on(s, "bin", on_bin, NULL);
    sio_client_socket_connect(s);
    if (strcmp(expect, "tls-error") == 0)
      scenario_tls_error(s);
    else
      scenario_ok(s, transport);
    sio_client_close(c, on_closed, NULL);
    check("closed", wait_for(&closed, 10000), NULL);
  }
  uv_close((uv_handle_t *)&deadline, NULL);
  for (int i = 0; i < 100 && uv_run(&loop, UV_RUN_NOWAIT); i++) uv_sleep(10);
  int lc = uv_loop_close(&loop);
  check("loop closed clean", lc == 0, NULL);
  printf("{\"result\":\"%s\"}\n", failures ? "fail" : "pass");
  return failures ? 1 : 0;
}
