/* Unit tests for libsio-admin (sio/admin.h) without a network: option
 * checks (a bcrypt hash is required, or an explicit no-auth), the password
 * hash made through libcrypt and checked by crypt_r, the instrumentation's
 * life on a server (the admin namespace exists, the server and then the
 * instrumentation close with the loop left empty; with workers, one
 * instance per worker), and the pointer map the
 * instrumentation keeps its sockets and sessions in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <crypt.h>
#include <uv.h>

#include "admin/admin_internal.h"
#include "sio/admin.h"

static const char good_hash[] =
    "$2b$04$abcdefghijklmnopqrstuu5b0v1PqAmKlN7uMqF7VhEIWaTnM4Ome";

static void test_opts_auth(void **state) {
  (void)state;
  sio_admin_opts_t *o = sio_admin_opts_new();
  assert_non_null(o);
  assert_int_equal(sio_admin_opts_set_auth(o, "u", "plain password"), SIO_EINVAL);
  assert_int_equal(sio_admin_opts_set_auth(o, "u", "$1$abc$defghijk"), SIO_EINVAL);
  char bad[sizeof good_hash];
  memcpy(bad, good_hash, sizeof good_hash);
  bad[5] = '3'; /* cost 03: below bcrypt's minimum */
  assert_int_equal(sio_admin_opts_set_auth(o, "u", bad), SIO_EINVAL);
  memcpy(bad, good_hash, sizeof good_hash);
  bad[20] = '!';
  assert_int_equal(sio_admin_opts_set_auth(o, "u", bad), SIO_EINVAL);
  assert_int_equal(sio_admin_opts_set_auth(o, "u", good_hash), 0);
  assert_int_equal(sio_admin_opts_set_namespace(o, "admin"), SIO_EINVAL);
  assert_int_equal(sio_admin_opts_set_namespace(o, "/"), SIO_EINVAL);
  assert_int_equal(sio_admin_opts_set_namespace(o, "/ops"), 0);
  assert_int_equal(sio_admin_opts_set_server_id(o, ""), SIO_EINVAL);
  sio_admin_opts_free(o);
}

static void test_hash_password(void **state) {
  (void)state;
  char h[128];
  assert_int_equal(sio_admin_hash_password("pw", 3, h, sizeof h), SIO_EINVAL);
  assert_int_equal(sio_admin_hash_password("pw", 4, h, 60), SIO_EINVAL);
  assert_int_equal(sio_admin_hash_password("s3cret", 4, h, sizeof h), 0);
  assert_int_equal(strlen(h), 60);
  assert_memory_equal(h, "$2b$04$", 7);
  /* The options take it, and libcrypt verifies it: right and wrong words. */
  sio_admin_opts_t *o = sio_admin_opts_new();
  assert_int_equal(sio_admin_opts_set_auth(o, "u", h), 0);
  sio_admin_opts_free(o);
  struct crypt_data *cd = calloc(1, sizeof(*cd));
  assert_string_equal(crypt_r("s3cret", h, cd), h);
  assert_string_not_equal(crypt_r("s3creT", h, cd), h);
  free(cd);
  /* A fresh salt each time. */
  char h2[128];
  assert_int_equal(sio_admin_hash_password("s3cret", 4, h2, sizeof h2), 0);
  assert_string_not_equal(h, h2);
}

static int closed;
static sio_admin_t *adm;

static void on_closed(sio_server_t *s, void *arg) {
  (void)s;
  (void)arg;
  sio_admin_free(adm);
  closed = 1;
}

static void close_later(uv_timer_t *t) {
  sio_server_close(t->data, on_closed, NULL);
  uv_close((uv_handle_t *)t, NULL);
}

