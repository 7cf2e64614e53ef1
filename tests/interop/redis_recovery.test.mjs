// Connection state recovery with the classic Redis adapter: two
// sio_cluster_server nodes (A and B, --recovery) on one throwaway
// redis-server. Each node keeps, in memory, the packets its own
// disconnected sessions miss, whether they were broadcast on that node or
// came from the other one: a socket.io-client 4.8 client of A drops its
// transport, broadcasts come from B (to its room, to everybody, to a room it
// is not in) and from A, and back on A it is recovered (same id, its room)
// with exactly the missed packets, in order, once. Node's own Redis adapter
// does not recover sessions, so there is no reference run.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis } from './lib/redis.mjs';
import {
  Clients, once, ack, waitFor, WS, POLLING, awaitCluster, spawnClusterServers, stopCluster,
} from './lib/cluster.mjs';

const T = { timeout: 20000 };

let redis;
let A;
let B;
const clients = new Clients();

before(async () => {
  redis = await startRedis();
  [A, B] = await spawnClusterServers(['A', 'B'], redis.url, ['--recovery']);
  await awaitCluster(clients, [A, B], 2);
});

after(() => stopCluster({ clients, clean: [A, B], redis }));

const got = (s, names) => s.got.filter(([ev]) => names.includes(ev)).map(([ev, n]) => [ev, n]);

for (const [label, opts] of [
  ['websocket', WS],
  ['polling', POLLING],
]) {
  describe(`recovery on the node the client comes back to (${label})`, () => {
    test('missed packets from both nodes, in order, once', T, async () => {
      const c = await clients.connect(A, '/', opts);
      c.got = [];
      c.onAny((ev, ...args) => c.got.push([ev, ...args]));
      const w = await clients.connect(A, '/', opts); // a witness on A, in the same room
      w.got = [];
      w.onAny((ev, ...args) => w.got.push([ev, ...args]));
      const b = await clients.connect(B, '/', opts);
      const room = `rec-${label}`;
      await ack(c, 'join', room);
      await ack(w, 'join', room);
      // A first event: the client now holds an offset.
      const first = once(c, 'first');
      await ack(b, 'to-rooms', { to: [room] }, 'first');
      await first;
      const id = c.id;

      const gone = once(c, 'disconnect');
      c.io.engine.close();
      await gone;
      // A knows it is gone once its room holds the witness only.
      await waitFor(async () => (await ack(w, 'fetch', room)).every((s) => s.id !== id), 'A saw the disconnection');

      await ack(b, 'to-rooms', { to: [room] }, 'm1', 1);
      await ack(b, 'to-rooms', {}, 'm2', 2);
      await ack(b, 'to-rooms', { to: ['elsewhere'] }, 'not-mine', 0);
      await waitFor(() => got(w, ['m1', 'm2']).length === 2, 'the witness got m1 and m2');
      await ack(w, 'to-rooms', { to: [room], except: [w.id] }, 'm3', 3);

      c.got = [];
      const back = once(c, 'connect');
      c.connect();
      await back;
      assert.equal(c.recovered, true);
      assert.equal(c.id, id);
      // Everything sent after the reconnection comes after the replay.
      const done = once(c, 'done');
      await ack(b, 'to-rooms', { to: [room] }, 'done');
      await done;
      assert.deepEqual(got(c, ['m1', 'm2', 'm3', 'not-mine', 'first']), [
        ['m1', 1],
        ['m2', 2],
        ['m3', 3],
      ]);
      c.disconnect();
      w.disconnect();
      b.disconnect();
    });
  });
}
