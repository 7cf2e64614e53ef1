// The Admin UI's protocol (@socket.io/admin-ui 0.5), played by
// socket.io-client 4.8 against admin_test_server (libsio-admin) and, with the
// same script, against socket.io 4.8 instrumented by admin-ui's instrument()
// (ref/admin_ref_server.mjs): login with the bcrypt-hashed password (wrong
// ones refused, the session id accepted again), config, server_stats and its
// fields, all_sockets, socket_connected / room_joined / room_left /
// event_received / event_sent / socket_disconnected as a scripted client
// acts, the UI's actions (join, leave, _disconnect), read-only refusing
// them, production mode; then two nodes on a throwaway redis-server: both
// servers report to one admin, which lists and drives sockets on either.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { spawnServer, testWorkers } from './lib/spawn.mjs';
import { startRedis } from './lib/redis.mjs';
import { once, waitFor, sleep } from './lib/cluster.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REF = path.join(HERE, 'ref', 'admin_ref_server.mjs');
const USER = 'admin';
const PASS = 'sekret-pw';
const T = { timeout: 30000 };
// SIO_TEST_WORKERS: the C server's workers (each reports as a server).
const W = testWorkers();

// The C server, or the reference run through node (same flags).
function start(kind, args) {
  if (kind === 'c') return spawnServer('admin_test_server', ['--interval', '300', ...args]);
  return spawnNode(args);
}

async function spawnNode(args) {
  const { spawn } = await import('node:child_process');
  const proc = spawn(process.execPath, [REF, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const exitP = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`ref: no listening line; ${err}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
  });
  return {
    port,
    async stop() {
      proc.kill('SIGTERM');
      return exitP;
    },
  };
}

const open = [];
function client(srv, nsp, opts = {}) {
  const s = io(`http://127.0.0.1:${srv.port}${nsp}`, { forceNew: true, reconnection: false, ...opts });
  open.push(s);
  return s;
}
function closeAll() {
  while (open.length) open.pop().disconnect();
}

// Connects as the UI does; resolves { s, events } (every event recorded from
// the start, so nothing sent at connect is missed) or rejects with the
// connect_error.
function admin(srv, auth) {
  const s = client(srv, '/admin', { auth });
  const events = [];
  s.onAny((ev, ...args) => events.push([ev, ...args]));
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve({ s, events }));
    s.once('connect_error', (e) => reject(e));
  });
}

async function connected(s) {
  if (!s.connected) await once(s, 'connect', 10000);
  return s;
}

function waitEvent(a, pred, what, ms = 8000) {
  return waitFor(() => a.events.find((e) => pred(...e)), what, ms, 20);
}

const ack = (s, ...args) => s.timeout(5000).emitWithAck(...args);

