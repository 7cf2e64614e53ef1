// Engine.IO servers on several worker loops sharing one port (src/eio/eio_group.h),
// against tests/servers/eio_group_server.c with engine.io-client 6 and raw HTTP.
// Each session belongs to the worker that made it; whatever worker accepts a
// request's TCP connection, the owner answers it: engine.io-client's polling
// requests each on a new connection (agent: false), its upgrade, and one raw
// keep-alive connection carrying pipelined requests for sessions of both
// workers. The server answers "who" with the owner's index and the sid, so every
// answer says which worker made it. Both ways of sharing the port run, and ids
// from an application generator (the group's directory), and TLS (its state moves
// with the connection). The Node reference has
// no workers: nothing here applies to it.
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Socket } from 'engine.io-client';
import { spawnServer } from './lib/spawn.mjs';
import { RawHttp } from './lib/eio.mjs';
import { makeCa, makeServerCert } from './lib/certs.mjs';

const T = { timeout: 20000 };
const WORKERS = 2;

// The worker a sid names: generated sids carry it in their first character
// (A = 0, B = 1, ...); generator ids here end with "-W".
function ownerOf(sid) {
  const m = /^id-\d+-(\d+)$/.exec(sid);
  if (m) return Number(m[1]);
  return 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.indexOf(sid[0]);
}

function open(port, opts, { upgrade = false } = {}) {
  return new Promise((resolve, reject) => {
    const s = new Socket(`http://127.0.0.1:${port}`, { agent: false, ...opts });
    const t = setTimeout(() => reject(new Error('not open within 8 s')), 8000);
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    s.on(upgrade ? 'upgrade' : 'open', () => {
      clearTimeout(t);
      resolve(s);
    });
  });
}

