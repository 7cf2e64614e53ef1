// A C server (sio_cluster_server "C") and a Node server (socket.io 4.8.4 +
// @socket.io/redis-adapter 8.3.0, ref/sio_cluster_ref_server.mjs "N") on one
// throwaway redis-server, socket.io-client 4.8 clients on each: broadcasts
// and rooms cross in both directions (binary too), broadcast acks from each
// side reach the other side's clients, fetchSockets, serverSideEmit (with
// acks), the server count, and socketsJoin/Leave/disconnectSockets across
// the two. SIO_CLUSTER_SERVER=ref makes "C" a Node server too.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis } from './lib/redis.mjs';
import {
  clusterIsRef,
  spawnClusterServer,
  spawnRefServer,
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
  stopCluster,
  assertLocalCount,
} from './lib/cluster.mjs';

const T = { timeout: 20000 };
const MODES = [
  { nsp: '/', opts: WS, label: '"/" over websocket' },
  { nsp: '/chat', opts: POLLING, label: '"/chat" over polling' },
];

let redis;
let C;
let N;
const clients = new Clients();

before(async () => {
  redis = await startRedis();
  [C, N] = await Promise.all([spawnClusterServer('C', redis.url), spawnRefServer('N', redis.url)]);
  await awaitCluster(clients, [C, N], 2);
});

after(() => stopCluster({ clients, clean: [C], others: [N], redis }));

afterEach(async () => {
  clients.closeAll();
  await sleep(150);
});

