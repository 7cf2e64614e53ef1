/* Timers for the layers above io, so they need not include <uv.h>.
 *
 * Every timer of a loop shares one uv_timer_t (src/io/timer_internal.h): a timer
 * is a 40-byte node in the loop's deadline heap, not a libuv handle of its
 * own (152 bytes, a libuv heap node too). A session holds several timers
 * (heartbeat, connect, stream), so this is per-connection memory. Deadlines
 * count in loop time (uv_now) exactly as uv_timer_start does, and timers due
 * at the same millisecond fire in the order they were started, as libuv's
 * own. Everything runs on the loop's thread. */
#ifndef SIO_IO_TIMER_H
#define SIO_IO_TIMER_H

#include <stdint.h>

typedef struct uv_loop_s uv_loop_t; /* the loop is all the layers above see */

typedef struct sio__timer sio__timer_t;
typedef void (*sio__timer_cb)(sio__timer_t *t, void *arg);

struct sio__io;

/* Fields are private to timer.c; visible so an owner can embed a timer
 * (sio__timer_init) instead of allocating one. */
struct sio__timer {
  struct sio__io *io; /* the loop's state (a reference unless borrowed) */
  sio__timer_cb cb;
  void *arg;
  uint64_t due;         /* loop time (ms) it fires at, while active */
  uint32_t slot : 31;   /* position in the heap + 1; 0 while stopped */
  uint32_t owns_io : 1; /* io is a reference of the timer's own */
  uint32_t seq;         /* start order: the earlier start fires first on a tie */
};

/* A stopped timer on loop, allocated; NULL if out of memory. */
sio__timer_t *sio__timer_new(uv_loop_t *loop, sio__timer_cb cb, void *arg);
/* Stops it and frees it (at once; the callback never runs again, and it may
 * be called from the timer's own callback). NULL is ignored. */
void sio__timer_free(sio__timer_t *t);

/* Same as sio__timer_new in memory of the caller's (t, which must not move
 * until sio__timer_clear). 0, or SIO_ENOMEM (t is then cleared: clearing it
 * again is harmless). */
int sio__timer_init(sio__timer_t *t, uv_loop_t *loop, sio__timer_cb cb, void *arg);
/* Stops an initialised timer and lets go of the loop; its memory is the
 * caller's again. Idempotent; a zeroed timer is ignored. */
void sio__timer_clear(sio__timer_t *t);

/* (Re)starts it to fire once after ms milliseconds of loop time. */
void sio__timer_start(sio__timer_t *t, uint64_t ms);
/* Stops it if running. NULL is ignored. */
void sio__timer_stop(sio__timer_t *t);
/* 1 while started and not yet fired or stopped (inside its own callback: 0). */
int sio__timer_is_active(const sio__timer_t *t);
/* Milliseconds on the monotonic clock (uv_hrtime), never cached: deadlines
 * checked when a request arrives must be exact. */
uint64_t sio__now_ms(uv_loop_t *loop);

#endif
