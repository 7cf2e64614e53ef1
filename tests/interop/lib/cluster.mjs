// Shared pieces of the Redis cluster tests (tests/interop/redis_*.test.mjs):
// start cluster servers (our sio_cluster_server, or the Node reference
// ref/sio_cluster_ref_server.mjs), run an emitter command, connect
// socket.io-client 4.8 clients, and small waiting helpers.
//
// SIO_CLUSTER_SERVER=ref runs the Node reference in place of
// sio_cluster_server, and SIO_REDIS_EMIT=ref runs ref/redis_emit_ref.mjs
// (@socket.io/redis-emitter) in place of redis_emit: that checks the tests
// themselves against Node.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import { programPath, withWorkers } from './spawn.mjs';
import { once } from './events.mjs';

export { once, sleep };

const here = path.dirname(fileURLToPath(import.meta.url));
export const REF_SERVER = path.join(here, '..', 'ref', 'sio_cluster_ref_server.mjs');
export const REF_EMIT = path.join(here, '..', 'ref', 'redis_emit_ref.mjs');
export const clusterIsRef = process.env.SIO_CLUSTER_SERVER === 'ref';
export const emitIsRef = process.env.SIO_REDIS_EMIT === 'ref';

// Asserts the count n that a broadcast or a selection operation (sockets-join,
// sockets-leave) returned on server srv: its local recipients, total of them.
// A server of one worker (and every Node server) counts them all. On a server
// of several workers the count is the emitting worker's share (the others'
// recipients get the packet posted, uncounted; docs/SCALING.md, "Counts with
// workers"), so it is only bounded here: the callers check the total through
// what the clients received.
export function assertLocalCount(srv, n, total, what = '') {
  const where = `${srv.name}${what ? `: ${what}` : ''}`;
  if (srv.workers > 1) assert.ok(Number.isInteger(n) && n >= 0 && n <= total, `${where}: ${n}, one worker's share of ${total}`);
  else assert.equal(n, total, where);
}

// Every server process still running when this test process ends is killed.
const live = new Set();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

// Spawns cmd args; resolves once it prints `listening on 127.0.0.1:PORT`
// with { port, name, workers, proc, stdout(), stderr(), exited(), stop() }. stop()
// sends SIGTERM (SIGKILL after 5 s) and resolves with { code, signal }.
function spawnListening(label, cmd, args, { env, timeoutMs = 15000, workers = 1 } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    live.add(proc);
    let out = '';
    let err = '';
    let started = false;
    let exited = null;
    const exitP = new Promise((r) =>
      proc.on('exit', (code, signal) => {
        live.delete(proc);
        r((exited = { code, signal }));
      }),
    );
    const timer = setTimeout(() => fail(new Error(`${label}: no "listening on" line after ${timeoutMs} ms`)), timeoutMs);
    function fail(e) {
      if (started) return;
      started = true;
      clearTimeout(timer);
      proc.kill('SIGKILL');
      e.message += `\nstdout: ${out.slice(-2000)}\nstderr: ${err.slice(-2000)}`;
      reject(e);
    }
    proc.on('error', fail);
    proc.on('exit', (code, signal) => fail(new Error(`${label} exited early (code ${code}, signal ${signal})`)));
    proc.stderr.on('data', (d) => {
      err += d;
      if (err.length > 262144) err = err.slice(-131072);
      if (process.env.SIO_TEST_VERBOSE) process.stderr.write(`[${label}] ${d}`);
    });
    proc.stdout.on('data', (d) => {
      out += d;
      if (process.env.SIO_TEST_VERBOSE) process.stderr.write(`[${label}] ${d}`);
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m && !started) {
        started = true;
        clearTimeout(timer);
        resolve({
          port: Number(m[1]),
          name: label,
          workers,
          proc,
          stdout: () => out,
          stderr: () => err,
          exited: () => exited,
          async stop() {
            if (!exited) {
              proc.kill('SIGTERM');
              const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
              await exitP;
              clearTimeout(t);
            }
            return exited;
          },
        });
      }
    });
  });
}

function serverArgs(name, redisUrl, extra) {
  return ['--port', '0', '--redis', redisUrl, '--name', name, ...extra];
}

// The Node reference server (socket.io 4.8.4 + @socket.io/redis-adapter).
export function spawnRefServer(name, redisUrl, extra = []) {
  return spawnListening(`${name}(node)`, process.execPath, [REF_SERVER, ...serverArgs(name, redisUrl, extra)]);
}

// sio_cluster_server of the build (or the reference with SIO_CLUSTER_SERVER=ref),
// with SIO_TEST_WORKERS's worker count (lib/spawn.mjs).
export function spawnClusterServer(name, redisUrl, extra = []) {
  if (clusterIsRef) return spawnRefServer(name, redisUrl, extra);
  // Under ASan, keep the quarantine small (other ASAN_OPTIONS are kept).
  const asan = process.env.ASAN_OPTIONS ? `${process.env.ASAN_OPTIONS}:` : '';
  const args = withWorkers('sio_cluster_server', serverArgs(name, redisUrl, extra));
  const w = args.indexOf('--workers');
  return spawnListening(`${name}(c)`, programPath('sio_cluster_server'), args, {
    env: { ASAN_OPTIONS: `${asan}quarantine_size_mb=16` },
    workers: w >= 0 ? Number(args[w + 1]) : 1,
  });
}

