// The server over TLS (https:// and wss://): tests/servers/sio_test_server.c
// with --tls-cert/--tls-key, a throwaway CA and a certificate for
// localhost/127.0.0.1 made with the openssl CLI at test time (lib/certs.mjs).
//  - the official socket.io-client 4.8 (trusting the test CA) over polling,
//    websocket and upgrade: connect, emit with an ack, binary both ways, a
//    500 KB message both ways;
//  - our C client (client_tls_driver) over the same three transports, and
//    with a CA that did not sign the certificate (SIO_ETLS);
//  - ALPN picks http/1.1; keep-alive and pipelined requests over one TLS
//    connection;
//  - plain HTTP sent to the TLS port, or garbage: closed without an HTTP
//    answer, while an open client goes on working;
//  - a TCP connection that never starts the handshake, or stops halfway
//    through the hello: closed by the request timeout;
//  - with --tls-client-ca: a client with a certificate of that CA connects,
//    one without a certificate or with another CA's is refused;
//  - a certificate or key file that cannot be loaded: the server refuses to
//    start with SIO_ETLS's message.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { io } from 'socket.io-client';
import { makeCa, makeServerCert } from './lib/certs.mjs';
import { runTlsDriver } from './lib/client_run.mjs';
import { programPath, spawnServer } from './lib/spawn.mjs';
import { connected, once } from './lib/events.mjs';

const MODES = [
  { name: 'polling', opts: { transports: ['polling'] } },
  { name: 'websocket', opts: { transports: ['websocket'] } },
  { name: 'upgrade', opts: { transports: ['polling', 'websocket'] } },
];
const REQUEST_TIMEOUT_MS = 700;

let dir;
let srv;
let ca;
const clients = [];

async function connect(mode, host = '127.0.0.1') {
  const s = io(`https://${host}:${srv.port}`, { forceNew: true, reconnection: false, ca, ...mode.opts });
  clients.push(s);
  const authP = once(s, 'auth');
  await connected(s);
  if (mode.name === 'upgrade' && s.io.engine.transport.name !== 'websocket') await once(s.io.engine, 'upgrade');
  await authP;
  return s;
}

const ack = (s, ...args) => s.timeout(5000).emitWithAck(...args);

// A raw TCP connection: resolves with what the server sent and whether it
// closed the connection within ms.
function rawExchange(send, ms) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    const chunks = [];
    const t = setTimeout(() => {
      sock.destroy();
      resolve({ closed: false, data: Buffer.concat(chunks) });
    }, ms);
    sock.on('connect', () => {
      if (send) sock.write(send);
    });
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(t);
      resolve({ closed: true, data: Buffer.concat(chunks) });
    });
    sock.on('timeout', reject);
  });
}

