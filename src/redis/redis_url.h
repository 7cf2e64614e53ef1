/* libsio-redis: where Redis is, parsed from a URL.
 *
 * Accepted forms (scheme case-insensitive):
 *   redis://[[user]:password@]host[:port][/db][?query]
 *   unix:///absolute/path/to/redis.sock[?query]
 * with query parameters db=N, password=P, user=U (each at most once, and
 * not both in the userinfo and the query). Defaults: host 127.0.0.1 (when
 * the host is empty), port 6379, db 0, no AUTH. user, password and the unix
 * path are percent-decoded; a decoded NUL is refused. IPv6 hosts go in
 * brackets: redis://[::1]:6379. rediss:// (TLS) is refused: not supported.
 */
#ifndef SIO_REDIS_URL_H
#define SIO_REDIS_URL_H

typedef struct {
  char *host;     /* NULL for unix sockets; without brackets for IPv6 */
  int port;       /* 6379 default; 0 for unix sockets */
  char *path;     /* unix socket path or NULL */
  char *user;     /* NULL when absent (Redis 6 ACL: AUTH user password) */
  char *password; /* NULL when absent; never "" */
  int db;         /* 0 default */
} sio__redis_url_t;

/* The longest URL accepted, in bytes. */
#define SIO__REDIS_URL_MAX 4096

/* Parses text into *out (strings malloc'd, owned by *out until
 * sio__redis_url_free). 0, SIO_EINVAL (unusable URL, rediss:// too) or
 * SIO_ENOMEM; on error *out is left zeroed (nothing to free). */
int sio__redis_url_parse(const char *text, sio__redis_url_t *out);
/* Deep copy of src into dst (dst is overwritten, not freed first).
 * 0 or SIO_ENOMEM (dst zeroed). */
int sio__redis_url_copy(sio__redis_url_t *dst, const sio__redis_url_t *src);
/* Frees the strings of u and zeroes it. NULL-safe; idempotent. */
void sio__redis_url_free(sio__redis_url_t *u);
/* "host:port", "[v6]:port" or "unix:path" into buf (always NUL-terminated,
 * truncated to size), for log lines. Returns buf. */
const char *sio__redis_url_describe(const sio__redis_url_t *u, char *buf, unsigned size);

#endif
