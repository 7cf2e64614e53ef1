/* The fuzz targets' checks under the normal (gcc) build: every seed of
 * fuzz/corpus/<target>/ and every input of fuzz/regressions/<target>/ (crashes
 * and bugs the fuzzers found, kept forever) goes through the same function
 * libFuzzer calls, fuzz_<target>() in fuzz/fuzz_<target>.c, included here.
 * A failed check is a cmocka failure naming the input file.
 *
 * The inputs are read from the source tree, found from this file's path
 * (CMake compiles it by absolute path) or from $SIO_SOURCE_DIR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char *g_input; /* the file being checked, for failure messages */

#define SIO_FUZZ_NO_ENTRY 1
#define SIO_FUZZ_FAIL(file, line, what)                                                  \
  fail_msg("%s:%d: fuzz check failed: %s (input %s)", file, line, what,                  \
           g_input ? g_input : "?")

#include "../../fuzz/fuzz_base64.c"
#include "../../fuzz/fuzz_eio_packet.c"
#include "../../fuzz/fuzz_eio_v3.c"
#include "../../fuzz/fuzz_http_request.c"
#include "../../fuzz/fuzz_http_util.c"
#include "../../fuzz/fuzz_json.c"
#include "../../fuzz/fuzz_sio_msgpack.c"
#include "../../fuzz/fuzz_sio_packet.c"
#include "../../fuzz/fuzz_utf8.c"
#include "../../fuzz/fuzz_ws_deflate.c"
#include "../../fuzz/fuzz_ws_frame.c"

typedef int (*target_fn)(const uint8_t *data, size_t size);

/* The repo root: $SIO_SOURCE_DIR, else two levels above this file. */
static void source_dir(char *out, size_t cap) {
  const char *env = getenv("SIO_SOURCE_DIR");
  if (env && *env) {
    snprintf(out, cap, "%s", env);
    return;
  }
  snprintf(out, cap, "%s", __FILE__);
  for (int up = 0; up < 3; up++) {
    char *slash = strrchr(out, '/');
    if (!slash) {
      snprintf(out, cap, ".");
      return;
    }
    *slash = '\0';
  }
}

static uint8_t *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, len = 0;
  uint8_t *p = malloc(cap);
  assert_non_null(p);
  for (;;) {
    size_t got = fread(p + len, 1, cap - len, f);
    len += got;
    if (len < cap) break;
    cap *= 2;
    p = realloc(p, cap);
    assert_non_null(p);
  }
  fclose(f);
  *n = len;
  return p;
}

/* Runs fn on every file of <root>/fuzz/<kind>/<target>/; returns how many. */
static int run_dir(const char *kind, const char *target, target_fn fn) {
  char root[PATH_MAX], dir[PATH_MAX + 64], path[PATH_MAX + 400];
  struct dirent **names;
  source_dir(root, sizeof(root));
  snprintf(dir, sizeof(dir), "%s/fuzz/%s/%s", root, kind, target);
  int k = scandir(dir, &names, NULL, alphasort);
  if (k < 0) return -1;
  int ran = 0;
  for (int i = 0; i < k; i++) {
    if (names[i]->d_name[0] != '.') {
      size_t n = 0;
      snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
      uint8_t *data = read_file(path, &n);
      if (data) {
        /* An exact-size copy, as libFuzzer passes it. */
        uint8_t *exact = fz_dup(data, n);
        free(data);
        g_input = path;
        fn(exact, n);
        g_input = NULL;
        free(exact);
        ran++;
      }
    }
    free(names[i]);
  }
  free(names);
  return ran;
}

static void run_target(const char *target, target_fn fn) {
  int seeds = run_dir("corpus", target, fn);
  if (seeds <= 0) fail_msg("no seeds found for %s (set SIO_SOURCE_DIR?)", target);
  (void)run_dir("regressions", target, fn); /* absent until a bug is found */
}

static void test_json(void **state) {
  run_target("json", fuzz_json);
}
static void test_sio_msgpack(void **state) {
  run_target("sio_msgpack", fuzz_sio_msgpack);
}
static void test_sio_packet(void **state) {
  run_target("sio_packet", fuzz_sio_packet);
}
static void test_ws_frame(void **state) {
  run_target("ws_frame", fuzz_ws_frame);
  run_target("ws_deflate", fuzz_ws_deflate);
}
static void test_eio_packet(void **state) {
  run_target("eio_packet", fuzz_eio_packet);
}
static void test_eio_v3(void **state) {
  run_target("eio_v3", fuzz_eio_v3);
}
static void test_base64(void **state) {
  run_target("base64", fuzz_base64);
}
static void test_utf8(void **state) {
  run_target("utf8", fuzz_utf8);
}
static void test_http_util(void **state) {
  run_target("http_util", fuzz_http_util);
}
static void test_http_request(void **state) {
  run_target("http_request", fuzz_http_request);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json),         cmocka_unit_test(test_sio_packet),
      cmocka_unit_test(test_sio_msgpack),  cmocka_unit_test(test_ws_frame),
      cmocka_unit_test(test_eio_packet),   cmocka_unit_test(test_base64),
      cmocka_unit_test(test_utf8),         cmocka_unit_test(test_http_util),
      cmocka_unit_test(test_http_request), cmocka_unit_test(test_eio_v3),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