static void test_attach_lifecycle(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_server_t *srv;
  assert_int_equal(sio_server_new(&loop, NULL, &srv), 0);
  sio_admin_opts_t *o = sio_admin_opts_new();
  /* No authentication choice: refused. */
  assert_int_equal(sio_admin_attach(srv, o, &adm), SIO_EINVAL);
  sio_admin_opts_set_no_auth(o);
  sio_admin_opts_set_stats_interval(o, 10);
  assert_int_equal(sio_admin_attach(srv, o, &adm), 0);
  sio_admin_opts_free(o);
  sio_namespace_t *nsp = sio_admin_namespace(adm);
  assert_non_null(nsp);
  assert_string_equal(sio_namespace_name(nsp), "/admin");
  /* A namespace made later is watched too (no crash on its hooks). */
  assert_non_null(sio_server_of(srv, "/later"));
  assert_int_equal(sio_server_listen(srv, "127.0.0.1", 0), 0);
  /* A few stats ticks with nobody listening, then close from a timer. */
  uv_timer_t t;
  uv_timer_init(&loop, &t);
  t.data = srv;
  uv_timer_start(&t, close_later, 60, 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_true(closed);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* A server of three workers: one instance per worker, made when the
 * workers start, each with its worker's server and admin namespace and a
 * server id naming its worker; attaching once they run is refused; every
 * worker's stats stop with it, so the close leaves the loop empty. */
static void test_attach_workers(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_server_opts_t *so = sio_server_opts_new();
  assert_int_equal(sio_server_opts_set_workers(so, 3), 0);
  sio_server_t *srv;
  assert_int_equal(sio_server_new(&loop, so, &srv), 0);
  sio_server_opts_free(so);
  sio_admin_opts_t *o = sio_admin_opts_new();
  sio_admin_opts_set_no_auth(o);
  sio_admin_opts_set_stats_interval(o, 10);
  assert_int_equal(sio_admin_opts_set_server_id(o, "box"), 0);
  closed = 0;
  assert_int_equal(sio_admin_attach(srv, o, &adm), 0);
  assert_int_equal(sio_server_listen(srv, "127.0.0.1", 0), 0);
  /* The workers start on the loop's next turn after listen. */
  uv_run(&loop, UV_RUN_NOWAIT);
  sio_admin_t *late = NULL;
  assert_int_equal(sio_admin_attach(srv, o, &late), SIO_EBUSY);
  sio_admin_opts_free(o);
  assert_int_equal(adm->nworkers, 3);
  for (unsigned i = 0; i < 3; i++) {
    const sio_admin_t *w = adm->workers[i];
    assert_non_null(w);
    assert_int_equal(sio_server_worker(w->srv), i);
    assert_ptr_equal(sio_namespace_server(w->nsp), w->srv);
    char want[16];
    snprintf(want, sizeof want, "box#%u", i);
    assert_string_equal(w->server_id, want);
  }
  /* A namespace made now reaches every worker, watched there (no crash). */
  assert_non_null(sio_server_of(srv, "/later"));
  uv_timer_t t;
  uv_timer_init(&loop, &t);
  t.data = srv;
  uv_timer_start(&t, close_later, 60, 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_true(closed);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_map(void **state) {
  (void)state;
  admin_map_t m = {0};
  static char keys[1000];
  for (int i = 0; i < 1000; i++) {
    admin_slot_t *s = admin_map_put(&m, &keys[i]);
    assert_non_null(s);
    s->n = (uint64_t)i;
  }
  assert_int_equal(m.len, 1000);
  for (int i = 0; i < 1000; i += 2) admin_map_del(&m, &keys[i]);
  assert_int_equal(m.len, 500);
  for (int i = 0; i < 1000; i++) {
    admin_slot_t *s = admin_map_get(&m, &keys[i]);
    if (i % 2) {
      assert_non_null(s);
      assert_int_equal(s->n, i);
    } else {
      assert_null(s);
    }
  }
  assert_ptr_equal(admin_map_put(&m, &keys[1]), admin_map_get(&m, &keys[1]));
  assert_int_equal(m.len, 500);
  admin_map_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_opts_auth),
      cmocka_unit_test(test_hash_password),
      cmocka_unit_test(test_attach_lifecycle),
      cmocka_unit_test(test_attach_workers),
      cmocka_unit_test(test_map),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
