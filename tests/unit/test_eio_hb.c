/* The heartbeat deadline lists (eio_hblist.h, sans-I/O) and the server's
 * timer over them (eio_hb.h): order, re-arming, removal from anywhere, the
 * timer following the earliest head, a late pong closing the session, and
 * the server's sessions closing out of the lists. Sessions here are filled
 * by hand on a server with a real loop but no HTTP side. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "eio/eio_hb.h"
#include "eio/eio_hblist.h"
#include "eio/eio_internal.h"

/* ---- the lists alone ---- */

typedef struct {
  sio__eio_hbnode_t node;
  uint32_t due;
  int id;
} item_t;

static void list_init(sio__eio_hblist_t *l) {
  sio__eio_hblist_init(l, (ptrdiff_t)offsetof(item_t, due) -
                              (ptrdiff_t)offsetof(item_t, node));
}

/* The ids from head to tail into out (at most max), checking the back
 * links on the way; returns how many. */
static int ids(const sio__eio_hblist_t *l, int *out, int max) {
  int n = 0;
  const sio__eio_hbnode_t *prev = NULL;
  for (const sio__eio_hbnode_t *p = l->head; p; p = p->next) {
    assert_ptr_equal(p->prev, prev);
    assert_true(n < max);
    out[n++] = ((const item_t *)(const void *)p)->id;
    prev = p;
  }
  assert_ptr_equal(l->tail, prev);
  return n;
}

static void assert_ids(const sio__eio_hblist_t *l, const int *want, int n) {
  int got[16];
  assert_int_equal(ids(l, got, 16), n);
  for (int i = 0; i < n; i++) assert_int_equal(got[i], want[i]);
}

/* Deadlines in order go to the tail; ties keep their insertion order; an
 * earlier one walks back to its place, to the head if need be. */
static void list_keeps_deadline_order(void **state) {
  (void)state;
  sio__eio_hblist_t l;
  list_init(&l);
  item_t it[6] = {{.due = 100, .id = 0}, {.due = 200, .id = 1}, {.due = 200, .id = 2},
                  {.due = 150, .id = 3}, {.due = 50, .id = 4},  {.due = 300, .id = 5}};
  for (int i = 0; i < 6; i++) sio__eio_hblist_insert(&l, &it[i].node);
  assert_ids(&l, (int[]){4, 0, 3, 1, 2, 5}, 6);
  for (int i = 0; i < 6; i++) assert_true(sio__eio_hblist_has(&l, &it[i].node));
}

/* Removal from the middle, the head and the tail keeps the links right; a
 * node not in the list is left alone; a removed node can come back. */
static void list_removes_anywhere(void **state) {
  (void)state;
  sio__eio_hblist_t l;
  list_init(&l);
  item_t it[4];
  for (int i = 0; i < 4; i++) {
    memset(&it[i], 0, sizeof it[i]);
    it[i].due = (uint32_t)(10 * i);
    it[i].id = i;
    sio__eio_hblist_insert(&l, &it[i].node);
  }
  sio__eio_hblist_remove(&l, &it[2].node); /* middle */
  assert_false(sio__eio_hblist_has(&l, &it[2].node));
  assert_ids(&l, (int[]){0, 1, 3}, 3);
  sio__eio_hblist_remove(&l, &it[2].node); /* not in it: nothing happens */
  assert_ids(&l, (int[]){0, 1, 3}, 3);
  sio__eio_hblist_remove(&l, &it[0].node); /* head */
  assert_ids(&l, (int[]){1, 3}, 2);
  sio__eio_hblist_remove(&l, &it[3].node); /* tail */
  assert_ids(&l, (int[]){1}, 1);
  /* Re-armed: a later deadline goes to the tail. */
  it[0].due = 40;
  sio__eio_hblist_insert(&l, &it[0].node);
  assert_ids(&l, (int[]){1, 0}, 2);
  sio__eio_hblist_remove(&l, &it[1].node);
  sio__eio_hblist_remove(&l, &it[0].node);
  assert_null(l.head);
  assert_null(l.tail);
}

/* Deadlines compare modulo 2^32: across the clock's 32-bit wrap the order
 * holds and the full value comes back. */
