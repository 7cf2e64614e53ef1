/* The strict framing scanner in front of http-parser (see http_strict.h).
 * Only the line structure and the chunked framing are checked here; tokens,
 * the method, the version's digits and the header values are http-parser's
 * and http_parse.c's. */
#include "http/http_strict.h"

enum {
  S_START = 0,  /* before the request line: empty lines allowed */
  S_START_CR,   /* CR of an empty line before the request line */
  S_REQ,        /* the request line */
  S_REQ_CR,     /* CR at the end of the request line */
  S_LINE_START, /* the first byte of a header (or trailer) line */
  S_LINE,       /* inside a header line */
  S_LINE_CR,    /* CR at the end of a header line */
  S_END_CR,     /* CR of the empty line that ends the section */
  S_HEAD_DONE,  /* header section passed: waiting for sio__http_strict_body */
  S_BODY,       /* a body that is not chunked: the parser's to end */
  S_CK_SIZE0,   /* the first digit of a chunk size */
  S_CK_SIZE,    /* more digits of a chunk size */
  S_CK_EXT,     /* chunk extensions, up to the CR */
  S_CK_SIZE_CR, /* CR at the end of the chunk-size line */
  S_CK_DATA,    /* chunk data */
  S_CK_DATA_CR, /* the CR after chunk data */
  S_CK_DATA_LF, /* the LF after chunk data */
  S_DONE        /* chunked message passed: waiting for sio__http_strict_reset */
};

#define CR '\r'
#define LF '\n'
#define MAX_EMPTY_LINES 2 /* before a request line */

/* A control character (HTAB excluded: it is whitespace where one is allowed). */
static int is_ctl(uint8_t ch) {
  return (ch < 0x20 && ch != '\t') || ch == 0x7f;
}

