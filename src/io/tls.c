#include "io/tls.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "io/stream_internal.h"
#include "sio/common.h"

/* sio__tls_ctx_t is an SSL_CTX: its own reference count keeps it alive for
 * the connections that outlive the client. */
static SSL_CTX *ctx_of(sio__tls_ctx_t *c) {
  return (SSL_CTX *)(void *)c;
}

struct sio__tls {
  SSL *ssl;
  BIO *rbio, *wbio; /* owned by ssl */
  sio__stream_connect_cb cb;
  void *arg;
  char *host; /* for log lines */
  unsigned done : 1;
};

/* A server hears from any client on the net: its failed handshakes (port
 * scans, plain HTTP to the TLS port) are logged at debug level only. */
static void log_ssl_errors_at(int debug, const char *what, const char *host) {
  unsigned long e = ERR_get_error();
  char text[256];
  if (e)
    ERR_error_string_n(e, text, sizeof(text));
  else
    snprintf(text, sizeof(text), "no detail");
  if (debug)
    SIO_LOGD("tls: %s%s%s: %s", what, host ? " " : "", host ? host : "", text);
  else
    SIO_LOGW("tls: %s%s%s: %s", what, host ? " " : "", host ? host : "", text);
  ERR_clear_error();
}

static void log_ssl_errors(const char *what, const char *host) {
  log_ssl_errors_at(0, what, host);
}

int sio__tls_ctx_new(int verify, const char *ca_file, const char *ca_dir,
                     const char *cert_file, const char *key_file, sio__tls_ctx_t **out) {
  *out = NULL;
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return SIO_ENOMEM;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  /* An idle connection keeps no 34 KB of record buffers. */
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  int ok = 1;
  if (verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (ca_file || ca_dir)
      ok = SSL_CTX_load_verify_locations(ctx, ca_file, ca_dir) == 1;
    else
      ok = SSL_CTX_set_default_verify_paths(ctx) == 1;
    if (!ok)
      log_ssl_errors("cannot load the CA certificates", ca_file ? ca_file : ca_dir);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  }
  if (ok && (cert_file || key_file)) {
    ok = cert_file && key_file &&
         SSL_CTX_use_certificate_chain_file(ctx, cert_file) == 1 &&
         SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) == 1 &&
         SSL_CTX_check_private_key(ctx) == 1;
    if (!ok) log_ssl_errors("cannot load the client certificate", cert_file);
  }
  if (!ok) {
    SSL_CTX_free(ctx);
    return SIO_ETLS;
  }
  *out = (sio__tls_ctx_t *)(void *)ctx;
  return 0;
}

/* ALPN: HTTP/1.1 is all the server speaks; a client that offers only other
 * protocols (h2 alone) goes on without ALPN rather than failing. */
static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg) {
  static const unsigned char k_proto[] = "\x08http/1.1";
  unsigned char *sel = NULL;
  (void)ssl;
  (void)arg;
  if (SSL_select_next_proto(&sel, outlen, k_proto, sizeof(k_proto) - 1, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = sel;
  return SSL_TLSEXT_ERR_OK;
}

/* Asks every client for a certificate signed by a CA of ca_file (PEM) and
 * fails the handshake without one. 1 on success. */
static int require_client_certs(SSL_CTX *ctx, const char *ca_file) {
  static const unsigned char k_sid_ctx[] = "libsio";
  if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) return 0;
  STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca_file);
  if (!names) return 0;
  SSL_CTX_set_client_CA_list(ctx, names); /* takes names */
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  /* A resumed session must have been verified under this context. */
  return SSL_CTX_set_session_id_context(ctx, k_sid_ctx, sizeof(k_sid_ctx) - 1) == 1;
}

int sio__tls_server_ctx_new(const char *cert_chain_file, const char *key_file,
                            const char *client_ca_file, sio__tls_ctx_t **out) {
  *out = NULL;
  if (!cert_chain_file || !key_file) return SIO_EINVAL;
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return SIO_ENOMEM;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
#ifdef SSL_OP_NO_RENEGOTIATION
  /* Client-initiated renegotiation only costs the server CPU. */
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
#endif
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
  int ok = SSL_CTX_use_certificate_chain_file(ctx, cert_chain_file) == 1;
  if (!ok) log_ssl_errors("cannot load the server certificate chain", cert_chain_file);
  if (ok) {
    ok = SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) == 1;
    if (!ok) log_ssl_errors("cannot load the server key", key_file);
  }
  if (ok) {
    ok = SSL_CTX_check_private_key(ctx) == 1;
    if (!ok) log_ssl_errors("the key does not match the certificate", key_file);
  }
  if (ok && client_ca_file) {
    ok = require_client_certs(ctx, client_ca_file);
    if (!ok) log_ssl_errors("cannot load the client CA certificates", client_ca_file);
  }
  if (!ok) {
    SSL_CTX_free(ctx);
    return SIO_ETLS;
  }
  *out = (sio__tls_ctx_t *)(void *)ctx;
  return 0;
}

