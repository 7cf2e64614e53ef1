// Hostile load: payloads over maxPayload (--max-payload 100000) on both
// transports, 20 of each kind in parallel: a polling POST with a large body,
// one announcing a huge Content-Length, a chunked one that grows past the
// limit (each 413); a WebSocket text or binary message over the limit, a frame
// header announcing 2^40 bytes, a fragmented message growing past the limit
// (each closed with 1009). The server survives, a socket.io-client keeps
// getting acks, and RSS stays within before + 64 MiB.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { RawConn } from './lib/rawhttp.mjs';
import { startServer, stopServer, rss, assertRssBound, goodClient, rawTcp, within, wsUpgradeRequest, wsFrame, sleep } from './lib/hostile.mjs';

const MAX = 100000;
const EACH = 20;

let srv;
before(async () => {
  srv = await startServer(['--max-payload', String(MAX)]);
});
after(() => stopServer(srv));

async function sid() {
  const res = await fetch(`http://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=polling`);
  const text = await res.text();
  const open = JSON.parse(text.slice(1));
  assert.equal(open.maxPayload, MAX);
  return open.sid;
}

const postHead = (id, extra) =>
  `POST /socket.io/?EIO=4&transport=polling&sid=${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain;charset=UTF-8\r\n${extra}\r\n`;

async function bigPost() {
  const res = await fetch(`http://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=polling&sid=${await sid()}`, {
    method: 'POST',
    body: '4' + 'x'.repeat(MAX + 50000),
  }).catch((e) => ({ status: `error ${e.cause?.code ?? e.message}` }));
  return res.status;
}

async function hugeContentLength() {
  const c = await RawConn.open(srv.port);
  try {
    c.write(postHead(await sid(), 'Content-Length: 1000000000000\r\n'));
    return (await c.readResponse()).status;
  } finally {
    c.destroy();
  }
}

async function chunkedGrowth() {
  const c = await RawConn.open(srv.port);
  try {
    c.write(postHead(await sid(), 'Transfer-Encoding: chunked\r\n'));
    const chunk = `${(16384).toString(16)}\r\n${'4'.padEnd(16384, 'y')}\r\n`;
    for (let i = 0; i < 10 && !c.closed; i++) c.write(chunk); // 160 KiB > MAX
    return (await c.readResponse()).status;
  } finally {
    c.destroy();
  }
}

// A connected raw `ws` client; resolves with { ws, code } once closed.
function wsAttack(send) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=websocket`, { maxPayload: 0 });
    ws.on('error', () => {});
    ws.on('close', (code) => resolve(code));
    ws.on('message', (d) => {
      const m = String(d);
      if (m[0] === '0') ws.send('40');
      else if (m.startsWith('40{')) send(ws);
    });
    ws.once('unexpected-response', (req, res) => reject(new Error(`status ${res.statusCode}`)));
  });
}

// Raw frames after an upgrade; resolves with the close code the server sent
// (or 'reset' when the connection went without a close frame).
async function rawWsAttack(frames) {
  const s = await rawTcp(srv.port);
  s.write(wsUpgradeRequest(srv.port));
  for (let i = 0; i < 500 && !/\r\n\r\n/.test(s.data.toString('latin1')); i++) await sleep(10);
  for (const f of frames) s.write(f);
  await within(s.whenClosed, 10000);
  s.destroy();
  const d = s.data;
  const at = d.indexOf(Buffer.from('\r\n\r\n')) + 4;
  // Skip the server's frames (unmasked, short) up to its close frame.
  for (let p = at; p + 2 <= d.length; ) {
    const op = d[p] & 0x0f;
    let len = d[p + 1] & 0x7f;
    let h = 2;
    if (len === 126) {
      len = d.readUInt16BE(p + 2);
      h = 4;
    }
    if (op === 8) return len >= 2 ? d.readUInt16BE(p + h) : 1005;
    p += h + len;
  }
  return 'reset';
}

function fragmented() {
  const part = Buffer.alloc(30000, 'z');
  const first = wsFrame(1, Buffer.concat([Buffer.from('4'), part]));
  first[0] &= 0x7f; // FIN off
  const more = [];
  for (let i = 0; i < 4; i++) {
    const f = wsFrame(0, part); // continuation
    if (i < 3) f[0] &= 0x7f;
    more.push(f);
  }
  return [wsFrame(1, '40'), first, ...more];
}

function hugeHeader() {
  const h = Buffer.alloc(14);
  h[0] = 0x81;
  h[1] = 0x80 | 127;
  h.writeBigUInt64BE(1n << 40n, 2);
  return [wsFrame(1, '40'), h]; // mask key zeros, no payload ever follows
}

test('payloads over maxPayload get 413 or close 1009; the server survives', { timeout: 40000 }, async () => {
  const good = await goodClient(srv.port);
  const rss0 = rss(srv);
  const times = (f) => Promise.all(Array.from({ length: EACH }, f));

  const posts = await times(bigPost);
  // fetch may see the 413 or, having not finished sending, the reset after it.
  for (const s of posts) assert.ok(s === 413 || String(s).startsWith('error'), `big POST: ${s}`);
  assert.ok(posts.includes(413), `no 413 among ${posts}`);
  assert.deepEqual(new Set(await times(hugeContentLength)), new Set([413]));
  assert.deepEqual(new Set(await times(chunkedGrowth)), new Set([413]));
  await good.moreAcks(3);

  const bigText = 'x'.repeat(MAX + 1);
  assert.deepEqual(new Set(await times(() => wsAttack((ws) => ws.send(`4${bigText}`)))), new Set([1009]));
  assert.deepEqual(new Set(await times(() => wsAttack((ws) => ws.send(Buffer.alloc(MAX + 1))))), new Set([1009]));
  assert.deepEqual(new Set(await times(() => rawWsAttack(hugeHeader()))), new Set([1009]));
  assert.deepEqual(new Set(await times(() => rawWsAttack(fragmented()))), new Set([1009]));
  await good.moreAcks(3);

  // A message at exactly the limit still goes through.
  const echo = await good.sock.timeout(15000).emitWithAck('echo-ack', 'y'.repeat(MAX - 100));
  assert.equal(echo.length, MAX - 100);

  assertRssBound(srv, rss0, 64, 'oversized payloads');
  const r = await good.stop();
  assert.deepEqual(r.failures, []);
});
