#include "ws/ws_frame.h"

#include <string.h>

#include "core/alloc.h"

/* What a zero-length message points at (data is never NULL). */
static uint8_t empty_payload[1];

/* A frame or message in progress. A feed that starts at rest keeps it on its
 * stack and moves it to the heap only if it ends inside a frame or inside a
 * fragmented message (see "Memory" in ws_frame.h). */
struct sio__ws_partial {
  /* Set at rest (partial_rest): side by side, so that takes few stores. */
  uint8_t *buf; /* message reassembly (sio__malloc), NULL until needed */
  size_t buf_len, buf_cap;
  union {
    struct {
      uint8_t hdr_len;    /* header bytes collected in hdr[] (partial header) */
      uint8_t in_frame;   /* 1: header parsed, payload bytes still expected */
      uint8_t msg_opcode; /* TEXT/BINARY of the open message, 0 if none */
      uint8_t ctl_len;    /* bytes of a partial control payload in ctl */
    };
    uint32_t busy; /* 0 at rest: the four above read as one */
  };
  /* Set by each frame's header before they are read. */
  uint8_t fin;          /* current frame's FIN bit */
  uint8_t opcode;       /* current frame's opcode */
  uint8_t masked;       /* current frame is masked */
  uint8_t cur_text;     /* the current data message is text */
  uint8_t cur_deflated; /* the current data message has RSV1 */
  uint8_t mask[4];
  uint8_t hdr[14];
  sio__utf8_t utf8;   /* validator of the open text message */
  uint64_t remaining; /* payload bytes of the current frame not yet seen */
  uint64_t mask_off;  /* payload bytes of the current frame already unmasked */
  uint8_t ctl[SIO_WS_MAX_CONTROL];
};
typedef struct sio__ws_partial partial_t;

static int is_control(unsigned op) {
  return op >= 8;
}

void sio__ws_decoder_init(sio__ws_decoder_t *d, sio__ws_role_t role, size_t max_message) {
  memset(d, 0, sizeof(*d));
  d->role = (uint8_t)role;
  d->max_message = max_message ? max_message : SIZE_MAX;
}

/* The state of a decoder at rest: only the fields read before a frame's
 * header sets the others. */
static void partial_rest(partial_t *s) {
  s->buf = NULL;
  s->buf_len = s->buf_cap = 0;
  s->busy = 0;
}

static int partial_at_rest(const partial_t *s) {
  return s->busy == 0; /* ctl_len is 0 outside a frame */
}

void sio__ws_decoder_free(sio__ws_decoder_t *d) {
  if (!d->part) return;
  sio__free(d->part->buf);
  sio__free(d->part);
  d->part = NULL;
}

void sio__ws_decoder_allow_rsv1(sio__ws_decoder_t *d, int on) {
  d->rsv1_ok = on ? 1 : 0;
}

size_t sio__ws_decoder_consumed(const sio__ws_decoder_t *d) {
  return d->consumed;
}

size_t sio__ws_decoder_buffered(const sio__ws_decoder_t *d) {
  const partial_t *s = d->part;
  return s ? s->hdr_len + s->ctl_len + s->buf_len : 0;
}

size_t sio__ws_decoder_held(const sio__ws_decoder_t *d) {
  return d->part ? sizeof(*d->part) + d->part->buf_cap : 0;
}

/* Unmasks p[0..n) (see sio__ws_mask) and returns the OR of the unmasked
 * bytes, 8 at a time: its high bit says whether any byte is not ASCII, so
 * text needs no second pass when none is. */
