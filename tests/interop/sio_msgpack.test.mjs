// The msgpack parser (socket.io-msgpack-parser 3 on the wire) against the
// official peers:
//  - socket.io-client 4.8 with socket.io-msgpack-parser against our server
//    (tests/servers/sio_test_server.c with --parser msgpack, and with
//    --parser auto) and against the Node reference (ref/sio_msgpack_ref.mjs:
//    socket.io 4.8 with the same parser), over polling, websocket and the
//    upgrade: connect with auth, events and acks both ways, binary both ways
//    (nested), rooms and broadcasts;
//  - auto mode: a JSON client and a msgpack client in one room receive the
//    same broadcast, whichever of them sends it;
//  - our C client with the msgpack parser (tests/servers/client_driver.c,
//    --parser msgpack) against the Node reference (ref/sio_ref_server.mjs
//    with --parser msgpack).
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import msgpackParser from 'socket.io-msgpack-parser';
import { spawnServer, testWorkers } from './lib/spawn.mjs';
import { TRANSPORTS, runDriver, assertPass, spawnRef } from './lib/client_run.mjs';
import { connected, once } from './lib/events.mjs';
import { spawnNodeRef } from './lib/ref.mjs';

const T = { timeout: 20000 };
const MODES = [
  { name: 'polling', opts: { transports: ['polling'] } },
  { name: 'websocket', opts: { transports: ['websocket'] } },
  { name: 'upgrade', opts: {} },
];

const SERVERS = {
  'ours (msgpack)': () => spawnServer('sio_test_server', ['--parser', 'msgpack']),
  'ours (auto)': () => spawnServer('sio_test_server', ['--parser', 'auto']),
  'reference (msgpack)': () => spawnNodeRef('sio_msgpack_ref.mjs'),
};

const clients = [];
afterEach(() => {
  while (clients.length) clients.pop().disconnect();
});

async function connect(port, mode, { json = false, auth } = {}) {
  const s = io(`http://127.0.0.1:${port}`, {
    forceNew: true, reconnection: false, ...mode.opts, ...(auth ? { auth } : {}),
    ...(json ? {} : { parser: msgpackParser }),
  });
  clients.push(s);
  const authP = once(s, 'auth');
  await connected(s);
  if (mode.name === 'upgrade' && s.io.engine.transport.name !== 'websocket') await once(s.io.engine, 'upgrade');
  const [a] = await authP;
  return [s, a];
}

const ack = (s, ...args) => s.timeout(5000).emitWithAck(...args);
const B = (...bytes) => Buffer.from(bytes);
// Arguments with binaries at several depths, and the other value kinds.
const NESTED = ['x', { b: B(1, 2, 3), list: [B(4), { deep: B(5, 6) }], n: 1.5 }, 42, null, true, B()];
// For broadcasts a JSON client receives: sio_test_server's to-room gives
// each argument every attachment of the request, and socket.io-client's
// JSON decoder takes at most 10 attachments per packet.
const MIXED = ['x', { b: B(1, 2, 3), list: [{ deep: B(5, 6) }], n: 1.5 }, null];

// A broadcast's count: exact from the Node reference and from ours on one
// worker; from ours on several workers, the emitting worker's own share
// (the other workers' sockets get it posted, uncounted), while every
// recipient's delivery is still checked beside it.
const WORKERS = testWorkers();
function recipients(ours, n, total) {
  if (!ours || WORKERS === 1) assert.equal(n, total);
  else assert.ok(Number.isInteger(n) && n >= 0 && n <= total, `${n}: one worker's share of ${total}`);
}

for (const [name, start] of Object.entries(SERVERS)) {
  const ours = name.startsWith('ours');
  describe(`socket.io-client with the msgpack parser against ${name}`, () => {
    let srv;
    before(async () => { srv = await start(); });
    after(async () => {
      while (clients.length) clients.pop().disconnect();
      const r = await srv.stop();
      assert.deepEqual(r, { code: 0, signal: null }, `server exit: ${JSON.stringify(r)}`);
    });

    for (const mode of MODES) {
      test(`${mode.name}: auth, events and acks both ways, binary both ways`, T, async () => {
        const auth = { token: 'abc', n: 7, list: [1, 'two'] };
        const [s, got] = await connect(srv.port, mode, { auth });
        assert.deepEqual(got, auth);
        const echoed = once(s, 'echo');
        s.emit('echo', ...NESTED);
        assert.deepEqual(await echoed, NESTED);
        assert.deepEqual(await ack(s, 'echo-ack', ...NESTED), NESTED[0]);
        // emitWithAck resolves with the first argument; the whole reply:
        const all = await new Promise((r) => s.emit('echo-ack', ...NESTED, (...a) => r(a)));
        assert.deepEqual(all, NESTED);
        const made = await new Promise((r) => s.emit('make-binary', (...a) => r(a)));
        assert.deepEqual(made, [B(1, 2, 3), { nested: B(4, 5), n: 1 }]);
        // The server asks, the client answers with a binary.
        s.on('ask', (q, cb) => cb(B(7, 8), q));
        const res = await ack(s, 'server-ack', 3000, 'ask', 'q');
        assert.deepEqual(res, { err: null, reply: [{ binary: [7, 8] }, 'q'] });
      });

      test(`${mode.name}: rooms and broadcasts`, T, async () => {
        const [a] = await connect(srv.port, mode);
        const [b] = await connect(srv.port, mode);
        const [c] = await connect(srv.port, mode);
        assert.ok((await ack(b, 'join', 'r')).includes('r'));
        assert.ok((await ack(c, 'join', 'r')).includes('r'));
        const got = [once(b, 'news'), once(c, 'news')];
        let aGot = false;
        a.on('news', () => { aGot = true; });
        recipients(ours, await ack(a, 'to-room', 'r', 'news', ...NESTED), 2);
        for (const g of got) assert.deepEqual(await g, NESTED);
        assert.equal(aGot, false, 'a broadcast to a room reached a socket outside it');
      });
    }

    if (name === 'ours (auto)') {
      for (const mode of MODES) {
        test(`${mode.name}: a JSON and a msgpack client in one room get the same broadcast`, T, async () => {
          const [j] = await connect(srv.port, mode, { json: true, auth: { who: 'json' } });
          const [m] = await connect(srv.port, mode, { auth: { who: 'msgpack' } });
          await ack(j, 'join', 'mixed');
          await ack(m, 'join', 'mixed');
          for (const sender of [j, m]) {
            const got = [once(j, 'news'), once(m, 'news')];
            recipients(ours, await ack(sender, 'to-room', 'mixed', 'news', ...MIXED), 2);
            const [fromJ, fromM] = await Promise.all(got);
            assert.deepEqual(fromJ, MIXED);
            assert.deepEqual(fromM, MIXED);
          }
        });
      }
    }
  });
}

describe('our C client with the msgpack parser against the Node reference', () => {
  test('every feature of the basic scenario over every transport', { timeout: 120000 }, async () => {
    const ref = await spawnRef(['--parser', 'msgpack', '--ping-interval', '300', '--ping-timeout', '200']);
    try {
      const url = `http://127.0.0.1:${ref.port}`;
      const runs = await Promise.all(TRANSPORTS.map((t) => runDriver(url, t, 'basic', undefined, ['--parser', 'msgpack'])));
      runs.forEach((r, i) => assertPass(r, `ref/${TRANSPORTS[i]}/basic/msgpack`));
    } finally {
      await ref.stop();
    }
  });
});
