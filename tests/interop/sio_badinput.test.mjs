// Bad input at the Socket.IO layer, sent as raw Engine.IO frames over a
// WebSocket (and a few over polling) to tests/servers/sio_test_server.c: every
// decode error or invalid state closes that connection (PROTOCOL.md §2.3-2.4),
// an unknown namespace gets CONNECT_ERROR and the connection stays, unknown
// ack ids are ignored, and a healthy socket.io-client next to it is never
// disturbed.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { io } from 'socket.io-client';
import { spawnServer } from './lib/spawn.mjs';

const T = { timeout: 15000 };
let srv;
let healthy;

before(async () => {
  srv = await spawnServer('sio_test_server');
  healthy = io(`http://127.0.0.1:${srv.port}`, { forceNew: true, reconnection: false, transports: ['websocket'] });
  await new Promise((res, rej) => {
    healthy.once('connect', res);
    healthy.once('connect_error', rej);
  });
});

after(async () => {
  healthy.disconnect();
  const r = await srv.stop();
  assert.equal(r.code, 0, `server exit: ${JSON.stringify(r)} stderr: ${srv.stderr()}`);
});

// A raw WebSocket session: resolves once the EIO open packet arrived.
function raw() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=websocket`);
    ws.msgs = [];
    ws.waiters = [];
    ws.on('message', (data, isBinary) => {
      const m = isBinary ? data : data.toString();
      if (m === '2') return ws.send('3'); // heartbeat
      if (!isBinary && m.startsWith('42["left",')) return; // other tests' sockets leaving
      if (!isBinary && m[0] === '0' && ws.msgs.length === 0 && !ws.opened) {
        ws.opened = true;
        return resolve(ws);
      }
      ws.msgs.push(m);
      for (const w of ws.waiters.splice(0)) w();
    });
    ws.closed = new Promise((r) => ws.on('close', (code) => r(code)));
    ws.on('error', reject);
  });
}

async function next(ws, ms = 3000) {
  const t0 = Date.now();
  while (!ws.msgs.length) {
    if (Date.now() - t0 > ms) throw new Error('no message');
    await new Promise((r) => {
      ws.waiters.push(r);
      setTimeout(r, 50);
    });
  }
  return ws.msgs.shift();
}

async function connected() {
  const ws = await raw();
  ws.send('40');
  assert.match(await next(ws), /^40\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
  assert.equal(await next(ws), '42["auth",{}]');
  return ws;
}

function closesWithin(ws, ms = 3000) {
  return Promise.race([ws.closed, new Promise((_, rej) => setTimeout(() => rej(new Error('still open')), ms))]);
}

async function healthyStillWorks() {
  const back = await new Promise((res) => {
    healthy.once('echo', (...a) => res(a));
    healthy.emit('echo', 'still', 1);
  });
  assert.deepEqual(back, ['still', 1]);
}

const FATAL = [
  ['a packet type that does not exist', '4abc'],
  ['a reserved event name', '42["disconnect"]'],
  ['an event that is not an array', '42{}'],
  ['an empty event array', '42[]'],
  ['a DISCONNECT with a payload', '41{}'],
  ['trailing garbage after the JSON', '42["echo"]junk'],
  ['letters after the ack id', '42abc["echo"]'],
  ['a CONNECT_ERROR from the client', '44{"message":"x"}'],
  ['a second CONNECT to a joined namespace', '40'],
  ['an event for a namespace never joined', '42/custom,["echo"]'],
  ['a placeholder number out of range', '451-["echo",{"_placeholder":true,"num":1}]'],
  ['too many attachments', '4511-["echo"]'],
  ['JSON nested too deep', `42["echo",${'['.repeat(40)}${']'.repeat(40)}]`],
  ['invalid JSON', '42["echo",tru]'],
];

describe('bad input closes the connection; others are untouched', () => {
  for (const [what, frame] of FATAL) {
    test(what, T, async () => {
      const ws = await connected();
      ws.send(frame);
      await closesWithin(ws);
      await healthyStillWorks();
    });
  }

  test('a binary frame while no attachment is expected', T, async () => {
    const ws = await connected();
    ws.send(Buffer.from([1, 2, 3]));
    await closesWithin(ws);
    await healthyStillWorks();
  });

  test('a text frame while attachments are expected', T, async () => {
    const ws = await connected();
    ws.send('451-["echo",{"_placeholder":true,"num":0}]');
    ws.send('42["echo"]');
    await closesWithin(ws);
    await healthyStillWorks();
  });

  test('an event before any CONNECT', T, async () => {
    const ws = await raw();
    ws.send('42["echo",1]');
    await closesWithin(ws);
  });

  test('an oversized message closes with 1009', T, async () => {
    const ws = await connected();
    ws.send('42["echo","' + 'x'.repeat(1000001) + '"]');
    assert.equal(await closesWithin(ws), 1009);
    await healthyStillWorks();
  });

});

describe('recoverable input', () => {
  test('an unknown namespace gets CONNECT_ERROR and the connection stays', T, async () => {
    const ws = await connected();
    ws.send('40/nope,');
    assert.equal(await next(ws), '44/nope,{"message":"Invalid namespace"}');
    ws.send('40/nope'); // the comma is optional when nothing follows
    assert.equal(await next(ws), '44/nope,{"message":"Invalid namespace"}');
    ws.send('40/custom,{"a":1}');
    assert.match(await next(ws), /^40\/custom,\{"sid":"[^"]+"\}$/);
    assert.equal(await next(ws), '42/custom,["auth",{"a":1}]');
    ws.send('42["echo",1,{"k":[true]},"é"]');
    assert.equal(await next(ws), '42["echo",1,{"k":[true]},"é"]');
    ws.close();
  });

  test('an ack for an unknown id is ignored', T, async () => {
    const ws = await connected();
    ws.send('43999["late"]');
    ws.send('43[]');
    ws.send('4212["echo-ack","ok"]');
    assert.equal(await next(ws), '4312["ok"]');
    ws.close();
  });

  test('namespace disconnect is silent, then CONNECT again works', T, async () => {
    const ws = await connected();
    ws.send('41');
    ws.send('40');
    assert.match(await next(ws), /^40\{"sid":"[^"]+"\}$/);
    assert.equal(await next(ws), '42["auth",{}]');
    ws.close();
  });

  test('binary arguments and acks keep their exact shape', T, async () => {
    const ws = await connected();
    ws.send('452-789["echo-ack",{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}]');
    ws.send(Buffer.from([1, 2]));
    ws.send(Buffer.from([3]));
    assert.equal(await next(ws), '462-789[{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}]');
    assert.deepEqual(await next(ws), Buffer.from([1, 2]));
    assert.deepEqual(await next(ws), Buffer.from([3]));
    ws.close();
  });
});

describe('connect timeout', () => {
  test('a session that joins no namespace in time is closed; one that joins stays', T, async () => {
    const s2 = await spawnServer('sio_test_server', ['--connect-timeout', '300', '--ping-interval', '100', '--ping-timeout', '1000']);
    try {
      const url = `ws://127.0.0.1:${s2.port}/socket.io/?EIO=4&transport=websocket`;
      const open = (ws) => new Promise((r) => ws.once('message', r));
      const idle = new WebSocket(url);
      const joined = new WebSocket(url);
      idle.on('message', (m) => m.toString() === '2' && idle.send('3'));
      joined.on('message', (m) => m.toString() === '2' && joined.send('3'));
      const idleClosed = new Promise((r) => idle.on('close', r));
      let joinedClosed = false;
      joined.on('close', () => (joinedClosed = true));
      await Promise.all([open(idle), open(joined)]);
      joined.send('40');
      await idleClosed; // despite answering every ping
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(joinedClosed, false);
      joined.close();
    } finally {
      const r = await s2.stop();
      assert.equal(r.code, 0);
    }
  });
});
