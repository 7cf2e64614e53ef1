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

/* Opens real (no symlink as the last component) if it is a regular file;
 * fills *st. Returns the descriptor or -1. */
static int open_regular(const char *real, struct stat *st) {
  int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
    close(fd);
    return -1;
  }
  return fd;
}

/* The precompressed sibling rel + ".gz" below the root, opened, or -1. */
static int open_gz_sibling(const sio_http_server_t *s, const char *rel, struct stat *st) {
  size_t n = strlen(rel);
  char gz[4096 + 32];
  if (n + 4 > sizeof(gz)) return -1;
  memcpy(gz, rel, n);
  memcpy(gz + n, ".gz", 4);
  int status;
  char *real = resolve(s->static_real, gz, &status);
  if (!real) return -1;
  int fd = open_regular(real, st);
  free(real);
  if (fd >= 0 && (uint64_t)st->st_size > MAX_FILE) {
    close(fd);
    fd = -1;
  }
  return fd;
}

/* Types worth compressing on the fly (images and fonts already are). */
static int compressible(const char *type) {
  return !strncmp(type, "text/", 5) || !strncmp(type, "application/json", 16) ||
         !strcmp(type, "image/svg+xml") || !strcmp(type, "application/wasm");
}

/* The ETag of one encoding: the file's with "-gzip"/"-deflate" before the
 * closing quote, so caches never mix representations. */
static void etag_for(const struct stat *st, sio__http_enc_t enc, char out[64]) {
  uint64_t mtime_ms =
      (uint64_t)st->st_mtim.tv_sec * 1000 + (uint64_t)st->st_mtim.tv_nsec / 1000000;
  char base[48];
  sio__http_etag((uint64_t)st->st_size, mtime_ms, base);
  if (enc == SIO__HTTP_ENC_IDENTITY) {
    snprintf(out, 64, "%s", base);
    return;
  }
  size_t bl = strlen(base);
  snprintf(out, 64, "%.*s-%s\"", (int)(bl - 1), base, sio__http_enc_name(enc));
}

/* If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2). */
static int not_modified(const sio_http_req_t *r, const char *etag, time_t mtime) {
  size_t hl;
  const char *inm = sio_http_req_header(r, "if-none-match", &hl);
  if (inm) return sio__http_etag_match(inm, hl, etag);
  const char *ims = sio_http_req_header(r, "if-modified-since", &hl);
  time_t t;
  return ims && sio__http_date_parse(ims, hl, &t) == 0 && mtime <= t;
}

/* Answers r with the open regular file fd (closed here): the precompressed
 * ".gz" sibling when gzip is accepted, else the file, compressed on the fly
 * when the options and Accept-Encoding allow it. */
static void serve_file(sio_http_req_t *r, const char *rel, int fd, struct stat *st) {
  const sio_http_server_t *s = r->srv;
  const char *type = sio__http_mime_type(rel);
  size_t al = 0;
  const char *ae = sio_http_req_header(r, "accept-encoding", &al);
  sio__http_enc_t enc = SIO__HTTP_ENC_IDENTITY; /* of the answer */
  int vary = 0, precompressed = 0;
  if (s->opts.compression) {
    struct stat gst;
    int gfd = open_gz_sibling(s, rel, &gst);
    if (gfd >= 0) {
      vary = 1;
      if (sio__http_accepts(ae, al, SIO__HTTP_ENC_GZIP)) {
        close(fd);
        fd = gfd;
        *st = gst;
        enc = SIO__HTTP_ENC_GZIP;
        precompressed = 1;
      } else {
        close(gfd);
      }
    }
  }
  if (!precompressed && compressible(type)) {
    int v = 0;
    enc = sio__http_pick_encoding(r, (size_t)st->st_size, &v);
    vary = vary || v;
  }
  /* On the fly, the body is read and compressed first: even a HEAD or a 304
   * announces the compressed length. */
  sio__rbuf_t *body = NULL, *z = NULL;
  int on_the_fly = enc != SIO__HTTP_ENC_IDENTITY && !precompressed;
  char etag[64], date[30], extra[224];
  etag_for(st, enc, etag);
  int nm = not_modified(r, etag, st->st_mtim.tv_sec);
  if (on_the_fly || (!nm && !r->head)) {
    int err = read_file(fd, (uint64_t)st->st_size, &body);
    if (err) {
      close(fd);
      respond_text(r, 500);
      return;
    }
  }
  close(fd);
  if (on_the_fly && body &&
      sio__http_compress(enc, s->opts.compression_level, body->data, body->len, &z) !=
          0) {
    enc = SIO__HTTP_ENC_IDENTITY; /* out of memory: the plain file serves too */
    etag_for(st, enc, etag);
  }
  sio__http_date_format(st->st_mtim.tv_sec, date);
  snprintf(extra, sizeof(extra), "ETag: %s\r\nLast-Modified: %s\r\n%s%s%s%s", etag, date,
           enc != SIO__HTTP_ENC_IDENTITY ? "Content-Encoding: " : "",
           enc != SIO__HTTP_ENC_IDENTITY ? sio__http_enc_name(enc) : "",
           enc != SIO__HTTP_ENC_IDENTITY ? "\r\n" : "",
           vary ? "Vary: Accept-Encoding\r\n" : "");
  sio__rbuf_t *out = z ? z : body;
  size_t len = out ? out->len : (size_t)st->st_size;
  if (nm)
    sio__http_respond_ex(r, 304, NULL, extra, NULL, NULL, 0, len, 0);
  else
    sio__http_respond_ex(r, 200, type, extra, NULL, out, 0, len, 0);
  sio__rbuf_unref(z);
  sio__rbuf_unref(body);
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
  int fd = open_regular(real, &st);
  free(real);
  if (fd < 0) return 0;
  if ((uint64_t)st.st_size > MAX_FILE) {
    close(fd);
    SIO_LOGW("static file %s: over %u bytes, not served", rel, MAX_FILE);
    respond_text(r, 500);
    return 1;
  }
  serve_file(r, rel, fd, &st);
  return 1;
}
