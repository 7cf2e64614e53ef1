// The official engine.io-client against the conformance server (echo), in three modes:
// polling only, websocket only, and the default (polling, then upgrade to websocket).
// SIO_EIO_SERVER=ref runs the same tests against the Node reference server.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'engine.io-client';
import { startServer, serverKind, isRef, waitSessionGone, errorBody, wsHandshake, sleep } from './lib/eio.mjs';
import { spawnServer } from './lib/spawn.mjs';

const T = { timeout: 10000 };

const MODES = [
  { name: 'polling', opts: { transports: ['polling'] }, transport: 'polling' },
  { name: 'websocket', opts: { transports: ['websocket'] }, transport: 'websocket' },
  { name: 'default (polling then upgrade)', opts: {}, transport: 'websocket', upgrades: true },
];

let srv;
const sockets = [];

// Opens a client socket; resolves once 'open' fired (and 'upgrade' too when `upgraded`).
function connect(opts, { upgraded = false, onOpen } = {}) {
  return new Promise((resolve, reject) => {
    const s = new Socket(`http://127.0.0.1:${srv.port}`, { ...opts });
    sockets.push(s);
    const timer = setTimeout(() => reject(new Error(`no ${upgraded ? 'upgrade' : 'open'} within 5 s`)), 5000);
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e instanceof Error ? e : new Error(String(e)));
    });
    s.on('open', () => {
      if (onOpen) onOpen(s);
      if (!upgraded) {
        clearTimeout(timer);
        resolve(s);
      }
    });
    if (upgraded)
      s.on('upgrade', () => {
        clearTimeout(timer);
        resolve(s);
      });
  });
}

// Collects `n` messages (or until `until(msg)` is true); rejects on close or after `ms`.
function collect(s, n, { ms = 8000, until } = {}) {
  return new Promise((resolve, reject) => {
    const got = [];
    const done = (err) => {
      clearTimeout(timer);
      s.off('message', onMsg);
      s.off('close', onClose);
      err ? reject(err) : resolve(got);
    };
    const onMsg = (m) => {
      got.push(m);
      if (until ? until(m) : got.length >= n) done();
    };
    const onClose = (reason) => done(new Error(`closed (${reason}) after ${got.length} messages`));
    const timer = setTimeout(() => done(new Error(`timeout after ${got.length} messages`)), ms);
    s.on('message', onMsg);
    s.on('close', onClose);
  });
}

function bytes(m) {
  if (typeof m === 'string') throw new Error(`expected binary, got string ${m.slice(0, 40)}`);
  if (m instanceof ArrayBuffer) return Buffer.from(new Uint8Array(m));
  return Buffer.from(m.buffer, m.byteOffset, m.byteLength);
}

