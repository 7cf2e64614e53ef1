/* Pure helpers of the HTTP server (no I/O): percent-decoding, query strings,
 * request-path checks for static files, content types, HTTP dates, ETags,
 * token lists and status texts. Unit-tested in tests/unit/test_http_util.c. */
#ifndef SIO_HTTP_UTIL_H
#define SIO_HTTP_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Percent-decodes in[0..len) into out (room for outcap bytes; a NUL is added
 * when there is room left). plus_space: '+' becomes ' ' (query strings).
 * strict: a malformed escape ("%", "%4", "%zz") is an error; otherwise it is
 * kept literally. Returns the decoded length, SIO_EINVAL (strict, malformed)
 * or SIO_ELIMIT (out too small). Decoded NULs are written as they are: callers
 * that need C strings check with memchr. */
int sio__pct_decode(const char *in, size_t len, char *out, size_t outcap, int plus_space,
                    int strict);

/* Finds the first parameter named key (compared after decoding) in the raw
 * query q[0..qlen), e.g. a=1&b=2. Sets *val and *vlen to its raw (still encoded)
 * value, "" for "key" or "key=". Returns 0, or SIO_ENOENT. */
int sio__http_query_find(const char *q, size_t qlen, const char *key, const char **val,
                         size_t *vlen);

/* Turns a raw request path (before '?') into a relative file path for the
 * static root: decoded once, leading slashes dropped, "" for the root. out gets
 * room for outcap bytes, NUL-terminated. Returns the length, or:
 * SIO_EINVAL (400): malformed escape, NUL (raw or %00), not starting with '/';
 * SIO_EACCES (403): a ".." segment (after decoding, so %2e%2e too) or a
 * backslash; SIO_ELIMIT: too long. "." segments and repeated slashes are
 * dropped. A trailing slash is kept (the caller serves index.html there). */
int sio__http_static_path(const char *raw, size_t len, char *out, size_t outcap);

/* Percent-encodes a decoded path in[0..len) for a Location header: every
 * byte but unreserved characters, sub-delims, ':', '@' and '/' becomes %XX
 * (so '%', CR, LF, '\\', '?', '#' and non-ASCII bytes are encoded). out gets
 * room for outcap bytes, NUL-terminated (3 * len + 1 is always enough).
 * Returns the length, or SIO_ELIMIT. */
int sio__http_pct_encode_path(const char *in, size_t len, char *out, size_t outcap);

/* The content type for a file name, from its extension (case-insensitive):
 * html, js, mjs, css, json, png, jpg/jpeg, svg, ico, txt, wasm, map, woff2;
 * application/octet-stream otherwise. Static string. */
const char *sio__http_mime_type(const char *name);

/* Formats t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") into out
 * (30 bytes with the NUL), independent of the locale. */
void sio__http_date_format(time_t t, char out[30]);
/* Parses an IMF-fixdate (the only form RFC 9110 lets senders use; others are
 * refused). Returns 0 and *out, or SIO_EINVAL. */
int sio__http_date_parse(const char *s, size_t len, time_t *out);

/* The ETag of a file: "<size hex>-<mtime ms hex>" with the quotes, into out
 * (48 bytes is enough). */
void sio__http_etag(uint64_t size, uint64_t mtime_ms, char out[48]);
/* 1 if an If-None-Match value (a list of entity tags, or "*") matches etag,
 * compared weakly (a W/ prefix is ignored), else 0. */
int sio__http_etag_match(const char *inm, size_t len, const char *etag);

/* 1 if the comma-separated list value[0..len) holds token (NUL-terminated),
 * case-insensitively, ignoring spaces and tabs around elements. */
int sio__http_list_has_token(const char *value, size_t len, const char *token);
/* Case-insensitive equality of a[0..alen) and the NUL-terminated b. */
int sio__http_ieq(const char *a, size_t alen, const char *b);

/* The reason phrase of a status code ("Not Found"); "Unknown" if unknown. */
const char *sio__http_status_text(int status);

#endif
