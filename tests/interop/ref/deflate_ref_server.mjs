// Node reference for tests/interop/ws_deflate.test.mjs: socket.io 4.8 at
// /socket.io/ with perMessageDeflate (threshold 1024, as engine.io's own
// default object) and httpCompression on, maxHttpBufferSize 1000000, CORS "*".
//   "/": `message` -> emits `message-back` with the same args;
//        `ext` -> acknowledges with whether the WebSocket negotiated permessage-deflate;
//        `message-with-ack` -> acknowledges with the same args
// Usage: node ref/deflate_ref_server.mjs [--port N] [--no-deflate]
import http from 'node:http';
import { Server } from 'socket.io';

const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : 0;
const deflate = !process.argv.includes('--no-deflate');

const httpServer = http.createServer();
const io = new Server(httpServer, {
  maxHttpBufferSize: 1e6,
  cors: { origin: '*' },
  perMessageDeflate: deflate ? { threshold: 1024 } : false,
  httpCompression: true,
});

io.of('/').on('connection', (socket) => {
  socket.on('message', (...args) => socket.emit('message-back', ...args));
  // Whether this connection's WebSocket negotiated permessage-deflate.
  socket.on('ext', (ack) => ack(socket.conn.transport.socket?.extensions === 'permessage-deflate'));
  socket.on('message-with-ack', (...args) => {
    const ack = args.pop();
    if (typeof ack === 'function') ack(...args);
  });
});

httpServer.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${httpServer.address().port}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
