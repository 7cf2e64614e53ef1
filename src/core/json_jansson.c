/* jansson <-> JSON text, for users who want a DOM (see json_jansson.h). */
#include "core/json_jansson.h"

#include "core/json.h"
#include "sio/common.h"

json_t *sio__json_to_jansson(const char *p, size_t n) {
  json_error_t err;
  if (!p) return NULL;
  return json_loadb(p, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
}

static int write_value(sio__sb_t *sb, const json_t *v, unsigned depth, unsigned max) {
  int rc;
  if (!v) return SIO_EINVAL;
  switch (json_typeof(v)) {
    case JSON_OBJECT: {
      int first = 1;
      if (depth >= max) return SIO_EINVAL;
      sio__sb_putc(sb, '{');
      /* jansson iterates objects in insertion order. */
      for (void *it = json_object_iter((json_t *)v); it;
           it = json_object_iter_next((json_t *)v, it)) {
        if (!first) sio__sb_putc(sb, ',');
        first = 0;
        const char *key = json_object_iter_key(it);
        size_t klen = json_object_iter_key_len(it);
        if ((rc = sio__json_write_string(sb, key, klen))) return rc;
        sio__sb_putc(sb, ':');
        if ((rc = write_value(sb, json_object_iter_value(it), depth + 1, max))) return rc;
      }
      sio__sb_putc(sb, '}');
      break;
    }
    case JSON_ARRAY: {
      size_t n = json_array_size(v);
      if (depth >= max) return SIO_EINVAL;
      sio__sb_putc(sb, '[');
      for (size_t i = 0; i < n; i++) {
        if (i) sio__sb_putc(sb, ',');
        if ((rc = write_value(sb, json_array_get(v, i), depth + 1, max))) return rc;
      }
      sio__sb_putc(sb, ']');
      break;
    }
    case JSON_STRING:
      if ((rc = sio__json_write_string(sb, json_string_value(v), json_string_length(v))))
        return rc;
      break;
    case JSON_INTEGER:
      sio__json_write_int64(sb, (int64_t)json_integer_value(v));
      break;
    case JSON_REAL:
      sio__json_write_double(sb, json_real_value(v));
      break;
    case JSON_TRUE:
      sio__sb_append(sb, "true", 4);
      break;
    case JSON_FALSE:
      sio__sb_append(sb, "false", 5);
      break;
    case JSON_NULL:
      sio__sb_append(sb, "null", 4);
      break;
  }
  return sb->err;
}

int sio__json_write_jansson(sio__sb_t *sb, const json_t *v, unsigned max_depth) {
  if (sb->err) return sb->err;
  if (max_depth == 0) max_depth = SIO_JSON_DEPTH_DEFAULT;
  return write_value(sb, v, 0, max_depth);
}
