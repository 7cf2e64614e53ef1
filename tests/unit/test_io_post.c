/* Unit tests for the io facilities that keep libuv out of the layers above:
 * src/io/post.c (jobs from any thread run on the loop in order, refuse and
 * close tell a refused job by SIO_ECLOSED and a dropped one by
 * SIO_ECANCELED), src/io/soon.c (the call never runs from inside the call
 * that asks for it), src/io/own_loop.c and src/io/loop_thread.c (a loop run
 * on a thread of its own, which blocks SIGPIPE, the caller's mask unchanged).
 * Every test ends with the loop closed (no handle left behind). No timing is
 * asserted. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "io/loop_thread.h"
#include "io/own_loop.h"
#include "io/post.h"
#include "io/soon.h"
#include "io/sync.h"
#include "sio/common.h"

/* ---- post ---- */

typedef struct {
  sio__post_job_t job; /* first: the job is the record */
  int n;               /* its place in its poster's order */
  int *ran;            /* jobs run so far, in order */
  int *order_ok;
  int status; /* the status it ran with, -1 before */
} num_job_t;

static void run_num(sio__post_job_t *j, int status) {
  num_job_t *nj = (num_job_t *)j;
  if (nj->n != *nj->ran) *nj->order_ok = 0;
  (*nj->ran)++;
  nj->status = status;
}

#define THREAD_JOBS 500

typedef struct {
  sio__post_t *p;
  num_job_t jobs[THREAD_JOBS];
  int ran, order_ok;
} poster_t;

static void *post_all(void *arg) {
  poster_t *ps = arg;
  for (int i = 0; i < THREAD_JOBS; i++) {
    num_job_t *nj = &ps->jobs[i];
    nj->job.run = run_num;
    nj->n = i;
    nj->ran = &ps->ran;
    nj->order_ok = &ps->order_ok;
    nj->status = -1;
    if (sio__post_send(ps->p, &nj->job) != 0) return NULL;
  }
  return NULL;
}

typedef struct {
  sio__post_t *p;
  poster_t *ps;
  int nps;
  int closed;
} closer_t;

static void on_post_closed(void *arg) {
  ((closer_t *)arg)->closed++;
}

/* A job that closes the post from the loop (the loop's last handle). */
typedef struct {
  sio__post_job_t job;
  closer_t *cl;
  int status; /* -1 before it ran */
} close_job_t;

static void run_close(sio__post_job_t *j, int status) {
  close_job_t *cj = (close_job_t *)j;
  cj->status = status;
  sio__post_close(cj->cl->p, on_post_closed, cj->cl);
}

/* Two threads post 500 jobs each while the loop runs on its own thread:
 * every job runs once, each thread's in its own order, all with status 0. */
static void test_post_from_threads(void **state) {
  (void)state;
  uv_loop_t *loop;
  assert_int_equal(sio__own_loop_new(&loop), 0);
  static poster_t ps[2];
  memset(ps, 0, sizeof(ps));
  closer_t cl = {.ps = ps, .nps = 2};
  assert_int_equal(sio__post_new(loop, &cl.p), 0);
  sio__loop_thread_t *lt;
  assert_int_equal(sio__loop_thread_start(loop, &lt), 0);
  pthread_t th[2];
  for (int i = 0; i < 2; i++) {
    ps[i].p = cl.p;
    ps[i].order_ok = 1;
    assert_int_equal(pthread_create(&th[i], NULL, post_all, &ps[i]), 0);
  }
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  /* Posted after every other job: runs last, and closes. */
  close_job_t cj = {.job.run = run_close, .cl = &cl, .status = -1};
  assert_int_equal(sio__post_send(cl.p, &cj.job), 0);
  sio__loop_thread_join(lt);
  assert_int_equal(cl.closed, 1);
  assert_int_equal(cj.status, 0);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(ps[i].ran, THREAD_JOBS);
    assert_true(ps[i].order_ok);
    for (int k = 0; k < THREAD_JOBS; k++) assert_int_equal(ps[i].jobs[k].status, 0);
  }
  assert_int_equal(sio__own_loop_free(loop), 0);
}