function waitEvent(s, name, ms) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no '${name}' within ${ms} ms`)), ms);
    s.once(name, (...a) => {
      clearTimeout(t);
      resolve(a);
    });
  });
}

describe(`engine.io-client against the ${serverKind} server`, () => {
  before(async () => {
    srv = await startServer();
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  after(async () => {
    if (!srv) return;
    // A clean exit on SIGTERM (a sanitizer build exits non-zero on leaks).
    const r = await srv.stop();
    assert.deepEqual(r, { code: 0, signal: null }, `server exit ${JSON.stringify(r)}\n${srv.stderr().slice(-2000)}`);
  });

  for (const mode of MODES) {
    describe(`mode: ${mode.name}`, () => {
      const conn = (extra = {}) => connect({ ...mode.opts, ...extra }, { upgraded: !!mode.upgrades });

      test('connects on the expected transport', T, async () => {
        const s = await conn();
        assert.equal(s.transport.name, mode.transport);
        assert.match(s.id, /^[A-Za-z0-9_-]{20,}$/);
      });

      test('text echo', T, async () => {
        const s = await conn();
        const p = collect(s, 2);
        s.send('hello');
        s.send('héllo €uro 😀');
        assert.deepEqual(await p, ['hello', 'héllo €uro 😀']);
      });

      test('empty text message echo', T, async () => {
        const s = await conn();
        const p = collect(s, 2);
        s.send('');
        s.send('after');
        // engine.io-client decodes a bare `4` as a message with data undefined.
        const [m, after] = await p;
        assert.equal(m ?? '', '');
        assert.equal(after, 'after');
      });

      test('binary echo: Uint8Array in, Buffer with the same bytes out', T, async () => {
        const s = await conn();
        const p = collect(s, 1);
        s.send(Uint8Array.from([1, 2, 3, 4, 0, 255]));
        const [m] = await p;
        assert.ok(Buffer.isBuffer(m), `got ${Object.prototype.toString.call(m)}`);
        assert.deepEqual([...bytes(m)], [1, 2, 3, 4, 0, 255]);
      });

      test('binary echo: Buffer in, ArrayBuffer out with binaryType arraybuffer', T, async () => {
        const s = await conn();
        s.binaryType = 'arraybuffer';
        const p = collect(s, 2);
        s.send(Buffer.from([9, 8, 7]));
        s.send(Buffer.alloc(0));
        const [m, e] = await p;
        assert.ok(m instanceof ArrayBuffer, `got ${Object.prototype.toString.call(m)}`);
        assert.deepEqual([...bytes(m)], [9, 8, 7]);
        assert.equal(bytes(e).length, 0);
      });

      test('text and binary interleaved keep their order and kinds', T, async () => {
        const s = await conn();
        const p = collect(s, 6);
        s.send('a');
        s.send(Buffer.from([1]));
        s.send('b');
        s.send(Buffer.from([2, 2]));
        s.send('c');
        s.send(Buffer.from([3, 3, 3]));
        const got = (await p).map((m) => (typeof m === 'string' ? m : [...bytes(m)]));
        assert.deepEqual(got, ['a', [1], 'b', [2, 2], 'c', [3, 3, 3]]);
      });

      test('a 900 KB text message is echoed complete', T, async () => {
        const s = await conn();
        const big = Array.from({ length: 90000 }, (_, i) => String(i % 10000).padStart(9, '.') + '|').join('');
        assert.equal(big.length, 900000);
        const p = collect(s, 1);
        s.send(big);
        const [m] = await p;
        assert.equal(m.length, big.length);
        assert.ok(m === big, 'content differs');
      });

      test('a 600 KB binary message is echoed complete', T, async () => {
        const s = await conn();
        // 600 KB stays under maxPayload even as base64 on polling.
        const big = Buffer.alloc(600000);
        for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
        const p = collect(s, 1);
        s.send(big);
        const [m] = await p;
        assert.ok(bytes(m).equals(big), 'content differs');
      });

      test('a burst of 1000 messages is echoed complete and in order', T, async () => {
        const s = await conn();
        const p = collect(s, 1000);
        for (let i = 0; i < 1000; i++) s.send(`msg-${i}`);
        const got = await p;
        assert.equal(got.length, 1000);
        for (let i = 0; i < 1000; i++) assert.equal(got[i], `msg-${i}`, `message ${i}`);
      });

      if (mode.upgrades) {
        test('messages sent while the upgrade is in progress are all echoed in order', T, async () => {
          let sent = 0;
          let upgraded = false;
          let duringPause = 0; // sent between 'upgrading' (3probe came, polling pausing) and 'upgrade'
          let sock;
          const expected = [];
          const send = (s) => {
            // Mix in binary packets: they travel as b64 on polling and as frames on websocket.
            // and some 30 KB ones, so that POSTs are still in flight when the client pauses.
            const pad = sent % 5 === 1 ? '.'.repeat(30000) : '';
            const m = sent % 7 === 3 ? Buffer.from(`bin-${sent}`) : `txt-${sent}${pad}`;
            expected.push(typeof m === 'string' ? m : `B:${m.toString()}`);
            s.send(m);
            sent++;
          };
          // Send from 'open' on, every few ms, until 'upgrade' fired (bounded in count and time).
          const pump = async (s) => {
            const t0 = Date.now();
            for (let i = 0; i < 100; i++) send(s); // a burst right on 'open'
            await sleep(1);
            while (!upgraded && sent < 3000 && Date.now() - t0 < 5000) {
              for (let i = 0; i < 4; i++) send(s);
              await sleep(1);
            }
          };
          const got = [];
          const upgradedP = new Promise((resolve, reject) => {
            sock = new Socket(`http://127.0.0.1:${srv.port}`, {});
            sockets.push(sock);
            sock.on('message', (m) => got.push(typeof m === 'string' ? m : `B:${bytes(m).toString()}`));
            sock.on('error', (e) => reject(new Error(String(e))));
            sock.on('close', (r) => reject(new Error(`closed: ${r}`)));
            sock.on('open', () => {
              assert.equal(sock.transport.name, 'polling');
              pump(sock);
            });
            // The client pauses polling: these wait in its buffer and go out on the WebSocket.
            sock.on('upgrading', () => {
              for (let i = 0; i < 50; i++, duringPause++) send(sock);
            });
            sock.on('upgrade', () => {
              upgraded = true;
              resolve();
            });
          });
          const timer = sleep(6000).then(() => {
            throw new Error(`no upgrade; sent ${sent}`);
          });
          await Promise.race([upgradedP, timer]);
          assert.equal(sock.transport.name, 'websocket');
          assert.equal(duringPause, 50, "'upgrading' fired: 50 messages sent while the upgrade was in progress");
          if (process.env.SIO_TEST_VERBOSE) console.log(`sent ${sent} messages before 'upgrade'`);
          // A few more after the switch, then a final marker.
          for (let i = 0; i < 5; i++) send(sock);
          sock.send('END');
          expected.push('END');
          const t0 = Date.now();
          while (got[got.length - 1] !== 'END' && Date.now() - t0 < 5000) await sleep(10);
          assert.equal(got.length, expected.length, `got ${got.length} of ${expected.length} echoes`);
          assert.deepEqual(got, expected);
        });
      }

      test('clean close from the client: close event, then the session is gone on the server', T, async () => {
        const s = await conn();
        const sid = s.id;
        const closed = waitEvent(s, 'close', 3000);
        s.close();
        const [reason] = await closed;
        assert.equal(reason, 'forced close');
        const r = await waitSessionGone(srv, sid, 2000);
        assert.equal(r.status, 400);
        assert.equal(r.text, errorBody(1));
      });

      test('a client that stops answering pings is closed by the server', T, async () => {
        const s = await conn();
        // Drop every pong: the server must give up at pingInterval+pingTimeout (500 ms),
        // before the client's own timer (last ping + 500 ms) would fire with 'ping timeout'.
        // (The server's own reason is checked in 'engine.io-client: the server's ping timeout'.)
        const orig = s._sendPacket.bind(s);
        s._sendPacket = (type, ...rest) => (type === 'pong' ? undefined : orig(type, ...rest));
        const [reason] = await waitEvent(s, 'close', 2000);
        assert.ok(['transport close', 'transport error'].includes(reason), `closed by the client: ${reason}`);
      });
    });
  }

  test('raw ws client that never answers 2 is closed by the server within 2 s', T, async () => {
    const { q } = await wsHandshake(srv);
    try {
      const c = await q.waitClose(2000);
      assert.ok(c, 'close arrived');
      assert.ok(q.items.some((x) => x.type === 'message' && x.data === '2'), 'a ping came before the close');
    } finally {
      q.destroy();
    }
  });

  test('the server process survived the whole battery', T, () => {
    assert.equal(srv.exited(), null, `server exited: ${JSON.stringify(srv.exited())}\n${srv.stderr().slice(-2000)}`);
  });
});

