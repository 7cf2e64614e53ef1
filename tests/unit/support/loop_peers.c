/* The server and clients of the one-loop unit tests (see loop_peers.h). */
#include "support/loop_peers.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

sio_server_t *loop_server_new(uv_loop_t *loop, const sio_parser_t *parser,
                              sio_connection_cb on_conn, void *arg, char *url,
                              size_t url_size) {
  sio_server_t *srv = NULL;
  sio_server_opts_t *so = sio_server_opts_new();
  assert_non_null(so);
  sio_server_opts_set_parser(so, parser);
  assert_int_equal(sio_server_new(loop, so, &srv), 0);
  sio_server_opts_free(so);
  assert_int_equal(sio_server_listen(srv, "127.0.0.1", 0), 0);
  assert_int_equal(sio_namespace_on_connection(sio_server_of(srv, "/"), on_conn, arg), 0);
  snprintf(url, url_size, "http://127.0.0.1:%d", sio_server_port(srv));
  return srv;
}

sio_client_t *loop_client_new(uv_loop_t *loop, const char *url,
                              const sio_parser_t *parser, sio_transport_mode_t mode) {
  sio_client_t *cli = NULL;
  sio_client_opts_t *co = sio_client_opts_new();
  assert_non_null(co);
  sio_client_opts_set_parser(co, parser);
  sio_client_opts_set_transports(co, mode);
  sio_client_opts_set_reconnection(co, 0);
  assert_int_equal(sio_client_new(loop, url, co, &cli), 0);
  sio_client_opts_free(co);
  return cli;
}
