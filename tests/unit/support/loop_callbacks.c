/* Callbacks of the one-loop unit tests (see loop_callbacks.h). */
#include "support/loop_callbacks.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

void echo_ack_and_news(sio_socket_t *sock, const char *event, const sio_argv_t *args,
                       sio_ack_t *ack, void *arg) {
  (void)event, (void)arg;
  sio_args_t *a = sio_args_new();
  assert_non_null(a);
  assert_int_equal(sio_args_add_argv(a, args), 0);
  assert_non_null(ack);
  assert_int_equal(sio_ack_send(ack, a), 0);
  sio_broadcast_t *b = sio_namespace_broadcast(sio_socket_namespace(sock));
  assert_int_equal(sio_broadcast_emit(b, "news", a), 1);
  sio_args_free(a);
}

void count_server_closed(sio_server_t *s, void *arg) {
  (void)s;
  ++*(int *)arg;
}

void count_client_closed(sio_client_t *c, void *arg) {
  (void)c;
  ++*(int *)arg;
}