// One cluster server per name (spawnClusterServer), all with the same extra
// arguments; resolves with them in the order of names.
export function spawnClusterServers(names, redisUrl, extra = []) {
  return Promise.all(names.map((n) => spawnClusterServer(n, redisUrl, extra)));
}

// The after hook of a cluster test: closes the clients, then stops the
// servers (each of `clean` must exit cleanly, see stopClean; `others`, Node
// references beside them, are just stopped), then redis, even when a server
// failed its check. Servers not started (undefined) are passed over.
export async function stopCluster({ clients, clean = [], others = [], redis }) {
  clients.closeAll();
  try {
    await Promise.all([
      ...clean.filter(Boolean).map(stopClean),
      ...others.filter(Boolean).map((s) => s.stop()),
    ]);
  } finally {
    if (redis) await redis.stop();
  }
}

// Stops a server and requires a clean exit 0 (under ASan a leak makes it non-zero).
export async function stopClean(srv) {
  const r = await srv.stop();
  assert.deepEqual(r, { code: 0, signal: null }, `${srv.name} exit ${JSON.stringify(r)}; stderr: ${srv.stderr().slice(-4000)}`);
}

// Runs redis_emit (or the Node emitter with SIO_REDIS_EMIT=ref) with args;
// resolves once it exited 0.
export function runEmit(redisUrl, args, ms = 10000) {
  const [cmd, full] = emitIsRef
    ? [process.execPath, [REF_EMIT, '--redis', redisUrl, ...args]]
    : [programPath('redis_emit'), ['--redis', redisUrl, ...args]];
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, full, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(p);
    let err = '';
    p.stdout.on('data', (d) => (err += d));
    p.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => p.kill('SIGKILL'), ms);
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      live.delete(p);
      clearTimeout(t);
      if (code === 0) resolve(err);
      else reject(new Error(`redis_emit ${full.slice(emitIsRef ? 3 : 2).join(' ')}: exit ${code} ${signal ?? ''}: ${err}`));
    });
  });
}

// ---------------------------------------------------------------- clients

export const WS = { transports: ['websocket'] };
export const POLLING = { transports: ['polling'] };

// A set of socket.io-client sockets, all disconnected by closeAll().
export class Clients {
  constructor() {
    this.list = [];
  }

  // Resolves with a connected socket to srv's namespace nsp.
  async connect(srv, nsp = '/', opts = {}) {
    const s = io(`http://127.0.0.1:${srv.port}${nsp}`, { forceNew: true, reconnection: false, ...opts });
    this.list.push(s);
    await new Promise((resolve, reject) => {
      const done = (e) => {
        clearTimeout(t);
        s.off('connect', ok);
        s.off('connect_error', ko);
        if (e) reject(new Error(`connect to ${srv.name}${nsp}: ${e.message}`));
        else resolve();
      };
      const ok = () => done(null);
      const ko = (e) => done(e);
      const t = setTimeout(() => done(new Error('no connect within 10000 ms')), 10000);
      s.on('connect', ok);
      s.on('connect_error', ko);
    });
    return s;
  }

  // A socket to srv's namespace nsp, not connected yet (call connect()).
  connectLater(srv, nsp = '/', opts = {}) {
    const s = io(`http://127.0.0.1:${srv.port}${nsp}`, { forceNew: true, reconnection: false, autoConnect: false, ...opts });
    this.list.push(s);
    return s;
  }

  closeAll() {
    while (this.list.length) this.list.pop().disconnect();
  }
}

// An acknowledged emit (5 s, or ms).
export function ack(s, ...args) {
  return s.timeout(5000).emitWithAck(...args);
}
export function ackIn(ms, s, ...args) {
  return s.timeout(ms).emitWithAck(...args);
}

// Records every `ev` a socket gets: rec.got is a list of argument arrays.
export function record(s, ev) {
  const rec = { got: [] };
  s.on(ev, (...args) => rec.got.push(args));
  return rec;
}

// Polls fn (sync or async) until it returns a truthy value; rejects after ms
// with what (a string, or a function giving one), and the last value seen.
export async function waitFor(fn, what, ms = 5000, every = 50) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) {
      const w = typeof what === 'function' ? what() : what;
      throw new Error(`${w}: not within ${ms} ms (last: ${JSON.stringify(last)})`);
    }
    await sleep(every);
  }
}

// Waits until rec has n events, then a quiet period (to see extra ones).
export async function expectEvents(rec, n, what, { ms = 5000, quiet = 200 } = {}) {
  await waitFor(() => rec.got.length >= n, () => `${what}: ${n} event(s) expected, got ${JSON.stringify(rec.got)}`, ms);
  await sleep(quiet);
  return rec.got;
}

// Waits until socket s's server counts n servers (NUMSUB of its namespace).
export function waitForServerCount(s, n, what, ms = 10000, every = 100) {
  return waitFor(async () => (await ack(s, 'server-count')) === n, what, ms, every);
}

// Connects a client to each namespace of each server and waits until every
// one sees n servers, then closes those clients.
export async function awaitCluster(clients, servers, n, nsps = ['/', '/chat']) {
  for (const srv of servers) {
    for (const nsp of nsps) {
      const s = await clients.connect(srv, nsp, WS);
      await waitForServerCount(s, n, `${srv.name}${nsp}: server-count ${n}`);
    }
  }
  clients.closeAll();
}