// Sends text and resolves with the next message.
function ask(s, text) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer to ${text}`)), 8000);
    s.once('message', (m) => {
      clearTimeout(t);
      resolve(String(m));
    });
    s.send(text);
  });
}

const target = (sid) => `/engine.io/?EIO=4&transport=polling&sid=${sid}`;
const getReq = (sid) => `GET ${target(sid)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
const postReq = (sid, body) =>
  `POST ${target(sid)} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

// A polling handshake on a connection of its own; resolves with the sid.
async function rawHandshake(port) {
  const c = new RawHttp(port);
  await c.ready;
  c.write('GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  const r = await c.response();
  c.close();
  assert.equal(r.status, 200);
  return JSON.parse(r.body.toString().slice(1)).sid;
}

// Sessions of every worker (handshakes until each worker made one).
async function sessionsOfEveryWorker(port) {
  const byWorker = new Map();
  for (let i = 0; i < 200 && byWorker.size < WORKERS; i++) {
    const sid = await rawHandshake(port);
    byWorker.set(ownerOf(sid), sid);
  }
  assert.equal(byWorker.size, WORKERS, 'handshakes reached every worker');
  return byWorker;
}

for (const mode of ['reuseport', 'acceptor', 'id-hook']) {
  const args = ['--workers', String(WORKERS)];
  if (mode === 'acceptor') args.push('--acceptor');
  if (mode === 'id-hook') args.push('--id-hook');

  describe(`Engine.IO over ${WORKERS} workers (${mode})`, () => {
    let srv;
    const sockets = [];
    before(async () => {
      srv = await spawnServer('eio_group_server', args);
    });
    after(async () => {
      for (const s of sockets.splice(0)) s.close();
      const r = await srv?.stop();
      assert.deepEqual(r, { code: 0, signal: null }, srv?.stderr());
    });

    test('polling clients with every request on a new connection are answered by their worker', T, async () => {
      const clients = await Promise.all(
        Array.from({ length: 6 }, () => open(srv.port, { transports: ['polling'] })),
      );
      sockets.push(...clients);
      for (const s of clients) {
        assert.equal(await ask(s, 'who'), `worker=${ownerOf(s.id)} sid=${s.id}`);
        for (let i = 0; i < 3; i++) assert.equal(await ask(s, `echo ${i}`), `echo ${i}`);
        assert.equal(await ask(s, 'who'), `worker=${ownerOf(s.id)} sid=${s.id}`);
      }
    });

    test('the upgrade reaches the session whatever worker accepts the WebSocket', T, async () => {
      const clients = await Promise.all(Array.from({ length: 6 }, () => open(srv.port, {}, { upgrade: true })));
      sockets.push(...clients);
      for (const s of clients) {
        assert.equal(s.transport.name, 'websocket');
        assert.equal(await ask(s, 'who'), `worker=${ownerOf(s.id)} sid=${s.id}`);
        assert.equal(await ask(s, 'after upgrade'), 'after upgrade');
      }
    });

    test('one keep-alive connection carries pipelined requests for sessions of every worker', T, async () => {
      const byWorker = await sessionsOfEveryWorker(srv.port);
      const c = new RawHttp(srv.port);
      await c.ready;
      try {
        // Everything in one write: each request may be handed to another worker
        // with the bytes behind it; the answers come back in order.
        let all = '';
        for (const sid of byWorker.values()) all += postReq(sid, '4who') + getReq(sid);
        c.write(all);
        for (const [w, sid] of byWorker) {
          const p = await c.response();
          assert.equal(p.status, 200);
          assert.equal(p.body.toString(), 'ok');
          const g = await c.response();
          assert.equal(g.status, 200);
          assert.equal(g.body.toString(), `4worker=${w} sid=${sid}`);
        }
        // Request by request on the same connection, in the other order.
        for (const [w, sid] of [...byWorker].reverse()) {
          c.write(postReq(sid, '4who'));
          assert.equal((await c.response()).body.toString(), 'ok');
          c.write(getReq(sid));
          assert.equal((await c.response()).body.toString(), `4worker=${w} sid=${sid}`);
        }
      } finally {
        c.close();
      }
    });

    test('a sid no worker knows gets the 400 of an unknown session', T, async () => {
      const unknown = mode === 'id-hook' ? ['id-999999-0', 'id-999999-1'] : ['AAAAAAAAAAAAAAAAAAAA', 'BAAAAAAAAAAAAAAAAAAA', 'zzzzzzzzzzzzzzzzzzzz'];
      for (const sid of unknown) {
        for (let i = 0; i < 4; i++) {
          const c = new RawHttp(srv.port);
          await c.ready;
          c.write(getReq(sid));
          const r = await c.response();
          c.close();
          assert.equal(r.status, 400);
          assert.deepEqual(JSON.parse(r.body.toString()), { code: 1, message: 'Session ID unknown' });
        }
      }
    });
  });
}

describe(`draining ${WORKERS} workers`, () => {
  let srv;
  after(async () => {
    if (!srv) return; // not run (a name pattern left it out)
    const r = await srv.stop();
    assert.deepEqual(r, { code: 0, signal: null }, srv?.stderr());
  });

  test('every worker stops accepting and closes its sessions; open connections get 503 for a new session', T, async () => {
    srv = await spawnServer('eio_group_server', ['--workers', String(WORKERS), '--drain-ms', '300']);
    const clients = [
      ...(await Promise.all(Array.from({ length: 4 }, () => open(srv.port, { transports: ['polling'] })))),
      ...(await Promise.all(Array.from({ length: 4 }, () => open(srv.port, { transports: ['websocket'] })))),
    ];
    const keep = new RawHttp(srv.port);
    await keep.ready;
    const closed = clients.map((s) => new Promise((r) => s.once('close', (reason) => r(reason))));
    srv.proc.kill('SIGUSR1');
    await srv.waitForLine(/drained/);
    const reasons = await Promise.all(closed);
    // The server's close packet (polling) or its close frame (websocket).
    for (const r of reasons) assert.match(r, /transport close|forced close/);
    keep.write('GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    assert.equal((await keep.response()).status, 503);
    keep.close();
    for (let i = 0; i < 6; i++) {
      await assert.rejects(
        new Promise((resolve, reject) => {
          const c = new RawHttp(srv.port);
          c.ready.then(() => {
            c.close();
            resolve();
          }, reject);
        }),
        /ECONNREFUSED/,
      );
    }
  });
});

describe(`TLS over ${WORKERS} workers: the TLS state moves with the connection`, () => {
  let srv, dir, ca;
  const sockets = [];
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sio-group-tls-'));
    makeCa(dir, 'ca');
    makeServerCert(dir, 'server', 'ca', 'DNS:localhost,IP:127.0.0.1');
    ca = fs.readFileSync(path.join(dir, 'ca.pem'));
    srv = await spawnServer('eio_group_server', [
      '--workers', String(WORKERS),
      '--tls', `${path.join(dir, 'server.pem')},${path.join(dir, 'server.key')}`,
    ]);
  });
  after(async () => {
    for (const s of sockets.splice(0)) s.close();
    const r = await srv?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(r, { code: 0, signal: null }, srv?.stderr());
  });

  test('polling on new connections and the upgrade, over https', T, async () => {
    const opts = (o) => ({ ...o, ca, secure: true });
    const clients = [
      ...(await Promise.all(Array.from({ length: 4 }, () => openTls(srv.port, opts({ transports: ['polling'] }))))),
      ...(await Promise.all(Array.from({ length: 4 }, () => openTls(srv.port, opts({}), true)))),
    ];
    sockets.push(...clients);
    for (const s of clients) {
      assert.equal(await ask(s, 'who'), `worker=${ownerOf(s.id)} sid=${s.id}`);
      assert.equal(await ask(s, 'over tls'), 'over tls');
    }
  });

  test('one keep-alive TLS connection carries pipelined requests for sessions of every worker', T, async () => {
    const byWorker = new Map();
    for (let i = 0; i < 200 && byWorker.size < WORKERS; i++) {
      const body = await tlsExchange(srv.port, ca, 'GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', (t) => t.includes('"maxPayload"'));
      const sid = JSON.parse(body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1)).sid;
      byWorker.set(ownerOf(sid), sid);
    }
    assert.equal(byWorker.size, WORKERS);
    let all = '';
    const want = [];
    for (const [w, sid] of byWorker) {
      all += postReq(sid, '4who') + getReq(sid);
      want.push(`4worker=${w} sid=${sid}`);
    }
    const text = await tlsExchange(srv.port, ca, all, (t) => want.every((x) => t.includes(x)));
    let at = 0;
    for (const x of want) {
      const i = text.indexOf(x, at);
      assert.ok(i >= at, `${x} in order in ${text}`);
      at = i + x.length;
    }
  });
});

function openTls(port, opts, upgrade = false) {
  return new Promise((resolve, reject) => {
    const s = new Socket(`https://127.0.0.1:${port}`, { agent: false, ...opts });
    const t = setTimeout(() => reject(new Error('not open within 8 s')), 8000);
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    s.on(upgrade ? 'upgrade' : 'open', () => {
      clearTimeout(t);
      resolve(s);
    });
  });
}

// Writes payload on a new TLS connection and resolves with what came back once
// done(text) holds.
function tlsExchange(port, ca, payload, done, ms = 8000) {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, ca });
    let text = '';
    const t = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no full answer: ${text}`));
    }, ms);
    sock.on('secureConnect', () => sock.write(payload));
    sock.on('data', (d) => {
      text += d.toString('latin1');
      if (done(text)) {
        clearTimeout(t);
        sock.destroy();
        resolve(text);
      }
    });
    sock.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}
