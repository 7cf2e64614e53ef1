// The Redis Streams adapter (sio/redis_streams.h) on one throwaway
// redis-server: two C servers (A and B, sio_cluster_server --streams) and one
// Node server (N: socket.io 4.8 + @socket.io/redis-streams-adapter 0.3,
// ref/sio_cluster_ref_server.mjs --streams) in one cluster, with
// socket.io-client 4.8 clients. Between A and B, and between A and N:
// broadcasts (to all, rooms, except, binary), room changes, broadcast acks,
// fetchSockets, serverSideEmit with and without acks, the server count. The
// wire: the XADD of a C server (seen with MONITOR) has the fields and trimming
// of Node's, and its pub/sub requests decode as Node's do. Then Redis is
// killed and restarted (with its append-only file, so it keeps its data):
// what a C server wrote while Redis was away, and what was appended to the
// stream before its reader came back, reaches the other servers' clients
// exactly once and in order; a C server's outage queue keeps what fits its
// bound. Connection state recovery: a client dropped
// from one server is recovered on another (C to C, C to Node, Node to C),
// and the session keys are Node's.
// SIO_CLUSTER_SERVER=ref runs Node servers in place of A and B (and of the
// recovery test's C servers), which checks the tests against Node alone.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { decode } from '@msgpack/msgpack';
import { startRedis, capture, RespConn } from './lib/redis.mjs';
import {
  clusterIsRef,
  spawnClusterServer,
  spawnRefServer,
  stopClean,
  Clients,
  once,
  ack,
  record,
  waitFor,
  expectEvents,
  sleep,
  WS,
  POLLING,
  awaitCluster,
  stopCluster,
  assertLocalCount,
} from './lib/cluster.mjs';

const T = { timeout: 30000 };
const STREAMS = ['--streams'];

let redis;
let A;
let B;
let N;
const clients = new Clients();

before(async () => {
  redis = await startRedis({ persist: true });
  [A, B, N] = await Promise.all([
    spawnClusterServer('A', redis.url, STREAMS),
    spawnClusterServer('B', redis.url, STREAMS),
    spawnRefServer('N', redis.url, STREAMS),
  ]);
  await awaitCluster(clients, [A, B, N], 3);
});

after(() => stopCluster({ clients, clean: [A, B], others: [N], redis }));

afterEach(async () => {
  clients.closeAll();
  await sleep(150);
});

// MONITOR on its own connection: every command Redis runs, as an array of
// argument strings (Redis prints them quoted, with \", \\, \n, \r, \t, \a,
// \b and \xHH escapes).
async function monitor(port) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((res, rej) => {
    sock.once('connect', res);
    sock.once('error', rej);
  });
  const cmds = [];
  let buf = '';
  sock.on('data', (d) => {
    buf += d.toString('latin1');
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const q = line.indexOf('"');
      if (line[0] === '+' && q > 0) cmds.push(parseMonitorArgs(line.slice(q)));
    }
  });
  sock.write('MONITOR\r\n');
  await sleep(100);
  return { cmds, close: () => sock.destroy() };
}

function parseMonitorArgs(s) {
  const out = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] !== '"') {
      i++;
      continue;
    }
    i++;
    const bytes = [];
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\') {
        const c = s[i + 1];
        const map = { n: 10, r: 13, t: 9, a: 7, b: 8, '"': 34, '\\': 92 };
        if (c === 'x') {
          bytes.push(parseInt(s.slice(i + 2, i + 4), 16));
          i += 4;
        } else {
          bytes.push(map[c] ?? c.charCodeAt(0));
          i += 2;
        }
      } else {
        bytes.push(s.charCodeAt(i));
        i++;
      }
    }
    i++;
    out.push(Buffer.from(bytes).toString());
  }
  return out;
}

const PAIRS = [
  { label: 'two C servers', peer: () => B },
  { label: 'a C server and a Node server', peer: () => N },
];

