/* The application's hooks into the handshake and the responses: extra
 * headers (the reference's "initial_headers" / "headers" events), custom
 * session ids (generateId) and the asynchronous allowRequest, whose waiting
 * requests the server keeps in a list so a client leaving, the wait timing
 * out or the server closing all forget them safely. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/log.h"
#include "core/rand.h"
#include "eio/eio_group.h"
#include "eio/eio_internal.h"
#include "eio/eio_validate.h"

/* ---- extra headers ---- */

struct sio_eio_headers {
  sio__sb_t *sb;
};

static int tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
    return 1;
  return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Headers that frame the message or the connection: ours to write. */
static int reserved(const char *name) {
  static const char *const k[] = {"content-length", "transfer-encoding", "connection",
                                  "upgrade", "sec-websocket-accept"};
  for (size_t i = 0; i < sizeof k / sizeof *k; i++)
    if (strcasecmp(name, k[i]) == 0) return 1;
  return 0;
}

int sio_eio_headers_add(sio_eio_headers_t *h, const char *name, const char *value) {
  if (!h || !name || !value || !name[0] || reserved(name)) return SIO_EINVAL;
  for (const char *p = name; *p; p++)
    if (!tchar((unsigned char)*p)) return SIO_EINVAL;
  for (const char *p = value; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if ((c < 0x20 && c != '\t') || c == 0x7f) return SIO_EINVAL;
  }
  sio__sb_printf(h->sb, "%s: %s\r\n", name, value);
  return h->sb->err ? SIO_ENOMEM : 0;
}

void sio__eio_hooks_headers(sio_eio_server_t *s, sio_http_req_t *req, int initial,
                            sio__sb_t *hdr) {
  sio_eio_headers_t h = {hdr};
  if (initial && s->opts.initial_headers)
    s->opts.initial_headers(req, &h, s->opts.initial_headers_data);
  if (s->opts.headers) s->opts.headers(req, &h, s->opts.headers_data);
}

int sio__eio_hooks_have_headers(const sio_eio_server_t *s) {
  return s->opts.headers != NULL;
}

/* ---- session ids ---- */

static int sid_char(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         c == '-' || c == '_';
}

int sio__eio_new_random_sid(const sio_eio_server_t *s, char *out) {
  int rc = sio__rand_id(out);
  if (rc == 0 && s->group) sio__eio_group_stamp(s->group, s->worker, out);
  return rc;
}

int sio__eio_hooks_new_sid(sio_eio_server_t *s, sio_http_req_t *req,
                           char out[SIO_EIO_SID_MAX + 1]) {
  if (!s->opts.generate_id) return sio__eio_new_random_sid(s, out) == 0 ? 0 : SIO_ENOMEM;
  for (int tries = 0; tries < 3; tries++) {
    char buf[SIO_EIO_SID_MAX + 1];
    int n = s->opts.generate_id(req, buf, sizeof buf, s->opts.generate_id_data);
    if (n <= 0 || n > SIO_EIO_SID_MAX) {
      SIO_LOGW("eio: the id generator returned %d, refusing the handshake", n);
      return SIO_EINVAL;
    }
    for (int i = 0; i < n; i++) {
      if (!sid_char((unsigned char)buf[i])) {
        SIO_LOGW("eio: the id generator gave a character outside A-Za-z0-9-_, "
                 "refusing the handshake");
        return SIO_EINVAL;
      }
    }
    buf[n] = '\0';
    if (!sio__eio_sidmap_get(&s->sessions, buf, (size_t)n) &&
        !(s->group && sio__eio_group_taken(s, buf, (size_t)n))) {
      memcpy(out, buf, (size_t)n + 1);
      return 0;
    }
  }
  SIO_LOGW("eio: the id generator gave ids in use 3 times, refusing the handshake");
  return SIO_EEXIST;
}

/* ---- asynchronous allowRequest ---- */

struct sio_eio_allow {
  sio_eio_server_t *s; /* NULL once the request is gone */
  sio_http_req_t *req; /* NULL once gone (answered, aborted, timed out) */
  sio__timer_t *timer; /* the wait's bound; freed when the request goes */
  unsigned transport;  /* SIO_EIO_POLLING or SIO_EIO_WEBSOCKET */
  int is_upgrade;
  sio_eio_allow_t *prev, *next; /* the server's waiting list */
};

/* The request is answered or gone: unlink it; the handle waits for the
 * application's answer to be freed. */
