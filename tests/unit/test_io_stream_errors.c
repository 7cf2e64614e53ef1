/* Unit tests for how a stream (src/io/stream.c) reports the ends of a
 * connection, with a plain socket as the peer: a refused connect is
 * ECONNREFUSED, a peer's reset is ECONNRESET (not the EBADF the poll handle
 * says), the peer's EOF leaves the stream writable until it ends, and a
 * reset close reaches the peer as an RST. The codes are libuv's, the ones
 * owners have always compared against. Out of descriptors, the listener
 * closes the connections it cannot take (their peers see the end) and
 * accepts again once descriptors are free. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "io/listener.h"
#include "io/stream.h"
#include "sio/common.h"

typedef struct {
  uv_loop_t loop;
  sio__listener_t *lis;
  sio__stream_t *accepted;
  int err;    /* on_error's code, 0 until it runs */
  int errs;   /* on_error calls */
  int closed; /* on_close calls */
  int status; /* the connect callback's status */
  int called; /* connect callback calls */
  int inside; /* 1 while inside sio__stream_connect */
  int answer; /* on EOF: write "bye" and end */
} fx_t;

static void pump(fx_t *f) {
  uv_run(&f->loop, UV_RUN_NOWAIT);
}

static void on_read(sio__stream_t *s, void *arg, uint8_t *d, size_t n) {
  (void)s, (void)arg, (void)d, (void)n;
}
static void on_error(sio__stream_t *s, void *arg, int err) {
  fx_t *f = arg;
  f->err = err;
  f->errs++;
  if (f->answer && err == SIO__STREAM_EOF) {
    /* The peer only stopped sending: the answer still reaches it. */
    assert_int_equal(sio__stream_write_copy(s, "bye", 3), 0);
    sio__stream_end(s, 1000);
    return;
  }
  sio__stream_close(s, 0);
}
static void on_close(sio__stream_t *s, void *arg) {
  (void)s;
  ((fx_t *)arg)->closed++;
}
static const sio__stream_cbs_t k_cbs = {on_read, on_error, NULL, NULL, on_close};

static void on_accept(sio__listener_t *l, void *arg, sio__stream_t *s) {
  (void)l;
  fx_t *f = arg;
  f->accepted = s;
  sio__stream_set_cbs(s, &k_cbs, f);
  assert_int_equal(sio__stream_read_start(s), 0);
}

static void setup(fx_t *f) {
  memset(f, 0, sizeof(*f));
  assert_int_equal(uv_loop_init(&f->loop), 0);
  assert_int_equal(sio__listener_new(&f->loop, "127.0.0.1", 0, on_accept, f, &f->lis), 0);
}

static void teardown(fx_t *f) {
  if (f->lis) sio__listener_close(f->lis, NULL, NULL);
  for (int i = 0; i < 20000 && uv_run(&f->loop, UV_RUN_ONCE); i++) {
  }
  assert_int_equal(uv_loop_close(&f->loop), 0);
}

/* A plain socket connected to the listener, once the stream is accepted. */
static int peer(fx_t *f) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)sio__listener_port(f->lis));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  for (int i = 0; i < 10000 && !f->accepted; i++) pump(f);
  assert_non_null(f->accepted);
  return fd;
}

static void wait_closed(fx_t *f) {
  for (int i = 0; i < 100000 && !f->closed; i++) pump(f);
  assert_int_equal(f->closed, 1);
}

static void on_connect(sio__stream_t *s, void *arg, int status) {
  fx_t *f = arg;
  assert_int_equal(f->inside, 0); /* from the loop, never from the call */
  f->status = status;
  f->called++;
  sio__stream_set_cbs(s, &k_cbs, f);
  sio__stream_close(s, 0);
}

static void test_refused_connect_is_econnrefused(void **state) {
  (void)state;
  fx_t f;
  setup(&f);
  /* A port nothing listens on: the listener's, once it is closed. */
  int port = sio__listener_port(f.lis);
  sio__listener_close(f.lis, NULL, NULL);
  f.lis = NULL;
  for (int i = 0; i < 10; i++) pump(&f);
  f.inside = 1;
  sio__stream_t *s = sio__stream_connect(&f.loop, "127.0.0.1", port, on_connect, &f);
  f.inside = 0;
  assert_non_null(s);
  wait_closed(&f);
  assert_int_equal(f.called, 1);
  assert_int_equal(f.status, UV_ECONNREFUSED);
  assert_int_equal(f.errs, 0);
  teardown(&f);
}

