/* The chat's handlers (chat.c) unit-tested with the in-process test client:
 * no port, no thread, no waiting. Each test makes a server on a loop, runs
 * the handlers through test clients, and closes the server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sio/test_client.h>
#include <uv.h>

#include "chat.h"

static uv_loop_t loop;
static sio_server_t *srv;

static int setup(void **state) {
  (void)state;
  uv_loop_init(&loop);
  if (sio_server_new(&loop, NULL, &srv)) return -1;
  return chat_setup(srv);
}

static int teardown(void **state) {
  (void)state;
  sio_server_close(srv, NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT); /* lets the close finish */
  return uv_loop_close(&loop);
}

/* A client connected to "/" with this auth. */
static sio_test_client_t *user(const char *auth) {
  sio_test_client_t *tc;
  assert_int_equal(sio_test_client_new(srv, NULL, &tc), 0);
  assert_int_equal(sio_test_client_connect(tc, "/", auth), 0);
  return tc;
}

static sio_args_t *strings(const char *a, const char *b) {
  sio_args_t *args = sio_args_new();
  sio_args_add_string(args, a);
  if (b) sio_args_add_string(args, b);
  return args;
}

static void test_a_name_is_required(void **state) {
  (void)state;
  sio_test_client_t *tc;
  assert_int_equal(sio_test_client_new(srv, NULL, &tc), 0);
  assert_int_equal(sio_test_client_connect(tc, "/", "{}"), SIO_EACCES);
  assert_string_equal(sio_test_client_connect_error(tc, "/"),
                      "{\"message\":\"who are you?\"}");
  sio_test_client_free(tc);
}

static void test_whoami(void **state) {
  (void)state;
  sio_test_client_t *ann = user("{\"name\":\"ann\"}");
  sio_test_event_t *reply;
  assert_int_equal(sio_test_client_emit_with_ack(ann, "/", "whoami", NULL, NULL, &reply),
                   0);
  assert_string_equal(sio_argv_string(sio_test_event_args(reply), 0, NULL), "ann");
  sio_test_event_free(reply);
  sio_test_client_free(ann);
}

static void test_room_messages(void **state) {
  (void)state;
  sio_test_client_t *ann = user("{\"name\":\"ann\"}");
  sio_test_client_t *bob = user("{\"name\":\"bob\"}");
  sio_test_client_t *eve = user("{\"name\":\"eve\"}");
  sio_args_t *room = strings("tea", NULL), *hello = strings("tea", "hello");
  sio_test_client_emit(ann, "/", "join", room);
  sio_test_client_emit(bob, "/", "join", room);
  sio_test_client_clear(ann, NULL); /* the "joined" notices */
  sio_test_client_clear(bob, NULL);

  sio_test_client_emit(ann, "/", "say", hello);
  sio_test_event_t *ev = sio_test_client_next(bob, "/");
  assert_non_null(ev);
  assert_string_equal(sio_test_event_name(ev), "said");
  assert_string_equal(sio_argv_string(sio_test_event_args(ev), 0, NULL), "ann");
  assert_string_equal(sio_argv_string(sio_test_event_args(ev), 1, NULL), "hello");
  sio_test_event_free(ev);
  assert_int_equal(sio_test_client_received_count(ann, "/"), 0); /* not to herself */
  assert_int_equal(sio_test_client_received_count(eve, "/"), 0); /* not in the room */

  sio_args_free(room);
  sio_args_free(hello);
  sio_test_client_free(ann);
  sio_test_client_free(bob);
  sio_test_client_free(eve);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_a_name_is_required, setup, teardown),
      cmocka_unit_test_setup_teardown(test_whoami, setup, teardown),
      cmocka_unit_test_setup_teardown(test_room_messages, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
