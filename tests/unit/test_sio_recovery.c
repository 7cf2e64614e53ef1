/* Unit tests for connection state recovery's in-memory store
 * (src/sio/sio_recovery.c): offsets in Node's form, a session kept only for
 * a recoverable reason, restored once with its id, rooms and the kept
 * packets its rooms select (Node's rule: to every socket or one of its
 * rooms, and none of them excepted), expiry on time, and the byte bound
 * (the oldest go first, so an old offset is unknown and a new one still
 * works; the count never exceeds the bound). Sockets are bare structs with
 * no Engine.IO session; the server has no loop (expiry is checked when the
 * store is used). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sio/sio_internal.h"
#include "support/bare_server.h"

typedef bare_server_t fx_t;

static sio_socket_t *mk(fx_t *f, const char *id, const char *auth, int state) {
  sio_socket_t *s = bare_socket_new(f, id, state);
  s->rec = calloc(1, sizeof(*s->rec));
  snprintf(s->rec->pid, sizeof(s->rec->pid), "pid-%s", id);
  s->auth = sio__rbuf_from(auth, strlen(auth));
  if (state == SIO__SOCK_CONNECTED) bare_socket_add(s);
  return s;
}

static int setup(void **state) {
  fx_t *f = bare_server_new();
  assert_non_null(f);
  f->srv.parser = sio_parser_json();
  f->srv.recovery_ms = 60000;
  f->srv.recovery_max_bytes = SIO_RECOVERY_MAX_BYTES_DEFAULT;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx_t *f = *state;
  bare_server_release(f);
  assert_int_equal(f->srv.recovery_bytes, 0); /* everything given back */
  bare_server_free(f);
  return 0;
}

/* Keeps event "ev" with argument n (and pad bytes of padding) sent to
 * rooms/except; its offset goes to off. */
static void keep(fx_t *f, int n, const char *to, const char *except, size_t pad,
                 char *off) {
  sio_args_t *a = sio_args_new();
  sio_args_add_int(a, n);
  if (pad) {
    char *p = malloc(pad + 1);
    memset(p, 'x', pad);
    p[pad] = 0;
    sio_args_add_string(a, p);
    free(p);
  }
  sio__packet_out_t out;
  assert_int_equal(sio__packet_encode(f->srv.parser, &out, "/", "ev", -1, a), 0);
  const char *rooms[1] = {to}, *ex[1] = {except};
  sio_adapter_opts_t o = {rooms, to ? 1 : 0, ex, except ? 1 : 0, 0, 0};
  sio__recovery_offset(&f->srv, off);
  sio__recovery_keep(f->nsp, off, &o, &out);
  sio__packet_out_free(&out);
  sio_args_free(a);
}

static char *auth_of(const char *pid, const char *offset, char *buf, size_t cap) {
  snprintf(buf, cap, "{\"pid\":\"%s\",\"offset\":\"%s\",\"token\":1}", pid, offset);
  return buf;
}

/* The text of missed packet i of a restored socket. */
static const char *missed(const sio_socket_t *s, size_t i) {
  const sio__packet_out_t *o = &s->rec->restored->missed[i];
  return (const char *)sio__eio_msg_bytes(o->msgs[0]);
}

static void test_offsets(void **state) {
  fx_t *f = *state;
  char a[SIO_OFFSET_MAX + 1], b[SIO_OFFSET_MAX + 1];
  sio__recovery_offset(&f->srv, a);
  sio__recovery_offset(&f->srv, b);
  assert_string_not_equal(a, b);
  const char *alphabet =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_.";
  assert_true(strlen(a) >= 6 && strspn(a, alphabet) == strlen(a));
  assert_true(strspn(b, alphabet) == strlen(b));
  /* Within one millisecond the time repeats: a sequence number follows. */
  if (strncmp(a, b, strlen(a)) == 0) assert_int_equal(b[strlen(a)], '.');
}

static void test_restore_selects_by_rooms(void **state) {
  fx_t *f = *state;
  sio_socket_t *a = mk(f, "A", "{}", SIO__SOCK_CONNECTED);
  assert_int_equal(sio_socket_join(a, "r"), 0);
  assert_int_equal(sio_socket_session_set(a, "k", "v", 1), 0);
  char o0[SIO_OFFSET_MAX + 1], o[SIO_OFFSET_MAX + 1];
  keep(f, 0, NULL, NULL, 0, o0);
  sio__recovery_persist(a, "transport close");
  sio__rooms_leave_all(a);
  size_t with_session = f->srv.recovery_bytes;
  assert_true(with_session > 0);
  keep(f, 1, "r", NULL, 0, o);  /* its room */
  keep(f, 2, "x", NULL, 0, o);  /* another room */
  keep(f, 3, NULL, "r", 0, o);  /* everybody but its room */
  keep(f, 4, "A", NULL, 0, o);  /* to it alone */
  keep(f, 5, NULL, NULL, 0, o); /* everybody */
  keep(f, 6, "x", "A", 0, o);   /* another room, it excepted */
  keep(f, 7, "r", "zzz", 0, o); /* its room, another excepted */
  char auth[160];
  sio_socket_t *b =
      mk(f, "B", auth_of("pid-A", o0, auth, sizeof(auth)), SIO__SOCK_CONNECTING);
  assert_int_equal(sio__recovery_restore(b), 0); /* answered now */
  assert_true(sio_socket_recovered(b));
  assert_string_equal(b->id, "A");
  assert_string_equal(b->rec->pid, "pid-A");
  size_t len;
  const char *v = sio_socket_session_get(b, "k", &len);
  assert_non_null(v);
  assert_int_equal(len, 1);
  sio__restored_t *r = b->rec->restored;
  assert_int_equal(r->nrooms, 2);
  assert_int_equal(r->nmissed, 4);
  assert_non_null(strstr(missed(b, 0), "[\"ev\",1]"));
  assert_non_null(strstr(missed(b, 1), "[\"ev\",4]"));
  assert_non_null(strstr(missed(b, 2), "[\"ev\",5]"));
  assert_non_null(strstr(missed(b, 3), "[\"ev\",7]"));
  /* The session is restored once. */
  sio_socket_t *c = mk(f, "C", auth, SIO__SOCK_CONNECTING);
  assert_int_equal(sio__recovery_restore(c), 0);
  assert_false(sio_socket_recovered(c));
  assert_string_equal(c->id, "C");
}

