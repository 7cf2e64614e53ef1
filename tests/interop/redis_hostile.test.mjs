// Hostile and malformed traffic on the Redis channels of two running
// sio_cluster_server processes (A and B), published with a raw RESP
// connection: bad MessagePack, JSON where MessagePack is expected, short
// arrays, wrong types in every field, huge declared lengths, deep nesting,
// trailing bytes, requests without their options, non-JSON requests,
// responses to unknown requests, malformed responses to a real request. After
// each batch both servers still run, still serve their clients and still
// deliver across nodes; their stderr has a "redis: ... malformed" line.
// SIO_CLUSTER_SERVER=ref runs the Node reference servers instead (Node's
// adapter does not guard against any of this: expect failures there).
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import notepack from 'notepack.io';
import { startRedis, RespConn } from './lib/redis.mjs';
import {
  clusterIsRef,
  Clients,
  ack,
  ackIn,
  record,
  waitFor,
  sleep,
  WS,
  awaitCluster,
  spawnClusterServers,
  stopCluster,
} from './lib/cluster.mjs';

const T = { timeout: 40000 };

let redis;
let A;
let B;
let pub; // raw connection that publishes the garbage
const clients = new Clients();

before(async () => {
  redis = await startRedis();
  [A, B] = await spawnClusterServers(['A', 'B'], redis.url, ['--request-timeout', '2000']);
  pub = await RespConn.connect(redis.port);
  await awaitCluster(clients, [A, B], 2);
});

after(async () => {
  if (pub) pub.close();
  await stopCluster({ clients, clean: [A, B], redis });
});

afterEach(async () => {
  clients.closeAll();
  await sleep(150);
});

const hex = (s) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const mp = (v) => Buffer.from(notepack.encode(v));
const json = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const PACKET = { type: 2, data: ['hostile', 1], nsp: '/' };
const OPTS = { rooms: [], except: [], flags: {} };

function deepArray(depth) {
  return Buffer.concat([Buffer.alloc(depth, 0x91), Buffer.from([0xc0])]);
}

// Garbage for a broadcast channel (msgpack [uid, packet, opts] expected).
function broadcastGarbage(nsp) {
  const packet = { ...PACKET, nsp };
  return [
    Buffer.alloc(0),
    hex('c1'),
    hex('93 a6'),
    hex('93 a1 78'),
    crypto.randomBytes(64),
    crypto.randomBytes(1 << 20),
    json({ uid: 'x', packet, opts: OPTS }),
    json('["x",{"type":2,"data":["ev"],"nsp":"/"},{}]'),
    mp(['x', packet]),
    mp(['x']),
    mp([]),
    mp('just a string'),
    mp(42),
    mp(null),
    mp({ uid: 'x', packet, opts: OPTS }),
    mp([1, packet, OPTS]),
    mp([null, packet, OPTS]),
    mp(['x', 'not a map', OPTS]),
    mp(['x', [1, 2], OPTS]),
    mp(['x', { type: 2, data: 'not an array', nsp }, OPTS]),
    mp(['x', { type: 2, data: [], nsp }, OPTS]),
    mp(['x', { type: 2, data: [5, 'ev name not a string'], nsp }, OPTS]),
    mp(['x', { type: 2, data: [null], nsp }, OPTS]),
    mp(['x', { type: 2, data: [{ a: 1 }], nsp }, OPTS]),
    mp(['x', { type: '2', data: ['ev'], nsp }, OPTS]),
    mp(['x', { type: 99, data: ['ev'], nsp }, OPTS]),
    mp(['x', { type: 2, data: ['ev'], nsp: 5 }, OPTS]),
    mp(['x', { type: 2, data: ['connect'], nsp }, OPTS]),
    mp(['x', packet, 'opts not a map']),
    mp(['x', packet, null]),
    mp(['x', packet, { rooms: 'r', except: 5, flags: 'f' }]),
    mp(['x', packet, { rooms: [1, 2, {}], except: [null, []], flags: { volatile: 'yes' } }]),
    mp(['x', packet, { rooms: { a: 1 }, except: { b: 2 } }]),
    mp(['x', { ...packet, data: ['extra-element'] }, OPTS, 'a fourth element']),
    Buffer.concat([mp(['x', { type: 2, data: ['trailing'], nsp }, OPTS]), hex('00')]),
    hex('93 a1 78 83 a4 74797065 02 a4 64617461 91 d4 05 00 a3 6e7370 a1 2f 80'), // ext 5 as the event name
    hex('dd ffffffff'),
    hex('93 dd ffffffff'),
    hex('93 db ffffffff 78'),
    hex('93 a1 78 c6 ffffffff 00'),
    hex('93 a1 78 df ffffffff'),
    hex('93 a1 78 83 a4 74797065 02 a4 64617461 dc ffff a1 78'),
    hex('93 a1 78 de ffff a1 61'),
    hex('cb 7ff8000000000000'),
    hex('93 a1 78 83 a4 74797065 cb 4000000000000000 a4 64617461 91 a2 6576 a3 6e7370 a1 2f 80'), // type 2.0: legal, an event "ev"
    deepArray(100000),
    Buffer.concat([hex('93 a1 78 83 a4 74797065 02 a4 64617461 92 a2 6576'), deepArray(50000), hex('a3 6e7370 a1 2f 80')]),
  ];
}

