// Binary messages sent as base64 text over WebSocket ("b<base64>" text frames), as
// engine.io-client does with forceBase64: the echo server (conformance_server) gets them
// as binary and answers with binary frames.
// SIO_EIO_SERVER=ref runs the same tests against the Node reference server.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'engine.io-client';
import { startServer, serverKind, isRef, wsHandshake } from './lib/eio.mjs';

const T = { timeout: 10000 };

describe(`base64 binary over WebSocket against the ${serverKind} server`, () => {
  let srv;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    if (!srv) return;
    const r = await srv.stop();
    assert.deepEqual(r, { code: 0, signal: null }, `server exit ${JSON.stringify(r)}\n${srv.stderr().slice(-2000)}`);
  });

  test('engine.io-client with forceBase64: binary is echoed as binary', T, async () => {
    const s = new Socket(`http://127.0.0.1:${srv.port}`, { transports: ['websocket'], forceBase64: true });
    try {
      // The client really sends text: spy on its WebSocket.
      const sentFrames = [];
      await new Promise((resolve, reject) => {
        s.on('open', resolve);
        s.on('error', (e) => reject(new Error(String(e))));
      });
      const ws = s.transport.ws;
      const origSend = ws.send.bind(ws);
      ws.send = (data, ...rest) => {
        sentFrames.push(data);
        return origSend(data, ...rest);
      };
      const got = new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no echo within 5 s')), 5000);
        s.on('message', (m) => {
          clearTimeout(t);
          resolve(m);
        });
      });
      s.send(Uint8Array.from([0, 1, 2, 254, 255]));
      const m = await got;
      assert.ok(Buffer.isBuffer(m), `got ${typeof m} ${Object.prototype.toString.call(m)}`);
      assert.deepEqual([...m], [0, 1, 2, 254, 255]);
      assert.deepEqual(sentFrames, ['bAAEC/v8='], 'the client sent the binary as base64 text');
    } finally {
      s.close();
    }
  });

  test('a raw "bAAECAwQ=" text frame is echoed as a binary frame of bytes 0..4', T, async () => {
    const { q } = await wsHandshake(srv);
    try {
      q.send('bAAECAwQ=');
      const e = await q.appMessage();
      assert.equal(e.isBinary, true, `got text ${e.data}`);
      assert.deepEqual([...e.data], [0, 1, 2, 3, 4]);
      // An empty one too: "b" alone is an empty binary message.
      q.send('b');
      const e2 = await q.appMessage();
      assert.equal(e2.isBinary, true);
      assert.equal(e2.data.length, 0);
    } finally {
      q.destroy();
    }
  });

  // Node decodes what it can of bad base64 (Buffer.from skips foreign characters); we close
  // the session as a parse error, like a bad "b" piece of a polling body.
  test('a "b" text frame with bad base64', T, async () => {
    const { q } = await wsHandshake(srv);
    try {
      q.send('b!!!!');
      if (isRef) {
        const e = await q.appMessage();
        assert.equal(e.isBinary, true);
        assert.equal(e.data.length, 0);
      } else {
        const c = await q.waitClose(3000);
        assert.ok(c, 'the session was closed');
      }
    } finally {
      q.destroy();
    }
  });
});
