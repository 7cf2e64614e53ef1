/* libsio-redis: what the adapter, the emitter and the connections need from
 * the event loop (timers, the loop's clock, random bytes), so that only
 * redis_conn_uv.c, which also owns the Redis sockets, talks to libuv.
 *
 * Everything runs on the loop's thread. */
#ifndef SIO_REDIS_LOOP_H
#define SIO_REDIS_LOOP_H

#include <stddef.h>
#include <stdint.h>

/* The application's libuv loop (uv_loop_t), opaque here. */
struct uv_loop_s;
typedef struct uv_loop_s sio__redis_loop_t;

typedef struct sio__redis_timer sio__redis_timer_t;
typedef void (*sio__redis_timer_cb)(void *data);

/* A stopped timer on loop whose callbacks get data. NULL if out of memory.
 * It keeps the loop alive while it exists: close it with
 * sio__redis_timer_close. */
sio__redis_timer_t *sio__redis_timer_new(sio__redis_loop_t *loop, void *data);
/* (Re)starts t: cb(data) after ms, then every repeat ms (0: once). Start and
 * stop do nothing on NULL (a timer its owner already closed). */
void sio__redis_timer_start(sio__redis_timer_t *t, sio__redis_timer_cb cb, uint64_t ms,
                            uint64_t repeat);
void sio__redis_timer_stop(sio__redis_timer_t *t);
/* Stops t and lets it go: closed(arg) (closed may be NULL) runs later on the
 * loop, once the loop no longer uses it, and t is freed then. NULL-safe. */
void sio__redis_timer_close(sio__redis_timer_t *t, sio__redis_timer_cb closed, void *arg);

/* The loop's time in ms (updated at the start of each loop iteration). */
uint64_t sio__redis_now(sio__redis_loop_t *loop);
/* A monotonic clock in ns, for seeding. */
uint64_t sio__redis_hrtime(void);
/* n random bytes from the system. 0, or -1 if none are available. */
int sio__redis_random(void *buf, size_t n);

#endif
