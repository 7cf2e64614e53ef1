/* A loop the library makes for itself (a server without the user's loop, the
 * simple client's private loop), so the layers above io never call libuv to
 * create, run or end one. See loop_thread.h to run one on a thread. */
#ifndef SIO_IO_OWN_LOOP_H
#define SIO_IO_OWN_LOOP_H

typedef struct uv_loop_s uv_loop_t;

/* A new loop, allocated and initialised. Returns 0 and *out, SIO_ENOMEM, or a
 * libuv error. Free it with sio__own_loop_free. */
int sio__own_loop_new(uv_loop_t **out);

/* Runs loop in the calling thread until nothing is left to wait for (every
 * handle closed) or uv_stop() is called on it. Returns 0 when nothing is left,
 * 1 when stopped with handles still active. */
int sio__own_loop_run(uv_loop_t *loop);

/* Lets the handles being closed finish (runs the loop until nothing is left),
 * then ends loop and frees it. Returns 0, or SIO_EBUSY when a handle is still
 * open on it (someone else's: the loop is then left allocated, not ended).
 * NULL is ignored (0). */
int sio__own_loop_free(uv_loop_t *loop);

#endif
