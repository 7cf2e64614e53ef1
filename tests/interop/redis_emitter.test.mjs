// Emitters (processes that are not servers) reaching the clients of a C
// server (sio_cluster_server) through a throwaway redis-server: Node's
// @socket.io/redis-emitter 5.1.0 and our emitter (the redis_emit program),
// the same scenario for both: emit to all, to rooms, except, volatile, to
// "/chat"; socketsJoin/socketsLeave/disconnectSockets; serverSideEmit; a
// custom key prefix. Then, byte for byte, what redis_emit publishes equals
// what @socket.io/redis-emitter publishes for the same call (docs/REDIS-WIRE.md §6),
// seen by a raw PSUBSCRIBE.
// SIO_CLUSTER_SERVER=ref / SIO_REDIS_EMIT=ref use the Node counterparts.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter } from '@socket.io/redis-emitter';
import { createClient } from 'redis';
import { startRedis, capture } from './lib/redis.mjs';
import {
  clusterIsRef,
  emitIsRef,
  spawnClusterServer,
  runEmit,
  Clients,
  once,
  ack,
  record,
  waitFor,
  sleep,
  WS,
  POLLING,
  awaitCluster,
  stopCluster,
} from './lib/cluster.mjs';

const T = { timeout: 30000 };

let redis;
let S; // key "socket.io"
let K; // key "myapp"
let nodeRedis;
const clients = new Clients();

before(async () => {
  redis = await startRedis();
  [S, K] = await Promise.all([
    spawnClusterServer('S', redis.url),
    spawnClusterServer('K', redis.url, ['--key', 'myapp']),
  ]);
  nodeRedis = createClient({ url: redis.url });
  nodeRedis.on('error', () => {});
  await nodeRedis.connect();
  // Both servers are subscribed once each counts itself (they do not share a key).
  await awaitCluster(clients, [S, K], 1);
});

after(async () => {
  try {
    if (nodeRedis) await nodeRedis.quit();
  } finally {
    await stopCluster({ clients, clean: [S, K], redis });
  }
});

afterEach(async () => {
  clients.closeAll();
  await sleep(150);
});

// A selection: { nsp, to: [], except: [], volatile, key }.
function nodeOp(sel) {
  let op = new Emitter(nodeRedis, { key: sel.key || 'socket.io' }).of(sel.nsp || '/');
  for (const r of sel.to || []) op = op.to(r);
  for (const r of sel.except || []) op = op.except(r);
  if (sel.volatile) op = op.volatile;
  return op;
}
function cliArgs(sel) {
  const a = [];
  if (sel.key) a.push('--key', sel.key);
  if (sel.nsp) a.push('--nsp', sel.nsp);
  for (const r of sel.to || []) a.push('--to', r);
  for (const r of sel.except || []) a.push('--except', r);
  if (sel.volatile) a.push('--volatile');
  return a;
}

// The two emitters behind one shape. Every call resolves once published.
const EMITTERS = [
  {
    name: 'Node @socket.io/redis-emitter',
    async emit(sel, ev, args) {
      nodeOp(sel).emit(ev, ...args);
      await nodeRedis.ping(); // after the PUBLISH on the same connection
    },
    async join(sel, room) {
      nodeOp(sel).socketsJoin(room);
      await nodeRedis.ping();
    },
    async leave(sel, room) {
      nodeOp(sel).socketsLeave(room);
      await nodeRedis.ping();
    },
    async disconnect(sel, close) {
      nodeOp(sel).disconnectSockets(close);
      await nodeRedis.ping();
    },
    async serverSide(sel, ev, args) {
      nodeOp(sel).serverSideEmit(ev, ...args);
      await nodeRedis.ping();
    },
  },
  {
    name: `our emitter (${emitIsRef ? 'ref/redis_emit_ref.mjs' : 'redis_emit'})`,
    emit: (sel, ev, args) => runEmit(redis.url, [...cliArgs(sel), 'emit', ev, JSON.stringify(args)]),
    join: (sel, room) => runEmit(redis.url, [...cliArgs(sel), 'join', room]),
    leave: (sel, room) => runEmit(redis.url, [...cliArgs(sel), 'leave', room]),
    disconnect: (sel, close) => runEmit(redis.url, [...cliArgs(sel), 'disconnect', ...(close ? ['close'] : [])]),
    serverSide: (sel, ev, args) => runEmit(redis.url, [...cliArgs(sel), 'server-side', ev, JSON.stringify(args)]),
  },
];

