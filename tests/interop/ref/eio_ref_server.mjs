// Node reference counterpart of tests/servers/conformance_server: a plain Engine.IO
// server at /engine.io/ that echoes every message (text as text, binary as binary).
// Used to validate the interop tests against the reference before running them on ours.
// Usage: node ref/eio_ref_server.mjs [--port N]   (0 or absent = any free port)
import http from 'node:http';
import { attach } from 'engine.io';

const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : 0;

const httpServer = http.createServer();
const engine = attach(httpServer, {
  pingInterval: 300,
  pingTimeout: 200,
  maxHttpBufferSize: 1e6,
  cors: { origin: '*' },
});

engine.on('connection', (socket) => {
  socket.on('message', (data) => socket.send(data));
});

httpServer.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${httpServer.address().port}`);
});

for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
