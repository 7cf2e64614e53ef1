/* The auto parser (sio_parser_auto, sio/parser.h): not a wire form of its
 * own but the server's choice to take JSON and msgpack sessions side by
 * side. A session starts with the JSON decoder and switches to msgpack if
 * its first Socket.IO message is binary (a JSON packet always starts with a
 * text message; a msgpack one is always binary); sio_session.c does that,
 * a packet for one session is encoded in its parser (sio_internal.h:
 * sio__session_encode), and a broadcast once per parser its recipients use
 * (sio_local.c). Used as a client's parser, or
 * called directly, it is the JSON parser. Also: the parsers by name, for
 * programs that take the choice as an option. */
#include <string.h>

#include "sio/sio_binary.h"
#include "sio/sio_parser.h"

static void auto_decoder_init(void *dec, const sio__sio_limits_t *lim) {
  sio_parser_json()->decoder_init(dec, lim);
}

static void auto_decoder_reset(void *dec) {
  sio_parser_json()->decoder_reset(dec);
}

static int auto_encode(const sio__packet_desc_t *d, size_t headroom,
                       sio__packet_buf_t *out) {
  return sio_parser_json()->encode(d, headroom, out);
}

/* Room for either decoder: a session may switch once. */
#define AUTO_DEC_SIZE                                                                    \
  (sizeof(sio__sio_decoder_t) > sizeof(sio__sio_limits_t) ? sizeof(sio__sio_decoder_t)   \
                                                          : sizeof(sio__sio_limits_t))

static const sio_parser_t k_auto = {"auto",
                                    auto_encode,
                                    AUTO_DEC_SIZE,
                                    auto_decoder_init,
                                    auto_decoder_reset,
                                    sio__sio_decoder_feed};

const sio_parser_t *sio_parser_auto(void) {
  return &k_auto;
}

const sio_parser_t *sio__parser_at(unsigned ix) {
  return ix == SIO__PARSER_MSGPACK ? sio_parser_msgpack() : sio_parser_json();
}

const sio_parser_t *sio_parser_by_name(const char *name) {
  if (!name) return NULL;
  if (strcmp(name, "json") == 0) return sio_parser_json();
  if (strcmp(name, "msgpack") == 0) return sio_parser_msgpack();
  if (strcmp(name, "auto") == 0) return sio_parser_auto();
  return NULL;
}
