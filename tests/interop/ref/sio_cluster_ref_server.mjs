// Node reference counterpart of tests/servers/sio_cluster_server.c: socket.io
// 4.8.4 with @socket.io/redis-adapter 8.3.0 (classic createAdapter, node-redis
// 4 clients), the same client events, for the redis_*.test.mjs tests (as the
// Node peer of a C server, or in place of the C server with
// SIO_CLUSTER_SERVER=ref to check the tests themselves).
//
// Usage: node ref/sio_cluster_ref_server.mjs --port 0 --redis redis://127.0.0.1:P
//          --name NAME [--key PREFIX] [--request-timeout MS]
//          [--streams [--stream NAME]] [--recovery] [--graceful]
// --streams: @socket.io/redis-streams-adapter 0.3 (one node-redis client,
// channel prefix --key, stream NAME) instead of the classic adapter.
// --recovery: connectionStateRecovery with Node's defaults.
// Prints `listening on 127.0.0.1:PORT`. Namespaces "/" and "/chat"; every
// client event acknowledges:
//   join room / leave room        -> [rooms of the socket] (events `join`, `leave`)
//   rooms                         -> [rooms of the socket]
//   to-rooms opts ev ...args      opts {to, except, sender, volatile, local};
//                                 -> the local recipient count
//   broadcast-ack ms ev ...args   to all but the sender, with acks
//                                 -> {err: null|"timeout", replies: [first
//                                 arg of each; binary as {"binary": [bytes]}]}
//   fetch room ("" = all)         -> [{id, rooms, local, handshake, data}]
//   set-data value                -> "ok" (socket.data = value)
//   sockets-join room newroom / sockets-leave room oldroom -> local count
//   disconnect-sockets room close -> "ok" (before the disconnects)
//   server-side ev ...args        serverSideEmit -> "ok"
//   server-side-ack ms ev ...args serverSideEmit with ack -> {err, replies}
//   server-count                  -> the number of servers
//   worker                        -> 0 (the number of the handler's thread)
//   echo-ack ...args              -> the same args
// serverSideEmit(ev, ...args) from another server: `server-side` (ev,
// ...args) to every local socket of the namespace; an ack gets
// {from: NAME, event: ev}.
import http from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : def;
}
const port = Number(arg('--port', 0));
const redisUrl = arg('--redis', 'redis://127.0.0.1:6379');
const NAME = arg('--name', 'node');
const key = arg('--key', 'socket.io');
const requestsTimeout = Number(arg('--request-timeout', 5000));
const streams = process.argv.includes('--streams');
const streamName = arg('--stream', 'socket.io');
const recovery = process.argv.includes('--recovery');

const pub = createClient({ url: redisUrl });
const sub = pub.duplicate();
// node-redis emits 'error' on every lost connection and reconnects by itself.
pub.on('error', (e) => console.error(`redis: pub: ${e.message}`));
sub.on('error', (e) => console.error(`redis: sub: ${e.message}`));
await Promise.all([pub.connect(), sub.connect()]);
// The adapter neither awaits its PUBLISHes nor guards its decoding: with Redis
// down (EPIPE) or a malformed message on a channel, Node would exit here. Log
// and go on, so this reference stays usable in the restart and hostile tests.
process.on('unhandledRejection', (e) => console.error(`redis: unhandled rejection: ${e && e.message}`));
process.on('uncaughtException', (e) => console.error(`redis: uncaught exception (malformed message?): ${e && e.message}`));

const httpServer = http.createServer();
const io = new Server(httpServer, {
  cors: { origin: '*' },
  ...(recovery ? { connectionStateRecovery: {} } : {}),
});
io.adapter(
  streams
    ? createStreamsAdapter(pub, { channelPrefix: key, streamName })
    : createAdapter(pub, sub, { key, requestsTimeout }),
);

// The local recipients of a selection (what the broadcast reaches here).
function localCount(nsp, to, except, senderId) {
  const rooms = nsp.adapter.rooms;
  const ids = new Set();
  if (to.length === 0) for (const id of nsp.sockets.keys()) ids.add(id);
  else for (const r of to) for (const id of rooms.get(r) || []) ids.add(id);
  for (const r of except) for (const id of rooms.get(r) || []) ids.delete(id);
  if (senderId) ids.delete(senderId);
  return ids.size;
}

