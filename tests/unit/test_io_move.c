/* Unit tests for moving a connection between loops (src/io/stream_move.c):
 * a stream exported from inside its read callback, with a reply still
 * queued, becomes a stream of another loop that reads what the peer sends
 * next and writes to it, the queued reply first; its close hook moves with
 * it; a record nobody adopts closes the connection and runs the hook; a
 * stream whose socket refused part of a large write moves with the rest,
 * which the peer receives whole and in order. Both loops run in this
 * thread, one turn at a time, with a plain socket as the peer. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "core/alloc.h"
#include "io/listener.h"
#include "io/own_loop.h"
#include "io/stream.h"
#include "sio/common.h"

typedef struct {
  uv_loop_t *a, *b;
  sio__listener_t *l;
  sio__stream_t *accepted;
  sio__stream_export_t *rec;
  sio__stream_t *moved;
  char got[256]; /* what the moved stream read */
  size_t gotlen;
  int hooks; /* close hook runs */
  sio__close_hook_t hook;
  int closed;
  int export_in_read; /* export from on_read, after queueing a reply */
} fx_t;

static void pump(fx_t *f) {
  uv_run(f->a, UV_RUN_NOWAIT);
  uv_run(f->b, UV_RUN_NOWAIT);
}

static void on_hook(sio__close_hook_t *hook) {
  ((fx_t *)((char *)hook - offsetof(fx_t, hook)))->hooks++;
}

static void first_read(sio__stream_t *s, void *arg, uint8_t *d, size_t n) {
  fx_t *f = arg;
  assert_int_equal(n, 5);
  assert_memory_equal(d, "hello", 5);
  /* Queued inside the read callback: it leaves only after the callback, so
   * the export must take it along or write it first. */
  assert_int_equal(sio__stream_write_copy(s, "reply1;", 7), 0);
  assert_int_equal(sio__stream_export(s, &f->rec), 0);
}
static void first_err(sio__stream_t *s, void *arg, int err) {
  (void)arg, (void)err;
  sio__stream_close(s, 0);
}
static const sio__stream_cbs_t k_first = {first_read, first_err, NULL, NULL, NULL};

static void moved_read(sio__stream_t *s, void *arg, uint8_t *d, size_t n) {
  fx_t *f = arg;
  memcpy(f->got + f->gotlen, d, n);
  f->gotlen += n;
  sio__stream_write_copy(s, "reply2;", 7);
}
static void moved_close(sio__stream_t *s, void *arg) {
  (void)s;
  ((fx_t *)arg)->closed++;
}
static const sio__stream_cbs_t k_moved = {moved_read, first_err, NULL, NULL, moved_close};

static void on_conn(sio__listener_t *l, void *arg, sio__stream_t *s) {
  (void)l;
  fx_t *f = arg;
  f->accepted = s;
  f->hook.fn = on_hook;
  sio__stream_set_close_hook(s, &f->hook);
  sio__stream_set_cbs(s, &k_first, f);
  if (f->export_in_read) assert_int_equal(sio__stream_read_start(s), 0);
}

/* A connected plain socket to the listener, and the accepted stream. */
static int peer(fx_t *f) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)sio__listener_port(f->l));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  for (int i = 0; i < 10000 && !f->accepted; i++) pump(f);
  assert_non_null(f->accepted);
  return fd;
}

/* Reads from fd until want has arrived whole (pumping the loops). */
static void expect(fx_t *f, int fd, const char *want) {
  char buf[256];
  size_t have = 0, n = strlen(want);
  for (int i = 0; i < 100000 && have < n; i++) {
    pump(f);
    ssize_t r = recv(fd, buf + have, sizeof buf - have, MSG_DONTWAIT);
    if (r > 0) have += (size_t)r;
  }
  assert_int_equal(have, n);
  assert_memory_equal(buf, want, n);
}

static int expect_eof(fx_t *f, int fd) {
  char c;
  for (int i = 0; i < 100000; i++) {
    pump(f);
    ssize_t r = recv(fd, &c, 1, MSG_DONTWAIT);
    if (r == 0) return 1;
    if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return 1;
  }
  return 0;
}

static void setup(fx_t *f, int export_in_read) {
  memset(f, 0, sizeof *f);
  f->export_in_read = export_in_read;
  assert_int_equal(sio__own_loop_new(&f->a), 0);
  assert_int_equal(sio__own_loop_new(&f->b), 0);
  assert_int_equal(sio__listener_new(f->a, "127.0.0.1", 0, on_conn, f, &f->l), 0);
}