static void list_orders_across_the_wrap(void **state) {
  (void)state;
  sio__eio_hblist_t l;
  list_init(&l);
  item_t a = {.due = 0xfffffff0u, .id = 0}, b = {.due = 0x10, .id = 1};
  sio__eio_hblist_insert(&l, &b.node);
  sio__eio_hblist_insert(&l, &a.node);
  assert_ids(&l, (int[]){0, 1}, 2);
  assert_true(sio__eio_due_before(a.due, b.due));
  uint64_t now = 0x1fffffff0ull;
  assert_int_equal(sio__eio_due_full(b.due, now), 0x200000010ull);
  assert_int_equal(sio__eio_due_full(a.due, now + 5), 0x1fffffff0ull);
}

/* ---- the server's timer over the lists ---- */

typedef struct {
  uv_loop_t loop;
  sio_eio_server_t *s;
  int closes;
  const char *reason;
} fixture_t;

static void on_close(sio_eio_socket_t *sock, const char *reason, void *arg) {
  (void)sock;
  fixture_t *f = arg;
  f->closes++;
  f->reason = reason;
}

static fixture_t *fixture_new(uint32_t interval, uint32_t timeout) {
  fixture_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  assert_int_equal(uv_loop_init(&f->loop), 0);
  sio_eio_server_t *s = calloc(1, sizeof *s);
  assert_non_null(s);
  assert_int_equal(sio__eio_opts_init(&s->opts), 0);
  s->opts.ping_interval = interval;
  s->opts.ping_timeout = timeout;
  s->loop = &f->loop;
  sio__eio_sidmap_init(&s->sessions);
  s->ping = sio__eio_msg_new(SIO__EIO_PING, 0, NULL, 0, 0);
  assert_non_null(s->ping);
  s->on_close = on_close;
  s->on_close_data = f;
  assert_int_equal(sio__eio_hb_init(s), 0);
  f->s = s;
  return f;
}

static void fixture_free(fixture_t *f) {
  sio_eio_server_t *s = f->s;
  for (int k = 0; k < SIO__EIO_HB_KINDS; k++) assert_null(s->hb[k].head);
  sio__eio_hb_free(s);
  sio__eio_msg_unref(s->ping);
  sio__eio_sidmap_free(&s->sessions);
  sio__eio_opts_clear(&s->opts);
  free(s);
  uv_run(&f->loop, UV_RUN_NOWAIT);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  free(f);
}

/* An open, announced WebSocket session without a transport, in the map;
 * the test holds a reference besides the session's own. */
static sio_eio_socket_t *session_new(fixture_t *f, const char *sid) {
  sio_eio_socket_t *sock = calloc(1, offsetof(sio_eio_socket_t, sid) + 21);
  assert_non_null(sock);
  sock->server = f->s;
  sock->refs = 2;
  sock->state = SIO__EIO_OPEN_STATE;
  sock->transport = SIO_EIO_WEBSOCKET;
  sock->announced = 1;
  strcpy(sock->sid, sid);
  assert_int_equal(sio__eio_sidmap_put(&f->s->sessions, sock->sid, sock), 0);
  return sock;
}

/* One turn of the loop without blocking, then a millisecond's sleep:
 * UV_RUN_ONCE could run the timer and then block until the next deadline,
 * a minute away, which would let that one pass too. */
static void turn(fixture_t *f) {
  uv_run(&f->loop, UV_RUN_NOWAIT);
  uv_sleep(1);
}

static uint32_t armed(const fixture_t *f) {
  uint32_t due = 0;
  assert_true(sio__eio_hb_armed(f->s, &due));
  return due;
}

/* The timer follows the earliest head of the three lists: a new earlier
 * deadline, the head's removal (from any list), a re-arm moving the head to
 * the tail; with every list empty it stops. */
