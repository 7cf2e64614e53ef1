/* Static files below the server's root, for GET and HEAD.
 *
 * Safety: the path is decoded once and refused (403) if it holds an encoded
 * NUL, a backslash or a ".." segment; the file is then resolved with realpath() and
 * must still be below the root's own realpath, so a symlink that leads out of
 * the root is not followed out (404). The final open uses O_NOFOLLOW.
 *
 * Files are read with blocking reads into one buffer (the loop stalls while a
 * file is read; fine for the small assets of a Socket.IO app) and refused past
 * MAX_FILE bytes. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/log.h"
#include "http/http_internal.h"
#include "http/http_util.h"

#define MAX_FILE (64u * 1024 * 1024)

static void respond_text(sio_http_req_t *r, int status) {
  const char *t = sio__http_status_text(status);
  sio_http_req_respond(r, status, "text/plain; charset=utf-8", NULL, t, strlen(t));
}

/* realpath() of root/rel, checked to be inside root. Returns the path (libc
 * malloc'd: free()), or NULL with *status 0 (no such file) or 404 (outside). */
static char *resolve(const char *root, const char *rel, int *status) {
  size_t rl = strlen(root), ll = strlen(rel);
  char *full = sio__malloc(rl + ll + 2);
  *status = 0;
  if (!full) {
    *status = 500;
    return NULL;
  }
  memcpy(full, root, rl);
  full[rl] = '/';
  memcpy(full + rl + 1, rel, ll + 1);
  char *real = realpath(full, NULL);
  sio__free(full);
  if (!real) return NULL;
  size_t n = strlen(real);
  int inside = n >= rl && !memcmp(real, root, rl) &&
               (real[rl] == '/' || real[rl] == '\0' || (rl == 1 && root[0] == '/'));
  if (!inside) {
    free(real);
    *status = 404;
    return NULL;
  }
  return real;
}

static int read_file(int fd, uint64_t size, sio__rbuf_t **out) {
  sio__rbuf_t *b = sio__rbuf_new((size_t)size);
  if (!b) return SIO_ENOMEM;
  size_t got = 0;
  while (got < size) {
    ssize_t n = pread(fd, b->data + got, (size_t)size - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      sio__rbuf_unref(b);
      return SIO_EINVAL;
    }
    if (n == 0) break; /* shrank meanwhile: serve what is there */
    got += (size_t)n;
  }
  b->len = got;
  *out = b;
  return 0;
}

/* "/docs" names a directory: sends the client to "/docs/" so relative links
 * inside its index resolve. The target is built from the normalised path
 * (rel: decoded, without repeated slashes or "." segments), encoded again,
 * never from the raw one: "//docs/" would be a network-path reference, read
 * by a browser as the host "docs", and a decoded CR or LF must not reach a
 * header. */
static void redirect_to_dir(sio_http_req_t *r, const char *rel, size_t n) {
  size_t cap = 3 * n + 1;
  char *enc = sio__malloc(cap);
  int el = enc ? sio__http_pct_encode_path(rel, n, enc, cap) : SIO_ENOMEM;
  if (el < 0) {
    sio__free(enc);
    respond_text(r, 500);
    return;
  }
  sio__sb_t sb;
  sio__sb_init(&sb, (size_t)el + 32);
  sio__sb_puts(&sb, "Location: /");
  sio__sb_append(&sb, enc, (size_t)el);
  sio__sb_puts(&sb, "/\r\n");
  sio__sb_putc(&sb, '\0');
  sio__free(enc);
  sio__rbuf_t *loc = sio__sb_finish(&sb);
  sio_http_req_respond(r, 301, NULL, loc ? (const char *)loc->data : NULL, NULL, 0);
  sio__rbuf_unref(loc);
}

/* "%00" in the raw path: a NUL that would cut the file name short (the
 * "secret.txt%00.html" trick). A raw NUL never gets past the parser. */
static int has_encoded_nul(const char *p, size_t n) {
  for (size_t i = 0; i + 2 < n; i++)
    if (p[i] == '%' && p[i + 1] == '0' && p[i + 2] == '0') return 1;
  return 0;
}

int sio__http_static_serve(sio_http_req_t *r) {
  sio_http_server_t *s = r->srv;
  if (!s || !s->static_real) return 0;
  int get = !strcmp(r->method, "GET");
  if (!get && !r->head) return 0;
  size_t plen;
  const char *path = sio_http_req_path(r, &plen);
  if (has_encoded_nul(path, plen)) {
    respond_text(r, 403); /* an escape attempt, like "..": not a malformed path */
    return 1;
  }
  char rel[4096 + 16];
  int n = sio__http_static_path(path, plen, rel, sizeof(rel) - 16);
  if (n == SIO_EINVAL) {
    respond_text(r, 400);
    return 1;
  }
  if (n == SIO_EACCES) {
    respond_text(r, 403);
    return 1;
  }
  if (n < 0) {
    respond_text(r, 404);
    return 1;
  }
  int dir_target = n == 0 || rel[n - 1] == '/';
  if (dir_target) memcpy(rel + n, "index.html", 11);
  int status;
  char *real = resolve(s->static_real, rel, &status);
  if (!real) {
    if (status) respond_text(r, status);
    return status != 0;
  }
  struct stat st;
  if (stat(real, &st) != 0) {
    free(real);
    return 0;
  }
  if (S_ISDIR(st.st_mode)) {
    free(real);
    if (dir_target) return 0;
    redirect_to_dir(r, rel, (size_t)n);
    return 1;
  }
  int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  free(real);
  if (fd < 0) return 0;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return 0;
  }
  if ((uint64_t)st.st_size > MAX_FILE) {
    close(fd);
    SIO_LOGW("static file %s: over %u bytes, not served", rel, MAX_FILE);
    respond_text(r, 500);
    return 1;
  }
  uint64_t size = (uint64_t)st.st_size;
  uint64_t mtime_ms =
      (uint64_t)st.st_mtim.tv_sec * 1000 + (uint64_t)st.st_mtim.tv_nsec / 1000000;
  char etag[48], date[30], extra[160];
  sio__http_etag(size, mtime_ms, etag);
  sio__http_date_format(st.st_mtim.tv_sec, date);
  snprintf(extra, sizeof(extra), "ETag: %s\r\nLast-Modified: %s\r\n", etag, date);
  /* If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2). */
  size_t hl;
  const char *inm = sio_http_req_header(r, "if-none-match", &hl);
  int not_modified = 0;
  if (inm) {
    not_modified = sio__http_etag_match(inm, hl, etag);
  } else {
    const char *ims = sio_http_req_header(r, "if-modified-since", &hl);
    time_t t;
    if (ims && sio__http_date_parse(ims, hl, &t) == 0 && st.st_mtim.tv_sec <= t)
      not_modified = 1;
  }
  const char *type = sio__http_mime_type(rel);
  if (not_modified || r->head) {
    close(fd);
    sio__http_respond_ex(r, not_modified ? 304 : 200, not_modified ? NULL : type, extra,
                         NULL, NULL, 0, (size_t)size, 0);
    return 1;
  }
  sio__rbuf_t *b = NULL;
  int err = read_file(fd, size, &b);
  close(fd);
  if (err) {
    respond_text(r, 500);
    return 1;
  }
  sio__http_respond_ex(r, 200, type, extra, NULL, b, 0, b->len, 0);
  sio__rbuf_unref(b);
  return 1;
}
