// An HTTPS socket.io 4.8 server (from the lockfile) for the C client's TLS
// test (tests/interop/client_tls.test.mjs):
//   echo-ack ...args   acknowledges with the same args
//   make-binary        acks <04 05 06 07>
//   send-binary n      emits `bin` with n bytes (byte i = i & 255)
// Usage: node ref/sio_tls_ref_server.mjs --cert PEM --key PEM [--port N]
// Prints `listening on 127.0.0.1:PORT`.
import fs from 'node:fs';
import https from 'node:https';
import { Server } from 'socket.io';

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : def;
}
const server = https.createServer({
  cert: fs.readFileSync(arg('--cert')),
  key: fs.readFileSync(arg('--key')),
});
// Handshakes the client gave up on (bad certificate) are expected here.
server.on('tlsClientError', () => {});
const io = new Server(server, { maxHttpBufferSize: 4e6, cors: { origin: '*' } });

io.on('connection', (socket) => {
  socket.on('echo-ack', (...args) => {
    const ack = args.pop();
    if (typeof ack === 'function') ack(...args);
  });
  socket.on('make-binary', (ack) => ack(Buffer.from([4, 5, 6, 7])));
  socket.on('send-binary', (n) => {
    const b = Buffer.alloc(Math.min(Number(n) || 0, 4e6));
    for (let i = 0; i < b.length; i++) b[i] = i & 255;
    socket.emit('bin', b);
  });
});

server.listen(Number(arg('--port', 0)), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
