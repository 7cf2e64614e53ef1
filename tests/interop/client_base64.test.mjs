// The C client receiving binary as "b<base64>" WebSocket text frames, which an
// Engine.IO server may send (the protocol allows it; engine.io-client accepts it): a
// fake Socket.IO server sends a binary event whose attachment is such a frame, and
// the client driver (scenario base64) must get the event with its bytes.
import { test } from 'node:test';
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { runDriver, assertPass } from './lib/client_run.mjs';

function fakeServer() {
  return new Promise((resolve) => {
    const srv = http.createServer((req, res) => {
      res.writeHead(400);
      res.end();
    });
    const wss = new WebSocketServer({ server: srv });
    wss.on('connection', (ws) => {
      ws.on('error', () => {});
      ws.send('0' + JSON.stringify({ sid: 'b64sid', upgrades: [], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1000000 }));
      ws.on('message', (data, isBinary) => {
        if (!isBinary && data.toString() === '40') {
          ws.send('40{"sid":"b64nsp"}');
          ws.send('451-["bin",{"_placeholder":true,"num":0}]');
          ws.send('bAQID'); // the attachment: bytes 01 02 03
        }
      });
    });
    srv.listen(0, '127.0.0.1', () => resolve({
      port: srv.address().port,
      stop: () => new Promise((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        srv.close(r);
      }),
    }));
  });
}

test('a binary attachment sent as a base64 text frame reaches the C client as bytes', { timeout: 30000 }, async () => {
  const srv = await fakeServer();
  try {
    const r = await runDriver(`http://127.0.0.1:${srv.port}`, 'websocket', 'base64');
    assertPass(r, 'base64/websocket');
  } finally {
    await srv.stop();
  }
});
