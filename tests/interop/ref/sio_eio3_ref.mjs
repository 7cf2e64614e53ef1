// Node reference counterpart of tests/servers/sio_eio3_server.c for
// tests/interop/sio_eio3.test.mjs: socket.io 4.8 with the same namespaces and
// events, and allowEIO3 when --allow-eio3 is given.
// Usage: node ref/sio_eio3_ref.mjs [--port N] [--allow-eio3]
//                                  [--ping-interval MS] [--ping-timeout MS]
import http from 'node:http';
import { Server } from 'socket.io';
import { arg, onRelayEvents, privateMiddleware } from './common.mjs';

const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval: arg('--ping-interval', 25000),
  pingTimeout: arg('--ping-timeout', 20000),
  allowEIO3: process.argv.includes('--allow-eio3'),
  cors: { origin: '*' },
});

function setup(nsp) {
  nsp.on('connection', (socket) => {
    onRelayEvents(socket);
    socket.on('join', (room, ack) => {
      socket.join(room);
      if (typeof ack === 'function') ack([...socket.rooms]);
    });
    socket.on('to-rooms', (sel, ev, ...rest) => {
      const ack = typeof rest[rest.length - 1] === 'function' ? rest.pop() : null;
      let b = sel.sender ? socket.broadcast : nsp;
      if (sel.to) b = b.to(sel.to);
      if (sel.except) b = b.except(sel.except);
      b.emit(ev, ...rest);
      if (ack) ack(null);
    });
    socket.on('whoami', (ack) => ack({
      protocol: socket.conn.protocol,
      transport: socket.conn.transport.name,
    }));
  });
}
setup(io.of('/'));
setup(io.of('/chat'));
const priv = io.of('/private');
priv.use(privateMiddleware);
setup(priv);
const guarded = io.of('/guarded');
guarded.use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.pass === '1') return next();
  next(new Error('not allowed'));
});
setup(guarded);

httpServer.listen(arg('--port', 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${httpServer.address().port}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
