#include "core/utf8.h"

#include <string.h>

#include "sio/common.h"

/* A DFA over byte classes. Each state says what the next byte must be; the
 * lead bytes E0, ED, F0 and F4 restrict their first continuation byte, which
 * is how overlongs (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code
 * points above U+10FFFF (F4 90..BF) are refused at the earliest byte. */
enum {
  S_ACCEPT = 0, /* at a character boundary */
  S_NEED1,      /* one continuation 80..BF left */
  S_NEED2,      /* two left, any 80..BF first */
  S_NEED3,      /* three left, any 80..BF first */
  S_E0,         /* after E0: A0..BF, then one more */
  S_ED,         /* after ED: 80..9F, then one more */
  S_F0,         /* after F0: 90..BF, then two more */
  S_F4,         /* after F4: 80..8F, then two more */
  S_REJECT
};

/* Byte classes: 0 ASCII; 1 80..8F; 2 90..9F; 3 A0..BF; 4 never valid (C0, C1,
 * F5..FF); 5 C2..DF; 6 E0; 7 E1..EC, EE, EF; 8 ED; 9 F0; 10 F1..F3; 11 F4. */
/* clang-format off */
static const uint8_t byte_class[256] = {
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 00 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 10 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 20 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 30 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 40 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 50 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 60 */
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 70 */
     1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  /* 80 */
     2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  /* 90 */
     3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  /* A0 */
     3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  /* B0 */
     4,  4,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  /* C0 */
     5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  /* D0 */
     6,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  8,  7,  7,  /* E0 */
     9, 10, 10, 10, 11,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* F0 */
};
/* clang-format on */

#define R S_REJECT
/* clang-format off */
static const uint8_t next_state[S_REJECT + 1][12] = {
    /*            ASCII     80..8F    90..9F    A0..BF    bad  C2..DF   E0    E1..   ED    F0    F1..F3   F4 */
    [S_ACCEPT] = {S_ACCEPT, R,        R,        R,        R,   S_NEED1, S_E0, S_NEED2, S_ED, S_F0, S_NEED3, S_F4},
    [S_NEED1]  = {R,        S_ACCEPT, S_ACCEPT, S_ACCEPT, R,   R,       R,    R,       R,    R,    R,       R},
    [S_NEED2]  = {R,        S_NEED1,  S_NEED1,  S_NEED1,  R,   R,       R,    R,       R,    R,    R,       R},
    [S_NEED3]  = {R,        S_NEED2,  S_NEED2,  S_NEED2,  R,   R,       R,    R,       R,    R,    R,       R},
    [S_E0]     = {R,        R,        R,        S_NEED1,  R,   R,       R,    R,       R,    R,    R,       R},
    [S_ED]     = {R,        S_NEED1,  S_NEED1,  R,        R,   R,       R,    R,       R,    R,    R,       R},
    [S_F0]     = {R,        R,        S_NEED2,  S_NEED2,  R,   R,       R,    R,       R,    R,    R,       R},
    [S_F4]     = {R,        S_NEED2,  R,        R,        R,   R,       R,    R,       R,    R,    R,       R},
    [S_REJECT] = {R,        R,        R,        R,        R,   R,       R,    R,       R,    R,    R,       R},
};
/* clang-format on */
#undef R

void sio__utf8_init(sio__utf8_t *v) {
  v->state = S_ACCEPT;
}

int sio__utf8_feed(sio__utf8_t *v, const uint8_t *p, size_t n) {
  uint32_t s = v->state;
  if (s >= S_REJECT) {
    v->state = S_REJECT;
    return SIO_EILSEQ;
  }
  size_t i = 0;
  while (i < n) {
    if (s == S_ACCEPT) {
      /* Text is mostly ASCII: skip 8 bytes at a time while no high bit is set. */
      while (n - i >= 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull) break;
        i += 8;
      }
      while (i < n && p[i] < 0x80) i++;
      if (i == n) break;
    }
    s = next_state[s][byte_class[p[i++]]];
    if (s == S_REJECT) {
      v->state = S_REJECT;
      return SIO_EILSEQ;
    }
  }
  v->state = s;
  return 0;
}

int sio__utf8_complete(const sio__utf8_t *v) {
  return v->state == S_ACCEPT;
}

int sio__utf8_valid(const uint8_t *p, size_t n) {
  sio__utf8_t v = {S_ACCEPT};
  return sio__utf8_feed(&v, p, n) == 0 && sio__utf8_complete(&v);
}
