// A multi-worker C node (sio_cluster_server --workers W, W = 4 or
// SIO_TEST_WORKERS) and a Node node (socket.io 4.8 + @socket.io/redis-adapter,
// ref/sio_cluster_ref_server.mjs) on one throwaway redis-server, with
// socket.io-client 4.8 clients on every worker of the C node and on the Node
// node: the C process counts as one server whatever its workers; server-side
// emits cross between the nodes both ways (reaching the clients of every
// worker, never the C node's own workers) with exactly one reply per other
// node; broadcasts with except, fetchSockets and disconnectSockets of a room
// span both nodes and every worker; one worker's broadcasts, local ones
// among them, keep their order. SIO_CLUSTER_SERVER=ref makes the C node a
// Node one (one worker), which checks the expectations against Node alone.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis } from './lib/redis.mjs';
import {
  clusterIsRef,
  spawnClusterServer,
  spawnRefServer,
  Clients,
  ack,
  record,
  waitFor,
  expectEvents,
  sleep,
  WS,
  POLLING,
  awaitCluster,
  stopCluster,
} from './lib/cluster.mjs';
import { WORKERS, workersArgs, spreadClients } from './lib/workers.mjs';

const T = { timeout: 60000 };
const CW = clusterIsRef ? 1 : WORKERS; // the workers of the C node

let redis;
let C;
let N;
const clients = new Clients();

before(async () => {
  redis = await startRedis();
  [C, N] = await Promise.all([spawnClusterServer('C', redis.url, workersArgs()), spawnRefServer('N', redis.url)]);
  await awaitCluster(clients, [C, N], 2, ['/']);
});

after(() => stopCluster({ clients, clean: [C], others: [N], redis }));

afterEach(async () => {
  clients.closeAll();
  await sleep(100);
});

for (const mode of [{ name: 'websocket', opts: WS }, { name: 'polling', opts: POLLING }]) {
  describe(`${CW}-worker ${clusterIsRef ? 'Node' : 'C'} node and a Node node, ${mode.name}`, () => {
    // A client on each worker of C, two on N.
    async function setup() {
      const cs = (await spreadClients(clients, C, CW, { opts: mode.opts })).map((x) => x.s);
      const ns = [await clients.connect(N, '/', mode.opts), await clients.connect(N, '/', mode.opts)];
      return { cs, ns };
    }

    test('the server count is 2 from every worker and from the Node node', T, async () => {
      const { cs, ns } = await setup();
      for (const s of [...cs, ...ns]) assert.equal(await ack(s, 'server-count'), 2);
    });

    test('server-side emits cross both ways, to every worker, one reply per other node', T, async () => {
      const { cs, ns } = await setup();
      const cRecs = cs.map((s) => record(s, 'server-side'));
      const nRecs = ns.map((s) => record(s, 'server-side'));
      // From the Node node: every client of every C worker, none of Node's.
      assert.equal(await ack(ns[0], 'server-side', 'from-n', 1, { a: 'é' }), 'ok');
      // From each C worker: the Node node's clients, none of C's.
      for (const [k, s] of cs.entries()) assert.equal(await ack(s, 'server-side', 'from-c', k), 'ok');
      await Promise.all(cRecs.map((r, k) => expectEvents(r, 1, `C client ${k}`)));
      await Promise.all(nRecs.map((r, k) => expectEvents(r, cs.length, `N client ${k}`)));
      for (const r of cRecs) assert.deepEqual(r.got, [['from-n', 1, { a: 'é' }]]);
      for (const r of nRecs) {
        assert.deepEqual(r.got.map((a) => a[1]).sort(), cs.map((_, k) => k).sort());
        assert.ok(r.got.every((a) => a[0] === 'from-c' && a.length === 2), JSON.stringify(r.got));
      }
      // With acks: exactly one reply, from the other node.
      for (const s of cs) {
        const r = await ack(s, 'server-side-ack', 3000, 'ask-n');
        assert.deepEqual(r, { err: null, replies: [{ from: 'N', event: 'ask-n' }] });
      }
      const r = await ack(ns[1], 'server-side-ack', 3000, 'ask-c');
      assert.deepEqual(r, { err: null, replies: [{ from: 'C', event: 'ask-c' }] });
    });

    test('a broadcast with except from any worker reaches both nodes', T, async () => {
      const { cs, ns } = await setup();
      const all = [...cs, ...ns];
      for (const [k, s] of all.entries()) if (k % 2 === 0) await ack(s, 'join', 'skip');
      const recs = all.map((s) => record(s, 'b'));
      for (const [k, s] of cs.entries()) await ack(s, 'to-rooms', { except: ['skip'] }, 'b', k);
      await ack(ns[0], 'to-rooms', { except: ['skip'] }, 'b', 'n');
      const want = [...cs.map((_, k) => k), 'n'].map(String).sort();
      await Promise.all(recs.map((r, k) => (k % 2 === 0 ? sleep(0) : expectEvents(r, want.length, `client ${k}`))));
      for (const [k, r] of recs.entries()) {
        assert.deepEqual(r.got.map((a) => String(a[0])).sort(), k % 2 === 0 ? [] : want, `client ${k}`);
      }
    });

    test('fetchSockets and disconnectSockets of a room span every worker and the Node node', T, async () => {
      const { cs, ns } = await setup();
      const all = [...cs, ...ns];
      for (const [k, s] of all.entries()) if (k % 2 === 1) await ack(s, 'join', 'odd');
      const ids = all.map((s) => s.id);
      for (const s of [cs[cs.length - 1], ns[0]]) {
        assert.deepEqual((await ack(s, 'fetch', '')).map((f) => f.id).sort(), [...ids].sort());
        assert.deepEqual((await ack(s, 'fetch', 'odd')).map((f) => f.id).sort(), ids.filter((_, k) => k % 2 === 1).sort());
      }
      const reasons = all.map(() => null);
      all.forEach((s, k) => s.on('disconnect', (r) => (reasons[k] = r)));
      assert.equal(await ack(ns[0], 'disconnect-sockets', 'odd', false), 'ok');
      await waitFor(() => all.every((_, k) => k % 2 === 0 || reasons[k]), 'the "odd" clients disconnected');
      for (const [k, s] of all.entries()) {
        if (k % 2 === 1) assert.equal(reasons[k], 'io server disconnect', `client ${k}`);
        else assert.equal(s.connected, true, `client ${k}`);
      }
      const left = await ack(cs[0], 'fetch', '');
      assert.deepEqual(left.map((f) => f.id).sort(), ids.filter((_, k) => k % 2 === 0).sort());
    });

    test('one worker\'s broadcasts, local ones among them, reach its clients in the order made', T, async () => {
      const pairs = await spreadClients(clients, C, CW, { opts: mode.opts, perWorker: 2 });
      const ns = [await clients.connect(N, '/', mode.opts)];
      for (let k = 0; k < CW; k++) {
        const [{ s }, { s: peer }] = pairs.slice(2 * k, 2 * k + 2);
        const ev = `order-${k}`;
        const rp = record(peer, ev);
        const rn = record(ns[0], ev);
        await ack(s, 'to-rooms', {}, ev, 1);
        await ack(s, 'to-rooms', { local: true }, ev, 2);
        await ack(s, 'to-rooms', {}, ev, 3);
        await expectEvents(rp, 3, `worker ${k}'s second client`);
        assert.deepEqual(rp.got.map((a) => a[0]), [1, 2, 3], `worker ${k}`);
        await expectEvents(rn, 2, 'the Node node\'s client');
        assert.deepEqual(rn.got.map((a) => a[0]), [1, 3], 'the local one stays on the C node');
      }
    });
  });
}