static void test_only_recoverable_reasons(void **state) {
  fx_t *f = *state;
  sio_socket_t *a = mk(f, "A", "{}", SIO__SOCK_CONNECTED);
  char o0[SIO_OFFSET_MAX + 1], auth[160];
  keep(f, 0, NULL, NULL, 0, o0);
  sio__recovery_persist(a, "client namespace disconnect");
  sio__recovery_persist(a, "server namespace disconnect");
  sio_socket_t *b =
      mk(f, "B", auth_of("pid-A", o0, auth, sizeof(auth)), SIO__SOCK_CONNECTING);
  assert_int_equal(sio__recovery_restore(b), 0);
  assert_false(sio_socket_recovered(b));
  /* No offset in the auth: never a recovery, as with Node. */
  sio__recovery_persist(a, "ping timeout");
  sio_socket_t *c = mk(f, "C", "{\"pid\":\"pid-A\"}", SIO__SOCK_CONNECTING);
  assert_int_equal(sio__recovery_restore(c), 0);
  assert_false(sio_socket_recovered(c));
  sio_socket_t *d = mk(f, "D", auth, SIO__SOCK_CONNECTING);
  assert_int_equal(sio__recovery_restore(d), 0);
  assert_true(sio_socket_recovered(d));
  assert_int_equal(d->rec->restored->nmissed, 0);
}

static void test_expiry(void **state) {
  fx_t *f = *state;
  f->srv.recovery_ms = 1;
  sio_socket_t *a = mk(f, "A", "{}", SIO__SOCK_CONNECTED);
  char o0[SIO_OFFSET_MAX + 1], auth[160];
  keep(f, 0, NULL, NULL, 0, o0);
  sio__recovery_persist(a, "transport error");
  assert_true(f->srv.recovery_bytes > 0);
  struct timespec ts = {0, 5 * 1000 * 1000};
  nanosleep(&ts, NULL);
  sio_socket_t *b =
      mk(f, "B", auth_of("pid-A", o0, auth, sizeof(auth)), SIO__SOCK_CONNECTING);
  assert_int_equal(sio__recovery_restore(b), 0);
  assert_false(sio_socket_recovered(b));
  assert_int_equal(f->srv.recovery_bytes, 0); /* session and packet gone */
}

static void test_byte_bound(void **state) {
  fx_t *f = *state;
  f->srv.recovery_max_bytes = 4000;
  sio_socket_t *a = mk(f, "A", "{}", SIO__SOCK_CONNECTED);
  char first[SIO_OFFSET_MAX + 1], o[SIO_OFFSET_MAX + 1], prev[SIO_OFFSET_MAX + 1];
  keep(f, 0, NULL, NULL, 500, first);
  sio__recovery_persist(a, "transport close");
  for (int i = 1; i <= 20; i++) {
    memcpy(prev, o, sizeof(o));
    keep(f, i, NULL, NULL, 500, o);
    assert_true(f->srv.recovery_bytes <= f->srv.recovery_max_bytes);
  }
  char auth[160];
  /* The first packet was pushed out: that offset is unknown. */
  sio_socket_t *b =
      mk(f, "B", auth_of("pid-A", first, auth, sizeof(auth)), SIO__SOCK_CONNECTING);
  assert_int_equal(sio__recovery_restore(b), 0);
  assert_false(sio_socket_recovered(b));
  /* A recent one is still there: the last packet is missed. */
  sio_socket_t *c =
      mk(f, "C", auth_of("pid-A", prev, auth, sizeof(auth)), SIO__SOCK_CONNECTING);
  assert_int_equal(sio__recovery_restore(c), 0);
  assert_true(sio_socket_recovered(c));
  assert_int_equal(c->rec->restored->nmissed, 1);
  assert_non_null(strstr(missed(c, 0), "[\"ev\",20,"));
  /* A packet larger than the whole bound empties the store. */
  keep(f, 99, NULL, NULL, 5000, o);
  assert_true(f->srv.recovery_bytes < 1000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_offsets, setup, teardown),
      cmocka_unit_test_setup_teardown(test_restore_selects_by_rooms, setup, teardown),
      cmocka_unit_test_setup_teardown(test_only_recoverable_reasons, setup, teardown),
      cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
      cmocka_unit_test_setup_teardown(test_byte_bound, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