/* refuse: later sends get ECLOSED (and never run); jobs accepted before still
 * run from the loop with status 0. close: the jobs still waiting run at once
 * with ECANCELED, in order, and the closed callback comes from the loop. */
static void test_post_refuse_and_close(void **state) {
  (void)state;
  uv_loop_t *loop;
  assert_int_equal(sio__own_loop_new(&loop), 0);
  sio__post_t *p;
  assert_int_equal(sio__post_new(loop, &p), 0);
  int ran = 0, order_ok = 1;
  num_job_t j[4];
  for (int i = 0; i < 4; i++) {
    j[i] = (num_job_t){
        .job.run = run_num, .n = i, .ran = &ran, .order_ok = &order_ok, .status = -1};
  }
  closer_t cl0 = {.p = p};
  close_job_t cj = {.job.run = run_close, .cl = &cl0, .status = -1};
  assert_int_equal(sio__post_send(p, &j[0].job), 0);
  assert_int_equal(sio__post_send(p, &cj.job), 0);
  sio__post_refuse(p);
  sio__post_refuse(p); /* idempotent */
  num_job_t late = {
      .job.run = run_num, .n = 99, .ran = &ran, .order_ok = &order_ok, .status = -1};
  assert_int_equal(sio__post_send(p, &late.job), SIO_ECLOSED);
  assert_int_equal(sio__own_loop_run(loop), 0);
  assert_int_equal(ran, 1);
  assert_int_equal(j[0].status, 0); /* from the loop, as usual */
  assert_int_equal(cj.status, 0);
  assert_int_equal(cl0.closed, 1);
  assert_int_equal(sio__own_loop_free(loop), 0);

  /* A new post: two jobs wait when it closes. */
  assert_int_equal(sio__own_loop_new(&loop), 0);
  assert_int_equal(sio__post_new(loop, &p), 0);
  ran = 1;
  assert_int_equal(sio__post_send(p, &j[1].job), 0);
  assert_int_equal(sio__post_send(p, &j[2].job), 0);
  closer_t cl = {0};
  sio__post_close(p, on_post_closed, &cl);
  assert_int_equal(ran, 3); /* ran inside the close */
  assert_int_equal(j[1].status, SIO_ECANCELED);
  assert_int_equal(j[2].status, SIO_ECANCELED);
  assert_true(order_ok);
  assert_int_equal(cl.closed, 0); /* not from inside the close */
  assert_int_equal(sio__post_send(p, &j[3].job), SIO_ECLOSED);
  assert_int_equal(sio__own_loop_run(loop), 0);
  assert_int_equal(cl.closed, 1);
  assert_int_equal(late.status, -1);
  assert_int_equal(j[3].status, -1);
  assert_int_equal(sio__own_loop_free(loop), 0);
}

/* ---- soon ---- */

static void count_call(void *arg) {
  (*(int *)arg)++;
}

static void test_soon_runs_later_once(void **state) {
  (void)state;
  uv_loop_t *loop;
  assert_int_equal(sio__own_loop_new(&loop), 0);
  int calls = 0;
  sio__soon_t *s = sio__soon_new(loop);
  assert_non_null(s);
  /* Prepared only: nothing keeps the loop alive. */
  assert_int_equal(sio__own_loop_run(loop), 0);
  sio__soon_run(s, count_call, &calls);
  assert_int_equal(calls, 0);
  assert_int_equal(sio__own_loop_run(loop), 0);
  assert_int_equal(calls, 1);
  assert_int_equal(sio__own_loop_free(loop), 0);
}

/* ---- a loop on its own thread ---- */

typedef struct {
  sio__post_job_t job;
  sio__mutex_t *mu;
  sio__cond_t *cv;
  int pipe_blocked; /* mu: -1 until the job ran */
  pthread_t tid;
  sio__post_t *p;
} probe_t;

/* On the loop's thread: is SIGPIPE blocked there? Then closes the post, the
 * loop's last handle, so the thread's run returns. */