void sio__tls_ctx_free(sio__tls_ctx_t *ctx) {
  if (ctx) SSL_CTX_free(ctx_of(ctx));
}

void sio__tls_free(sio__tls_t *t) {
  if (!t) return;
  SSL_free(t->ssl);
  sio__free(t->host);
  sio__free(t);
}

/* Moves what SSL wrote (records, alerts) to the write queue. 0 or
 * SIO_ENOMEM. */
static int drain(sio__stream_t *s) {
  sio__tls_t *t = s->tls;
  size_t n = BIO_ctrl_pending(t->wbio);
  if (n == 0) return 0;
  sio__rbuf_t *b = sio__rbuf_new(n);
  if (!b) return SIO_ENOMEM;
  int got = BIO_read(t->wbio, b->data, n > INT_MAX ? INT_MAX : (int)n);
  int r = 0;
  if (got > 0) {
    b->len = (size_t)got;
    r = sio__stream_push_raw(s, b, 0, (size_t)got);
  }
  sio__rbuf_unref(b);
  return r;
}

/* The handshake failed: the connect callback hears err, nothing after. */
static void handshake_failed(sio__stream_t *s, int err) {
  sio__tls_t *t = s->tls;
  t->done = 1;
  if (!t->cb) { /* an accepted stream: its owner's on_error tells it */
    sio__stream_fail(s, err);
    return;
  }
  sio__stream_fail_quiet(s, err);
  t->cb(s, t->arg, err);
}

/* Decrypts what the read BIO holds and hands it to the owner. */
static void deliver(sio__stream_t *s, uint8_t *buf, size_t cap) {
  sio__tls_t *t = s->tls;
  int room = cap > INT_MAX ? INT_MAX : (int)cap;
  for (;;) {
    if (s->closing || s->err || s->ending) return;
    ERR_clear_error();
    int n = SSL_read(t->ssl, buf, room);
    if (n > 0) {
      s->cbs->on_read(s, s->arg, buf, (size_t)n);
      continue;
    }
    int e = SSL_get_error(t->ssl, n);
    /* A key update or ticket may want an answer. */
    if (drain(s) != 0) {
      sio__stream_fail(s, SIO_ENOMEM);
      return;
    }
    /* WANT_READ: wait for more; ZERO_RETURN (close_notify): the TCP EOF
     * that follows tells the owner. */
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_ZERO_RETURN) return;
    log_ssl_errors_at(!t->cb, "read failed from", t->host);
    sio__stream_fail(s, SIO_ETLS);
    return;
  }
}

static void handshake(sio__stream_t *s, uint8_t *buf, size_t cap) {
  sio__tls_t *t = s->tls;
  ERR_clear_error();
  int r = SSL_do_handshake(t->ssl);
  int e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(t->ssl, r);
  if (drain(s) != 0) {
    handshake_failed(s, SIO_ENOMEM);
    return;
  }
  if (r == 1) {
    t->done = 1;
    if (t->cb) t->cb(s, t->arg, 0);
    /* Application data that came with the last handshake bytes. */
    if (buf) deliver(s, buf, cap);
    return;
  }
  if (e == SSL_ERROR_WANT_READ) return;
  if (!t->cb) {
    char who[64];
    snprintf(who, sizeof(who), "%s", sio__stream_remote_addr(s));
    log_ssl_errors_at(1, "handshake failed from", who);
    handshake_failed(s, SIO_ETLS);
    return;
  }
  long v = SSL_get_verify_result(t->ssl);
  if (v != X509_V_OK) {
    SIO_LOGW("tls: certificate of %s rejected: %s", t->host,
             X509_verify_cert_error_string(v));
    ERR_clear_error();
  } else {
    log_ssl_errors("handshake failed with", t->host);
  }
  handshake_failed(s, SIO_ETLS);
}

void sio__tls_feed(sio__stream_t *s, uint8_t *buf, size_t len, size_t cap) {
  sio__tls_t *t = s->tls;
  /* A memory BIO takes everything: the bytes are copied out of buf, which
   * then holds the plaintext. */
  if (BIO_write(t->rbio, buf, (int)len) != (int)len) {
    if (t->done)
      sio__stream_fail(s, SIO_ENOMEM);
    else
      handshake_failed(s, SIO_ENOMEM);
    return;
  }
  if (t->done)
    deliver(s, buf, cap);
  else
    handshake(s, buf, cap);
}

