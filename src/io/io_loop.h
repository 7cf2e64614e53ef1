/* Per-loop I/O state shared by every stream of one uv_loop_t: the one read
 * buffer all reads land in, the list of streams with work to do before the
 * loop blocks again (coalesced writes, deferred errors and resumes), a spare
 * write-queue array, and the loop's timers (timer_internal.h).
 *
 * The loop belongs to the user (its data field too), so the state lives in a
 * small process-wide registry keyed on the loop, reference-counted by the
 * listeners, streams and timers that use it. Looking it up takes a mutex
 * (loops may run on several threads); using it afterwards does not (one
 * loop, one thread). */
#ifndef SIO_IO_LOOP_H
#define SIO_IO_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SIO__IO_READ_BUF_SIZE (64 * 1024)

typedef struct sio__io sio__io_t;
struct sio__stream;
struct sio__pool;

/* Block sizes one loop pools (sio__io_pool). */
#define SIO__IO_POOLS 6

/* The state of loop (borrowed; must outlive every reference), created on first
 * use; adds a reference. NULL if out of memory. */
sio__io_t *sio__io_acquire(uv_loop_t *loop);
/* Drops a reference; the last one closes the state's idle handle (the loop
 * must run once more to finish that) and frees it. NULL is ignored. */
void sio__io_release(sio__io_t *io);
uv_loop_t *sio__io_loop(const sio__io_t *io);

/* The loop-wide read buffer for a libuv alloc callback. A read callback must
 * give it back (sio__io_read_buf_put) before returning; if it is already lent
 * out (never expected: libuv reads one stream at a time), a heap buffer is
 * handed out instead and freed by put. */
void sio__io_read_buf_get(sio__io_t *io, uv_buf_t *buf);
void sio__io_read_buf_put(sio__io_t *io, const uv_buf_t *buf);

/* Write-queue arrays (sio__slice_t, 16 bytes each) for streams whose queue
 * outgrew its inline slices: a burst of replies to one read takes the loop's
 * spare array instead of allocating one, and gives it back when its queue
 * empties. take returns an array of at least n slices (*cap set), or NULL
 * (then allocate); give keeps q as the spare when there is none and it is
 * not too large, else frees it. */
void *sio__io_take_slices(sio__io_t *io, uint32_t n, uint32_t *cap);
void sio__io_give_slices(sio__io_t *io, void *q, uint32_t cap);

/* Puts s on the list of streams to service before the loop blocks (see
 * sio__stream_service in stream.c); idempotent. */
void sio__io_schedule(sio__io_t *io, struct sio__stream *s);
/* Takes s off that list; idempotent. */
void sio__io_unschedule(sio__io_t *io, struct sio__stream *s);

/* The loop's pool of blocks of size bytes (core/pool.h; sizes equal once
 * rounded up to 8 share one), for what a connection on this loop keeps while
 * it lives (its stream, the protocol state on it): made on first use, closed
 * with the loop's state (a block still out then keeps its pool until it is
 * freed). Loop thread only. NULL if out of memory, or if the loop already
 * pools SIO__IO_POOLS other sizes (a fixed handful of object kinds use it). */
struct sio__pool *sio__io_pool(sio__io_t *io, size_t size);

#endif