const VALUES = ['s', 0, 1, -1, 300, -200, 70000, 2 ** 40, 1.5, -0.25, 1e-7, true, false, null,
  { a: [1, 2], 'é': { b: null } }, [], {}, 'é\u2028', 'x'.repeat(40)];

for (const E of EMITTERS) {
  describe(`${E.name} -> ${clusterIsRef ? 'Node reference' : 'C'} server`, () => {
    test('emit to all, to rooms, except, volatile, of("/chat"), another key', T, async () => {
      const a1 = await clients.connect(S, '/', WS);
      const a2 = await clients.connect(S, '/', POLLING);
      const c1 = await clients.connect(S, '/chat', POLLING);
      const c2 = await clients.connect(S, '/chat', WS);
      const k1 = await clients.connect(K, '/', WS);
      await ack(a2, 'join', 'r');
      await ack(c2, 'join', 'r');
      await ack(a1, 'join', 'q');
      const names = ['a1', 'a2', 'c1', 'c2', 'k1'];
      const socks = [a1, a2, c1, c2, k1];
      const recs = socks.map((s) => record(s, 'em'));
      await E.emit({}, 'em', ['all', ...VALUES]);
      await E.emit({ to: ['r'] }, 'em', ['r']);
      await E.emit({ except: ['r'] }, 'em', ['ex-r']);
      await E.emit({ to: ['r', 'q'] }, 'em', ['r+q']);
      await E.emit({ to: ['r', 'q'], except: ['q'] }, 'em', ['r+q-q']);
      await E.emit({ to: [a1.id] }, 'em', ['sid']);
      await E.emit({ volatile: true }, 'em', ['vol']);
      await E.emit({ nsp: '/chat' }, 'em', ['chat']);
      await E.emit({ nsp: '/chat', to: ['r'] }, 'em', ['chat-r']);
      await E.emit({ key: 'myapp' }, 'em', ['key']);
      await E.emit({}, 'em', ['end']);
      await E.emit({ nsp: '/chat' }, 'em', ['end']);
      await E.emit({ key: 'myapp' }, 'em', ['end']);
      for (let i = 0; i < socks.length; i++) {
        await waitFor(() => recs[i].got.some((x) => x[0] === 'end'), () => `${names[i]} gets "end" (got ${JSON.stringify(recs[i].got.map((x) => x[0]))})`);
      }
      await sleep(150);
      const got = Object.fromEntries(names.map((n, i) => [n, recs[i].got.map((x) => x[0]).filter((x) => x !== 'vol')]));
      assert.deepEqual(got, {
        a1: ['all', 'ex-r', 'r+q', 'sid', 'end'],
        a2: ['all', 'r', 'r+q', 'r+q-q', 'end'],
        c1: ['chat', 'end'],
        c2: ['chat', 'chat-r', 'end'],
        k1: ['key', 'end'],
      });
      assert.deepEqual(recs[0].got[0].slice(1), VALUES, 'exact values');
      for (const i of [0, 1]) assert.ok(recs[i].got.filter((x) => x[0] === 'vol').length <= 1, 'volatile at most once');
    });

    test('socketsJoin, socketsLeave, disconnectSockets', T, async () => {
      const a1 = await clients.connect(S, '/', WS);
      const a2 = await clients.connect(S, '/', WS);
      const c1 = await clients.connect(S, '/chat', POLLING);
      const roomsOf = (s) => ack(s, 'rooms');
      await ack(a2, 'join', 'r');
      await E.join({ to: ['r'] }, 'r2');
      await waitFor(async () => (await roomsOf(a2)).includes('r2'), 'a2 joined r2');
      assert.deepEqual(await roomsOf(a1), [a1.id]);
      await E.join({}, 'every');
      await waitFor(async () => (await roomsOf(a1)).includes('every'), 'a1 joined "every"');
      assert.deepEqual(await roomsOf(c1), [c1.id], 'another namespace');
      await E.join({ nsp: '/chat', except: ['nothing'] }, 'chatroom');
      await waitFor(async () => (await roomsOf(c1)).includes('chatroom'), 'c1 joined "chatroom"');
      await E.leave({ to: ['r2'] }, 'r');
      await waitFor(async () => !(await roomsOf(a2)).includes('r'), 'a2 left r');
      assert.deepEqual(await roomsOf(a2), [a2.id, 'r2', 'every']);
      await E.leave({ except: ['r2'] }, 'every');
      await waitFor(async () => !(await roomsOf(a1)).includes('every'), 'a1 left "every"');
      assert.deepEqual(await roomsOf(a2), [a2.id, 'r2', 'every']);
      const goneA2 = once(a2, 'disconnect');
      await E.disconnect({ to: ['r2'] }, false);
      assert.equal((await goneA2)[0], 'io server disconnect');
      const goneC1 = once(c1, 'disconnect');
      await E.disconnect({ nsp: '/chat' }, true);
      await goneC1;
      await sleep(200);
      assert.ok(a1.connected, 'a1 stays');
    });

    test('serverSideEmit reaches the server-side handler', T, async () => {
      const a1 = await clients.connect(S, '/', WS);
      const c1 = await clients.connect(S, '/chat', WS);
      const ra = record(a1, 'server-side');
      const rc = record(c1, 'server-side');
      await E.serverSide({}, 'from-emitter', [1, { x: 'é' }, null]);
      await waitFor(() => ra.got.length === 1, '"/" handler ran');
      assert.deepEqual(ra.got[0], ['from-emitter', 1, { x: 'é' }, null]);
      await E.serverSide({ nsp: '/chat' }, 'chat-side', []);
      await waitFor(() => rc.got.length === 1, '"/chat" handler ran');
      assert.deepEqual(rc.got[0], ['chat-side']);
      await sleep(200);
      assert.equal(ra.got.length, 1);
    });
  });
}

