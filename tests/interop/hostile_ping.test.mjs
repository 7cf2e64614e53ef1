// Hostile load: ping floods. WebSocket control pings are legal: 10 connected
// clients send 2000 pings each in a burst; the server answers them and the
// sessions keep working. Engine.IO `2` packets from a client are a protocol
// error (v4: only the server pings): 50 WebSocket clients flooding `2` and 20
// polling sessions POSTing `2` are each closed, and only them. A
// socket.io-client keeps getting acks; RSS stays within before + 64 MiB.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startServer, stopServer, rss, assertRssBound, goodClient, counts, waitCounts, within, sleep } from './lib/hostile.mjs';

const PINGERS = 10;
const PINGS_EACH = 2000;
const EIO_PINGERS = 50;
const EIO_PINGS_EACH = 100;
const POLLING_PINGERS = 20;

let srv;
before(async () => {
  srv = await startServer();
});
after(() => stopServer(srv));

// A raw `ws` client joined to "/"; msgs collects what follows the CONNECT.
function joined() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=websocket`);
    ws.msgs = [];
    ws.pongs = 0;
    ws.whenClosed = new Promise((r) => ws.on('close', (code) => r(code)));
    ws.on('error', () => {});
    ws.on('pong', () => ws.pongs++);
    ws.on('message', (d) => {
      const m = String(d);
      if (m[0] === '0') ws.send('40');
      else if (m.startsWith('40{')) resolve(ws);
      else if (m === '2') ws.send('3');
      else ws.msgs.push(m);
    });
    ws.once('unexpected-response', (req, res) => reject(new Error(`status ${res.statusCode}`)));
  });
}

async function echoOn(ws, n) {
  ws.send(`42${n}["echo-ack",${n}]`);
  const want = `43${n}[${n}]`;
  for (let i = 0; i < 1500 && !ws.msgs.includes(want); i++) await sleep(10);
  assert.ok(ws.msgs.includes(want), `no ack ${want}; got ${JSON.stringify(ws.msgs.slice(-5))}`);
}

test('WebSocket control ping floods are answered; Engine.IO ping floods close only their sender', { timeout: 40000 }, async () => {
  const good = await goodClient(srv.port);
  const base = await counts(good.sock);
  const rss0 = rss(srv);

  // Control pings: legal, answered, the session stays.
  const pingers = await Promise.all(Array.from({ length: PINGERS }, joined));
  const payload = Buffer.alloc(125, 'p'); // the largest control payload
  for (const ws of pingers) for (let i = 0; i < PINGS_EACH; i++) ws.ping(payload);
  await good.moreAcks(3);
  for (let k = 0; k < pingers.length; k++) await echoOn(pingers[k], 100 + k);
  // The pongs of a burst may be coalesced by the server (RFC 6455 §5.5.3) but
  // at least one answers each burst, and everything stays connected.
  for (const ws of pingers) {
    assert.equal(ws.readyState, WebSocket.OPEN);
    assert.ok(ws.pongs >= 1, 'no pong');
  }
  const pongs = pingers.reduce((a, ws) => a + ws.pongs, 0);

  // Engine.IO pings from the client: a protocol error, that client is closed.
  const bad = await Promise.all(Array.from({ length: EIO_PINGERS }, joined));
  for (const ws of bad) for (let i = 0; i < EIO_PINGS_EACH; i++) ws.send('2');
  await within(Promise.all(bad.map((ws) => ws.whenClosed)), 10000);
  const stillOpen = bad.filter((ws) => ws.readyState !== WebSocket.CLOSED).length;
  bad.forEach((ws) => ws.terminate());
  assert.equal(stillOpen, 0, `${stillOpen} Engine.IO pingers still connected`);

  // Same over polling: the session is gone after the POST.
  for (let i = 0; i < POLLING_PINGERS; i++) {
    const url = `http://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=polling`;
    const open = JSON.parse((await (await fetch(url)).text()).slice(1));
    await (await fetch(`${url}&sid=${open.sid}`, { method: 'POST', body: '2\x1e2\x1e2' })).text();
    const res = await fetch(`${url}&sid=${open.sid}`);
    assert.equal(res.status, 400, 'a polling session that sent `2` is still open');
    await res.text();
  }

  // The control pingers were not disturbed by the others' closes.
  for (let k = 0; k < pingers.length; k++) await echoOn(pingers[k], 200 + k);
  await good.moreAcks(3);
  pingers.forEach((ws) => ws.close());
  const c = await waitCounts(good.sock, (x) => x.eio <= base.eio && x.sockets <= base.sockets);
  assert.deepEqual([c.eio, c.sockets], [base.eio, base.sockets]);
  assertRssBound(srv, rss0, 64, 'ping floods');
  const r = await good.stop();
  assert.deepEqual(r.failures, []);
  if (process.env.SIO_TEST_VERBOSE) console.error(`control pings: ${pongs} pongs for ${PINGERS * PINGS_EACH} pings`);
});