// The same silent client against tests/servers/http_test_server, which prints the reason its
// close event gave: the server, not the client, ended the session, for a ping timeout.
describe("engine.io-client: the server's ping timeout", { skip: isRef && 'our server only' }, () => {
  let hb;
  before(async () => {
    hb = await spawnServer('http_test_server', ['--eio-ping', '300,200']);
  });
  after(async () => {
    for (const s of sockets.splice(0)) s.close();
    const r = await hb?.stop();
    assert.deepEqual(r, { code: 0, signal: null }, hb?.stderr());
  });

  for (const mode of MODES) {
    test(`${mode.name}: a client that stops answering pings is closed with "ping timeout"`, T, async () => {
      const s = await new Promise((resolve, reject) => {
        const c = new Socket(`http://127.0.0.1:${hb.port}`, mode.opts);
        sockets.push(c);
        c.on('error', (e) => reject(new Error(String(e))));
        c.on(mode.upgrades ? 'upgrade' : 'open', () => resolve(c));
      });
      assert.equal(s.transport.name, mode.transport);
      const orig = s._sendPacket.bind(s);
      s._sendPacket = (type, ...rest) => (type === 'pong' ? undefined : orig(type, ...rest));
      const reason = hb.waitForLine(new RegExp(`eio closed sid=${s.id} reason=(.*)`), 4000, 0);
      const [clientReason] = await waitEvent(s, 'close', 3000);
      assert.equal((await reason)[1], 'ping timeout');
      assert.equal(clientReason, 'transport close');
    });
  }
});
