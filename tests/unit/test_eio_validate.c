/* The Engine.IO request checks, in the reference's order (docs/PROTOCOL.md §1.9). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "eio/eio_validate.h"
#include "sio/eio.h"

static int allow_calls;
static int allow_answer;
static int allow_hook(void *ctx) {
  (void)ctx;
  allow_calls++;
  return allow_answer;
}

static sio__eio_reqinfo_t base(void) {
  sio__eio_reqinfo_t ri;
  memset(&ri, 0, sizeof ri);
  ri.method = "GET";
  ri.transport = "polling";
  ri.eio = "4";
  ri.transports = SIO_EIO_POLLING | SIO_EIO_WEBSOCKET;
  ri.allow = allow_hook;
  allow_calls = 0;
  allow_answer = 1;
  return ri;
}

static void test_handshake_ok(void **state) {
  (void)state;
  sio__eio_reqinfo_t ri = base();
  assert_int_equal(sio__eio_validate(&ri), SIO__EIO_OK);
  assert_int_equal(allow_calls, 1);
  ri.transport = "websocket";
  ri.is_upgrade = 1;
  assert_int_equal(sio__eio_validate(&ri), SIO__EIO_OK);
}

static void test_transport_first(void **state) {
  (void)state;
  sio__eio_reqinfo_t ri = base();
  ri.transport = "abc";
  ri.eio = "abc";
  assert_int_equal(sio__eio_validate(&ri), 0);
  ri.transport = NULL;
  ri.eio = NULL;
  assert_int_equal(sio__eio_validate(&ri), 0);
  ri = base();
  ri.transport = "constructor";
  ri.method = "POST";
  ri.origin_invalid = 1;
  assert_int_equal(sio__eio_validate(&ri), 0);
  /* a disabled transport is unknown */
  ri = base();
  ri.transports = SIO_EIO_POLLING;
  ri.transport = "websocket";
  ri.is_upgrade = 1;
  assert_int_equal(sio__eio_validate(&ri), 0);
  assert_int_equal(allow_calls, 0);
}

static void test_origin_then_sid(void **state) {
  (void)state;
  sio__eio_reqinfo_t ri = base();
  ri.origin_invalid = 1;
  ri.has_sid = 1;
  assert_int_equal(sio__eio_validate(&ri), 3);
  ri.origin_invalid = 0;
  /* An Origin CORS does not allow: code 3 at the same place. */
  ri.origin_refused = 1;
  assert_int_equal(sio__eio_validate(&ri), 3);
  ri.transport = "nope";
  assert_int_equal(sio__eio_validate(&ri), 0);
  ri.transport = "polling";
  ri.has_sid = 0;
  ri.method = "POST";
  assert_int_equal(sio__eio_validate(&ri), 3);
  ri.method = "GET";
  ri.has_sid = 1;
  ri.origin_refused = 0;
  assert_int_equal(sio__eio_validate(&ri), 1);
  /* sid checks come before the EIO check */
  ri.eio = "abc";
  assert_int_equal(sio__eio_validate(&ri), 1);
  assert_int_equal(allow_calls, 0);
}

static void test_sid_mismatch(void **state) {
  (void)state;
  sio__eio_reqinfo_t ri = base();
  ri.has_sid = 1;
  ri.session_found = 1;
  ri.session_transport = SIO_EIO_POLLING;
  assert_int_equal(sio__eio_validate(&ri), SIO__EIO_OK);
  ri.method = "POST";
  assert_int_equal(sio__eio_validate(&ri), SIO__EIO_OK);
  /* polling after an upgrade */
  ri.session_transport = SIO_EIO_WEBSOCKET;
  assert_int_equal(sio__eio_validate(&ri), 3);
  /* plain GET with transport=websocket on a polling session */
  ri.method = "GET";
  ri.transport = "websocket";
  ri.session_transport = SIO_EIO_POLLING;
  assert_int_equal(sio__eio_validate(&ri), 3);
  /* the upgrade itself is fine */
  ri.is_upgrade = 1;
  assert_int_equal(sio__eio_validate(&ri), SIO__EIO_OK);
  /* protocol mismatch on upgrade */
  ri.eio = "3";
  assert_int_equal(sio__eio_validate(&ri), 3);
  ri.eio = NULL;
  assert_int_equal(sio__eio_validate(&ri), 3);
  assert_int_equal(allow_calls, 0);
}

/* A plain request on a session is a poll: GET or POST, on a polling session. */
static void test_sid_poll_method(void **state) {
  (void)state;
  sio__eio_reqinfo_t ri = base();
  ri.has_sid = 1;
  ri.session_found = 1;
  ri.session_transport = SIO_EIO_POLLING;
  static const char *const bad[] = {"PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ri.method = bad[i];
    assert_int_equal(sio__eio_validate(&ri), 3);
    assert_int_equal(sio__eio_error_status(3), 400);
  }
  /* Earlier checks keep their order: an unknown sid is still code 1. */
  ri.session_found = 0;
  assert_int_equal(sio__eio_validate(&ri), 1);
  /* A plain GET or POST naming a WebSocket session and its transport. */
  ri = base();
  ri.has_sid = 1;
  ri.session_found = 1;
  ri.transport = "websocket";
  ri.session_transport = SIO_EIO_WEBSOCKET;
  assert_int_equal(sio__eio_validate(&ri), 3);
  ri.method = "POST";
  assert_int_equal(sio__eio_validate(&ri), 3);
  ri.is_upgrade = 1; /* an upgrade on it is for the server to handle */
  ri.method = "GET";
  assert_int_equal(sio__eio_validate(&ri), SIO__EIO_OK);
}

