/* Unit tests of the metrics (sio/metrics.h): the text format (HELP and TYPE
 * lines, label values and help text escaped, integers exact, special
 * floats), the server's families with their labels, the bound on labelled
 * namespaces, sources added and removed, the option checks, and the route's
 * path taken on a shared HTTP server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "sio/sio_internal.h"
#include "sio/sio_metrics.h"

/* The text written by fn into a fresh builder, NUL-terminated (static). */
static const char *written(void (*fn)(sio_metrics_out_t *out)) {
  static char text[1024];
  sio_metrics_out_t out;
  sio__sb_init(&out.sb, 64);
  fn(&out);
  size_t n = sio__sb_len(&out.sb);
  assert_true(n < sizeof(text));
  memcpy(text, sio__sb_data(&out.sb), n);
  text[n] = 0;
  sio__sb_reset(&out.sb);
  return text;
}

static void write_family(sio_metrics_out_t *out) {
  sio_metrics_family(out, "x_total", "counter", "a \\ and a\nnewline \"kept\"");
  sio_metrics_sample_u64(out, "x_total", NULL, NULL, UINT64_MAX);
  sio_metrics_sample_u64(out, "x_total", "k", "q\"b\\n\nz", 7);
}

static void test_text_format(void **state) {
  (void)state;
  assert_string_equal(written(write_family),
                      "# HELP x_total a \\\\ and a\\nnewline \"kept\"\n"
                      "# TYPE x_total counter\n"
                      "x_total 18446744073709551615\n"
                      "x_total{k=\"q\\\"b\\\\n\\nz\"} 7\n");
}

static void write_floats(sio_metrics_out_t *out) {
  sio_metrics_sample(out, "g", NULL, NULL, 0.25);
  sio_metrics_sample(out, "g", "k", "", NAN);
  sio_metrics_sample(out, "g", NULL, NULL, INFINITY);
  sio_metrics_sample(out, "g", NULL, NULL, -INFINITY);
}

static void test_floats(void **state) {
  (void)state;
  assert_string_equal(written(write_floats), "g 0.25\ng{k=\"\"} NaN\ng +Inf\ng -Inf\n");
}

static void test_options(void **state) {
  (void)state;
  sio_server_opts_t *o = sio_server_opts_new();
  assert_int_equal(sio_server_opts_set_metrics_path(o, "metrics"), SIO_EINVAL);
  assert_int_equal(sio_server_opts_set_metrics_path(o, "/m"), 0);
  assert_string_equal(o->metrics_path, "/m");
  assert_int_equal(sio_server_opts_set_metrics_path(o, NULL), 0);
  assert_null(o->metrics_path);
  assert_int_equal(o->metrics_unserved, 1);
  sio_server_opts_free(o);
}

typedef struct {
  uv_loop_t loop;
  sio_server_t *s;
} fx_t;

static void new_server(fx_t *f, int on, uint32_t max_nsps) {
  assert_int_equal(uv_loop_init(&f->loop), 0);
  sio_server_opts_t *o = sio_server_opts_new();
  sio_server_opts_set_metrics(o, on);
  sio_server_opts_set_metrics_max_namespaces(o, max_nsps);
  assert_int_equal(sio_server_new(&f->loop, o, &f->s), 0);
  sio_server_opts_free(o);
}

static void close_server(fx_t *f) {
  sio_server_close(f->s, NULL, NULL);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&f->loop), 0);
}

static char *text_of(sio_server_t *s) {
  char *t = NULL;
  size_t len = 0;
  assert_int_equal(sio_server_metrics(s, &t, &len), 0);
  assert_non_null(t);
  assert_int_equal(strlen(t), len);
  return t;
}

static void test_off(void **state) {
  (void)state;
  fx_t f;
  new_server(&f, 0, 0);
  char *t = (char *)1;
  assert_int_equal(sio_server_metrics(f.s, &t, NULL), SIO_EINVAL);
  assert_null(t);
  assert_int_equal(sio_server_metrics_add_source(f.s, NULL, NULL), SIO_EINVAL);
  close_server(&f);
}

