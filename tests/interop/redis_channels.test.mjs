// The Redis adapter's channels under a C sio_cluster_server (A, with B for
// cross-node delivery), checked from a raw RESP connection:
// - a dynamic child namespace whose name holds glob characters ("/dyn-a*")
//   subscribes its own channels only (its PSUBSCRIBE pattern is escaped),
//   and when its last socket leaves it is freed and unsubscribes;
// - Redis cutting the subscriber connections (CLIENT KILL TYPE pubsub, as it
//   does to a subscriber over its output-buffer limit) is noticed and
//   logged; the servers reconnect, subscribe every channel again, and
//   cross-node delivery resumes.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, RespConn } from './lib/redis.mjs';
import {
  clusterIsRef, stopClean, Clients, ack, ackIn, record, waitFor, sleep, WS, spawnClusterServers,
} from './lib/cluster.mjs';

const T = { timeout: 60000 };

let redis;
let rc;
let A;
let B;
const clients = new Clients();

before(async () => {
  redis = await startRedis();
  rc = await RespConn.connect(redis.port);
  [A, B] = await spawnClusterServers(['A', 'B'], redis.url);
});

after(async () => {
  clients.closeAll();
  try {
    if (rc) rc.close();
    for (const s of [A, B]) if (s && !s.exited()) s.proc.kill('SIGKILL');
  } finally {
    if (redis) await redis.kill();
  }
});

const numpat = async () => Number(await rc.command('PUBSUB', 'NUMPAT'));
const publish = async (channel) => Number(await rc.command('PUBLISH', channel, 'not a message'));

describe('Redis channels of the C adapter', { skip: clusterIsRef && 'C adapter only' }, () => {
  test('a child named with glob characters subscribes its own channels only, and unsubscribes when freed', T, async () => {
    await waitFor(async () => (await numpat()) === 2, 'the patterns of "/" and "/chat"', 10000, 100);
    const s = await clients.connect(A, '/dyn-a*', WS);
    await waitFor(async () => (await numpat()) === 3, 'the child subscribed its pattern', 10000, 100);
    // Its own broadcast channels reach it (the message itself is dropped)...
    assert.equal(await publish('socket.io#/dyn-a*#'), 1);
    assert.equal(await publish('socket.io#/dyn-a*#room#'), 1);
    // ...those of other namespaces do not: "*" there is no wildcard.
    assert.equal(await publish('socket.io#/dyn-abc#'), 0);
    assert.equal(await publish('socket.io#/dyn-abc#room#'), 0);
    assert.equal(await publish('socket.io#/dyn-a#'), 0);
    s.disconnect();
    await waitFor(async () => (await numpat()) === 2, 'the empty child unsubscribed its pattern', 10000, 100);
    const numsub = await rc.command('PUBSUB', 'NUMSUB', 'socket.io-request#/dyn-a*#');
    assert.equal(Number(numsub[1]), 0, 'its request channel too');
    assert.equal(A.exited(), null, `A still runs: ${A.stderr().slice(-2000)}`);
  });

  test('killed subscriber connections are noticed, reconnected and resubscribed', T, async () => {
    const a = await clients.connect(A, '/', WS);
    const b = await clients.connect(B, '/', WS);
    await clients.connect(A, '/dyn-k', WS);
    await waitFor(async () => (await ack(a, 'server-count')) === 2, 'A counts 2', 10000, 100);
    await waitFor(async () => (await numpat()) === 3, 'the patterns before', 10000, 100);

    const killed = Number(await rc.command('CLIENT', 'KILL', 'TYPE', 'pubsub'));
    assert.ok(killed >= 2, `killed ${killed} subscriber connections`);

    // Every channel comes back: the patterns, and A's "/dyn-k" child's own.
    await waitFor(async () => (await numpat()) === 3, 'the patterns subscribed again', 15000, 100);
    await waitFor(async () => (await publish('socket.io#/dyn-k#')) === 1, 'the child resubscribed', 15000, 100);
    // Cross-node delivery works again, both ways.
    for (const [from, to, ev] of [[a, b, 'ab'], [b, a, 'ba']]) {
      const rec = record(to, ev);
      await waitFor(async () => {
        await ackIn(3000, from, 'to-rooms', {}, ev, 1).catch(() => {});
        await sleep(100);
        return rec.got.length > 0;
      }, `${ev}: cross-node delivery after the kill`, 15000, 0);
    }
    for (const srv of [A, B]) assert.match(srv.stderr(), /subscriber/, `${srv.name} logged the lost subscriber`);

    clients.closeAll();
    await Promise.all([stopClean(A), stopClean(B)]);
  });
});
