/* A TCP connection on the loop, the unit the HTTP server, the WebSocket
 * connections and the client write through: a nonblocking socket the stream
 * reads, writes and closes itself, watched by a libuv poll handle (readable
 * while the owner reads, writable only while the socket refuses queued
 * bytes).
 *
 * Reads: bytes land in the loop-wide read buffer (io_loop.h) and are handed to
 * on_read, valid only during the call; an owner that needs them later (an
 * incomplete request or frame) copies them. An idle stream holds no buffer.
 *
 * Writes: a queue of rbuf slices (a reference, an offset, a length), so one
 * buffer can be queued on many streams without copying. Writes queued during
 * a callback of this stream leave in one gather write when the callback
 * returns; writes queued from anywhere else leave before the loop
 * blocks again. Queued bytes are capped: a write that finds the queue already
 * holding the cap fails with SIO_ELIMIT and on_error(SIO_ELIMIT) follows, so
 * a peer that does not read cannot grow memory past the cap plus one write.
 *
 * Ownership: one owner at a time sets the callbacks; an HTTP connection hands
 * its stream to a WebSocket connection by setting new ones. Closing is
 * asynchronous and idempotent; on_close runs last, then the stream is freed.
 * Callbacks never run from inside a call into this API (errors found there are
 * reported from the loop), so an owner may close or free itself from any
 * callback. Everything runs on the loop's thread. */
#ifndef SIO_IO_STREAM_H
#define SIO_IO_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "core/rbuf.h"

typedef struct uv_loop_s uv_loop_t; /* the loop is all the layers above see */

typedef struct sio__stream sio__stream_t;

/* The error on_error reports when the peer closed its side (libuv's UV_EOF,
 * checked in stream.c), so owners can tell it from a failure. */
#define SIO__STREAM_EOF (-4095)

typedef struct {
  /* Bytes arrived; data points into the loop-wide read buffer and is valid
   * (and mutable) only during the call. */
  void (*on_read)(sio__stream_t *s, void *arg, uint8_t *data, size_t len);
  /* The stream is no longer usable: SIO__STREAM_EOF (the peer closed its side), a
   * read/write error (a negative errno, libuv's code), or SIO_ELIMIT (write queue over
   * its cap). Runs at most once; the owner then closes the stream. Reading is stopped. */
  void (*on_error)(sio__stream_t *s, void *arg, int err);
  /* The stream's timer fired (sio__stream_timer_start). May be NULL. */
  void (*on_timer)(sio__stream_t *s, void *arg);
  /* Runs once from the loop after sio__stream_defer. May be NULL. */
  void (*on_defer)(sio__stream_t *s, void *arg);
  /* The last call: the stream is closed and freed right after it returns. */
  void (*on_close)(sio__stream_t *s, void *arg);
} sio__stream_cbs_t;

/* Connects to ip:port (an IPv4 or IPv6 literal; resolving names is the
 * caller's business). Returns the new stream at once, owned by the caller
 * (set its callbacks; it may be closed at any time), or NULL (bad address or
 * out of memory). cb runs once from the loop, unless the stream is closed
 * first: status 0 when connected (start reading then), or a libuv error (then
 * close the stream). */
typedef void (*sio__stream_connect_cb)(sio__stream_t *s, void *arg, int status);
sio__stream_t *sio__stream_connect(uv_loop_t *loop, const char *ip, int port,
                                   sio__stream_connect_cb cb, void *arg);

/* Same for host, an IP literal (connects at once) or a name looked up with
 * uv_getaddrinfo off the loop's thread, afresh on every call (so a DNS
 * change is seen by the next connection); the first address found is used.
 * host is borrowed for the call. A failed lookup reaches cb as SIO_ENOENT
 * (logged). Closing the stream during the lookup cancels it. */
sio__stream_t *sio__stream_connect_host(uv_loop_t *loop, const char *host, int port,
                                        sio__stream_connect_cb cb, void *arg);

/* 1 if host is an IPv4 or IPv6 address literal (no brackets), 0 if not (a
 * name). */
int sio__stream_is_ip_literal(const char *host);

/* Sets the owner's callbacks (borrowed: a static table, which must outlive
 * the stream) and their argument. */
void sio__stream_set_cbs(sio__stream_t *s, const sio__stream_cbs_t *cbs, void *arg);

/* Starts / stops delivering reads. Returns 0 or a libuv error. */
int sio__stream_read_start(sio__stream_t *s);
void sio__stream_read_stop(sio__stream_t *s);

/* The write-queue cap in bytes (0 = none; larger than 4 GiB - 1: that).
 * Default 4 MiB. */
void sio__stream_set_max_queue(sio__stream_t *s, size_t max);

