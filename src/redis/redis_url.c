/* libsio-redis: Redis URL parsing (see redis_url.h for the grammar). */
#include "redis/redis_url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "sio/common.h"

/* sun_path is 108 bytes on Linux, with its NUL. */
#define URL_UNIX_PATH_MAX 107
/* Redis databases are numbered from 0; 9 digits keep the value in an int. */
#define URL_DB_DIGITS_MAX 9

static int lower(int ch) {
  return (ch >= 'A' && ch <= 'Z') ? ch + ('a' - 'A') : ch;
}

static int prefix_nocase(const char *s, size_t n, const char *lit) {
  size_t i, m = strlen(lit);
  if (n < m) return 0;
  for (i = 0; i < m; i++)
    if (lower((unsigned char)s[i]) != lit[i]) return 0;
  return 1;
}

static int hexval(int ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  ch = lower(ch);
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return -1;
}

/* Percent-decodes s[0..n) into a new string. NULL with *err set on a bad
 * escape, a decoded NUL (EINVAL) or no memory (ENOMEM). */
static char *pct_decode(const char *s, size_t n, int *err) {
  char *out = sio__malloc(n + 1);
  size_t i, o = 0;
  if (!out) {
    *err = SIO_ENOMEM;
    return NULL;
  }
  for (i = 0; i < n; i++) {
    if (s[i] != '%') {
      out[o++] = s[i];
      continue;
    }
    if (n - i < 3) goto bad; /* fewer than 2 digits left */
    {
      int hi = hexval((unsigned char)s[i + 1]), lo = hexval((unsigned char)s[i + 2]);
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) goto bad;
      out[o++] = (char)(hi * 16 + lo);
      i += 2;
    }
  }
  out[o] = '\0';
  return out;
bad:
  sio__free(out);
  *err = SIO_EINVAL;
  return NULL;
}

static char *dup_n(const char *s, size_t n) {
  char *out = sio__malloc(n + 1);
  if (!out) return NULL;
  memcpy(out, s, n);
  out[n] = '\0';
  return out;
}