for (const mode of MODES) {
  const { nsp } = mode;
  const conn = (srv, opts = {}) => clients.connect(srv, nsp, { ...mode.opts, ...opts });

  describe(`${clusterIsRef ? 'Node reference' : 'C'} server and Node server, ${mode.label}`, () => {
    test('broadcasts and rooms cross both ways, exact values and binary', T, async () => {
      const c1 = await conn(C);
      const c2 = await conn(C);
      const n1 = await conn(N);
      const n2 = await conn(N);
      await ack(c1, 'join', 'r1');
      await ack(n1, 'join', 'r1');
      await ack(n2, 'join', 'r2');
      const names = ['c1', 'c2', 'n1', 'n2'];
      const socks = [c1, c2, n1, n2];
      const recs = socks.map((s) => record(s, 'x'));
      const values = ['s', 0, 1, -1, 127, 128, 255, 256, 65535, 65536, -33, -129, -32769, 2 ** 32, -(2 ** 40), 1.5, -0.25,
        1.25e-300, 123456.789, true, false, null, { a: [1, { b: 'é\u2028' }], '': 0 }, [], {}, 'z'.repeat(40), 'w'.repeat(300)];
      // (whole numbers past 2^53 are not exact in Node's own MessagePack)
      const long = 'y'.repeat(70000);
      const bin = [Buffer.from([0, 1, 255]), { deep: [Buffer.alloc(300, 9)], n: 1 }];
      // from C
      assertLocalCount(C, await ack(c1, 'to-rooms', {}, 'x', 'all-c', ...values, long), 2);
      assertLocalCount(C, await ack(c1, 'to-rooms', { to: ['r1'] }, 'x', 'r1-c', ...bin), 1);
      assertLocalCount(C, await ack(c1, 'to-rooms', { to: ['r1', 'r2'], sender: true }, 'x', 'r12-c'), 0);
      assertLocalCount(C, await ack(c2, 'to-rooms', { except: ['r1'] }, 'x', 'ex-c'), 1);
      // Deliveries from one server keep their order, not across two servers:
      // all of C's first.
      assertLocalCount(C, await ack(c2, 'to-rooms', {}, 'x', 'end-c'), 2);
      for (let i = 0; i < socks.length; i++) {
        await waitFor(() => recs[i].got.some((x) => x[0] === 'end-c'), () => `${names[i]} gets "end-c" (got ${JSON.stringify(recs[i].got.map((x) => x[0]))})`);
      }
      // from Node
      assert.equal(await ack(n2, 'to-rooms', {}, 'x', 'all-n', ...values, long), 2);
      assert.equal(await ack(n2, 'to-rooms', { to: ['r1'] }, 'x', 'r1-n', ...bin), 1);
      assert.equal(await ack(n1, 'to-rooms', { to: ['r1', 'r2'], sender: true }, 'x', 'r12-n'), 1);
      assert.equal(await ack(n1, 'to-rooms', { except: ['r2'] }, 'x', 'ex-n'), 1);
      assert.equal(await ack(n1, 'to-rooms', { to: [c2.id] }, 'x', 'sid-n'), 0);
      assert.equal(await ack(n1, 'to-rooms', { local: true }, 'x', 'local-n'), 2);
      assert.equal(await ack(n1, 'to-rooms', {}, 'x', 'end'), 2);
      for (let i = 0; i < socks.length; i++) {
        await waitFor(() => recs[i].got.some((x) => x[0] === 'end'), () => `${names[i]} gets "end" (got ${JSON.stringify(recs[i].got.map((x) => x[0]))})`);
      }
      await sleep(150);
      const got = Object.fromEntries(names.map((n, i) => [n, recs[i].got.map((x) => x[0])]));
      assert.deepEqual(got, {
        c1: ['all-c', 'r1-c', 'end-c', 'all-n', 'r1-n', 'r12-n', 'ex-n', 'end'],
        c2: ['all-c', 'ex-c', 'end-c', 'all-n', 'ex-n', 'sid-n', 'end'],
        n1: ['all-c', 'r1-c', 'r12-c', 'end-c', 'all-n', 'r1-n', 'ex-n', 'local-n', 'end'],
        n2: ['all-c', 'r12-c', 'ex-c', 'end-c', 'all-n', 'r12-n', 'local-n', 'end'],
      });
      const find = (i, ev) => recs[i].got.find((x) => x[0] === ev).slice(1);
      const fromC = find(2, 'all-c');
      const fromN = find(0, 'all-n');
      assert.ok(fromC.pop() === long, 'C -> Node: a 70000-byte string intact');
      assert.ok(fromN.pop() === long, 'Node -> C: a 70000-byte string intact');
      assert.deepEqual(fromC, values, 'C -> Node: exact values');
      assert.deepEqual(fromN, values, 'Node -> C: exact values');
      assert.deepEqual(find(2, 'r1-c'), bin, 'C -> Node: binary');
      assert.deepEqual(find(0, 'r1-n'), bin, 'Node -> C: binary');
      assert.ok(Buffer.isBuffer(find(0, 'r1-n')[0]));
    });

    test('broadcast acks: from Node reaching C clients, from C reaching Node clients', T, async () => {
      const c1 = await conn(C);
      const c2 = await conn(C);
      const n1 = await conn(N);
      const n2 = await conn(N);
      // c1 and n1 answer with an object, c2 and n2 with binary (which the
      // test servers report as {"binary": [bytes]})
      c1.on('poll', (x, cb) => cb({ who: 'c1', x, list: [1.5, null, 'é'] }));
      n1.on('poll', (x, cb) => cb({ who: 'n1', x, list: [1.5, null, 'é'] }));
      c2.on('poll', (x, cb) => cb(Buffer.from(`c2:${x}`)));
      n2.on('poll', (x, cb) => cb(Buffer.from(`n2:${x}`)));
      const who = (r) => (r.binary ? Buffer.from(r.binary).toString() : `${r.who}:${r.x}`);
      const r1 = await ack(n1, 'broadcast-ack', 3000, 'poll', 1);
      assert.equal(r1.err, null, JSON.stringify(r1));
      assert.deepEqual(r1.replies.map(who).sort(), ['c1:1', 'c2:1', 'n2:1'], JSON.stringify(r1));
      assert.deepEqual(r1.replies.find((r) => r.who === 'c1'), { who: 'c1', x: 1, list: [1.5, null, 'é'] });
      const r2 = await ack(c1, 'broadcast-ack', 3000, 'poll', 2);
      assert.equal(r2.err, null, JSON.stringify(r2));
      assert.deepEqual(r2.replies.map(who).sort(), ['c2:2', 'n1:2', 'n2:2'], JSON.stringify(r2));
      assert.deepEqual(r2.replies.find((r) => r.who === 'n1'), { who: 'n1', x: 2, list: [1.5, null, 'é'] });
      // a silent client on the other side: timeout with the others' replies
      c2.off('poll');
      c2.on('poll', () => {});
      const r3 = await ack(n1, 'broadcast-ack', 600, 'poll', 3);
      assert.equal(r3.err, 'timeout', JSON.stringify(r3));
      assert.deepEqual(r3.replies.map(who).sort(), ['c1:3', 'n2:3'], JSON.stringify(r3));
      n2.off('poll');
      n2.on('poll', () => {});
      const r4 = await ack(c1, 'broadcast-ack', 600, 'poll', 4);
      assert.equal(r4.err, 'timeout', JSON.stringify(r4));
      assert.deepEqual(r4.replies.map(who).sort(), ['n1:4'], JSON.stringify(r4));
    });
  });
}

