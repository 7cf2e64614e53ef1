// Hostile load: a flood of Engine.IO handshakes that never connect a
// namespace: 1000 polling handshakes that never poll again nor upgrade, and
// 300 WebSocket sessions that never send `40`. With --connect-timeout 1000
// every one of them is closed on time (a polling session closed by the server
// waits closeTimeout for a GET to take the close packet, as in the reference,
// so --close-timeout 1000 shortens that too): the server's session count returns to
// its baseline, the WebSockets see their TCP closed, a socket.io-client keeps
// getting acks throughout, and RSS stays within before + 64 MiB.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startServer, stopServer, rss, assertRssBound, goodClient, counts, waitCounts, inBatches, within } from './lib/hostile.mjs';

const POLLING = 1000;
const WEBSOCKETS = 300;
const CONNECT_TIMEOUT_MS = 1000;
const CLOSE_TIMEOUT_MS = 1000;

let srv;
before(async () => {
  srv = await startServer(['--connect-timeout', String(CONNECT_TIMEOUT_MS), '--close-timeout', String(CLOSE_TIMEOUT_MS)]);
});
after(() => stopServer(srv));

async function pollingHandshake() {
  const res = await fetch(`http://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=polling`);
  const text = await res.text();
  assert.equal(res.status, 200);
  assert.equal(text[0], '0');
  return JSON.parse(text.slice(1)).sid;
}

function wsHandshake() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=websocket`);
    ws.whenClosed = new Promise((r) => ws.on('close', (code) => r(code)));
    ws.on('error', () => {});
    ws.once('message', (d) => (String(d)[0] === '0' ? resolve(ws) : reject(new Error(`no open packet: ${d}`))));
    ws.once('unexpected-response', (req, res) => reject(new Error(`status ${res.statusCode}`)));
  });
}

test('handshakes that never connect a namespace expire; sessions and memory come back', { timeout: 30000 }, async () => {
  const good = await goodClient(srv.port);
  const base = await counts(good.sock);
  const rss0 = rss(srv);

  const sids = await inBatches(POLLING, 50, pollingHandshake);
  assert.equal(new Set(sids).size, POLLING);
  const sockets = await inBatches(WEBSOCKETS, 50, wsHandshake);
  await good.moreAcks(3);
  const peak = await counts(good.sock);
  assertRssBound(srv, rss0, 64, `${POLLING + WEBSOCKETS} handshakes`);

  // Every WebSocket is closed by the server, every session forgotten.
  await within(Promise.all(sockets.map((ws) => ws.whenClosed)), CONNECT_TIMEOUT_MS + 10000);
  const open = sockets.filter((ws) => ws.readyState !== WebSocket.CLOSED).length;
  sockets.forEach((ws) => ws.terminate());
  assert.equal(open, 0, `${open} idle WebSockets still open`);
  const c = await waitCounts(good.sock, (x) => x.eio <= base.eio);
  assert.equal(c.eio, base.eio, `sessions ${JSON.stringify(c)}, baseline ${JSON.stringify(base)}, peak ${JSON.stringify(peak)}`);
  // A forgotten polling session answers 400 "Session ID unknown".
  const res = await fetch(`http://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=polling&sid=${sids[0]}`);
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), { code: 1, message: 'Session ID unknown' });

  await good.moreAcks(3);
  assertRssBound(srv, rss0, 64, 'after the handshakes expired');
  const r = await good.stop();
  assert.deepEqual(r.failures, []);
  if (process.env.SIO_TEST_VERBOSE) console.error(`handshakes: peak ${JSON.stringify(peak)}, back to ${JSON.stringify(c)}`);
});
