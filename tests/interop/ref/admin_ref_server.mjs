// Node reference counterpart of tests/servers/admin_test_server.c: socket.io
// 4.8 instrumented with @socket.io/admin-ui 0.5's instrument(), for
// tests/interop/admin.test.mjs (the same script plays the UI against both).
//
// Usage: node ref/admin_ref_server.mjs --port 0 (--auth USER:PASSWORD | --no-auth)
//          [--readonly] [--production] [--server-id ID] [--redis URL]
// Prints `listening on 127.0.0.1:PORT`. Namespaces "/" and "/chat" answer
// `join` / `leave` (a room; acknowledged with the socket's rooms) and `echo`
// (sent back as `echo`). The stats interval is admin-ui's fixed 2 s.
import http from 'node:http';
import { Server } from 'socket.io';
import { instrument } from '@socket.io/admin-ui';
import bcrypt from 'bcryptjs';

const argv = process.argv;
const arg = (name, def) => {
  const i = argv.indexOf(name);
  return i > 0 ? argv[i + 1] : def;
};
const has = (name) => argv.includes(name);

const httpServer = http.createServer();
const io = new Server(httpServer);

const redisUrl = arg('--redis', null);
if (redisUrl) {
  const { createClient } = await import('redis');
  const { createAdapter } = await import('@socket.io/redis-adapter');
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  pub.on('error', (e) => console.error(`redis: ${e.message}`));
  sub.on('error', (e) => console.error(`redis: ${e.message}`));
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
}

for (const name of ['/', '/chat']) {
  io.of(name).on('connection', (socket) => {
    socket.on('join', (room, ack) => {
      socket.join(room);
      if (typeof ack === 'function') ack([...socket.rooms]);
    });
    socket.on('leave', (room, ack) => {
      socket.leave(room);
      if (typeof ack === 'function') ack([...socket.rooms]);
    });
    socket.on('echo', (...args) => socket.emit('echo', ...args));
  });
}

let auth = false;
const cred = arg('--auth', null);
if (cred) {
  const colon = cred.indexOf(':');
  auth = { type: 'basic', username: cred.slice(0, colon), password: bcrypt.hashSync(cred.slice(colon + 1), 4) };
} else if (!has('--no-auth')) {
  console.error('usage: admin_ref_server.mjs (--auth USER:PASSWORD | --no-auth) ...');
  process.exit(2);
}
instrument(io, {
  auth,
  readonly: has('--readonly'),
  mode: has('--production') ? 'production' : 'development',
  serverId: arg('--server-id', undefined),
});

httpServer.listen(Number(arg('--port', 0)), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${httpServer.address().port}`);
});
const stop = () => {
  io.close();
  httpServer.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
