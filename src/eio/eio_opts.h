/* The Engine.IO server's options as a value: the Socket.IO server copies a
 * user's options, changes the path and hands the copy to sio_eio_server_new. */
#ifndef SIO_EIO_OPTS_H
#define SIO_EIO_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "sio/eio.h"
#include "ws/ws_deflate.h"

struct sio_eio_opts {
  char *path;
  unsigned transports;
  int allow_upgrades;
  uint32_t ping_interval, ping_timeout, upgrade_timeout, close_timeout;
  size_t max_http_buffer_size;
  uint32_t rate_limit, rate_burst; /* packets/s and burst; 0: off */
  char *cookie_name;               /* NULL: no cookie */
  char *cookie_path;
  char *cookie_same_site; /* NULL: no SameSite */
  int cookie_http_only;
  char *server_cookie; /* "name=value" naming this server, or NULL */
  /* Handshake headers a session keeps: lower-case names joined by commas
   * ("" keeps none); NULL keeps every header (the default). */
  char *keep_headers;
  /* Long handshake header values shared between sessions (eio_hvals.h):
   * at most this many, each at most this long; 0 entries: none shared. */
  uint32_t hval_max_entries, hval_max_len;
  sio_eio_allow_request_cb allow_request;
  void *allow_request_data;
  sio_eio_allow_request_async_cb allow_async;
  void *allow_async_data;
  uint32_t allow_timeout; /* ms */
  sio_eio_headers_cb initial_headers, headers;
  void *initial_headers_data, *headers_data;
  sio_eio_generate_id_cb generate_id;
  void *generate_id_data;
  int allow_eio3;                /* accept Engine.IO v3 clients (EIO=3) */
  sio__ws_deflate_cfg_t deflate; /* permessage-deflate (off by default) */
};

/* Copies src into dst (strings duplicated). 0 or SIO_ENOMEM (dst then empty). */
int sio__eio_opts_copy(sio_eio_opts_t *dst, const sio_eio_opts_t *src);
/* Fills o with the defaults (no allocation but the path). */
int sio__eio_opts_init(sio_eio_opts_t *o);
/* Frees the strings of o (not o). */
void sio__eio_opts_clear(sio_eio_opts_t *o);

#endif
