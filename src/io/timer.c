/* One uv_timer_t per loop, armed for the earliest of a heap of deadlines.
 *
 * Starting a timer is a heap insertion (a deadline later than every other
 * one, the usual case, stays at the bottom: no sift); stopping one is a heap
 * removal. The uv_timer_t is re-armed only when a start brings the earliest
 * deadline forward: after a stop it may fire early, find nothing due and
 * re-arm, which costs less than re-arming on every stop. It is stopped when
 * no timer is active, so an idle loop is not kept alive. */
#include "io/timer.h"

#include <string.h>

#include "core/alloc.h"
#include "io/timer_internal.h"
#include "sio/common.h"

#define NOT_ARMED UINT64_MAX
/* Slots of heap kept however few timers remain (no shrink below). */
#define MIN_CAP 16

/* a fires before b: earlier deadline, or the same one started earlier. */
static int before(const sio__timer_t *a, const sio__timer_t *b) {
  if (a->due != b->due) return a->due < b->due;
  return (int32_t)(a->seq - b->seq) < 0;
}

static void place(sio__timers_t *set, uint32_t i, sio__timer_t *t) {
  set->heap[i] = t;
  t->slot = i + 1;
}

static void sift_up(sio__timers_t *set, uint32_t i, sio__timer_t *t) {
  while (i > 0) {
    uint32_t p = (i - 1) / 2;
    if (!before(t, set->heap[p])) break;
    place(set, i, set->heap[p]);
    i = p;
  }
  place(set, i, t);
}

static void sift_down(sio__timers_t *set, uint32_t i, sio__timer_t *t) {
  for (;;) {
    uint32_t c = 2 * i + 1;
    if (c >= set->n) break;
    if (c + 1 < set->n && before(set->heap[c + 1], set->heap[c])) c++;
    if (!before(set->heap[c], t)) break;
    place(set, i, set->heap[c]);
    i = c;
  }
  place(set, i, t);
}

static void heap_remove(sio__timers_t *set, sio__timer_t *t) {
  uint32_t i = t->slot - 1;
  t->slot = 0;
  sio__timer_t *last = set->heap[--set->n];
  if (i == set->n) return;
  if (i > 0 && before(last, set->heap[(i - 1) / 2]))
    sift_up(set, i, last);
  else
    sift_down(set, i, last);
}

static void on_fire(uv_timer_t *h);

static void arm(sio__timers_t *set, uint64_t due) {
  uint64_t now = uv_now(set->h.loop);
  set->armed_due = due;
  uv_timer_start(&set->h, on_fire, due > now ? due - now : 0, 0);
}

/* After a pass or a stop: the handle fires for the earliest deadline (or
 * sooner), or is stopped when nothing is active. */
static void rearm(sio__timers_t *set) {
  if (set->n == 0) {
    if (set->armed_due != NOT_ARMED) uv_timer_stop(&set->h);
    set->armed_due = NOT_ARMED;
    return;
  }
  uint64_t due = set->heap[0]->due;
  if (set->armed_due > due) arm(set, due);
}

/* Fires every timer due now that was started before this pass began; one
 * started by a callback (even for 0 ms) waits for the handle's next expiry,
 * which libuv may run right away (its timers run until none is due). Timers
 * started before the pass and due by now all precede those started during
 * it in the heap (their deadlines are <= now <= any new deadline; ties go by
 * start order). */
static void on_fire(uv_timer_t *h) {
  sio__timers_t *set = h->data;
  uint64_t now = uv_now(h->loop);
  uint32_t pass = set->seq;
  set->armed_due = NOT_ARMED; /* a one-shot uv timer is stopped when it fires */
  set->firing = 1;
  while (set->n > 0) {
    sio__timer_t *t = set->heap[0];
    if (t->due > now || (int32_t)(t->seq - pass) >= 0) break;
    heap_remove(set, t);
    /* t may be restarted, stopped or freed by its callback. */
    t->cb(t, t->arg);
  }
  set->firing = 0;
  if (!uv_is_closing((uv_handle_t *)h)) rearm(set);
}

/* ---- the set ---- */

