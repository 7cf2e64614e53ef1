// Hostile load: a client that never reads while broadcasts flow. A raw
// WebSocket (node:net) upgrades, joins "/" with `40`, then stops reading;
// another socket.io-client broadcasts 64 KiB events in a loop. Once the
// kernel buffers are full the server's write queue for the slow client grows
// to its cap (--max-write-queue 262144) and the server drops it: the good
// client sees `left` [id, "transport error"] for it, its TCP connection is
// closed, the good client receives every broadcast and keeps getting acks,
// and RSS stays within before + 64 MiB.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, rss, assertRssBound, goodClient, connectClient, counts, waitCounts, rawTcp, within, wsUpgradeRequest, wsFrame, sleep } from './lib/hostile.mjs';
import { testWorkers } from './lib/spawn.mjs';

const WRITE_QUEUE_CAP = 262144;
const EVENT_BYTES = 64 * 1024;
const MAX_BROADCASTS = 600; // 38 MiB at most: far more than loopback buffers + the cap

let srv;
before(async () => {
  srv = await startServer(['--max-write-queue', String(WRITE_QUEUE_CAP)]);
});
after(() => stopServer(srv));

// A Socket.IO client over a raw WebSocket that stops reading once connected.
async function slowReader() {
  const s = await rawTcp(srv.port);
  s.write(wsUpgradeRequest(srv.port));
  const until = async (re) => {
    for (let i = 0; i < 500 && !re.test(s.data.toString('latin1')); i++) await sleep(10);
    const m = re.exec(s.data.toString('latin1'));
    assert.ok(m, `slow reader: no ${re} in ${JSON.stringify(s.data.toString('latin1').slice(0, 300))}`);
    return m;
  };
  await until(/^HTTP\/1\.1 101 [^]*?\r\n\r\n/);
  s.write(wsFrame(1, '40'));
  const m = await until(/40\{"sid":"([^"]+)"\}/);
  s.pause(); // never reads again (until the end of the test)
  return { s, sid: m[1] };
}

test('a client that never reads is capped and dropped while broadcasts flow', { timeout: 40000 }, async () => {
  const good = await goodClient(srv.port);
  const trigger = await connectClient(srv.port);
  const left = new Map();
  good.sock.on('left', (id, reason) => left.set(id, reason));
  let received = 0;
  good.sock.on('big', (v) => {
    if (v.length === EVENT_BYTES) received++;
  });
  const base = await counts(good.sock);
  const rss0 = rss(srv);

  const slow = await slowReader();
  assert.equal((await counts(good.sock)).sockets, base.sockets + 1);

  const payload = 'b'.repeat(EVENT_BYTES);
  let sent = 0;
  while (!left.has(slow.sid) && sent < MAX_BROADCASTS) {
    const n = await trigger.timeout(15000).emitWithAck('broadcast', 'big', payload);
    // With workers the count is the trigger's worker's own recipients (maybe
    // none): what the good client receives is the check.
    assert.ok(n >= (testWorkers() > 1 ? 0 : 1));
    sent++;
    // The good client reads as it goes: keep at most 4 events in flight to it
    // (its own queue stays far below the cap), bounded in time.
    for (let i = 0; i < 1500 && sent - received > 4; i++) await sleep(10);
    if (sent % 50 === 0) await good.moreAcks(1); // served while the queue grows
  }
  assert.equal(left.get(slow.sid), 'transport error', `slow reader not dropped after ${sent} broadcasts of ${EVENT_BYTES} bytes`);
  assertRssBound(srv, rss0, 64, `slow reader after ${sent} broadcasts`);

  // A few more broadcasts after the drop still reach the good client.
  for (let i = 0; i < 5; i++, sent++) await trigger.timeout(15000).emitWithAck('broadcast', 'big', payload);
  for (let i = 0; i < 1000 && received < sent; i++) await sleep(10);
  assert.equal(received, sent, 'the good client missed broadcasts');
  await good.moreAcks(3);

  // The slow reader's TCP connection is closed: reading again drains what the
  // kernel buffered, then the end.
  slow.s.on('data', () => {});
  slow.s.resume();
  await within(slow.s.whenClosed, 10000);
  assert.ok(slow.s.gone, 'the slow reader connection is still open');
  const c = await waitCounts(good.sock, (x) => x.sockets <= base.sockets);
  assert.equal(c.sockets, base.sockets);
  assertRssBound(srv, rss0, 64, 'after the slow reader');

  trigger.disconnect();
  const r = await good.stop();
  assert.deepEqual(r.failures, []);
  if (process.env.SIO_TEST_VERBOSE) console.error(`slow reader dropped after ${sent - 5} broadcasts`);
});