describe('redis_emit publishes the same bytes as @socket.io/redis-emitter', () => {
  const node = EMITTERS[0];
  const ours = EMITTERS[1];
  // Runs the same call with both emitters; returns both captured messages.
  async function both(cap, call) {
    const out = [];
    for (const E of [node, ours]) {
      cap.clear();
      await call(E);
      await cap.waitFor(() => true);
      await sleep(100);
      assert.equal(cap.messages.length, 1, `${E.name}: one message`);
      out.push(cap.messages[0]);
    }
    return out;
  }
  const show = (m) => `${m.channel} ${m.payload.toString('hex')}`;

  const CASES = [
    ['emit to all', (E) => E.emit({}, 'hello', ['world', ...VALUES])],
    ['emit to one room', (E) => E.emit({ to: ['room1'] }, 'em-room', [{ x: 1.25 }])],
    ['emit to rooms, except, volatile, "/chat"', (E) => E.emit({ nsp: '/chat', to: ['r1', 'r2'], except: ['e1', 'e2'], volatile: true }, 'multi', [3])],
    ['emit with no arguments, except only', (E) => E.emit({ except: ['e'] }, 'bare', [])],
    ['emit with a long string and a big array', (E) => E.emit({}, 'big', ['y'.repeat(70000), Array.from({ length: 70 }, (_, i) => i * 1000)])],
    ['emit with another key', (E) => E.emit({ key: 'myapp', to: ['k'] }, 'k', [1])],
    ['socketsJoin', (E) => E.join({ to: ['r1'], except: ['r2'] }, 'joined')],
    ['socketsLeave', (E) => E.leave({ nsp: '/chat' }, 'left')],
    ['disconnectSockets(true)', (E) => E.disconnect({ to: ['room2'] }, true)],
    ['disconnectSockets(false)', (E) => E.disconnect({}, false)],
    ['serverSideEmit', (E) => E.serverSide({}, 'srv', [1, 'two', { three: [3] }])],
  ];

  for (const [name, call] of CASES) {
    test(name, T, async () => {
      const cap = await capture(redis.port, '*');
      try {
        const [a, b] = await both(cap, call);
        assert.equal(show(b), show(a), 'redis_emit (2nd) vs @socket.io/redis-emitter (1st)');
        assert.ok(b.payload.equals(a.payload));
      } finally {
        cap.close();
      }
    });
  }
});
