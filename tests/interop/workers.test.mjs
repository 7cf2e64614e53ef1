// One server over several worker threads (sio_cluster_server --workers W,
// W = 4 or SIO_TEST_WORKERS) with the official socket.io-client 4.8 and raw
// HTTP: clients spread over every worker; polling with each request on a new
// TCP connection, so a session's requests reach workers other than its
// owner; keep-alive connections (an agent shared by several sessions, and a
// raw one, pipelined too) carrying requests of sessions owned by different
// workers; websocket and upgrade; rooms and broadcasts with except, broadcast
// acks, fetchSockets, socketsJoin/Leave and disconnectSockets of a selection
// across workers; the server count (one process is one server). Each test
// also runs against the Node reference (ref/sio_cluster_ref_server.mjs, one
// thread), so the expected behaviour is the reference's. The C server has no
// adapter; the reference sits alone on a throwaway redis-server (its program
// needs one). The Redis cases with a Node node are in workers_redis.test.mjs. The
// per-IP connection cap, one count across the workers, is ours alone (the
// reference has none).
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis } from './lib/redis.mjs';
import {
  spawnRefServer,
  Clients,
  once,
  ack,
  record,
  waitFor,
  sleep,
  WS,
  POLLING,
  stopCluster,
} from './lib/cluster.mjs';
import { RawConn } from './lib/rawhttp.mjs';
import { WORKERS, workersArgs, spawnAlone, spreadClients, countingAgent, RawSession } from './lib/workers.mjs';

const T = { timeout: 60000 };
const MODES = [
  { name: 'websocket', opts: WS },
  { name: 'polling', opts: POLLING },
  { name: 'upgrade', opts: {} },
];

let redis;
const servers = []; // { label, srv, workers }
const clients = new Clients();

before(async () => {
  redis = await startRedis();
  const [C, N] = await Promise.all([
    spawnAlone('C', workersArgs()),
    spawnRefServer('N', redis.url, ['--key', 'workers-n']),
  ]);
  servers.push({ label: `C server, ${WORKERS} workers`, srv: C, workers: WORKERS },
    { label: 'Node reference', srv: N, workers: 1 });
});

after(() => stopCluster({ clients, clean: [servers[0]?.srv], others: [servers[1]?.srv], redis }));

afterEach(async () => {
  clients.closeAll();
  await sleep(100);
});

// Each emitter broadcasts `end` [its index] to every socket; resolves once
// every socket got all of them. A socket gets one emitter's broadcasts in
// order, so by then it has every earlier broadcast of those emitters.
async function barrier(socks, emitters) {
  const want = emitters.length;
  const done = Promise.all(socks.map((s) => new Promise((resolve) => {
    const seen = new Set();
    const f = (k) => {
      seen.add(k);
      if (seen.size === want) {
        s.off('end', f);
        resolve();
      }
    };
    s.on('end', f);
  })));
  for (const [k, e] of emitters.entries()) await ack(e, 'to-rooms', {}, 'end', k);
  await done;
}

function waitUpgrade(s) {
  if (s.io.engine.transport.name === 'websocket') return Promise.resolve();
  return once(s.io.engine, 'upgrade', 10000);
}

