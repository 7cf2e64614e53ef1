/* Timers for the layers above io, so they need not include <uv.h>. */
#ifndef SIO_IO_TIMER_H
#define SIO_IO_TIMER_H

#include <stdint.h>
#include <uv.h>

typedef struct sio__timer sio__timer_t;
typedef void (*sio__timer_cb)(sio__timer_t *t, void *arg);

/* A stopped timer on loop; NULL if out of memory. */
sio__timer_t *sio__timer_new(uv_loop_t *loop, sio__timer_cb cb, void *arg);
/* (Re)starts it to fire once after ms milliseconds. */
void sio__timer_start(sio__timer_t *t, uint64_t ms);
/* Stops it if running. NULL is ignored. */
void sio__timer_stop(sio__timer_t *t);
/* 1 while started and not yet fired or stopped (inside its own callback: 0). */
int sio__timer_is_active(const sio__timer_t *t);
/* Stops it and frees it (asynchronously; the callback never runs again). NULL ok. */
void sio__timer_free(sio__timer_t *t);
/* Milliseconds on the monotonic clock (uv_hrtime), never cached: deadlines
 * checked when a request arrives must be exact. */
uint64_t sio__now_ms(uv_loop_t *loop);

#endif
