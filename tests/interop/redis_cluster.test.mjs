// Two sio_cluster_server processes (A and B) on one throwaway redis-server, a
// socket.io-client 4.8 client or more on each, for "/" over WebSocket and
// "/chat" over polling: every cross-node feature of the adapter interface
// (sio/adapter.h). Broadcasts to all, to rooms, with exceptions, without the
// sender, local only, volatile, binary; broadcast acks gathered from both
// nodes and their timeout; socketsJoin/Leave and disconnectSockets; fetch
// sockets with Node-shaped handshakes and data; serverSideEmit with and
// without acks; the server count as servers come and go.
// SIO_CLUSTER_SERVER=ref runs the Node reference servers instead (lib/cluster.mjs).
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import notepack from 'notepack.io';
import { startRedis, capture } from './lib/redis.mjs';
import {
  clusterIsRef,
  spawnClusterServer,
  stopClean,
  Clients,
  once,
  ack,
  record,
  waitFor,
  expectEvents,
  sleep,
  WS,
  POLLING,
  awaitCluster,
  waitForServerCount,
  spawnClusterServers,
  stopCluster,
  assertLocalCount,
} from './lib/cluster.mjs';

const T = { timeout: 20000 };
const MODES = [
  { nsp: '/', other: '/chat', opts: WS, label: '"/" over websocket' },
  { nsp: '/chat', other: '/', opts: POLLING, label: '"/chat" over polling' },
];

let redis;
let A;
let B;
const clients = new Clients();

before(async () => {
  redis = await startRedis();
  [A, B] = await spawnClusterServers(['A', 'B'], redis.url);
  // Both adapters are subscribed once each sees two servers, in both namespaces.
  await awaitCluster(clients, [A, B], 2);
});

after(() => stopCluster({ clients, clean: [A, B], redis }));

afterEach(async () => {
  clients.closeAll();
  // Let both servers see the disconnects before the next broadcast to all.
  await sleep(150);
});

const key = (x) => (x && x.who) || JSON.stringify(x);
const byWho = (a, b) => (key(a) < key(b) ? -1 : 1);