static inline uint64_t mask_or(uint8_t *p, size_t n, const uint8_t mask[4],
                               uint64_t off) {
  /* The key three times over: the 8 bytes from off & 3 on are the key
   * rotated to start at off, twice (byte order free, no per-byte loop). */
  uint8_t k3[12];
  memcpy(k3, mask, 4);
  memcpy(k3 + 4, mask, 4);
  memcpy(k3 + 8, mask, 4);
  const uint8_t *m = k3 + (off & 3);
  uint64_t w8, any = 0;
  memcpy(&w8, m, 8);
  size_t i = 0;
  for (; n - i >= 8; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    w ^= w8;
    any |= w;
    memcpy(p + i, &w, 8);
  }
  if (n - i >= 4) { /* i is a multiple of 8: the key's first 4 bytes */
    uint32_t w, k;
    memcpy(&w, p + i, 4);
    memcpy(&k, m, 4);
    w ^= k;
    any |= w;
    memcpy(p + i, &w, 4);
    i += 4;
  }
  for (; i < n; i++) {
    p[i] ^= m[i & 7];
    any |= p[i];
  }
  return any;
}

void sio__ws_mask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t off) {
  (void)mask_or(p, n, mask, off);
}

static int fail(sio__ws_decoder_t *d, int err, uint16_t code) {
  d->err = err;
  d->fail_code = code;
  return err;
}

/* Checks what the first two header bytes alone can tell, so a bad frame is
 * refused before the rest of its header arrives. */
static int check_first(sio__ws_decoder_t *d, const partial_t *s, uint8_t b0, uint8_t b1) {
  unsigned op = b0 & 0x0f;
  if (b0 & 0x30) return fail(d, SIO_EPROTO, SIO_WS_CLOSE_PROTOCOL); /* RSV2-3 */
  /* RSV1: a compressed message, on its first frame only. */
  if ((b0 & 0x40) && (!d->rsv1_ok || op == SIO__WS_OP_CONT || is_control(op)))
    return fail(d, SIO_EPROTO, SIO_WS_CLOSE_PROTOCOL);
  if ((op > SIO__WS_OP_BINARY && op < SIO__WS_OP_CLOSE) || op > SIO__WS_OP_PONG)
    return fail(d, SIO_EPROTO, SIO_WS_CLOSE_PROTOCOL); /* reserved opcode */
  int masked = (b1 & 0x80) != 0;
  if (masked != (d->role == SIO__WS_ROLE_SERVER))
    return fail(d, SIO_EPROTO, SIO_WS_CLOSE_PROTOCOL); /* RFC 6455 5.1 */
  if (is_control(op)) {
    if (!(b0 & 0x80) || (b1 & 0x7f) > SIO_WS_MAX_CONTROL)
      return fail(d, SIO_EPROTO, SIO_WS_CLOSE_PROTOCOL);
  } else if (op == SIO__WS_OP_CONT) {
    if (!s->msg_opcode) return fail(d, SIO_EPROTO, SIO_WS_CLOSE_PROTOCOL);
  } else if (s->msg_opcode) {
    return fail(d, SIO_EPROTO, SIO_WS_CLOSE_PROTOCOL); /* message interleaving */
  }
  return 0;
}

static size_t header_size(uint8_t b1) {
  size_t n = 2;
  if ((b1 & 0x7f) == 126)
    n += 2;
  else if ((b1 & 0x7f) == 127)
    n += 8;
  if (b1 & 0x80) n += 4;
  return n;
}

/* Starts a frame from its complete header h (already checked by check_first). */
static int start_frame(sio__ws_decoder_t *d, partial_t *s, const uint8_t *h) {
  uint64_t len = h[1] & 0x7f;
  size_t pos = 2;
  if (len == 126) {
    len = (uint64_t)h[2] << 8 | h[3];
    pos = 4;
  } else if (len == 127) {
    len = 0;
    for (int k = 0; k < 8; k++) len = len << 8 | h[2 + k];
    pos = 10;
    if (len >> 63) return fail(d, SIO_EPROTO, SIO_WS_CLOSE_PROTOCOL);
  }
  s->fin = h[0] >> 7;
  s->opcode = h[0] & 0x0f;
  s->masked = h[1] >> 7;
  if (s->masked) memcpy(s->mask, h + pos, 4);
  if (!is_control(s->opcode)) {
    /* The whole message so far (earlier fragments) plus this frame. */
    size_t have = s->opcode == SIO__WS_OP_CONT ? s->buf_len : 0;
    if (len > d->max_message || have > d->max_message - len)
      return fail(d, SIO_EMSGSIZE, SIO_WS_CLOSE_TOO_BIG);
    if (s->opcode != SIO__WS_OP_CONT) {
      s->msg_opcode = s->fin ? 0 : s->opcode;
      sio__utf8_init(&s->utf8);
      s->cur_text = s->opcode == SIO__WS_OP_TEXT;
      s->cur_deflated = (h[0] & 0x40) != 0;
    }
  }
  s->remaining = len;
  s->mask_off = 0;
  s->ctl_len = 0;
  s->in_frame = 1;
  return 0;
}