// A reply as the C test server reports it: a binary first argument becomes
// {"binary": [bytes]} (its acks are JSON).
function replyJson(r) {
  return Buffer.isBuffer(r) ? { binary: [...r] } : r;
}

function selection(nsp, room) {
  return room ? nsp.in(room) : nsp;
}

function setup(nsp) {
  // Every server-side event, whatever its name, reaches the same handler.
  nsp._onServerSideEmit = (args) => {
    const cb = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    const [ev, ...rest] = args;
    nsp.local.emit('server-side', ev, ...rest);
    if (cb) cb({ from: NAME, event: ev });
  };

  nsp.on('connection', (socket) => {
    // Every handler gets its ack as the last argument.
    const on = (ev, fn) =>
      socket.on(ev, (...args) => {
        const ack = typeof args[args.length - 1] === 'function' ? args.pop() : () => {};
        Promise.resolve()
          .then(() => fn(ack, ...args))
          .catch((e) => ack({ error: String(e && e.message) }));
      });

    on('join', (ack, room) => {
      socket.join(room);
      ack([...socket.rooms]);
    });
    on('leave', (ack, room) => {
      socket.leave(room);
      ack([...socket.rooms]);
    });
    on('rooms', (ack) => ack([...socket.rooms]));

    on('to-rooms', (ack, opts, ev, ...args) => {
      const o = opts || {};
      const to = o.to || [];
      const except = o.except || [];
      const n = localCount(nsp, to, except, o.sender ? socket.id : null);
      let op = o.sender ? socket.broadcast : nsp;
      if (to.length) op = op.to(to);
      if (except.length) op = op.except(except);
      if (o.volatile) op = op.volatile;
      if (o.local) op = op.local;
      op.emit(ev, ...args);
      ack(n);
    });

    on('broadcast-ack', (ack, ms, ev, ...args) => {
      socket.broadcast.timeout(ms).emit(ev, ...args, (err, replies) => {
        ack({ err: err ? 'timeout' : null, replies: (replies || []).map(replyJson) });
      });
    });

    on('fetch', async (ack, room) => {
      const list = await selection(nsp, room).fetchSockets();
      ack(list.map((s) => ({
        id: s.id,
        rooms: [...s.rooms],
        local: nsp.sockets.has(s.id),
        handshake: s.handshake ?? null,
        data: s.data ?? null,
      })));
    });

    on('set-data', (ack, value) => {
      socket.data = value;
      ack('ok');
    });

    on('sockets-join', (ack, room, newRoom) => {
      const n = localCount(nsp, room ? [room] : [], [], null);
      selection(nsp, room).socketsJoin(newRoom);
      ack(n);
    });
    on('sockets-leave', (ack, room, oldRoom) => {
      const n = localCount(nsp, room ? [room] : [], [], null);
      selection(nsp, room).socketsLeave(oldRoom);
      ack(n);
    });
    on('disconnect-sockets', (ack, room, close) => {
      ack('ok');
      // After the ack is on its way: the sender may be one of them.
      setImmediate(() => selection(nsp, room).disconnectSockets(!!close));
    });

    on('server-side', (ack, ev, ...args) => {
      nsp.serverSideEmit(ev, ...args);
      ack('ok');
    });
    on('server-side-ack', (ack, ms, ev, ...args) => {
      // The adapter's own wait (requestsTimeout) is read when the request
      // is made: use ms for this one.
      nsp.adapter.requestsTimeout = ms;
      nsp.serverSideEmit(ev, ...args, (err, replies) => {
        nsp.adapter.requestsTimeout = requestsTimeout;
        ack({ err: err ? 'timeout' : null, replies: (replies || []).map(replyJson) });
      });
    });

    on('server-count', async (ack) => ack(await nsp.adapter.serverCount()));
    // One process, one thread: always 0 (the C server numbers its workers' threads).
    on('worker', (ack) => ack(0));
    on('echo-ack', (ack, ...args) => ack(...args));
  });
}
setup(io.of('/'));
setup(io.of('/chat'));

httpServer.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${httpServer.address().port}`);
});
// --graceful: a signal closes the server (io.close(): every client is told)
// before the exit; without it the process just exits.
const graceful = process.argv.includes('--graceful');
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    if (!graceful) process.exit(0);
    io.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