for (const pair of PAIRS) {
  describe(`streams adapter, ${pair.label}`, () => {
    test('the server count is 3 on both', T, async () => {
      const a = await clients.connect(A, '/', WS);
      const p = await clients.connect(pair.peer(), '/', WS);
      assert.equal(await ack(a, 'server-count'), 3);
      assert.equal(await ack(p, 'server-count'), 3);
    });

    test('broadcasts to all cross both ways with exact values, binary included', T, async () => {
      const P = pair.peer();
      const a = await clients.connect(A, '/', WS);
      const p = await clients.connect(P, '/', POLLING);
      const other = await clients.connect(P, '/chat', WS);
      const ra = record(a, 'news');
      const rp = record(p, 'news');
      const ro = record(other, 'news');
      await ack(a, 'to-rooms', {}, 'news', 'from-a', { n: 1, s: 'é', list: [1.5, null, true] });
      await ack(p, 'to-rooms', {}, 'news', 'from-p', Buffer.from([1, 2, 255]));
      const gotP = await expectEvents(rp, 2, 'peer client');
      const gotA = await expectEvents(ra, 2, 'A client');
      const fromA = { n: 1, s: 'é', list: [1.5, null, true] };
      assert.deepEqual(gotP.find((x) => x[0] === 'from-a'), ['from-a', fromA]);
      assert.deepEqual(gotA.find((x) => x[0] === 'from-a'), ['from-a', fromA]);
      const bin = gotA.find((x) => x[0] === 'from-p');
      assert.ok(bin, 'A got the binary broadcast');
      assert.deepEqual([...Buffer.from(bin[1])], [1, 2, 255]);
      assert.equal(ro.got.length, 0, 'another namespace gets nothing');
    });

    test('rooms and except are honoured across servers', T, async () => {
      const P = pair.peer();
      const a1 = await clients.connect(A, '/', WS);
      const p1 = await clients.connect(P, '/', WS);
      const p2 = await clients.connect(P, '/', WS);
      await ack(p1, 'join', 'red');
      await ack(p2, 'join', 'red');
      await ack(p2, 'join', 'blue');
      const r1 = record(p1, 'color');
      const r2 = record(p2, 'color');
      await ack(a1, 'to-rooms', { to: ['red'], except: ['blue'] }, 'color', 'red-not-blue');
      await ack(a1, 'to-rooms', { to: ['blue'] }, 'color', 'blue');
      assert.deepEqual(await expectEvents(r1, 1, 'p1'), [['red-not-blue']]);
      assert.deepEqual(await expectEvents(r2, 1, 'p2'), [['blue']]);
    });

    test('socketsJoin from A moves the peer\'s sockets into a room', T, async () => {
      const P = pair.peer();
      const a = await clients.connect(A, '/', WS);
      const p = await clients.connect(P, '/', WS);
      await ack(p, 'join', 'src');
      await ack(a, 'sockets-join', 'src', 'dst');
      await waitFor(async () => (await ack(p, 'rooms')).includes('dst'), 'peer socket joined dst');
      const rec = record(p, 'in-dst');
      await ack(a, 'to-rooms', { to: ['dst'] }, 'in-dst', 1);
      assert.deepEqual(await expectEvents(rec, 1, 'peer in dst'), [[1]]);
    });

    test('broadcast acks are gathered from both servers', T, async () => {
      const P = pair.peer();
      const a1 = await clients.connect(A, '/', WS);
      const a2 = await clients.connect(A, '/', WS);
      const p1 = await clients.connect(P, '/', WS);
      a2.on('ask', (x, cb) => cb({ who: 'a2', x }));
      p1.on('ask', (x, cb) => cb({ who: 'p1', x }));
      const r = await ack(a1, 'broadcast-ack', 2000, 'ask', 7);
      assert.equal(r.err, null, JSON.stringify(r));
      const mine = r.replies.filter((x) => x && x.who).sort((x, y) => (x.who < y.who ? -1 : 1));
      assert.deepEqual(mine, [{ who: 'a2', x: 7 }, { who: 'p1', x: 7 }]);
      // And from the peer's side.
      a1.on('ask', (x, cb) => cb({ who: 'a1', x }));
      const back = await ack(p1, 'broadcast-ack', 2000, 'ask', 8);
      assert.equal(back.err, null, JSON.stringify(back));
      const theirs = back.replies.filter((x) => x && x.who).sort((x, y) => (x.who < y.who ? -1 : 1));
      assert.deepEqual(theirs, [{ who: 'a1', x: 8 }, { who: 'a2', x: 8 }]);
    });

    test('fetchSockets sees the sockets of the other server', T, async () => {
      const P = pair.peer();
      const a = await clients.connect(A, '/', WS);
      const p = await clients.connect(P, '/', WS, { auth: { token: 't1' } });
      await ack(p, 'join', 'fetch-me');
      await ack(p, 'set-data', { k: 'v' });
      const list = await ack(a, 'fetch', 'fetch-me');
      assert.equal(list.length, 1);
      assert.equal(list[0].id, p.id);
      assert.equal(list[0].local, false);
      assert.deepEqual(list[0].data, { k: 'v' });
      assert.ok(list[0].rooms.includes('fetch-me'));
      assert.ok(list[0].handshake && typeof list[0].handshake === 'object');
      const back = await ack(p, 'fetch', '');
      assert.ok(back.some((s) => s.id === a.id && s.local === false), JSON.stringify(back));
    });

    test('serverSideEmit reaches the other servers, and acks come back', T, async () => {
      const P = pair.peer();
      const a = await clients.connect(A, '/', WS);
      const p = await clients.connect(P, '/', WS);
      const rec = record(p, 'server-side');
      await ack(a, 'server-side', 'hello', 1, 'two');
      assert.deepEqual(await expectEvents(rec, 1, 'peer server-side'), [['hello', 1, 'two']]);
      const r = await ack(a, 'server-side-ack', 3000, 'ping', 5);
      assert.equal(r.err, null, JSON.stringify(r));
      assert.deepEqual(r.replies.map((x) => x.from).sort(), [P === B ? 'B' : 'N', P === B ? 'N' : 'B'].sort());
      const r2 = await ack(p, 'server-side-ack', 3000, 'pong');
      assert.equal(r2.err, null, JSON.stringify(r2));
      assert.ok(r2.replies.some((x) => x.from === 'A' && x.event === 'pong'), JSON.stringify(r2));
    });
  });
}

