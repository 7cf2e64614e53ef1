/* The argument builder (sio_args_t): the arguments' JSON text, comma
 * separated, plus the binary attachments as shared buffer slices, so an emit
 * writes `[name,<text>]` with one copy and a relay re-uses the received
 * bytes untouched. */
#include <jansson.h>
#include <string.h>

#include "core/alloc.h"
#include "core/json.h"
#include "core/json_jansson.h"
#include "sio/sio_message.h"

sio_args_t *sio_args_new(void) {
  sio_args_t *a = sio__calloc(1, sizeof(*a));
  if (a) sio__sb_init(&a->sb, 0);
  return a;
}

/* A cleared list keeps a builder this small for its next use (relays clear
 * and refill one list per message: no free and malloc each time). */
#define ARGS_KEEP_BYTES 4096

void sio_args_clear(sio_args_t *a) {
  if (!a) return;
  if (!a->sb.err && a->sb.buf && a->sb.buf->refs == 1 &&
      a->sb.buf->cap <= ARGS_KEEP_BYTES)
    a->sb.buf->len = 0;
  else
    sio__sb_reset(&a->sb);
  for (size_t i = 0; i < a->natt; i++) sio__rbuf_unref(a->att[i].owner);
  a->natt = 0;
  a->count = 0;
  a->err = 0;
}

void sio_args_free(sio_args_t *a) {
  if (!a) return;
  sio_args_clear(a);
  sio__sb_reset(&a->sb);
  sio__free(a->att);
  sio__free(a);
}

size_t sio_args_count(const sio_args_t *a) {
  return a ? a->count : 0;
}

void sio_args_json(const sio_args_t *a, sio_buf_t *json) {
  json->base = a ? sio__sb_data(&a->sb) : NULL;
  json->len = a ? sio__sb_len(&a->sb) : 0;
}

size_t sio_args_attachments_count(const sio_args_t *a) {
  return a ? a->natt : 0;
}

int sio_args_attachment(const sio_args_t *a, size_t n, sio_buf_t *out) {
  if (!a || n >= a->natt) return SIO_EINVAL;
  out->base = a->att[n].base;
  out->len = a->att[n].len;
  return 0;
}

static int fail(sio_args_t *a, int err) {
  if (!a->err) a->err = err;
  return err;
}

/* Starts a new argument: the separator. */
static void sep(sio_args_t *a) {
  if (a->count) sio__sb_putc(&a->sb, ',');
}

static int done(sio_args_t *a) {
  if (a->sb.err) return fail(a, a->sb.err);
  a->count++;
  return 0;
}

int sio_args_add_stringn(sio_args_t *a, const char *s, size_t len) {
  if (!a) return SIO_EINVAL;
  if (!s && len) return fail(a, SIO_EINVAL);
  size_t mark = sio__sb_len(&a->sb);
  sep(a);
  int rc = sio__json_write_string(&a->sb, s ? s : "", len);
  if (rc) {
    if (a->sb.buf) a->sb.buf->len = mark;
    return fail(a, rc == SIO_EILSEQ ? SIO_EINVAL : rc);
  }
  return done(a);
}

int sio_args_add_string(sio_args_t *a, const char *s) {
  if (!s) return a ? fail(a, SIO_EINVAL) : SIO_EINVAL;
  return sio_args_add_stringn(a, s, strlen(s));
}

int sio_args_add_int(sio_args_t *a, int64_t v) {
  if (!a) return SIO_EINVAL;
  sep(a);
  sio__json_write_int64(&a->sb, v);
  return done(a);
}

int sio_args_add_double(sio_args_t *a, double v) {
  if (!a) return SIO_EINVAL;
  sep(a);
  sio__json_write_double(&a->sb, v);
  return done(a);
}

int sio_args_add_bool(sio_args_t *a, int v) {
  if (!a) return SIO_EINVAL;
  sep(a);
  sio__sb_puts(&a->sb, v ? "true" : "false");
  return done(a);
}

int sio_args_add_null(sio_args_t *a) {
  if (!a) return SIO_EINVAL;
  sep(a);
  sio__sb_puts(&a->sb, "null");
  return done(a);
}

static int has_placeholder_cb(void *arg, const sio__json_val_t *ph, uint32_t num) {
  (void)arg;
  (void)ph;
  (void)num;
  return 1;
}

/* 1 if v holds a placeholder-looking object (we would misread it later). */
static int has_placeholder(const sio__json_val_t *v) {
  return sio__sio_placeholders_walk(v, UINT32_MAX, SIO_JSON_DEPTH_MAX, has_placeholder_cb,
                                    NULL) != 0;
}

int sio_args_add_raw(sio_args_t *a, const char *json, size_t len) {
  if (!a) return SIO_EINVAL;
  sio__json_val_t v;
  if (!json || sio__json_parse(json, len, SIO_JSON_DEPTH_MAX, &v) || has_placeholder(&v))
    return fail(a, SIO_EINVAL);
  sep(a);
  sio__json_write_compact(&a->sb, &v);
  return done(a);
}

