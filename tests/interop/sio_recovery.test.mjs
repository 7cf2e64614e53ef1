// Connection state recovery: the official socket.io-client 4.8 against
// build/conformance_server --recovery, over polling, websocket and upgrade.
// The client asks for events to be sent later (to itself, to a room it
// joined, to the whole namespace, volatile, with an ack), drops its
// transport, and comes back: it must be recovered (same id, its rooms) and
// get the missed events in order, exactly once, but neither the volatile nor
// the acked one. Negative cases: a session past its maximum disconnection
// duration, an unknown private id, a client-side disconnect, and (ours
// only) a client whose offset the byte bound pushed out. Every case also
// runs against the Node reference (ref/sio_conformance_ref.mjs with
// connectionStateRecovery), so the test checks the reference's behaviour.
// Our C client (tests/servers/client_driver/scenario_recovery.c) recovers
// against both servers too.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { spawnServer } from './lib/spawn.mjs';
import { TRANSPORTS, runDriver, assertPass } from './lib/client_run.mjs';
import { once } from './lib/events.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const T = { timeout: 20000 };
const SHORT_MS = 300; // the maximum disconnection duration of the "short" servers
const SMALL_BYTES = 4096; // the byte bound of our "small" server
const MODES = [
  { name: 'polling', opts: { transports: ['polling'] } },
  { name: 'websocket', opts: { transports: ['websocket'] } },
  { name: 'upgrade', opts: {} },
];

function spawnRef(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [path.join(here, 'ref', 'sio_conformance_ref.mjs'), '--port', '0', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const exitP = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
    proc.on('exit', (code) => reject(new Error(`reference exited early (${code})`)));
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m)
        resolve({
          port: Number(m[1]),
          stop: () => {
            proc.kill('SIGTERM');
            return exitP;
          },
        });
    });
  });
}

