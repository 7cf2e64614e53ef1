// Node reference counterpart of tests/servers/client_test_server.c for the C
// client's tests (tests/interop/client*.test.mjs): socket.io 4.8.4 with the
// same events the client driver uses.
//   on connection      emits `auth` with the CONNECT payload
//   echo ...args       emits `echo` with the same args
//   echo-ack ...args   acknowledges with the same args
//   make-binary        acks [<01 02 03>, {"nested": <04 05>, "n": 1}]
//   server-ack ms ev ...args  emits ev with an ack to the sender (timeout ms)
//                      and acks {"err":null|"timeout","reply":[...]}
//   disconnect-me      the server disconnects the socket
//   ack-later ms ...args      acks with the same args after ms
//   handshake          acks {"query": the `foo` query parameter, "header": X-Test}
//   whoami             acks {"eio": the Engine.IO session id, "transport":
//                      "polling"|"websocket", "url": the handshake request
//                      target, "nsp": the namespace}
// "/private": refused unless auth.token == "secret" ("not authorized",
// data {"code":42}). "/custom": emits `auth` like "/".
// Usage: node ref/sio_ref_server.mjs [--port N] [--path P] [--ping-interval MS]
//                                    [--ping-timeout MS] [--max-payload BYTES]
//                                    [--parser msgpack]
import http from 'node:http';
import { Server } from 'socket.io';
import msgpackParser from 'socket.io-msgpack-parser';
import { arg, onRelayEvents, privateMiddleware } from './common.mjs';

const port = arg('--port', 0);
const pathIdx = process.argv.indexOf('--path');
const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval: arg('--ping-interval', 25000),
  pingTimeout: arg('--ping-timeout', 20000),
  maxHttpBufferSize: arg('--max-payload', 1e6),
  cors: { origin: '*' },
  ...(pathIdx > 0 ? { path: process.argv[pathIdx + 1] } : {}),
  ...(process.argv[process.argv.indexOf('--parser') + 1] === 'msgpack' ? { parser: msgpackParser } : {}),
});

function setup(nsp) {
  nsp.on('connection', (socket) => {
    onRelayEvents(socket);
    socket.on('server-ack', (ms, ev, ...rest) => {
      const ack = rest.pop();
      socket.timeout(ms).emit(ev, ...rest, (err, ...reply) => {
        ack({ err: err ? 'timeout' : null, reply });
      });
    });
    socket.on('ack-later', (ms, ...rest) => {
      const ack = rest.pop();
      if (typeof ack === 'function') setTimeout(() => ack(...rest), ms);
    });
    socket.on('disconnect-me', () => socket.disconnect());
    socket.on('handshake', (ack) => ack({
      query: socket.handshake.query.foo ?? null,
      header: socket.handshake.headers['x-test'] ?? '',
    }));
    socket.on('whoami', (ack) => ack({
      eio: socket.conn.id,
      transport: socket.conn.transport.name,
      url: socket.handshake.url,
      nsp: socket.nsp.name,
    }));
  });
}
setup(io.of('/'));
setup(io.of('/custom'));
const priv = io.of('/private');
priv.use(privateMiddleware);
setup(priv);

httpServer.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${httpServer.address().port}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
