// Node reference counterpart of tests/servers/sio_test_server.c for
// sio_msgpack.test.mjs: socket.io 4.8 with the msgpack parser
// (socket.io-msgpack-parser), answering the subset of sio_test_server's
// events that test uses, in the same forms:
//   on connection          emits `auth` with the CONNECT payload
//   echo ...args           emits `echo` with the same args
//   echo-ack ...args       acknowledges with the same args
//   make-binary            acks [<01 02 03>, {"nested": <04 05>, "n": 1}]
//   join room              joins; acks the socket's rooms
//   to-room room ev ...args  broadcast to room; acks the recipient count
//   server-ack ms ev ...args emits ev with an ack to the sender and acks
//                          {"err": null|"timeout", "reply": [...]} (a binary
//                          argument as {"binary": [bytes]})
// Usage: node ref/sio_msgpack_ref.mjs [--port N] [--parser json|msgpack]
import http from 'node:http';
import { Server } from 'socket.io';
import msgpackParser from 'socket.io-msgpack-parser';
import { onRelayEvents } from './common.mjs';

const opt = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : def;
};
const httpServer = http.createServer();
const io = new Server(httpServer, {
  cors: { origin: '*' },
  ...(opt('--parser', 'msgpack') === 'msgpack' ? { parser: msgpackParser } : {}),
});

const asJson = (v) => (Buffer.isBuffer(v) ? { binary: [...v] } : v);

io.on('connection', (socket) => {
  onRelayEvents(socket);
  socket.on('join', (room, cb) => {
    socket.join(room);
    cb([...socket.rooms]);
  });
  socket.on('to-room', (room, ev, ...rest) => {
    const cb = rest.pop();
    io.to(room).emit(ev, ...rest);
    cb(io.sockets.adapter.rooms.get(room)?.size ?? 0);
  });
  socket.on('server-ack', (ms, ev, ...rest) => {
    const cb = rest.pop();
    socket.timeout(ms).emit(ev, ...rest, (err, ...reply) => {
      cb({ err: err ? 'timeout' : null, reply: reply.map(asJson) });
    });
  });
});

httpServer.listen(Number(opt('--port', 0)), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${httpServer.address().port}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { io.close(); process.exit(0); });