static void test_families(void **state) {
  (void)state;
  fx_t f;
  new_server(&f, 1, 0);
  assert_non_null(sio_server_of(f.s, "/q\"b\\s"));
  char *t = text_of(f.s);
  static const char *const want[] = {
      "# TYPE sio_sockets_connected gauge\n",
      "sio_sockets_connected{nsp=\"/\",transport=\"polling\"} 0\n",
      "sio_sockets_connected{nsp=\"/\",transport=\"websocket\"} 0\n",
      "sio_sockets_connected{nsp=\"/q\\\"b\\\\s\",transport=\"websocket\"} 0\n",
      "sio_acks_pending 0\n",
      "sio_engine_sessions 0\n",
      "sio_handshakes_total{transport=\"polling\"} 0\n",
      "sio_upgrades_total 0\n",
      "sio_sessions_closed_over_limit_total{limit=\"rate\"} 0\n",
      "sio_write_queue_high_water_bytes{transport=\"websocket\"} 0\n",
      "sio_packets_received_total{type=\"binary_ack\"} 0\n",
      "# TYPE sio_packets_sent_total counter\n",
      "sio_received_bytes_total 0\n",
      "sio_sent_bytes_total 0\n",
      "sio_broadcasts_total 0\n",
      "sio_deliveries_total 0\n",
      "sio_volatile_dropped_total 0\n",
      "sio_acks_timed_out_total 0\n",
      "# TYPE sio_event_loop_lag_seconds gauge\n",
      "sio_event_loop_lag_max_seconds 0\n",
  };
  for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
    if (!strstr(t, want[i])) fail_msg("missing: %s\nin:\n%s", want[i], t);
  assert_null(strstr(t, "_other"));
  /* A broadcast moves its counter, even with no recipient. */
  assert_int_equal(
      sio_broadcast_emit(sio_namespace_broadcast(sio_server_of(f.s, "/")), "e", NULL), 0);
  sio_free(t);
  t = text_of(f.s);
  assert_non_null(strstr(t, "sio_broadcasts_total 1\n"));
  sio_free(t);
  close_server(&f);
}

static void test_namespace_bound(void **state) {
  (void)state;
  fx_t f;
  new_server(&f, 1, 2);
  assert_non_null(sio_server_of(f.s, "/a"));
  assert_non_null(sio_server_of(f.s, "/b"));
  assert_non_null(sio_server_of(f.s, "/c"));
  char *t = text_of(f.s);
  size_t labelled = 0;
  for (const char *p = t; (p = strstr(p, "sio_sockets_connected{nsp=\"/")); p++)
    labelled++;
  assert_int_equal(labelled, 4); /* two namespaces, two transports each */
  assert_non_null(
      strstr(t, "sio_sockets_connected{nsp=\"_other\",transport=\"polling\"} 0\n"));
  sio_free(t);
  close_server(&f);
}

static void source(sio_metrics_out_t *out, void *arg) {
  sio_metrics_family(out, "app_things", "gauge", "Things.");
  sio_metrics_sample(out, "app_things", "kind", arg, 1.5);
}

static void test_sources(void **state) {
  (void)state;
  fx_t f;
  new_server(&f, 1, 0);
  assert_int_equal(sio_server_metrics_add_source(f.s, source, "x"), 0);
  char *t = text_of(f.s);
  assert_non_null(strstr(t, "# TYPE app_things gauge\napp_things{kind=\"x\"} 1.5\n"));
  sio_free(t);
  assert_int_equal(sio_server_metrics_remove_source(f.s, source, "x"), 1);
  t = text_of(f.s);
  assert_null(strstr(t, "app_things"));
  sio_free(t);
  close_server(&f);
}

/* Two servers on one HTTP server cannot both serve /metrics; the second can
 * leave the route to the application. */
static void test_path_taken(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_http_server_t *http;
  assert_int_equal(sio_http_server_new(&loop, NULL, &http), 0);
  sio_server_opts_t *o = sio_server_opts_new();
  sio_server_opts_set_metrics(o, 1);
  sio_server_t *a, *b;
  assert_int_equal(sio_server_attach(http, o, &a), 0);
  assert_int_equal(sio_server_opts_set_path(o, "/other/"), 0);
  assert_int_equal(sio_server_attach(http, o, &b), SIO_EEXIST);
  assert_int_equal(sio_server_opts_set_metrics_path(o, NULL), 0);
  assert_int_equal(sio_server_attach(http, o, &b), 0);
  sio_server_opts_free(o);
  sio_server_close(a, NULL, NULL);
  sio_server_close(b, NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  sio_http_server_close(http, NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_text_format), cmocka_unit_test(test_floats),
      cmocka_unit_test(test_options),     cmocka_unit_test(test_off),
      cmocka_unit_test(test_families),    cmocka_unit_test(test_namespace_bound),
      cmocka_unit_test(test_sources),     cmocka_unit_test(test_path_taken),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