/* Decimal digits only, at most maxdig of them, at least one. -1 if not. */
static long parse_uint(const char *s, size_t n, size_t maxdig) {
  long v = 0;
  size_t i;
  if (n == 0 || n > maxdig) return -1;
  for (i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

static int host_char(int ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
         (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
}

static int v6_char(int ch) {
  return hexval(ch) >= 0 || ch == ':' || ch == '.';
}

/* Sets a decoded string field once; a second value is EINVAL. */
static int set_once(char **field, const char *s, size_t n) {
  int err = 0;
  if (*field) return SIO_EINVAL;
  *field = pct_decode(s, n, &err);
  return *field ? 0 : err;
}

/* db=N&password=P&user=U; *db_set tracks whether db came from the path. */
static int parse_query(const char *q, size_t n, sio__redis_url_t *u, int *db_set) {
  size_t i = 0;
  while (i < n) {
    size_t end = i, eq;
    const char *k, *v;
    size_t kn, vn;
    int rc;
    while (end < n && q[end] != '&') end++;
    if (end == i) { /* empty item ("a&&b", trailing '&') */
      i = end + 1;
      continue;
    }
    for (eq = i; eq < end && q[eq] != '='; eq++) {
    }
    if (eq == end) return SIO_EINVAL;
    k = q + i;
    kn = eq - i;
    v = q + eq + 1;
    vn = end - eq - 1;
    if (kn == 2 && memcmp(k, "db", 2) == 0) {
      long db = parse_uint(v, vn, URL_DB_DIGITS_MAX);
      if (db < 0 || *db_set) return SIO_EINVAL;
      u->db = (int)db;
      *db_set = 1;
    } else if (kn == 8 && memcmp(k, "password", 8) == 0) {
      if ((rc = set_once(&u->password, v, vn)) != 0) return rc;
    } else if (kn == 4 && memcmp(k, "user", 4) == 0) {
      if ((rc = set_once(&u->user, v, vn)) != 0) return rc;
    } else {
      return SIO_EINVAL; /* unknown parameter: better refused than ignored */
    }
    i = end + 1;
  }
  return 0;
}

/* userinfo "[user]:password" (password required, non-empty). */
static int parse_userinfo(const char *s, size_t n, sio__redis_url_t *u) {
  const char *colon = memchr(s, ':', n);
  int rc;
  if (!colon || colon == s + n - 1) return SIO_EINVAL;
  if (colon > s && (rc = set_once(&u->user, s, (size_t)(colon - s))) != 0) return rc;
  return set_once(&u->password, colon + 1, (size_t)(s + n - colon - 1));
}

/* host[:port] or [v6][:port]; an empty host means 127.0.0.1. */
static int parse_hostport(const char *s, size_t n, sio__redis_url_t *u) {
  const char *h = s, *p = NULL;
  size_t hn, i, pn = 0;
  if (n > 0 && s[0] == '[') {
    const char *close = memchr(s, ']', n);
    if (!close || close == s + 1) return SIO_EINVAL;
    h = s + 1;
    hn = (size_t)(close - h);
    for (i = 0; i < hn; i++)
      if (!v6_char((unsigned char)h[i])) return SIO_EINVAL;
    if (close + 1 < s + n) {
      if (close[1] != ':') return SIO_EINVAL;
      p = close + 2;
      pn = (size_t)(s + n - p);
      if (pn == 0) return SIO_EINVAL;
    }
  } else {
    const char *colon = memchr(s, ':', n);
    hn = colon ? (size_t)(colon - s) : n;
    for (i = 0; i < hn; i++)
      if (!host_char((unsigned char)h[i])) return SIO_EINVAL;
    if (colon) {
      p = colon + 1;
      pn = (size_t)(s + n - p);
      if (pn == 0) return SIO_EINVAL;
    }
  }
  if (p) {
    long port = parse_uint(p, pn, 5);
    if (port < 1 || port > 65535) return SIO_EINVAL;
    u->port = (int)port;
  }
  u->host = hn ? dup_n(h, hn) : dup_n("127.0.0.1", 9);
  return u->host ? 0 : SIO_ENOMEM;
}

static int parse_tcp(const char *s, size_t n, sio__redis_url_t *u) {
  size_t auth_end = 0, path_end;
  const char *at = NULL, *q;
  int rc, db_set = 0;
  while (auth_end < n && s[auth_end] != '/' && s[auth_end] != '?') auth_end++;
  for (q = s; q < s + auth_end; q++)
    if (*q == '@') at = q; /* the last '@' ends the userinfo */
  u->port = 6379;
  if (at && (rc = parse_userinfo(s, (size_t)(at - s), u)) != 0) return rc;
  {
    const char *hp = at ? at + 1 : s;
    if ((rc = parse_hostport(hp, (size_t)(s + auth_end - hp), u)) != 0) return rc;
  }
  path_end = auth_end;
  while (path_end < n && s[path_end] != '?') path_end++;
  if (path_end > auth_end + 1) { /* "/db" */
    long db = parse_uint(s + auth_end + 1, path_end - auth_end - 1, URL_DB_DIGITS_MAX);
    if (db < 0) return SIO_EINVAL;
    u->db = (int)db;
    db_set = 1;
  }
  if (path_end < n &&
      (rc = parse_query(s + path_end + 1, n - path_end - 1, u, &db_set)) != 0)
    return rc;
  return 0;
}

static int parse_unix(const char *s, size_t n, sio__redis_url_t *u) {
  size_t path_end = 0;
  int rc, err = 0, db_set = 0;
  if (n == 0 || s[0] != '/') return SIO_EINVAL; /* unix:///abs/path only */
  while (path_end < n && s[path_end] != '?') path_end++;
  u->path = pct_decode(s, path_end, &err);
  if (!u->path) return err;
  if (strlen(u->path) < 2 || strlen(u->path) > URL_UNIX_PATH_MAX) return SIO_EINVAL;
  u->port = 0;
  if (path_end < n &&
      (rc = parse_query(s + path_end + 1, n - path_end - 1, u, &db_set)) != 0)
    return rc;
  return 0;
}

int sio__redis_url_parse(const char *text, sio__redis_url_t *out) {
  size_t n, i;
  int rc;
  if (!out) return SIO_EINVAL;
  memset(out, 0, sizeof(*out));
  if (!text) return SIO_EINVAL;
  n = strnlen(text, SIO__REDIS_URL_MAX + 1);
  if (n > SIO__REDIS_URL_MAX) return SIO_EINVAL;
  for (i = 0; i < n; i++) { /* no spaces, controls, fragments or 8-bit bytes */
    unsigned char ch = (unsigned char)text[i];
    if (ch <= 0x20 || ch >= 0x7f || ch == '#') return SIO_EINVAL;
  }
  if (prefix_nocase(text, n, "redis://"))
    rc = parse_tcp(text + 8, n - 8, out);
  else if (prefix_nocase(text, n, "unix://"))
    rc = parse_unix(text + 7, n - 7, out);
  else
    rc = SIO_EINVAL; /* rediss:// (TLS) included */
  /* A user without a password cannot AUTH. */
  if (rc == 0 && out->user && !out->password) rc = SIO_EINVAL;
  if (rc != 0) sio__redis_url_free(out);
  return rc;
}

static int copy_str(char **dst, const char *src) {
  if (!src) return 0;
  *dst = dup_n(src, strlen(src));
  return *dst ? 0 : SIO_ENOMEM;
}

int sio__redis_url_copy(sio__redis_url_t *dst, const sio__redis_url_t *src) {
  memset(dst, 0, sizeof(*dst));
  dst->port = src->port;
  dst->db = src->db;
  if (copy_str(&dst->host, src->host) || copy_str(&dst->path, src->path) ||
      copy_str(&dst->user, src->user) || copy_str(&dst->password, src->password)) {
    sio__redis_url_free(dst);
    return SIO_ENOMEM;
  }
  return 0;
}

void sio__redis_url_free(sio__redis_url_t *u) {
  if (!u) return;
  sio__free(u->host);
  sio__free(u->path);
  sio__free(u->user);
  if (u->password) { /* do not leave a secret behind in freed memory */
    memset(u->password, 0, strlen(u->password));
    sio__free(u->password);
  }
  memset(u, 0, sizeof(*u));
}

const char *sio__redis_url_describe(const sio__redis_url_t *u, char *buf, unsigned size) {
  if (!size) return buf;
  if (u->path)
    snprintf(buf, size, "unix:%s", u->path);
  else if (u->host && strchr(u->host, ':'))
    snprintf(buf, size, "[%s]:%d", u->host, u->port);
  else
    snprintf(buf, size, "%s:%d", u->host ? u->host : "?", u->port);
  return buf;
}
