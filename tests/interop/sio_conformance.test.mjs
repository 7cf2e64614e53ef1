// The conformance server's /socket.io/ endpoint, case by case as the official
// socket.io-protocol test-suite (v5 over Engine.IO v4) checks it: the
// Engine.IO side at that path (handshake keys and values, bad requests,
// heartbeat, close, upgrade, CORS) and the Socket.IO side (CONNECT with and
// without payload, /custom, unknown namespace, DISCONNECT, events and acks
// with and without binary, invalid formats). Replies are compared character
// for character. The Socket.IO cases are explored further in
// sio_protocol.test.mjs (the same server); `make conformance-server` runs it.
// SIO_SIO_SERVER=ref runs the same checks against the Node reference
// (ref/sio_conformance_ref.mjs, socket.io 4.8).
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { handshake, get, post, request, errorBody, WsQueue, sleep } from './lib/eio.mjs';
import { spawnServer } from './lib/spawn.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const isRef = process.env.SIO_SIO_SERVER === 'ref';
const T = { timeout: 15000 };
const PH = (n) => `{"_placeholder":true,"num":${n}}`;

let srv;
const live = [];

function spawnRef() {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [path.join(here, 'ref', 'sio_conformance_ref.mjs'), '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.on('exit', (code) => reject(new Error(`reference exited early (${code})`)));
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ proc, port: Number(m[1]), stderr: () => '' });
    });
  });
}

before(async () => {
  const s = isRef ? await spawnRef() : await spawnServer('conformance_server');
  const exitP = new Promise((r) => s.proc.on('exit', (code, signal) => r({ code, signal })));
  srv = {
    port: s.port,
    origin: `http://127.0.0.1:${s.port}`,
    base: `http://127.0.0.1:${s.port}/socket.io/`,
    wsBase: `ws://127.0.0.1:${s.port}/socket.io/`,
    stderr: s.stderr,
    async stop() {
      s.proc.kill('SIGTERM');
      return exitP;
    },
  };
});

afterEach(() => {
  for (const q of live.splice(0)) q.destroy();
});

after(async () => {
  for (const q of live.splice(0)) q.destroy();
  const r = await srv.stop();
  if (!isRef) assert.deepEqual(r, { code: 0, signal: null }, srv.stderr());
});

const ws = (query = '') => {
  const q = new WsQueue(`${srv.wsBase}?EIO=4&transport=websocket${query}`);
  live.push(q);
  return q;
};

// A WebSocket session joined to "/": resolves the queue after the CONNECT
// reply and the auth event (pings are left to the caller).
async function joined() {
  const q = ws();
  assert.equal((await q.message()).data[0], '0');
  q.send('40');
  assert.match((await q.appMessage()).data, /^40\{"sid":"[\w-]+"\}$/);
  assert.equal((await q.appMessage()).data, '42["auth",{}]');
  return q;
}

// The open packet: exactly these keys, in this order, with the suite's values.
function checkOpen(text, upgrades) {
  assert.equal(text[0], '0');
  const v = JSON.parse(text.slice(1));
  assert.deepEqual(Object.keys(v), ['sid', 'upgrades', 'pingInterval', 'pingTimeout', 'maxPayload']);
  assert.equal(typeof v.sid, 'string');
  assert.deepEqual(v.upgrades, upgrades);
  assert.equal(v.pingInterval, 300);
  assert.equal(v.pingTimeout, 200);
  assert.equal(v.maxPayload, 1000000);
  return v.sid;
}

// Resolves once a WebSocket queue is closed or was refused.
async function refusedOrClosed(q) {
  const e = await q.next((x) => ['close', 'unexpected-response', 'message'].includes(x.type), 3000);
  assert.notEqual(e.type, 'message', `got a message: ${e.data}`);
}

