// Closing a server whose clients sit on every worker (sio_cluster_server
// --workers W, W = 4 or SIO_TEST_WORKERS; SIGTERM closes it): every client,
// over websocket, polling or upgraded, is told and sees the disconnect
// reason the Node reference gives (ref/sio_cluster_ref_server.mjs
// --graceful: io.close() on SIGTERM), a broadcast queued just before the
// close reaches every client first (in-flight writes are finished), and the
// process exits cleanly (exit 0: every worker stopped and its loop closed).
// The reference runs first, and its reasons are the expected ones. Ours has
// no adapter; the reference sits on a throwaway redis-server (its program
// needs one).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis } from './lib/redis.mjs';
import { spawnRefServer, Clients, ack, waitFor, WS, POLLING } from './lib/cluster.mjs';
import { WORKERS, workersArgs, spawnAlone, spreadClients } from './lib/workers.mjs';

const T = { timeout: 60000 };
const MODES = [
  { name: 'websocket', opts: WS },
  { name: 'polling', opts: POLLING },
  { name: 'upgrade', opts: {} },
];
const BIG = 'z'.repeat(200 * 1024);

let redis;
const clients = new Clients();
let refReasons = null; // mode -> the reasons the reference's clients saw

before(async () => {
  redis = await startRedis();
});

after(async () => {
  clients.closeAll();
  await redis.stop();
});

afterEach(() => clients.closeAll());

// Clients of every mode on every worker; a broadcast of BIG from the last
// one, then SIGTERM. Resolves with { exit, reasons: mode -> sorted reasons,
// gotBig: per client whether BIG came before its disconnect }.
async function closeWithClients(srv, workers) {
  const all = [];
  for (const mode of MODES) {
    const list = await spreadClients(clients, srv, workers, { opts: mode.opts });
    for (const { s } of list) all.push({ s, mode: mode.name, reason: null, big: false });
  }
  for (const c of all) {
    c.s.on('big', (b) => (c.big = b === BIG && !c.reason));
    c.s.on('disconnect', (r) => (c.reason = r));
  }
  if (all.some((c) => c.mode === 'upgrade')) {
    await waitFor(() => all.every((c) => c.mode !== 'upgrade' || c.s.io.engine.transport.name === 'websocket'),
      'every upgrade done', 10000);
  }
  await ack(all[all.length - 1].s, 'to-rooms', {}, 'big', BIG);
  const exit = await srv.stop();
  await waitFor(() => all.every((c) => c.reason), () => `every client told: ${JSON.stringify(all.map((c) => [c.mode, c.reason]))}`, 10000);
  const reasons = {};
  for (const m of MODES) reasons[m.name] = [...new Set(all.filter((c) => c.mode === m.name).map((c) => c.reason))].sort();
  return { exit, reasons, gotBig: all.map((c) => `${c.mode}:${c.big}`), count: all.length };
}

test('Node reference: closing with clients connected', T, async (t) => {
  const N = await spawnRefServer('N', redis.url, ['--key', 'close-n', '--graceful']);
  t.after(() => N.stop());
  const r = await closeWithClients(N, 1);
  assert.deepEqual(r.exit, { code: 0, signal: null });
  assert.ok(r.gotBig.every((g) => g.endsWith(':true')), `every client got the broadcast first: ${r.gotBig}`);
  refReasons = r.reasons;
  t.diagnostic(`reasons: ${JSON.stringify(r.reasons)}`);
});

test(`C server of ${WORKERS} workers: closing with clients on every worker`, T, async (t) => {
  assert.ok(refReasons, 'the reference ran first');
  const C = await spawnAlone('C', workersArgs());
  t.after(() => C.stop()); // when the test failed before its close
  const r = await closeWithClients(C, WORKERS);
  assert.equal(r.count, MODES.length * WORKERS);
  assert.deepEqual(r.exit, { code: 0, signal: null }, C.stderr().slice(-4000));
  assert.ok(r.gotBig.every((g) => g.endsWith(':true')), `every client got the broadcast first: ${r.gotBig}`);
  assert.deepEqual(r.reasons, refReasons);
});
