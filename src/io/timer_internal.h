/* The timers of one loop (timer.h), for the files of src/io only: one
 * uv_timer_t armed for the earliest deadline of a binary min-heap of timer
 * nodes. The loop's state (io_loop.c) holds one set. */
#ifndef SIO_IO_TIMER_INTERNAL_H
#define SIO_IO_TIMER_INTERNAL_H

#include "io/io_loop.h"
#include "io/timer.h"

typedef struct {
  uv_timer_t h;
  sio__timer_t **heap; /* n active timers, earliest first; cap >= count */
  uint32_t n, cap;
  uint32_t count;     /* timers initialised on the set (active or not) */
  uint32_t seq;       /* next start number */
  uint64_t armed_due; /* what h fires at; UINT64_MAX while h is stopped */
  int firing;         /* inside the expiry pass */
} sio__timers_t;

/* Initialises set on loop (no allocation). */
void sio__timers_init(sio__timers_t *set, uv_loop_t *loop);
/* Closes the set's handle once no timer is left on it (count 0); cb runs
 * from the loop when the handle is closed (uv_close semantics). */
void sio__timers_close(sio__timers_t *set, uv_close_cb cb);
/* The set of io (io_loop.c). */
sio__timers_t *sio__io_timers(sio__io_t *io);

/* Initialises t on io without taking a reference of io (the owner, e.g. a
 * stream, holds one for t's lifetime). 0, or SIO_ENOMEM (t is zeroed). Undo
 * with sio__timer_clear. */
int sio__timer_init_io(sio__timer_t *t, sio__io_t *io, sio__timer_cb cb, void *arg);

#endif