static void teardown(fx_t *f) {
  sio__listener_close(f->l, NULL, NULL);
  for (int i = 0; i < 100; i++) pump(f);
  assert_int_equal(sio__own_loop_free(f->a), 0);
  assert_int_equal(sio__own_loop_free(f->b), 0);
}

static void test_export_in_read_adopt_elsewhere(void **state) {
  (void)state;
  fx_t f;
  setup(&f, 1);
  int fd = peer(&f);
  assert_int_equal(send(fd, "hello", 5, 0), 5);
  for (int i = 0; i < 100000 && !f.rec; i++) pump(&f);
  assert_non_null(f.rec);
  /* Nothing of the connection is left on loop a: its stream goes, the
   * hook stays with the record. */
  for (int i = 0; i < 100; i++) pump(&f);
  assert_int_equal(f.hooks, 0);

  f.moved = sio__stream_adopt(f.b, f.rec);
  assert_non_null(f.moved);
  sio__stream_set_cbs(f.moved, &k_moved, &f);
  assert_int_equal(sio__stream_read_start(f.moved), 0);
  sio__stream_resume(f.moved);
  expect(&f, fd, "reply1;");
  assert_int_equal(send(fd, "more", 4, 0), 4);
  expect(&f, fd, "reply2;");
  assert_int_equal(f.gotlen, 4);
  assert_memory_equal(f.got, "more", 4);
  assert_string_equal(sio__stream_remote_addr(f.moved), "127.0.0.1");

  sio__stream_close(f.moved, 0);
  assert_true(expect_eof(&f, fd));
  assert_int_equal(f.closed, 1);
  assert_int_equal(f.hooks, 1); /* once, on the loop that closed it */
  close(fd);
  teardown(&f);
}

static void test_dropped_record_closes(void **state) {
  (void)state;
  fx_t f;
  setup(&f, 0);
  int fd = peer(&f);
  assert_int_equal(sio__stream_export(f.accepted, &f.rec), 0);
  for (int i = 0; i < 100; i++) pump(&f);
  assert_int_equal(f.hooks, 0);
  sio__stream_export_drop(f.rec);
  assert_int_equal(f.hooks, 1);
  assert_true(expect_eof(&f, fd));
  close(fd);
  teardown(&f);
}

static void test_blocked_write_moves_with_the_connection(void **state) {
  (void)state;
  fx_t f;
  setup(&f, 0);
  int fd = peer(&f);
  sio__stream_set_max_queue(f.accepted, 0);
  /* More than loopback buffers take while the peer does not read (its
   * receive buffer stays as it is: a tiny one would leave the sender on
   * TCP's slow window probes once the peer reads); every
   * byte tells its offset, so order and completeness are checked. */
  size_t big = (size_t)32 << 20;
  uint8_t *p = sio__malloc(big);
  assert_non_null(p);
  for (size_t i = 0; i < big; i++) p[i] = (uint8_t)(i % 251);
  assert_int_equal(sio__stream_write_copy(f.accepted, p, big), 0);
  for (int i = 0; i < 100; i++) pump(&f);
  assert_true(sio__stream_queued(f.accepted) > 0);
  assert_int_equal(sio__stream_export(f.accepted, &f.rec), 0);
  assert_non_null(f.rec);
  f.moved = sio__stream_adopt(f.b, f.rec);
  assert_non_null(f.moved);
  sio__stream_set_cbs(f.moved, &k_moved, &f);
  assert_int_equal(sio__stream_read_start(f.moved), 0);
  sio__stream_resume(f.moved);
  size_t have = 0;
  uint8_t buf[65536];
  for (int i = 0; i < 2000000 && have < big; i++) {
    pump(&f);
    ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    for (ssize_t j = 0; j < r; j++)
      if (buf[j] != p[have + (size_t)j]) fail_msg("byte %zu differs", have + (size_t)j);
    if (r > 0) have += (size_t)r;
  }
  sio__free(p);
  assert_int_equal(have, big);
  sio__stream_close(f.moved, 0);
  assert_true(expect_eof(&f, fd));
  assert_int_equal(f.hooks, 1);
  close(fd);
  teardown(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_export_in_read_adopt_elsewhere),
      cmocka_unit_test(test_dropped_record_closes),
      cmocka_unit_test(test_blocked_write_moves_with_the_connection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
