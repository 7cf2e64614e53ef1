/* Two loop services for the layers above io and for add-on libraries (through
 * sio/server.h): a repeating timer with a handle of its own that does not
 * keep the loop alive, and work run on libuv's thread pool. Everything but
 * the work function runs on the loop's thread. */
#ifndef SIO_IO_BACKGROUND_H
#define SIO_IO_BACKGROUND_H

#include <stdint.h>

typedef struct uv_loop_s uv_loop_t;
typedef struct sio__interval sio__interval_t;

/* Calls cb(arg) every every_ms milliseconds on loop until closed. Unlike
 * src/io/timer.h's timers it does not keep the loop alive by itself (a
 * statistics tick must not hold a finished program open). 0 and *out, or
 * SIO_ENOMEM / a libuv error. */
int sio__interval_start(uv_loop_t *loop, uint64_t every_ms, void (*cb)(void *arg),
                        void *arg, sio__interval_t **out);
/* Stops t at once (cb never runs again) and frees it once its handle is
 * closed, then calls closed(arg) if not NULL (from the loop, later). */
void sio__interval_close(sio__interval_t *t, void (*closed)(void *arg));

/* Runs work(arg) on libuv's thread pool, then done(arg, ok) on the loop's
 * thread (ok 0 if the work was cancelled). 0, or SIO_ENOMEM / a libuv
 * error, and then neither function runs. */
int sio__work_queue(uv_loop_t *loop, void (*work)(void *arg),
                    void (*done)(void *arg, int ok), void *arg);

#endif