for (const i of [0, 1]) {
  describe(`workers: ${['C', 'Node'][i]}`, () => {
    let S;
    before(() => {
      S = servers[i];
    });

    // What spans the workers first (over websocket), then the transports:
    // a failing transport leaves sessions behind that would blur the rest.
    test('rooms and broadcasts with except across workers', T, async () => {
      const list = await spreadClients(clients, S.srv, S.workers, { opts: WS, perWorker: 2 });
      const socks = list.map((x) => x.s);
      // Room "even": clients 0, 2, 4, ...; room "x": clients 0, 3, 6, ...
      for (const [k, s] of socks.entries()) {
        if (k % 2 === 0) await ack(s, 'join', 'even');
        if (k % 3 === 0) await ack(s, 'join', 'x');
      }
      const recs = socks.map((s) => record(s, 'r'));
      const last = socks.length - 1;
      await ack(socks[last], 'to-rooms', { to: ['even'], except: ['x'] }, 'r', 'even-not-x');
      await ack(socks[1], 'to-rooms', { except: ['even'] }, 'r', 'not-even');
      await ack(socks[1], 'to-rooms', { to: ['even', 'x'], sender: true }, 'r', 'even-or-x');
      await ack(socks[0], 'to-rooms', { except: ['x'], sender: true }, 'r', 'not-x-but-me');
      await barrier(socks, [socks[last], socks[1], socks[0]]);
      for (const [k, rec] of recs.entries()) {
        const even = k % 2 === 0;
        const x = k % 3 === 0;
        const want = [];
        if (even && !x) want.push('even-not-x');
        if (!even) want.push('not-even');
        if ((even || x) && k !== 1) want.push('even-or-x');
        if (!x && k !== 0) want.push('not-x-but-me');
        const got = rec.got.map((a) => a[0]).sort();
        assert.deepEqual(got, want.sort(), `client ${k} (worker ${list[k].w})`);
      }
    });

    test('broadcast acks across workers: every reply, then a timeout with the others', T, async () => {
      const list = await spreadClients(clients, S.srv, S.workers, { opts: WS, perWorker: 3 });
      const socks = list.map((x) => x.s);
      for (const [k, s] of socks.entries()) {
        s.on('ask', (q, cb) => {
          if (q === 'silent' && k === socks.length - 1) return;
          cb(`${q}-${k}`);
        });
      }
      const r1 = await ack(socks[0], 'broadcast-ack', 5000, 'ask', 'q');
      assert.equal(r1.err, null);
      assert.deepEqual(r1.replies.sort(), socks.slice(1).map((_, j) => `q-${j + 1}`).sort());
      const r2 = await ack(socks[1], 'broadcast-ack', 1000, 'ask', 'silent');
      assert.equal(r2.err, 'timeout');
      const want = socks.map((_, k) => k).filter((k) => k !== 1 && k !== socks.length - 1).map((k) => `silent-${k}`);
      assert.deepEqual(r2.replies.sort(), want.sort());
    });

    test('fetchSockets across workers, and socketsJoin/Leave of a selection', T, async () => {
      const list = await spreadClients(clients, S.srv, S.workers, { opts: WS, perWorker: 2 });
      const socks = list.map((x) => x.s);
      for (const [k, s] of socks.entries()) {
        if (k % 2 === 0) await ack(s, 'join', 'even');
        assert.equal(await ack(s, 'set-data', { k }), 'ok');
      }
      const ids = socks.map((s) => s.id);
      for (const s of socks) {
        const all = await ack(s, 'fetch', '');
        assert.deepEqual(all.map((f) => f.id).sort(), [...ids].sort());
        const even = await ack(s, 'fetch', 'even');
        assert.deepEqual(even.map((f) => f.id).sort(), ids.filter((_, k) => k % 2 === 0).sort());
        for (const f of all) {
          const k = ids.indexOf(f.id);
          assert.deepEqual([...f.rooms].sort(), (k % 2 === 0 ? [f.id, 'even'] : [f.id]).sort());
          assert.deepEqual(f.data, { k });
          assert.equal(f.handshake?.address, '127.0.0.1', JSON.stringify(f));
          assert.equal(f.handshake.query.EIO, '4');
          assert.equal(f.handshake.query.transport, 'websocket');
        }
      }
      // From the last worker's client: every "even" socket joins "picked".
      await ack(socks[socks.length - 1], 'sockets-join', 'even', 'picked');
      await waitFor(async () => (await ack(socks[0], 'fetch', 'picked')).length === Math.ceil(socks.length / 2),
        'the "even" sockets in "picked"');
      for (const [k, s] of socks.entries()) {
        const rooms = await ack(s, 'rooms');
        assert.equal(rooms.includes('picked'), k % 2 === 0, `client ${k}: ${rooms}`);
      }
      await ack(socks[1], 'sockets-leave', '', 'picked');
      await waitFor(async () => (await ack(socks[0], 'fetch', 'picked')).length === 0, '"picked" empty');
      for (const s of socks) assert.equal((await ack(s, 'rooms')).includes('picked'), false);
    });

    test('disconnectSockets of a selection across workers', T, async () => {
      const list = await spreadClients(clients, S.srv, S.workers, { opts: WS, perWorker: 2 });
      const socks = list.map((x) => x.s);
      for (const [k, s] of socks.entries()) if (k % 2 === 1) await ack(s, 'join', 'odd');
      const reasons = socks.map(() => null);
      socks.forEach((s, k) => s.on('disconnect', (r) => (reasons[k] = r)));
      assert.equal(await ack(socks[0], 'disconnect-sockets', 'odd', false), 'ok');
      await waitFor(() => socks.every((s, k) => k % 2 === 0 || reasons[k]), 'the "odd" clients disconnected');
      for (const [k, s] of socks.entries()) {
        if (k % 2 === 1) {
          assert.equal(reasons[k], 'io server disconnect', `client ${k}`);
        } else {
          assert.equal(s.connected, true, `client ${k}`);
          assert.deepEqual(await ack(s, 'echo-ack', [k]), [k]);
        }
      }
      const left = await ack(socks[0], 'fetch', '');
      assert.deepEqual(left.map((f) => f.id).sort(), socks.filter((_, k) => k % 2 === 0).map((s) => s.id).sort());
    });

    test('the server count: one process is one server, whatever its workers', T, async () => {
      const list = await spreadClients(clients, S.srv, S.workers, { opts: WS });
      for (const { s } of list) assert.equal(await ack(s, 'server-count'), 1);
    });

    for (const mode of MODES) {
      test(`${mode.name}: clients on every worker, each answered by its own`, T, async () => {
        const list = await spreadClients(clients, S.srv, S.workers, { opts: mode.opts, perWorker: 2 });
        assert.equal(new Set(list.map((x) => x.w)).size, S.workers);
        if (mode.name === 'upgrade') await Promise.all(list.map((x) => waitUpgrade(x.s)));
        for (const [k, { s, w }] of list.entries()) {
          assert.deepEqual(await ack(s, 'echo-ack', [k, 'é', { n: [k] }]), [k, 'é', { n: [k] }]);
          assert.equal(await ack(s, 'worker'), w, 'a socket stays on its worker');
          if (mode.name !== 'polling') assert.equal(s.io.engine.transport.name, 'websocket');
        }
        // A broadcast from each worker reaches every other client.
        const socks = list.map((x) => x.s);
        const recs = socks.map((s) => record(s, 'b'));
        for (const [k, s] of socks.entries()) assert.equal(typeof (await ack(s, 'to-rooms', { sender: true }, 'b', k)), 'number');
        await barrier(socks, socks);
        for (const [k, rec] of recs.entries()) {
          const got = rec.got.map((a) => a[0]).sort((a, b) => a - b);
          assert.deepEqual(got, socks.map((_, j) => j).filter((j) => j !== k), `client ${k}`);
        }
      });
    }

    test('polling with every request on a new TCP connection (no keep-alive)', T, async () => {
      const agent = countingAgent({ keepAlive: false });
      const list = await spreadClients(clients, S.srv, S.workers, { opts: { ...POLLING, agent } });
      const socks = list.map((x) => x.s);
      const start = agent.connections;
      const recs = socks.map((s) => record(s, 'p'));
      for (let round = 0; round < 5; round++) {
        for (const [k, s] of socks.entries()) {
          assert.deepEqual(await ack(s, 'echo-ack', [round, k]), [round, k]);
          await ack(s, 'to-rooms', { sender: true }, 'p', k, round);
        }
      }
      await barrier(socks, socks);
      for (const [k, rec] of recs.entries()) assert.equal(rec.got.length, 5 * (socks.length - 1), `client ${k}`);
      // Each acked event is at least a POST and a GET, each on a connection of its own.
      assert.ok(agent.connections - start >= 2 * 10 * socks.length, `${agent.connections - start} connections`);
      agent.destroy();
    });

    test('one keep-alive agent shared by many polling sessions of different workers', T, async () => {
      // A session belongs to the worker that accepted its handshake's
      // connection: handshakes made at once open connections of their own
      // (spread over the workers); the later requests reuse them, whatever
      // their session.
      const agent = countingAgent({ keepAlive: true });
      const socks = await Promise.all(Array.from({ length: 6 * S.workers },
        () => clients.connect(S.srv, '/', { ...POLLING, agent })));
      const workerOf = new Map(); // sid -> worker
      for (const s of socks) workerOf.set(s.io.engine.id, await ack(s, 'worker'));
      const used = new Set(workerOf.values());
      if (S.workers > 1) assert.ok(used.size > 1, `sessions on workers ${[...used]}`);
      for (let round = 0; round < 5; round++) {
        for (const [k, s] of socks.entries()) assert.deepEqual(await ack(s, 'echo-ack', [round, k]), [round, k]);
      }
      const recs = socks.map((s) => record(s, 'q'));
      await ack(socks[socks.length - 1], 'to-rooms', {}, 'q', 'all');
      await waitFor(() => recs.every((r) => r.got.length === 1), 'every session got the broadcast');
      assert.ok(agent.connections < agent.requests, `${agent.connections} connections for ${agent.requests} requests`);
      // Some connection carried requests of sessions of two workers.
      const mixed = [...agent.sessionsOn.values()].filter((sids) => new Set([...sids].map((x) => workerOf.get(x))).size > 1);
      if (S.workers > 1) assert.ok(mixed.length > 0, 'a connection carried requests for sessions of different workers');
      else assert.ok([...agent.sessionsOn.values()].some((sids) => sids.size > 1), 'a connection carried several sessions');
      clients.closeAll();
      agent.destroy();
    });

    test('a raw keep-alive connection carries requests of two sessions of different workers, pipelined too', T, async () => {
      // Sessions made on connections of their own, until two are on different workers.
      const sessions = [];
      const workersOf = [];
      const opened = []; // closed at the end, even when the test fails
      let conn = null;
      try {
        for (let n = 0; n < 30 * S.workers && sessions.length < 2; n++) {
          const s = new RawSession(S.srv.port);
          opened.push(s);
          await s.open(null);
          const [w] = await s.call(null, 'worker');
          if (S.workers === 1 || !workersOf.includes(w)) {
            sessions.push(s);
            workersOf.push(w);
          }
        }
        assert.equal(sessions.length, 2, `two sessions on two workers: ${workersOf}`);
        const [a, b] = sessions;
        conn = await RawConn.open(S.srv.port);
        for (let round = 0; round < 4; round++) {
          assert.deepEqual(await a.call(conn, 'echo-ack', 'a', round), ['a', round]);
          assert.deepEqual(await b.call(conn, 'echo-ack', 'b', round), ['b', round]);
          assert.deepEqual(await a.call(conn, 'worker'), [workersOf[0]]);
          assert.deepEqual(await b.call(conn, 'worker'), [workersOf[1]]);
        }
        // Two POSTs (one per session) in one write, then their answers.
        const body = (id, tag) => `42${id}["echo-ack","${tag}"]`;
        const req = (s, text) => `POST /socket.io/?EIO=4&transport=polling&sid=${s.sid} HTTP/1.1\r\n` +
          `Host: 127.0.0.1\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: ${text.length}\r\n\r\n${text}`;
        conn.write(req(a, body(100, 'pa')) + req(b, body(100, 'pb')));
        for (const _ of [a, b]) {
          const res = await conn.readResponse();
          assert.equal(res.status, 200);
          assert.equal(res.text, 'ok');
        }
        assert.equal(await a.next(conn, (p) => p.startsWith('43100')), '43100["pa"]');
        assert.equal(await b.next(conn, (p) => p.startsWith('43100')), '43100["pb"]');
        assert.equal(conn.closed, false, 'the connection stayed open');
      } finally {
        conn?.destroy();
        for (const s of opened) if (s.sid) await s.close(null);
      }
    });
  });
}