describe('streams adapter wire, as Node writes it', () => {
  test('a broadcast is one XADD with MAXLEN ~ 10000 and the fields uid, nsp, type, data', T, async () => {
    const mon = await monitor(redis.port);
    try {
      for (const srv of [A, N]) {
        const s = await clients.connect(srv, '/', WS);
        await ack(s, 'to-rooms', { to: ['r1'], except: ['r2'] }, 'wire', srv.name, 1);
        await ack(s, 'to-rooms', {}, 'wire-bin', Buffer.from([9, 8]));
      }
      const xadds = await waitFor(
        () => {
          const x = mon.cmds.filter((c) => c[0].toUpperCase() === 'XADD');
          return x.length >= 4 && x;
        },
        () => `4 XADDs (seen ${JSON.stringify(mon.cmds.slice(-20))})`,
      );
      const shape = (c) => {
        const [cmd, key, maxlen, approx, n, star, ...fields] = c;
        return { cmd: cmd.toUpperCase(), key, trim: [maxlen.toUpperCase(), approx, n, star], names: fields.filter((_, i) => i % 2 === 0) };
      };
      const want = { cmd: 'XADD', key: 'socket.io', trim: ['MAXLEN', '~', '10000', '*'], names: ['uid', 'nsp', 'type', 'data'] };
      for (const c of xadds) assert.deepEqual(shape(c), want, JSON.stringify(c));
      const fields = (c) => Object.fromEntries(c.slice(6).reduce((acc, v, i, arr) => (i % 2 ? acc : [...acc, [v, arr[i + 1]]]), []));
      const json = xadds.map(fields).filter((f) => f.data.startsWith('{'));
      assert.equal(json.length, 2);
      for (const f of json) {
        assert.equal(f.type, '3');
        assert.equal(f.nsp, '/');
        const d = JSON.parse(f.data);
        assert.deepEqual(Object.keys(d), ['packet', 'opts']);
        // Node's packet has no nsp yet when the adapter publishes it.
        assert.deepEqual(Object.keys(d.packet), ['type', 'data']);
        assert.deepEqual(d.packet.type, 2);
        assert.equal(d.packet.data[0], 'wire');
        assert.deepEqual(d.opts.rooms, ['r1']);
        assert.deepEqual(d.opts.except, ['r2']);
      }
      const bins = xadds.map(fields).filter((f) => !f.data.startsWith('{'));
      assert.equal(bins.length, 2);
      for (const f of bins) {
        const d = decode(Buffer.from(f.data, 'base64'));
        assert.equal(d.packet.data[0], 'wire-bin');
        assert.deepEqual([...d.packet.data[1]], [9, 8]);
      }
    } finally {
      mon.close();
    }
  });

  test('requests go over pub/sub as MessagePack {type, data, uid, nsp}', T, async () => {
    const cap = await capture(redis.port, 'socket.io#/#*');
    try {
      const a = await clients.connect(A, '/', WS);
      await ack(a, 'server-side', 'wire-ss', 1);
      const m = await cap.waitFor((x) => x.channel === 'socket.io#/#' && decode(x.payload).type === 9);
      const d = decode(m.payload);
      assert.deepEqual(Object.keys(d), ['type', 'data', 'uid', 'nsp']);
      assert.deepEqual(d.data, { packet: ['wire-ss', 1] });
      assert.equal(d.nsp, '/');
    } finally {
      cap.close();
    }
  });
});

