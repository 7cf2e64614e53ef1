/* redis_emit: publishes one operation with libsio-redis's emitter, for the
 * emitter interop test (tests/interop/redis_emitter.test.mjs).
 *
 *   redis_emit --redis URL [--key PREFIX] [--nsp NAME] [--to ROOM]...
 *              [--except ROOM]... [--volatile] CMD ...
 *   CMD: emit EVENT JSON_ARRAY | join ROOM | leave ROOM | disconnect [close]
 *        | server-side EVENT JSON_ARRAY
 * Exits 0 once the operation is written to Redis. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sio/redis.h"

static sio_args_t *args_of(const char *json_array) {
  json_error_t err;
  json_t *arr = json_loads(json_array, 0, &err);
  if (!json_is_array(arr)) {
    fprintf(stderr, "redis_emit: arguments must be a JSON array\n");
    json_decref(arr);
    return NULL;
  }
  sio_args_t *a = sio_args_new();
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) sio_args_add_json(a, v);
  json_decref(arr);
  return a;
}

static void closed(sio_redis_emitter_t *em, void *arg) {
  (void)em;
  *(int *)arg = 1;
}

int main(int argc, char **argv) {
  const char *url = NULL, *key = NULL;
  const char *nsp = NULL, *rooms[16], *except[16];
  size_t nrooms = 0, nexcept = 0;
  int volatile_ = 0;
  int i = 1;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
    if (strcmp(argv[i], "--redis") == 0 && i + 1 < argc)
      url = argv[++i];
    else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
      key = argv[++i];
    else if (strcmp(argv[i], "--nsp") == 0 && i + 1 < argc)
      nsp = argv[++i];
    else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc && nrooms < 16)
      rooms[nrooms++] = argv[++i];
    else if (strcmp(argv[i], "--except") == 0 && i + 1 < argc && nexcept < 16)
      except[nexcept++] = argv[++i];
    else if (strcmp(argv[i], "--volatile") == 0)
      volatile_ = 1;
    else
      break;
  }
  if (i >= argc) {
    fprintf(stderr, "usage: redis_emit --redis URL [--key K] [--nsp N] [--to R]... "
                    "[--except R]... [--volatile] emit EV JSON | join R | leave R | "
                    "disconnect [close] | server-side EV JSON\n");
    return 2;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  sio_redis_opts_t *o = sio_redis_opts_new();
  int rc = url ? sio_redis_opts_set_url(o, url) : 0;
  if (!rc && key) rc = sio_redis_opts_set_key(o, key);
  sio_redis_emitter_t *em = NULL;
  if (!rc) rc = sio_redis_emitter_new(&loop, o, &em);
  sio_redis_opts_free(o);
  sio_redis_target_t *t = sio_redis_target_new(nsp);
  if (!t) rc = SIO_ENOMEM;
  for (size_t k = 0; !rc && k < nrooms; k++) rc = sio_redis_target_to(t, rooms[k]);
  for (size_t k = 0; !rc && k < nexcept; k++) rc = sio_redis_target_except(t, except[k]);
  sio_redis_target_set_volatile(t, volatile_);
  const char *cmd = argv[i];
  const char *a1 = i + 1 < argc ? argv[i + 1] : NULL;
  const char *a2 = i + 2 < argc ? argv[i + 2] : "[]";
  if (!rc) {
    if (strcmp(cmd, "emit") == 0 && a1) {
      sio_args_t *a = args_of(a2);
      rc = a ? sio_redis_emitter_emit(em, t, a1, a) : SIO_EINVAL;
      sio_args_free(a);
    } else if (strcmp(cmd, "server-side") == 0 && a1) {
      sio_args_t *a = args_of(a2);
      rc = a ? sio_redis_emitter_server_side_emit(em, nsp, a1, a) : SIO_EINVAL;
      sio_args_free(a);
    } else if (strcmp(cmd, "join") == 0 && a1) {
      rc = sio_redis_emitter_sockets_join(em, t, a1);
    } else if (strcmp(cmd, "leave") == 0 && a1) {
      rc = sio_redis_emitter_sockets_leave(em, t, a1);
    } else if (strcmp(cmd, "disconnect") == 0) {
      rc = sio_redis_emitter_disconnect_sockets(em, t, a1 && strcmp(a1, "close") == 0);
    } else {
      rc = SIO_EINVAL;
    }
  }
  sio_redis_target_free(t);
  int was_closed = 0;
  if (em) sio_redis_emitter_close(em, closed, &was_closed);
  uv_run(&loop, UV_RUN_DEFAULT);
  int lc = uv_loop_close(&loop);
  if (rc) fprintf(stderr, "redis_emit: %s\n", sio_strerror(rc));
  if (lc) fprintf(stderr, "redis_emit: loop not closed cleanly\n");
  if (em && !was_closed) fprintf(stderr, "redis_emit: the close callback did not run\n");
  return rc || lc || (em && !was_closed) ? 1 : 0;
}
