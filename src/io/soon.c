/* An idle handle that is never started, only closed: libuv runs close
 * callbacks on the loop's next pass, and a closing handle keeps the loop
 * alive until then. */
#include "io/soon.h"

#include <uv.h>

#include "core/alloc.h"

struct sio__soon {
  uv_idle_t h;
  void (*fn)(void *arg);
  void *arg;
};

sio__soon_t *sio__soon_new(uv_loop_t *loop) {
  sio__soon_t *s = sio__calloc(1, sizeof(*s));
  if (!s) return NULL;
  uv_idle_init(loop, &s->h); /* cannot fail on unix */
  s->h.data = s;
  return s;
}

static void on_closed(uv_handle_t *h) {
  sio__soon_t *s = h->data;
  if (s->fn) s->fn(s->arg);
  sio__free(s);
}

void sio__soon_run(sio__soon_t *s, void (*fn)(void *arg), void *arg) {
  s->fn = fn;
  s->arg = arg;
  uv_close((uv_handle_t *)&s->h, on_closed);
}
