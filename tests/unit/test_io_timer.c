/* Unit tests for src/io/timer.c: the loop's timers share one uv_timer_t over
 * a heap of deadlines. Firing order (deadline, then start order), restart and
 * stop, a timer re-armed from its own callback, free from callbacks, embedded timers, and
 * a random mix checked against the deadlines. Every test ends with uv_loop_close() == 0
 * (the shared handle is closed once the last timer goes). No timing is asserted: only
 * orders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "io/timer.h"

static void run_all(uv_loop_t *loop) {
  for (int i = 0; i < 100000 && uv_run(loop, UV_RUN_DEFAULT); i++) {
  }
  assert_int_equal(uv_loop_close(loop), 0);
}

/* ---- firing order ---- */

typedef struct {
  char order[16];
  int n;
} log_t;

typedef struct {
  log_t *log;
  char name;
  sio__timer_t *t;
} tagged_t;

static void log_fire(sio__timer_t *t, void *arg) {
  tagged_t *tg = arg;
  assert_ptr_equal(t, tg->t);
  assert_false(sio__timer_is_active(t)); /* inside its own callback: stopped */
  tg->log->order[tg->log->n++] = tg->name;
}

static void test_order_ties_restart_stop(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  log_t log = {{0}, 0};
  tagged_t tg[5];
  const char names[] = "ABCDE";
  for (int i = 0; i < 5; i++) {
    tg[i].log = &log;
    tg[i].name = names[i];
    tg[i].t = sio__timer_new(&loop, log_fire, &tg[i]);
    assert_non_null(tg[i].t);
  }
  /* The loop time does not move between these starts: equal durations are
   * equal deadlines, fired in start order. */
  sio__timer_start(tg[0].t, 20); /* A */
  sio__timer_start(tg[1].t, 5);  /* B */
  sio__timer_start(tg[2].t, 20); /* C */
  sio__timer_start(tg[3].t, 0);  /* D */
  sio__timer_start(tg[4].t, 1);  /* E, stopped below */
  sio__timer_start(tg[0].t, 30); /* A restarted: now last */
  assert_true(sio__timer_is_active(tg[4].t));
  sio__timer_stop(tg[4].t);
  sio__timer_stop(tg[4].t); /* idempotent */
  assert_false(sio__timer_is_active(tg[4].t));
  sio__timer_stop(NULL);
  while (uv_run(&loop, UV_RUN_ONCE)) {
  }
  assert_string_equal(log.order, "DBCA");
  for (int i = 0; i < 5; i++) sio__timer_free(tg[i].t);
  run_all(&loop);
}

/* ---- re-arming from the callback ---- */

typedef struct {
  sio__timer_t *t;
  int fired;
} rearm_t;

static void rearm_zero(sio__timer_t *t, void *arg) {
  rearm_t *r = arg;
  r->fired++;
  if (r->fired < 5)
    sio__timer_start(t, 0);
  else
    sio__timer_free(t);
}

static void test_rearm_from_callback(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  rearm_t r = {NULL, 0};
  r.t = sio__timer_new(&loop, rearm_zero, &r);
  assert_non_null(r.t);
  sio__timer_start(r.t, 0);
  run_all(&loop);
  assert_int_equal(r.fired, 5);
}

/* ---- freeing and stopping from callbacks ---- */

typedef struct {
  sio__timer_t *self, *other;
  int fired_self, fired_other;
} pair_t;

static void stop_other(sio__timer_t *t, void *arg) {
  pair_t *p = arg;
  p->fired_self++;
  /* other is due in this same pass; freed before it fires, it never does */
  sio__timer_free(p->other);
  p->other = NULL;
  sio__timer_free(t);
  p->self = NULL;
}

static void count_other(sio__timer_t *t, void *arg) {
  (void)t;
  ((pair_t *)arg)->fired_other++;
}

static void test_free_from_callbacks(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  pair_t p = {NULL, NULL, 0, 0};
  p.self = sio__timer_new(&loop, stop_other, &p);
  p.other = sio__timer_new(&loop, count_other, &p);
  sio__timer_start(p.self, 1);
  sio__timer_start(p.other, 1); /* same deadline, started later: fires after */
  run_all(&loop);
  assert_int_equal(p.fired_self, 1);
  assert_int_equal(p.fired_other, 0);
  assert_null(p.self);
}