/* Queues len bytes of b from off; takes its own reference of b (the caller
 * keeps its own). Returns 0, SIO_ELIMIT (the queue was at the cap: the stream
 * is failed and on_error follows), SIO_ENOMEM, SIO_EMSGSIZE (off + len past
 * 4 GiB), or SIO_ECLOSED (closing or failed stream). */
int sio__stream_write(sio__stream_t *s, sio__rbuf_t *b, size_t off, size_t len);
/* Same with a copy of p. */
int sio__stream_write_copy(sio__stream_t *s, const void *p, size_t len);
/* Bytes queued and not yet taken by the socket. */
size_t sio__stream_queued(const sio__stream_t *s);

/* Fires on_timer once after ms (restarts it if running); stop cancels it. */
void sio__stream_timer_start(sio__stream_t *s, uint64_t ms);
void sio__stream_timer_stop(sio__stream_t *s);

/* Asks for one on_defer call from the loop (before it blocks again). */
void sio__stream_defer(sio__stream_t *s);

/* Closes at once; queued bytes are dropped. With reset, the peer gets an RST
 * (used for peers that do not read). Idempotent. */
void sio__stream_close(sio__stream_t *s, int reset);
/* Lets go of s: closes it at once and no callback of its owner runs again
 * (an error or close still in flight goes nowhere). */
void sio__stream_abandon(sio__stream_t *s);
/* Closes gracefully: writes what is queued, shuts the sending side down, then
 * reads and discards until the peer closes too or linger_ms passes, so the
 * peer receives the last response before the connection goes (no RST on
 * unread input). The owner gets no callback but on_close afterwards. */
void sio__stream_end(sio__stream_t *s, uint64_t linger_ms);
/* 1 once close or end was called (or the stream failed). */
int sio__stream_is_closing(const sio__stream_t *s);

/* The pool of blocks of size bytes of s's loop (io_loop.h: the loop's pools),
 * for objects that live as long as a connection (a WebSocket connection).
 * Loop thread only. NULL if out of memory or the loop pools enough other
 * sizes already; the pool outlives s while blocks are out. */
struct sio__pool *sio__stream_pool(sio__stream_t *s, size_t size);

/* A call that runs once when the stream is finally closed, after the owner's
 * on_close, whoever owns the stream then: set_cbs (an HTTP connection handing
 * its stream to a WebSocket) does not touch it. Used to release per-IP
 * connection counts. One hook per stream; set it again to replace it. The
 * hook is the caller's, embedded in its own state (fn finds that state from
 * the hook's address), and must live until fn has run: the stream keeps
 * only its pointer (8 bytes a connection, not a function and an argument). */
typedef struct sio__close_hook {
  void (*fn)(struct sio__close_hook *hook);
} sio__close_hook_t;
void sio__stream_set_close_hook(sio__stream_t *s, sio__close_hook_t *hook);

/* ---- moving a connection to another loop ----
 *
 * A stream's connection (its socket, its TLS state, its per-IP count) can
 * leave its loop and become a new stream on another loop, possibly run by
 * another thread: export on the old loop's thread, hand the record over
 * (a post: io/post.h), adopt on the new loop's thread. The record is plain
 * memory owned by whoever holds it; nothing of it stays on the old loop. */
typedef struct sio__stream_export sio__stream_export_t;

/* Stops s and takes its connection out of it into *out. The bytes still
 * queued are tried once at once; what the socket did not take travels with
 * the record and leaves first on the new stream. On success s is closed (no
 * callback of its owner runs again, its close hook does not run: the record
 * carries it) and freed from the loop. Returns 0, SIO_ECLOSED (closing,
 * connecting or failed stream: nothing changed) or SIO_ENOMEM (nothing
 * changed). */
int sio__stream_export(sio__stream_t *s, sio__stream_export_t **out);
/* A new stream on loop for the connection of e, whose memory it takes. Set
 * its callbacks, start reading, then call sio__stream_resume. NULL (out of
 * memory, or the system refused the socket): e is untouched, still the
 * caller's. Loop thread. */
sio__stream_t *sio__stream_adopt(uv_loop_t *loop, sio__stream_export_t *e);
/* Delivers (through on_read) what a TLS layer had decrypted-ready before the
 * move; nothing for plain TCP. Call once after adopting, once the bytes that
 * came with the move were given to the owner. */
void sio__stream_resume(sio__stream_t *s);
/* Closes the connection of a record nobody will adopt and frees it (its
 * close hook runs: any thread). NULL is ignored. */
void sio__stream_export_drop(sio__stream_export_t *e);

/* The peer's address as "ip" (no port; "" if unknown), formatted into a
 * buffer of 64 bytes per thread: valid until the next call on this thread
 * (copy it to keep it). */
const char *sio__stream_remote_addr(const sio__stream_t *s);

#endif
