// One server over two workers (sio_test_server --workers 2, which registers
// its namespaces and handlers after sio_server_listen, once the workers run:
// they reach every worker by posted jobs), with the official
// socket.io-client 4.8 over polling, websocket and upgrade: many clients,
// spread over the workers by the kernel, each connects, gets the `auth` the
// connection handler emits and its echo (exact values). The same runs against the Node reference
// (ref/sio_ref_server.mjs, one thread) for the expected answers.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { spawnServer } from './lib/spawn.mjs';
import { spawnNodeRef } from './lib/ref.mjs';
import { connected, once } from './lib/events.mjs';

const T = { timeout: 30000 };
const N = 12;
const MODES = [
  { name: 'polling', opts: { transports: ['polling'] } },
  { name: 'websocket', opts: { transports: ['websocket'] } },
  { name: 'upgrade', opts: {} },
];
const SERVERS = [
  { name: 'C, 2 workers', start: () => spawnServer('sio_test_server', ['--workers', '2']) },
  { name: 'Node', start: () => spawnNodeRef('sio_ref_server.mjs') },
];

for (const server of SERVERS) {
  describe(`workers: ${server.name}`, () => {
    let srv;
    before(async () => {
      srv = await server.start();
    });
    after(async () => {
      const r = await srv.stop();
      assert.equal(r.code, 0, `server exit: ${JSON.stringify(r)}`);
    });

    for (const mode of MODES) {
      test(`${mode.name}: every client is answered by handlers registered after listen`, T, async () => {
        const socks = [];
        try {
          const results = await Promise.all(Array.from({ length: N }, async (_, i) => {
            const s = io(`http://127.0.0.1:${srv.port}/`, {
              forceNew: true, reconnection: false, auth: { i }, ...mode.opts,
            });
            socks.push(s);
            const authP = once(s, 'auth', 10000);
            await connected(s, 10000);
            const [auth] = await authP;
            const echoP = once(s, 'echo', 10000);
            s.emit('echo', 'x', i, { n: [i, true] });
            const echo = await echoP;
            return { auth, echo };
          }));
          results.forEach((r, i) => {
            assert.deepEqual(r.auth, { i });
            assert.deepEqual(r.echo, ['x', i, { n: [i, true] }]);
          });
        } finally {
          for (const s of socks) s.disconnect();
        }
      });
    }
  });
}