for (const mode of MODES) {
  const { nsp } = mode;
  const conn = (srv, opts = {}) => clients.connect(srv, nsp, { ...mode.opts, ...opts });

  describe(`cluster of two ${clusterIsRef ? 'Node reference' : 'C'} servers, ${mode.label}`, () => {
    test('a broadcast to all crosses both ways, with exact values, and stays in its namespace', T, async () => {
      const a1 = await conn(A);
      const a2 = await conn(A);
      const b1 = await conn(B);
      const b2 = await conn(B);
      const other = await clients.connect(B, mode.other, mode.opts);
      const recs = [a1, a2, b1, b2].map((s) => record(s, 'news'));
      const otherRec = record(other, 'news');
      const values = ['s', 1, 1.5, -1, true, null, { a: [1, 2], 'é': 'x\u2028y' }, [], {}, 2 ** 40, -0.25, 'z'.repeat(300)];
      assertLocalCount(A, await ack(a1, 'to-rooms', {}, 'news', ...values), 2);
      for (const r of recs) await expectEvents(r, 1, 'from A', { quiet: 0 });
      for (const r of recs) assert.deepEqual(r.got[0], values);
      assertLocalCount(B, await ack(b2, 'to-rooms', {}, 'news', 'from-b'), 2);
      for (const r of recs) await expectEvents(r, 2, 'from B', { quiet: 0 });
      for (const r of recs) assert.deepEqual(r.got[1], ['from-b']);
      await sleep(200);
      for (const r of recs) assert.equal(r.got.length, 2, 'each broadcast arrives once');
      assert.deepEqual(otherRec.got, [], `nothing reaches ${mode.other}`);
    });

    test('rooms: one, several, except, sender excluded, sid rooms, local only', T, async () => {
      const a1 = await conn(A);
      const a2 = await conn(A);
      const b1 = await conn(B);
      const b2 = await conn(B);
      const b3 = await conn(B);
      assert.deepEqual(await ack(a1, 'join', 'm1'), [a1.id, 'm1']);
      await ack(a2, 'join', 'm2');
      await ack(b1, 'join', 'm1');
      await ack(b2, 'join', 'm2');
      assert.deepEqual(await ack(b2, 'join', 'm3'), [b2.id, 'm2', 'm3']);
      assert.deepEqual(await ack(b2, 'rooms'), [b2.id, 'm2', 'm3']);
      const names = ['a1', 'a2', 'b1', 'b2', 'b3'];
      const socks = [a1, a2, b1, b2, b3];
      const recs = socks.map((s) => record(s, 'sel'));
      const sel = (o, n) => ack(a1, 'to-rooms', o, 'sel', n);
      assertLocalCount(A, await sel({ to: ['m1'] }, 1), 1);
      assertLocalCount(A, await sel({ to: ['m1', 'm2'] }, 2), 2);
      assertLocalCount(A, await sel({ to: ['m1', 'm2'], except: ['m3'] }, 3), 2);
      assertLocalCount(A, await sel({ except: ['m2'] }, 4), 1);
      assertLocalCount(A, await sel({ sender: true }, 5), 1);
      assertLocalCount(A, await sel({ to: ['m1'], sender: true }, 6), 0);
      assertLocalCount(A, await sel({ to: [b2.id] }, 7), 0);
      assertLocalCount(A, await sel({ local: true }, 8), 2);
      assertLocalCount(A, await sel({ to: ['m3'], except: [b2.id] }, 9), 0);
      assertLocalCount(A, await sel({ to: ['nobody'] }, 10), 0);
      // A last broadcast to all: once everyone has it, everything before it
      // has arrived (one Redis connection keeps the publishing order).
      assertLocalCount(A, await sel({}, 'end'), 2);
      for (let i = 0; i < socks.length; i++) {
        await waitFor(() => recs[i].got.some((x) => x[0] === 'end'), () => `${names[i]} gets "end" (got ${JSON.stringify(recs[i].got)})`);
      }
      await sleep(150);
      const got = Object.fromEntries(names.map((n, i) => [n, recs[i].got.map((x) => x[0])]));
      assert.deepEqual(got, {
        a1: [1, 2, 3, 4, 8, 'end'],
        a2: [2, 3, 5, 8, 'end'],
        b1: [1, 2, 3, 4, 5, 6, 'end'],
        b2: [2, 5, 7, 'end'],
        b3: [4, 5, 'end'],
      });
      // leave works on the remote selection too
      assert.deepEqual(await ack(b1, 'leave', 'm1'), [b1.id]);
      assertLocalCount(A, await sel({ to: ['m1'] }, 11), 1);
      assertLocalCount(B, await ack(b2, 'to-rooms', { to: ['m1'] }, 'sel', 12), 0);
      await waitFor(() => recs[0].got.some((x) => x[0] === 12), 'a1 gets 12 from B');
      await sleep(200);
      assert.deepEqual(recs[2].got.slice(-1)[0], ['end'], 'b1 left m1: no 11, no 12');
      assert.deepEqual(recs[0].got.slice(-2), [[11], [12]]);
    });

    test('volatile and the published message (channel, packet, opts)', T, async () => {
      const cap = await capture(redis.port, `socket.io#${nsp}#*`);
      try {
        const a1 = await conn(A);
        const b1 = await conn(B);
        await ack(a1, 'join', 'vr');
        await ack(b1, 'join', 'vr');
        const rec = record(b1, 'v');
        assertLocalCount(A, await ack(a1, 'to-rooms', { volatile: true }, 'v', 1), 1);
        const m = await cap.waitFor((x) => x.channel === `socket.io#${nsp}#`);
        const [uid, packet, opts] = notepack.decode(m.payload);
        assert.equal(typeof uid, 'string');
        assert.deepEqual(packet, { type: 2, data: ['v', 1], nsp });
        assert.deepEqual(opts.rooms, []);
        assert.deepEqual(opts.except, []);
        assert.equal(opts.flags.volatile, true);
        // one room: its own channel; the sender is in except
        cap.clear();
        assertLocalCount(A, await ack(a1, 'to-rooms', { to: ['vr'], sender: true, volatile: true }, 'v', 2), 0);
        const m2 = await cap.waitFor((x) => x.channel === `socket.io#${nsp}#vr#`);
        const [uid2, packet2, opts2] = notepack.decode(m2.payload);
        assert.equal(uid2, uid, 'one uid per namespace');
        assert.deepEqual(packet2, { type: 2, data: ['v', 2], nsp });
        assert.deepEqual(opts2.rooms, ['vr']);
        assert.deepEqual(opts2.except, [a1.id]);
        assert.equal(opts2.flags.volatile, true);
        // a volatile packet may be dropped, never duplicated or reordered
        await ack(a1, 'to-rooms', { to: ['vr', 'x'] }, 'v', 'end');
        await waitFor(() => rec.got.some((x) => x[0] === 'end'), 'b1 gets the last one');
        const seen = rec.got.map((x) => x[0]);
        assert.ok(seen.length <= 3 && seen.at(-1) === 'end', JSON.stringify(seen));
        assert.deepEqual(seen, [...new Set(seen)]);
        // several rooms: the common channel
        const m3 = await cap.waitFor((x) => x.channel === `socket.io#${nsp}#` && notepack.decode(x.payload)[1].data[1] === 'end');
        assert.deepEqual(notepack.decode(m3.payload)[2].rooms, ['vr', 'x']);
      } finally {
        cap.close();
      }
    });

    test('binary arguments cross as binary, both ways', T, async () => {
      const a1 = await conn(A);
      const b1 = await conn(B);
      const ra = record(a1, 'bin');
      const rb = record(b1, 'bin');
      const payload = [Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5]), n: 1, deep: [Buffer.alloc(0)] }, 'x'];
      assertLocalCount(A, await ack(a1, 'to-rooms', { sender: true }, 'bin', ...payload), 0);
      await expectEvents(rb, 1, 'binary from A', { quiet: 0 });
      assert.deepEqual(rb.got[0], payload);
      assert.ok(Buffer.isBuffer(rb.got[0][0]), 'a Buffer, not an object');
      const big = Buffer.alloc(70000, 7);
      assertLocalCount(B, await ack(b1, 'to-rooms', { to: [a1.id] }, 'bin', big, Buffer.from('hi')), 0);
      await expectEvents(ra, 1, 'binary from B', { quiet: 0 });
      assert.deepEqual(ra.got[0], [big, Buffer.from('hi')]);
    });

    test('broadcast acks gather replies from both nodes; a silent client times it out', T, async () => {
      const a1 = await conn(A);
      const a2 = await conn(A);
      const b1 = await conn(B);
      const b2 = await conn(B);
      a1.on('poll', (x, cb) => cb({ who: 'a1', x }));
      a2.on('poll', (x, cb) => cb({ who: 'a2', x }));
      b1.on('poll', (x, cb) => cb({ who: 'b1', x }));
      // a binary reply (the test server reports it as {"binary": [bytes]})
      b2.on('poll', (x, cb) => cb(Buffer.from([0xb2, x])));
      const r = await ack(a1, 'broadcast-ack', 3000, 'poll', 7);
      assert.equal(r.err, null, JSON.stringify(r));
      r.replies.sort(byWho);
      assert.deepEqual(r.replies, [
        { who: 'a2', x: 7 },
        { who: 'b1', x: 7 },
        { binary: [0xb2, 7] },
      ]);
      // the other way
      const r2 = await ack(b1, 'broadcast-ack', 3000, 'poll', 8);
      assert.equal(r2.err, null, JSON.stringify(r2));
      assert.deepEqual(r2.replies.map(key).sort(), ['a1', 'a2', '{"binary":[178,8]}']);
      // b2 stops answering: timeout, with what came
      b2.off('poll');
      b2.on('poll', () => {});
      const r3 = await ack(a1, 'broadcast-ack', 600, 'poll', 9);
      assert.equal(r3.err, 'timeout', JSON.stringify(r3));
      assert.deepEqual(r3.replies.sort(byWho), [{ who: 'a2', x: 9 }, { who: 'b1', x: 9 }]);
      // and it still works after a timeout
      b2.off('poll');
      b2.on('poll', (x, cb) => cb({ who: 'b2', x }));
      const r4 = await ack(b2, 'broadcast-ack', 3000, 'poll', 10);
      assert.equal(r4.err, null, JSON.stringify(r4));
      assert.deepEqual(r4.replies.map((x) => x.who).sort(), ['a1', 'a2', 'b1']);
    });

    test('socketsJoin, socketsLeave and disconnectSockets reach both nodes', T, async () => {
      const a1 = await conn(A);
      const a2 = await conn(A);
      const b1 = await conn(B);
      const b2 = await conn(B);
      await ack(a2, 'join', 'sel');
      await ack(b1, 'join', 'sel');
      const roomsOf = (s) => ack(s, 'rooms');
      assertLocalCount(A, await ack(a1, 'sockets-join', 'sel', 'more'), 1);
      await waitFor(async () => (await roomsOf(b1)).includes('more'), 'b1 joined "more"');
      await waitFor(async () => (await roomsOf(a2)).includes('more'), 'a2 joined "more"');
      assert.deepEqual(await roomsOf(b1), [b1.id, 'sel', 'more']);
      assert.deepEqual(await roomsOf(a1), [a1.id]);
      assert.deepEqual(await roomsOf(b2), [b2.id]);
      // from B, on a sid room of A
      assertLocalCount(B, await ack(b2, 'sockets-join', a1.id, 'solo'), 0);
      await waitFor(async () => (await roomsOf(a1)).includes('solo'), 'a1 joined "solo"');
      // to all
      assertLocalCount(B, await ack(b2, 'sockets-join', '', 'every'), 2);
      for (const s of [a1, a2, b1, b2]) await waitFor(async () => (await roomsOf(s)).includes('every'), 'all joined "every"');
      assertLocalCount(A, await ack(a1, 'sockets-leave', 'more', 'sel'), 1);
      await waitFor(async () => !(await roomsOf(b1)).includes('sel'), 'b1 left "sel"');
      await waitFor(async () => !(await roomsOf(a2)).includes('sel'), 'a2 left "sel"');
      assert.deepEqual(await roomsOf(b1), [b1.id, 'more', 'every']);
      // disconnect the "more" sockets (a2 and b1) from A; a1 and b2 stay
      const goneA2 = once(a2, 'disconnect');
      const goneB1 = once(b1, 'disconnect');
      assert.equal(await ack(a1, 'disconnect-sockets', 'more', false), 'ok');
      assert.equal((await goneA2)[0], 'io server disconnect');
      assert.equal((await goneB1)[0], 'io server disconnect');
      await sleep(200);
      assert.ok(a1.connected && b2.connected);
      assert.deepEqual(await roomsOf(b2), [b2.id, 'every']);
      // close=true, from B, of a socket on A
      const goneA1 = once(a1, 'disconnect');
      assert.equal(await ack(b2, 'disconnect-sockets', 'solo', true), 'ok');
      await goneA1;
      await sleep(200);
      assert.ok(b2.connected);
    });

    test('fetch sockets sees both nodes, with handshake, rooms and data', T, async () => {
      const a1 = await conn(A, { auth: { who: 'a1' }, query: { foo: 'qa' } });
      const b1 = await conn(B, { auth: { who: 'b1', n: 2 }, query: { foo: 'qb' }, extraHeaders: { 'x-test': 'hb' } });
      await ack(a1, 'join', 'f1');
      await ack(b1, 'join', 'f1');
      await ack(b1, 'join', 'f2');
      assert.equal(await ack(b1, 'set-data', { user: 'bob', list: [1, 'two', null] }), 'ok');
      assert.equal(await ack(a1, 'set-data', 'just a string'), 'ok');
      const t0 = Date.now();
      for (const [asker, me, remoteSock, peer] of [[a1, 'A', b1, 'B'], [b1, 'B', a1, 'A']]) {
        const f = await ack(asker, 'fetch', 'f1');
        assert.ok(Array.isArray(f), `fetch on ${me}: ${JSON.stringify(f)}`);
        assert.deepEqual(f.map((x) => x.id).sort(), [a1.id, b1.id].sort(), `fetch on ${me}`);
        const mine = f.find((x) => x.id === asker.id);
        const remote = f.find((x) => x.id === remoteSock.id);
        assert.equal(mine.local, true, `fetch on ${me}: its own socket is local`);
        assert.equal(remote.local, false, `fetch on ${me}: ${peer}'s socket is remote`);
        assert.deepEqual(f.find((x) => x.id === a1.id).rooms, [a1.id, 'f1']);
        assert.deepEqual(f.find((x) => x.id === b1.id).rooms, [b1.id, 'f1', 'f2']);
        assert.deepEqual(f.find((x) => x.id === b1.id).data, { user: 'bob', list: [1, 'two', null] });
        assert.equal(f.find((x) => x.id === a1.id).data, 'just a string');
        // the remote handshake has Node's shape
        const h = remote.handshake;
        assert.ok(h && typeof h === 'object', `remote handshake: ${JSON.stringify(remote)}`);
        assert.deepEqual(Object.keys(h).sort(), ['address', 'auth', 'headers', 'issued', 'query', 'secure', 'time', 'url', 'xdomain']);
        assert.equal(typeof h.headers, 'object');
        assert.equal(h.headers.host, `127.0.0.1:${(peer === 'A' ? A : B).port}`);
        assert.equal(typeof h.time, 'string');
        assert.ok(!Number.isNaN(Date.parse(h.time)), `time ${h.time}`);
        assert.equal(h.address, '127.0.0.1');
        assert.equal(typeof h.xdomain, 'boolean');
        assert.equal(h.secure, false);
        assert.equal(typeof h.issued, 'number');
        assert.ok(h.issued >= t0 - 30000 && h.issued <= Date.now() + 1000, `issued ${h.issued}`);
        assert.match(h.url, /^\/socket\.io\/\?/);
        assert.equal(typeof h.query, 'object');
        assert.equal(h.query.EIO, '4');
        assert.equal(h.query.transport, mode.opts.transports[0]);
        if (peer === 'B') {
          assert.deepEqual(h.auth, { who: 'b1', n: 2 });
          assert.equal(h.query.foo, 'qb');
          assert.equal(h.headers['x-test'], 'hb');
        } else {
          assert.deepEqual(h.auth, { who: 'a1' });
          assert.equal(h.query.foo, 'qa');
        }
      }
      // the selection: a room only B has, all, nobody, and except-like sid rooms
      assert.deepEqual((await ack(a1, 'fetch', 'f2')).map((x) => x.id), [b1.id]);
      assert.deepEqual((await ack(a1, 'fetch', 'nobody')), []);
      const all = await ack(b1, 'fetch', '');
      assert.deepEqual(all.map((x) => x.id).sort(), [a1.id, b1.id].sort());
      assert.deepEqual((await ack(b1, 'fetch', a1.id)).map((x) => [x.id, x.local]), [[a1.id, false]]);
    });

    test('serverSideEmit reaches the other server only; with acks', T, async () => {
      const a1 = await conn(A);
      const a2 = await conn(A);
      const b1 = await conn(B);
      const [ra1, ra2, rb1] = [a1, a2, b1].map((s) => record(s, 'server-side'));
      assert.equal(await ack(a1, 'server-side', 'hello', 1, { x: [2, 'é'] }), 'ok');
      await expectEvents(rb1, 1, 'B runs its handler', { quiet: 300 });
      assert.deepEqual(rb1.got, [['hello', 1, { x: [2, 'é'] }]]);
      assert.deepEqual(ra1.got, [], 'the sender server does not run its own handler');
      assert.deepEqual(ra2.got, []);
      assert.equal(await ack(b1, 'server-side', 'back'), 'ok');
      await expectEvents(ra1, 1, 'A runs its handler', { quiet: 0 });
      await expectEvents(ra2, 1, 'A runs its handler', { quiet: 300 });
      assert.deepEqual(ra1.got, [['back']]);
      assert.deepEqual(rb1.got.length, 1);
      // with acks: one reply per other server
      const r = await ack(a1, 'server-side-ack', 3000, 'ping', 'q');
      assert.deepEqual(r, { err: null, replies: [{ from: 'B', event: 'ping' }] });
      await expectEvents(rb1, 2, 'B ran the handler of the acked one', { quiet: 0 });
      assert.deepEqual(rb1.got[1], ['ping', 'q']);
      const r2 = await ack(b1, 'server-side-ack', 3000, 'pong');
      assert.deepEqual(r2, { err: null, replies: [{ from: 'A', event: 'pong' }] });
    });

    test('server count follows servers coming and going', T, async () => {
      const a1 = await conn(A);
      const b1 = await conn(B);
      assert.equal(await ack(a1, 'server-count'), 2);
      assert.equal(await ack(b1, 'server-count'), 2);
      const C = await spawnClusterServer('C', redis.url);
      try {
        await waitForServerCount(a1, 3, 'A counts 3');
        await waitForServerCount(b1, 3, 'B counts 3');
        const c1 = await conn(C);
        assert.equal(await ack(c1, 'server-count'), 3);
        // serverSideEmit with acks now waits for B and C
        const r = await ack(a1, 'server-side-ack', 3000, 'ping3');
        assert.equal(r.err, null, JSON.stringify(r));
        assert.deepEqual(r.replies.map((x) => x.from).sort(), ['B', 'C']);
        // a broadcast from C reaches A and B
        const ra = record(a1, 'from-c');
        const rb = record(b1, 'from-c');
        const rc = record(c1, 'from-c');
        assertLocalCount(C, await ack(c1, 'to-rooms', {}, 'from-c', 3), 1);
        await expectEvents(rc, 1, 'C\'s own client gets it', { quiet: 0 });
        await expectEvents(ra, 1, 'A gets C\'s broadcast', { quiet: 0 });
        await expectEvents(rb, 1, 'B gets C\'s broadcast', { quiet: 0 });
      } finally {
        await stopClean(C);
      }
      await waitForServerCount(a1, 2, 'A counts 2 again');
      await waitForServerCount(b1, 2, 'B counts 2 again');
      // and fetch does not wait for the gone server
      const f = await ack(a1, 'fetch', '');
      assert.deepEqual(f.map((x) => x.id).sort(), [a1.id, b1.id].sort());
    });
  });
}
