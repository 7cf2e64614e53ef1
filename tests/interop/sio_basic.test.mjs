// The official socket.io-client 4.8 against tests/servers/sio_test_server.c, in
// three transport modes: polling only, websocket only, and the default
// (polling, then upgrade). Covers connect/auth, echo (exact JSON), acks both
// ways, binary both ways (also inside acks and nested), rooms and broadcast
// selections, volatile, broadcast acks with a timeout, server-side
// join/leave/fetch/disconnect (with close), emits from another thread,
// namespaces (static, dynamic by pattern and by callback with the parent's
// middlewares, handlers and broadcasts, refused, middleware refusal in order
// with data, async middleware), server emits with an ack completing exactly
// once (reply, timeout, late reply, socket gone), disconnect reasons, the
// catch-all handlers (incoming, outgoing with the arguments), the typed
// argument accessors, server disconnect, the session store, the encode-once
// counters, and a server on a loop of its own.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { spawnServer, testWorkers } from './lib/spawn.mjs';
import { connected, once } from './lib/events.mjs';

const T = { timeout: 15000 };

// The count a broadcast (or a join/leave of a selection) returns is the
// emitting worker's own recipients: with workers, the other workers' sockets
// get it later, posted, and are not counted. With one worker it is exact;
// with several it is that worker's share, and what the clients receive
// (checked beside it) shows every recipient got it.
const WORKERS = testWorkers();
// The rooms of sock: with workers, asked again (up to 2 s) until they are
// `want`, since a join or leave made on another worker is posted to sock's.
async function roomsOf(sock, want) {
  let r = await ack(sock, 'rooms');
  for (let i = 0; WORKERS > 1 && i < 100 && JSON.stringify(r) !== JSON.stringify(want); i++) {
    await new Promise((res) => setTimeout(res, 20));
    r = await ack(sock, 'rooms');
  }
  return r;
}
function recipients(n, total) {
  if (WORKERS === 1) assert.equal(n, total);
  else assert.ok(Number.isInteger(n) && n >= 0 && n <= total, `${n}: one worker's share of ${total}`);
}
const MODES = [
  { name: 'polling', opts: { transports: ['polling'] } },
  { name: 'websocket', opts: { transports: ['websocket'] } },
  { name: 'upgrade', opts: {} },
];

let srv;
const clients = [];

before(async () => {
  srv = await spawnServer('sio_test_server');
});

after(async () => {
  for (const c of clients) c.disconnect();
  const r = await srv.stop();
  assert.equal(r.code, 0, `server exit: ${JSON.stringify(r)} stderr: ${srv.stderr()}`);
});

afterEach(() => {
  while (clients.length) clients.pop().disconnect();
});

// Connects and resolves with [socket, auth] once the server's `auth` event came.
async function connect(mode, nsp = '/', opts = {}) {
  const s = io(`http://127.0.0.1:${srv.port}${nsp}`, { forceNew: true, reconnection: false, ...mode.opts, ...opts });
  clients.push(s);
  const authP = once(s, 'auth');
  await connected(s);
  if (mode.name === 'upgrade') await waitUpgrade(s);
  const [auth] = await authP;
  return [s, auth];
}

function waitUpgrade(s) {
  if (s.io.engine.transport.name === 'websocket') return Promise.resolve();
  return once(s.io.engine, 'upgrade');
}

function connectError(mode, nsp, opts = {}) {
  const s = io(`http://127.0.0.1:${srv.port}${nsp}`, { forceNew: true, reconnection: false, ...mode.opts, ...opts });
  clients.push(s);
  return once(s, 'connect_error').then(([e]) => e);
}

const ack = (s, ...args) => s.timeout(5000).emitWithAck(...args);

