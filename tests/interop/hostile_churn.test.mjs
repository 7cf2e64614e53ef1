// Hostile load: connect/disconnect churn. 5000 socket.io-client cycles over
// WebSocket (the 10,000 halved for a 2-core CI machine that also runs
// this under ASan; SIO_HOSTILE_CYCLES=10000 runs the full count), 50 in
// parallel at a time; each connects, gets its
// `auth` event, every other one does an acked emit, and disconnects. After a
// warm-up of 200 cycles sets the baseline, the server's sessions, connections
// and sockets return to it and RSS stays within baseline + 16 MiB, while a
// socket.io-client connected throughout keeps getting acks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { startServer, stopServer, rss, assertRssBound, goodClient, waitCounts, inBatches } from './lib/hostile.mjs';

const WARMUP = 200;
const CYCLES = Number(process.env.SIO_HOSTILE_CYCLES) || 5000; // SIO_HOSTILE_CYCLES=10000 for the full count
const WIDTH = 50;

let srv;
before(async () => {
  srv = await startServer();
});
after(() => stopServer(srv));

// One client: connected (its `auth` event seen), maybe an acked emit, gone.
async function cycle(i) {
  const s = io(`http://127.0.0.1:${srv.port}`, { forceNew: true, reconnection: false, transports: ['websocket'] });
  try {
    await new Promise((resolve, reject) => {
      s.once('auth', resolve);
      s.once('connect_error', reject);
    });
    if (i % 2 === 0) assert.equal(await s.timeout(15000).emitWithAck('echo-ack', i), i);
  } finally {
    s.disconnect();
  }
}

test(`${CYCLES} connect/disconnect cycles leave sessions and memory at their baseline`, { timeout: 60000 }, async () => {
  const good = await goodClient(srv.port);
  await inBatches(WARMUP, WIDTH, cycle);
  const base = await waitCounts(good.sock, (x) => x.eio <= 1 && x.sockets <= 1);
  const rss0 = rss(srv);

  for (let done = 0; done < CYCLES; done += 1000) {
    await inBatches(Math.min(1000, CYCLES - done), WIDTH, (k) => cycle(done + k));
    await good.moreAcks(1); // served in the middle of the churn
  }

  const c = await waitCounts(good.sock, (x) => x.eio <= base.eio && x.sockets <= base.sockets && x.http <= base.http);
  assert.deepEqual(c, base, 'sessions/connections/sockets not back at the baseline');
  assertRssBound(srv, rss0, 16, `${CYCLES} cycles`);
  const r = await good.stop();
  assert.deepEqual(r.failures, []);
});