async function spawnOurs(args) {
  const s = await spawnServer('conformance_server', args);
  return { port: s.port, stop: () => s.stop(), stderr: s.stderr };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A client that records every event it receives, with its arguments.
async function connect(port, mode) {
  const s = io(`http://127.0.0.1:${port}/`, { forceNew: true, reconnection: false, ...mode.opts });
  s.got = [];
  s.onAny((ev, ...args) => s.got.push([ev, ...args]));
  const authP = once(s, 'auth');
  await once(s, 'connect');
  if (mode.name === 'upgrade' && s.io.engine.transport.name !== 'websocket') await once(s.io.engine, 'upgrade');
  await authP; // the first event: the client now has an offset
  return s;
}

// Drops the transport (a recoverable disconnection for the server).
async function drop(s) {
  const gone = once(s, 'disconnect');
  s.io.engine.close();
  await gone;
}

async function reconnect(s) {
  const ok = once(s, 'connect');
  s.connect();
  await ok;
  // The events sent after the connection prove everything before it came.
  const done = once(s, 'done');
  s.emit('emit-later', 0, 'done');
  await done;
}

const names = (s, keep) => s.got.filter(([ev]) => keep.includes(ev));

// 'adapter': ours with sessions kept through a cluster adapter's
// persist_session / restore_session (tools/conformance_server/recovery_adapter.c).
// With workers (SIO_TEST_WORKERS), 'ours' keeps sessions in worker 0's store
// and 'adapter' hands them to the adapter on worker 0, whatever worker the
// client lands on.
for (const server of ['ours', 'ref', 'adapter']) {
  describe(`recovery against ${server}`, () => {
    let srv, short, small;
    before(async () => {
      const start = server === 'ref' ? spawnRef : spawnOurs;
      srv = await start([server === 'adapter' ? '--recovery-adapter' : '--recovery']);
      if (server !== 'adapter') short = await start(['--recovery-duration', String(SHORT_MS)]);
      // Our byte bound (Node has none).
      if (server === 'ours') small = await start(['--recovery-max-bytes', String(SMALL_BYTES)]);
    });
    after(async () => {
      for (const s of [srv, short, small]) {
        if (!s) continue;
        const r = await s.stop();
        if (server !== 'ref') assert.equal(r.code, 0, `server exit: ${JSON.stringify(r)} ${s.stderr()}`);
      }
    });

    test('the C client recovers over every transport', T, async () => {
      const url = `http://127.0.0.1:${srv.port}`;
      // One at a time: the broadcasts of one run would reach the others.
      for (const t of TRANSPORTS) assertPass(await runDriver(url, t, 'recovery'), `${server}/${t}/recovery`);
    });

    for (const mode of MODES) {
      test(`${mode.name}: missed events to the socket, its room and the namespace come back in order, once`, T, async () => {
        const s = await connect(srv.port, mode);
        const other = await connect(srv.port, mode);
        try {
          await s.timeout(5000).emitWithAck('join', 'r1');
          await s.timeout(5000).emitWithAck('set-data', { user: 'ann', n: [1, 2] });
          const id = s.id;
          s.emit('emit-later', 150, 'e1', 1);
          s.emit('room-later', 200, 'r1', 'e2', 2);
          s.emit('volatile-later', 225, 'vol', 0);
          s.emit('ack-later', 250, 'acked', 0);
          s.emit('broadcast-later', 300, 'e3', 3, { x: [1] });
          s.emit('emit-later', 350, 'e4', 'four');
          // Flushed before the transport goes (the client sends in order).
          await s.timeout(5000).emitWithAck('join', 'r2');
          await drop(s);
          await sleep(700); // every event above is sent while the client is away
          s.got = [];
          await reconnect(s);
          assert.equal(s.recovered, true);
          assert.equal(s.id, id);
          assert.deepEqual(await s.timeout(5000).emitWithAck('get-data'), { user: 'ann', n: [1, 2] });
          // The connection handlers ran again (they emit `auth`), after the replay.
          const all = s.got.map(([ev]) => ev);
          assert.equal(all.filter((ev) => ev === 'auth').length, 1);
          assert.ok(all.indexOf('auth') > all.indexOf('e4'), all.join());
          const got = names(s, ['e1', 'e2', 'e3', 'e4', 'vol', 'acked']);
          assert.deepEqual(
            got.map(([ev, first]) => [ev, first]),
            [
              ['e1', 1],
              ['e2', 2],
              ['e3', 3],
              ['e4', 'four'],
            ],
          );
          // Each carries its offset as its last argument.
          for (const ev of got) assert.equal(typeof ev[ev.length - 1], 'string');
          // Through the test adapter, the offsets are the adapter's own.
          if (server === 'adapter') for (const ev of got) assert.match(ev[ev.length - 1], /^x\d+$/);
          assert.deepEqual(got[2].slice(1, 3), [3, { x: [1] }]);
          // Its rooms came back: a broadcast to r1 reaches it.
          const inRoom = once(s, 'hello-r1');
          s.emit('room-later', 0, 'r1', 'hello-r1');
          await inRoom;
          // The other client got the broadcast once, live.
          assert.equal(names(other, ['e3']).length, 1);
        } finally {
          s.disconnect();
          other.disconnect();
        }
      });

      test(`${mode.name}: past the maximum disconnection duration the client gets a new session`, T, async (t) => {
        if (!short) return t.skip('the test adapter keeps sessions for ever');
        const s = await connect(short.port, mode);
        try {
          const id = s.id;
          await drop(s);
          await sleep(SHORT_MS * 3);
          await reconnect(s);
          assert.equal(s.recovered, false);
          assert.notEqual(s.id, id);
        } finally {
          s.disconnect();
        }
      });

      test(`${mode.name}: packets pushed out by the byte bound make a new session (ours)`, T, async (t) => {
        if (!small) return t.skip('the reference has no bound');
        const s = await connect(small.port, mode);
        try {
          const id = s.id;
          // Each about 1 KB: the later ones push the client's offset out.
          for (let i = 0; i < 8; i++) s.emit('emit-later', 200, 'big', 'x'.repeat(1000));
          await s.timeout(5000).emitWithAck('join', 'r1');
          await drop(s);
          await sleep(600);
          s.got = [];
          await reconnect(s);
          assert.equal(s.recovered, false);
          assert.notEqual(s.id, id);
          assert.deepEqual(names(s, ['big']), []);
        } finally {
          s.disconnect();
        }
      });

      test(`${mode.name}: an unknown private id gets a new session`, T, async () => {
        const s = await connect(srv.port, mode);
        try {
          const id = s.id;
          await drop(s);
          s._pid = 'AAAAAAAAAAAAAAAAAAAA';
          await reconnect(s);
          assert.equal(s.recovered, false);
          assert.notEqual(s.id, id);
        } finally {
          s.disconnect();
        }
      });

      test(`${mode.name}: after a client-side disconnect nothing is recovered`, T, async () => {
        const s = await connect(srv.port, mode);
        // Another namespace keeps the Engine.IO session open, so the server
        // sees the namespace's DISCONNECT and never a transport closing.
        const keep = s.io.socket('/custom');
        try {
          await new Promise((r) => (keep.connected ? r() : keep.once('connect', r)));
          const id = s.id;
          s.emit('emit-later', 100, 'e1', 1);
          await s.timeout(5000).emitWithAck('join', 'r1');
          s.disconnect();
          await sleep(300);
          s.got = [];
          await reconnect(s);
          assert.equal(s.recovered, false);
          assert.notEqual(s.id, id);
          assert.deepEqual(names(s, ['e1']), []);
        } finally {
          s.disconnect();
          keep.disconnect();
        }
      });
    }
  });
}