for (const mode of MODES) {
  describe(`socket.io-client over ${mode.name}`, () => {
    test('connect with auth; CONNECT reply before the handler emits', T, async () => {
      const [s, auth] = await connect(mode, '/', { auth: { token: 'abc', n: 1 } });
      assert.deepEqual(auth, { token: 'abc', n: 1 });
      assert.match(s.id, /^[A-Za-z0-9_-]{20}$/);
      assert.notEqual(s.id, s.io.engine.id);
      const [, auth2] = await connect(mode);
      assert.deepEqual(auth2, {});
    });

    test('handshake: query, headers, address, issued time', T, async () => {
      const t0 = Date.now();
      const [s] = await connect(mode, '/', { query: { foo: 'b r' }, extraHeaders: { 'x-test': 'v1' } });
      const h = await ack(s, 'handshake');
      assert.equal(h.query, 'b r');
      assert.equal(h.header, 'v1');
      assert.equal(h.address, '127.0.0.1');
      assert.ok(h.issued >= t0 - 1000 && h.issued <= Date.now() + 1000, `issued ${h.issued}`);
    });

    test('echo keeps values exactly; acks both ways', T, async () => {
      const [s] = await connect(mode);
      const payload = [1, 'two', { three: [3, true, null], 'é': 1.5 }, [], {}, -0.25, 'a\u2028b'];
      s.emit('echo', ...payload);
      const [...back] = await once(s, 'echo');
      assert.deepEqual(back, payload);
      // client -> server ack
      const got = await new Promise((res) => s.emit('echo-ack', 'x', 42, (...a) => res(a)));
      assert.deepEqual(got, ['x', 42]);
      // server -> client ack (the client answers)
      s.on('question', (a, cb) => cb('answer', a + 1));
      const r = await ack(s, 'server-ack', 3000, 'question', 41);
      assert.deepEqual(r, { err: null, reply: ['answer', 42] });
      // server -> client ack timing out
      s.on('silent', () => {});
      const r2 = await ack(s, 'server-ack', 100, 'silent');
      assert.deepEqual(r2, { err: 'ETIMEDOUT', reply: [] });
    });

    test('binary both ways, nested and in acks', T, async () => {
      const [s] = await connect(mode);
      s.emit('echo', Buffer.from([1, 2, 3]), { deep: [Buffer.from([4])] }, 'x');
      const back = await once(s, 'echo');
      assert.deepEqual(back, [Buffer.from([1, 2, 3]), { deep: [Buffer.from([4])] }, 'x']);
      const a = await new Promise((res) => s.emit('echo-ack', Buffer.from([9, 8]), (...x) => res(x)));
      assert.deepEqual(a, [Buffer.from([9, 8])]);
      const b = await new Promise((res) => s.emit('make-binary', (...x) => res(x)));
      assert.deepEqual(b, [Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5]), n: 1 }]);
      // the server sees the client's binary reply to its ack
      s.on('want-bin', (cb) => cb(Buffer.from([7, 7])));
      const r = await ack(s, 'server-ack', 3000, 'want-bin');
      assert.deepEqual(r, { err: null, reply: [{ binary: [7, 7] }] });
    });

    test('rooms and every broadcast selection, encoded once', T, async () => {
      const [a] = await connect(mode);
      const [b] = await connect(mode);
      const [c] = await connect(mode);
      assert.deepEqual(await ack(a, 'join', 'r1'), [a.id, 'r1']);
      await ack(b, 'join', 'r1');
      await ack(b, 'join', 'r2');
      await ack(c, 'join', 'r2');
      assert.deepEqual(await ack(b, 'rooms'), [b.id, 'r1', 'r2']);

      const seen = { a: [], b: [], c: [] };
      a.on('news', (x) => seen.a.push(x));
      b.on('news', (x) => seen.b.push(x));
      c.on('news', (x) => seen.c.push(x));
      const st0 = await ack(a, 'stats');
      // to r1: a and b
      recipients(await ack(a, 'to-room', 'r1', 'news', 1), 2);
      const st1 = await ack(a, 'stats');
      // between the two snapshots: the first stats ack, the broadcast, its ack
      assert.equal(st1.encodes - st0.encodes, 3, 'one encode for the broadcast');
      assert.equal(st1.deliveries - st0.deliveries, 4, 'two recipients of the broadcast');
      recipients(await ack(a, 'to-room-except', 'r2', 'r1', 'news', 2), 1); // c only
      recipients(await ack(a, 'broadcast', 'news', 3), 2); // all but a
      recipients(await ack(a, 'broadcast-all', 'news', 4), 3);
      await ack(b, 'leave', 'r1');
      recipients(await ack(a, 'to-room', 'r1', 'news', 5), 1); // a only
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(seen.a, [1, 4, 5]);
      assert.deepEqual(seen.b, [1, 3, 4]);
      assert.deepEqual(seen.c, [2, 3, 4]);
      // leave all: its own id room too
      assert.deepEqual(await ack(c, 'leave-all'), []);
      recipients(await ack(a, 'to-room', c.id, 'news', 6), 0);
      recipients(await ack(a, 'to-room', 'r2', 'news', 7), 1); // b only
      await ack(b, 'rooms');
      await ack(c, 'rooms');
      assert.deepEqual(seen.b, [1, 3, 4, 7]);
      assert.deepEqual(seen.c, [2, 3, 4]);
    });

    test('every selection at once: several rooms, several excepts, from a socket', T, async () => {
      const [a] = await connect(mode);
      const [b] = await connect(mode);
      const [c] = await connect(mode);
      await ack(a, 'join', 'm1');
      await ack(b, 'join', 'm1');
      await ack(b, 'join', 'm2');
      await ack(c, 'join', 'm2');
      await ack(c, 'join', 'm3');
      const seen = { a: [], b: [], c: [] };
      a.on('sel', (x) => seen.a.push(x));
      b.on('sel', (x) => seen.b.push(x));
      c.on('sel', (x) => seen.c.push(x));
      const sel = (o, n) => ack(a, 'to-rooms', o, 'sel', n);
      recipients(await sel({ to: ['m1', 'm2'] }, 1), 3); // b (in both) once
      recipients(await sel({ to: ['m1', 'm2'], except: ['m2'] }, 2), 1); // a
      recipients(await sel({ to: ['m1', 'm2', 'm3'], except: ['m1', 'm3'] }, 3), 0);
      recipients(await sel({ to: ['m1'], sender: true }, 4), 1); // b: a excluded
      recipients(await sel({ to: ['m2', 'm3'], sender: true, except: ['m3'] }, 5), 1); // b
      recipients(await sel({ except: ['m2'] }, 6), 1); // a
      recipients(await sel({ to: [b.id, c.id] }, 7), 2); // the sid rooms
      recipients(await sel({ to: ['nobody'] }, 8), 0);
      await ack(a, 'rooms'); // the broadcasts were queued before this ack
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(seen.a, [1, 2, 6]);
      assert.deepEqual(seen.b, [1, 4, 5, 7]);
      assert.deepEqual(seen.c, [1, 7]);
    });

    test('volatile broadcast reaches writable peers only (never twice)', T, async () => {
      const [a] = await connect(mode);
      const [b] = await connect(mode);
      const got = [];
      b.on('v', (x) => got.push(x));
      for (let i = 0; i < 5; i++) await ack(a, 'volatile', 'v', i);
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(got.length <= 5);
      assert.deepEqual(got, [...new Set(got)].sort((x, y) => x - y));
    });

    test('broadcast acks gathered with a timeout', T, async () => {
      const [a] = await connect(mode);
      const [b] = await connect(mode);
      const [c] = await connect(mode);
      b.on('poll', (x, cb) => cb('b', x));
      c.on('poll', (x, cb) => cb('c', x));
      const r = await ack(a, 'broadcast-ack', 2000, 'poll', 7);
      assert.equal(r.err, null);
      assert.deepEqual(r.replies.map((x) => x.join()).sort(), ['b,7', 'c,7']);
      c.off('poll');
      c.on('poll', () => {}); // never answers
      const r2 = await ack(a, 'broadcast-ack', 200, 'poll', 8);
      assert.equal(r2.err, 'ETIMEDOUT');
      assert.deepEqual(r2.replies, [['b', 8]]);
    });

    test('server-side fetch, join, leave and disconnect of a selection', T, async () => {
      const [a] = await connect(mode, '/', { auth: { who: 'a' }, query: { foo: 'qa' } });
      const [b] = await connect(mode);
      await ack(a, 'join', 'sel');
      await ack(b, 'join', 'sel');
      await ack(a, 'session-set', 'user', 'ann');
      const f = await ack(a, 'fetch', 'sel');
      assert.deepEqual(f.map((x) => x.id).sort(), [a.id, b.id].sort());
      assert.ok(f.every((x) => x.rooms.includes('sel')));
      // fetch gives each socket's handshake and data too
      const fa = f.find((x) => x.id === a.id);
      const fb = f.find((x) => x.id === b.id);
      assert.deepEqual(fa.rooms, [a.id, 'sel']);
      assert.equal(fa.handshake.address, '127.0.0.1');
      assert.deepEqual(fa.handshake.auth, { who: 'a' });
      assert.equal(fa.handshake.query, 'qa');
      assert.equal(typeof fa.handshake.issued, 'number');
      assert.deepEqual(fb.handshake.auth, {});
      assert.equal(fb.handshake.query, null);
      assert.equal(fa.data.user, 'ann');
      assert.equal(fb.data.user, null);
      assert.equal(fa.data.seq, (await ack(a, 'whoami')).seq);
      assert.equal(fb.data.seq, (await ack(b, 'whoami')).seq);
      assert.notEqual(fa.data.seq, fb.data.seq);
      recipients(await ack(a, 'sockets-join', 'sel', 'more'), 2);
      assert.deepEqual(await roomsOf(b, [b.id, 'sel', 'more']), [b.id, 'sel', 'more']);
      recipients(await ack(a, 'sockets-leave', 'more', 'sel'), 2);
      assert.deepEqual(await roomsOf(b, [b.id, 'more']), [b.id, 'more']);
      const gone = once(b, 'disconnect');
      await ack(a, 'disconnect-sockets', 'more');
      assert.equal((await gone)[0], 'io server disconnect');
    });

    test('user pointer and catch-all handlers, incoming and outgoing', T, async () => {
      const [s] = await connect(mode);
      const [t] = await connect(mode);
      const w0 = await ack(s, 'whoami');
      assert.ok(w0.seq > 0);
      assert.ok((await ack(t, 'whoami')).seq > w0.seq, 'one user pointer per socket');
      assert.equal(w0.out, 1); // the auth event
      assert.equal(w0.last_out, 'auth');
      for (let i = 0; i < 3; i++) {
        s.emit('echo', i);
        await once(s, 'echo');
      }
      const bc = once(s, 'bc');
      await ack(t, 'broadcast', 'bc', 1); // s receives a broadcast too
      await bc;
      const w1 = await ack(s, 'whoami');
      assert.equal(w1.seq, w0.seq);
      assert.equal(w1.in - w0.in, 4); // 3 echo + whoami (acks are not events)
      assert.equal(w1.out - w0.out, 4); // 3 echo + the broadcast
      assert.equal(w1.last_out, 'bc');
      assert.equal(w1.last_out_args, '1', 'the outgoing catch-all sees the arguments');
      s.emit('echo', 'x', { y: [2] });
      await once(s, 'echo');
      const w2 = await ack(s, 'whoami');
      // the whoami ack is not an event: the last outgoing one is the echo
      assert.equal(w2.last_out, 'echo');
      assert.equal(w2.last_out_args, '"x",{"y":[2]}');
    });

    test('typed argument accessors and the jansson value on demand', T, async () => {
      const [s] = await connect(mode);
      const r = await ack(s, 'typed', 'h\u00e9', 42, -1.5, 2 ** 64, true, null, { b: 1, a: [2] }, [1, 'x'], Buffer.from([1, 2, 3]));
      assert.deepEqual(r, [
        { t: 'string', s: 'h\u00e9' },
        { t: 'number', i: 42, d: 42 },
        { t: 'number', i: 'EINVAL', d: -1.5 }, // not an integer
        { t: 'number', i: 'ELIMIT', d: 2 ** 64 }, // an integer out of int64's range
        { t: 'bool', b: true },
        { t: 'null' },
        { t: 'object', raw: '{"b":1,"a":[2]}', size: 2 },
        { t: 'array', raw: '[1,"x"]', size: 2 },
        { t: 'binary', bytes: [1, 2, 3] },
      ]);
    });

    test('a server emit with ack completes once when the socket goes away', T, async () => {
      const [w] = await connect(mode);
      await ack(w, 'join', 'watchers');
      const [s] = await connect(mode);
      s.on('silent', () => {}); // never answers
      const done = [];
      w.on('server-ack-done', (e) => done.push(e));
      s.emit('server-ack', 10000, 'silent');
      await once(s, 'silent');
      s.disconnect();
      const t0 = Date.now();
      while (!done.length && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(done, ['ECANCELED']);
    });

    test('a server emit with ack completes exactly once: reply, timeout, late reply', T, async () => {
      const [w] = await connect(mode);
      await ack(w, 'join', 'watchers');
      const done = [];
      w.on('server-ack-done', (e) => done.push(e));
      const [s] = await connect(mode);
      // answered before its timeout: the timer must not fire afterwards
      s.on('question', (a, cb) => cb(a));
      assert.deepEqual(await ack(s, 'server-ack', 150, 'question', 1), { err: null, reply: [1] });
      // answered after its timeout: the late reply must not complete it again
      s.on('late', (cb) => setTimeout(() => cb('late'), 300));
      assert.deepEqual(await ack(s, 'server-ack', 100, 'late'), { err: 'ETIMEDOUT', reply: [] });
      await new Promise((r) => setTimeout(r, 500)); // past both the timeout and the late reply
      await ack(w, 'rooms'); // every completion broadcast was queued before this ack
      assert.deepEqual(done, [null, 'ETIMEDOUT']);
      assert.ok(s.connected, 'a late reply is ignored, the connection stays');
    });

    test('disconnect reasons: transport close, and a server-wide disconnect with close', T, async () => {
      const [w] = await connect(mode);
      const [a] = await connect(mode);
      const aid = a.id;
      const left = new Promise((res) => w.on('left', (id, reason) => id === aid && res(reason)));
      a.io.engine.close(); // the whole connection, no DISCONNECT packet
      assert.equal(await left, 'transport close');
      // disconnectSockets(true): every namespace of the selected clients goes
      const [m1] = await connect(mode);
      const m2 = m1.io.socket('/custom');
      clients.push(m2);
      await once(m2, 'auth');
      await ack(m1, 'join', 'dc');
      const g1 = once(m1, 'disconnect');
      const g2 = once(m2, 'disconnect');
      const closed = once(m1.io, 'close');
      assert.equal(await ack(w, 'disconnect-sockets', 'dc', true), 'ok');
      assert.equal((await g1)[0], 'io server disconnect');
      assert.equal((await g2)[0], 'io server disconnect');
      await closed; // the Engine.IO connection is closed too
      assert.ok(w.connected, 'the sockets outside the selection stay');
      assert.equal(await ack(w, 'disconnect-sockets', 'nobody-here'), 'ok');
    });

    test('emits posted from another thread arrive in order', T, async () => {
      const [s] = await connect(mode);
      const got = [];
      const done = new Promise((res) =>
        s.on('tick', (i) => {
          got.push(i);
          if (got.length === 50) res();
        }),
      );
      assert.equal(await ack(s, 'thread-emit', 'tick', 50), 'started');
      await done;
      assert.deepEqual(got, [...Array(50).keys()]);
    });

    test('namespaces: custom, dynamic, unknown, middleware refusal, async middleware', T, async () => {
      const [, auth] = await connect(mode, '/custom', { auth: { k: 'v' } });
      assert.deepEqual(auth, { k: 'v' });
      const [d] = await connect(mode, '/dyn-42');
      d.emit('echo', 'dyn');
      assert.deepEqual(await once(d, 'echo'), ['dyn']);
      const e = await connectError(mode, '/nope');
      assert.equal(e.message, 'Invalid namespace');
      assert.equal(e.data, undefined);
      const p = await connectError(mode, '/private', { auth: { token: 'wrong' } });
      assert.equal(p.message, 'not authorized');
      assert.deepEqual(p.data, { code: 42 });
      const [ok] = await connect(mode, '/private', { auth: { token: 'secret' } });
      assert.equal(await ack(ok, 'rooms').then((r) => r.length), 1);
      const [as] = await connect(mode, '/async');
      assert.ok(as.connected);
      // dynamic by a callback, with the parent's handlers
      const [cb] = await connect(mode, '/cb-7');
      cb.emit('echo', 'cb');
      assert.deepEqual(await once(cb, 'echo'), ['cb']);
      assert.equal((await connectError(mode, '/cb-x')).message, 'Invalid namespace');
      // middlewares run in order, the second sees what the first did
      const [mw] = await connect(mode, '/mw');
      assert.equal(await ack(mw, 'session-get', 'mw'), '12');
    });

    test('middlewares refuse in order, with data; later ones do not run', T, async () => {
      const [root] = await connect(mode);
      const runs0 = await ack(root, 'mw-runs');
      const e1 = await connectError(mode, '/mw', { auth: { stop: 1 } });
      assert.equal(e1.message, 'stopped at 1');
      assert.deepEqual(e1.data, { mw: '1' });
      assert.equal(await ack(root, 'mw-runs'), runs0, 'the second middleware did not run');
      const e2 = await connectError(mode, '/mw', { auth: { stop: 2 } });
      assert.equal(e2.message, 'stopped at 2');
      assert.deepEqual(e2.data, { mw: '12' }, 'the second ran after the first');
      assert.equal(await ack(root, 'mw-runs'), runs0 + 1);
      const [ok] = await connect(mode, '/mw', { auth: { stop: 0 } });
      assert.equal(await ack(ok, 'session-get', 'mw'), '12');
    });

    test('dynamic namespaces: middlewares, handlers and broadcasts of the parent', T, async () => {
      // refused by the parent's middleware, for the child's name
      const e = await connectError(mode, '/dyn-9', { auth: { deny: true } });
      assert.equal(e.message, 'denied by the parent');
      assert.deepEqual(e.data, { nsp: '/dyn-9' });
      const e2 = await connectError(mode, '/cb-9', { auth: { deny: true } });
      assert.deepEqual([e2.message, e2.data], ['denied by the parent', { nsp: '/cb-9' }]);
      // two children of one parent, and "/" beside them
      const [d1] = await connect(mode, '/dyn-1');
      const [d2] = await connect(mode, '/dyn-2');
      const [r] = await connect(mode);
      const [c1] = await connect(mode, '/cb-1');
      const seen = { d1: [], d2: [], r: [], c1: [] };
      for (const [k, x] of Object.entries({ d1, d2, r, c1 })) x.on('pb', (v) => seen[k].push(v));
      // the parent's handlers: rooms, then a broadcast on the parent
      assert.deepEqual(await ack(d2, 'join', 'x'), [d2.id, 'x']);
      recipients(await ack(d1, 'parent-broadcast', 'pb', 5), 2);
      // a broadcast in one child stays in that child
      recipients(await ack(d1, 'broadcast-all', 'pb', 6), 1);
      await ack(d2, 'rooms');
      await ack(r, 'rooms');
      await ack(c1, 'rooms');
      await new Promise((res) => setTimeout(res, 100));
      assert.deepEqual(seen, { d1: [5, 6], d2: [5], r: [], c1: [] });
    });

    test('server disconnect, reasons seen by others, session store', T, async () => {
      const [a] = await connect(mode);
      const [b] = await connect(mode);
      await ack(b, 'join', 'watchers');
      await ack(a, 'join', 'ra');
      assert.equal(await ack(a, 'session-set', 'user', 'ann'), true);
      assert.equal(await ack(a, 'session-get', 'user'), 'ann');
      assert.equal(await ack(a, 'session-set', 'user', 'bob'), true);
      assert.equal(await ack(a, 'session-get', 'user'), 'bob');
      assert.equal(await ack(a, 'session-get', 'nobody'), null);
      assert.equal(await ack(b, 'session-get', 'user'), null, 'sessions are per socket');
      assert.equal(await ack(a, 'session-set', 'user', null), true); // deletes
      assert.equal(await ack(a, 'session-get', 'user'), null);
      const aid = a.id;
      const leaving = once(b, 'leaving');
      const left = once(b, 'left');
      const gone = once(a, 'disconnect');
      a.emit('disconnect-me');
      assert.equal((await gone)[0], 'io server disconnect');
      // disconnecting: the rooms are still joined; then disconnect
      assert.deepEqual(await leaving, [aid, [aid, 'ra'], 'server namespace disconnect']);
      assert.deepEqual(await left, [aid, 'server namespace disconnect']);
      // disconnect(true): every namespace of that client gets DISCONNECT first
      const [m1] = await connect(mode);
      const m2 = m1.io.socket('/custom'); // connects by itself (autoConnect)
      clients.push(m2);
      await once(m2, 'auth');
      const g1 = once(m1, 'disconnect');
      const g2 = once(m2, 'disconnect');
      m1.emit('disconnect-me', true);
      assert.equal((await g1)[0], 'io server disconnect');
      assert.equal((await g2)[0], 'io server disconnect');
      const cid = (await connect(mode))[0];
      const cidId = cid.id;
      const left2 = new Promise((res) => b.on('left', (id, reason) => id === cidId && res([id, reason])));
      cid.disconnect();
      assert.deepEqual(await left2, [cidId, 'client namespace disconnect']);
    });
  });
}