static void timer_follows_earliest_head(void **state) {
  (void)state;
  fixture_t *f = fixture_new(25000, 20000);
  uint64_t now = sio__now_ms(&f->loop);
  sio_eio_socket_t *a = session_new(f, "a"), *b = session_new(f, "b"),
                   *c = session_new(f, "c"), *d = session_new(f, "d");
  uint32_t none;
  assert_false(sio__eio_hb_armed(f->s, &none));
  sio__eio_hb_set(a, SIO__EIO_HB_PING, now + 3000);
  assert_int_equal(armed(f), (uint32_t)(now + 3000));
  sio__eio_hb_set(b, SIO__EIO_HB_PING, now + 4000);
  sio__eio_hb_set(c, SIO__EIO_HB_PING, now + 5000);
  assert_int_equal(armed(f), (uint32_t)(now + 3000));
  /* Another list's earlier deadline takes the timer. */
  sio__eio_hb_set(d, SIO__EIO_HB_PONG, now + 2000);
  assert_int_equal(armed(f), (uint32_t)(now + 2000));
  sio__eio_hb_stop(d);
  assert_int_equal(d->hb_wait, SIO__EIO_HB_NONE);
  assert_int_equal(armed(f), (uint32_t)(now + 3000));
  /* Removal from the middle leaves the timer where it was. */
  sio__eio_hb_stop(b);
  assert_int_equal(armed(f), (uint32_t)(now + 3000));
  assert_ptr_equal(f->s->hb[0].head, &a->hb);
  assert_ptr_equal(a->hb.next, &c->hb);
  /* The head re-armed (a pong came): it goes to the tail, the timer to the
   * new head. */
  sio__eio_hb_set(a, SIO__EIO_HB_PING, now + 6000);
  assert_ptr_equal(f->s->hb[0].head, &c->hb);
  assert_ptr_equal(f->s->hb[0].tail, &a->hb);
  assert_int_equal(armed(f), (uint32_t)(now + 5000));
  sio__eio_hb_set(b, SIO__EIO_HB_V3, now + 1000);
  assert_int_equal(armed(f), (uint32_t)(now + 1000));
  sio__eio_hb_stop(a);
  sio__eio_hb_stop(b);
  sio__eio_hb_stop(c);
  assert_false(sio__eio_hb_armed(f->s, &none));
  sio_eio_socket_t *all[] = {a, b, c, d};
  for (int i = 0; i < 4; i++) {
    sio__eio_socket_destroy(all[i], "test", SIO__EIO_BY_SERVER);
    sio__eio_socket_unref(all[i]);
  }
  assert_int_equal(f->closes, 4);
  fixture_free(f);
}

/* A v4 session whose ping is due gets it from the timer and moves to the
 * pong list with the deadline ping time + pingTimeout; without a pong it
 * closes with "ping timeout" and leaves the lists; its neighbour, whose pong
 * came (re-armed), lives on. The intervals are long, so a slow machine
 * cannot make a deadline pass early; the pong deadline is then brought
 * near by hand. */
static void timer_pings_then_times_out(void **state) {
  (void)state;
  fixture_t *f = fixture_new(300000, 60000);
  uint64_t now = sio__now_ms(&f->loop);
  sio_eio_socket_t *a = session_new(f, "a"), *b = session_new(f, "b");
  sio__eio_hb_set(a, SIO__EIO_HB_PING, now + 20);
  sio__eio_hb_set(b, SIO__EIO_HB_PING, now + 20);
  while (a->hb_wait == SIO__EIO_HB_PING || b->hb_wait == SIO__EIO_HB_PING) turn(f);
  assert_int_equal(a->hb_wait, SIO__EIO_HB_PONG);
  assert_int_equal(a->hb_due, (uint32_t)(now + 60020)); /* from when it was due */
  assert_ptr_equal(f->s->hb[1].head, &a->hb);
  assert_ptr_equal(f->s->hb[1].tail, &b->hb);
  assert_int_equal(armed(f), (uint32_t)(now + 60020));
  /* b's pong arrives: back to the ping list, a alone awaits its pong. */
  sio__eio_packet_t pong = {.type = SIO__EIO_PONG};
  assert_int_equal(sio__eio_socket_on_packet(b, &pong), 0);
  assert_int_equal(b->hb_wait, SIO__EIO_HB_PING);
  assert_ptr_equal(f->s->hb[1].head, &a->hb);
  assert_null(a->hb.next);
  assert_int_equal(armed(f), (uint32_t)(now + 60020));
  sio__eio_hb_set(a, SIO__EIO_HB_PONG, sio__now_ms(&f->loop) + 10);
  while (a->state == SIO__EIO_OPEN_STATE) turn(f);
  assert_int_equal(a->state, SIO__EIO_CLOSED_STATE);
  assert_int_equal(f->closes, 1);
  assert_string_equal(f->reason, "ping timeout");
  assert_int_equal(a->hb_wait, SIO__EIO_HB_NONE);
  assert_null(f->s->hb[1].head);
  assert_int_equal(b->state, SIO__EIO_OPEN_STATE);
  assert_int_equal(armed(f), b->hb_due);
  sio__eio_socket_unref(a);
  sio__eio_socket_destroy(b, "test", SIO__EIO_BY_SERVER);
  sio__eio_socket_unref(b);
  fixture_free(f);
}

