/* Unit tests for the parser seam (src/sio/sio_parser.h): a server and a
 * client on one loop, each given its own parser through its options, talk
 * only through those parsers: every packet either side sends is encoded by
 * its parser and every message it receives is fed to its parser's decoder.
 * The parsers here count the calls and hand them to the JSON parser, so the
 * conversation itself (an emit buffered before the connection, an event
 * with a binary argument and an ack, a broadcast) must come through whole.
 * A broadcast is encoded once, which the server's counters confirm; on an
 * auto server with JSON and msgpack clients, once per parser in use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "sio/client.h"
#include "sio/sio_internal.h"
#include "support/loop_callbacks.h"
#include "support/loop_peers.h"

/* ---- counting parsers over the JSON one ---- */

typedef struct {
  int encodes, feeds, inits, resets;
} calls_t;

static calls_t g_calls[2]; /* 0: the server's parser, 1: the client's */

#define COUNTING_PARSER(ix)                                                              \
  static int enc_##ix(const sio__packet_desc_t *d, size_t headroom,                      \
                      sio__packet_buf_t *out) {                                          \
    g_calls[ix].encodes++;                                                               \
    return sio_parser_json()->encode(d, headroom, out);                                  \
  }                                                                                      \
  static void init_##ix(void *dec, const sio__sio_limits_t *lim) {                       \
    g_calls[ix].inits++;                                                                 \
    sio_parser_json()->decoder_init(dec, lim);                                           \
  }                                                                                      \
  static void reset_##ix(void *dec) {                                                    \
    g_calls[ix].resets++;                                                                \
    sio_parser_json()->decoder_reset(dec);                                               \
  }                                                                                      \
  static int feed_##ix(void *dec, int binary, const uint8_t *p, size_t n,                \
                       sio__rbuf_t *owner, sio__sio_packet_t *out) {                     \
    g_calls[ix].feeds++;                                                                 \
    return sio_parser_json()->decoder_feed(dec, binary, p, n, owner, out);               \
  }

COUNTING_PARSER(0)
COUNTING_PARSER(1)

static sio_parser_t g_server_parser, g_client_parser;

static void make_parsers(void) {
  memset(g_calls, 0, sizeof(g_calls));
  size_t dsize = sio_parser_json()->decoder_size;
  g_server_parser = (sio_parser_t){"count-server", enc_0, dsize, init_0, reset_0, feed_0};
  g_client_parser = (sio_parser_t){"count-client", enc_1, dsize, init_1, reset_1, feed_1};
}

/* ---- the conversation ---- */

typedef struct {
  uv_loop_t loop;
  sio_server_t *srv;
  sio_client_t *cli;
  int early;    /* the buffered emit reached the server, binary intact */
  int acked;    /* the client got the echo's ack, binary intact */
  int news;     /* the client got the broadcast */
  int closed;   /* client and server close callbacks */
  int finished; /* both closes started */
} conv_t;

static const uint8_t k_bin[] = {0, 1, 2, 255};

static int has_bin(const sio_argv_t *av, size_t i) {
  sio_buf_t b;
  return sio_argv_binary(av, i, &b) == 0 && b.len == sizeof(k_bin) &&
         memcmp(b.base, k_bin, sizeof(k_bin)) == 0;
}

static int is_hi(const sio_argv_t *av, size_t i) {
  const char *s = sio_argv_string(av, i, NULL);
  return s && strcmp(s, "hi") == 0;
}

static void srv_on_early(sio_socket_t *sock, const char *event, const sio_argv_t *args,
                         sio_ack_t *ack, void *arg) {
  (void)sock, (void)event, (void)ack;
  conv_t *v = arg;
  if (sio_argv_count(args) == 1 && has_bin(args, 0)) v->early++;
}

static void srv_on_connection(sio_socket_t *sock, void *arg) {
  assert_int_equal(sio_socket_on(sock, "early", srv_on_early, arg), 0);
  assert_int_equal(sio_socket_on(sock, "echo", echo_ack_and_news, arg), 0);
}