static void test_peer_reset_is_econnreset(void **state) {
  (void)state;
  fx_t f;
  setup(&f);
  int fd = peer(&f);
  struct linger lg = {1, 0};
  assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
  close(fd); /* an RST */
  wait_closed(&f);
  assert_int_equal(f.errs, 1);
  assert_int_equal(f.err, UV_ECONNRESET);
  teardown(&f);
}

static void test_peer_eof_leaves_the_stream_writable(void **state) {
  (void)state;
  fx_t f;
  setup(&f);
  f.answer = 1;
  int fd = peer(&f);
  assert_int_equal(shutdown(fd, SHUT_WR), 0);
  char buf[16];
  size_t have = 0;
  ssize_t r = -1;
  for (int i = 0; i < 100000 && r != 0; i++) {
    pump(&f);
    r = recv(fd, buf + have, sizeof buf - have, MSG_DONTWAIT);
    if (r > 0) have += (size_t)r;
  }
  assert_int_equal(r, 0); /* "bye", then the stream's EOF */
  assert_int_equal(have, 3);
  assert_memory_equal(buf, "bye", 3);
  assert_int_equal(f.errs, 1);
  assert_int_equal(f.err, SIO__STREAM_EOF);
  close(fd);
  wait_closed(&f);
  teardown(&f);
}

static void test_reset_close_sends_rst(void **state) {
  (void)state;
  fx_t f;
  setup(&f);
  int fd = peer(&f);
  sio__stream_close(f.accepted, 1);
  char c;
  ssize_t r = -1;
  int e = EAGAIN;
  for (int i = 0; i < 100000 && r < 0 && e == EAGAIN; i++) {
    pump(&f);
    r = recv(fd, &c, 1, MSG_DONTWAIT);
    e = r < 0 ? errno : 0;
  }
  assert_int_equal(r, -1);
  assert_int_equal(e, ECONNRESET);
  close(fd);
  wait_closed(&f);
  teardown(&f);
}

/* A connect of fd (made earlier) to the listener. */
static void connect_fd(fx_t *f, int fd) {
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)sio__listener_port(f->lis));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
}

/* 1 once fd reads EOF (pumping the loop). */
static int sees_eof(fx_t *f, int fd) {
  char c;
  for (int i = 0; i < 100000; i++) {
    pump(f);
    ssize_t r = recv(fd, &c, 1, MSG_DONTWAIT);
    if (r == 0) return 1;
    if (r < 0 && errno != EAGAIN) return errno == ECONNRESET;
  }
  return 0;
}

static void test_out_of_descriptors_sheds_connections(void **state) {
  (void)state;
  fx_t f;
  setup(&f);
  int c1 = socket(AF_INET, SOCK_STREAM, 0), c2 = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(c1 >= 0 && c2 >= 0);
  /* Every descriptor taken: the process may open no more. */
  struct rlimit old, low;
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
  low = old;
  low.rlim_cur = 256;
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
  int fill[256], n = 0;
  while (n < 256 && (fill[n] = open("/dev/null", O_RDONLY)) >= 0) n++;
  assert_int_equal(errno, EMFILE);
  connect_fd(&f, c1);
  connect_fd(&f, c2);
  assert_true(sees_eof(&f, c1));
  assert_true(sees_eof(&f, c2));
  assert_null(f.accepted);
  /* Descriptors free again: the listener takes the next one. */
  for (int i = 0; i < n; i++) close(fill[i]);
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
  int c3 = peer(&f);
  assert_non_null(f.accepted);
  close(c1);
  close(c2);
  close(c3);
  wait_closed(&f);
  teardown(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refused_connect_is_econnrefused),
      cmocka_unit_test(test_peer_reset_is_econnreset),
      cmocka_unit_test(test_peer_eof_leaves_the_stream_writable),
      cmocka_unit_test(test_reset_close_sends_rst),
      cmocka_unit_test(test_out_of_descriptors_sheds_connections),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
