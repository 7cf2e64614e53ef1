// Smoke test of the benchmark programs (bench/, docs/PERFORMANCE.md): bench_server and ws_floor
// answer, and sio_load runs each mode once briefly against them. Correctness
// only: messages arrive and nothing fails. No timing is asserted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { spawnServer, programPath } from './lib/spawn.mjs';

let srv;
let floor;
before(async () => {
  const root = process.env.SIO_SOURCE_DIR || path.resolve('../..');
  srv = await spawnServer('bench_server', ['--static', path.join(root, 'examples/demo/public')]);
  floor = await spawnServer('ws_floor');
});
after(async () => {
  const r = await srv.stop();
  await floor.stop();
  assert.equal(r.code, 0, `bench_server exit: ${JSON.stringify(r)} stderr: ${srv.stderr()}`);
});

// Runs sio_load once and returns its JSON line.
function load(server, args) {
  const full = ['--port', String(server.port), '--server-pid', String(server.proc.pid),
    '--warmup', '0.2', '--duration', '0.8', ...args];
  return new Promise((resolve, reject) => {
    execFile(programPath('sio_load'), full, { timeout: 30000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop();
      let r;
      try {
        r = JSON.parse(line);
      } catch (e) {
        reject(new Error(`sio_load ${full.join(' ')}: no JSON line (${err}); stdout: ${stdout} stderr: ${stderr}`));
        return;
      }
      resolve(r);
    });
  });
}

function assertClean(r, conns) {
  assert.equal(r.errors, 0, `errors: ${r.first_error}`);
  assert.equal(r.failed, 0);
  assert.equal(r.closed_early, 0);
  assert.equal(r.connected, conns);
}

test('bench_server serves the demo page', async () => {
  const res = await fetch(`http://127.0.0.1:${srv.port}/index.html`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
});

test('echo over websocket', { timeout: 30000 }, async () => {
  const r = await load(srv, ['--mode', 'echo', '--conns', '4', '--inflight', '2']);
  assertClean(r, 4);
  assert.ok(r.messages > 0, 'round trips completed');
  assert.equal(r.samples, r.messages);
  assert.ok(r.server_cpu_s >= 0, 'server CPU read from /proc');
});

test('echo over websocket with acks', { timeout: 30000 }, async () => {
  const r = await load(srv, ['--mode', 'echo', '--conns', '4', '--acks']);
  assertClean(r, 4);
  assert.ok(r.messages > 0, 'acks received');
  // every acked message was also echoed as an event (within the window)
  assert.ok(r.deliveries >= r.messages - 8);
});

test('broadcast over websocket', { timeout: 30000 }, async () => {
  const r = await load(srv, ['--mode', 'bcast', '--conns', '10']);
  assertClean(r, 11);
  assert.ok(r.messages > 0, 'broadcasts completed');
  // A broadcast already partly delivered when the measurement window opened
  // is counted as completed in it with fewer deliveries: allow one such.
  assert.ok(r.deliveries >= (r.messages - 1) * 11, 'each reached the 10 receivers and the sender');
});

test('connect and hold idle sockets', { timeout: 30000 }, async () => {
  const r = await load(srv, ['--mode', 'connect', '--conns', '50', '--hold', '0.2']);
  assertClean(r, 50);
  assert.ok(r.handshakes_per_s > 0);
  assert.ok(r.server_rss_kib_after > 0, 'server RSS read from /proc');
});

test('echo over polling', { timeout: 30000 }, async () => {
  const r = await load(srv, ['--mode', 'echo', '--transport', 'polling', '--conns', '3', '--inflight', '2']);
  assertClean(r, 3);
  assert.ok(r.messages > 0);
});

test('broadcast over polling', { timeout: 30000 }, async () => {
  const r = await load(srv, ['--mode', 'bcast', '--transport', 'polling', '--conns', '3']);
  assertClean(r, 4);
  assert.ok(r.deliveries > 0);
});

test('the floor echoes, acks and broadcasts', { timeout: 30000 }, async () => {
  let r = await load(floor, ['--mode', 'echo', '--conns', '3']);
  assertClean(r, 3);
  assert.ok(r.messages > 0);
  r = await load(floor, ['--mode', 'echo', '--conns', '3', '--acks']);
  assertClean(r, 3);
  assert.ok(r.messages > 0);
  r = await load(floor, ['--mode', 'bcast', '--conns', '3']);
  assertClean(r, 4);
  assert.ok(r.messages > 0);
});
