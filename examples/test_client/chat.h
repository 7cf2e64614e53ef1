/* An application's Socket.IO handlers, kept apart from its main() so they
 * can be unit-tested with the in-process test client (chat_test.c). */
#ifndef CHAT_H
#define CHAT_H

#include <sio/server.h>

/* Registers the chat on s's main namespace:
 * - a middleware refusing clients whose auth has no "name" ("who are you?");
 * - "join" (room): joins the room and tells its members "joined" (name);
 * - "say" (room, text): sends "said" (name, text) to the room's others;
 * - "whoami" with an ack: answers the name.
 * 0 or an error. */
int chat_setup(sio_server_t *s);

#endif