describe(`${clusterIsRef ? 'Node reference' : 'C'} server and Node server: requests`, () => {
  test('fetchSockets both ways', T, async () => {
    const c1 = await clients.connect(C, '/', { ...WS, auth: { who: 'c1' }, query: { foo: 'qc' } });
    const n1 = await clients.connect(N, '/', { ...POLLING, auth: { who: 'n1' }, query: { foo: 'qn' }, extraHeaders: { 'x-test': 'hn' } });
    await ack(c1, 'join', 'f');
    await ack(n1, 'join', 'f');
    await ack(c1, 'set-data', { user: 'cee', n: [1.5, null] });
    await ack(n1, 'set-data', { user: 'en' });
    for (const [asker, remoteSock, peer] of [[n1, c1, 'C'], [c1, n1, 'N']]) {
      const f = await ack(asker, 'fetch', 'f');
      assert.ok(Array.isArray(f), JSON.stringify(f));
      assert.deepEqual(f.map((x) => x.id).sort(), [c1.id, n1.id].sort());
      const remote = f.find((x) => x.id === remoteSock.id);
      assert.equal(remote.local, false);
      assert.equal(f.find((x) => x.id === asker.id).local, true);
      assert.deepEqual(remote.rooms, [remoteSock.id, 'f']);
      const h = remote.handshake;
      assert.deepEqual(Object.keys(h).sort(), ['address', 'auth', 'headers', 'issued', 'query', 'secure', 'time', 'url', 'xdomain']);
      assert.equal(h.address, '127.0.0.1');
      assert.equal(h.secure, false);
      assert.equal(typeof h.issued, 'number');
      assert.equal(typeof h.time, 'string');
      assert.equal(h.query.EIO, '4');
      if (peer === 'C') {
        assert.deepEqual(remote.data, { user: 'cee', n: [1.5, null] });
        assert.deepEqual(h.auth, { who: 'c1' });
        assert.equal(h.query.foo, 'qc');
        assert.equal(h.query.transport, 'websocket');
        assert.equal(h.headers.host, `127.0.0.1:${C.port}`);
      } else {
        assert.deepEqual(remote.data, { user: 'en' });
        assert.deepEqual(h.auth, { who: 'n1' });
        assert.equal(h.query.foo, 'qn');
        assert.equal(h.query.transport, 'polling');
        assert.equal(h.headers['x-test'], 'hn');
      }
    }
    assert.deepEqual((await ack(n1, 'fetch', c1.id)).map((x) => x.id), [c1.id]);
    assert.deepEqual(await ack(c1, 'fetch', 'nobody'), []);
  });

  test('serverSideEmit both ways, with acks', T, async () => {
    const c1 = await clients.connect(C, '/chat', WS);
    const n1 = await clients.connect(N, '/chat', WS);
    const rc = record(c1, 'server-side');
    const rn = record(n1, 'server-side');
    assert.equal(await ack(c1, 'server-side', 'from-c', 1, { a: 'é' }), 'ok');
    await expectEvents(rn, 1, 'N runs its handler', { quiet: 0 });
    assert.deepEqual(rn.got[0], ['from-c', 1, { a: 'é' }]);
    assert.equal(await ack(n1, 'server-side', 'from-n', [2]), 'ok');
    await expectEvents(rc, 1, 'C runs its handler', { quiet: 300 });
    assert.deepEqual(rc.got, [['from-n', [2]]]);
    assert.equal(rn.got.length, 1, 'N did not run its own handler');
    assert.deepEqual(await ack(c1, 'server-side-ack', 3000, 'ping-c', 'q'), { err: null, replies: [{ from: 'N', event: 'ping-c' }] });
    assert.deepEqual(await ack(n1, 'server-side-ack', 3000, 'ping-n'), { err: null, replies: [{ from: 'C', event: 'ping-n' }] });
    await expectEvents(rc, 2, 'C ran the acked one', { quiet: 0 });
    assert.deepEqual(rc.got[1], ['ping-n']);
  });

  test('server count is 2 on both', T, async () => {
    for (const srv of [C, N]) {
      for (const nsp of ['/', '/chat']) {
        const s = await clients.connect(srv, nsp, WS);
        assert.equal(await ack(s, 'server-count'), 2, `${srv.name}${nsp}`);
      }
    }
  });

  test('socketsJoin/Leave/disconnectSockets from Node affect C clients, and back', T, async () => {
    const c1 = await clients.connect(C, '/', WS);
    const c2 = await clients.connect(C, '/', WS);
    const n1 = await clients.connect(N, '/', WS);
    const n2 = await clients.connect(N, '/', WS);
    const roomsOf = (s) => ack(s, 'rooms');
    await ack(c1, 'join', 'j');
    await ack(n2, 'join', 'j');
    assert.equal(await ack(n1, 'sockets-join', 'j', 'joined'), 1);
    await waitFor(async () => (await roomsOf(c1)).includes('joined'), 'c1 joined "joined" (from Node)');
    assert.deepEqual(await roomsOf(c1), [c1.id, 'j', 'joined']);
    assert.deepEqual(await roomsOf(c2), [c2.id]);
    await waitFor(async () => (await roomsOf(n2)).includes('joined'), 'n2 joined');
    assert.equal(await ack(n1, 'sockets-join', c2.id, 'solo'), 0);
    await waitFor(async () => (await roomsOf(c2)).includes('solo'), 'c2 joined "solo" (by sid, from Node)');
    assert.equal(await ack(n1, 'sockets-leave', 'joined', 'j'), 1);
    await waitFor(async () => !(await roomsOf(c1)).includes('j'), 'c1 left "j" (from Node)');
    assert.deepEqual(await roomsOf(c1), [c1.id, 'joined']);
    // from C to Node clients
    assertLocalCount(C, await ack(c2, 'sockets-join', '', 'every'), 2);
    for (const s of [c1, c2, n1]) await waitFor(async () => (await roomsOf(s)).includes('every'), 'all joined "every" (from C)');
    assertLocalCount(C, await ack(c2, 'sockets-leave', n2.id, 'joined'), 0);
    await waitFor(async () => !(await roomsOf(n2)).includes('joined'), 'n2 left "joined" (from C)');
    // disconnects both ways
    const goneC1 = once(c1, 'disconnect');
    assert.equal(await ack(n1, 'disconnect-sockets', 'joined', false), 'ok');
    assert.equal((await goneC1)[0], 'io server disconnect');
    const goneN2 = once(n2, 'disconnect');
    assert.equal(await ack(c2, 'disconnect-sockets', n2.id, true), 'ok');
    await goneN2;
    await sleep(200);
    assert.ok(c2.connected && n1.connected);
  });
});
