// examples/cluster: two demo servers sharing one Redis (demo --redis URL).
// A broadcast and a room event sent by a client of one demo reach the
// clients of the other, and a room joined on one server is seen by the other.
// With SIO_TEST_WORKERS=N (redis_demo@wN) each demo runs on N workers and has
// several clients, so the cluster's messages reach every worker's clients.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { io } from 'socket.io-client';
import { spawnServer, testWorkers } from './lib/spawn.mjs';
import { startRedis } from './lib/redis.mjs';

const src = process.env.SIO_SOURCE_DIR || path.join(import.meta.dirname, '..', '..');
const cleanup = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

function connect(port) {
  const s = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  cleanup.push(async () => s.close());
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

// The next my_response whose data is `data` (or matches it, a RegExp),
// within ms.
function response(s, data, ms = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no my_response ${JSON.stringify(data)}`)), ms);
    s.on('my_response', function on(msg) {
      if (msg && (data instanceof RegExp ? data.test(msg.data) : msg.data === data)) {
        clearTimeout(t);
        s.off('my_response', on);
        resolve(msg);
      }
    });
  });
}

test('two demos share broadcasts and rooms through Redis', { timeout: 60000 }, async () => {
  const redis = await startRedis();
  cleanup.push(() => redis.stop());
  const args = ['--tick', '3600000', '--static', path.join(src, 'examples', 'demo', 'public'),
    '--redis', redis.url];
  const [a, b] = await Promise.all([spawnServer('demo', args), spawnServer('demo', args)]);
  cleanup.push(() => a.stop(), () => b.stop());
  const [ca, cb] = await Promise.all([connect(a.port), connect(b.port)]);
  // More clients on each demo: with workers, spread over them.
  const extra = 2 * (testWorkers() - 1);
  const others = await Promise.all(Array.from({ length: 2 * extra }, (_, i) => connect(i % 2 ? b.port : a.port)));

  // The subscriptions may land a moment after the connection: retry the
  // first broadcast until it crosses.
  let crossed = false;
  for (let i = 0; i < 50 && !crossed; i++) {
    const got = response(cb, `hello ${i}`, 200).then(() => true, () => false);
    ca.emit('my_broadcast_event', { data: `hello ${i}` });
    crossed = await got;
  }
  assert.ok(crossed, 'a broadcast on demo A reached the client of demo B');
  const everyone = [ca, cb, ...others].map((s) => response(s, 'to everyone'));
  cb.emit('my_broadcast_event', { data: 'to everyone' });
  await Promise.all(everyone);

  // A room joined on B receives a room event sent from A.
  const joined = response(cb, /^In rooms: .*lobby/);
  cb.emit('join', { room: 'lobby' });
  await joined;
  const inRoom = response(cb, 'to the lobby');
  ca.emit('my_room_event', { room: 'lobby', data: 'to the lobby' });
  await inRoom;
});
