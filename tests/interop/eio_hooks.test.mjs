// The Engine.IO server's application hooks (sio/eio.h) against engine.io-client, fetch
// and ws: the asynchronous allow_request (accepting, refusing with a message, timing
// out, a client leaving while it waits), the initial_headers / headers hooks, a custom
// session id generator, and the handshake's headers and query read by the application.
// tests/servers/http_test_server --eio-hooks sets the hooks (its header comment says
// what each does).
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'engine.io-client';
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import { spawnServer } from './lib/spawn.mjs';

const T = { timeout: 15000 };

describe('Engine.IO application hooks (http_test_server --eio-hooks)', () => {
  let srv;
  const sockets = [];
  const base = () => `http://127.0.0.1:${srv.port}/engine.io/?EIO=4`;

  before(async () => {
    srv = await spawnServer('http_test_server', ['--eio-hooks']);
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  after(async () => {
    const r = await srv?.stop();
    assert.deepEqual(r, { code: 0, signal: null }, srv?.stderr());
  });

  // Resolves with the socket once open (and upgraded when `upgrade`), rejects on error.
  function open(opts, { upgrade = false } = {}) {
    return new Promise((resolve, reject) => {
      const s = new Socket(`http://127.0.0.1:${srv.port}`, opts);
      sockets.push(s);
      const t = setTimeout(() => reject(new Error('not open within 5 s')), 5000);
      s.on('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
      s.on(upgrade ? 'upgrade' : 'open', () => {
        clearTimeout(t);
        resolve(s);
      });
    });
  }

  for (const transports of [['polling'], ['websocket']]) {
    test(`${transports[0]}: a delayed allow_request accepts; the handler reads the handshake's header and query`, T, async () => {
      const allowed = srv.waitForLine(/eio allow x-token=(\S*) token=(\S*)/);
      const s = await open({ transports, query: { delay: '300', token: 'q-42' }, extraHeaders: { 'X-Token': 'h-42' } });
      const [, hdr, q] = await allowed;
      assert.equal(hdr, 'h-42');
      assert.equal(q, 'q-42');
      // The session's kept handshake, read by the connection handler.
      const [, sid, chdr, cq] = await srv.waitForLine(new RegExp(`eio conn sid=(${s.id}) x-token=(\\S*) token=(\\S*)`), 5000, 0);
      assert.equal(sid, s.id);
      assert.equal(chdr, 'h-42');
      assert.equal(cq, 'q-42');
    });

    test(`${transports[0]}: a delayed allow_request refuses: the client gets an error and no session`, T, async () => {
      await assert.rejects(open({ transports, query: { delay: '200', deny: 'Not today' } }));
    });

    test(`${transports[0]}: the custom id generator's id is the client's sid`, T, async () => {
      const s = await open({ transports });
      assert.match(s.id, /^custom-\d+$/);
    });
  }

  test('polling then upgrade works with a custom sid and the async hook', T, async () => {
    const s = await open({ query: { delay: '100' } }, { upgrade: true });
    assert.match(s.id, /^custom-\d+$/);
    assert.equal(s.transport.name, 'websocket');
    const echo = new Promise((r) => s.once('message', r));
    s.send('hi');
    assert.equal(await echo, 'hi');
  });

  test('a refusal carries the message to the client: 403 {"code":4,"message":...}', T, async () => {
    const res = await fetch(`${base()}&transport=polling&delay=100&deny=${encodeURIComponent('Token "expired"')}`);
    assert.equal(res.status, 403);
    assert.match(res.headers.get('content-type'), /application\/json/);
    assert.deepEqual(await res.json(), { code: 4, message: 'Token "expired"' });
  });

  test('a refused WebSocket handshake gets 400 with the message as text', T, async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket&deny=Go%20away`);
    const [status, body] = await new Promise((resolve, reject) => {
      ws.on('unexpected-response', (req, res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve([res.statusCode, b]));
      });
      ws.on('open', () => reject(new Error('opened')));
      ws.on('error', () => {});
    });
    assert.equal(status, 400);
    assert.equal(body, 'Go away');
  });

  test('no answer within the wait bound: refused as Forbidden; the late answer is ignored', T, async () => {
    const res = await fetch(`${base()}&transport=polling&delay=2500`);
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { code: 4, message: 'Forbidden' });
    // The application answers later: the server must not use the gone request.
    await new Promise((r) => setTimeout(r, 2000));
    const ok = await fetch(`${base()}&transport=polling`);
    assert.equal(ok.status, 200);
    await ok.text();
  });

  test('a client that leaves while allow_request waits: its later answer is ignored', T, async () => {
    const ac = new AbortController();
    const p = fetch(`${base()}&transport=polling&delay=400`, { signal: ac.signal });
    await srv.waitForLine(/eio allow/);
    ac.abort();
    await assert.rejects(p);
    await new Promise((r) => setTimeout(r, 700)); // the answer came and was dropped
    const ok = await fetch(`${base()}&transport=polling`);
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /^0\{"sid":"custom-\d+"/);
  });

  test('headers: the handshake gets the initial and the every-response headers, later GETs only the latter', T, async () => {
    const res = await fetch(`${base()}&transport=polling`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-initial'), 'yes');
    assert.equal(res.headers.get('set-cookie'), 'hooked=1; Path=/');
    const n1 = Number(res.headers.get('x-every'));
    assert.ok(n1 > 0, `x-every ${res.headers.get('x-every')}`);
    // Headers the hook tried with CR/LF or a bad name were refused.
    assert.equal(res.headers.get('x-injected'), null);
    assert.equal(res.headers.get('x-bad'), null);
    const sid = JSON.parse((await res.text()).slice(1)).sid;
    const post = await fetch(`${base()}&transport=polling&sid=${sid}`, { method: 'POST', body: '4hello' });
    assert.equal(post.status, 200);
    assert.equal(post.headers.get('x-initial'), null);
    assert.ok(Number(post.headers.get('x-every')) > n1);
    await post.text();
    const get = await fetch(`${base()}&transport=polling&sid=${sid}`);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('x-initial'), null);
    assert.ok(Number(get.headers.get('x-every')) > n1);
    assert.equal(await get.text(), '4hello');
  });

  test('headers: the WebSocket 101 of a handshake carries both hooks\' headers', T, async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket`);
    const headers = await new Promise((resolve, reject) => {
      ws.on('upgrade', (res) => resolve(res.headers));
      ws.on('error', reject);
    });
    ws.terminate();
    assert.equal(headers['x-initial'], 'yes');
    assert.deepEqual(headers['set-cookie'], ['hooked=1; Path=/']);
    assert.ok(Number(headers['x-every']) > 0);
  });

  test('a generator giving an invalid id refuses the handshake with 400 Bad request', T, async () => {
    const res = await fetch(`${base()}&transport=polling&badid=1`);
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { code: 3, message: 'Bad request' });
  });
});

