/* client_driver: runs one scenario of the C client (sio/client.h) against a
 * server and prints results as JSON lines on stdout, for
 * tests/interop/client*.test.mjs. Every wait is bounded.
 *
 *   client_driver --url http://127.0.0.1:PORT --transport polling|websocket|upgrade
 *                 --scenario
 * basic|reconnect|bad|simple|burst|probe|base64|heartbeat|threads
 *                 [--path P]  (the server's custom Engine.IO path)
 *
 * Lines: {"check":"<name>","ok":true|false,...}, {"event":"<name>",...}, and
 * last {"result":"pass"|"fail"}. Exit status 0 on pass.
 *
 * The server must speak the events of tests/servers/client_test_server.c
 * (echo, echo-ack, make-binary, server-ack, ack-later, handshake, whoami,
 * "/private" with token "secret", "/custom"); its Node counterpart
 * tests/interop/ref/sio_ref_server.mjs does the same.
 *
 * The scenarios are in tests/servers/client_driver/scenario_*.c, their
 * shared helpers in tests/servers/client_driver/driver.c. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "scenarios.h"

static const struct {
  const char *name;
  scenario_fn run;
} scenarios[] = {
    {"basic", scenario_basic},     {"reconnect", scenario_reconnect},
    {"bad", scenario_bad},         {"burst", scenario_burst},
    {"simple", scenario_simple},   {"probe", scenario_probe},
    {"base64", scenario_base64},   {"heartbeat", scenario_heartbeat},
    {"threads", scenario_threads}, {"recovery", scenario_recovery},
};

static scenario_fn find_scenario(const char *name) {
  for (size_t i = 0; i < sizeof(scenarios) / sizeof(*scenarios); i++)
    if (strcmp(scenarios[i].name, name) == 0) return scenarios[i].run;
  return NULL;
}

static const char *mode_name(sio_transport_mode_t m) {
  return m == SIO_TRANSPORT_POLLING     ? "polling"
         : m == SIO_TRANSPORT_WEBSOCKET ? "websocket"
                                        : "upgrade";
}

int main(int argc, char **argv) {
  const char *url = NULL, *scenario = "basic";
  sio_transport_mode_t mode = SIO_TRANSPORT_POLLING_UPGRADE;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--url") == 0) url = argv[i + 1];
    if (strcmp(argv[i], "--scenario") == 0) scenario = argv[i + 1];
    if (strcmp(argv[i], "--path") == 0) driver_path = argv[i + 1];
    if (strcmp(argv[i], "--parser") == 0) driver_parser = argv[i + 1];
    if (strcmp(argv[i], "--transport") == 0) {
      if (strcmp(argv[i + 1], "polling") == 0) mode = SIO_TRANSPORT_POLLING;
      if (strcmp(argv[i + 1], "websocket") == 0) mode = SIO_TRANSPORT_WEBSOCKET;
    }
  }
  if (!url) {
    fprintf(stderr,
            "usage: client_driver --url URL [--transport polling|websocket|upgrade] "
            "[--path P] [--parser json|msgpack] [--scenario "
            "basic|reconnect|bad|simple|burst|probe|base64|heartbeat|threads]\n");
    return 2;
  }
  report_fatal_signals();
  alarm(40); /* a hang ends as a failure, never as a stuck test */
  driver_loop_open();
  line("{\"event\":\"start\",\"scenario\":\"%s\",\"transport\":\"%s\"}", scenario,
       mode_name(mode));
  scenario_fn run = find_scenario(scenario);
  int rc = run ? run(url, mode) : 2;
  /* Every handle of the client must be closing now: the loop ends. */
  int lc = driver_loop_finish();
  check("loop closed cleanly", lc == 0, lc ? uv_strerror(lc) : NULL);
  int pass = rc == 0 && driver_failures == 0;
  line("{\"result\":\"%s\",\"failures\":%d}", pass ? "pass" : "fail", driver_failures);
  return pass ? 0 : 1;
}
