// Redis killed (SIGKILL) and restarted on the same port under two running
// sio_cluster_server processes (A and B): while Redis is down each server
// keeps serving its own clients (local broadcasts, acks, the server count
// answers), nothing crashes; once Redis is back, cross-node delivery resumes
// (the adapters reconnect and subscribe again) in both directions and for
// both namespaces; both servers exit 0 on SIGTERM (under ASan a leak makes
// the exit code non-zero).
// SIO_CLUSTER_SERVER=ref runs the Node reference servers instead.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis } from './lib/redis.mjs';
import {
  clusterIsRef, stopClean, Clients, ack, ackIn, record, waitFor, sleep, WS, POLLING, spawnClusterServers,
  assertLocalCount,
} from './lib/cluster.mjs';

const T = { timeout: 60000 };

let redis;
let A;
let B;
const clients = new Clients();

before(async () => {
  redis = await startRedis();
  [A, B] = await spawnClusterServers(['A', 'B'], redis.url);
});

after(async () => {
  clients.closeAll();
  try {
    for (const s of [A, B]) if (s && !s.exited()) s.proc.kill('SIGKILL');
  } finally {
    if (redis) await redis.kill();
  }
});

// p, with label in front of its error.
function step(label, p) {
  return p.catch((e) => {
    e.message = `${label}: ${e.message}`;
    for (const srv of [A, B]) {
      if (srv.exited()) e.message += `\n${srv.name} exited ${JSON.stringify(srv.exited())}; stderr: ${srv.stderr().slice(-3000)}`;
    }
    throw e;
  });
}

// Emits `ev` (with a sequence number) from `from` every 300 ms until `to`
// has one, at most ms; resolves with the number of tries.
async function untilCrossed(from, to, ev, ms, label) {
  const rec = record(to, ev);
  const end = Date.now() + ms;
  let n = 0;
  while (Date.now() < end) {
    await ackIn(3000, from, 'to-rooms', {}, ev, ++n).catch(() => {});
    for (let i = 0; i < 6 && !rec.got.length; i++) await sleep(50);
    if (rec.got.length) return n;
  }
  throw new Error(`${label}: no cross-node delivery within ${ms} ms (${n} tries)`);
}

describe(`Redis killed and restarted under two ${clusterIsRef ? 'Node reference' : 'C'} servers`, () => {
  test('local delivery goes on while Redis is down; cross-node delivery resumes after the restart', T, async () => {
    const a1 = await clients.connect(A, '/', WS);
    const a2 = await clients.connect(A, '/', POLLING);
    const b1 = await clients.connect(B, '/', WS);
    const b2 = await clients.connect(B, '/', WS);
    const ca = await clients.connect(A, '/chat', WS);
    const cb = await clients.connect(B, '/chat', POLLING);
    await waitFor(async () => (await ack(a1, 'server-count')) === 2, 'A counts 2', 10000, 100);
    await waitFor(async () => (await ack(b1, 'server-count')) === 2, 'B counts 2', 10000, 100);
    await untilCrossed(a1, b1, 'before', 5000, 'A -> B before the kill');

    await redis.kill();

    // Local traffic on each server, several times while Redis is away.
    const ra1 = record(a1, 'local');
    const ra2 = record(a2, 'local');
    const rb2 = record(b2, 'local');
    for (let i = 1; i <= 5; i++) {
      assertLocalCount(A, await step(`A: to-rooms #${i}`, ack(a1, 'to-rooms', {}, 'local', i)), 2, 'local count');
      assertLocalCount(B, await step(`B: to-rooms #${i}`, ack(b1, 'to-rooms', { to: [b2.id] }, 'local', i)), 1, 'local count');
      await sleep(150);
    }
    const recs = [ra1, ra2, rb2];
    await waitFor(() => recs.every((r) => r.got.length === 5), () => `local deliveries (A: ${JSON.stringify(ra1.got)} ${JSON.stringify(ra2.got)}, B: ${JSON.stringify(rb2.got)})`);
    for (const r of recs) assert.deepEqual(r.got.map((x) => x[0]), [1, 2, 3, 4, 5]);
    // acks, rooms and a local broadcast ack still work on each server
    assert.deepEqual(await step('A: join', ack(a2, 'join', 'down')), [a2.id, 'down']);
    a2.on('poll', (cb2) => cb2('a2'));
    const r = await step('A: broadcast-ack', ackIn(8000, a1, 'broadcast-ack', 1500, 'poll'));
    assert.ok(r.replies.includes('a2'), `local broadcast ack while Redis is down: ${JSON.stringify(r)}`);
    // Requests to other servers complete (with what they have) instead of
    // hanging. (Node's adapter waits for Redis here: its client queues the
    // NUMSUB until the reconnection, so the reference skips this.)
    if (!clusterIsRef) {
      const f = await step('A: fetch', ackIn(12000, a1, 'fetch', ''));
      assert.ok(Array.isArray(f), `fetch while Redis is down: ${JSON.stringify(f)}`);
      assert.deepEqual(f.map((x) => x.id).sort(), [a1.id, a2.id].sort(), 'fetch while Redis is down: the local sockets');
      const n = await step('B: server-count', ackIn(12000, b1, 'server-count'));
      assert.ok(n === 1 || (n && typeof n === 'object'), `server-count while Redis is down: ${JSON.stringify(n)}`);
    }
    assert.equal(A.exited(), null, `A still runs: ${A.stderr().slice(-2000)}`);
    assert.equal(B.exited(), null, `B still runs: ${B.stderr().slice(-2000)}`);
    await sleep(1000); // some reconnect attempts fail meanwhile

    await redis.start();

    // Cross-node delivery resumes, both ways, both namespaces.
    await untilCrossed(a1, b1, 'after-ab', 15000, 'A -> B after the restart');
    await untilCrossed(b2, a2, 'after-ba', 15000, 'B -> A after the restart');
    await untilCrossed(cb, ca, 'after-chat', 15000, 'B -> A on "/chat" after the restart');
    await waitFor(async () => (await ack(a1, 'server-count')) === 2, 'A counts 2 again', 10000, 200);
    // requests work again too
    const f2 = await ack(b1, 'fetch', '');
    assert.deepEqual(f2.map((x) => x.id).sort(), [a1.id, a2.id, b1.id, b2.id].sort());
    const s = await ack(a1, 'server-side-ack', 3000, 'ping');
    assert.deepEqual(s, { err: null, replies: [{ from: 'B', event: 'ping' }] });
    // the logs say what happened
    if (!clusterIsRef) {
      for (const srv of [A, B]) assert.match(srv.stderr(), /redis/i, `${srv.name} logged the outage`);
    }

    clients.closeAll();
    await Promise.all([stopClean(A), stopClean(B)]);
  });
});