describe('Engine.IO at /socket.io/', () => {
  test('polling handshake: 200, the open packet with the suite settings, CORS *', T, async () => {
    const r = await request(`${srv.base}?EIO=4&transport=polling`, { headers: { Origin: 'http://example.com' } });
    assert.equal(r.status, 200);
    checkOpen(r.text, ['websocket']);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
  });

  test('websocket handshake: the open packet with upgrades []', T, async () => {
    const q = ws();
    checkOpen((await q.message()).data, []);
  });

  test('invalid EIO, transport or method: 400', T, async () => {
    for (const [query, method] of [
      ['transport=polling', 'GET'],
      ['EIO=abc&transport=polling', 'GET'],
      ['EIO=4', 'GET'],
      ['EIO=4&transport=abc', 'GET'],
      ['EIO=4&transport=polling', 'POST'],
      ['EIO=4&transport=polling', 'PUT'],
    ]) {
      const r = await request(`${srv.base}?${query}`, { method });
      assert.equal(r.status, 400, `${method} ?${query}`);
    }
    for (const query of ['?transport=websocket', '?EIO=abc&transport=websocket', '?EIO=4', '?EIO=4&transport=abc']) {
      const q = new WsQueue(`${srv.wsBase}${query}`);
      live.push(q);
      await refusedOrClosed(q);
    }
  });

  test('OPTIONS preflight: 204 with Access-Control-Allow-Origin *', T, async () => {
    const r = await request(`${srv.base}?EIO=4&transport=polling`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://example.com', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
  });

  test('polling heartbeat: pings answered by pongs, three rounds', T, async () => {
    const { sid } = await handshake(srv);
    assert.equal((await post(srv, sid, '40')).text, 'ok');
    assert.match((await get(srv, sid)).text, /^40\{"sid":"[\w-]+"\}\x1e42\["auth",\{\}\]$/);
    for (let i = 0; i < 3; i++) {
      assert.equal((await get(srv, sid)).text, '2');
      assert.equal((await post(srv, sid, '3')).text, 'ok');
    }
  });

  test('polling: a session that never pongs is closed', T, async () => {
    const { sid } = await handshake(srv);
    await sleep(300 + 200); // pingInterval + pingTimeout
    let r;
    for (let i = 0; i < 5; i++) {
      r = await get(srv, sid);
      if (r.status !== 200) break; // the held GET may still get the ping or the close
    }
    assert.equal(r.status, 400);
    assert.equal(r.text, errorBody(1));
  });

  test('websocket heartbeat: pings answered by pongs, three rounds; unanswered: closed', T, async () => {
    const q = ws();
    await q.message();
    for (let i = 0; i < 3; i++) {
      assert.equal((await q.message()).data, '2');
      q.send('3');
    }
    const idle = ws();
    await idle.message();
    await idle.waitClose(3000);
  });

  test('polling close: the held GET gets 6, later requests 400', T, async () => {
    const { sid } = await handshake(srv);
    const held = get(srv, sid);
    await sleep(50);
    assert.equal((await post(srv, sid, '1')).text, 'ok');
    const g = await held;
    assert.equal(g.status, 200);
    assert.equal(g.text, '6');
    assert.equal((await get(srv, sid)).status, 400);
  });

  test('websocket close: the connection goes after 1', T, async () => {
    const q = ws();
    await q.message();
    q.send('1');
    await q.waitClose(3000);
  });

  test('upgrade: 2probe/3probe then 5; polling and a second WebSocket with that sid are refused', T, async () => {
    const { sid } = await handshake(srv);
    const q = ws(`&sid=${sid}`);
    await q.open();
    q.send('2probe');
    assert.equal((await q.message()).data, '3probe');
    q.send('5');
    await sleep(50);
    assert.equal((await get(srv, sid)).status, 400);
    const again = ws(`&sid=${sid}`);
    await refusedOrClosed(again);
    // the upgraded session works
    q.send('40');
    assert.match((await q.appMessage()).data, /^40\{"sid":"[\w-]+"\}$/);
  });
});

describe('Socket.IO at /socket.io/', () => {
  test('CONNECT to "/" and /custom, with and without a payload; the auth event echoes it', T, async () => {
    for (const [send, prefix, auth] of [
      ['40', '', '{}'],
      ['40{"token":"123"}', '', '{"token":"123"}'],
      ['40/custom,', '/custom,', '{}'],
      ['40/custom,{"token":"abc"}', '/custom,', '{"token":"abc"}'],
    ]) {
      const q = ws();
      await q.message();
      q.send(send);
      const reply = (await q.appMessage()).data;
      assert.ok(reply.startsWith(`40${prefix}`), reply);
      assert.deepEqual(Object.keys(JSON.parse(reply.slice(2 + prefix.length))), ['sid']);
      assert.equal((await q.appMessage()).data, `42${prefix}["auth",${auth}]`);
    }
  });

  test('an unknown namespace is refused with {"message":"Invalid namespace"}', T, async () => {
    const q = ws();
    await q.message();
    q.send('40/random');
    assert.equal((await q.appMessage()).data, '44/random,{"message":"Invalid namespace"}');
  });

  test('an invalid handshake closes the connection', T, async () => {
    const q = ws();
    await q.message();
    q.send('4abc');
    await q.waitClose(3000);
  });

  test('DISCONNECT from "/": nothing back, the session ends when it stops ponging', T, async () => {
    const q = await joined();
    q.send('41');
    const e = await q.next((x) => x.type === 'close' || (x.type === 'message' && x.data !== '2'), 3000);
    assert.equal(e.type, 'close');
  });

  test('CONNECT then DISCONNECT /custom; "/" goes on', T, async () => {
    const q = await joined();
    q.send('40/custom');
    assert.match((await q.appMessage()).data, /^40\/custom,\{"sid":"[\w-]+"\}$/);
    assert.equal((await q.appMessage()).data, '42/custom,["auth",{}]');
    q.send('41/custom');
    q.send('42["message","message to main namespace"]');
    assert.equal((await q.appMessage()).data, '42["message-back","message to main namespace"]');
  });

  test('message -> message-back and message-with-ack, plain and binary, exactly', T, async () => {
    const q = await joined();
    q.send('42["message",1,"2",{"3":[true]}]');
    assert.equal((await q.appMessage()).data, '42["message-back",1,"2",{"3":[true]}]');
    q.send('42456["message-with-ack",1,"2",{"3":[false]}]');
    assert.equal((await q.appMessage()).data, '43456[1,"2",{"3":[false]}]');
    q.send(`452-["message",${PH(0)},${PH(1)}]`);
    q.send(Buffer.from([1, 2, 3]));
    q.send(Buffer.from([4, 5, 6]));
    assert.equal((await q.appMessage()).data, `452-["message-back",${PH(0)},${PH(1)}]`);
    assert.deepEqual((await q.appMessage()).data, Buffer.from([1, 2, 3]));
    assert.deepEqual((await q.appMessage()).data, Buffer.from([4, 5, 6]));
    q.send(`452-789["message-with-ack",${PH(0)},${PH(1)}]`);
    q.send(Buffer.from([1, 2, 3]));
    q.send(Buffer.from([4, 5, 6]));
    assert.equal((await q.appMessage()).data, `462-789[${PH(0)},${PH(1)}]`);
    assert.deepEqual((await q.appMessage()).data, Buffer.from([1, 2, 3]));
    assert.deepEqual((await q.appMessage()).data, Buffer.from([4, 5, 6]));
  });

  test('invalid formats close the connection: unknown type, payload not an array, bad ack id', T, async () => {
    for (const bad of ['4abc', '42{}', '42abc["message-with-ack",1,"2",{"3":[false]}]']) {
      const q = await joined();
      q.send(bad);
      const e = await q.next((x) => x.type === 'close' || (x.type === 'message' && x.data !== '2'), 3000);
      assert.equal(e.type, 'close', `${bad}: ${JSON.stringify(e.data)}`);
    }
  });
});