describe('Redis killed and restarted', () => {
  test('entries written while Redis was away and entries appended before a reader came back arrive once, in order', { timeout: 60000 }, async () => {
    const a = await clients.connect(A, '/', WS);
    const b = await clients.connect(B, '/', WS);
    const n = await clients.connect(N, '/', WS);
    const rb = record(b, 'seq');
    const rn = record(n, 'seq');
    const ra = record(a, 'seq');
    // Before: delivered as usual.
    await ack(a, 'to-rooms', {}, 'seq', 'before');
    await expectEvents(rb, 1, 'B before');

    await redis.kill();
    try {
      // Once A knows Redis is gone (nothing is then lost in flight). Node's
      // client queues the question until Redis is back: give it time instead.
      if (clusterIsRef) await sleep(500);
      else await waitFor(async () => (await ack(a, 'server-count')) === 1, 'A sees Redis gone', 10000, 50);
      // A keeps serving its client and queues its stream entries.
      for (let i = 0; i < 5; i++) assertLocalCount(A, await ack(a, 'to-rooms', {}, 'seq', `away-${i}`), 1);
    } finally {
      await redis.start();
    }
    // Appended right away by another writer, likely before B's and A's
    // readers are back: they resume after the last id they read.
    const c = await RespConn.connect(redis.port);
    for (let i = 0; i < 3; i++) {
      const data = JSON.stringify({ packet: { type: 2, data: ['seq', `raw-${i}`], nsp: '/' }, opts: { rooms: [], except: [], flags: {} } });
      await c.command('XADD', 'socket.io', 'MAXLEN', '~', '10000', '*', 'uid', 'rawwriter', 'nsp', '/', 'type', '3', 'data', data);
    }
    c.close();
    const want = ['before', ...[0, 1, 2, 3, 4].map((i) => `away-${i}`)];
    const raw = [0, 1, 2].map((i) => `raw-${i}`);
    await waitFor(() => rb.got.length >= want.length + raw.length, () => `B got ${JSON.stringify(rb.got)}`, 30000);
    await sleep(500);
    const gotB = rb.got.map((x) => x[0]);
    // Exactly once each; A's own entries in the order A wrote them, and the
    // other writer's in its order.
    assert.equal(gotB.length, want.length + raw.length, JSON.stringify(gotB));
    assert.deepEqual(gotB.filter((x) => !x.startsWith('raw')), want);
    assert.deepEqual(gotB.filter((x) => x.startsWith('raw')), raw);
    // A got the other writer's entries too, and its own only once (locally).
    await waitFor(() => ra.got.length >= want.length + raw.length, () => `A got ${JSON.stringify(ra.got)}`, 30000);
    assert.deepEqual(ra.got.map((x) => x[0]).filter((x) => x.startsWith('raw')), raw);
    assert.equal(ra.got.length, want.length + raw.length);
    // The Node server got what Redis kept after it came back too.
    await waitFor(() => rn.got.some((x) => x[0] === 'raw-2'), () => `N got ${JSON.stringify(rn.got)}`, 30000);
    // And the cluster works as before.
    await waitFor(async () => (await ack(a, 'server-count')) === 3, 'server count 3 again', 20000, 200);
    const after = record(n, 'after');
    await ack(b, 'to-rooms', {}, 'after', 1);
    await expectEvents(after, 1, 'N after restart');
  });
});