/* Unmasks (and for text, validates) payload bytes of the current frame. */
static int take_payload(sio__ws_decoder_t *d, partial_t *s, uint8_t *p, size_t n) {
  int text = !is_control(s->opcode) && s->cur_text && !s->cur_deflated;
  uint64_t any = 0x80; /* unknown: validate */
  if (s->masked) any = mask_or(p, n, s->mask, s->mask_off);
  s->mask_off += n;
  /* ASCII bytes after a complete character leave the validator as it was. */
  if (text && ((any & 0x8080808080808080ull) || !sio__utf8_complete(&s->utf8)) &&
      sio__utf8_feed(&s->utf8, p, n))
    return fail(d, SIO_EILSEQ, SIO_WS_CLOSE_INVALID_DATA);
  return 0;
}

static int buf_append(sio__ws_decoder_t *d, partial_t *s, const uint8_t *p, size_t n) {
  if (n == 0) return 0;
  size_t need = s->buf_len + n; /* <= max_message: checked from the header */
  if (need > s->buf_cap) {
    size_t cap = s->buf_cap ? s->buf_cap : 1024;
    while (cap < need && cap <= SIZE_MAX / 2) cap *= 2;
    if (cap < need) cap = need;
    if (cap > d->max_message) cap = need > d->max_message ? need : d->max_message;
    uint8_t *nb = sio__realloc(s->buf, cap);
    if (!nb) return fail(d, SIO_ENOMEM, SIO_WS_CLOSE_INTERNAL);
    s->buf = nb;
    s->buf_cap = cap;
  }
  memcpy(s->buf + s->buf_len, p, n);
  s->buf_len = need;
  return 0;
}

/* Delivers a complete control frame payload p[0..n). */
static int deliver_control(sio__ws_decoder_t *d, const partial_t *s, uint8_t *p, size_t n,
                           sio__ws_msg_cb cb, void *arg) {
  sio__ws_msg_t m;
  m.opcode = (sio__ws_opcode_t)s->opcode;
  m.data = n ? p : empty_payload;
  m.len = n;
  m.close_code = 0;
  m.compressed = 0;
  if (s->opcode == SIO__WS_OP_CLOSE) {
    if (n == 1) return fail(d, SIO_EPROTO, SIO_WS_CLOSE_PROTOCOL);
    if (n == 0) {
      m.close_code = SIO_WS_CLOSE_NO_STATUS;
    } else {
      m.close_code = (uint16_t)(p[0] << 8 | p[1]);
      if (!sio__ws_close_code_valid(m.close_code) || !sio__utf8_valid(p + 2, n - 2))
        return fail(d, SIO_EPROTO, SIO_WS_CLOSE_PROTOCOL);
      m.data = n > 2 ? p + 2 : empty_payload;
      m.len = n - 2;
    }
  }
  return cb(arg, &m);
}

/* Delivers a complete data message p[0..n). */
static int deliver_data(sio__ws_decoder_t *d, const partial_t *s, uint8_t *p, size_t n,
                        int text, sio__ws_msg_cb cb, void *arg) {
  if (text && !s->cur_deflated && !sio__utf8_complete(&s->utf8))
    return fail(d, SIO_EILSEQ, SIO_WS_CLOSE_INVALID_DATA); /* cut sequence at FIN */
  sio__ws_msg_t m;
  m.opcode = text ? SIO__WS_OP_TEXT : SIO__WS_OP_BINARY;
  m.data = n ? p : empty_payload;
  m.len = n;
  m.close_code = 0;
  m.compressed = s->cur_deflated;
  return cb(arg, &m);
}