// Garbage for the request channel (JSON, or msgpack for type 7).
function requestGarbage(nsp) {
  const packet = { ...PACKET, nsp };
  return [
    Buffer.alloc(0),
    json('hello'),
    json('{'),
    json('{"type":'),
    json(' {"uid":"x","type":1,"requestId":"lead-space"}'),
    json('[1,2]'),
    json('null'),
    json('{}'),
    json('"str"'),
    json({ type: 99 }),
    json({ type: -1 }),
    json({ type: '5', requestId: 'x' }),
    json({ type: 1.5 }),
    json('{"type":1e400}'),
    json({ uid: 'x', requestId: 'n5', type: 5 }), // type 5 without opts
    json({ uid: 'x', requestId: 'n5b', type: 5, opts: 'x' }),
    json({ uid: 'x', requestId: 'n5c', type: 5, opts: { rooms: 5, except: 'e' } }),
    json({ uid: 'x', requestId: 5, type: 5, opts: { rooms: [], except: [] } }),
    json({ uid: 'x', type: 0 }),
    json({ uid: 'x', requestId: 'n0', type: 0, rooms: 'r' }),
    json({ uid: 'x', type: 1 }),
    json({ type: 2 }),
    json({ type: 2, opts: 5, rooms: 'x' }),
    json({ type: 2, opts: { rooms: ['a'], except: [] }, rooms: [1, null, {}] }),
    json({ type: 3, opts: { rooms: {}, except: 7 }, rooms: 'x' }),
    json({ type: 4, opts: { rooms: 5 } }),
    json({ type: 4, opts: { rooms: ['nobody-here'], except: [] }, close: 'yes' }),
    json({ uid: 'x', requestId: 'old', type: 2, sid: 5, room: [] }),
    json({ uid: 'x', type: 6 }),
    json({ uid: 'x', type: 6, data: 'str' }),
    json({ uid: 'x', type: 6, data: [] }),
    json({ uid: 'x', type: 6, data: [5] }),
    json({ uid: 'x', type: 6, data: [null, 1] }),
    json({ uid: 'x', requestId: 5, type: 6, data: ['e'] }),
    json({ uid: 'x', requestId: ['a'], type: 6, data: ['e'] }),
    json('['.repeat(100000)),
    json(`{"uid":"x","type":6,"data":["deep",${'['.repeat(50000)}${']'.repeat(50000)}]}`),
    json(`{"uid":"x","type":6,"data":["${'s'.repeat(1 << 20)}"]}`).subarray(0, (1 << 20) - 7),
    mp({ uid: 'x', requestId: 'n7', type: 7, packet }), // type 7 without opts
    mp({ uid: 'x', requestId: 'n7b', type: 7, packet, opts: 'x' }),
    mp({ uid: 'x', requestId: 'n7c', type: 7, opts: OPTS }), // no packet
    mp({ uid: 'x', requestId: 'n7d', type: 7, packet: 'p', opts: OPTS }),
    mp({ uid: 'x', requestId: 5, type: 7, packet, opts: OPTS }),
    mp({ uid: 'x', type: 7, packet, opts: OPTS }),
    mp(['not', 'a', 'map']),
    hex('c1'),
    hex('df ffffffff'),
    hex('85 a3 756964 a1 78'),
    crypto.randomBytes(256),
  ];
}

// Garbage for the response channels (JSON, msgpack for type 9).
function responseGarbage() {
  return [
    Buffer.alloc(0),
    json('x'),
    json('{'),
    json({ requestId: 'unknown', rooms: ['r'] }),
    json({ requestId: 'unknown', sockets: [{ id: 'x' }] }),
    json({ type: 8, requestId: 'nope', clientCount: 5 }),
    json({ type: 6, requestId: 'nope', data: 1 }),
    json({ requestId: 5 }),
    json({}),
    json({ type: 8, requestId: 'nope', clientCount: 'many' }),
    mp({ type: 9, requestId: 'nope', packet: 1 }),
    mp({ type: 9, requestId: 5 }),
    mp([9, 'nope']),
    hex('c1'),
    hex('dd ffffffff'),
    crypto.randomBytes(128),
  ];
}