describe('workers: the per-IP connection cap', () => {
  const CAP = 3;
  let capped;
  before(async () => {
    capped = await spawnAlone('capped', ['--max-conns-per-ip', String(CAP), ...workersArgs()]);
  });
  after(async () => {
    const r = await capped.stop();
    assert.deepEqual(r, { code: 0, signal: null }, capped.stderr().slice(-4000));
  });

  // A new connection that gets a polling handshake answered (kept open).
  async function admitted() {
    const c = await RawConn.open(capped.port);
    c.write(`GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    const res = await c.readResponse();
    assert.equal(res.status, 200);
    return c;
  }

  test(`counts the connections of every worker: ${CAP} admitted, then none on any worker`, T, async (t) => {
    const held = [];
    t.after(() => held.forEach((c) => c.destroy()));
    for (let k = 0; k < CAP; k++) held.push(await admitted());
    // Connections past the cap land on every worker: each is closed without a byte.
    for (let k = 0; k < 4 * WORKERS; k++) {
      const c = await RawConn.open(capped.port);
      const rest = await c.waitClosed();
      assert.equal(rest.length, 0, `connection ${k} past the cap got bytes`);
      c.destroy();
    }
    // One closes: a new one is admitted (bounded retries, the close is seen asynchronously).
    held.pop().destroy();
    let again = null;
    for (let k = 0; k < 50 && !again; k++) {
      const c = await RawConn.open(capped.port);
      c.write(`GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      try {
        if ((await c.readResponse()).status === 200) again = c;
      } catch {
        c.destroy();
        await sleep(20);
      }
    }
    assert.ok(again, 'a connection admitted once one closed');
    again.destroy();
    for (const c of held) c.destroy();
  });
});
