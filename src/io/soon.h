/* One call, later, from the loop: for an owner whose completion callback must
 * never run from inside the call that asked for it (the HTTP server's close
 * with nothing else left to wait for). Made in advance, so asking for the
 * call cannot fail. */
#ifndef SIO_IO_SOON_H
#define SIO_IO_SOON_H

typedef struct uv_loop_s uv_loop_t;
typedef struct sio__soon sio__soon_t;

/* A call prepared on loop (borrowed). Holds nothing active: the loop is not
 * kept alive by it until sio__soon_run. NULL if out of memory. */
sio__soon_t *sio__soon_new(uv_loop_t *loop);

/* Once per s: fn(arg) runs from the loop on its next pass, never from inside
 * this call; the loop stays alive until then, and s is freed after fn returns.
 * fn may be NULL (then s is only freed). */
void sio__soon_run(sio__soon_t *s, void (*fn)(void *arg), void *arg);

#endif
