/* The test vector reader (see vectors.h). */
#include "vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SIO_VECTORS_DIR
#error "SIO_VECTORS_DIR must name the tests/vectors folder"
#endif

static int hex_digit(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes the field text p[0..n) into f; 0 or -1 on a bad escape. */
static int decode_field(const char *p, size_t n, vec_field_t *f) {
  f->data = malloc(n + 1);
  if (!f->data) return -1;
  size_t j = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] != '\\') {
      f->data[j++] = p[i];
      continue;
    }
    if (++i == n) return -1;
    switch (p[i]) {
      case 's':
        f->data[j++] = ' ';
        break;
      case 't':
        f->data[j++] = '\t';
        break;
      case 'n':
        f->data[j++] = '\n';
        break;
      case 'r':
        f->data[j++] = '\r';
        break;
      case '\\':
        f->data[j++] = '\\';
        break;
      case 'e':
        break;
      case 'x': {
        int hi = i + 2 < n ? hex_digit(p[i + 1]) : -1;
        int lo = i + 2 < n ? hex_digit(p[i + 2]) : -1;
        if (hi < 0 || lo < 0) return -1;
        f->data[j++] = (char)(hi << 4 | lo);
        i += 2;
        break;
      }
      default:
        return -1;
    }
  }
  f->data[j] = 0;
  f->len = j;
  return 0;
}

/* Splits one line (without its newline) into fields; 0 or -1. */
static int parse_line(const char *p, size_t n, vec_line_t *l) {
  size_t i = 0;
  while (i < n) {
    while (i < n && p[i] == ' ') i++;
    if (i == n) break;
    size_t start = i;
    while (i < n && p[i] != ' ') i++;
    vec_field_t *grown = realloc(l->fields, (l->n + 1) * sizeof(*grown));
    if (!grown) return -1;
    l->fields = grown;
    if (decode_field(p + start, i - start, &l->fields[l->n])) {
      free(l->fields[l->n].data);
      return -1;
    }
    l->n++;
  }
  return 0;
}

int vec_load(const char *name, vec_file_t *out) {
  memset(out, 0, sizeof(*out));
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", SIO_VECTORS_DIR, name);
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    fprintf(stderr, "vectors: cannot open %s\n", path);
    return -1;
  }
  char *buf = NULL;
  size_t cap = 0;
  ssize_t got;
  int lineno = 0, rc = 0;
  while (rc == 0 && (got = getline(&buf, &cap, fp)) >= 0) {
    lineno++;
    size_t n = (size_t)got;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
    size_t lead = 0;
    while (lead < n && buf[lead] == ' ') lead++;
    if (lead == n || buf[lead] == '#') continue;
    vec_line_t *grown = realloc(out->lines, (out->n + 1) * sizeof(*grown));
    if (!grown) {
      rc = -1;
      break;
    }
    out->lines = grown;
    vec_line_t *l = &out->lines[out->n++];
    memset(l, 0, sizeof(*l));
    l->lineno = lineno;
    if (parse_line(buf, n, l)) {
      fprintf(stderr, "vectors: %s:%d: bad field\n", path, lineno);
      rc = -1;
    }
  }
  free(buf);
  fclose(fp);
  if (rc) vec_free(out);
  return rc;
}

void vec_free(vec_file_t *f) {
  for (size_t i = 0; i < f->n; i++) {
    for (size_t k = 0; k < f->lines[i].n; k++) free(f->lines[i].fields[k].data);
    free(f->lines[i].fields);
  }
  free(f->lines);
  memset(f, 0, sizeof(*f));
}

const vec_field_t *vec_field(const vec_line_t *l, size_t i) {
  static const vec_field_t empty = {"", 0};
  return i < l->n ? &l->fields[i] : &empty;
}

const char *vec_str(const vec_line_t *l, size_t i) {
  return vec_field(l, i)->data;
}

uint64_t vec_u64(const vec_line_t *l, size_t i) {
  return strtoull(vec_str(l, i), NULL, 10);
}

int vec_is(const vec_line_t *l, size_t i, const char *s) {
  const vec_field_t *f = vec_field(l, i);
  return f->len == strlen(s) && memcmp(f->data, s, f->len) == 0;
}
