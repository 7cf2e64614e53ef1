/* Jobs handed to a loop from any thread: the thread-safe way into the loop's
 * thread (the server's sio_server_post, the simple client's blocking calls).
 *
 * A job is the caller's memory (embed sio__post_job_t in it): posting takes no
 * allocation and cannot fail for lack of memory. Accepted jobs run on the
 * loop's thread, one at a time, in the order they were posted; several posts
 * before the loop wakes up cost one wake-up. Every accepted job runs exactly
 * once, even across the close; a refused one never runs and the caller still
 * owns it. */
#ifndef SIO_IO_POST_H
#define SIO_IO_POST_H

typedef struct uv_loop_s uv_loop_t;

typedef struct sio__post sio__post_t;
typedef struct sio__post_job sio__post_job_t;

/* status: 0 from the loop as usual; SIO_ECANCELED when the job was still
 * waiting as the post closed (it runs from sio__post_close: the owner decides
 * whether to do the work or only to release it). */
typedef void (*sio__post_run_cb)(sio__post_job_t *j, int status);

struct sio__post_job {
  sio__post_job_t *next; /* private to post.c */
  sio__post_run_cb run;  /* set by the caller before posting */
};

/* A post on loop (borrowed: it must run until the post is closed). Returns 0
 * and *out, SIO_ENOMEM, or a libuv error. Loop thread (or before the loop
 * runs). */
int sio__post_new(uv_loop_t *loop, sio__post_t **out);

/* Any thread. Queues j (set j->run first; j must stay valid until it ran) and
 * wakes the loop. 0: j will run; SIO_ECLOSED: refused (refuse or close was
 * called), j is untouched and never runs. */
int sio__post_send(sio__post_t *p, sio__post_job_t *j);

/* Any thread. Every later send is refused; the jobs already accepted still run
 * from the loop as usual. Idempotent. */
void sio__post_refuse(sio__post_t *p);

/* Loop thread, once. Refuses later sends, runs the jobs still waiting at once
 * (status SIO_ECANCELED: they are what the close dropped from the loop), then
 * closes: closed (may be NULL) runs from the loop once the wake-up handle is
 * gone, and p is freed after it returns. A send from another thread until then
 * is refused, not undefined. */
void sio__post_close(sio__post_t *p, void (*closed)(void *arg), void *arg);

#endif
