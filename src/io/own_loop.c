#include "io/own_loop.h"

#include <uv.h>

#include "core/alloc.h"
#include "sio/common.h"

int sio__own_loop_new(uv_loop_t **out) {
  uv_loop_t *loop = sio__malloc(sizeof(*loop));
  if (!loop) return SIO_ENOMEM;
  int rc = uv_loop_init(loop);
  if (rc) {
    sio__free(loop);
    return rc;
  }
  *out = loop;
  return 0;
}

int sio__own_loop_run(uv_loop_t *loop) {
  return uv_run(loop, UV_RUN_DEFAULT) != 0;
}

int sio__own_loop_free(uv_loop_t *loop) {
  if (!loop) return 0;
  uv_run(loop, UV_RUN_DEFAULT);
  int rc = uv_loop_close(loop);
  if (rc == 0) sio__free(loop);
  return rc;
}
