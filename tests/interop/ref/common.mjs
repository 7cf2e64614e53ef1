// What the Node reference servers of this folder share, so that an event
// means the same on each of them (as tests/servers/shared/test_handlers.c
// does for our test servers). A module, not a server.

// The numeric option `name` of the command line, or def.
export function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

// The events every Socket.IO reference answers alike, for one socket:
//   on connection      emits `auth` with the CONNECT payload
//   echo ...args       emits `echo` with the same args
//   echo-ack ...args   acknowledges with the same args
//   make-binary        acks [<01 02 03>, {"nested": <04 05>, "n": 1}]
export function onRelayEvents(socket) {
  socket.emit('auth', socket.handshake.auth);
  socket.on('echo', (...args) => socket.emit('echo', ...args));
  socket.on('echo-ack', (...args) => {
    const ack = args.pop();
    if (typeof ack === 'function') ack(...args);
  });
  socket.on('make-binary', (ack) => {
    ack(Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5]), n: 1 });
  });
}

// The middleware of "/private": refused unless auth.token == "secret", with
// the message "not authorized" and data {"code":42}.
export function privateMiddleware(socket, next) {
  if (socket.handshake.auth && socket.handshake.auth.token === 'secret') return next();
  const err = new Error('not authorized');
  err.data = { code: 42 };
  next(err);
}