describe('Redis away: the outage queue is bounded', () => {
  // libsio's bound; Node's client queues without one.
  test('a C server keeps the first entries that fit its queue, drops the rest, and logs it', { timeout: 60000, skip: clusterIsRef && 'a bound of libsio only' }, async () => {
    const Q = await spawnClusterServer('Q', redis.url, ['--streams', '--max-queued', '3000']);
    try {
      const q = await clients.connect(Q, '/', WS);
      const b = await clients.connect(B, '/', WS);
      await waitFor(async () => (await ack(q, 'server-count')) === 4, 'Q sees 4 servers', 10000, 100);
      const rec = record(b, 'big');
      await redis.kill();
      try {
        // Once Q knows Redis is gone (nothing is then lost in flight).
        await waitFor(async () => (await ack(q, 'server-count')) === 1, 'Q sees Redis gone', 10000, 50);
        const pad = 'x'.repeat(200);
        for (let i = 0; i < 40; i++) await ack(q, 'to-rooms', {}, 'big', i, pad);
      } finally {
        await redis.start();
      }
      await waitFor(() => rec.got.length > 0, 'B gets what Q kept', 30000);
      await sleep(1000);
      const got = rec.got.map((x) => x[0]);
      // About 3000 / 300 bytes of entries were kept: the first ones, in order.
      assert.ok(got.length > 0 && got.length < 40, JSON.stringify(got));
      assert.deepEqual(got, got.map((_, i) => i));
      assert.match(Q.stderr(), /queue full while Redis is away/);
      // And the cluster goes on.
      const after = record(b, 'after');
      await waitFor(async () => {
        await ack(q, 'to-rooms', {}, 'after', 1);
        await sleep(200);
        return after.got.length > 0;
      }, 'Q reaches B again', 20000, 100);
    } finally {
      clients.closeAll();
      await stopClean(Q);
    }
  });
});

describe('a stream key that Redis refuses to read', () => {
  test('the reader retries every second instead of at once, then reads when the key is a stream again', { timeout: 60000, skip: clusterIsRef && 'libsio\'s reader' }, async () => {
    const c = await RespConn.connect(redis.port);
    await c.command('SET', 'wt-stream', 'not a stream');
    const opts = ['--streams', '--stream', 'wt-stream', '--key', 'wt'];
    const [W1, W2] = await Promise.all([spawnClusterServer('W1', redis.url, opts), spawnClusterServer('W2', redis.url, opts)]);
    try {
      const mon = await monitor(redis.port);
      await sleep(2500);
      mon.close();
      const reads = mon.cmds.filter((x) => /^(XREAD|XREVRANGE)$/i.test(x[0]) && x.includes('wt-stream'));
      // Two servers, one read a second each: a handful, not thousands.
      assert.ok(reads.length >= 2 && reads.length <= 12, `${reads.length} reads in 2.5 s`);
      assert.match(W1.stderr(), /XREVRANGE on wt-stream failed: WRONGTYPE.*retrying every second/);
      await c.command('DEL', 'wt-stream');
      const w1 = await clients.connect(W1, '/', WS);
      const w2 = await clients.connect(W2, '/', WS);
      const rec = record(w1, 'wt');
      await waitFor(async () => {
        await ack(w2, 'to-rooms', {}, 'wt', 1);
        await sleep(200);
        return rec.got.length > 0;
      }, 'W2 reaches W1 once the key is a stream', 20000, 100);
    } finally {
      c.close();
      clients.closeAll();
      await Promise.all([stopClean(W1), stopClean(W2)]);
    }
  });
});

