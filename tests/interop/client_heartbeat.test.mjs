// The C client's heartbeat against a server that stops answering: the real
// servers (ours, client_test_server, and the Node reference) are frozen with
// SIGSTOP while clients are connected over each transport mode. Each client
// must see no ping within pingInterval + pingTimeout (300 + 200 ms here),
// report "ping timeout", and reconnect by itself once the server is thawed
// (SIGCONT); then an ack round trip works on the new session.
import { test } from 'node:test';
import { TRANSPORTS, runDriver, assertPass, SERVERS, eventBarrier } from './lib/client_run.mjs';

for (const [name, start] of Object.entries(SERVERS)) {
  test(`a frozen ${name} server is detected dead, then the client reconnects`, async () => {
    const srv = await start();
    const url = `http://127.0.0.1:${srv.port}`;
    const ready = eventBarrier('ready', TRANSPORTS.length);
    const dead = eventBarrier('dead', TRANSPORTS.length);
    let frozen = false;
    const runs = Promise.all(TRANSPORTS.map((t) => runDriver(url, t, 'heartbeat', (o) => {
      ready.seen(o, t);
      dead.seen(o, t);
    })));
    try {
      await ready.wait(runs);
      srv.proc.kill('SIGSTOP');
      frozen = true;
      await dead.wait(runs);
      srv.proc.kill('SIGCONT');
      frozen = false;
      const results = await runs;
      results.forEach((r, i) => assertPass(r, `${name}/${TRANSPORTS[i]}/heartbeat`));
    } finally {
      if (frozen) srv.proc.kill('SIGCONT');
      await srv.stop();
    }
  });
}
