/* Unit tests for the group of Engine.IO servers (src/eio/eio_group.c): a
 * generated sid keeps the length and alphabet of today's and names its
 * worker (one character up to 64 workers, two past), a sid naming no worker
 * has no owner; ids from an application generator go through the directory,
 * which refuses an id another worker holds and any id past its bound, and
 * forgets an id when its session leaves. The servers share one loop here
 * (nothing runs across threads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eio/eio_group.h"
#include "eio/eio_internal.h"
#include "io/own_loop.h"
#include "sio/common.h"

typedef struct {
  uv_loop_t *loop;
  unsigned n;
  sio_http_server_t **http;
  sio_eio_server_t **eio;
  sio__eio_group_t *g;
} fx_t;

static int gen(sio_http_req_t *req, char *out, size_t cap, void *arg) {
  (void)req, (void)arg;
  return snprintf(out, cap, "x");
}

static void make(fx_t *f, unsigned n, int generator) {
  memset(f, 0, sizeof *f);
  f->n = n;
  assert_int_equal(sio__own_loop_new(&f->loop), 0);
  f->http = calloc(n, sizeof *f->http);
  f->eio = calloc(n, sizeof *f->eio);
  sio_eio_opts_t *o = sio_eio_opts_new();
  if (generator) sio_eio_opts_set_generate_id(o, gen, NULL);
  for (unsigned i = 0; i < n; i++) {
    assert_int_equal(sio_http_server_new(f->loop, NULL, &f->http[i]), 0);
    assert_int_equal(sio_eio_server_new(f->http[i], o, &f->eio[i]), 0);
  }
  sio_eio_opts_free(o);
  assert_int_equal(sio__eio_group_new(f->eio, n, &f->g), 0);
  assert_int_equal(sio__eio_group_size(f->g), n);
}

static void http_closed(sio_http_server_t *s, void *arg) {
  (void)s, (void)arg;
}

static void unmake(fx_t *f) {
  for (unsigned i = 0; i < f->n; i++) {
    sio_eio_server_close(f->eio[i], NULL, NULL);
    sio_http_server_close(f->http[i], http_closed, NULL);
  }
  sio__own_loop_run(f->loop);
  sio__eio_group_free(f->g);
  assert_int_equal(sio__own_loop_free(f->loop), 0);
  free(f->http);
  free(f->eio);
}

static int url_safe(const char *s) {
  for (; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
          (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
      return 0;
  return 1;
}

static void check_sids(fx_t *f, const unsigned *workers, size_t k) {
  for (size_t j = 0; j < k; j++) {
    unsigned w = workers[j];
    assert_int_equal(sio__eio_server_worker(f->eio[w]), w);
    for (int t = 0; t < 20; t++) {
      char sid[SIO_EIO_SID_MAX + 1];
      assert_int_equal(sio__eio_new_random_sid(f->eio[w], sid), 0);
      assert_int_equal(strlen(sid), 20);
      assert_true(url_safe(sid));
      assert_int_equal(sio__eio_group_owner(f->g, sid, 20), (int)w);
    }
  }
}

static void test_generated_sids_name_their_worker(void **state) {
  (void)state;
  fx_t f;
  make(&f, 3, 0);
  const unsigned w[] = {0, 1, 2};
  check_sids(&f, w, 3);
  /* Not 20 characters, or a first character past the workers: nobody's. */
  assert_int_equal(sio__eio_group_owner(f.g, "AAAA", 4), -1);
  assert_int_equal(sio__eio_group_owner(f.g, "DAAAAAAAAAAAAAAAAAAA", 20), -1);
  assert_int_equal(sio__eio_group_owner(f.g, "CAAAAAAAAAAAAAAAAAAA", 20), 2);
  unmake(&f);
}

static void test_more_than_64_workers_take_two_characters(void **state) {
  (void)state;
  fx_t f;
  make(&f, 70, 0);
  const unsigned w[] = {0, 1, 63, 64, 65, 69};
  check_sids(&f, w, sizeof w / sizeof w[0]);
  /* "A" then "C": 0 + 2 * 64 = 128, past 70 workers. */
  assert_int_equal(sio__eio_group_owner(f.g, "ACAAAAAAAAAAAAAAAAAA", 20), -1);
  unmake(&f);
}

static void test_directory_bound_and_owners(void **state) {
  (void)state;
  fx_t f;
  make(&f, 2, 1);
  sio__eio_group_set_max_directory(f.g, 2);
  assert_int_equal(sio__eio_group_enter(f.eio[0], "one"), 0);
  assert_int_equal(sio__eio_group_enter(f.eio[1], "two"), 0);
  assert_int_equal(sio__eio_group_owner(f.g, "one", 3), 0);
  assert_int_equal(sio__eio_group_owner(f.g, "two", 3), 1);
  assert_int_equal(sio__eio_group_owner(f.g, "three", 5), -1);
  /* Taken by another worker, and the bound. */
  assert_int_equal(sio__eio_group_enter(f.eio[1], "one"), SIO_EEXIST);
  assert_true(sio__eio_group_taken(f.eio[1], "one", 3));
  assert_int_equal(sio__eio_group_enter(f.eio[0], "three"), SIO_ELIMIT);
  /* Only the owner's leave forgets an id. */
  sio__eio_group_leave(f.eio[1], "one");
  assert_int_equal(sio__eio_group_owner(f.g, "one", 3), 0);
  sio__eio_group_leave(f.eio[0], "one");
  assert_int_equal(sio__eio_group_owner(f.g, "one", 3), -1);
  assert_int_equal(sio__eio_group_enter(f.eio[0], "three"), 0);
  assert_int_equal(sio__eio_group_owner(f.g, "three", 5), 0);
  unmake(&f);
}

static void test_group_refuses_bad_arguments(void **state) {
  (void)state;
  sio__eio_group_t *g = NULL;
  assert_int_equal(sio__eio_group_new(NULL, 2, &g), SIO_EINVAL);
  fx_t f;
  make(&f, 1, 0);
  /* Already in a group. */
  assert_int_equal(sio__eio_group_new(f.eio, 1, &g), SIO_EINVAL);
  assert_null(g);
  unmake(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_generated_sids_name_their_worker),
      cmocka_unit_test(test_more_than_64_workers_take_two_characters),
      cmocka_unit_test(test_directory_bound_and_owners),
      cmocka_unit_test(test_group_refuses_bad_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
