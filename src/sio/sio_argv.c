/* The read-only view of received arguments (sio_argv_t): spans found by the
 * scanner, read as typed values on demand; nothing is built unless asked. */
#include <jansson.h>
#include <string.h>

#include "core/alloc.h"
#include "core/json.h"
#include "core/json_jansson.h"
#include "sio/sio_message.h"

_Static_assert(SIO__SIO_ARGS_INLINE <= SIO__ARGV_INLINE, "recorded args fit inline");

int sio__argv_init(sio_argv_t *av, const sio__sio_packet_t *pkt) {
  /* Field by field: the inline array needs no clearing. */
  av->vals = av->inl;
  av->n = 0;
  av->all = NULL;
  av->all_len = 0;
  av->att = pkt->att;
  av->natt = pkt->att ? pkt->h.attachments : 0;
  av->allocs = NULL;
  av->nallocs = 0;
  if (pkt->args_seen && pkt->nargs <= SIO__SIO_ARGS_INLINE) {
    /* The decoder recorded the arguments while validating. */
    memcpy(av->inl, pkt->argv, pkt->nargs * sizeof(av->inl[0]));
    av->n = pkt->nargs;
    av->all = pkt->nargs ? pkt->args : "";
    av->all_len = pkt->nargs ? pkt->args_len : 0;
    return 0;
  }
  sio__json_iter_t it;
  if (sio__sio_packet_args(pkt, &it)) return SIO_EPROTO;
  size_t cap = SIO__ARGV_INLINE;
  sio__json_val_t v;
  int rc;
  while ((rc = sio__json_iter_next(&it, NULL, &v)) == 1) {
    if (av->n == cap) {
      size_t ncap = cap * 2;
      sio__json_val_t *nv = sio__malloc(ncap * sizeof(*nv));
      if (!nv) {
        sio__argv_clear(av);
        return SIO_ENOMEM;
      }
      memcpy(nv, av->vals, av->n * sizeof(*nv));
      if (av->vals != av->inl) sio__free(av->vals);
      av->vals = nv;
      cap = ncap;
    }
    av->vals[av->n++] = v;
  }
  if (rc < 0) {
    sio__argv_clear(av);
    return SIO_EPROTO;
  }
  if (av->n) {
    av->all = av->vals[0].p;
    av->all_len = (size_t)(av->vals[av->n - 1].p + av->vals[av->n - 1].len - av->all);
  } else {
    av->all = "";
  }
  return 0;
}

void sio__argv_clear(sio_argv_t *av) {
  if (av->vals && av->vals != av->inl) sio__free(av->vals);
  for (size_t i = 0; i < av->nallocs; i++) sio__free(av->allocs[i]);
  sio__free(av->allocs);
  av->vals = av->inl;
  av->n = 0;
  av->allocs = NULL;
  av->nallocs = 0;
}

size_t sio_argv_count(const sio_argv_t *av) {
  return av ? av->n : 0;
}

static const sio__json_val_t *at(const sio_argv_t *av, size_t i) {
  return av && i < av->n ? &av->vals[i] : NULL;
}

static int binary_num(const sio_argv_t *av, const sio__json_val_t *v, uint32_t *num) {
  return v->type == SIO_JSON_OBJECT && av->natt &&
         sio__sio_placeholder_check(v, av->natt, num) == 1;
}

sio_arg_type_t sio_argv_type(const sio_argv_t *av, size_t i) {
  const sio__json_val_t *v = at(av, i);
  uint32_t num;
  if (!v) return SIO_ARG_NONE;
  switch (v->type) {
    case SIO_JSON_STRING:
      return SIO_ARG_STRING;
    case SIO_JSON_NUMBER:
      return SIO_ARG_NUMBER;
    case SIO_JSON_TRUE:
    case SIO_JSON_FALSE:
      return SIO_ARG_BOOL;
    case SIO_JSON_NULL:
      return SIO_ARG_NULL;
    case SIO_JSON_ARRAY:
      return SIO_ARG_ARRAY;
    case SIO_JSON_OBJECT:
      return binary_num(av, v, &num) ? SIO_ARG_BINARY : SIO_ARG_OBJECT;
    default:
      return SIO_ARG_NONE;
  }
}

const char *sio_argv_string(const sio_argv_t *av, size_t i, size_t *len) {
  const sio__json_val_t *v = at(av, i);
  if (!v || v->type != SIO_JSON_STRING) return NULL;
  /* The view is const for users, but it owns the copies it hands out. */
  sio_argv_t *m = (sio_argv_t *)av;
  void **na = sio__realloc(m->allocs, (m->nallocs + 1) * sizeof(*na));
  if (!na) return NULL;
  m->allocs = na;
  char *buf = sio__malloc(v->len + 1);
  if (!buf) return NULL;
  size_t n = 0;
  if (sio__json_string_copy(v, buf, v->len + 1, &n)) {
    sio__free(buf);
    return NULL;
  }
  m->allocs[m->nallocs++] = buf;
  if (len) *len = n;
  return buf;
}

