// The two opt-in abuse limits: the per-IP cap on concurrent connections
// (sio_http_opts_set_max_connections_per_ip) and the per-session packet rate
// limit of Engine.IO (sio_eio_opts_set_rate_limit), against
// tests/servers/http_test_server.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { spawnServer } from './lib/spawn.mjs';
import { RawConn } from './lib/rawhttp.mjs';

const echo = (body) => `POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

async function roundTrip(conn, body) {
  conn.write(echo(body));
  const res = await conn.readResponse();
  assert.equal(res.status, 200);
  assert.equal(res.text, body);
}

// The connection the server closed without a byte (over the cap).
async function assertRefused(port) {
  const c = await RawConn.open(port);
  const rest = await c.waitClosed();
  assert.equal(rest.length, 0, 'a refused connection gets no bytes');
  c.destroy();
}

// The server frees a slot when it sees the close, asynchronously: retry a
// bounded number of times until a new connection is served.
async function admittedEventually(port) {
  for (let i = 0; i < 50; i++) {
    const c = await RawConn.open(port);
    c.write(echo('again'));
    try {
      const res = await c.readResponse({ timeoutMs: 1000 });
      assert.equal(res.text, 'again');
      return c;
    } catch {
      c.destroy();
      await sleep(20);
    }
  }
  throw new Error('never admitted again');
}

function openWs(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const msgs = [];
    ws.on('message', (d, binary) => msgs.push(binary ? d : d.toString()));
    ws.once('open', () => resolve({ ws, msgs }));
    ws.once('error', reject);
  });
}

async function until(check, ms = 3000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await sleep(10);
  }
  throw new Error('condition not met in time');
}

describe('limits: per-IP connection cap', () => {
  let srv;
  before(async () => {
    srv = await spawnServer('http_test_server', ['--max-conns-per-ip', '2']);
  });
  after(async () => {
    const r = await srv.stop();
    assert.equal(r.code, 0);
  });

  it('closes the connection past the cap and leaves the others alone', async () => {
    const a = await RawConn.open(srv.port);
    const b = await RawConn.open(srv.port);
    await roundTrip(a, 'a1');
    await roundTrip(b, 'b1');
    await assertRefused(srv.port);
    await assertRefused(srv.port);
    // The admitted ones go on unharmed.
    await roundTrip(a, 'a2');
    await roundTrip(b, 'b2');
    a.destroy();
    const c = await admittedEventually(srv.port);
    await roundTrip(b, 'b3');
    b.destroy();
    c.destroy();
  });

  it('counts connections upgraded to WebSocket until they close', async () => {
    const url = `ws://127.0.0.1:${srv.port}/ws/echo`;
    // Let the previous test's connections leave the count.
    (await admittedEventually(srv.port)).destroy();
    (await admittedEventually(srv.port)).destroy();
    await sleep(50);
    const w1 = await openWs(url);
    const w2 = await openWs(url);
    await assertRefused(srv.port);
    w1.ws.send('still here');
    await until(() => w1.msgs.includes('still here'));
    w2.ws.close();
    await srv.waitForLine(/ws closed/);
    const c = await admittedEventually(srv.port);
    c.destroy();
    w1.ws.close();
  });
});

// A connection from a chosen loopback source address (Linux routes all of
// 127/8 to lo), answered or closed by the server: resolves 'answered' or 'closed'.
function fromAddr(port, localAddress) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress });
    let got = '';
    s.on('error', () => {});
    s.on('connect', () => s.write(echo('x')));
    s.on('data', (d) => {
      got += d;
      if (got.endsWith('\r\n\r\nx')) resolve({ s, result: 'answered' });
    });
    s.on('close', () => resolve({ s, result: 'closed' }));
  });
}

describe('limits: per-IP cap with many addresses', () => {
  let srv;
  before(async () => {
    srv = await spawnServer('http_test_server', ['--max-conns-per-ip', '1']);
  });
  after(async () => {
    const r = await srv.stop();
    assert.equal(r.code, 0);
  });

  it('counts each address on its own (300 addresses, the table grows)', async () => {
    const addrs = Array.from({ length: 300 }, (_, i) => `127.0.${1 + Math.floor(i / 200)}.${1 + (i % 200)}`);
    const first = [];
    for (let i = 0; i < addrs.length; i += 50)
      first.push(...(await Promise.all(addrs.slice(i, i + 50).map((a) => fromAddr(srv.port, a)))));
    assert.deepEqual(new Set(first.map((r) => r.result)), new Set(['answered']));
    // A second connection from some of them is over their cap.
    const second = await Promise.all(addrs.slice(0, 20).map((a) => fromAddr(srv.port, a)));
    assert.deepEqual(new Set(second.map((r) => r.result)), new Set(['closed']));
    for (const r of [...first, ...second]) r.s.destroy();
    // All of them leave the table (when the server sees the closes): every
    // address is admitted again, within a bounded number of tries.
    for (const a of addrs.slice(0, 20)) {
      let r;
      for (let tries = 0; tries < 50; tries++) {
        r = await fromAddr(srv.port, a);
        r.s.destroy();
        if (r.result === 'answered') break;
        await sleep(20);
      }
      assert.equal(r.result, 'answered', `${a} admitted again`);
    }
  });
});

describe('limits: Engine.IO packet rate limit', () => {
  let srv;
  const base = () => `http://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=polling`;
  before(async () => {
    srv = await spawnServer('http_test_server', ['--eio-rate-limit', '5,5']);
  });
  after(async () => {
    const r = await srv.stop();
    assert.equal(r.code, 0);
  });

  async function handshake() {
    const res = await fetch(base());
    const text = await res.text();
    assert.equal(text[0], '0');
    return JSON.parse(text.slice(1)).sid;
  }

  it('polling: a session within the limit works, a flood closes it', async () => {
    const sid = await handshake();
    let res = await fetch(`${base()}&sid=${sid}`, { method: 'POST', body: '4a\x1e4b\x1e4c' });
    assert.equal(await res.text(), 'ok');
    res = await fetch(`${base()}&sid=${sid}`);
    assert.equal(await res.text(), '4a\x1e4b\x1e4c');

    const closed = srv.waitForLine(/eio closed sid=\S+ reason=(.*)/);
    const flood = Array.from({ length: 40 }, (_, i) => `4m${i}`).join('\x1e');
    res = await fetch(`${base()}&sid=${sid}`, { method: 'POST', body: flood });
    await res.text();
    assert.equal((await closed)[1], 'transport error');
    res = await fetch(`${base()}&sid=${sid}`);
    assert.equal(res.status, 400, 'the session is gone');
    await res.text();
  });

  it('websocket: a flood of frames closes the session, others unaffected', async () => {
    const url = `ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket`;
    const calm = await openWs(url);
    const noisy = await openWs(url);
    await until(() => calm.msgs.length > 0 && noisy.msgs.length > 0);
    const closed = srv.waitForLine(/eio closed sid=\S+ reason=(.*)/);
    const gone = new Promise((r) => noisy.ws.once('close', r));
    for (let i = 0; i < 40; i++) noisy.ws.send(`4n${i}`);
    assert.equal((await closed)[1], 'transport error');
    await gone;
    calm.ws.send('4calm');
    await until(() => calm.msgs.includes('4calm'));
    calm.ws.close();
  });
});