int sio_args_add_raw_array(sio_args_t *a, const char *json, size_t len) {
  if (!a) return SIO_EINVAL;
  sio__json_val_t v, e;
  sio__json_iter_t it;
  if (!json || sio__json_parse(json, len, SIO_JSON_DEPTH_MAX, &v) ||
      v.type != SIO_JSON_ARRAY || has_placeholder(&v))
    return fail(a, SIO_EINVAL);
  sio__json_iter_init(&it, &v);
  int rc;
  while ((rc = sio__json_iter_next(&it, NULL, &e)) == 1) {
    sep(a);
    sio__json_write_compact(&a->sb, &e);
    if ((rc = done(a))) return rc;
  }
  return rc < 0 ? fail(a, rc) : 0;
}

static int push_att(sio_args_t *a, sio__rbuf_t *owner, const uint8_t *base, size_t len) {
  if (a->natt == a->acap) {
    size_t ncap = a->acap ? a->acap * 2 : 4;
    sio__sio_attachment_t *na = sio__realloc(a->att, ncap * sizeof(*na));
    if (!na) return SIO_ENOMEM;
    a->att = na;
    a->acap = ncap;
  }
  a->att[a->natt].owner = sio__rbuf_ref(owner);
  a->att[a->natt].base = base;
  a->att[a->natt].len = len;
  a->natt++;
  return 0;
}

int sio_args_add_binary(sio_args_t *a, const void *data, size_t len) {
  if (!a) return SIO_EINVAL;
  if (!data && len) return fail(a, SIO_EINVAL);
  sio__rbuf_t *b = sio__rbuf_from(data ? data : "", len);
  if (!b) return fail(a, SIO_ENOMEM);
  int rc = push_att(a, b, b->data, len);
  sio__rbuf_unref(b);
  if (rc) return fail(a, rc);
  sep(a);
  sio__sio_placeholder_write(&a->sb, (uint32_t)(a->natt - 1));
  return done(a);
}

int sio_args_add_json(sio_args_t *a, const struct json_t *v) {
  if (!a) return SIO_EINVAL;
  if (!v) return fail(a, SIO_EINVAL);
  size_t mark = sio__sb_len(&a->sb);
  sep(a);
  int rc = sio__json_write_jansson(&a->sb, v, SIO_JSON_DEPTH_MAX);
  if (rc) {
    if (a->sb.buf) a->sb.buf->len = mark;
    a->sb.err = 0;
    return fail(a, rc == SIO_EILSEQ ? SIO_EINVAL : rc);
  }
  return done(a);
}

/* Copies a value, renumbering its placeholders by base. */
typedef struct {
  sio_args_t *a;
  const char *pos;
  uint32_t base;
} renum_t;

static int renum_cb(void *arg, const sio__json_val_t *ph, uint32_t num) {
  renum_t *r = arg;
  sio__sb_append(&r->a->sb, r->pos, (size_t)(ph->p - r->pos));
  sio__sio_placeholder_write(&r->a->sb, r->base + num);
  r->pos = ph->p + ph->len;
  return 0;
}

/* 1 if the received arguments hold whitespace between tokens (JSON allows
 * it, our output is compact): between the values or inside one. */
static int argv_spaced(const sio_argv_t *av) {
  for (size_t i = 0; i < av->n; i++) {
    const sio__json_val_t *v = &av->vals[i];
    if ((v->type == SIO_JSON_ARRAY || v->type == SIO_JSON_OBJECT) &&
        (v->flags & SIO_JSON_F_SPACE))
      return 1;
    if (i && v->p != av->vals[i - 1].p + av->vals[i - 1].len + 1) return 1;
  }
  return 0;
}

/* Drops the whitespace outside strings from the builder's bytes [mark, end),
 * which hold valid JSON values and commas. */
static void compact_tail(sio__sb_t *sb, size_t mark) {
  if (!sb->buf || sb->err) return;
  uint8_t *d = sb->buf->data;
  size_t o = mark;
  int in_str = 0;
  for (size_t i = mark; i < sb->buf->len; i++) {
    uint8_t c = d[i];
    if (in_str) {
      d[o++] = c;
      if (c == '\\' && i + 1 < sb->buf->len)
        d[o++] = d[++i];
      else if (c == '"')
        in_str = 0;
    } else if (c == '"') {
      in_str = 1;
      d[o++] = c;
    } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      d[o++] = c;
    }
  }
  sb->buf->len = o;
}