int sio_argv_int64(const sio_argv_t *av, size_t i, int64_t *out) {
  const sio__json_val_t *v = at(av, i);
  return v ? sio__json_get_int64(v, out) : SIO_EINVAL;
}

int sio_argv_double(const sio_argv_t *av, size_t i, double *out) {
  const sio__json_val_t *v = at(av, i);
  return v ? sio__json_get_double(v, out) : SIO_EINVAL;
}

int sio_argv_bool(const sio_argv_t *av, size_t i, int *out) {
  const sio__json_val_t *v = at(av, i);
  return v ? sio__json_get_bool(v, out) : SIO_EINVAL;
}

int sio_argv_binary(const sio_argv_t *av, size_t i, sio_buf_t *out) {
  const sio__json_val_t *v = at(av, i);
  uint32_t num;
  if (!v || !binary_num(av, v, &num)) return SIO_EINVAL;
  out->base = av->att[num].base;
  out->len = av->att[num].len;
  return 0;
}

size_t sio_argv_attachments_count(const sio_argv_t *av) {
  return av ? av->natt : 0;
}

int sio_argv_attachment(const sio_argv_t *av, size_t n, sio_buf_t *out) {
  if (!av || n >= av->natt) return SIO_EINVAL;
  out->base = av->att[n].base;
  out->len = av->att[n].len;
  return 0;
}

int sio_argv_raw(const sio_argv_t *av, size_t i, sio_buf_t *out) {
  const sio__json_val_t *v = at(av, i);
  if (!v) return SIO_EINVAL;
  out->base = (const uint8_t *)v->p;
  out->len = v->len;
  return 0;
}

void sio_argv_raw_all(const sio_argv_t *av, sio_buf_t *out) {
  out->base = (const uint8_t *)(av && av->all ? av->all : "");
  out->len = av ? av->all_len : 0;
}

struct json_t *sio_argv_json(const sio_argv_t *av, size_t i) {
  const sio__json_val_t *v = at(av, i);
  return v ? sio__json_to_jansson(v->p, v->len) : NULL;
}

/* ---- stored packets ---- */

sio__stored_t *sio__stored_new(const sio__sio_packet_t *pkt) {
  sio__stored_t *st = sio__calloc(1, sizeof(*st));
  if (!st) return NULL;
  /* A minimal packet text of our own: type, attachment count, payload (the
   * namespace and ack id are not needed any more). */
  sio__sb_t sb;
  sio__sb_init(&sb, pkt->payload.len + 16);
  sio__sb_putc(&sb, (char)('0' + pkt->h.type));
  if (pkt->h.attachments) {
    sio__sb_put_u64(&sb, pkt->h.attachments);
    sio__sb_putc(&sb, '-');
  }
  if (pkt->payload.type != SIO_JSON_NONE)
    sio__sb_append(&sb, pkt->payload.p, pkt->payload.len);
  st->text = sio__sb_finish(&sb);
  if (!st->text) goto fail;
  size_t len = st->text->len;
  sio__sio_limits_t lim;
  sio__sio_limits_init(&lim);
  lim.max_attachments = UINT32_MAX;
  lim.max_depth = SIO_JSON_DEPTH_MAX;
  if (sio__sio_packet_decode((const char *)st->text->data, len, &lim, &st->pkt))
    goto fail;
  if (pkt->att && pkt->h.attachments) {
    st->pkt.att = sio__calloc(pkt->h.attachments, sizeof(*st->pkt.att));
    if (!st->pkt.att) goto fail;
    for (uint32_t i = 0; i < pkt->h.attachments; i++) {
      st->pkt.att[i] = pkt->att[i];
      sio__rbuf_ref(pkt->att[i].owner);
    }
  }
  if (sio__argv_init(&st->av, &st->pkt)) goto fail;
  return st;
fail:
  sio__stored_free(st);
  return NULL;
}

void sio__stored_free(sio__stored_t *st) {
  if (!st) return;
  sio__argv_clear(&st->av);
  if (st->pkt.att) {
    for (uint32_t i = 0; i < st->pkt.h.attachments; i++)
      sio__rbuf_unref(st->pkt.att[i].owner);
    sio__free(st->pkt.att);
  }
  sio__rbuf_unref(st->text);
  sio__free(st);
}
