#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sio_log_cb g_cb;
static void *g_cb_data;
static int g_level = -1; /* -1: not read from SIO_LOG yet */

static int current_level(void) {
  if (g_level < 0) {
    const char *env = getenv("SIO_LOG");
    g_level = SIO_LOG_WARN;
    if (env) {
      if (!strcmp(env, "debug"))
        g_level = SIO_LOG_DEBUG;
      else if (!strcmp(env, "info"))
        g_level = SIO_LOG_INFO;
      else if (!strcmp(env, "error"))
        g_level = SIO_LOG_ERROR;
    }
  }
  return g_level;
}

void sio_set_log_handler(sio_log_cb cb, void *arg) {
  g_cb = cb;
  g_cb_data = arg;
}

void sio_set_log_level(sio_log_level_t level) {
  g_level = (int)level;
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
