// Hostile load: slowloris. Many connections trickle a request one byte every
// ~100 ms, headers (slowloris proper) or body (slow POST). With the HTTP
// request timeout lowered to 1000 ms (--request-timeout), each gets a 408 or
// is closed, the server's connection count returns to its baseline, a
// socket.io-client keeps getting acks throughout, and RSS stays within
// before + 64 MiB.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, rss, assertRssBound, goodClient, counts, waitCounts, rawTcp, inBatches, within } from './lib/hostile.mjs';

const SLOW_HEADERS = 200;
const SLOW_BODIES = 100;
const BYTE_EVERY_MS = 100;
const MAX_BYTES = 60; // each trickler gives up after 60 bytes (6 s): the bound on the test

let srv;
before(async () => {
  srv = await startServer(['--request-timeout', '1000']);
});
after(() => stopServer(srv));

// Sends `head` immediately then `trickle` one byte every BYTE_EVERY_MS until the
// server closes the connection or MAX_BYTES were sent.
async function trickler(head, trickle) {
  const s = await rawTcp(srv.port);
  if (head) s.write(head);
  let i = 0;
  const timer = setInterval(() => {
    if (s.gone || i >= MAX_BYTES) return clearInterval(timer);
    s.write(trickle[i % trickle.length]);
    i++;
  }, BYTE_EVERY_MS);
  s.whenClosed.then(() => clearInterval(timer));
  return s;
}

test('slowloris headers and slow bodies get 408 or are closed; a good client keeps its acks', { timeout: 30000 }, async () => {
  const good = await goodClient(srv.port);
  const base = await counts(good.sock);
  const rss0 = rss(srv);

  const headerReq = 'GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(200);
  const slowHeads = await inBatches(SLOW_HEADERS, 50, () => trickler('', headerReq));
  const bodyHead = 'POST /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n';
  const slowBodies = await inBatches(SLOW_BODIES, 50, () => trickler(bodyHead, 'x'));
  const all = [...slowHeads, ...slowBodies];

  await good.moreAcks(3); // served while the tricklers hold their connections

  // Each trickler is cut off by the server well before it runs out of bytes.
  await within(Promise.all(all.map((s) => s.whenClosed)), MAX_BYTES * BYTE_EVERY_MS + 3000);
  const cutOff = all.filter((s) => s.gone).length;
  assert.equal(cutOff, all.length);
  // Whatever a trickler read before the close is a 408 (a reset may eat it).
  const answers = all.map((s) => s.data.toString('latin1'));
  const got408 = answers.filter((a) => a.startsWith('HTTP/1.1 408')).length;
  for (const a of answers) assert.ok(a === '' || a.startsWith('HTTP/1.1 408'), `unexpected answer ${JSON.stringify(a.slice(0, 80))}`);
  assert.ok(got408 > 0, 'no 408 at all');

  await good.moreAcks(3);
  const c = await waitCounts(good.sock, (x) => x.http <= base.http);
  assert.ok(c.http <= base.http, `connections ${JSON.stringify(c)} vs baseline ${JSON.stringify(base)}`);
  assertRssBound(srv, rss0, 64, 'slowloris');

  const r = await good.stop();
  assert.deepEqual(r.failures, []);
  if (process.env.SIO_TEST_VERBOSE) console.error(`slowloris: ${got408}/${all.length} saw the 408, good client ${r.acks} acks`);
});