let seq = 0;
// A broadcast from a client of each server reaches a client of the other.
async function crossCheck(what) {
  for (const srv of [A, B]) assert.equal(srv.exited(), null, `${what}: ${srv.name} exited; stderr: ${srv.stderr().slice(-3000)}`);
  for (const nsp of ['/', '/chat']) {
    const a = await clients.connect(A, nsp, WS);
    const b = await clients.connect(B, nsp, WS);
    const ra = record(a, 'alive');
    const rb = record(b, 'alive');
    const n = ++seq;
    await ack(a, 'join', 'alive');
    await ack(b, 'join', 'alive');
    assert.equal(await ack(a, 'to-rooms', { to: ['alive'], sender: true }, 'alive', n), 0, `${what}: A${nsp} answers`);
    assert.equal(await ack(b, 'to-rooms', { to: ['alive'], sender: true }, 'alive', n), 0, `${what}: B${nsp} answers`);
    await waitFor(() => rb.got.length && ra.got.length, () => `${what}: cross-node delivery on ${nsp} (A got ${JSON.stringify(ra.got)}, B got ${JSON.stringify(rb.got)})`);
    assert.deepEqual([ra.got, rb.got], [[[n]], [[n]]], `${what}: exactly the one broadcast on ${nsp}`);
    a.disconnect();
    b.disconnect();
  }
}

async function publishAll(channel, list) {
  for (const m of list) await pub.command('PUBLISH', channel, m);
}