/* The current frame's payload is complete: p[0..n) when it came whole from
 * the input (direct), else it sits in ctl[] or buf. */
static int finish_frame(sio__ws_decoder_t *d, partial_t *s, uint8_t *p, size_t n,
                        int direct, sio__ws_msg_cb cb, void *arg) {
  s->in_frame = 0;
  if (is_control(s->opcode)) {
    if (!direct) {
      p = s->ctl;
      n = s->ctl_len;
    }
    int rc = deliver_control(d, s, p, n, cb, arg);
    s->ctl_len = 0;
    return rc;
  }
  if (!s->fin) return 0; /* more fragments to come */
  int text = s->cur_text;
  s->msg_opcode = 0;
  if (direct) return deliver_data(d, s, p, n, text, cb, arg);
  int rc = deliver_data(d, s, s->buf, s->buf_len, text, cb, arg);
  s->buf_len = 0; /* the buffer itself goes when the feed ends at rest */
  return rc;
}

/* After a feed: keeps the state of a frame or message still in progress on
 * the heap, and lets go of everything otherwise (at rest, or failed). */
static void settle(sio__ws_decoder_t *d, partial_t *s, partial_t *local) {
  if (d->err || partial_at_rest(s)) {
    if (s != local)
      sio__ws_decoder_free(d);
    else if (s->buf) /* a fragmented message reassembled within the feed */
      sio__free(s->buf);
    return;
  }
  if (s != local) return;
  partial_t *p = sio__malloc(sizeof(*p));
  if (!p) {
    sio__free(s->buf);
    fail(d, SIO_ENOMEM, SIO_WS_CLOSE_INTERNAL);
    return;
  }
  memcpy(p, s, sizeof(*p));
  d->part = p;
}

int sio__ws_decoder_feed(sio__ws_decoder_t *d, uint8_t *data, size_t len,
                         sio__ws_msg_cb cb, void *arg, uint16_t *close_code) {
  size_t i = 0;
  int rc = 0;
  partial_t local; /* the state while this feed started at rest */
  partial_t *s = d->part;
  d->consumed = 0;
  if (d->err) goto failed;
  if (!s) {
    s = &local;
    partial_rest(s);
  }
  while (i < len) {
    if (!s->in_frame) {
      const uint8_t *h;
      if (s->hdr_len == 0 && len - i >= 2 && len - i >= header_size(data[i + 1])) {
        /* Common case: the whole header is in the input. */
        h = data + i;
        if ((rc = check_first(d, s, h[0], h[1]))) goto out;
        i += header_size(h[1]);
      } else {
        /* Collect a header split across feeds, checking it as early as possible. */
        while (i < len && (s->hdr_len < 2 || s->hdr_len < header_size(s->hdr[1]))) {
          s->hdr[s->hdr_len++] = data[i++];
          if (s->hdr_len == 2 && (rc = check_first(d, s, s->hdr[0], s->hdr[1]))) goto out;
        }
        if (s->hdr_len < 2 || s->hdr_len < header_size(s->hdr[1])) break;
        h = s->hdr;
        s->hdr_len = 0;
      }
      if ((rc = start_frame(d, s, h))) goto out;
    }
    size_t avail = len - i;
    int control = is_control(s->opcode);
    int whole = s->mask_off == 0 && s->remaining <= avail &&
                (control || (s->fin && s->opcode != SIO__WS_OP_CONT));
    if (whole) {
      /* The frame is a whole message (or control frame) in the input: deliver
       * it where it lies. */
      size_t n = (size_t)s->remaining;
      uint8_t *p = data + i;
      if ((rc = take_payload(d, s, p, n))) goto out;
      i += n;
      s->remaining = 0;
      rc = finish_frame(d, s, p, n, 1, cb, arg);
    } else {
      size_t n = s->remaining < avail ? (size_t)s->remaining : avail;
      uint8_t *p = data + i;
      if ((rc = take_payload(d, s, p, n))) goto out;
      i += n;
      s->remaining -= n;
      if (control) {
        /* n fits: a control payload is at most 125 bytes (check_first). */
        memcpy(s->ctl + s->ctl_len, p, n);
        s->ctl_len = (uint8_t)(s->ctl_len + n);
      } else if ((rc = buf_append(d, s, p, n))) {
        goto out;
      }
      if (s->remaining == 0) rc = finish_frame(d, s, NULL, 0, 0, cb, arg);
    }
    if (rc) goto out;
  }
out:
  d->consumed = i;
  if (s != &local || s->busy || s->buf || d->err) settle(d, s, &local);
failed:
  if (d->err) {
    if (close_code) *close_code = d->fail_code;
    return d->err;
  }
  return rc;
}