static void test_handshake_order(void **state) {
  (void)state;
  sio__eio_reqinfo_t ri = base();
  ri.method = "POST";
  ri.eio = "abc";
  assert_int_equal(sio__eio_validate(&ri), 2);
  ri.method = "PUT";
  assert_int_equal(sio__eio_validate(&ri), 2);
  ri.method = "GET";
  ri.transport = "websocket";
  assert_int_equal(sio__eio_validate(&ri), 3);
  assert_int_equal(allow_calls, 0);
  ri.is_upgrade = 1;
  allow_answer = 0;
  assert_int_equal(sio__eio_validate(&ri), 4);
  assert_int_equal(allow_calls, 1);
  allow_answer = 1;
  assert_int_equal(sio__eio_validate(&ri), 5);
  ri.eio = NULL;
  assert_int_equal(sio__eio_validate(&ri), 5);
  ri.eio = "3";
  assert_int_equal(sio__eio_validate(&ri), 5);
  ri.eio = "5";
  assert_int_equal(sio__eio_validate(&ri), 5);
  ri.eio = "4 ";
  assert_int_equal(sio__eio_validate(&ri), 5);
  ri.allow = NULL;
  ri.eio = "4";
  assert_int_equal(sio__eio_validate(&ri), SIO__EIO_OK);
}

/* allow_eio3: a v3 handshake goes through (any EIO but "4" is v3); a
 * session's requests must keep its revision. */
static void test_allow_eio3(void **state) {
  (void)state;
  sio__eio_reqinfo_t ri = base();
  ri.allow_eio3 = 1;
  ri.eio = "3";
  assert_int_equal(sio__eio_validate(&ri), SIO__EIO_OK);
  ri.eio = NULL;
  assert_int_equal(sio__eio_validate(&ri), SIO__EIO_OK);
  ri.eio = "4";
  assert_int_equal(sio__eio_validate(&ri), SIO__EIO_OK);
  /* Earlier checks come first. */
  ri.eio = "3";
  ri.method = "POST";
  assert_int_equal(sio__eio_validate(&ri), 2);
  ri.method = "GET";
  /* A v3 session: its requests say EIO=3; EIO=4 is a mismatch, and the
   * other way round. */
  ri.has_sid = 1;
  ri.session_found = 1;
  ri.session_transport = SIO_EIO_POLLING;
  ri.session_v3 = 1;
  assert_int_equal(sio__eio_validate(&ri), SIO__EIO_OK);
  ri.eio = "4";
  assert_int_equal(sio__eio_validate(&ri), 3);
  ri.session_v3 = 0;
  assert_int_equal(sio__eio_validate(&ri), SIO__EIO_OK);
  ri.eio = "3";
  assert_int_equal(sio__eio_validate(&ri), 3);
}

static void test_messages(void **state) {
  (void)state;
  char buf[128];
  size_t n = sio__eio_error_json(0, buf, sizeof buf);
  assert_string_equal(buf, "{\"code\":0,\"message\":\"Transport unknown\"}");
  assert_int_equal(n, strlen(buf));
  sio__eio_error_json(1, buf, sizeof buf);
  assert_string_equal(buf, "{\"code\":1,\"message\":\"Session ID unknown\"}");
  sio__eio_error_json(2, buf, sizeof buf);
  assert_string_equal(buf, "{\"code\":2,\"message\":\"Bad handshake method\"}");
  sio__eio_error_json(3, buf, sizeof buf);
  assert_string_equal(buf, "{\"code\":3,\"message\":\"Bad request\"}");
  sio__eio_error_json(4, buf, sizeof buf);
  assert_string_equal(buf, "{\"code\":4,\"message\":\"Forbidden\"}");
  sio__eio_error_json(5, buf, sizeof buf);
  assert_string_equal(buf, "{\"code\":5,\"message\":\"Unsupported protocol version\"}");
  assert_int_equal(sio__eio_error_status(4), 403);
  assert_int_equal(sio__eio_error_status(0), 400);
  assert_int_equal(sio__eio_error_status(5), 400);
  assert_int_equal(sio__eio_transport_flag("polling"), SIO_EIO_POLLING);
  assert_int_equal(sio__eio_transport_flag("websocket"), SIO_EIO_WEBSOCKET);
  assert_int_equal(sio__eio_transport_flag("Polling"), 0);
  assert_int_equal(sio__eio_transport_flag(NULL), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_handshake_ok),    cmocka_unit_test(test_transport_first),
      cmocka_unit_test(test_origin_then_sid), cmocka_unit_test(test_sid_mismatch),
      cmocka_unit_test(test_sid_poll_method), cmocka_unit_test(test_handshake_order),
      cmocka_unit_test(test_allow_eio3),      cmocka_unit_test(test_messages),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
