// socket.io-client 4.8's msgpack bundle (dist/socket.io.msgpack.min.js, the
// client with socket.io-msgpack-parser built in) in Debian's Chromium,
// driven by playwright-core, against our server (tests/servers/
// sio_test_server.c with --parser auto): over polling, websocket and the
// upgrade, connect with auth, events and acks both ways, binary both ways
// (ArrayBuffers, nested), rooms and a broadcast, which a JSON client (Node's
// socket.io-client) in the same room receives too.
//
// Needs SIO_BIN_DIR (the build directory); CTest sets it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { spawnServer } from '../interop/lib/spawn.mjs';
import { chromiumSkip, launchChromium } from './lib/chromium.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const INTEROP = path.join(HERE, '..', 'interop');
const WAIT = 15000;
const BUNDLE = path.join(INTEROP, 'node_modules', 'socket.io-client', 'dist', 'socket.io.msgpack.min.js');

const skip = chromiumSkip();

// The page's side of one transport mode: returns what it saw, as JSON
// (ArrayBuffers as {bin: [bytes]}).
async function runInPage(page, port, transports) {
  return page.evaluate(async ({ port, transports }) => {
    const bin = (...b) => new Uint8Array(b).buffer;
    const show = (v) => {
      if (v instanceof ArrayBuffer) return { bin: [...new Uint8Array(v)] };
      if (Array.isArray(v)) return v.map(show);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, show(x)]));
      return v;
    };
    const once = (s, ev) => new Promise((r, j) => {
      const t = setTimeout(() => j(new Error(`no ${ev}`)), 10000);
      s.once(ev, (...a) => { clearTimeout(t); r(a); });
    });
    const opts = { forceNew: true, reconnection: false, auth: { token: 'page', n: 1 } };
    if (transports) opts.transports = transports;
    const s = io(`http://127.0.0.1:${port}`, opts);
    window.sockets = (window.sockets || []).concat([s]);
    const out = {};
    const authP = once(s, 'auth');
    await once(s, 'connect');
    out.auth = (await authP)[0];
    if (!transports && s.io.engine.transport.name !== 'websocket') await once(s.io.engine, 'upgrade');
    out.transport = s.io.engine.transport.name;
    const args = ['x', { b: bin(1, 2, 3), list: [bin(4), { deep: bin(5, 6) }], n: 1.5 }, 42, null, true];
    const echoP = once(s, 'echo');
    s.emit('echo', ...args);
    out.echo = show(await echoP);
    out.ack = show(await new Promise((r) => s.emit('echo-ack', ...args, (...a) => r(a))));
    out.made = show(await new Promise((r) => s.emit('make-binary', (...a) => r(a))));
    s.on('ask', (q, cb) => cb(bin(7, 8), q));
    out.serverAck = await s.timeout(5000).emitWithAck('server-ack', 3000, 'ask', 'q');
    await s.timeout(5000).emitWithAck('join', 'mixed');
    return out;
  }, { port, transports });
}

describe('e2e: the msgpack client bundle in Chromium against our auto server', { skip, timeout: 180000 }, () => {
  let srv;
  let browser;
  let page;
  let jsonClient;

  before(async () => {
    srv = await spawnServer('sio_test_server', ['--parser', 'auto']);
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(WAIT);
    // A page of the server's origin (its 404), with the bundle in it.
    await page.goto(`http://127.0.0.1:${srv.port}/page`, { timeout: WAIT });
    await page.addScriptTag({ content: fs.readFileSync(BUNDLE, 'utf8') });
    const require = createRequire(path.join(INTEROP, 'package.json'));
    const { io } = require('socket.io-client');
    jsonClient = io(`http://127.0.0.1:${srv.port}`, { forceNew: true, reconnection: false });
    await new Promise((r) => jsonClient.once('connect', r));
    await jsonClient.timeout(5000).emitWithAck('join', 'mixed');
  });

  after(async () => {
    if (jsonClient) jsonClient.disconnect();
    if (browser) await browser.close().catch(() => {});
    if (srv) {
      const r = await srv.stop();
      assert.deepEqual(r, { code: 0, signal: null });
    }
  });

  for (const [mode, transports] of [['polling', ['polling']], ['websocket', ['websocket']], ['upgrade', null]]) {
    it(`${mode}: auth, events, acks and binary both ways`, async () => {
      const got = await runInPage(page, srv.port, transports);
      const B = (...b) => ({ bin: b });
      const args = ['x', { b: B(1, 2, 3), list: [B(4), { deep: B(5, 6) }], n: 1.5 }, 42, null, true];
      assert.deepEqual(got.auth, { token: 'page', n: 1 });
      assert.equal(got.transport, mode === 'polling' ? 'polling' : 'websocket');
      assert.deepEqual(got.echo, args);
      assert.deepEqual(got.ack, args);
      assert.deepEqual(got.made, [B(1, 2, 3), { nested: B(4, 5), n: 1 }]);
      assert.deepEqual(got.serverAck, { err: null, reply: [{ binary: [7, 8] }, 'q'] });
    });
  }

  it('a broadcast from a JSON client reaches every page in the room', async () => {
    // Listening first (an evaluate returns once its body ran), then the emit.
    await page.evaluate(() => {
      window.news = Promise.all(window.sockets.map((s) => new Promise((r) => {
        s.once('news', (...a) => r(a.map((v) => (v instanceof ArrayBuffer ? { bin: [...new Uint8Array(v)] } : v))));
      })));
    });
    const n = await jsonClient.timeout(5000).emitWithAck('to-room', 'mixed', 'news', 'hi', Buffer.from([9, 8]));
    assert.equal(n, 4); // three pages' sockets and the JSON client
    const pending = page.evaluate(() => Promise.race([window.news,
      new Promise((r, j) => setTimeout(() => j(new Error('no news in every page socket')), 10000))]));
    assert.deepEqual(await pending, [['hi', { bin: [9, 8] }], ['hi', { bin: [9, 8] }], ['hi', { bin: [9, 8] }]]);
  });
});