size_t sio__ws_frame_header(uint8_t out[14], sio__ws_opcode_t op, int fin, uint64_t len,
                            const uint8_t mask[4]) {
  return sio__ws_frame_header_ex(out, op, fin, 0, len, mask);
}

size_t sio__ws_frame_header_ex(uint8_t out[14], sio__ws_opcode_t op, int fin, int rsv1,
                               uint64_t len, const uint8_t mask[4]) {
  size_t n = 0;
  out[n++] = (uint8_t)((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (op & 0x0f));
  uint8_t mbit = mask ? 0x80 : 0;
  if (len < 126) {
    out[n++] = (uint8_t)(mbit | len);
  } else if (len <= 0xffff) {
    out[n++] = mbit | 126;
    out[n++] = (uint8_t)(len >> 8);
    out[n++] = (uint8_t)len;
  } else {
    out[n++] = mbit | 127;
    for (int k = 7; k >= 0; k--) out[n++] = (uint8_t)(len >> (8 * k));
  }
  if (mask) {
    memcpy(out + n, mask, 4);
    n += 4;
  }
  return n;
}

sio__rbuf_t *sio__ws_frame_new(sio__ws_opcode_t op, const sio_buf_t *parts, size_t nparts,
                               const uint8_t mask[4]) {
  size_t total = 0;
  for (size_t k = 0; k < nparts; k++) {
    if (parts[k].len > SIZE_MAX - 14 - total) return NULL;
    total += parts[k].len;
  }
  if (is_control(op) && total > SIO_WS_MAX_CONTROL) return NULL;
  uint8_t hdr[14];
  size_t hn = sio__ws_frame_header(hdr, op, 1, total, mask);
  sio__rbuf_t *b = sio__rbuf_new(hn + total);
  if (!b) return NULL;
  memcpy(b->data, hdr, hn);
  size_t pos = hn;
  for (size_t k = 0; k < nparts; k++) {
    if (parts[k].len) memcpy(b->data + pos, parts[k].base, parts[k].len);
    pos += parts[k].len;
  }
  if (mask) sio__ws_mask(b->data + hn, total, mask, 0);
  b->len = pos;
  return b;
}

sio__rbuf_t *sio__ws_close_frame_new(uint16_t code, const char *reason,
                                     const uint8_t mask[4]) {
  uint8_t payload[SIO_WS_MAX_CONTROL];
  size_t n = 0;
  if (code) {
    payload[n++] = (uint8_t)(code >> 8);
    payload[n++] = (uint8_t)code;
    size_t rlen = reason ? strlen(reason) : 0;
    if (rlen > SIO_WS_MAX_CONTROL - 2) {
      rlen = SIO_WS_MAX_CONTROL - 2;
      /* Do not cut a character: back up over continuation bytes. */
      while (rlen > 0 && ((uint8_t)reason[rlen] & 0xc0) == 0x80) rlen--;
    }
    if (rlen) memcpy(payload + n, reason, rlen);
    n += rlen;
  }
  sio_buf_t part = {payload, n};
  return sio__ws_frame_new(SIO__WS_OP_CLOSE, &part, 1, mask);
}

int sio__ws_close_code_valid(uint16_t code) {
  if (code >= 1000 && code <= 1014)
    return code != 1004 && code != 1005 && code != 1006; /* reserved / never sent */
  return code >= 3000 && code <= 4999;
}