describe('volatile, deterministically', () => {
  test('dropped for a polling peer with no GET held, delivered to an idle websocket peer', T, async () => {
    const base = `http://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=polling`;
    const hs = await (await fetch(base)).text();
    const sid = JSON.parse(hs.slice(1)).sid;
    const url = `${base}&sid=${sid}`;
    assert.equal(await (await fetch(url, { method: 'POST', body: '40' })).text(), 'ok');
    let got = [];
    for (let i = 0; i < 5 && !got.includes('42["auth",{}]'); i++)
      got = got.concat((await (await fetch(url)).text()).split('\x1e'));
    assert.match(got[0], /^40\{"sid":"[^"]+"\}$/);
    assert.equal(got[1], '42["auth",{}]');
    // No GET is held now: the raw peer is not writable.
    const [a] = await connect(MODES[1]);
    const [c] = await connect(MODES[1]);
    const seen = [];
    c.on('v', (x) => seen.push(x));
    const st0 = await ack(a, 'stats');
    // (the count may or may not include the recipient that dropped it)
    const n = await ack(a, 'to-rooms', { sender: true, volatile: true }, 'v', 1);
    // (with workers, the emitting worker's share: 0 when both are elsewhere)
    assert.ok(n === 1 || n === 2 || (WORKERS > 1 && n === 0), `volatile recipients: ${n}`);
    recipients(await ack(a, 'broadcast', 'v', 2), 2);
    const st1 = await ack(a, 'stats');
    assert.equal(st1.dropped - st0.dropped, 1, 'the polling peer dropped the volatile packet');
    const body = (await (await fetch(url)).text()).split('\x1e').filter((p) => p !== '2');
    assert.deepEqual(body, ['42["v",2]']);
    await fetch(url, { method: 'POST', body: '1' });
    const t0 = Date.now();
    while (seen.length < 2 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen, [1, 2]);
  });
});

describe('a server on a loop of its own (sio_server_new(NULL) + sio_server_run)', () => {
  for (const mode of MODES) {
    test(`connect, echo, acks, broadcast, clean exit over ${mode.name}`, T, async () => {
      const own = await spawnServer('sio_test_server', ['--own-loop']);
      const socks = [];
      try {
        const open = () =>
          new Promise((resolve, reject) => {
            const s = io(`http://127.0.0.1:${own.port}`, { forceNew: true, reconnection: false, ...mode.opts });
            socks.push(s);
            s.once('auth', () => resolve(s));
            s.once('connect_error', reject);
          });
        const [a, b] = [await open(), await open()];
        a.emit('echo', 'own', { n: [1] }, Buffer.from([5]));
        assert.deepEqual(await once(a, 'echo'), ['own', { n: [1] }, Buffer.from([5])]);
        assert.equal(await ack(a, 'echo-ack', 7), 7);
        const got = once(b, 'news');
        recipients(await ack(a, 'broadcast', 'news', 'hi'), 1);
        assert.deepEqual(await got, ['hi']);
        const tick = once(a, 'tick'); // may come in the same payload as the ack
        assert.equal(await ack(a, 'thread-emit', 'tick', 1), 'started');
        assert.deepEqual(await tick, [0]);
      } finally {
        socks.forEach((s) => s.disconnect());
        const r = await own.stop();
        assert.equal(r.code, 0, `own-loop server exit: ${JSON.stringify(r)} stderr: ${own.stderr()}`);
      }
    });
  }
});
