/* Header values shared between the kept handshakes of one Engine.IO server
 * (eio_handshake.c): most sessions carry the very same User-Agent (and
 * Accept-Language, Origin...) text, so a long value of such a header is kept
 * once, counted, and each handshake holds a pointer to it.
 *
 * One table per Engine.IO server, used only from its loop's thread (a
 * worker has its own server): no lock. An outsider chooses the values, so
 * the table is bounded (entries and value length, sio_eio_opts_set_shared_
 * header_values) and keyed by SipHash; when it is full a value stays inline
 * in its handshake. An entry goes when its last handshake does. A handshake
 * may outlive its server: the server closes its table, which is then freed
 * when its last entry goes. */
#ifndef SIO_EIO_HVALS_H
#define SIO_EIO_HVALS_H

#include <stddef.h>
#include <stdint.h>

typedef struct sio__eio_hvals sio__eio_hvals_t;
typedef struct sio__eio_hval sio__eio_hval_t;

/* Values shorter than this stay inline: a shared one costs a 9-byte
 * reference in the handshake plus its share of the entry. */
#define SIO__EIO_HVAL_MIN_LEN 32

/* A table of at most max_entries values of at most max_len bytes; NULL when
 * max_entries is 0 (sharing off) or out of memory. */
sio__eio_hvals_t *sio__eio_hvals_new(uint32_t max_entries, uint32_t max_len);
/* The server is gone: frees t now if it holds no value, else when its last
 * value is released. NULL is fine. */
void sio__eio_hvals_close(sio__eio_hvals_t *t);
/* Values held now. */
size_t sio__eio_hvals_count(const sio__eio_hvals_t *t);

/* A counted reference to the entry holding value (made if new), or NULL:
 * t is NULL or closed, the value is shorter than SIO__EIO_HVAL_MIN_LEN or
 * longer than the table's max_len, the table is full, or out of memory.
 * The caller then keeps the value itself. */
sio__eio_hval_t *sio__eio_hvals_get(sio__eio_hvals_t *t, const void *value, size_t len);
/* Drops one reference; the last frees the entry (and a closed, empty table). */
void sio__eio_hval_release(sio__eio_hval_t *v);
/* The entry's text (NUL-terminated, valid while a reference is held). */
const char *sio__eio_hval_text(const sio__eio_hval_t *v, size_t *len);
/* References held to v. */
uint32_t sio__eio_hval_refs(const sio__eio_hval_t *v);

#endif
