/* libuv writes with write(2), so a peer that reset its connection would kill
 * a libsio program with SIGPIPE: the first loop libsio uses sets SIGPIPE to
 * ignored, unless the application already installed a disposition. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "io/io_loop.h"

static void app_handler(int sig) {
  (void)sig;
}

static void *current_handler(void) {
  struct sigaction sa;
  assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
  return (void *)sa.sa_handler;
}

static void use_a_loop(void) {
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  sio__io_t *io = sio__io_acquire(&loop);
  assert_non_null(io);
  sio__io_release(io);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* In a child (a fresh process-wide state): the application's own handler,
 * installed before libsio runs, is kept. */
static void test_application_handler_kept(void **state) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    signal(SIGPIPE, app_handler);
    use_a_loop();
    _exit(current_handler() == (void *)app_handler ? 0 : 1);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_default_becomes_ignored(void **state) {
  signal(SIGPIPE, SIG_DFL);
  use_a_loop();
  assert_ptr_equal(current_handler(), (void *)SIG_IGN);
  /* A write to a pipe nobody reads now fails with EPIPE instead of killing. */
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  close(fds[0]);
  assert_int_equal(write(fds[1], "x", 1), -1);
  close(fds[1]);
}

int main(void) {
  /* The child test runs first, before this process ever touched libsio. */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_application_handler_kept),
      cmocka_unit_test(test_default_becomes_ignored),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
