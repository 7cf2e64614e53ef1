#include "io/loop_thread.h"

#include <signal.h>
#include <time.h>
#include <uv.h>

#include "core/alloc.h"
#include "sio/common.h"

struct sio__loop_thread {
  uv_thread_t thread;
  uv_loop_t *loop;
};

static void thread_main(void *arg) {
  sio__loop_thread_t *t = arg;
  uv_run(t->loop, UV_RUN_DEFAULT);
}

static void block_async_signals(sigset_t *old) {
  static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS};
  sigset_t set;
  sigfillset(&set);
  for (size_t i = 0; i < sizeof(faults) / sizeof(*faults); i++)
    sigdelset(&set, faults[i]);
  pthread_sigmask(SIG_BLOCK, &set, old);
}

int sio__loop_thread_start(uv_loop_t *loop, sio__loop_thread_t **out) {
  sio__loop_thread_t *t = sio__malloc(sizeof(*t));
  if (!t) return SIO_ENOMEM;
  t->loop = loop;
  /* The new thread inherits the mask it is created with. */
  sigset_t old;
  block_async_signals(&old);
  int rc = uv_thread_create(&t->thread, thread_main, t);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc) {
    sio__free(t);
    return rc;
  }
  *out = t;
  return 0;
}

void sio__loop_thread_join(sio__loop_thread_t *t) {
  uv_thread_join(&t->thread);
  sio__free(t);
}

void sio__loop_run_here(uv_loop_t *loop) {
  sigset_t pipe, old;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  int was_blocked =
      pthread_sigmask(SIG_BLOCK, &pipe, &old) == 0 && sigismember(&old, SIGPIPE);
  uv_run(loop, UV_RUN_DEFAULT);
  struct timespec zero = {0, 0};
  if (!was_blocked) sigtimedwait(&pipe, NULL, &zero); /* one at most: not queued */
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}