int sio__tls_read_failed(sio__stream_t *s, int err) {
  sio__tls_t *t = s->tls;
  if (t->done || !t->cb) return 0;
  handshake_failed(s, err == UV_EOF ? SIO_ECONNRESET : err);
  return 1;
}

int sio__tls_write(sio__stream_t *s, const uint8_t *p, size_t len) {
  sio__tls_t *t = s->tls;
  if (!t->done) return SIO_ENOTCONN;
  while (len > 0) {
    int n = len > (1u << 30) ? (1 << 30) : (int)len;
    ERR_clear_error();
    int w = SSL_write(t->ssl, p, n);
    if (w <= 0) {
      log_ssl_errors_at(!t->cb, "write failed to", t->host);
      return SIO_ETLS;
    }
    p += w;
    len -= (size_t)w;
  }
  return drain(s);
}

void sio__tls_close_notify(sio__stream_t *s) {
  sio__tls_t *t = s->tls;
  if (!SSL_is_init_finished(t->ssl)) return;
  ERR_clear_error();
  SSL_shutdown(t->ssl); /* queues close_notify; the peer's is not awaited */
  ERR_clear_error();
  drain(s);
}

/* The TCP connection is up (or failed): the handshake starts. */
static void on_tcp_connect(sio__stream_t *s, void *arg, int status) {
  sio__tls_t *t = arg;
  if (status != 0) {
    t->done = 1;
    t->cb(s, t->arg, status);
    return;
  }
  int r = sio__stream_read_start(s);
  if (r != 0) {
    handshake_failed(s, r);
    return;
  }
  handshake(s, NULL, 0);
}

static int is_ip(const char *host) {
  struct sockaddr_in a4;
  struct sockaddr_in6 a6;
  return uv_ip4_addr(host, 0, &a4) == 0 || uv_ip6_addr(host, 0, &a6) == 0;
}

sio__stream_t *sio__stream_connect_tls(uv_loop_t *loop, const char *addr, int port,
                                       const char *host, sio__tls_ctx_t *ctx,
                                       sio__stream_connect_cb cb, void *arg) {
  if (!ctx || !host) return NULL;
  sio__tls_t *t = sio__calloc(1, sizeof(*t));
  if (!t) return NULL;
  t->cb = cb;
  t->arg = arg;
  t->host = sio__strdup(host);
  t->ssl = t->host ? SSL_new(ctx_of(ctx)) : NULL;
  t->rbio = t->ssl ? BIO_new(BIO_s_mem()) : NULL;
  t->wbio = t->rbio ? BIO_new(BIO_s_mem()) : NULL;
  if (!t->wbio) {
    BIO_free(t->rbio);
    sio__tls_free(t);
    return NULL;
  }
  SSL_set_bio(t->ssl, t->rbio, t->wbio);
  SSL_set_connect_state(t->ssl);
  int ok = 1;
  int ip_host = is_ip(host);
  /* SNI carries names only (RFC 6066). */
  if (!ip_host) ok = SSL_set_tlsext_host_name(t->ssl, host) == 1;
  if (ok && SSL_CTX_get_verify_mode(ctx_of(ctx)) != SSL_VERIFY_NONE) {
    X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
    if (ip_host) {
      ok = X509_VERIFY_PARAM_set1_ip_asc(vp, host) == 1;
    } else {
      X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      ok = SSL_set1_host(t->ssl, host) == 1;
    }
  }
  sio__stream_t *s =
      ok ? sio__stream_connect_host(loop, addr, port, on_tcp_connect, t) : NULL;
  if (!s) {
    ERR_clear_error();
    sio__tls_free(t);
    return NULL;
  }
  s->tls = t;
  return s;
}

int sio__tls_accept(sio__stream_t *s, sio__tls_ctx_t *ctx) {
  sio__tls_t *t = sio__calloc(1, sizeof(*t));
  if (!t) return SIO_ENOMEM;
  t->ssl = SSL_new(ctx_of(ctx));
  t->rbio = t->ssl ? BIO_new(BIO_s_mem()) : NULL;
  t->wbio = t->rbio ? BIO_new(BIO_s_mem()) : NULL;
  if (!t->wbio) {
    BIO_free(t->rbio);
    ERR_clear_error();
    sio__tls_free(t);
    return SIO_ENOMEM;
  }
  SSL_set_bio(t->ssl, t->rbio, t->wbio);
  SSL_set_accept_state(t->ssl);
  /* The handshake starts with the client's hello, in sio__tls_feed. */
  s->tls = t;
  return 0;
}