/* ---- embedded timers ---- */

typedef struct {
  uv_loop_t *loop;
  int n;
} stopper_t;

/* Counts and stops the loop: uv_run returns with the other timer pending. */
static void count_stop(sio__timer_t *t, void *arg) {
  (void)t;
  stopper_t *st = arg;
  st->n++;
  uv_stop(st->loop);
}

static void test_embedded(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  stopper_t st = {&loop, 0};
  sio__timer_t a, b;
  assert_int_equal(sio__timer_init(&a, &loop, count_stop, &st), 0);
  assert_int_equal(sio__timer_init(&b, &loop, count_stop, &st), 0);
  sio__timer_start(&a, 1);
  sio__timer_start(&b, 100000);
  uv_run(&loop, UV_RUN_DEFAULT); /* until a stops it */
  assert_int_equal(st.n, 1);
  assert_true(sio__timer_is_active(&b));
  sio__timer_clear(&b); /* stops it: the loop has nothing left to wait for */
  sio__timer_clear(&b);
  sio__timer_clear(&a);
  run_all(&loop);
  assert_int_equal(st.n, 1);
  sio__timer_t zero;
  memset(&zero, 0, sizeof(zero));
  sio__timer_clear(&zero); /* a zeroed timer is ignored */
}

/* ---- a random mix, checked against the deadlines ---- */

#define MANY 600

typedef struct {
  uv_loop_t *loop;
  sio__timer_t *t[MANY];
  uint64_t due[MANY]; /* loop time it was started for */
  uint64_t seq[MANY]; /* start order */
  int fired[MANY];
  int stopped[MANY];
  uint64_t last_due, last_seq;
  int nfired, bad;
} mix_t;

typedef struct {
  mix_t *m;
  int i;
} mix_arg_t;

static mix_arg_t g_args[MANY];

static void mix_fire(sio__timer_t *t, void *arg) {
  (void)t;
  mix_arg_t *a = arg;
  mix_t *m = a->m;
  int i = a->i;
  /* never early, never stopped, never twice, and in (deadline, start) order */
  if (m->fired[i] || m->stopped[i] || uv_now(m->loop) < m->due[i]) m->bad++;
  if (m->due[i] < m->last_due || (m->due[i] == m->last_due && m->seq[i] < m->last_seq))
    m->bad++;
  m->last_due = m->due[i];
  m->last_seq = m->seq[i];
  m->fired[i] = 1;
  m->nfired++;
}

static void test_random_mix(void **state) {
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  static mix_t m;
  memset(&m, 0, sizeof(m));
  m.loop = &loop;
  srand(12345);
  uint64_t seq = 0;
  for (int i = 0; i < MANY; i++) {
    g_args[i].m = &m;
    g_args[i].i = i;
    m.t[i] = sio__timer_new(&loop, mix_fire, &g_args[i]);
    assert_non_null(m.t[i]);
  }
  uint64_t now = uv_now(&loop);
  for (int i = 0; i < MANY; i++) {
    uint64_t ms = (uint64_t)(rand() % 8);
    sio__timer_start(m.t[i], ms);
    m.due[i] = now + ms;
    m.seq[i] = seq++;
  }
  /* Restart a third (new deadline, new start order), stop a sixth. */
  for (int i = 0; i < MANY; i += 3) {
    uint64_t ms = (uint64_t)(rand() % 8);
    sio__timer_start(m.t[i], ms);
    m.due[i] = now + ms;
    m.seq[i] = seq++;
  }
  int nstopped = 0;
  for (int i = 1; i < MANY; i += 6) {
    sio__timer_stop(m.t[i]);
    m.stopped[i] = 1;
    nstopped++;
  }
  while (uv_run(&loop, UV_RUN_ONCE)) {
  }
  assert_int_equal(m.bad, 0);
  assert_int_equal(m.nfired, MANY - nstopped);
  for (int i = 0; i < MANY; i++) sio__timer_free(m.t[i]);
  run_all(&loop);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order_ties_restart_stop),
      cmocka_unit_test(test_rearm_from_callback),
      cmocka_unit_test(test_free_from_callbacks),
      cmocka_unit_test(test_embedded),
      cmocka_unit_test(test_random_mix),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