static int hexval(uint8_t ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

void sio__http_strict_reset(sio__http_strict_t *s) {
  *s = (sio__http_strict_t){S_START, 0, 0, 0, ' ', 0, 0};
}

void sio__http_strict_body(sio__http_strict_t *s, int chunked) {
  s->state = chunked ? S_CK_SIZE0 : S_BODY;
  s->chunk_left = 0;
}

/* One byte of the request line: exactly "method SP target SP version", no
 * control character (http-parser takes HTAB and FF in the target, and runs
 * of spaces between the parts). */
static int req_byte(sio__http_strict_t *s, uint8_t ch) {
  if (ch == CR) {
    if (s->spaces != 2 || s->prev == ' ') return -1;
    s->state = S_REQ_CR;
    return 0;
  }
  if (is_ctl(ch) || ch == '\t') return -1;
  if (ch == ' ') {
    if (s->prev == ' ' || s->spaces == 2) return -1;
    s->spaces++;
  }
  s->prev = ch;
  return 0;
}

/* One byte of the header or trailer section, after the request line. */
static int line_byte(sio__http_strict_t *s, uint8_t ch) {
  switch (s->state) {
    case S_LINE_START:
      if (ch == CR) {
        s->state = S_END_CR;
        return 0;
      }
      /* SP or HTAB here is obs-fold (RFC 9112 5.2): refused, not unfolded. */
      if (ch == ' ' || ch == '\t' || ch == ':' || is_ctl(ch)) return -1;
      s->colon = 0;
      s->state = S_LINE;
      return 0;
    case S_LINE:
      if (ch == CR) {
        if (!s->colon) return -1; /* a line that is no field */
        s->state = S_LINE_CR;
        return 0;
      }
      if (is_ctl(ch)) return -1;
      if (ch == ':') s->colon = 1;
      return 0;
    case S_LINE_CR:
      if (ch != LF) return -1;
      s->state = S_LINE_START;
      return 0;
    default: /* S_END_CR */
      if (ch != LF) return -1;
      s->state = s->trailers ? S_DONE : S_HEAD_DONE;
      return 1;
  }
}

/* One byte of the chunked framing (not of chunk data). */
static int chunk_byte(sio__http_strict_t *s, uint8_t ch) {
  int v = hexval(ch);
  switch (s->state) {
    case S_CK_SIZE0:
      if (v < 0) return -1;
      s->chunk_left = (uint64_t)v;
      s->state = S_CK_SIZE;
      return 0;
    case S_CK_SIZE:
      if (v >= 0) {
        /* The bound http-parser itself has, so both read the same size. */
        if (s->chunk_left > (UINT64_MAX - 16) / 16) return -1;
        s->chunk_left = s->chunk_left * 16 + (uint64_t)v;
        return 0;
      }
      if (ch == CR) {
        s->state = S_CK_SIZE_CR;
        return 0;
      }
      if (ch != ';' && ch != ' ' && ch != '\t') return -1;
      s->state = S_CK_EXT;
      return 0;
    case S_CK_EXT:
      if (ch == CR) {
        s->state = S_CK_SIZE_CR;
        return 0;
      }
      return is_ctl(ch) ? -1 : 0;
    case S_CK_SIZE_CR:
      if (ch != LF) return -1;
      if (s->chunk_left == 0) { /* the last chunk: trailers follow */
        s->trailers = 1;
        s->state = S_LINE_START;
      } else {
        s->state = S_CK_DATA;
      }
      return 0;
    case S_CK_DATA_CR:
      if (ch != CR) return -1;
      s->state = S_CK_DATA_LF;
      return 0;
    default: /* S_CK_DATA_LF */
      if (ch != LF) return -1;
      s->state = S_CK_SIZE0;
      return 0;
  }
}

size_t sio__http_strict_scan(sio__http_strict_t *s, const uint8_t *data, size_t len,
                             int *bad) {
  *bad = 0;
  size_t i = 0;
  while (i < len) {
    uint8_t ch = data[i];
    int r = 0;
    switch (s->state) {
      case S_START:
        if (ch == CR) {
          s->state = S_START_CR;
          break;
        }
        s->state = S_REQ;
        r = req_byte(s, ch);
        break;
      case S_START_CR:
        /* A few empty lines are ignored (RFC 9112 2.2); more would let a
         * client hold an idle connection open by sending just CRLFs. */
        if (ch != LF || ++s->empty_lines > MAX_EMPTY_LINES) r = -1;
        s->state = S_START;
        break;
      case S_REQ:
        /* Most bytes of a line are plain: skip them in a tight loop. */
        if (ch > ' ' && ch != 0x7f) {
          while (i + 1 < len && data[i + 1] > ' ' && data[i + 1] != 0x7f) i++;
          s->prev = data[i];
          break;
        }
        r = req_byte(s, ch);
        break;
      case S_REQ_CR:
        if (ch != LF) r = -1;
        s->state = S_LINE_START;
        break;
      case S_LINE:
        if (ch >= ' ' && ch != 0x7f && ch != ':') {
          while (i + 1 < len && data[i + 1] >= ' ' && data[i + 1] != 0x7f &&
                 data[i + 1] != ':')
            i++;
          break;
        }
        r = line_byte(s, ch);
        break;
      case S_LINE_START:
      case S_LINE_CR:
      case S_END_CR:
        r = line_byte(s, ch);
        break;
      case S_BODY:
        return len;
      case S_CK_DATA: {
        size_t take = len - i;
        if (take > s->chunk_left) take = (size_t)s->chunk_left;
        s->chunk_left -= take;
        if (s->chunk_left == 0) s->state = S_CK_DATA_CR;
        i += take;
        continue;
      }
      case S_HEAD_DONE:
      case S_DONE:
        /* The parser did not end the section where this scanner did: the
         * two disagree on the framing, so neither is trusted. */
        r = -1;
        break;
      default:
        r = chunk_byte(s, ch);
        break;
    }
    if (r < 0) {
      *bad = 1;
      return i;
    }
    i++;
    if (r > 0) return i; /* a section ended: the parser goes first */
  }
  return i;
}
