/* Strict framing of HTTP/1.1 requests, checked on the raw bytes before
 * http-parser sees them.
 *
 * http-parser 2.9 as distributions build it (not strict) accepts what RFC
 * 9112 forbids in the places that decide where a request ends: bare LF line
 * ends, obs-fold (a header line starting with SP or HTAB, whose value it
 * glues to the line before: "Transfer-Encoding:\r\n chunked" frames the body
 * as chunked), any byte after the CR that ends the headers taken as its LF,
 * any two bytes after chunk data taken as its CRLF, control characters in chunk
 * extensions and in the request target. A proxy in front that reads such bytes another
 * way frames the stream differently: request smuggling. This scanner follows the line
 * structure of the request line, the header section, the chunked framing
 * and the trailer section, and refuses the first byte that breaks it; a
 * Content-Length body is opaque to it.
 *
 * It runs ahead of the parser and stops where it needs the parser's view:
 * after the header section (the parser then says how the body is framed:
 * sio__http_strict_body) and after a chunked message (the parser's end of
 * message then restarts it: sio__http_strict_reset). No allocation. */
#ifndef SIO_HTTP_STRICT_H
#define SIO_HTTP_STRICT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t state;
  uint8_t spaces;      /* SPs in the request line so far */
  uint8_t trailers;    /* the lines are the trailer section */
  uint8_t colon;       /* the current header line has its ':' */
  uint8_t prev;        /* the byte before, in the request line */
  uint8_t empty_lines; /* empty lines before the request line */
  uint64_t chunk_left; /* the current chunk: its size, then its bytes not yet passed */
} sio__http_strict_t;

/* Ready for a new request (also the initial state). */
void sio__http_strict_reset(sio__http_strict_t *s);
/* The header section was parsed: the body is chunked (checked) or not
 * (Content-Length or none: passed through until the parser ends the
 * message). */
void sio__http_strict_body(sio__http_strict_t *s, int chunked);
/* Checks data[0..len): returns how many bytes may go to the parser now. It
 * stops early at the end of the header section, at the end of a chunked
 * message, or at a byte that breaks the framing: then *bad is set (that
 * byte is the one at the returned offset; the bytes before it are fine). */
size_t sio__http_strict_scan(sio__http_strict_t *s, const uint8_t *data, size_t len,
                             int *bad);

#endif