for (const kind of ['c', 'ref']) {
  const label = kind === 'c' ? 'libsio-admin (C)' : 'Node reference (socket.io + admin-ui instrument())';

  describe(`admin UI protocol: ${label}`, () => {
    let srv;
    before(async () => {
      srv = await start(kind, ['--auth', `${USER}:${PASS}`, '--server-id', `srv-${kind}`]);
    });
    after(async () => {
      closeAll();
      if (srv) {
        const r = await srv.stop();
        if (kind === 'c') assert.deepEqual(r, { code: 0, signal: null });
      }
    });

    it('refuses a wrong password, a wrong user and no credentials', T, async () => {
      for (const auth of [{ username: USER, password: 'nope' }, { username: 'root', password: PASS }, {}]) {
        await assert.rejects(admin(srv, auth), (e) => e.message === 'invalid credentials');
      }
    });

    it('accepts the credentials: session, config, all_sockets; the session id logs in again', T, async () => {
      const a = await admin(srv, { username: USER, password: PASS });
      const [, sid] = await waitEvent(a, (ev) => ev === 'session', 'session');
      assert.match(sid, /^[0-9a-f]{16}$/);
      const [, cfg] = await waitEvent(a, (ev) => ev === 'config', 'config');
      assert.deepEqual([...cfg.supportedFeatures].sort(), [
        'AGGREGATED_EVENTS', 'ALL_EVENTS', 'DISCONNECT', 'EMIT', 'JOIN', 'LEAVE', 'MDISCONNECT', 'MJOIN', 'MLEAVE',
      ]);
      const [, all] = await waitEvent(a, (ev) => ev === 'all_sockets', 'all_sockets');
      const me = all.find((x) => x.id === a.s.id);
      assert.ok(me, 'the admin socket itself is listed');
      assert.equal(me.nsp, '/admin');
      assert.equal(me.handshake.auth, undefined, 'auth (the password) is never listed');
      assert.equal(typeof me.clientId, 'string');
      const again = await admin(srv, { sessionId: sid });
      assert.ok(again.s.connected);
      await assert.rejects(admin(srv, { sessionId: '0123456789abcdef' }), /invalid credentials/);
    });

    it('sends server_stats with every field', T, async () => {
      const a = await admin(srv, { username: USER, password: PASS });
      // With workers every worker's instance reports its own clients: the
      // stats of the worker that holds the admin's connection count it.
      const [, st] = await waitEvent(a, (ev, s) => ev === 'server_stats' && s.clientsCount >= 1,
        'server_stats counting the admin');
      if (kind === 'c' && W > 1) assert.match(st.serverId, /^srv-c#[0-9]+$/);
      else assert.equal(st.serverId, `srv-${kind}`);
      assert.equal(typeof st.hostname, 'string');
      assert.ok(Number.isInteger(st.pid) && st.pid > 0);
      assert.equal(typeof st.uptime, 'number');
      assert.ok(st.clientsCount >= 1, 'the admin itself is a client');
      assert.equal(typeof st.pollingClientsCount, 'number');
      assert.ok(Array.isArray(st.aggregatedEvents));
      const names = st.namespaces.map((n) => n.name).sort();
      for (const n of ['/', '/admin', '/chat']) assert.ok(names.includes(n), `namespace ${n} in ${names}`);
      assert.ok(st.namespaces.find((n) => n.name === '/admin').socketsCount >= 1);
      // The engine-level counters show up once a client connects and talks.
      const c = await connected(client(srv, '/', { transports: ['websocket'] }));
      c.emit('echo', 'count me');
      await waitFor(
        () => {
          const types = new Set();
          for (const [ev, s] of a.events) if (ev === 'server_stats') for (const e of s.aggregatedEvents) types.add(e.type);
          return ['rawConnection', 'packetsIn', 'packetsOut', 'bytesIn', 'bytesOut'].every((t) => types.has(t));
        },
        'aggregated events',
        8000,
      );
    });

    it('reports a client connecting, joining, leaving, sending, receiving and disconnecting', T, async () => {
      const a = await admin(srv, { username: USER, password: PASS });
      await waitEvent(a, (ev) => ev === 'config', 'config');
      const c = await connected(client(srv, '/chat', { transports: ['websocket'] }));
      const [, ser] = await waitEvent(a, (ev, s) => ev === 'socket_connected' && s.id === c.id, 'socket_connected');
      assert.equal(ser.nsp, '/chat');
      assert.equal(ser.transport, 'websocket');
      assert.deepEqual(ser.rooms, [c.id]);
      assert.equal(typeof ser.handshake.headers, 'object');
      assert.deepEqual(await ack(c, 'join', 'lobby'), [c.id, 'lobby']);
      await waitEvent(a, (ev, nsp, room, id) => ev === 'room_joined' && nsp === '/chat' && room === 'lobby' && id === c.id, 'room_joined');
      await ack(c, 'leave', 'lobby');
      await waitEvent(a, (ev, nsp, room, id) => ev === 'room_left' && nsp === '/chat' && room === 'lobby' && id === c.id, 'room_left');
      c.emit('echo', 'hi', 2);
      await waitEvent(a, (ev, nsp, id, args) => ev === 'event_received' && id === c.id && JSON.stringify(args) === '["echo","hi",2]', 'event_received');
      await waitEvent(a, (ev, nsp, id, args) => ev === 'event_sent' && id === c.id && JSON.stringify(args) === '["echo","hi",2]', 'event_sent');
      const b = await admin(srv, { username: USER, password: PASS });
      const [, all] = await waitEvent(b, (ev) => ev === 'all_sockets', 'all_sockets');
      assert.ok(all.find((x) => x.id === c.id && x.nsp === '/chat'), 'the client in all_sockets');
      const cid = c.id; // the client forgets its id once disconnected
      c.disconnect();
      const [, nsp, , reason] = await waitEvent(a, (ev, n, id) => ev === 'socket_disconnected' && id === cid, 'socket_disconnected');
      assert.equal(nsp, '/chat');
      assert.equal(reason, 'client namespace disconnect');
    });

    it('reports an upgrade from polling to WebSocket, and counts polling clients', T, async () => {
      const a = await admin(srv, { username: USER, password: PASS });
      await waitEvent(a, (ev) => ev === 'config', 'config');
      const p = await connected(client(srv, '/', { transports: ['polling'] }));
      await waitEvent(a, (ev, st) => ev === 'server_stats' && st.pollingClientsCount >= 1, 'a polling client counted');
      const u = await connected(client(srv, '/'));
      const [, first] = await waitEvent(a, (ev, s) => ev === 'socket_connected' && s.id === u.id, 'socket_connected');
      assert.equal(first.transport, 'polling');
      const [, upd] = await waitEvent(a, (ev, s) => ev === 'socket_updated' && s.id === u.id && s.transport, 'socket_updated');
      assert.deepEqual(upd, { id: u.id, nsp: '/', transport: 'websocket' });
      p.disconnect();
      u.disconnect();
    });

    it("performs the UI's join, leave and _disconnect on a socket", T, async () => {
      const a = await admin(srv, { username: USER, password: PASS });
      await waitEvent(a, (ev) => ev === 'config', 'config');
      const c = await connected(client(srv, '/', { transports: ['websocket'] }));
      a.s.emit('join', '/', 'by-admin', c.id);
      await waitEvent(a, (ev, nsp, room, id) => ev === 'room_joined' && room === 'by-admin' && id === c.id, 'room_joined by the UI');
      assert.deepEqual((await ack(c, 'join', 'own')).sort(), [c.id, 'by-admin', 'own'].sort());
      a.s.emit('leave', '/', 'by-admin', c.id);
      await waitEvent(a, (ev, nsp, room, id) => ev === 'room_left' && room === 'by-admin' && id === c.id, 'room_left by the UI');
      const gone = once(c, 'disconnect', 8000);
      const cid = c.id;
      a.s.emit('_disconnect', '/', false, cid);
      assert.equal((await gone)[0], 'io server disconnect');
      const [, , , reason] = await waitEvent(a, (ev, n, id) => ev === 'socket_disconnected' && id === cid, 'socket_disconnected');
      assert.equal(reason, 'server namespace disconnect');
    });

    // The UI adds clientsCount up over the servers it hears from (its
    // dashboard's client count), so with workers each worker reports its own
    // sessions: the sum is the clients connected, not W times them.
    it('reports clientsCount so that its sum over the servers is the clients connected', T, async () => {
      closeAll();
      const a = await admin(srv, { username: USER, password: PASS });
      const n = 3 * W;
      for (let i = 0; i < n; i++) await connected(client(srv, '/', { transports: ['websocket'] }));
      const expected = 1 + n; // the admin and the clients, every one an Engine.IO session
      // Only stats sent after every client connected; the newest per server.
      const mark = a.events.length;
      let sum = -1;
      await waitFor(() => {
        const newest = new Map();
        for (const [ev, st] of a.events.slice(mark)) if (ev === 'server_stats') newest.set(st.serverId, st.clientsCount);
        if (newest.size < (kind === 'c' ? W : 1)) return false;
        sum = [...newest.values()].reduce((x, y) => x + y, 0);
        return sum === expected;
      }, () => `clientsCount summed over the servers to be ${expected} (last sum ${sum})`, 10000);
      closeAll();
    });

    // With workers: each worker reports as a server ("srv-c#i"), and the
    // socket list and the UI's actions reach the sockets of every worker.
    const workersT = kind === 'c' && W > 1 ? T : { ...T, skip: 'a server of several workers only' };
    it('with workers: every worker reports, lists and disconnects every socket', workersT, async () => {
      const a = await admin(srv, { username: USER, password: PASS });
      await waitEvent(a, (ev) => ev === 'config', 'config');
      const want = Array.from({ length: W }, (_, i) => `srv-c#${i}`);
      await waitFor(() => {
        const ids = new Set(a.events.filter(([ev]) => ev === 'server_stats').map(([, st]) => st.serverId));
        return want.every((id) => ids.has(id));
      }, `server_stats from ${want}`, 10000);
      const cs = [];
      for (let i = 0; i < 4 * W; i++) cs.push(await connected(client(srv, '/', { transports: ['websocket'] })));
      const b = await admin(srv, { username: USER, password: PASS });
      const [, all] = await waitEvent(b, (ev) => ev === 'all_sockets', 'all_sockets');
      for (const c of cs) assert.ok(all.find((x) => x.id === c.id && x.nsp === '/'), `${c.id} in all_sockets`);
      const gone = cs.map((c) => once(c, 'disconnect', 8000));
      for (const c of cs) b.s.emit('_disconnect', '/', false, c.id);
      for (const g of gone) assert.equal((await g)[0], 'io server disconnect');
    });
  });

  describe(`admin UI protocol, read-only and production: ${label}`, () => {
    let ro;
    let prod;
    before(async () => {
      [ro, prod] = await Promise.all([
        start(kind, ['--auth', `${USER}:${PASS}`, '--readonly']),
        start(kind, ['--no-auth', '--production']),
      ]);
    });
    after(async () => {
      closeAll();
      for (const s of [ro, prod]) {
        if (!s) continue;
        const r = await s.stop();
        if (kind === 'c') assert.deepEqual(r, { code: 0, signal: null }, 'a clean exit');
      }
    });

    it('read-only: offers no action and ignores one sent anyway', T, async () => {
      const watcher = await admin(ro, { username: USER, password: PASS });
      const a = await admin(ro, { username: USER, password: PASS });
      const [, cfg] = await waitEvent(a, (ev) => ev === 'config', 'config');
      assert.deepEqual([...cfg.supportedFeatures].sort(), ['AGGREGATED_EVENTS', 'ALL_EVENTS']);
      const c = await connected(client(ro, '/', { transports: ['websocket'] }));
      await waitEvent(watcher, (ev, s) => ev === 'socket_connected' && s.id === c.id, 'socket_connected');
      a.s.emit('join', '/', 'nope', c.id);
      a.s.emit('_disconnect', '/', true, c.id);
      // The server reads one connection's packets in order: once it has seen
      // this admin's disconnect, it has seen (and ignored) the actions.
      const adminId = a.s.id;
      a.s.disconnect();
      await waitEvent(watcher, (ev, n, id) => ev === 'socket_disconnected' && id === adminId, 'the admin leaving');
      assert.ok(c.connected, 'the client is still connected');
      assert.deepEqual(await ack(c, 'join', 'x'), [c.id, 'x'], 'and did not join "nope"');
      assert.ok(!watcher.events.some(([ev, n, room]) => ev === 'room_joined' && room === 'nope'));
    });

    it('production, no auth: stats without the per-socket reports', T, async () => {
      const a = await admin(prod, {});
      const [, cfg] = await waitEvent(a, (ev) => ev === 'config', 'config');
      assert.ok(!cfg.supportedFeatures.includes('ALL_EVENTS'));
      assert.ok(cfg.supportedFeatures.includes('JOIN'));
      const c = await connected(client(prod, '/', { transports: ['websocket'] }));
      await ack(c, 'join', 'quiet');
      await waitEvent(a, (ev) => ev === 'server_stats', 'server_stats');
      assert.ok(!a.events.some(([ev]) => ['all_sockets', 'socket_connected', 'room_joined'].includes(ev)), JSON.stringify(a.events.map((e) => e[0])));
    });
  });
}

for (const kind of ['c', 'ref']) {
  // A cluster adapter on a server of several workers is refused (SIO_ENOTSUP)
  // by libsio so far.
  const clusterSkip = kind === 'c' && W > 1 ? { skip: 'cluster adapters with workers' } : {};
  describe(`admin UI across a Redis cluster of two nodes: ${kind === 'c' ? 'C' : 'Node reference'}`, clusterSkip, () => {
    let redis;
    let A;
    let B;
    before(async () => {
      redis = await startRedis();
      [A, B] = await Promise.all(
        ['A', 'B'].map((n) => start(kind, ['--auth', `${USER}:${PASS}`, '--server-id', `node-${n}`, '--redis', redis.url])),
      );
    });
    after(async () => {
      closeAll();
      for (const s of [A, B]) {
        if (!s) continue;
        const r = await s.stop();
        if (kind === 'c') assert.deepEqual(r, { code: 0, signal: null });
      }
      if (redis) await redis.stop();
    });

    it('one admin sees both servers, lists and disconnects a socket of the other node', T, async () => {
      const a = await admin(A, { username: USER, password: PASS });
      await waitFor(() => {
        const ids = new Set(a.events.filter(([ev]) => ev === 'server_stats').map(([, s]) => s.serverId));
        return ids.has('node-A') && ids.has('node-B');
      }, 'server_stats from both nodes', 10000);
      // B's socket, seen by A's admin (reports and the socket list cross Redis).
      let c;
      await waitFor(async () => {
        c = await connected(client(B, '/', { transports: ['websocket'] }));
        await sleep(300);
        if (a.events.some(([ev, s]) => ev === 'socket_connected' && s.id === c.id)) return true;
        c.disconnect();
        return false;
      }, 'socket_connected of B crossing to A', 10000, 0);
      const b = await admin(A, { username: USER, password: PASS });
      const [, all] = await waitEvent(b, (ev) => ev === 'all_sockets', 'all_sockets');
      const listed = all.find((x) => x.id === c.id);
      assert.ok(listed, 'the socket of B is listed by A');
      assert.equal(listed.nsp, '/');
      assert.equal(listed.transport, 'websocket');
      a.s.emit('join', '/', 'cross', c.id);
      await waitEvent(a, (ev, nsp, room, id) => ev === 'room_joined' && room === 'cross' && id === c.id, 'room_joined on B');
      const gone = once(c, 'disconnect', 8000);
      a.s.emit('_disconnect', '/', false, c.id);
      assert.equal((await gone)[0], 'io server disconnect');
    });
  });
}
