// Bad input at the Socket.IO layer, sent as raw Engine.IO frames over a
// WebSocket and over polling to tests/servers/sio_test_server.c: every decode
// error or invalid state closes that connection (docs/PROTOCOL.md §2.3-2.4), an
// oversized payload gets 1009 / 413, an unknown namespace gets CONNECT_ERROR
// and the connection stays, unknown ack ids are ignored, the server's sockets
// see the reference's disconnect reasons, and a healthy socket.io-client next
// to it is never disturbed.
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
    await healthyStillWorks();
  });

  test('an oversized message closes with 1009', T, async () => {
    const ws = await connected();
    ws.send('42["echo","' + 'x'.repeat(1000001) + '"]');
    assert.equal(await closesWithin(ws), 1009);
    await healthyStillWorks();
  });

});

describe('bad input over polling', () => {
  const base = () => `http://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=polling`;
  async function joined() {
    const hs = await (await fetch(base())).text();
    const url = `${base()}&sid=${JSON.parse(hs.slice(1)).sid}`;
    assert.equal(await (await fetch(url, { method: 'POST', body: '40' })).text(), 'ok');
    let got = '';
    for (let i = 0; i < 5 && !got.includes('["auth"'); i++) got += await (await fetch(url)).text();
    assert.match(got, /^40\{"sid":"[^"]+"\}\x1e42\["auth",\{\}\]$/);
    return url;
  }
  // The session is gone: its sid is unknown (400, code 1).
  async function gone(url) {
    const r = await fetch(url);
    const body = await r.text();
    if (r.status === 200) {
      // a GET that was already due gets the close packet first
      assert.match(body, /(^|\x1e)[16]$/);
      return gone(url);
    }
    assert.equal(r.status, 400);
    assert.deepEqual(JSON.parse(body), { code: 1, message: 'Session ID unknown' });
  }

  test('an oversized POST gets 413; others are untouched', T, async () => {
    const url = await joined();
    const r = await fetch(url, { method: 'POST', body: '42["echo","' + 'x'.repeat(1000001) + '"]' }).catch((e) => e);
    assert.equal(r.status, 413, String(r));
    await healthyStillWorks();
  });

  test('garbage, wrong attachments and an event to a namespace never joined close the session', T, async () => {
    for (const body of ['4abc', '451-["echo",{"_placeholder":true,"num":1}]\x1ebAQ==', 'bAQID', '42/custom,["echo"]']) {
      const url = await joined();
      const r = await fetch(url, { method: 'POST', body });
      assert.ok(r.status === 200 || r.status === 400, `${body}: ${r.status}`);
      await gone(url);
    }
    await healthyStillWorks();
  });

  test('an event before any CONNECT closes the session', T, async () => {
    const hs = await (await fetch(base())).text();
    const url = `${base()}&sid=${JSON.parse(hs.slice(1)).sid}`;
    await fetch(url, { method: 'POST', body: '42["echo",1]' });
    await gone(url);
    await healthyStillWorks();
  });
});

describe('configured limits: attachment count and JSON depth', () => {
  test('at the limit is accepted, past it closes the connection', T, async () => {
    const s2 = await spawnServer('sio_test_server', ['--max-attachments', '2', '--max-json-depth', '4']);
    try {
      const open = () =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${s2.port}/socket.io/?EIO=4&transport=websocket`);
          const msgs = [];
          ws.on('error', reject);
          ws.closed = new Promise((r) => ws.on('close', r));
          ws.next = () => new Promise((r) => (msgs.length ? r(msgs.shift()) : ws.once('queued', () => r(msgs.shift()))));
          ws.on('message', (d, bin) => {
            const m = bin ? d : d.toString();
            if (m === '2') return ws.send('3');
            if (!bin && m[0] === '0') return ws.send('40');
            if (!bin && m.startsWith('40{')) return resolve(ws);
            if (!bin && (m.startsWith('42["auth"') || m.startsWith('42["left"'))) return;
            msgs.push(m);
            ws.emit('queued');
          });
        });
      // the payload array is level 1: ["x",[[1]]] is 3 deep, [[[1]]] makes 4
      const ok = await open();
      ok.send('4210["echo-ack",[[[1]]]]');
      assert.equal(await ok.next(), '4310[[[[1]]]]');
      ok.send(`452-11["echo-ack",${'{"_placeholder":true,"num":0}'},${'{"_placeholder":true,"num":1}'}]`);
      ok.send(Buffer.from([1]));
      ok.send(Buffer.from([2]));
      assert.equal(await ok.next(), `462-11[${'{"_placeholder":true,"num":0}'},${'{"_placeholder":true,"num":1}'}]`);
      assert.deepEqual(await ok.next(), Buffer.from([1]));
      assert.deepEqual(await ok.next(), Buffer.from([2]));
      const deep = await open();
      deep.send('42["echo",[[[[1]]]]]');
      await deep.closed;
      const many = await open();
      many.send('453-["echo"]');
      await many.closed;
      ok.send('4212["echo-ack","still"]');
      assert.equal(await ok.next(), '4312["still"]');
      ok.close();
    } finally {
      const r = await s2.stop();
      assert.equal(r.code, 0);
    }
  });
});

describe('the disconnect reasons the server reports, as the reference does', () => {
  test('forced close, parse error, transport close, ping timeout, client namespace disconnect', T, async () => {
    const s2 = await spawnServer('sio_test_server', ['--ping-interval', '150', '--ping-timeout', '150']);
    const watcher = io(`http://127.0.0.1:${s2.port}`, { forceNew: true, reconnection: false, transports: ['websocket'] });
    try {
      const left = new Map();
      watcher.on('left', (id, reason) => left.set(id, reason));
      await new Promise((res) => watcher.once('auth', res));
      // [expected reason, what the raw client does once joined, answers pings]
      const cases = [
        ['forced close', (ws) => ws.send('42{}')], // a Socket.IO decode error
        ['forced close', (ws) => ws.send(Buffer.from([1]))], // a stray attachment
        ['forced close', (ws) => ws.send('42/other,["x"]')], // a namespace never joined
        ['parse error', (ws) => ws.send('x')], // an Engine.IO decode error
        ['transport close', (ws) => ws.close()],
        ['client namespace disconnect', (ws) => ws.send('41')],
        ['ping timeout', () => {}, false],
      ];
      const ids = await Promise.all(
        cases.map(
          ([, act, pong = true]) =>
            new Promise((resolve, reject) => {
              const ws = new WebSocket(`ws://127.0.0.1:${s2.port}/socket.io/?EIO=4&transport=websocket`);
              ws.on('error', reject);
              ws.on('message', (d) => {
                const m = d.toString();
                if (m === '2' && pong) ws.send('3');
                else if (m[0] === '0') ws.send('40');
                else if (m.startsWith('40{')) {
                  resolve(JSON.parse(m.slice(2)).sid);
                  act(ws);
                }
              });
            }),
        ),
      );
      const t0 = Date.now();
      while (left.size < ids.length && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(ids.map((id) => left.get(id)), cases.map(([r]) => r));
    } finally {
      watcher.disconnect();
      const r = await s2.stop();
      assert.equal(r.code, 0);
    }
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
