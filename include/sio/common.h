/* libsio: common definitions shared by every public header.
 *
 * Threads: nothing in libsio is thread-safe unless its comment says so.
 * Errors: functions return 0 (or a non-negative count) on success and a
 * negative SIO_E* code on failure. A call that fails never runs its callback.
 * Signals: the first server, client or HTTP server sets SIGPIPE to ignored
 * when its disposition is still the default (sockets are written with
 * write(2), and a peer that reset its connection would otherwise kill the
 * process); a handler or SIG_IGN the application set before is left alone.
 */
#ifndef SIO_COMMON_H
#define SIO_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SIO_BUILDING)
#define SIO_EXTERN __attribute__((visibility("default")))
#else
#define SIO_EXTERN
#endif

#define SIO_VERSION_MAJOR 0
#define SIO_VERSION_MINOR 1
#define SIO_VERSION_PATCH 0
#define SIO_VERSION_STRING "0.1.0"

/* The version the library was built as, e.g. "0.1.0". Static string. */
SIO_EXTERN const char *sio_version(void);

/* Error codes. Values that have an errno equivalent equal -errno, like libuv's
 * UV_E* codes, so libuv errors pass through unchanged. */
#define SIO_ERRNO_MAP(XX)                                                                \
  XX(EINVAL, -22, "invalid argument")                                                    \
  XX(ENOMEM, -12, "out of memory")                                                       \
  XX(EPROTO, -71, "protocol error")                                                      \
  XX(ETIMEDOUT, -110, "timed out")                                                       \
  XX(ECANCELED, -125, "operation canceled")                                              \
  XX(EMSGSIZE, -90, "message too long")                                                  \
  XX(ENOENT, -2, "no such entry")                                                        \
  XX(EEXIST, -17, "already exists")                                                      \
  XX(EBUSY, -16, "resource busy")                                                        \
  XX(EAGAIN, -11, "try again")                                                           \
  XX(EACCES, -13, "permission denied")                                                   \
  XX(ENOTCONN, -107, "not connected")                                                    \
  XX(ECONNRESET, -104, "connection reset by peer")                                       \
  XX(EPIPE, -32, "broken pipe")                                                          \
  XX(EILSEQ, -84, "illegal byte sequence")                                               \
  XX(ENOTSUP, -95, "operation not supported")                                            \
  XX(ECLOSED, -4000, "closed")                                                           \
  XX(EINCOMPLETE, -4001, "incomplete input")                                             \
  XX(ELIMIT, -4002, "limit exceeded")                                                    \
  XX(ETLS, -4003, "TLS error (handshake, certificate or key)")

enum sio_errno {
#define SIO__ERR_ENUM(name, value, text) SIO_##name = (value),
  SIO_ERRNO_MAP(SIO__ERR_ENUM)
#undef SIO__ERR_ENUM
};

/* A human-readable message for an error code ("success" for 0). Static
 * string; never NULL. */
SIO_EXTERN const char *sio_strerror(int err);
/* The code's name, e.g. "EPROTO" ("OK" for 0). Static string; never NULL. */
SIO_EXTERN const char *sio_err_name(int err);

/* The one allocator hook, shared by libsio and its add-on libraries
 * (libsio-redis). Call before any other libsio function; all four must be
 * given. Returns 0, or SIO_EINVAL if one is NULL. Not thread-safe. */
typedef void *(*sio_malloc_fn)(size_t size);
typedef void *(*sio_realloc_fn)(void *ptr, size_t size);
typedef void *(*sio_calloc_fn)(size_t count, size_t size);
typedef void (*sio_free_fn)(void *ptr);
SIO_EXTERN int sio_replace_allocator(sio_malloc_fn m, sio_realloc_fn r, sio_calloc_fn c,
                                     sio_free_fn f);

/* The allocator every libsio library allocates with (the installed hook, or
 * the C library's). Memory from these is the caller's, to be released with
 * sio_free (or grown with sio_realloc); never mix it with free()/malloc()
 * while a hook is installed. A size of 0 allocates 1 byte, so NULL always
 * means out of memory. sio_calloc returns NULL when count * size overflows. */
SIO_EXTERN void *sio_malloc(size_t size);
SIO_EXTERN void *sio_realloc(void *ptr, size_t size);
SIO_EXTERN void *sio_calloc(size_t count, size_t size);
/* Frees memory that a libsio function handed over ("free with sio_free") or
 * that sio_malloc/sio_calloc/sio_realloc returned. NULL is ignored. */
SIO_EXTERN void sio_free(void *p);

/* Logging. The default handler writes lines at or above the level set by the
 * SIO_LOG environment variable (debug, info, warn, error; default warn) to
 * stderr. `msg` is borrowed for the call. */
typedef enum {
  SIO_LOG_DEBUG = 0,
  SIO_LOG_INFO,
  SIO_LOG_WARN,
  SIO_LOG_ERROR
} sio_log_level_t;
typedef void (*sio_log_cb)(sio_log_level_t level, const char *msg, void *arg);
/* Replaces the handler (NULL restores the default). Not thread-safe. */
SIO_EXTERN void sio_set_log_handler(sio_log_cb cb, void *arg);
SIO_EXTERN void sio_set_log_level(sio_log_level_t level);
/* Logs a line through the same handler and level (for add-on libraries such
 * as libsio-redis, and applications that want one log). printf format. */
SIO_EXTERN void sio_log(sio_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A borrowed span of bytes: base is valid only as long as its owner says. */
typedef struct {
  const uint8_t *base;
  size_t len;
} sio_buf_t;

#ifdef __cplusplus
}
#endif
#endif