/* v3: the client's ping pushes its deadline pingInterval + pingTimeout
 * away (the session moves to the tail); a silent client's session closes. */
static void v3_client_ping_rearms(void **state) {
  (void)state;
  fixture_t *f = fixture_new(300000, 60000);
  f->s->pong = sio__eio_msg_new(SIO__EIO_PONG, 0, NULL, 0, 0);
  assert_non_null(f->s->pong);
  uint64_t now = sio__now_ms(&f->loop);
  sio_eio_socket_t *a = session_new(f, "a"), *b = session_new(f, "b");
  a->v3 = b->v3 = 1;
  sio__eio_hb_set(a, SIO__EIO_HB_V3, now + 40);
  sio__eio_hb_set(b, SIO__EIO_HB_V3, now + 40);
  sio__eio_packet_t ping = {.type = SIO__EIO_PING};
  assert_int_equal(sio__eio_socket_on_packet(a, &ping), 0);
  assert_ptr_equal(f->s->hb[2].head, &b->hb);
  assert_ptr_equal(f->s->hb[2].tail, &a->hb);
  assert_false(sio__eio_due_before(a->hb_due, (uint32_t)(now + 360000)));
  while (b->state == SIO__EIO_OPEN_STATE) turn(f);
  assert_string_equal(f->reason, "ping timeout");
  assert_ptr_equal(f->s->hb[2].head, &a->hb);
  sio__eio_socket_unref(b);
  sio__eio_socket_destroy(a, "test", SIO__EIO_BY_SERVER);
  sio__eio_socket_unref(a);
  sio__eio_msg_unref(f->s->pong);
  fixture_free(f);
}

/* Closing the server's sessions (as its close does) empties every list and
 * stops the timer; so does a session's graceful close (CLOSING). */
static void server_close_empties_the_lists(void **state) {
  (void)state;
  fixture_t *f = fixture_new(25000, 20000);
  uint64_t now = sio__now_ms(&f->loop);
  sio_eio_socket_t *socks[6];
  for (int i = 0; i < 6; i++) {
    char sid[2] = {(char)('a' + i), 0};
    socks[i] = session_new(f, sid);
    sio__eio_hb_set(socks[i], (unsigned)(1 + i % 3), now + 1000 * (uint64_t)(i + 1));
  }
  assert_int_equal(armed(f), (uint32_t)(now + 1000));
  sio__eio_server_close_sessions(f->s, "server shutting down");
  assert_int_equal(f->closes, 6);
  for (int k = 0; k < SIO__EIO_HB_KINDS; k++) assert_null(f->s->hb[k].head);
  uint32_t none;
  assert_false(sio__eio_hb_armed(f->s, &none));
  for (int i = 0; i < 6; i++) {
    assert_int_equal(socks[i]->hb_wait, SIO__EIO_HB_NONE);
    sio__eio_socket_unref(socks[i]);
  }
  fixture_free(f);
}

/* Intervals past the lists' 32-bit range are capped: a deadline never
 * wraps past the clock. */
static void intervals_are_capped(void **state) {
  (void)state;
  fixture_t *f = fixture_new(UINT32_MAX, UINT32_MAX);
  uint64_t sum = (uint64_t)f->s->opts.ping_interval + f->s->opts.ping_timeout;
  assert_true(sum <= ((uint64_t)1 << 30));
  assert_true(f->s->opts.ping_interval > 0);
  fixture_free(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(list_keeps_deadline_order),
      cmocka_unit_test(list_removes_anywhere),
      cmocka_unit_test(list_orders_across_the_wrap),
      cmocka_unit_test(timer_follows_earliest_head),
      cmocka_unit_test(timer_pings_then_times_out),
      cmocka_unit_test(v3_client_ping_rearms),
      cmocka_unit_test(server_close_empties_the_lists),
      cmocka_unit_test(intervals_are_capped),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
