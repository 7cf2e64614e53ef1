// The C client (include/sio/client.h) against the Node reference server
// (ref/sio_ref_server.mjs, socket.io 4.8.4) and against our own server
// (tests/servers/sio_test_server.c), over each transport mode, through the
// driver program tests/servers/client_driver.c; then reconnection after the
// server is killed and restarted on the same port, and misbehaving fake
// servers (silent, garbage, bad packets, a close mid-upgrade) that must end
// in errors or reconnections, never a crash or a hang.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { programPath, spawnServer } from './lib/spawn.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const TRANSPORTS = ['polling', 'websocket', 'upgrade'];

// Runs the driver; resolves { code, lines, text }. onLine(obj) sees each
// JSON line as it arrives.
function runDriver(url, transport, scenario, onLine = () => {}) {
  return new Promise((resolve) => {
    const proc = spawn(programPath('client_driver'),
      ['--url', url, '--transport', transport, '--scenario', scenario],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let err = '';
    const lines = [];
    const killer = setTimeout(() => proc.kill('SIGKILL'), 30000);
    proc.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const o = JSON.parse(l);
          lines.push(o);
          onLine(o);
        } catch {
          lines.push({ raw: l });
        }
      }
    });
    proc.stderr.on('data', (d) => { err += d; });
    proc.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, lines, stderr: err.slice(-4000) });
    });
  });
}

function assertPass(r, label) {
  const failed = r.lines.filter((l) => l.check && !l.ok);
  const result = r.lines.find((l) => l.result);
  assert.deepEqual(failed, [], `${label}: failed checks\n${JSON.stringify(r.lines)}\n${r.stderr}`);
  assert.equal(result && result.result, 'pass', `${label}: ${JSON.stringify(r.lines)}\n${r.stderr}`);
  assert.equal(r.code, 0, `${label}: exit ${r.code} ${r.signal}\n${r.stderr}`);
}

// The Node reference server as a child process (same contract as spawnServer).
function spawnRef(args = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [path.join(here, 'ref', 'sio_ref_server.mjs'), ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const t = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error('ref server did not start')); }, 10000);
    const exited = new Promise((r) => proc.on('exit', r));
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ port: Number(m[1]), stop: async () => { proc.kill('SIGKILL'); await exited; } });
      }
    });
    proc.on('error', reject);
  });
}

// Short heartbeats, so every scenario also proves the client answers pings.
const PING = ['--ping-interval', '300', '--ping-timeout', '200'];
const SERVERS = {
  ours: (args = []) => spawnServer('sio_test_server', [...args, ...PING]),
  ref: (args = []) => spawnRef([...args, ...PING]),
};

for (const [name, start] of Object.entries(SERVERS)) {
  describe(`client against ${name} server`, () => {
    test('connect, events, acks both ways, binary both ways, namespaces, auth refused; every transport', async () => {
      const srv = await start();
      try {
        const url = `http://127.0.0.1:${srv.port}`;
        const runs = await Promise.all(TRANSPORTS.map((t) => runDriver(url, t, 'basic')));
        runs.forEach((r, i) => assertPass(r, `${name}/${TRANSPORTS[i]}/basic`));
        const simple = await Promise.all(TRANSPORTS.map((t) => runDriver(url, t, 'simple')));
        simple.forEach((r, i) => assertPass(r, `${name}/${TRANSPORTS[i]}/simple`));
      } finally {
        await srv.stop();
      }
    });

    test('reconnection after the server is killed and restarted on the same port', async () => {
      let srv = await start();
      const port = srv.port;
      const url = `http://127.0.0.1:${port}`;
      let ready = 0;
      let waiting = 0;
      let onReady;
      let onWaiting;
      const allReady = new Promise((r) => { onReady = r; });
      const allWaiting = new Promise((r) => { onWaiting = r; });
      const runs = Promise.all(TRANSPORTS.map((t) => runDriver(url, t, 'reconnect', (o) => {
        if (o.event === 'ready' && ++ready === TRANSPORTS.length) onReady();
        if (o.event === 'waiting' && ++waiting === TRANSPORTS.length) onWaiting();
      })));
      try {
        await Promise.race([allReady, runs]);
        await srv.stop(); // SIGTERM (ours) / SIGKILL (ref): the sessions drop
        srv = null;
        await Promise.race([allWaiting, runs]);
        srv = await start(['--port', String(port)]);
        const results = await runs;
        results.forEach((r, i) => { if (process.env.SIO_TEST_VERBOSE) console.error(JSON.stringify(r.lines)); assertPass(r, `${name}/${TRANSPORTS[i]}/reconnect`); });
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

// ---- misbehaving servers ----

const OPEN = (upgrades) => '0' + JSON.stringify({
  sid: 'fakesid' + Math.random().toString(36).slice(2, 8), upgrades,
  pingInterval: 300, pingTimeout: 200, maxPayload: 1000000,
});

// A fake Engine.IO server. mode: what goes wrong.
function fakeServer(mode) {
  return new Promise((resolve) => {
    if (mode === 'silent') {
      const sockets = new Set();
      const srv = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); });
      srv.listen(0, '127.0.0.1', () => resolve({
        port: srv.address().port,
        stop: () => new Promise((r) => { for (const s of sockets) s.destroy(); srv.close(r); }),
      }));
      return;
    }
    const opened = new Set();
    const srv = http.createServer((req, res) => {
      const u = new URL(req.url, 'http://x');
      const sid = u.searchParams.get('sid');
      if (mode === 'http-error') { res.writeHead(500); res.end('no'); return; }
      if (mode === 'no-ping' && sid) return; // held forever: the watchdog must fire
      if (req.method === 'POST') { req.resume(); req.on('end', () => res.end('ok')); return; }
      if (!sid) {
        if (mode === 'garbage-open') { res.end('0{garbage'); return; }
        res.end(OPEN(mode === 'mid-upgrade' ? ['websocket'] : []));
        return;
      }
      opened.add(sid);
      const body = {
        'bad-sio': '4zzz',
        'bad-eio': '9xyz',
        'bad-binary': '451-["x",{"_placeholder":true,"num":0}]\x1e42["y"]',
        'mid-upgrade': '1',
      }[mode] ?? '1';
      setTimeout(() => res.end(body), 100);
    });
    const wss = new WebSocketServer({ noServer: true });
    srv.on('upgrade', (req, socket, head) => {
      if (mode === 'mid-upgrade' || mode === 'http-error') { socket.destroy(); return; }
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => {});
        if (mode === 'garbage-open') { ws.send('0{garbage'); return; }
        ws.send(OPEN([]));
        if (mode === 'no-ping') return;
        const bad = {
          'bad-sio': ['4zzz'],
          'bad-eio': ['9xyz'],
          'bad-binary': ['451-["x",{"_placeholder":true,"num":0}]', '42["y"]'],
        }[mode] ?? ['1'];
        setTimeout(() => bad.forEach((m) => ws.send(m)), 100);
      });
    });
    srv.listen(0, '127.0.0.1', () => resolve({
      port: srv.address().port,
      stop: () => new Promise((r) => { wss.close(); srv.closeAllConnections(); srv.close(r); }),
    }));
  });
}

