/* libsio: the Socket.IO parser, the wire form of packets.
 *
 * A server (sio_server_opts_set_parser, sio/server.h) and a client
 * (sio_client_opts_set_parser, sio/client.h) encode and decode packets with
 * one parser; both ends of a connection must use the same. The default is
 * the JSON form of the reference implementation (socket.io-parser). A parser is an
 * immutable static object: it is never freed and may be shared by any number of servers
 * and clients on any thread.
 */
#ifndef SIO_PARSER_H
#define SIO_PARSER_H

#include "sio/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sio_parser sio_parser_t;

/* The JSON parser: text packets, binary values as attachments that follow
 * their packet. Static; never NULL. */
SIO_EXTERN const sio_parser_t *sio_parser_json(void);

/* The msgpack parser, wire-compatible with socket.io-msgpack-parser 3: each
 * packet is one binary message, a MessagePack map {type, nsp, data, id},
 * binary values native inside it (no attachment messages). Event arguments
 * reach handlers as they do with the JSON parser (numbers, strings, maps,
 * arrays; binaries as binary arguments; a Date as its ISO-8601 string,
 * undefined as null). Static; never NULL. */
SIO_EXTERN const sio_parser_t *sio_parser_msgpack(void);

/* For a server: JSON and msgpack clients side by side. Each session's
 * parser is recognised from its first Socket.IO message (binary: msgpack,
 * text: JSON) and kept for the session's life; a broadcast is encoded once
 * per parser its recipients use. A client given this parser speaks JSON.
 * Static; never NULL. */
SIO_EXTERN const sio_parser_t *sio_parser_auto(void);

/* The parser called name ("json", "msgpack" or "auto", as the parsers'
 * name field spells them), e.g. from a command-line option; NULL for any
 * other name or NULL. */
SIO_EXTERN const sio_parser_t *sio_parser_by_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif
