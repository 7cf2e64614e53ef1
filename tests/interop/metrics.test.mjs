// The metrics endpoint (sio/metrics.h) of the demo started with --metrics:
// every scrape of /metrics passes Prometheus's own checker (`promtool check
// metrics`, text on stdin), and its counters move as a socket.io-client 4.8
// connects over polling, upgrades to WebSocket, emits, joins a room, gets a
// room broadcast, leaves, asks for an ack and disconnects. Only the path
// itself answers, and only GET and HEAD. (Node's socket.io has no metrics
// endpoint: there is no reference to run this against.) With --redis the
// adapter adds its link state and message counts, and they move too. The
// drops: a flood past the packet rate limit, and a client that never reads
// (volatile packets skipped, then closed over the write-queue cap, with the
// queue's high-water mark). Acks: pending while a client holds its reply,
// timed out when it never answers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { io } from 'socket.io-client';
import { spawnServer } from './lib/spawn.mjs';
import { startRedis } from './lib/redis.mjs';
import { rawTcp, wsUpgradeRequest, wsFrame, sleep } from './lib/hostile.mjs';

const src = process.env.SIO_SOURCE_DIR || path.join(import.meta.dirname, '..', '..');
const cleanup = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

// One scrape: the text, checked by promtool, and its samples by series
// ('name{labels}' as written) -> number.
async function scrape(port) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(check.error, undefined, `promtool: ${check.error}`);
  assert.equal(check.status, 0, `promtool check metrics:\n${check.stdout}${check.stderr}\n${text}`);
  const samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

function get(m, series) {
  assert.ok(m.has(series), `no series ${series}`);
  return m.get(series);
}

// Scrapes until pred(samples) holds (the server's side of a step may land a
// moment after the client sees its own).
async function until(port, pred, what) {
  for (let i = 0; i < 100; i++) {
    const m = await scrape(port);
    if (pred(m)) return m;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`metrics never showed: ${what}`);
}

// A server for one test, stopped after it: it must exit cleanly (under
// SIO_VALGRIND, 99 is a memory error).
async function serve(program, args) {
  const srv = await spawnServer(program, args);
  cleanup.push(async () => {
    const r = await srv.stop();
    assert.equal(r.code, 0, `${program} exit: ${JSON.stringify(r)}`);
  });
  return srv;
}

function response(s, data, ms = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no my_response ${data}`)), ms);
    s.on('my_response', function on(msg) {
      if (msg && (data instanceof RegExp ? data.test(msg.data) : msg.data === data)) {
        clearTimeout(t);
        s.off('my_response', on);
        resolve(msg);
      }
    });
  });
}

const WS = 'sio_sockets_connected{nsp="/",transport="websocket"}';
const POLL = 'sio_sockets_connected{nsp="/",transport="polling"}';
const IN_EVENT = 'sio_packets_received_total{type="event"}';
const OUT_EVENT = 'sio_packets_sent_total{type="event"}';

test('demo --metrics: promtool accepts the text and the counters follow a client',
  { timeout: 60000 }, async () => {
    const srv = await serve('demo', ['--metrics', '--tick', '3600000',
      '--static', path.join(src, 'examples', 'demo', 'public')]);
    const port = srv.port;

    const m0 = await scrape(port);
    assert.equal(get(m0, WS), 0);
    assert.equal(get(m0, POLL), 0);
    assert.equal(get(m0, 'sio_handshakes_total{transport="polling"}'), 0);
    assert.equal(get(m0, 'sio_engine_sessions'), 0);
    assert.ok(get(m0, 'sio_event_loop_lag_seconds') >= 0);

    // Connect over polling, then the upgrade.
    const s = io(`http://127.0.0.1:${port}`, { reconnection: false });
    cleanup.push(async () => s.close());
    const hello = response(s, 'Connected');
    await new Promise((resolve, reject) => {
      s.io.engine.once('upgrade', resolve);
      s.once('connect_error', reject);
    });
    await hello;
    const m1 = await until(port, (m) => get(m, WS) === 1, 'one WebSocket socket');
    assert.equal(get(m1, POLL), 0);
    assert.equal(get(m1, 'sio_handshakes_total{transport="polling"}'), 1);
    assert.equal(get(m1, 'sio_upgrades_total'), 1);
    assert.equal(get(m1, 'sio_engine_sessions'), 1);
    assert.equal(get(m1, 'sio_packets_received_total{type="connect"}'), 1);
    assert.equal(get(m1, 'sio_packets_sent_total{type="connect"}'), 1);
    assert.ok(get(m1, 'sio_received_bytes_total') > 0);

    // An emit and its answer.
    const echoed = response(s, 'hi');
    s.emit('my_event', { data: 'hi' });
    await echoed;
    const m2 = await until(port, (m) => get(m, IN_EVENT) > get(m1, IN_EVENT), 'the event in');
    assert.ok(get(m2, OUT_EVENT) > get(m1, OUT_EVENT));
    assert.ok(get(m2, 'sio_deliveries_total') > get(m1, 'sio_deliveries_total'));
    assert.ok(get(m2, 'sio_sent_bytes_total') > get(m1, 'sio_sent_bytes_total'));
    assert.ok(get(m2, 'sio_received_bytes_total') > get(m1, 'sio_received_bytes_total'));

    // A room joined, a broadcast to it, the room left.
    const joined = response(s, /^In rooms: .*lobby/);
    s.emit('join', { room: 'lobby' });
    await joined;
    const toRoom = response(s, 'to the lobby');
    s.emit('my_room_event', { room: 'lobby', data: 'to the lobby' });
    await toRoom;
    const m3 = await until(port, (m) => get(m, 'sio_broadcasts_total') > get(m2, 'sio_broadcasts_total'),
      'the room broadcast');
    assert.ok(get(m3, 'sio_packets_encoded_total') > get(m2, 'sio_packets_encoded_total'));
    const left = response(s, /^In rooms: (?!.*lobby)/);
    s.emit('leave', { room: 'lobby' });
    await left;
    const m4 = await until(port, (m) => get(m, IN_EVENT) >= get(m3, IN_EVENT) + 1, 'the leave');

    // An ack the server answers goes out as an ACK packet.
    await new Promise((resolve) => s.emit('my_ping', resolve));
    const m5 = await until(port, (m) => get(m, 'sio_packets_sent_total{type="ack"}') >
      get(m4, 'sio_packets_sent_total{type="ack"}'), 'the ack out');
    assert.equal(get(m5, 'sio_acks_pending'), 0);
    assert.equal(get(m5, 'sio_volatile_dropped_total'), 0);

    // The client leaves.
    s.disconnect();
    const m6 = await until(port, (m) => get(m, WS) === 0, 'no socket left');
    assert.equal(get(m6, 'sio_packets_received_total{type="disconnect"}'), 1);
    await until(port, (m) => get(m, 'sio_engine_sessions') === 0, 'no session left');

    // Only the path itself, and only GET and HEAD.
    const base = `http://127.0.0.1:${port}`;
    assert.equal((await fetch(`${base}/metricsx`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`, { method: 'POST', body: 'x' })).status, 405);
    const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

test('the demo without --metrics serves no /metrics', { timeout: 60000 }, async () => {
  const srv = await serve('demo', ['--tick', '3600000',
    '--static', path.join(src, 'examples', 'demo', 'public')]);
  assert.equal((await fetch(`http://127.0.0.1:${srv.port}/metrics`)).status, 404);
});

test('demo --metrics --redis: the Redis link is up and its messages are counted',
  { timeout: 60000 }, async () => {
    const redis = await startRedis();
    cleanup.push(() => redis.stop());
    const srv = await serve('demo', ['--metrics', '--tick', '3600000', '--redis', redis.url,
      '--static', path.join(src, 'examples', 'demo', 'public')]);
    const m0 = await until(srv.port, (m) => get(m, 'sio_redis_up') === 1, 'Redis up');
    assert.equal(get(m0, 'sio_redis_dropped_total{reason="queue_full"}'), 0);
    const s = io(`http://127.0.0.1:${srv.port}`, { transports: ['websocket'], reconnection: false });
    cleanup.push(async () => s.close());
    await response(s, 'Connected');
    // A broadcast is published, and comes back on the pattern subscription.
    const back = response(s, 'to all');
    s.emit('my_broadcast_event', { data: 'to all' });
    await back;
    await until(srv.port, (m) => get(m, 'sio_redis_published_total') > get(m0, 'sio_redis_published_total') &&
      get(m, 'sio_redis_received_total') > get(m0, 'sio_redis_received_total'), 'a message each way');
    // Redis gone: the link is down.
    await redis.kill();
    await until(srv.port, (m) => get(m, 'sio_redis_up') === 0, 'Redis down');
  });

test('sio_test_server --metrics --rate-limit: a flood closes the session and is counted',
  { timeout: 60000 }, async () => {
    const srv = await serve('sio_test_server', ['--metrics', '--rate-limit', '5']);
    const limit = 'sio_sessions_closed_over_limit_total{limit="rate"}';
    assert.equal(get(await scrape(srv.port), limit), 0);
    const s = io(`http://127.0.0.1:${srv.port}`, { transports: ['websocket'], reconnection: false });
    cleanup.push(async () => s.close());
    await new Promise((resolve, reject) => {
      s.once('connect', resolve);
      s.once('connect_error', reject);
    });
    const gone = new Promise((resolve) => s.once('disconnect', resolve));
    for (let i = 0; i < 50; i++) s.emit('flood', i);
    await gone;
    const m = await until(srv.port, (x) => get(x, limit) === 1, 'the rate-limit close');
    assert.equal(get(m, 'sio_sessions_closed_over_limit_total{limit="write_queue"}'), 0);
    assert.equal(get(m, WS), 0);
  });

test('sio_test_server --metrics --max-write-queue: a client that never reads',
  { timeout: 60000 }, async () => {
    const cap = 65536;
    const srv = await serve('sio_test_server', ['--metrics', '--max-write-queue', String(cap)]);
    // A Socket.IO client over a raw WebSocket that stops reading once joined.
    const slow = await rawTcp(srv.port);
    cleanup.push(async () => slow.destroy());
    const seen = async (re) => {
      for (let i = 0; i < 500 && !re.test(slow.data.toString('latin1')); i++) await sleep(10);
      assert.match(slow.data.toString('latin1'), re);
    };
    slow.write(wsUpgradeRequest(srv.port));
    await seen(/^HTTP\/1\.1 101 /);
    slow.write(wsFrame(1, '40'));
    await seen(/40\{"sid"/);
    slow.pause();
    const s = io(`http://127.0.0.1:${srv.port}`, { transports: ['websocket'], reconnection: false });
    cleanup.push(async () => s.close());
    await new Promise((resolve, reject) => {
      s.once('connect', resolve);
      s.once('connect_error', reject);
    });
    const closed = 'sio_sessions_closed_over_limit_total{limit="write_queue"}';
    const payload = 'b'.repeat(64 * 1024);
    let m = await scrape(srv.port);
    assert.equal(get(m, closed), 0);
    // Broadcasts to it (not to the sender) until its queue overflows; a
    // volatile one after each finds its queue busy once the kernel's buffers
    // are full.
    for (let i = 0; i < 600 && get(m, closed) === 0; i++) {
      await s.timeout(15000).emitWithAck('broadcast', 'big', payload);
      await s.timeout(15000).emitWithAck('volatile', 'v', i);
      if (i % 4 === 3) m = await scrape(srv.port);
    }
    m = await until(srv.port, (x) => get(x, closed) === 1, 'the write-queue close');
    assert.ok(get(m, 'sio_volatile_dropped_total') >= 1, 'no volatile packet dropped');
    assert.ok(get(m, 'sio_write_queue_high_water_bytes{transport="websocket"}') > 0);
    assert.equal(get(m, 'sio_sessions_closed_over_limit_total{limit="rate"}'), 0);
  });

test('sio_test_server --metrics: acks pending while the client holds them, timed out when it never answers',
  { timeout: 60000 }, async () => {
    const srv = await serve('sio_test_server', ['--metrics']);
    const s = io(`http://127.0.0.1:${srv.port}`, { transports: ['websocket'], reconnection: false });
    cleanup.push(async () => s.close());
    await new Promise((resolve, reject) => {
      s.once('connect', resolve);
      s.once('connect_error', reject);
    });
    let held;
    const asked = new Promise((resolve) => s.on('ask', (v, cb) => {
      held = cb;
      resolve();
    }));
    s.on('ignored', () => {}); // answers nothing
    // The server waits (a minute at most) for the reply the client holds.
    const answered = s.timeout(30000).emitWithAck('server-ack', 60000, 'ask', 1);
    await asked;
    const m1 = await until(srv.port, (m) => get(m, 'sio_acks_pending') === 1, 'one pending ack');
    assert.equal(get(m1, 'sio_acks_timed_out_total'), 0);
    held('ok');
    assert.equal((await answered).err, null);
    await until(srv.port, (m) => get(m, 'sio_acks_pending') === 0, 'no pending ack');
    // One the client never answers times out on the server.
    const r = await s.timeout(30000).emitWithAck('server-ack', 100, 'ignored', 2);
    assert.equal(r.err, 'ETIMEDOUT');
    const m2 = await until(srv.port, (m) => get(m, 'sio_acks_timed_out_total') === 1, 'the timeout');
    assert.equal(get(m2, 'sio_acks_pending'), 0);
  });
