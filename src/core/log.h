/* Internal logging; goes through the handler set by sio_set_log_handler(). */
#ifndef SIO_CORE_LOG_H
#define SIO_CORE_LOG_H

#include "sio/common.h"

void sio__log(sio_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sio__log_enabled(sio_log_level_t level);

#define SIO_LOGD(...) sio__log(SIO_LOG_DEBUG, __VA_ARGS__)
#define SIO_LOGI(...) sio__log(SIO_LOG_INFO, __VA_ARGS__)
#define SIO_LOGW(...) sio__log(SIO_LOG_WARN, __VA_ARGS__)
#define SIO_LOGE(...) sio__log(SIO_LOG_ERROR, __VA_ARGS__)

#endif
