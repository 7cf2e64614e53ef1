/* A loop run by a thread of its own (the simple client's), and its fallback
 * in the caller's thread when no thread can be started.
 *
 * The thread takes no asynchronous signal. Above all SIGPIPE: the loop's
 * thread writes to the sockets, and a write to a connection the peer has
 * closed and then reset raises SIGPIPE, whose default action ends the whole
 * program without a word. Held back, the write fails with EPIPE instead, a
 * transport error like any other. The other signals are left to the
 * application's own threads (its handlers never run on this one). Faults stay
 * deliverable: blocking them is undefined. */
#ifndef SIO_IO_LOOP_THREAD_H
#define SIO_IO_LOOP_THREAD_H

typedef struct uv_loop_s uv_loop_t;
typedef struct sio__loop_thread sio__loop_thread_t;

/* Starts a thread that runs loop (borrowed: until joined) until nothing is
 * left to wait for, with every asynchronous signal blocked. The caller's own
 * signal mask is unchanged afterwards. Returns 0 and *out, SIO_ENOMEM, or a
 * libuv error (no thread then). */
int sio__loop_thread_start(uv_loop_t *loop, sio__loop_thread_t **out);

/* Waits until the thread's run of the loop returned, then frees t. Not from
 * the loop's own thread. */
void sio__loop_thread_join(sio__loop_thread_t *t);

/* Runs loop in the calling thread until nothing is left to wait for, with
 * SIGPIPE held back meanwhile; one that became pending is dropped before the
 * caller's mask returns. For when no thread could be started. */
void sio__loop_run_here(uv_loop_t *loop);

#endif
