// The Node.js reference of the benchmarks: the same behaviour as
// tools/bench_server (libsio), on socket.io 4.8 with its default options.
//
//   node bench/node_server.mjs [--port N] [--per-message-deflate]
//   prints "listening on 127.0.0.1:PORT"; --per-message-deflate turns on
//   engine.io's perMessageDeflate (threshold 1024), as bench_server's flag.
//
// `echo` is emitted back to the sender with the same arguments (and acked
// with them when the client asked); `bcast` is broadcast to the namespace
// (and acked). The demo's static folder is served at `/`.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server } from 'socket.io';

const here = path.dirname(fileURLToPath(import.meta.url));
const publicDir = path.join(here, '..', 'examples', 'demo', 'public');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

let port = 3000;
let perMessageDeflate = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--port' && i + 1 < argv.length) port = Number(argv[++i]);
  else if (argv[i] === '--per-message-deflate') perMessageDeflate = { threshold: 1024 };
  else {
    console.error('usage: node node_server.mjs [--port N] [--per-message-deflate]');
    process.exit(2);
  }
}

// Static files: enough for GET /index.html (the real work is Socket.IO's).
const httpServer = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  let rel = decodeURIComponent(url.pathname);
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.normalize(path.join(publicDir, rel));
  if (!file.startsWith(publicDir + path.sep)) {
    res.writeHead(403).end();
    return;
  }
  fs.readFile(file, (err, data) => {
    if (err) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
    res.end(data);
  });
});

const io = new Server(httpServer, { serveClient: false, perMessageDeflate });
let echoes = 0;
let bcasts = 0;
io.on('connection', (socket) => {
  socket.on('echo', (...args) => {
    const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    socket.emit('echo', ...args);
    if (ack) ack(...args);
    echoes++;
  });
  socket.on('bcast', (...args) => {
    const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    io.emit('bcast', ...args);
    if (ack) ack(...args);
    bcasts++;
  });
});

httpServer.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${httpServer.address().port}`);
});

function stop() {
  console.log(`node_server: echoes=${echoes} bcasts=${bcasts}`);
  io.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