static void run_probe(sio__post_job_t *j, int status) {
  (void)status;
  probe_t *pr = (probe_t *)j;
  sigset_t cur;
  pthread_sigmask(SIG_SETMASK, NULL, &cur);
  sio__mutex_lock(pr->mu);
  pr->pipe_blocked = sigismember(&cur, SIGPIPE);
  pr->tid = pthread_self();
  sio__cond_broadcast(pr->cv);
  sio__mutex_unlock(pr->mu);
  sio__post_close(pr->p, NULL, NULL);
}

static void test_loop_thread_masks_sigpipe(void **state) {
  (void)state;
  sigset_t none, before, after;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, &before);
  uv_loop_t *loop;
  assert_int_equal(sio__own_loop_new(&loop), 0);
  probe_t pr = {.job.run = run_probe, .pipe_blocked = -1};
  pr.mu = sio__mutex_new();
  pr.cv = sio__cond_new();
  assert_non_null(pr.mu);
  assert_non_null(pr.cv);
  assert_int_equal(sio__post_new(loop, &pr.p), 0);
  sio__loop_thread_t *t;
  assert_int_equal(sio__loop_thread_start(loop, &t), 0);
  pthread_sigmask(SIG_SETMASK, NULL, &after);
  assert_false(sigismember(&after, SIGPIPE)); /* the caller's mask is unchanged */
  assert_int_equal(sio__post_send(pr.p, &pr.job), 0);
  sio__mutex_lock(pr.mu);
  while (pr.pipe_blocked < 0) sio__cond_wait(pr.cv, pr.mu);
  sio__mutex_unlock(pr.mu);
  sio__loop_thread_join(t);
  assert_int_equal(pr.pipe_blocked, 1);
  assert_false(pthread_equal(pr.tid, pthread_self()));
  assert_int_equal(sio__own_loop_free(loop), 0);
  sio__cond_free(pr.cv);
  sio__mutex_free(pr.mu);
  pthread_sigmask(SIG_SETMASK, &before, NULL);
}

/* The fallback in the caller's thread: SIGPIPE held back while the loop runs,
 * the caller's mask back afterwards. */
static void test_run_here_masks_sigpipe(void **state) {
  (void)state;
  sigset_t none, before, after;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, &before);
  uv_loop_t *loop;
  assert_int_equal(sio__own_loop_new(&loop), 0);
  probe_t pr = {.job.run = run_probe, .pipe_blocked = -1};
  pr.mu = sio__mutex_new();
  pr.cv = sio__cond_new();
  assert_int_equal(sio__post_new(loop, &pr.p), 0);
  assert_int_equal(sio__post_send(pr.p, &pr.job), 0);
  sio__loop_run_here(loop);
  assert_int_equal(pr.pipe_blocked, 1);
  assert_true(pthread_equal(pr.tid, pthread_self()));
  pthread_sigmask(SIG_SETMASK, NULL, &after);
  assert_false(sigismember(&after, SIGPIPE));
  assert_int_equal(sio__own_loop_free(loop), 0);
  sio__cond_free(pr.cv);
  sio__mutex_free(pr.mu);
  pthread_sigmask(SIG_SETMASK, &before, NULL);
}

/* ---- wait with a deadline ---- */

static void test_wait_until_past_deadline(void **state) {
  (void)state;
  sio__mutex_t *mu = sio__mutex_new();
  sio__cond_t *cv = sio__cond_new();
  assert_non_null(mu);
  assert_non_null(cv);
  sio__mutex_lock(mu);
  uint64_t now = sio__clock_ns();
  assert_int_equal(sio__cond_wait_until(cv, mu, now), SIO_ETIMEDOUT);
  assert_int_equal(sio__cond_wait_until(cv, mu, 0), SIO_ETIMEDOUT);
  assert_true(sio__clock_ns() >= now); /* monotonic */
  sio__mutex_unlock(mu);
  sio__cond_free(cv);
  sio__mutex_free(mu);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_post_from_threads),
      cmocka_unit_test(test_post_refuse_and_close),
      cmocka_unit_test(test_soon_runs_later_once),
      cmocka_unit_test(test_loop_thread_masks_sigpipe),
      cmocka_unit_test(test_run_here_masks_sigpipe),
      cmocka_unit_test(test_wait_until_past_deadline),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
