// The C client (include/sio/client.h) against the Node reference server
// (ref/sio_ref_server.mjs, socket.io from the lockfile) and against our own
// server (tests/servers/client_test_server.c), over each transport mode
// (polling, websocket only, polling then upgrade), through the driver
// program tests/servers/client_driver.c:
//  - basic: a custom path, query and extra headers the server saw; the
//    session and transport the server saw; namespaces over one Engine.IO
//    session (same session id on the server); auth; refused with data; emits
//    buffered before the connect; events, the catch-all before named
//    handlers, off; acks both ways (a held one, a late one: its callback once
//    with a timeout), binary both ways; a server disconnect that is final; a
//    clean disconnect that never reconnects;
//  - simple: the blocking client (refused, connect, receive, call, call
//    timeout, idle past the heartbeat, disconnect);
//  - threads: the client on a loop in its own thread; the blocking client
//    called from several threads at once;
//  - reconnect: the server is KILLED (SIGKILL) and restarted on the same
//    port: reconnection events, the auth callback's new payload reaches the
//    server, emits made while offline are delivered.
// Dead-server detection is in client_heartbeat.test.mjs, misbehaving servers
// in client_badserver.test.mjs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { TRANSPORTS, runDriver, assertPass, spawnRef, SERVERS, killHard, eventBarrier } from './lib/client_run.mjs';

const PATH = '/custom-io/';

for (const [name, start] of Object.entries(SERVERS)) {
  describe(`client against ${name} server`, () => {
    test('every feature over every transport (custom path)', async () => {
      const srv = await start(['--path', PATH]);
      let stopped = false;
      try {
        const url = `http://127.0.0.1:${srv.port}`;
        for (const scenario of ['basic', 'simple', 'threads']) {
          const runs = await Promise.all(TRANSPORTS.map((t) => runDriver(url, t, scenario, undefined, ['--path', PATH])));
          runs.forEach((r, i) => assertPass(r, `${name}/${TRANSPORTS[i]}/${scenario}`));
        }
        if (name === 'ours') {
          stopped = true;
          const ex = await srv.stop();
          assert.deepEqual(ex, { code: 0, signal: null }, 'our server did not close cleanly');
        }
      } finally {
        if (!stopped) await srv.stop();
      }
    });

    test('reconnection after the server is killed and restarted on the same port', async () => {
      let srv = await start();
      const port = srv.port;
      const url = `http://127.0.0.1:${port}`;
      const ready = eventBarrier('ready', TRANSPORTS.length);
      const waiting = eventBarrier('waiting', TRANSPORTS.length);
      const failedOnce = eventBarrier('reconnect_error', TRANSPORTS.length);
      const runs = Promise.all(TRANSPORTS.map((t) => runDriver(url, t, 'reconnect', (o) => {
        ready.seen(o, t);
        waiting.seen(o, t);
        failedOnce.seen(o, t);
      })));
      try {
        await ready.wait(runs);
        await killHard(srv); // no goodbye: the sessions just drop
        srv = null;
        await waiting.wait(runs);
        await failedOnce.wait(runs); // every client retried in vain at least once
        srv = await start(['--port', String(port)]);
        const results = await runs;
        results.forEach((r, i) => {
          assertPass(r, `${name}/${TRANSPORTS[i]}/reconnect`);
          // the reconnection came after a lost session, not a clean close
          const disc = r.lines.find((l) => l.event === 'disconnect');
          assert.ok(disc && ['transport close', 'transport error', 'ping timeout'].includes(disc.reason), JSON.stringify(disc));
          // attempt 1 failed (reconnect_error), a later one succeeded; the
          // reconnect event counts the attempts it took
          const attempts = r.lines.filter((l) => l.event === 'reconnect_attempt').map((l) => l.value);
          const rec = r.lines.find((l) => l.event === 'reconnect');
          assert.ok(attempts.length >= 2 && attempts.every((v, k) => v === k + 1), JSON.stringify(attempts));
          assert.ok(r.lines.some((l) => l.event === 'reconnect_error'), 'no reconnect_error event');
          assert.ok(rec && rec.value === attempts.length, JSON.stringify(rec));
        });
      } finally {
        if (srv) await srv.stop();
      }
    });
  });
}

test('polling POST bodies stay under the server maxPayload (reference server)', async () => {
  const srv = await spawnRef(['--max-payload', '4000']);
  try {
    const r = await runDriver(`http://127.0.0.1:${srv.port}`, 'polling', 'burst');
    assertPass(r, 'ref/polling/burst');
  } finally {
    await srv.stop();
  }
});