int sio_args_add_argv(sio_args_t *a, const sio_argv_t *av) {
  if (!a) return SIO_EINVAL;
  if (!av) return fail(a, SIO_EINVAL);
  if (av->n == 0) return 0;
  uint32_t base = (uint32_t)a->natt;
  for (uint32_t i = 0; i < av->natt; i++) {
    int rc = push_att(a, av->att[i].owner, av->att[i].base, av->att[i].len);
    if (rc) return fail(a, rc);
  }
  sep(a);
  size_t mark = sio__sb_len(&a->sb);
  if (base == 0 || av->natt == 0) {
    /* The relay: the received bytes as they are. */
    sio__sb_append(&a->sb, av->all, av->all_len);
  } else {
    for (size_t i = 0; i < av->n; i++) {
      const sio__json_val_t *v = &av->vals[i];
      renum_t r = {a, v->p, base};
      if (i) sio__sb_putc(&a->sb, ',');
      int rc = sio__sio_placeholders_walk(v, av->natt, SIO_JSON_DEPTH_MAX, renum_cb, &r);
      if (rc) return fail(a, rc);
      sio__sb_append(&a->sb, r.pos, (size_t)(v->p + v->len - r.pos));
    }
  }
  /* Rare (clients send compact JSON): only then is the copy walked again. */
  if (argv_spaced(av)) compact_tail(&a->sb, mark);
  if (a->sb.err) return fail(a, a->sb.err);
  a->count += av->n;
  return 0;
}

int sio_args_add_raw_binary(sio_args_t *a, const char *json, size_t len,
                            const sio_buf_t *bins, size_t n) {
  if (!a) return SIO_EINVAL;
  sio__json_val_t v;
  if (!json || (n && !bins) || n > UINT32_MAX ||
      sio__json_parse(json, len, SIO_JSON_DEPTH_MAX, &v))
    return fail(a, SIO_EINVAL);
  /* Every placeholder must name one of bins (checked before anything is
   * appended). */
  int rc = sio__sio_placeholders_walk(&v, (uint32_t)n, SIO_JSON_DEPTH_MAX, NULL, NULL);
  if (rc) return fail(a, SIO_EINVAL);
  uint32_t base = (uint32_t)a->natt;
  for (size_t i = 0; i < n; i++) {
    sio__rbuf_t *b =
        sio__rbuf_from(bins[i].base ? (const void *)bins[i].base : "", bins[i].len);
    if (!b) return fail(a, SIO_ENOMEM);
    rc = push_att(a, b, b->data, bins[i].len);
    sio__rbuf_unref(b);
    if (rc) return fail(a, rc);
  }
  sep(a);
  renum_t r = {a, v.p, base};
  if ((rc =
           sio__sio_placeholders_walk(&v, (uint32_t)n, SIO_JSON_DEPTH_MAX, renum_cb, &r)))
    return fail(a, rc);
  sio__sb_append(&a->sb, r.pos, (size_t)(v.p + v.len - r.pos));
  return done(a);
}

/* The arguments of a packet from the wire (an adapter's): json is the
 * comma-separated list, its placeholders index bins. Validated here. */
int sio__args_set_wire(sio_args_t *a, const char *json, size_t len, const sio_buf_t *bins,
                       size_t n) {
  sio_args_clear(a);
  if ((len && !json) || (n && !bins) || n > UINT32_MAX) return fail(a, SIO_EINVAL);
  sio__sb_t arr;
  sio__sb_init(&arr, len + 2);
  sio__sb_putc(&arr, '[');
  sio__sb_append(&arr, json, len);
  sio__sb_putc(&arr, ']');
  sio__json_val_t v, e;
  int rc = arr.err;
  if (rc == 0 && sio__json_parse((const char *)sio__sb_data(&arr), sio__sb_len(&arr),
                                 SIO_JSON_DEPTH_MAX, &v))
    rc = SIO_EINVAL;
  if (rc == 0 &&
      sio__sio_placeholders_walk(&v, (uint32_t)n, SIO_JSON_DEPTH_MAX, NULL, NULL))
    rc = SIO_EINVAL;
  size_t count = 0;
  sio__json_iter_t it;
  if (rc == 0) {
    sio__json_iter_init(&it, &v);
    while (sio__json_iter_next(&it, NULL, &e) == 1) count++;
  }
  sio__sb_reset(&arr);
  if (rc) return fail(a, rc);
  for (size_t i = 0; i < n; i++) {
    sio__rbuf_t *b =
        sio__rbuf_from(bins[i].base ? (const void *)bins[i].base : "", bins[i].len);
    if (!b) return fail(a, SIO_ENOMEM);
    rc = push_att(a, b, b->data, bins[i].len);
    sio__rbuf_unref(b);
    if (rc) return fail(a, rc);
  }
  sio__sb_append(&a->sb, json, len);
  if (a->sb.err) return fail(a, a->sb.err);
  a->count = count;
  return 0;
}

int sio__args_copy(sio_args_t *dst, const sio_args_t *src) {
  sio_args_clear(dst);
  if (src->err) return fail(dst, src->err);
  sio__sb_append(&dst->sb, sio__sb_data(&src->sb), sio__sb_len(&src->sb));
  if (dst->sb.err) return fail(dst, dst->sb.err);
  for (size_t i = 0; i < src->natt; i++) {
    int rc = push_att(dst, src->att[i].owner, src->att[i].base, src->att[i].len);
    if (rc) return fail(dst, rc);
  }
  dst->count = src->count;
  return 0;
}