static void maybe_finish(conv_t *v) {
  if (v->finished || !v->acked || !v->news) return;
  v->finished = 1;
  /* What each side sent so far, each packet through its own parser: the
   * server a CONNECT reply, the ack and one broadcast; the client its
   * CONNECT, the buffered emit and the echo. */
  assert_int_equal(g_calls[0].encodes, 3);
  assert_int_equal(g_calls[1].encodes, 3);
  assert_int_equal(sio__server_stats(v->srv)->encodes, 2);
  /* Received: the server's decoder saw CONNECT and two events of two
   * messages each; the client's the CONNECT reply, the binary ack and the
   * binary broadcast. */
  assert_int_equal(g_calls[0].feeds, 5);
  assert_int_equal(g_calls[1].feeds, 5);
  sio_client_close(v->cli, count_client_closed, &v->closed);
  sio_server_close(v->srv, count_server_closed, &v->closed);
}

static void cli_on_ack(sio_client_socket_t *s, int status, const sio_argv_t *reply,
                       void *arg) {
  (void)s;
  conv_t *v = arg;
  assert_int_equal(status, 0);
  assert_int_equal(sio_argv_count(reply), 2);
  if (is_hi(reply, 0) && has_bin(reply, 1)) v->acked++;
  maybe_finish(v);
}

static void cli_on_news(sio_client_socket_t *s, const char *event, const sio_argv_t *args,
                        sio_client_ack_t *ack, void *arg) {
  (void)s, (void)event, (void)ack;
  conv_t *v = arg;
  if (sio_argv_count(args) == 2 && is_hi(args, 0) && has_bin(args, 1)) v->news++;
  maybe_finish(v);
}

static void cli_on_connect(sio_client_socket_t *s, void *arg) {
  sio_args_t *a = sio_args_new();
  assert_non_null(a);
  assert_int_equal(sio_args_add_string(a, "hi"), 0);
  assert_int_equal(sio_args_add_binary(a, k_bin, sizeof(k_bin)), 0);
  assert_int_equal(sio_client_socket_emit_with_ack(s, "echo", a, 0, cli_on_ack, arg), 0);
  sio_args_free(a);
}