static void detach(sio_eio_allow_t *p) {
  sio_eio_server_t *s = p->s;
  if (p->req) sio__http_req_set_abort_cb(p->req, NULL, NULL);
  /* The timer goes now, not with the handle: the loop may be closed before
   * the application's late answer. */
  sio__timer_free(p->timer);
  p->timer = NULL;
  if (s) {
    if (p->prev)
      p->prev->next = p->next;
    else
      s->allow_waiting = p->next;
    if (p->next) p->next->prev = p->prev;
  }
  p->prev = p->next = NULL;
  p->s = NULL;
  p->req = NULL;
}

static void refuse_message(sio_http_req_t *req, int is_upgrade, const char *message) {
  char msg[201];
  size_t n = 0;
  for (; message[n] && n < sizeof msg - 1; n++) {
    unsigned char c = (unsigned char)message[n];
    msg[n] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
  }
  /* Cut short: never in the middle of a UTF-8 character. */
  if (message[n])
    while (n > 0 && ((unsigned char)message[n] & 0xC0) == 0x80) n--;
  msg[n] = '\0';
  if (is_upgrade) {
    sio_http_req_respond(req, 400, "text/html", NULL, msg, n);
    return;
  }
  /* The message as a JSON string: escape '"' and '\\'. */
  sio__sb_t sb;
  sio__sb_init(&sb, n + 32);
  sio__sb_puts(&sb, "{\"code\":4,\"message\":\"");
  for (size_t i = 0; i < n; i++) {
    if (msg[i] == '"' || msg[i] == '\\') sio__sb_putc(&sb, '\\');
    sio__sb_putc(&sb, msg[i]);
  }
  sio__sb_puts(&sb, "\"}");
  if (sb.err)
    sio_http_req_respond(req, 500, NULL, NULL, NULL, 0);
  else
    sio_http_req_respond(req, 403, "application/json", NULL,
                         (const char *)sio__sb_data(&sb), sio__sb_len(&sb));
  sio__sb_reset(&sb);
}

static void on_abort(sio_http_req_t *req, void *arg) {
  (void)req;
  sio_eio_allow_t *p = arg;
  p->req = NULL; /* the HTTP layer already forgot its abort callback */
  detach(p);
}

static void on_timeout(sio__timer_t *t, void *arg) {
  (void)t;
  sio_eio_allow_t *p = arg;
  sio_http_req_t *req = p->req;
  int up = p->is_upgrade;
  SIO_LOGI("eio: allow_request did not answer in time, refusing the handshake");
  detach(p);
  if (req) refuse_message(req, up, "Forbidden");
}

void sio__eio_hooks_allow_start(sio_eio_server_t *s, sio_http_req_t *req,
                                unsigned transport, int is_upgrade) {
  sio_eio_allow_t *p = sio__calloc(1, sizeof(*p));
  if (p) p->timer = sio__timer_new(s->loop, on_timeout, p);
  if (!p || !p->timer) {
    sio__free(p);
    sio_http_req_respond(req, 500, NULL, NULL, NULL, 0);
    return;
  }
  p->s = s;
  p->req = req;
  p->transport = transport;
  p->is_upgrade = is_upgrade;
  p->next = s->allow_waiting;
  if (p->next) p->next->prev = p;
  s->allow_waiting = p;
  sio__http_req_set_abort_cb(req, on_abort, p);
  sio__timer_start(p->timer, s->opts.allow_timeout);
  s->opts.allow_async(req, p, s->opts.allow_async_data);
}

void sio__eio_hooks_allow_close_all(sio_eio_server_t *s) {
  while (s->allow_waiting) {
    sio_eio_allow_t *p = s->allow_waiting;
    sio_http_req_t *req = p->req;
    detach(p);
    if (req) sio_http_req_respond(req, 503, NULL, NULL, NULL, 0);
  }
}

static void allow_free(sio_eio_allow_t *p) {
  sio__free(p);
}

void sio_eio_allow_accept(sio_eio_allow_t *p) {
  if (!p) return;
  sio_eio_server_t *s = p->s;
  sio_http_req_t *req = p->req;
  unsigned tf = p->transport;
  int up = p->is_upgrade;
  detach(p);
  allow_free(p);
  if (s && req) sio__eio_handshake_now(s, req, tf, up);
}

void sio_eio_allow_refuse(sio_eio_allow_t *p, const char *message) {
  if (!p) return;
  sio_http_req_t *req = p->req;
  int up = p->is_upgrade;
  detach(p);
  allow_free(p);
  if (req) refuse_message(req, up, message ? message : "Forbidden");
}
