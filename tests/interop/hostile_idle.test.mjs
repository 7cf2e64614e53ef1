// Hostile load: a few thousand TCP connections that never send a byte
// (2000 here, the "thousands" scaled to the CI machine; fewer if this
// process's open-file limit is lower). The server holds them, keeps serving a
// socket.io-client with acks, closes each one at its request timeout
// (--request-timeout 3000), and its connection count and RSS come back
// (RSS within before + 64 MiB while they are open and afterwards).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, rss, assertRssBound, goodClient, counts, waitCounts, rawTcp, inBatches, within, fdLimit } from './lib/hostile.mjs';

const WANTED = 2000;
const REQUEST_TIMEOUT_MS = 3000;

let srv;
before(async () => {
  srv = await startServer(['--request-timeout', String(REQUEST_TIMEOUT_MS)]);
});
after(() => stopServer(srv));

test('thousands of silent connections are held, then dropped at the request timeout', { timeout: 30000 }, async () => {
  const n = Math.min(WANTED, fdLimit() - 200); // room for the rest of this process
  assert.ok(n >= 100, `open-file limit too low (${fdLimit()})`);
  const good = await goodClient(srv.port);
  const base = await counts(good.sock);
  const rss0 = rss(srv);

  const idle = await inBatches(n, 250, () => rawTcp(srv.port));
  await good.moreAcks(3); // served while the silent connections are open
  const during = await counts(good.sock);
  const open = idle.filter((s) => !s.gone).length;
  // Whatever is still open here is a connection the server holds (the
  // earliest may already have timed out under a slow build).
  assert.ok(during.http >= base.http + open, `server sees ${during.http} connections, ${open} silent ones open`);
  assertRssBound(srv, rss0, 64, `${n} silent connections`);

  // The server closes every one of them (it never answers: no request came).
  await within(Promise.all(idle.map((s) => s.whenClosed)), REQUEST_TIMEOUT_MS + 10000);
  const left = idle.filter((s) => !s.gone).length;
  idle.forEach((s) => s.destroy());
  assert.equal(left, 0, `${left} of ${n} silent connections still open after the request timeout`);
  for (const s of idle) assert.ok(s.data.length === 0 || s.data.toString('latin1').startsWith('HTTP/1.1 408'));

  await good.moreAcks(3);
  const c = await waitCounts(good.sock, (x) => x.http <= base.http);
  assert.ok(c.http <= base.http, `connections ${JSON.stringify(c)} vs baseline ${JSON.stringify(base)}`);
  assertRssBound(srv, rss0, 64, 'after the silent connections');
  const r = await good.stop();
  assert.deepEqual(r.failures, []);
});