// Connection state recovery across servers: a client drops from one server
// and comes back to another (C or Node), with its pid and last offset, and
// gets its id, rooms, data and the broadcasts it missed, in order, once.
describe('connection state recovery across servers', () => {
  const REC = ['--streams', '--stream', 'sio-recovery', '--key', 'rec', '--recovery'];
  let RA;
  let RB;
  let RN;

  before(async () => {
    [RA, RB, RN] = await Promise.all([
      spawnClusterServer('RA', redis.url, REC),
      spawnClusterServer('RB', redis.url, REC),
      spawnRefServer('RN', redis.url, REC),
    ]);
    await awaitCluster(clients, [RA, RB, RN], 3, ['/']);
  });

  after(async () => {
    const stops = [];
    for (const s of [RA, RB]) if (s) stops.push(stopClean(s));
    for (const s of [RN]) if (s) stops.push(s.stop());
    await Promise.all(stops);
  });

  // Connects to srv; with from (a dropped socket), as its recovery.
  // rec: events to record from the start (the missed ones come with the
  // CONNECT reply).
  async function connectRecovering(srv, from, rec = null) {
    const s = await new Promise((resolve, reject) => {
      const x = clients.connectLater(srv, '/', WS);
      if (rec) rec.got = record(x, rec.ev).got;
      if (from) {
        x._pid = from._pid;
        x._lastOffset = from._lastOffset;
      }
      x.once('connect', () => resolve(x));
      x.once('connect_error', reject);
      x.connect();
    });
    return s;
  }

  const CASES = [
    { label: 'C to C', from: () => RA, to: () => RB },
    { label: 'C to Node', from: () => RA, to: () => RN },
    { label: 'Node to C', from: () => RN, to: () => RA },
  ];
  for (const c of CASES) {
    test(`a client dropped from one server is recovered on another, ${c.label}`, T, async (t) => {
      const from = c.from();
      const to = c.to();
      const witness = await connectRecovering(to);
      const s = await connectRecovering(from);
      assert.ok(s._pid, 'the server gave a pid');
      await ack(s, 'join', 'room1');
      await ack(s, 'set-data', { k: 1 });
      const first = record(s, 'seq');
      await ack(witness, 'to-rooms', {}, 'seq', 'first');
      await expectEvents(first, 1, 'the first event (an offset)');
      assert.equal(typeof s._lastOffset, 'string');
      const id = s.id;
      const gone = once(s, 'disconnect');
      s.io.engine.close(); // transport close: a recoverable reason
      await gone;
      await sleep(200); // the session reaches Redis
      const seen = record(witness, 'seq');
      await ack(witness, 'to-rooms', { to: ['room1'] }, 'seq', 'm1');
      await ack(witness, 'to-rooms', {}, 'seq', 'm2');
      await ack(witness, 'to-rooms', { to: ['elsewhere'] }, 'seq', 'not-me');
      await ack(witness, 'to-rooms', { except: ['room1'] }, 'seq', 'excepted');
      await ack(witness, 'to-rooms', { to: ['room1'], volatile: true }, 'seq', 'volatile');
      await ack(witness, 'to-rooms', {}, 'seq', 'm3'); // the witness sees this one
      await waitFor(() => seen.got.some((x) => x[0] === 'm3'), 'the witness saw m3');
      const replay = { ev: 'seq', got: [] };
      const back = await connectRecovering(to, s, replay);
      assert.equal(back.recovered, true, 'recovered');
      assert.equal(back.id, id, 'same id');
      // Node's restore also replays volatile broadcasts (it checks rooms
      // only); libsio's leaves them out, as its in-memory recovery does.
      const toNode = to === RN || clusterIsRef;
      const want = toNode ? ['m1', 'm2', 'volatile', 'm3'] : ['m1', 'm2', 'm3'];
      const got = await expectEvents(replay, want.length, 'missed events', { quiet: 500 });
      assert.deepEqual(got.map((x) => x[0]), want);
      for (const x of got) assert.match(x[1], /^\d+-\d+$/, 'offset is a stream entry id');
      const rooms = await ack(back, 'rooms');
      assert.ok(rooms.includes('room1') && rooms.includes(id), JSON.stringify(rooms));
      const list = await ack(back, 'fetch', 'room1');
      assert.deepEqual(list.find((x) => x.id === id).data, { k: 1 });
      // A session is restored once: the same pid again is a new session.
      const again = await connectRecovering(from, s);
      assert.equal(again.recovered, false);
      assert.notEqual(again.id, id);
    });
  }

  test('sessions are stored and taken as Node does (seen with MONITOR)', T, async (t) => {
    const mon = await monitor(redis.port);
    try {
      const witness = await connectRecovering(RB);
      const dropped = [];
      for (const srv of [RA, RN]) {
        const s = await connectRecovering(srv);
        await ack(s, 'join', `room-${srv.name}`);
        await ack(s, 'set-data', { who: srv.name });
        const rec = record(s, 'tick');
        await ack(witness, 'to-rooms', {}, 'tick', srv.name);
        await expectEvents(rec, 1, `${srv.name}: an event with an offset`, { quiet: 0 });
        const d = { srv, s, pid: s._pid, id: s.id }; // the client forgets its id on disconnect
        const gone = once(s, 'disconnect');
        s.io.engine.close();
        await gone;
        dropped.push(d);
      }
      const sets = await waitFor(() => {
        const x = mon.cmds.filter((c) => c[0].toUpperCase() === 'SET' && c[1].startsWith('sio:session:'));
        return x.length >= 2 && x;
      }, () => `two session SETs (seen ${JSON.stringify(mon.cmds.slice(-10))})`);
      for (const d of dropped) {
        const set = sets.find((c) => c[1] === `sio:session:${d.pid}`);
        assert.ok(set, `${d.srv.name} stored its session under sio:session:<pid>`);
        assert.deepEqual(set.slice(3).map((x) => x.toUpperCase()), ['PX', '120000']);
        const session = decode(Buffer.from(set[2], 'base64'));
        assert.deepEqual(Object.keys(session), ['sid', 'pid', 'rooms', 'data']);
        assert.equal(session.sid, d.id);
        assert.equal(session.pid, d.pid);
        assert.deepEqual([...session.rooms].sort(), [d.id, `room-${d.srv.name}`].sort());
        assert.deepEqual(session.data, { who: d.srv.name });
      }
      // Each comes back to the other kind of server.
      mon.cmds.length = 0;
      for (const d of dropped) {
        const back = await connectRecovering(d.srv === RA ? RN : RA, d.s);
        assert.equal(back.recovered, true, `recovered on ${d.srv === RA ? 'RN' : 'RA'}`);
        assert.deepEqual((await ack(back, 'rooms')).sort(), [d.id, `room-${d.srv.name}`].sort());
      }
      for (const d of dropped) {
        const key = `sio:session:${d.pid}`;
        const i = mon.cmds.findIndex((c) => c[0].toUpperCase() === 'GET' && c[1] === key);
        assert.ok(i > 0, `GET ${key}`);
        assert.deepEqual(
          mon.cmds.slice(i - 1, i + 3).map((c) => [c[0].toUpperCase(), c[1]]),
          [['MULTI', undefined], ['GET', key], ['DEL', key], ['EXEC', undefined]],
        );
        const off = d.s._lastOffset;
        assert.ok(
          mon.cmds.some((c) => c[0].toUpperCase() === 'XRANGE' && c[1] === 'sio-recovery' && c[2] === off && c[3] === off),
          `XRANGE sio-recovery ${off} ${off}`,
        );
      }
    } finally {
      mon.close();
    }
  });

  test('an unknown pid or an offset the stream no longer holds gives a new session', T, async (t) => {
    const s = await connectRecovering(RA, { _pid: 'no-such-pid', _lastOffset: '1-0' });
    assert.equal(s.recovered, false);
  });
});
