/* Copies of packets, selections and namespace names for jobs between
 * workers: a job owns everything it carries, so the sender may free or
 * change its own objects as soon as the job is posted. */
#include <string.h>

#include "core/alloc.h"
#include "sio/sio_group.h"

static char *memdup0(const char *p, size_t n) {
  char *d = sio__malloc(n + 1);
  if (!d) return NULL;
  if (n) memcpy(d, p, n);
  d[n] = 0;
  return d;
}

int sio__gpkt_copy(sio__gpkt_t *d, const char *event, const char *json, size_t json_len,
                   const sio_buf_t *att, size_t natt) {
  memset(d, 0, sizeof(*d));
  if (event && !(d->event = sio__strdup(event))) goto oom;
  if (!(d->json = memdup0(json ? json : "", json ? json_len : 0))) goto oom;
  d->json_len = json ? json_len : 0;
  if (natt) {
    if (!(d->att = sio__calloc(natt, sizeof(*d->att)))) goto oom;
    for (size_t i = 0; i < natt; i++, d->natt++) {
      char *b = memdup0((const char *)att[i].base, att[i].len);
      if (!b) goto oom;
      d->att[i].base = (uint8_t *)b;
      d->att[i].len = att[i].len;
    }
  }
  return 0;
oom:
  sio__gpkt_free(d);
  return SIO_ENOMEM;
}

void sio__gpkt_view(const sio__gpkt_t *d, sio_adapter_packet_t *out) {
  memset(out, 0, sizeof(*out));
  out->event = d->event;
  out->json = d->json;
  out->json_len = d->json_len;
  out->attachments = d->att;
  out->nattachments = d->natt;
}

void sio__gpkt_free(sio__gpkt_t *d) {
  for (size_t i = 0; i < d->natt; i++) sio__free((void *)d->att[i].base);
  sio__free(d->att);
  sio__free(d->event);
  sio__free(d->json);
  memset(d, 0, sizeof(*d));
}

static void strv_free(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) sio__free(v[i]);
  sio__free(v);
}

static int strv_copy(char ***d, size_t *dn, const char *const *src, size_t n) {
  *d = NULL;
  *dn = 0;
  if (!n) return 0;
  if (!(*d = sio__calloc(n, sizeof(**d)))) return SIO_ENOMEM;
  for (size_t i = 0; i < n; i++, (*dn)++)
    if (!((*d)[i] = sio__strdup(src[i] ? src[i] : ""))) return SIO_ENOMEM;
  return 0;
}

int sio__gsel_copy(sio__gsel_t *d, const sio_adapter_opts_t *o,
                   const char *const *targets, size_t ntargets) {
  memset(d, 0, sizeof(*d));
  d->flags = o->flags;
  d->timeout_ms = o->timeout_ms;
  if (strv_copy(&d->rooms, &d->nrooms, o->rooms, o->nrooms) ||
      strv_copy(&d->except, &d->nexcept, o->except, o->nexcept) ||
      strv_copy(&d->targets, &d->ntargets, targets, ntargets)) {
    sio__gsel_free(d);
    return SIO_ENOMEM;
  }
  return 0;
}

void sio__gsel_opts(const sio__gsel_t *d, sio_adapter_opts_t *o) {
  o->rooms = (const char *const *)d->rooms;
  o->nrooms = d->nrooms;
  o->except = (const char *const *)d->except;
  o->nexcept = d->nexcept;
  o->flags = d->flags;
  o->timeout_ms = d->timeout_ms;
}

void sio__gsel_free(sio__gsel_t *d) {
  strv_free(d->rooms, d->nrooms);
  strv_free(d->except, d->nexcept);
  strv_free(d->targets, d->ntargets);
  memset(d, 0, sizeof(*d));
}

int sio__gnsp_of(sio__gnsp_t *d, const sio_namespace_t *nsp) {
  d->parent = -1;
  const sio_server_t *s = nsp->srv;
  for (size_t i = 0; nsp->is_parent && i < s->nparents; i++)
    if (s->parents[i] == nsp) d->parent = (long)i;
  d->name = sio__strndup(nsp->name, nsp->name_len);
  return d->name ? 0 : SIO_ENOMEM;
}

sio_namespace_t *sio__gnsp_find(const sio__gnsp_t *d, sio_server_t *s) {
  if (d->parent >= 0)
    return (size_t)d->parent < s->nparents ? s->parents[d->parent] : NULL;
  return sio__map_get(&s->nsps, d->name, strlen(d->name));
}

void sio__gnsp_free(sio__gnsp_t *d) {
  sio__free(d->name);
  d->name = NULL;
}