// The same hooks reached through the Socket.IO server's options (sio_server_opts_eio),
// with socket.io-client: tests/servers/sio_test_server --eio-hooks.
describe('Engine.IO hooks through sio_server_opts_eio (sio_test_server --eio-hooks)', () => {
  let srv;
  const clients = [];
  before(async () => {
    srv = await spawnServer('sio_test_server', ['--eio-hooks']);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  after(async () => {
    const r = await srv?.stop();
    assert.deepEqual(r, { code: 0, signal: null }, srv?.stderr());
  });

  for (const transports of [['polling'], ['websocket'], ['polling', 'websocket']]) {
    test(`${transports.join('+')}: custom engine id; handshake query and header read by a handler; refusal`, T, async () => {
      const s = io(`http://127.0.0.1:${srv.port}`, { transports, reconnection: false, query: { foo: 'q1' }, extraHeaders: { 'x-test': 'h1' } });
      clients.push(s);
      await new Promise((resolve, reject) => {
        s.once('connect', resolve);
        s.once('connect_error', reject);
      });
      assert.match(s.io.engine.id, /^sio-\d+$/);
      const h = await s.timeout(5000).emitWithAck('handshake');
      assert.equal(h.query, 'q1');
      assert.equal(h.header, 'h1');

      const bad = io(`http://127.0.0.1:${srv.port}`, { transports, reconnection: false, query: { deny: 'no entry' }, forceNew: true });
      clients.push(bad);
      const err = await new Promise((resolve, reject) => {
        bad.once('connect', () => reject(new Error('connected')));
        bad.once('connect_error', resolve);
      });
      assert.ok(err instanceof Error);
    });
  }
});
