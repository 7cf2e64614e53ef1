/* The C client's side of tests/interop/ws_deflate.test.mjs: connects over
 * WebSocket with permessage-deflate offered (--no-deflate: not offered),
 * asks the server whether the extension is in force ("ext", acknowledged
 * with true or false), sends a large `message` (compressed, being over the
 * threshold) and waits for its `message-back` (compressed by the server).
 * Prints JSON lines: {"ext":true|false}, {"echo":"ok"|"bad"}, then
 * {"result":"pass"|"fail"}; exit status 0 on pass.
 *   deflate_client --url http://127.0.0.1:PORT [--no-deflate] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sio/args.h"
#include "sio/client.h"

int main(int argc, char **argv) {
  const char *url = NULL;
  int deflate = 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--url") == 0 && i + 1 < argc) url = argv[++i];
    if (strcmp(argv[i], "--no-deflate") == 0) deflate = 0;
  }
  if (!url) return 2;
  sio_client_opts_t *o = sio_client_opts_new();
  sio_client_opts_set_transports(o, SIO_TRANSPORT_WEBSOCKET);
  sio_client_opts_set_per_message_deflate(o, deflate);
  sio_simple_t *sc = NULL;
  int rc = sio_simple_connect(url, NULL, NULL, o, 5000, &sc);
  sio_client_opts_free(o);
  if (rc) {
    printf("{\"error\":\"%s\"}\n{\"result\":\"fail\"}\n", sio_strerror(rc));
    return 1;
  }
  int ok = 1;
  sio_simple_msg_t *reply = NULL;
  rc = sio_simple_call(sc, "ext", NULL, 5000, &reply);
  printf("{\"ext\":%s}\n", rc == 0 && reply->args ? reply->args : "null");
  sio_simple_msg_free(reply);
  if (rc) ok = 0;
  /* 20000 bytes of text that compresses well. */
  size_t n = 20000;
  char *big = malloc(n + 1);
  for (size_t i = 0; i < n; i++) big[i] = "compressible text "[i % 18];
  big[n] = '\0';
  sio_args_t *a = sio_args_new();
  sio_args_add_string(a, big);
  rc = sio_simple_emit(sc, "message", a);
  sio_args_free(a);
  int echoed = 0;
  for (int k = 0; k < 20 && rc == 0 && !echoed; k++) {
    sio_simple_msg_t *m = NULL;
    if (sio_simple_receive(sc, 5000, &m) != 0) break;
    if (m->event && strcmp(m->event, "message-back") == 0) {
      echoed = strlen(m->args) == n + 4 && memcmp(m->args + 2, big, n) == 0;
      printf("{\"echo\":\"%s\"}\n", echoed ? "ok" : "bad");
      if (!echoed) ok = 0;
      echoed = 1;
    }
    sio_simple_msg_free(m);
  }
  if (!echoed) ok = 0;
  free(big);
  sio_simple_disconnect(sc);
  printf("{\"result\":\"%s\"}\n", ok ? "pass" : "fail");
  return ok ? 0 : 1;
}
