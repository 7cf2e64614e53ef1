/* libsio: Socket.IO event arguments, shared by the server (sio/server.h)
 * and the client (sio/client.h).
 *
 * sio_args_t is what you send: a builder you own (sio_args_new /
 * sio_args_free), reusable for many emits; emitting never consumes it.
 * sio_argv_t is what you receive: a read-only view, borrowed for the
 * callback that received it, like every pointer read from it.
 *
 * Threads: nothing here is thread-safe (sio/common.h).
 */
#ifndef SIO_ARGS_H
#define SIO_ARGS_H

#include "sio/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* jansson's value type (include <jansson.h> to use it). */
struct json_t;

typedef struct sio_args sio_args_t;
typedef struct sio_argv sio_argv_t;

/* ======================================================================
 * Received arguments (read-only, borrowed for the callback)
 * ====================================================================== */

typedef enum {
  SIO_ARG_NONE = 0, /* index out of range */
  SIO_ARG_STRING,
  SIO_ARG_NUMBER,
  SIO_ARG_BOOL,
  SIO_ARG_NULL,
  SIO_ARG_OBJECT,
  SIO_ARG_ARRAY,
  SIO_ARG_BINARY /* a top-level binary argument */
} sio_arg_type_t;

SIO_EXTERN size_t sio_argv_count(const sio_argv_t *av);
SIO_EXTERN sio_arg_type_t sio_argv_type(const sio_argv_t *av, size_t i);
/* Argument i as an unescaped, NUL-terminated string (it may hold NUL bytes:
 * see *len, may be NULL), or NULL if it is not a string. Borrowed: valid
 * until the callback returns. */
SIO_EXTERN const char *sio_argv_string(const sio_argv_t *av, size_t i, size_t *len);
/* Integers (no fraction or exponent in the spelling), any number, booleans.
 * 0, SIO_EINVAL (other type or not an integer), SIO_ELIMIT (out of range). */
SIO_EXTERN int sio_argv_int64(const sio_argv_t *av, size_t i, int64_t *out);
SIO_EXTERN int sio_argv_double(const sio_argv_t *av, size_t i, double *out);
SIO_EXTERN int sio_argv_bool(const sio_argv_t *av, size_t i, int *out);
/* The bytes of binary argument i (borrowed). 0 or SIO_EINVAL. */
SIO_EXTERN int sio_argv_binary(const sio_argv_t *av, size_t i, sio_buf_t *out);
/* Binary attachments at any depth, in placeholder order. */
SIO_EXTERN size_t sio_argv_attachments_count(const sio_argv_t *av);
SIO_EXTERN int sio_argv_attachment(const sio_argv_t *av, size_t n, sio_buf_t *out);
/* The exact JSON text of argument i as received (binary values appear as
 * {"_placeholder":true,"num":N}). 0 or SIO_EINVAL. */
SIO_EXTERN int sio_argv_raw(const sio_argv_t *av, size_t i, sio_buf_t *out);
/* The exact JSON text of all arguments, comma-separated, without brackets
 * ("" when there are none): relay it untouched with sio_args_add_argv(). */
SIO_EXTERN void sio_argv_raw_all(const sio_argv_t *av, sio_buf_t *out);
/* Argument i as a new jansson value the caller owns (json_decref), or NULL
 * (out of range, or a value jansson cannot hold). A binary argument gives its
 * placeholder object. */
SIO_EXTERN struct json_t *sio_argv_json(const sio_argv_t *av, size_t i);

/* ======================================================================
 * Arguments to send: a small builder, reusable for many emits
 * ====================================================================== */

/* A new empty argument list; NULL if out of memory. Emitting does not
 * consume it: free it with sio_args_free() when done. */
SIO_EXTERN sio_args_t *sio_args_new(void);
SIO_EXTERN void sio_args_free(sio_args_t *a);
/* Empties the list for reuse. */
SIO_EXTERN void sio_args_clear(sio_args_t *a);
SIO_EXTERN size_t sio_args_count(const sio_args_t *a);
/* Appends one argument. Everything is copied. Errors are sticky (an emit
 * with a failed list returns the first error): SIO_ENOMEM, SIO_EINVAL (a
 * string that is not UTF-8, raw text that is not one JSON value). */
SIO_EXTERN int sio_args_add_string(sio_args_t *a, const char *s);
SIO_EXTERN int sio_args_add_stringn(sio_args_t *a, const char *s, size_t len);
SIO_EXTERN int sio_args_add_int(sio_args_t *a, int64_t v);
/* NaN and infinities are sent as null, as JSON.stringify does. */
SIO_EXTERN int sio_args_add_double(sio_args_t *a, double v);
SIO_EXTERN int sio_args_add_bool(sio_args_t *a, int v);
SIO_EXTERN int sio_args_add_null(sio_args_t *a);
/* One JSON value, written as given (compact it yourself; it is validated,
 * not re-printed). Placeholders inside are not allowed. */
SIO_EXTERN int sio_args_add_raw(sio_args_t *a, const char *json, size_t len);
/* Every element of a JSON array text ("[1,\"a\"]") as separate arguments. */
SIO_EXTERN int sio_args_add_raw_array(sio_args_t *a, const char *json, size_t len);
/* One JSON value holding binary values at any depth: each
 * {"_placeholder":true,"num":k} in json stands for bins[k] (k < n; copied,
 * placeholders renumbered as needed). */
SIO_EXTERN int sio_args_add_raw_binary(sio_args_t *a, const char *json, size_t len,
                                       const sio_buf_t *bins, size_t n);
/* The arguments as the wire carries them (for adapters and emitters): the
 * JSON values comma-separated, without brackets, each binary value a
 * placeholder {"_placeholder":true,"num":N} for attachment N. Borrowed until
 * a is changed or freed. An empty json for no arguments. */
SIO_EXTERN void sio_args_json(const sio_args_t *a, sio_buf_t *json);
SIO_EXTERN size_t sio_args_attachments_count(const sio_args_t *a);
/* Attachment n (borrowed like sio_args_json): 0, or SIO_EINVAL past the end. */
SIO_EXTERN int sio_args_attachment(const sio_args_t *a, size_t n, sio_buf_t *out);
/* A binary argument (copied); the packet becomes BINARY_EVENT/BINARY_ACK. */
SIO_EXTERN int sio_args_add_binary(sio_args_t *a, const void *data, size_t len);
/* A jansson value (borrowed for the call; printed compact in insertion key
 * order, numbers like JavaScript). */
SIO_EXTERN int sio_args_add_json(sio_args_t *a, const struct json_t *v);
/* All arguments of a received list, byte for byte (no re-encoding; binary
 * attachments are shared, not copied): the relay. */
SIO_EXTERN int sio_args_add_argv(sio_args_t *a, const sio_argv_t *av);

#ifdef __cplusplus
}
#endif
#endif
