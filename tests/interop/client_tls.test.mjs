// The C client over TLS (https:// and wss://) against an HTTPS socket.io 4.8
// server (ref/sio_tls_ref_server.mjs), through tests/servers/client_tls_driver.c.
// A throwaway CA and server certificates are made with the openssl CLI in a
// temp dir at test time:
//  - with the CA file: polling, websocket and upgrade (connect, ack, binary
//    both ways, 500 KB text and binary both ways), by IP and by name;
//  - a CA that did not sign the certificate, no CA (system store: the test CA
//    is not in it), a certificate for another host name: the open fails with
//    SIO_ETLS, the retry too, no crash;
//  - verification off: connects anyway.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCa, makeServerCert } from './lib/certs.mjs';
import { runTlsDriver, assertPass } from './lib/client_run.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const TRANSPORTS = ['polling', 'websocket', 'upgrade'];

function startServer(dir, name) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [path.join(here, 'ref', 'sio_tls_ref_server.mjs'),
      '--cert', path.join(dir, `${name}.pem`), '--key', path.join(dir, `${name}.key`)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
    const t = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error('TLS ref server did not start')); }, 10000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ port: Number(m[1]), stop: async () => { proc.kill('SIGKILL'); return exited; } });
      }
    });
  });
}

describe('C client over TLS', () => {
  let dir;
  let good;
  let other;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sio-tls-'));
    makeCa(dir, 'ca');
    makeCa(dir, 'wrongca');
    makeServerCert(dir, 'server', 'ca', 'DNS:localhost,IP:127.0.0.1');
    makeServerCert(dir, 'elsewhere', 'ca', 'DNS:elsewhere.invalid');
    good = await startServer(dir, 'server');
    other = await startServer(dir, 'elsewhere');
  });
  after(async () => {
    if (good) await good.stop();
    if (other) await other.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('every transport with the CA file (https://127.0.0.1)', async () => {
    const ca = path.join(dir, 'ca.pem');
    const runs = await Promise.all(TRANSPORTS.map((t) =>
      runTlsDriver(['--url', `https://127.0.0.1:${good.port}`, '--transport', t, '--ca', ca])));
    runs.forEach((r, i) => assertPass(r, `ip/${TRANSPORTS[i]}`));
  });

  test('by host name: https://localhost and wss://localhost', async () => {
    const ca = path.join(dir, 'ca.pem');
    const runs = await Promise.all([
      runTlsDriver(['--url', `https://localhost:${good.port}/`, '--transport', 'upgrade', '--ca', ca]),
      runTlsDriver(['--url', `wss://localhost:${good.port}`, '--transport', 'websocket', '--ca', ca]),
    ]);
    assertPass(runs[0], 'https://localhost');
    assertPass(runs[1], 'wss://localhost');
  });

  test('a wrong CA, the system store, a host name mismatch: SIO_ETLS, no crash', async () => {
    const runs = await Promise.all([
      runTlsDriver(['--url', `https://127.0.0.1:${good.port}`, '--transport', 'polling',
        '--ca', path.join(dir, 'wrongca.pem'), '--expect', 'tls-error']),
      runTlsDriver(['--url', `wss://127.0.0.1:${good.port}`, '--transport', 'websocket',
        '--ca', path.join(dir, 'wrongca.pem'), '--expect', 'tls-error']),
      runTlsDriver(['--url', `https://127.0.0.1:${good.port}`, '--transport', 'upgrade',
        '--expect', 'tls-error']),
      runTlsDriver(['--url', `https://localhost:${other.port}`, '--transport', 'upgrade',
        '--ca', path.join(dir, 'ca.pem'), '--expect', 'tls-error']),
      runTlsDriver(['--url', `wss://127.0.0.1:${other.port}`, '--transport', 'websocket',
        '--ca', path.join(dir, 'ca.pem'), '--expect', 'tls-error']),
    ]);
    const labels = ['wrong CA/polling', 'wrong CA/websocket', 'system store', 'name mismatch', 'IP mismatch'];
    runs.forEach((r, i) => assertPass(r, labels[i]));
    assert.match(runs[0].stderr, /certificate of 127\.0\.0\.1 rejected/);
    assert.match(runs[3].stderr, /hostname mismatch/i);
  });

  test('verification off connects to any certificate', async () => {
    const runs = await Promise.all([
      runTlsDriver(['--url', `https://localhost:${other.port}`, '--transport', 'upgrade', '--no-verify']),
      runTlsDriver(['--url', `wss://127.0.0.1:${good.port}`, '--transport', 'websocket', '--no-verify']),
    ]);
    assertPass(runs[0], 'no-verify/mismatch');
    assertPass(runs[1], 'no-verify/self');
  });
});