void sio__timers_init(sio__timers_t *set, uv_loop_t *loop) {
  memset(set, 0, sizeof(*set));
  uv_timer_init(loop, &set->h);
  set->h.data = set;
  set->armed_due = NOT_ARMED;
}

void sio__timers_close(sio__timers_t *set, uv_close_cb cb) {
  sio__free(set->heap);
  set->heap = NULL;
  set->n = set->cap = 0;
  uv_close((uv_handle_t *)&set->h, cb);
}

/* One more timer on the set: room for it in the heap, so that a start never
 * needs memory. */
static int set_add(sio__timers_t *set) {
  if (set->count == set->cap) {
    uint32_t ncap = set->cap ? set->cap * 2 : MIN_CAP;
    if (ncap < set->cap || ncap > (UINT32_MAX >> 2)) return SIO_ENOMEM;
    sio__timer_t **nh = sio__realloc(set->heap, ncap * sizeof(*nh));
    if (!nh) return SIO_ENOMEM;
    set->heap = nh;
    set->cap = ncap;
  }
  set->count++;
  return 0;
}

/* One timer less: a heap left mostly empty by a burst of connections shrinks
 * (a failed shrink keeps the larger array). */
static void set_del(sio__timers_t *set) {
  set->count--;
  if (set->cap > MIN_CAP && set->count < set->cap / 4) {
    uint32_t ncap = set->cap / 2;
    sio__timer_t **nh = sio__realloc(set->heap, ncap * sizeof(*nh));
    if (nh) {
      set->heap = nh;
      set->cap = ncap;
    }
  }
}

/* ---- timers ---- */

int sio__timer_init_io(sio__timer_t *t, sio__io_t *io, sio__timer_cb cb, void *arg) {
  memset(t, 0, sizeof(*t));
  if (set_add(sio__io_timers(io)) != 0) return SIO_ENOMEM;
  t->io = io;
  t->cb = cb;
  t->arg = arg;
  return 0;
}

int sio__timer_init(sio__timer_t *t, uv_loop_t *loop, sio__timer_cb cb, void *arg) {
  memset(t, 0, sizeof(*t));
  sio__io_t *io = sio__io_acquire(loop);
  if (!io) return SIO_ENOMEM;
  if (sio__timer_init_io(t, io, cb, arg) != 0) {
    sio__io_release(io);
    return SIO_ENOMEM;
  }
  t->owns_io = 1;
  return 0;
}

void sio__timer_clear(sio__timer_t *t) {
  if (!t->io) return;
  sio__timer_stop(t);
  sio__io_t *io = t->io;
  int owns = t->owns_io;
  t->io = NULL;
  set_del(sio__io_timers(io));
  if (owns) sio__io_release(io);
}

sio__timer_t *sio__timer_new(uv_loop_t *loop, sio__timer_cb cb, void *arg) {
  sio__timer_t *t = sio__malloc(sizeof(*t));
  if (t && sio__timer_init(t, loop, cb, arg) != 0) {
    sio__free(t);
    t = NULL;
  }
  return t;
}

void sio__timer_free(sio__timer_t *t) {
  if (!t) return;
  sio__timer_clear(t);
  sio__free(t);
}

void sio__timer_start(sio__timer_t *t, uint64_t ms) {
  sio__timers_t *set = sio__io_timers(t->io);
  uint64_t now = uv_now(set->h.loop);
  if (t->slot) heap_remove(set, t);
  t->due = ms > UINT64_MAX - now ? UINT64_MAX : now + ms;
  t->seq = set->seq++;
  set->n++;
  sift_up(set, set->n - 1, t);
  /* Inside a pass the handle is armed once the pass ends. */
  if (!set->firing && set->armed_due > t->due) arm(set, t->due);
}

void sio__timer_stop(sio__timer_t *t) {
  if (!t || !t->slot) return;
  sio__timers_t *set = sio__io_timers(t->io);
  heap_remove(set, t);
  if (!set->firing && set->n == 0) rearm(set);
}

int sio__timer_is_active(const sio__timer_t *t) {
  return t->slot != 0;
}

uint64_t sio__now_ms(uv_loop_t *loop) {
  (void)loop;
  return uv_hrtime() / 1000000u;
}
