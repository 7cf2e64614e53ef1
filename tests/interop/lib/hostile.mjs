// Shared pieces of the hostile-load tests (tests/interop/hostile_*.test.mjs):
// start sio_test_server, read its resident memory, keep a well-behaved
// socket.io-client busy with acked emits during an attack, and open raw
// connections (TCP, WebSocket) that misbehave.
//
// Every load is bounded in count; the tests assert memory as a bound
// ("RSS after <= RSS before + N MiB") and never assert a duration.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import crypto from 'node:crypto';
import { execSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import { spawnServer } from './spawn.mjs';

export { sleep };

export const MiB = 1024 * 1024;

// Starts sio_test_server with args. Under ASan, freed memory sits in a
// quarantine (256 MiB by default) that would look like growth to an RSS
// bound: keep it small (other ASAN_OPTIONS are kept).
export function startServer(args = []) {
  const asan = process.env.ASAN_OPTIONS ? `${process.env.ASAN_OPTIONS}:` : '';
  return spawnServer('sio_test_server', args, {
    env: { ASAN_OPTIONS: `${asan}quarantine_size_mb=4:malloc_context_size=5` },
  });
}

// Stops the server and requires a clean exit (under ASan a leak makes it non-zero).
export async function stopServer(srv) {
  const r = await srv.stop();
  assert.deepEqual(r, { code: 0, signal: null }, `server exit ${JSON.stringify(r)}; stderr: ${srv.stderr().slice(-4000)}`);
}

// Resident memory of the server process, in bytes (VmRSS of /proc/<pid>/status).
export function rss(srv) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${srv.proc.pid}/status`, 'utf8'));
  assert.ok(m, 'no VmRSS');
  return Number(m[1]) * 1024;
}

export function assertRssBound(srv, before, slackMiB, what) {
  const after = rss(srv);
  const msg = `${what}: RSS before ${(before / MiB).toFixed(1)} MiB, after ${(after / MiB).toFixed(1)} MiB, bound +${slackMiB} MiB`;
  if (process.env.SIO_TEST_VERBOSE) console.error(msg);
  assert.ok(after <= before + slackMiB * MiB, msg);
  return after;
}

// The soft limit on open files of this process (each test connection is one fd here).
export function fdLimit() {
  try {
    return Number(execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim()) || 1024;
  } catch {
    return 1024;
  }
}

export function connectClient(port, opts = {}) {
  return new Promise((resolve, reject) => {
    const s = io(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false, transports: ['websocket'], ...opts });
    s.once('connect', () => resolve(s));
    s.once('connect_error', (e) => {
      s.close();
      reject(e);
    });
  });
}

// A well-behaved official client that emits `echo-ack` with an ack in a loop
// (one at a time) while an attack runs. stop() ends the loop and returns
// { acks, failures }: every emit must be acked with its own payload (the
// per-ack timeout is generous: a missing ack, not a slow one, is the failure).
export async function goodClient(port, { transports = ['websocket'], ackTimeoutMs = 15000, pauseMs = 20 } = {}) {
  const sock = await connectClient(port, { transports });
  let running = true;
  let acks = 0;
  const failures = [];
  const loop = (async () => {
    let n = 0;
    while (running) {
      n++;
      try {
        const r = await sock.timeout(ackTimeoutMs).emitWithAck('echo-ack', { n, pad: 'x'.repeat(64) });
        if (r?.n !== n) failures.push(`ack ${n}: wrong reply ${JSON.stringify(r).slice(0, 100)}`);
        else acks++;
      } catch (e) {
        failures.push(`ack ${n}: ${e.message}`);
        if (!sock.connected) break;
      }
      await sleep(pauseMs);
    }
  })();
  return {
    sock,
    acks: () => acks,
    // Waits until at least `k` more acks arrived (bounded by the ack timeout
    // per ack): proves the client is served *now*, during the attack.
    async moreAcks(k = 3) {
      const want = acks + k;
      const end = Date.now() + ackTimeoutMs * k;
      while (acks < want && Date.now() < end && failures.length === 0 && sock.connected) await sleep(10);
      assert.deepEqual(failures, [], 'the good client lost acks');
      assert.ok(acks >= want, `the good client got ${acks} acks, wanted ${want} (connected: ${sock.connected})`);
    },
    async stop() {
      running = false;
      await loop;
      const r = { acks, failures: failures.slice() };
      sock.disconnect();
      return r;
    },
  };
}

// Asks the test server for its session/connection counts through `sock`.
export function counts(sock) {
  return sock.timeout(15000).emitWithAck('counts');
}

// Polls `counts` until pred(counts) holds (at most `ms`); returns the last counts.
export async function waitCounts(sock, pred, ms = 15000) {
  const end = Date.now() + ms;
  let c;
  do {
    c = await counts(sock);
    if (pred(c)) return c;
    await sleep(100);
  } while (Date.now() < end);
  return c;
}

// Resolves with `p`'s value, or with `fallback` after `ms` (the timer is
// cleared either way, so it never holds the process open).
export function within(p, ms, fallback = undefined) {
  let t;
  return Promise.race([p, new Promise((r) => (t = setTimeout(() => r(fallback), ms)))]).finally(() => clearTimeout(t));
}

// A raw TCP connection with its close tracked.
export function rawTcp(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.data = Buffer.alloc(0);
    s.gone = false;
    s.whenClosed = new Promise((r) =>
      s.on('close', () => {
        s.gone = true;
        r();
      }),
    );
    s.on('data', (d) => {
      if (s.data.length < 4096) s.data = Buffer.concat([s.data, d]);
    });
    s.on('error', () => {});
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

// Opens `n` items with at most `width` in flight; resolves with the results.
export async function inBatches(n, width, open) {
  const out = [];
  for (let i = 0; i < n; i += width) {
    const batch = await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, k) => open(i + k)));
    out.push(...batch);
  }
  return out;
}

// A WebSocket upgrade request for Socket.IO, as raw bytes.
export function wsUpgradeRequest(port, query = '') {
  const key = crypto.randomBytes(16).toString('base64');
  return (
    `GET /socket.io/?EIO=4&transport=websocket${query} HTTP/1.1\r\n` +
    `Host: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`
  );
}

// A masked client WebSocket frame (opcode 1 text, 2 binary, 9 ping, 8 close).
export function wsFrame(opcode, payload) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const len = data.length;
  let head;
  if (len < 126) {
    head = Buffer.alloc(2);
    head[1] = 0x80 | len;
  } else if (len < 65536) {
    head = Buffer.alloc(4);
    head[1] = 0x80 | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  head[0] = 0x80 | opcode;
  const mask = crypto.randomBytes(4);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = data[i] ^ mask[i & 3];
  return Buffer.concat([head, mask, body]);
}