static void test_parsers_from_options(void **state) {
  (void)state;
  make_parsers();
  conv_t v;
  memset(&v, 0, sizeof(v));
  assert_int_equal(uv_loop_init(&v.loop), 0);

  char url[64];
  v.srv =
      loop_server_new(&v.loop, &g_server_parser, srv_on_connection, &v, url, sizeof(url));
  v.cli = loop_client_new(&v.loop, url, &g_client_parser, SIO_TRANSPORT_WEBSOCKET);
  assert_int_equal(g_calls[1].inits, 1); /* the client's decoder is set up at once */

  sio_client_socket_t *s = sio_client_socket(v.cli, "/");
  sio_client_socket_on_connect(s, cli_on_connect, &v);
  assert_int_equal(sio_client_socket_on(s, "news", cli_on_news, &v), 0);
  assert_int_equal(sio_client_socket_connect(s), 0);
  /* Not connected yet: this one is encoded now and buffered. */
  sio_args_t *a = sio_args_new();
  assert_int_equal(sio_args_add_binary(a, k_bin, sizeof(k_bin)), 0);
  assert_int_equal(sio_client_socket_emit(s, "early", a), 0);
  sio_args_free(a); /* the buffered packet keeps its attachment */
  assert_int_equal(g_calls[1].encodes, 1);

  assert_int_equal(uv_run(&v.loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(v.early, 1);
  assert_int_equal(v.acked, 1);
  assert_int_equal(v.news, 1);
  assert_int_equal(v.closed, 2);
  assert_int_equal(g_calls[0].inits, 1); /* one session */
  assert_true(g_calls[0].resets >= 1);   /* its decoder emptied when it went */
  assert_true(g_calls[1].resets >= 1);
  assert_int_equal(uv_loop_close(&v.loop), 0);
}

/* The default is the JSON parser; the option accepts NULL for it. */
static void test_default_parser(void **state) {
  (void)state;
  const sio_parser_t *p = sio_parser_json();
  assert_non_null(p);
  assert_ptr_equal(p, sio_parser_json());
  assert_string_equal(p->name, "json");
  assert_ptr_equal(sio__parser_or_default(NULL), p);
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio_server_opts_t *so = sio_server_opts_new();
  sio_server_opts_set_parser(so, NULL);
  sio_server_t *srv;
  assert_int_equal(sio_server_new(&loop, so, &srv), 0);
  sio_server_opts_free(so);
  assert_ptr_equal(srv->parser, p);
  sio_server_close(srv, NULL, NULL);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* The encoder writes behind the headroom it is asked for, and reports the
 * attachments that travel as messages of their own. */
static void test_json_encode_buffer(void **state) {
  (void)state;
  sio_args_t *a = sio_args_new();
  assert_int_equal(sio_args_add_int(a, 7), 0);
  assert_int_equal(sio_args_add_binary(a, k_bin, sizeof(k_bin)), 0);
  sio__packet_desc_t d = {SIO_SIO_EVENT, 3, "/chat", "ev", a, NULL, 0};
  sio__packet_buf_t b;
  assert_int_equal(sio_parser_json()->encode(&d, 5, &b), 0);
  static const char want[] = "51-/chat,3[\"ev\",7,{\"_placeholder\":true,\"num\":0}]";
  assert_int_equal(b.headroom, 5);
  assert_int_equal(b.binary, 0);
  assert_int_equal(b.natt, 1);
  assert_int_equal(sio__sb_len(&b.sb), 5 + sizeof(want) - 1);
  assert_memory_equal(sio__sb_data(&b.sb) + 5, want, sizeof(want) - 1);
  sio__sb_reset(&b.sb);
  d = (sio__packet_desc_t){SIO_SIO_EVENT, -1, NULL, "disconnect", NULL, NULL, 0};
  assert_int_equal(sio_parser_json()->encode(&d, 0, &b), SIO_EINVAL);
  d = (sio__packet_desc_t){SIO_SIO_CONNECT, -1, "/", NULL, NULL, "{\"a\":1}", 7};
  assert_int_equal(sio_parser_json()->encode(&d, 0, &b), 0);
  assert_int_equal(b.natt, 0);
  assert_memory_equal(sio__sb_data(&b.sb), "0{\"a\":1}", 8);
  sio__sb_reset(&b.sb);
  sio_args_free(a);
}

/* ---- an auto server: JSON and msgpack clients side by side ---- */

#define AUTO_CLIENTS 3 /* two JSON, one msgpack */

typedef struct {
  uv_loop_t loop;
  sio_server_t *srv;
  sio_client_t *cli[AUTO_CLIENTS];
  int connected;
  int news[AUTO_CLIENTS];  /* "news" (everyone) received intact, per client */
  int jnews[AUTO_CLIENTS]; /* "jnews" (the JSON room) received, per client */
  uint64_t enc_all, enc_json, deliveries;
  int closed, finished;
} auto_t;

static void auto_finish(auto_t *v) {
  for (int i = 0; i < AUTO_CLIENTS; i++)
    if (!v->news[i] || (i < 2 && !v->jnews[i])) return;
  if (v->finished++) return;
  for (int i = 0; i < AUTO_CLIENTS; i++)
    sio_client_close(v->cli[i], count_client_closed, &v->closed);
  sio_server_close(v->srv, count_server_closed, &v->closed);
}

static void auto_on_connection(sio_socket_t *sock, void *arg) {
  auto_t *v = arg;
  /* The session knows its parser from the CONNECT it sent. */
  if (sio__session_parser(sock->session) == sio_parser_json())
    assert_int_equal(sio_socket_join(sock, "json"), 0);
  else
    assert_ptr_equal(sio__session_parser(sock->session), sio_parser_msgpack());
  if (++v->connected < AUTO_CLIENTS) return;
  sio_namespace_t *nsp = sio_socket_namespace(sock);
  sio_args_t *a = sio_args_new();
  assert_int_equal(sio_args_add_string(a, "hi"), 0);
  assert_int_equal(sio_args_add_binary(a, k_bin, sizeof(k_bin)), 0);
  const sio__server_stats_t *st = sio__server_stats(v->srv);
  uint64_t e0 = st->encodes, d0 = st->deliveries;
  assert_int_equal(sio_broadcast_emit(sio_namespace_broadcast(nsp), "news", a), 3);
  v->enc_all = st->encodes - e0;
  v->deliveries = st->deliveries - d0;
  e0 = st->encodes;
  sio_broadcast_t *b = sio_broadcast_to(sio_namespace_broadcast(nsp), "json");
  assert_int_equal(sio_broadcast_emit(b, "jnews", a), 2);
  v->enc_json = st->encodes - e0;
  sio_args_free(a);
}

typedef struct {
  auto_t *v;
  int ix;
} auto_cli_t;

static void auto_on_news(sio_client_socket_t *s, const char *event,
                         const sio_argv_t *args, sio_client_ack_t *ack, void *arg) {
  (void)s, (void)ack;
  auto_cli_t *c = arg;
  if (sio_argv_count(args) == 2 && is_hi(args, 0) && has_bin(args, 1)) {
    if (strcmp(event, "news") == 0)
      c->v->news[c->ix]++;
    else
      c->v->jnews[c->ix]++;
  }
  auto_finish(c->v);
}

static void test_auto_side_by_side(void **state) {
  (void)state;
  auto_t v;
  memset(&v, 0, sizeof(v));
  assert_int_equal(uv_loop_init(&v.loop), 0);
  char url[64];
  v.srv = loop_server_new(&v.loop, sio_parser_auto(), auto_on_connection, &v, url,
                          sizeof(url));
  auto_cli_t cs[AUTO_CLIENTS];
  for (int i = 0; i < AUTO_CLIENTS; i++) {
    cs[i] = (auto_cli_t){&v, i};
    /* Client 1 is JSON by the auto parser's client face. */
    const sio_parser_t *p = i == 2   ? sio_parser_msgpack()
                            : i == 1 ? sio_parser_auto()
                                     : NULL;
    v.cli[i] = loop_client_new(&v.loop, url, p,
                               i == 0 ? SIO_TRANSPORT_POLLING : SIO_TRANSPORT_WEBSOCKET);
    sio_client_socket_t *s = sio_client_socket(v.cli[i], "/");
    assert_int_equal(sio_client_socket_on(s, "news", auto_on_news, &cs[i]), 0);
    assert_int_equal(sio_client_socket_on(s, "jnews", auto_on_news, &cs[i]), 0);
    assert_int_equal(sio_client_socket_connect(s), 0);
  }
  assert_int_equal(uv_run(&v.loop, UV_RUN_DEFAULT), 0);
  /* Three recipients, two parsers: two encodes; the JSON room: one. */
  assert_int_equal(v.deliveries, 3);
  assert_int_equal(v.enc_all, 2);
  assert_int_equal(v.enc_json, 1);
  for (int i = 0; i < AUTO_CLIENTS; i++) assert_int_equal(v.news[i], 1);
  assert_int_equal(v.jnews[0] + v.jnews[1] + v.jnews[2], 2);
  assert_int_equal(v.jnews[2], 0);
  assert_int_equal(v.closed, AUTO_CLIENTS + 1);
  assert_int_equal(uv_loop_close(&v.loop), 0);
}

/* The session's parser costs an idle session nothing: the index sits in
 * what was padding after the last int. Eight pointers (one of them the
 * socket of a session that joined one namespace) and the counts: with the
 * decoder after it, an idle session stays one 128-byte malloc block. */
static void test_auto_session_size(void **state) {
  (void)state;
  assert_true(offsetof(sio__session_t, parser_set) <
              offsetof(sio__session_t, joined) + 8);
  assert_int_equal(sizeof(sio__session_t) % 8, 0);
  assert_true(sizeof(sio__session_t) <= 8 * 8 + 16);
  assert_true(sio_parser_auto()->decoder_size >= sio_parser_json()->decoder_size);
  assert_true(sio_parser_auto()->decoder_size >= sio_parser_msgpack()->decoder_size);
}

/* The names the programs' --parser option takes. */
static void test_parser_by_name(void **state) {
  (void)state;
  assert_ptr_equal(sio_parser_by_name("json"), sio_parser_json());
  assert_ptr_equal(sio_parser_by_name("msgpack"), sio_parser_msgpack());
  assert_ptr_equal(sio_parser_by_name("auto"), sio_parser_auto());
  assert_null(sio_parser_by_name("JSON"));
  assert_null(sio_parser_by_name(""));
  assert_null(sio_parser_by_name(NULL));
  assert_string_equal(sio_parser_msgpack()->name, "msgpack");
  assert_string_equal(sio_parser_auto()->name, "auto");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parsers_from_options),
      cmocka_unit_test(test_default_parser),
      cmocka_unit_test(test_json_encode_buffer),
      cmocka_unit_test(test_auto_side_by_side),
      cmocka_unit_test(test_auto_session_size),
      cmocka_unit_test(test_parser_by_name),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
