#include <string.h>

#include "sio/common.h"

const char *sio_version(void) {
  return SIO_VERSION_STRING;
}

const char *sio_strerror(int err) {
  if (err == 0) return "success";
  switch (err) {
#define SIO__ERR_TEXT(name, value, text)                                                 \
  case SIO_##name:                                                                       \
    return text;
    SIO_ERRNO_MAP(SIO__ERR_TEXT)
#undef SIO__ERR_TEXT
  }
  /* libuv codes on Unix are -errno. */
  if (err < 0 && err > -4000) return strerror(-err);
  return "unknown error";
}

const char *sio_err_name(int err) {
  if (err == 0) return "OK";
  switch (err) {
#define SIO__ERR_NAME(name, value, text)                                                 \
  case SIO_##name:                                                                       \
    return #name;
    SIO_ERRNO_MAP(SIO__ERR_NAME)
#undef SIO__ERR_NAME
  }
  return "UNKNOWN";
}
