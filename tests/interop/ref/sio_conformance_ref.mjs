// Node reference counterpart of the conformance server's Socket.IO endpoint
// (tools/conformance_server/socketio.c), as the socket.io-protocol test-suite
// expects it: socket.io 4.8.4 at /socket.io/ with pingInterval 300 ms,
// pingTimeout 200 ms, maxPayload 1000000, CORS origin "*", connect timeout
// 1000 ms.
//   "/" and "/custom": on connection emit `auth` with the CONNECT payload
//   "/": `message` -> emits `message-back` with the same args;
//        `message-with-ack` -> acknowledges with the same args
//   any other namespace: refused ("Invalid namespace", socket.io's default)
//   "/": `emit-later` (delay ms, event, ...args) -> emits event with args to
//        the socket after the delay; `broadcast-later` likewise to "/";
//        `room-later` (delay, room, event, ...args) to a room; `volatile-later`
//        and `ack-later` to the socket, volatile / with an ack; `join` (room)
//        joins, then acknowledges; `close-transport` closes the Engine.IO
//        session; `set-data` (value) sets socket.data, `get-data` acks it
// --recovery: connectionStateRecovery with its defaults; --recovery-duration
// MS sets maxDisconnectionDuration (and implies --recovery).
// Used by tests/interop/sio_protocol.test.mjs with SIO_SIO_SERVER=ref.
// Usage: node ref/sio_conformance_ref.mjs [--port N] [--recovery] [--recovery-duration MS]
//   (port 0 or absent = any free port)
import http from 'node:http';
import { Server } from 'socket.io';

const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : 0;
const d = process.argv.indexOf('--recovery-duration');
const recovery = d > 0 || process.argv.includes('--recovery');

const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval: 300,
  pingTimeout: 200,
  maxHttpBufferSize: 1e6,
  connectTimeout: 1000,
  cors: { origin: '*' },
  ...(recovery
    ? { connectionStateRecovery: d > 0 ? { maxDisconnectionDuration: Number(process.argv[d + 1]) } : {} }
    : {}),
});

io.of('/').on('connection', (socket) => {
  socket.emit('auth', socket.handshake.auth);
  socket.on('message', (...args) => socket.emit('message-back', ...args));
  socket.on('message-with-ack', (...args) => {
    const ack = args.pop();
    if (typeof ack === 'function') ack(...args);
  });
  socket.on('emit-later', (delay, ev, ...args) => setTimeout(() => socket.emit(ev, ...args), delay));
  socket.on('broadcast-later', (delay, ev, ...args) => setTimeout(() => io.of('/').emit(ev, ...args), delay));
  socket.on('room-later', (delay, room, ev, ...args) => setTimeout(() => io.of('/').to(room).emit(ev, ...args), delay));
  socket.on('volatile-later', (delay, ev, ...args) => setTimeout(() => socket.volatile.emit(ev, ...args), delay));
  socket.on('ack-later', (delay, ev, ...args) =>
    setTimeout(() => socket.timeout(1000).emit(ev, ...args, () => {}), delay));
  socket.on('close-transport', () => socket.conn.close());
  socket.on('set-data', (value, ack) => {
    socket.data = value;
    if (typeof ack === 'function') ack();
  });
  socket.on('get-data', (ack) => ack(socket.data === undefined ? null : socket.data));
  socket.on('join', (room, ack) => {
    socket.join(room);
    if (typeof ack === 'function') ack();
  });
});
io.of('/custom').on('connection', (socket) => {
  socket.emit('auth', socket.handshake.auth);
});

httpServer.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${httpServer.address().port}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
