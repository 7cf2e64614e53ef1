// Many clients at once against tests/servers/sio_test_server.c: 1000
// socket.io-client sockets connected at the same time, over WebSocket, over
// polling, and upgraded from polling to WebSocket, all receive one broadcast,
// which the server encodes once (its stats counters prove it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { spawnServer } from './lib/spawn.mjs';

let srv;
before(async () => {
  srv = await spawnServer('sio_test_server');
});
after(async () => {
  const r = await srv.stop();
  assert.equal(r.code, 0, `server exit: ${JSON.stringify(r)} stderr: ${srv.stderr()}`);
});

// upgraded: wait until every client has moved to websocket before the broadcast.
async function battery(n, transports, upgraded = false) {
  const socks = [];
  try {
    await Promise.all(
      Array.from({ length: n }, () => new Promise((resolve, reject) => {
        const s = io(`http://127.0.0.1:${srv.port}`, { forceNew: true, reconnection: false, transports });
        socks.push(s);
        let authed = false;
        let up = !upgraded;
        const maybe = () => authed && up && resolve();
        s.once('auth', () => ((authed = true), maybe()));
        if (upgraded) s.io.on('open', () => s.io.engine.once('upgrade', () => ((up = true), maybe())));
        s.once('connect_error', reject);
      })),
    );
    if (upgraded) assert.ok(socks.every((s) => s.io.engine.transport.name === 'websocket'));
    let got = 0;
    const all = new Promise((resolve) =>
      socks.forEach((s) => s.once('big', (v) => {
        assert.deepEqual(v, { hello: 'world', n: [1, 2, 3] });
        if (++got === n) resolve();
      })),
    );
    const st0 = await socks[0].timeout(10000).emitWithAck('stats');
    const count = await socks[0].timeout(10000).emitWithAck('broadcast-all', 'big', { hello: 'world', n: [1, 2, 3] });
    assert.equal(count, n);
    await all;
    const st1 = await socks[0].timeout(10000).emitWithAck('stats');
    // st0's ack, the broadcast, its ack: three encodes for n + 2 deliveries
    assert.equal(st1.encodes - st0.encodes, 3);
    assert.equal(st1.deliveries - st0.deliveries, n + 2);
  } finally {
    socks.forEach((s) => s.disconnect());
  }
}

test('1000 websocket clients receive one broadcast, encoded once', { timeout: 60000 }, () => battery(1000, ['websocket']));
test('1000 polling clients receive one broadcast, encoded once', { timeout: 60000 }, () => battery(1000, ['polling']));
test('1000 upgrading clients receive one broadcast, encoded once', { timeout: 60000 }, () => battery(1000, ['polling', 'websocket'], true));