// A server that offers the upgrade but never answers the probe: polling
// keeps the session (pings every 250 ms), the client must close the probe
// WebSocket after its open timeout (800 ms in the driver's probe scenario).
test('an unanswered upgrade probe is given up; the session stays on polling', async () => {
  let probeClosed = false;
  const srv = http.createServer((req, res) => {
    const sid = new URL(req.url, 'http://x').searchParams.get('sid');
    if (req.method === 'POST') { req.resume(); req.on('end', () => res.end('ok')); return; }
    if (!sid) { res.end(OPEN(['websocket'])); return; }
    setTimeout(() => res.end('2'), 250);
  });
  const wss = new WebSocketServer({ noServer: true });
  srv.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      ws.on('close', () => { probeClosed = true; });
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  try {
    let closedAtDone = null;
    const r = await runDriver(`http://127.0.0.1:${srv.address().port}`, 'upgrade', 'probe', (o) => {
      if (o.event === 'probe-done') closedAtDone = probeClosed;
    });
    assertPass(r, 'probe');
    assert.equal(closedAtDone, true, 'the probe WebSocket was not closed by the client');
  } finally {
    wss.close();
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  }
});

describe('client against misbehaving servers', () => {
  const modes = ['no-ping', 'silent', 'http-error', 'garbage-open', 'bad-eio', 'bad-sio', 'bad-binary', 'mid-upgrade'];
  test('errors or reconnections, never a crash or a hang', async () => {
    const servers = await Promise.all(modes.map((m) => fakeServer(m)));
    try {
      const jobs = [];
      modes.forEach((m, i) => {
        for (const t of (m === 'mid-upgrade' ? ['upgrade'] : ['polling', 'websocket']))
          jobs.push(runDriver(`http://127.0.0.1:${servers[i].port}`, t, 'bad').then((r) => [m, t, r]));
      });
      // a port where nobody listens
      const probe = net.createServer();
      await new Promise((r) => probe.listen(0, '127.0.0.1', r));
      const deadPort = probe.address().port;
      await new Promise((r) => probe.close(r));
      jobs.push(runDriver(`http://127.0.0.1:${deadPort}`, 'polling', 'bad').then((r) => ['refused', 'polling', r]));
      for (const [m, t, r] of await Promise.all(jobs)) {
        if (process.env.SIO_TEST_VERBOSE) console.error(m, t, JSON.stringify(r.lines.filter((l) => l.event)));
        assertPass(r, `bad/${m}/${t}`);
        if (m === 'no-ping')
          assert.ok(r.lines.some((l) => l.event === 'close' && l.reason === 'ping timeout'), JSON.stringify(r.lines));
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });
});