// Sends raw bytes over one TLS connection and collects the answer until
// `until` matches it (or ms passes).
function tlsExchange(payload, until, ms = 5000, extra = {}) {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port: srv.port, ca, ...extra });
    let text = '';
    const t = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no complete answer within ${ms} ms: ${text.slice(0, 500)}`));
    }, ms);
    sock.on('secureConnect', () => {
      if (payload) sock.write(payload);
      else {
        clearTimeout(t);
        const alpn = sock.alpnProtocol;
        sock.end();
        resolve({ alpn, text });
      }
    });
    sock.on('data', (d) => {
      text += d.toString('latin1');
      if (until && until.test(text)) {
        clearTimeout(t);
        sock.end();
        resolve({ alpn: sock.alpnProtocol, text });
      }
    });
    sock.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

describe('server over TLS', () => {
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sio-stls-'));
    makeCa(dir, 'ca');
    makeServerCert(dir, 'server', 'ca', 'DNS:localhost,IP:127.0.0.1');
    ca = fs.readFileSync(path.join(dir, 'ca.pem'));
    srv = await spawnServer('sio_test_server', ['--tls-cert', path.join(dir, 'server.pem'),
      '--tls-key', path.join(dir, 'server.key'), '--request-timeout', String(REQUEST_TIMEOUT_MS)]);
  });

  after(async () => {
    while (clients.length) clients.pop().disconnect();
    if (srv) {
      const r = await srv.stop();
      assert.equal(r.code, 0, `server exit: ${JSON.stringify(r)} stderr: ${srv.stderr()}`);
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const mode of MODES) {
    test(`socket.io-client over ${mode.name}: ack, binary both ways, 500 KB`, async () => {
      const s = await connect(mode);
      assert.equal(s.io.engine.transport.name, mode.name === 'polling' ? 'polling' : 'websocket');
      assert.deepEqual(await ack(s, 'echo-ack', 'hi', { n: 1 }), 'hi');
      const bin = await ack(s, 'echo-ack', Buffer.from([1, 2, 3, 250]));
      assert.ok(Buffer.isBuffer(bin), 'binary came back as a Buffer');
      assert.deepEqual([...bin], [1, 2, 3, 250]);
      const made = await new Promise((res) => s.emit('make-binary', (...x) => res(x)));
      assert.deepEqual(made, [Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5]), n: 1 }]);
      const big = 'x'.repeat(500 * 1000);
      assert.equal(await ack(s, 'echo-ack', big), big);
      const bigBin = Buffer.alloc(500 * 1000, 7);
      const back = await ack(s, 'echo-ack', bigBin);
      assert.equal(back.length, bigBin.length);
      assert.ok(Buffer.compare(back, bigBin) === 0);
      const echoed = once(s, 'echo');
      s.emit('echo', 'relay', Buffer.from([9]));
      const [a, b] = await echoed;
      assert.equal(a, 'relay');
      assert.deepEqual([...b], [9]);
    });
  }

  test('our C client (client_tls_driver) over polling, websocket and upgrade', async () => {
    const runs = await Promise.all(['polling', 'websocket', 'upgrade'].map((t) =>
      runTlsDriver(['--url', `https://127.0.0.1:${srv.port}`, '--transport', t, '--ca', path.join(dir, 'ca.pem')])));
    runs.forEach((r, i) => {
      // The driver's `make-binary` expects the Node reference server's answer
      // (<04 05 06 07>); sio_test_server's differs (checked above instead).
      const failed = r.lines.filter((l) => l.check && !l.ok && l.check !== 'binary from server');
      assert.deepEqual(failed, [], `C client/${i}: ${JSON.stringify(r.lines)}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /Sanitizer|runtime error/, `C client/${i}`);
      assert.equal(r.signal, null, `C client/${i}`);
      for (const name of ['connect', 'ack', 'binary to server and back', '500 KB text both ways',
        '500 KB binary both ways', '500 KB binary event from server', 'closed'])
        assert.ok(r.lines.some((l) => l.check === name && l.ok), `C client/${i}: ${name}`);
    });
    // A CA that did not sign the server's certificate: SIO_ETLS.
    makeCa(dir, 'wrongca');
    const bad = await runTlsDriver(['--url', `https://127.0.0.1:${srv.port}`, '--transport', 'polling',
      '--ca', path.join(dir, 'wrongca.pem'), '--expect', 'tls-error']);
    assert.deepEqual(bad.lines.filter((l) => l.check && !l.ok), [], JSON.stringify(bad.lines));
    assert.ok(bad.lines.some((l) => l.result === 'pass'));
    assert.equal(bad.code, 0, bad.stderr);
  });

  test('https://localhost (name in the certificate) works too', async () => {
    const s = await connect(MODES[2], 'localhost');
    assert.equal(await ack(s, 'echo-ack', 'by name'), 'by name');
  });

  test('ALPN picks http/1.1; keep-alive and pipelining over one TLS connection', async () => {
    const r = await tlsExchange(null, null, 5000, { ALPNProtocols: ['h2', 'http/1.1'] });
    assert.equal(r.alpn, 'http/1.1');
    const req = 'GET /nothing-here HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    const p = await tlsExchange(req + req + req, /(HTTP\/1\.1 404[\s\S]*){3}/);
    assert.equal(p.text.match(/HTTP\/1\.1 404/g).length, 3);
    const h = await tlsExchange('GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      /"sid":"[^"]+"/);
    assert.match(h.text, /^HTTP\/1\.1 200/);
  });

  test('plain HTTP or garbage to the TLS port: closed without an answer; others unaffected', async () => {
    const s = await connect(MODES[1]);
    const [plain, junk] = await Promise.all([
      rawExchange('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 5000),
      rawExchange(Buffer.alloc(600, 0x41), 5000),
    ]);
    for (const r of [plain, junk]) {
      assert.ok(r.closed, 'the server closed the connection');
      assert.ok(!r.data.toString('latin1').includes('HTTP/'), 'no HTTP answer in clear');
    }
    // Old protocol versions are refused too.
    await assert.rejects(tlsExchange(null, null, 5000, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }));
    assert.equal(await ack(s, 'echo-ack', 'still here'), 'still here');
    const s2 = await connect(MODES[0]);
    assert.equal(await ack(s2, 'echo-ack', 'new one'), 'new one');
  });

  test('no handshake, or a handshake stopped halfway: closed by the request timeout', async () => {
    // A TLS record header announcing a 300-byte hello, then silence.
    const partial = Buffer.from([0x16, 0x03, 0x01, 0x01, 0x2c, 0x01, 0x00, 0x01, 0x28, 0x03, 0x03]);
    const [silent, half] = await Promise.all([
      rawExchange(null, REQUEST_TIMEOUT_MS + 5000),
      rawExchange(partial, REQUEST_TIMEOUT_MS + 5000),
    ]);
    assert.ok(silent.closed, 'a silent connection is closed');
    assert.ok(half.closed, 'a half handshake is closed');
    const s = await connect(MODES[0]);
    assert.equal(await ack(s, 'echo-ack', 'ok'), 'ok');
  });

  test('client certificates required (--tls-client-ca)', async () => {
    makeCa(dir, 'clientca');
    makeCa(dir, 'otherca');
    makeServerCert(dir, 'client', 'clientca', 'DNS:client', 'clientAuth');
    makeServerCert(dir, 'stranger', 'otherca', 'DNS:stranger', 'clientAuth');
    const m = await spawnServer('sio_test_server', ['--tls-cert', path.join(dir, 'server.pem'),
      '--tls-key', path.join(dir, 'server.key'), '--tls-client-ca', path.join(dir, 'clientca.pem')]);
    const mine = [];
    try {
      const open = (who, mode) => {
        const extra = who ? { cert: fs.readFileSync(path.join(dir, `${who}.pem`)),
          key: fs.readFileSync(path.join(dir, `${who}.key`)) } : {};
        const s = io(`https://127.0.0.1:${m.port}`, { forceNew: true, reconnection: false, ca, ...extra, ...mode.opts });
        mine.push(s);
        return s;
      };
      for (const mode of [MODES[0], MODES[1]]) {
        const s = open('client', mode);
        await once(s, 'connect');
        assert.equal(await ack(s, 'echo-ack', 'mtls'), 'mtls');
        await once(open(null, mode), 'connect_error');
        await once(open('stranger', mode), 'connect_error');
      }
    } finally {
      for (const s of mine) s.disconnect();
      const r = await m.stop();
      assert.equal(r.code, 0, `server exit: ${JSON.stringify(r)} stderr: ${m.stderr()}`);
    }
  });

  test('a missing certificate or a key that does not match: no start, SIO_ETLS', async () => {
    makeServerCert(dir, 'other', 'ca', 'DNS:localhost');
    const cases = [
      ['--tls-cert', path.join(dir, 'missing.pem'), '--tls-key', path.join(dir, 'server.key')],
      ['--tls-cert', path.join(dir, 'server.pem'), '--tls-key', path.join(dir, 'server.key'),
        '--tls-client-ca', path.join(dir, 'missing-ca.pem')],
      ['--tls-cert', path.join(dir, 'server.pem'), '--tls-key', path.join(dir, 'other.key')],
    ];
    for (const args of cases) {
      const r = await new Promise((resolve) => {
        const p = spawn(programPath('sio_test_server'), ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '';
        const k = setTimeout(() => p.kill('SIGKILL'), 10000);
        p.stderr.on('data', (d) => { err += d; });
        p.on('exit', (code) => {
          clearTimeout(k);
          resolve({ code, err });
        });
      });
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /TLS/);
    }
  });
});
