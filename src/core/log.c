#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sio_log_cb g_cb;
static void *g_cb_data;
/* -1: not read from SIO_LOG yet. Atomic: loops on several threads log
 * (workers); relaxed loads cost what plain ones do. */
static atomic_int g_level = -1;

static int current_level(void) {
  int level = atomic_load_explicit(&g_level, memory_order_relaxed);
  if (level < 0) {
    const char *env = getenv("SIO_LOG");
    level = SIO_LOG_WARN;
    if (env) {
      if (!strcmp(env, "debug"))
        level = SIO_LOG_DEBUG;
      else if (!strcmp(env, "info"))
        level = SIO_LOG_INFO;
      else if (!strcmp(env, "error"))
        level = SIO_LOG_ERROR;
    }
    int unset = -1; /* a level set meanwhile wins */
    atomic_compare_exchange_strong(&g_level, &unset, level);
    level = atomic_load_explicit(&g_level, memory_order_relaxed);
  }
  return level;
}

void sio_set_log_handler(sio_log_cb cb, void *arg) {
  g_cb = cb;
  g_cb_data = arg;
}

void sio_set_log_level(sio_log_level_t level) {
  atomic_store_explicit(&g_level, (int)level, memory_order_relaxed);
}

int sio__log_enabled(sio_log_level_t level) {
  return (int)level >= current_level();
}

static void vlog(sio_log_level_t level, const char *fmt, va_list ap) {
  if (!sio__log_enabled(level)) return;
  char msg[1024];
  vsnprintf(msg, sizeof(msg), fmt, ap);
  if (g_cb) {
    g_cb(level, msg, g_cb_data);
    return;
  }
  static const char *names[] = {"debug", "info", "warn", "error"};
  fprintf(stderr, "libsio %s: %s\n", names[level], msg);
}

void sio__log(sio_log_level_t level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(level, fmt, ap);
  va_end(ap);
}

void sio_log(sio_log_level_t level, const char *fmt, ...) {
  if ((unsigned)level > SIO_LOG_ERROR) level = SIO_LOG_ERROR;
  va_list ap;
  va_start(ap, fmt);
  vlog(level, fmt, ap);
  va_end(ap);
}
