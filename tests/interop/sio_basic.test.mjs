// The official socket.io-client 4.8 against tests/servers/sio_test_server.c, in
// three transport modes: polling only, websocket only, and the default
// (polling, then upgrade). Covers connect/auth, echo (exact JSON), acks both
// ways, binary both ways (also inside acks and nested), rooms and broadcast
// selections, volatile, broadcast acks with a timeout, server-side
// join/leave/fetch/disconnect, emits from another thread, namespaces
// (static, dynamic, refused, middleware refusal with data, async middleware),
// server disconnect, the session store, and the encode-once counters.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { spawnServer } from './lib/spawn.mjs';

const T = { timeout: 15000 };
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

function once(s, ev, ms = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${ev} within ${ms} ms`)), ms);
    s.once(ev, (...args) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

// Connects and resolves with [socket, auth] once the server's `auth` event came.
async function connect(mode, nsp = '/', opts = {}) {
  const s = io(`http://127.0.0.1:${srv.port}${nsp}`, { forceNew: true, reconnection: false, ...mode.opts, ...opts });
  clients.push(s);
  const authP = once(s, 'auth');
  await Promise.race([
    once(s, 'connect'),
    once(s, 'connect_error').then(([e]) => {
      throw e;
    }),
  ]);
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
      assert.equal(await ack(a, 'to-room', 'r1', 'news', 1), 2);
      const st1 = await ack(a, 'stats');
      // between the two snapshots: the first stats ack, the broadcast, its ack
      assert.equal(st1.encodes - st0.encodes, 3, 'one encode for the broadcast');
      assert.equal(st1.deliveries - st0.deliveries, 4, 'two recipients of the broadcast');
      assert.equal(await ack(a, 'to-room-except', 'r2', 'r1', 'news', 2), 1); // c only
      assert.equal(await ack(a, 'broadcast', 'news', 3), 2); // all but a
      assert.equal(await ack(a, 'broadcast-all', 'news', 4), 3);
      await ack(b, 'leave', 'r1');
      assert.equal(await ack(a, 'to-room', 'r1', 'news', 5), 1); // a only
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(seen.a, [1, 4, 5]);
      assert.deepEqual(seen.b, [1, 3, 4]);
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
      assert.equal(await sel({ to: ['m1', 'm2'] }, 1), 3); // b (in both) once
      assert.equal(await sel({ to: ['m1', 'm2'], except: ['m2'] }, 2), 1); // a
      assert.equal(await sel({ to: ['m1', 'm2', 'm3'], except: ['m1', 'm3'] }, 3), 0);
      assert.equal(await sel({ to: ['m1'], sender: true }, 4), 1); // b: a excluded
      assert.equal(await sel({ to: ['m2', 'm3'], sender: true, except: ['m3'] }, 5), 1); // b
      assert.equal(await sel({ except: ['m2'] }, 6), 1); // a
      assert.equal(await sel({ to: [b.id, c.id] }, 7), 2); // the sid rooms
      assert.equal(await sel({ to: ['nobody'] }, 8), 0);
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
      assert.equal(await ack(a, 'sockets-join', 'sel', 'more'), 2);
      assert.deepEqual(await ack(b, 'rooms'), [b.id, 'sel', 'more']);
      assert.equal(await ack(a, 'sockets-leave', 'more', 'sel'), 2);
      assert.deepEqual(await ack(b, 'rooms'), [b.id, 'more']);
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
      assert.equal(done.length, 1, JSON.stringify(done));
      assert.ok(done[0] !== null && done[0] !== 'ETIMEDOUT', `completion status: ${done[0]}`);
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
    assert.ok(n === 1 || n === 2, `volatile recipients: ${n}`);
    assert.equal(await ack(a, 'broadcast', 'v', 2), 2);
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