describe(`hostile traffic on the Redis channels of two ${clusterIsRef ? 'Node reference' : 'C'} servers`, () => {
  test('broadcast channels: bad MessagePack, JSON, short arrays, wrong types, huge lengths, deep nesting', T, async () => {
    // Clients in a room on both servers, so the room channel is decoded too.
    const a = await clients.connect(A, '/', WS);
    const b = await clients.connect(B, '/', WS);
    await ack(a, 'join', 'hr');
    await ack(b, 'join', 'hr');
    // Every event the clients get: only the two legal messages may arrive.
    const evs = { a: [], b: [] };
    a.onAny((ev) => evs.a.push(ev));
    b.onAny((ev) => evs.b.push(ev));
    await publishAll('socket.io#/#', broadcastGarbage('/'));
    await publishAll('socket.io#/#hr#', broadcastGarbage('/'));
    await publishAll('socket.io#/chat#', broadcastGarbage('/chat'));
    await publishAll(`socket.io#/#${a.id}#`, broadcastGarbage('/').slice(0, 12));
    await crossCheck('after broadcast garbage');
    // Nothing malformed reached a client. Legal: the packet type as float64
    // 2.0 (event "ev"), and a 4th array element, which Node ignores too
    // (event "extra-element"; delivered or not).
    for (const k of ['a', 'b']) {
      const bad = evs[k].filter((e) => e !== 'ev' && e !== 'extra-element');
      assert.deepEqual(bad, [], `${k}: malformed broadcasts delivered as events ${JSON.stringify(bad)}`);
      assert.ok(evs[k].includes('ev'), `${k}: a packet type written as float64 2.0 is accepted (got ${JSON.stringify(evs[k])})`);
    }
    assert.ok(a.connected && b.connected, 'the clients of the room are still connected');
    if (!clusterIsRef) {
      for (const srv of [A, B]) assert.match(srv.stderr(), /redis: .*malformed/, `${srv.name} logs the malformed messages`);
    }
  });

  test('request channels: non-JSON, requests without opts (types 5, 7), wrong types', T, async () => {
    const a = await clients.connect(A, '/', WS);
    await publishAll('socket.io-request#/#', requestGarbage('/'));
    await publishAll('socket.io-request#/chat#', requestGarbage('/chat'));
    await crossCheck('after request garbage');
    assert.ok(a.connected, 'a socket not selected by any well-formed request stays connected');
    assert.deepEqual(await ack(a, 'rooms'), [a.id], 'no malformed join went through');
  });

  test('response channels: garbage and responses to unknown requests', T, async () => {
    const channels = (await pub.command('PUBSUB', 'CHANNELS', 'socket.io-response#*')).map(String);
    assert.ok(channels.length >= 4, `response channels: ${channels}`);
    for (const ch of channels) await publishAll(ch, responseGarbage());
    await crossCheck('after response garbage');
    // requests still complete normally
    const a = await clients.connect(A, '/', WS);
    const b = await clients.connect(B, '/', WS);
    const f = await ack(a, 'fetch', '');
    assert.deepEqual(f.map((x) => x.id).sort(), [a.id, b.id].sort());
    assert.deepEqual(await ack(b, 'server-side-ack', 1500, 'ping'), { err: null, replies: [{ from: 'A', event: 'ping' }] });
  });

  // A fake third server: subscribed to the request channel of "/" (so NUMSUB
  // is 3), it answers each request of type `type` with the malformed answers
  // of `answers(requestId)` = [malformed, good], then 500 ms later the good ones.
  async function withFakeServer(type, answers, body) {
    const fake = await RespConn.connect(redis.port);
    const fakePub = await RespConn.connect(redis.port);
    let seen = 0;
    fake.onPush = (kind, pat, channel, payload) => {
      let req;
      try {
        req = payload[0] === 0x7b ? JSON.parse(payload.toString()) : notepack.decode(payload);
      } catch {
        return;
      }
      if (!req || req.type !== type || !req.requestId) return;
      seen++;
      const [bad, good] = answers(req.requestId);
      const send = (list) => {
        for (const m of list) fakePub.command('PUBLISH', 'socket.io-response#/#', m).catch(() => {});
      };
      send(bad);
      // The good answer comes late: a malformed answer counted as one would
      // complete the request without it.
      setTimeout(() => send(good), 500);
    };
    try {
      await fake.command('SUBSCRIBE', 'socket.io-request#/#');
      const a = await clients.connect(A, '/', WS);
      const b = await clients.connect(B, '/', WS);
      await waitFor(async () => (await ack(a, 'server-count')) === 3, 'A counts the fake server', 5000, 100);
      await body(a, b);
      assert.equal(seen, 1, 'the fake server saw the request once');
    } finally {
      fake.close();
      fakePub.close();
    }
    const a2 = await clients.connect(A, '/', WS);
    await waitFor(async () => (await ack(a2, 'server-count')) === 2, 'the fake server is gone', 5000, 100);
    await crossCheck('after malformed answers');
  }

  test('malformed fetchSockets answers are not counted as answers', T, async () => {
    await withFakeServer(5, (id) => [[
      json({ requestId: id, sockets: 'not a list' }),
      json({ requestId: id, sockets: null }),
      json({ requestId: id, sockets: { id: 'x' } }),
      json({ requestId: id }),
    ], [
      json({ requestId: id, sockets: [{ id: 'fake-sid', rooms: ['fake-sid', 'fr'], handshake: { auth: {} }, data: { fake: true } }] }),
    ]], async (a, b) => {
      const f = await ackIn(8000, a, 'fetch', '');
      assert.ok(Array.isArray(f), `fetch: ${JSON.stringify(f)}`);
      assert.deepEqual(f.map((x) => x.id).sort(), [a.id, b.id, 'fake-sid'].sort(),
        'the well-formed answer of the fake server counts, the malformed ones before it do not');
      const fake = f.find((x) => x.id === 'fake-sid');
      assert.deepEqual([fake.local, fake.rooms, fake.data], [false, ['fake-sid', 'fr'], { fake: true }]);
    });
  });

  test('malformed broadcast-ack client counts are not counted as answers', T, async () => {
    await withFakeServer(7, (id) => [[
      json({ type: 8, requestId: id, clientCount: 'one' }),
      json({ type: 8, requestId: id }),
      json({ type: 8, requestId: id, clientCount: null }),
      json({ type: 8, requestId: id, clientCount: -1 }),
      json({ type: 8, requestId: id, clientCount: 1.5 }),
    ], [
      json({ type: 8, requestId: id, clientCount: 1 }),
      mp({ type: 9, requestId: id, packet: 'fake-reply' }),
    ]], async (a, b) => {
      b.on('poll', (cb) => cb('b'));
      const r = await ackIn(8000, a, 'broadcast-ack', 3000, 'poll');
      assert.equal(r.err, null, `broadcast-ack: ${JSON.stringify(r)}`);
      assert.deepEqual(r.replies.sort(), ['b', 'fake-reply']);
    });
  });

  test('malformed serverSideEmit answers are not counted as answers', T, async () => {
    await withFakeServer(6, (id) => [[
      json({ type: '6', requestId: id, data: 'typed as a string' }),
      json({ type: 7, requestId: id, data: 'wrong type' }),
    ], [
      json({ type: 6, requestId: id, data: 'fake-side' }),
    ]], async (a) => {
      const s = await ackIn(8000, a, 'server-side-ack', 3000, 'ping');
      assert.equal(s.err, null, JSON.stringify(s));
      assert.deepEqual(s.replies.map((x) => (typeof x === 'string' ? x : x.from)).sort(), ['B', 'fake-side']);
    });
  });
});
