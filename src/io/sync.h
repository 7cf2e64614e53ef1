/* A mutex, a condition variable and the monotonic clock, for code that shares
 * state between the loop's thread and the application's (the simple client).
 * Both objects are allocated, so their users need not see libuv's types. */
#ifndef SIO_IO_SYNC_H
#define SIO_IO_SYNC_H

#include <stdint.h>

typedef struct sio__mutex sio__mutex_t;
typedef struct sio__cond sio__cond_t;

/* NULL if out of memory (or the system refused one). Free with _free; NULL is
 * ignored there. Not recursive. */
sio__mutex_t *sio__mutex_new(void);
void sio__mutex_free(sio__mutex_t *m);
void sio__mutex_lock(sio__mutex_t *m);
void sio__mutex_unlock(sio__mutex_t *m);

sio__cond_t *sio__cond_new(void);
void sio__cond_free(sio__cond_t *c);
/* Wakes every waiter. */
void sio__cond_broadcast(sio__cond_t *c);
/* With m held: releases it while waiting, holds it again on return. Wakes may
 * be spurious: check the condition in a loop. */
void sio__cond_wait(sio__cond_t *c, sio__mutex_t *m);
/* Same, until deadline_ns at the latest (on sio__clock_ns). Returns 0 when
 * woken before it, SIO_ETIMEDOUT when the deadline has passed (at once if it
 * already had). */
int sio__cond_wait_until(sio__cond_t *c, sio__mutex_t *m, uint64_t deadline_ns);

/* Nanoseconds on the monotonic clock, from an arbitrary origin. */
uint64_t sio__clock_ns(void);

#endif
