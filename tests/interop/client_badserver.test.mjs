// The C client against misbehaving fake servers: malformed Engine.IO and
// Socket.IO packets, a server that never answers (nothing at all, or no
// ping), HTTP errors, a truncated response, broken WebSocket frames, a close
// in the middle of the upgrade. Each case must end in the error event or the
// reconnection it calls for (asserted per case below), never a crash or a
// hang; the driver exits 0 only without leaks or memory errors under ASan.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import { runDriver, assertPass } from './lib/client_run.mjs';

const OPEN = (upgrades) => '0' + JSON.stringify({
  sid: 'fakesid' + Math.random().toString(36).slice(2, 8), upgrades,
  pingInterval: 300, pingTimeout: 200, maxPayload: 1000000,
});

function wsFrame(opcode, payload) {
  const b = Buffer.from(payload);
  const head = b.length < 126 ? Buffer.from([0x80 | opcode, b.length])
    : Buffer.from([0x80 | opcode, 126, b.length >> 8, b.length & 255]);
  return Buffer.concat([head, b]);
}

// Accepts a WebSocket upgrade by hand (to send what `ws` would refuse).
function rawUpgrade(req, socket) {
  const accept = crypto.createHash('sha1')
    .update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
    + `Sec-WebSocket-Accept: ${accept}\r\n\r\n`);
}

// A fake Engine.IO server. mode: what goes wrong.
function fakeServer(mode) {
  return new Promise((resolve) => {
    const sockets = new Set();
    const track = (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}); };
    if (mode === 'silent') { // accepts connections, never says a byte
      const srv = net.createServer(track);
      srv.listen(0, '127.0.0.1', () => resolve({
        port: srv.address().port,
        stop: () => new Promise((r) => { for (const s of sockets) s.destroy(); srv.close(r); }),
      }));
      return;
    }
    const srv = http.createServer((req, res) => {
      const sid = new URL(req.url, 'http://x').searchParams.get('sid');
      if (mode === 'http-error') { res.writeHead(500); res.end('no'); return; }
      if (mode === 'truncated') { // promises 100 bytes, sends 5, hangs up
        res.writeHead(200, { 'Content-Length': '100' });
        res.write('0{"si');
        setTimeout(() => res.socket.destroy(), 50);
        return;
      }
      if (mode === 'no-ping' && sid) return; // held forever: the watchdog must fire
      if (req.method === 'POST') { req.resume(); req.on('end', () => res.end('ok')); return; }
      if (!sid) {
        if (mode === 'garbage-open') { res.end('0{garbage'); return; }
        res.end(OPEN(mode === 'mid-upgrade' ? ['websocket'] : []));
        return;
      }
      const body = {
        'bad-sio': '4zzz',
        'bad-eio': '9xyz',
        'bad-binary': '451-["x",{"_placeholder":true,"num":0}]\x1e42["y"]',
        'bad-connect': '40{"nosid":1}',
        'mid-upgrade': '1',
      }[mode] ?? '1';
      setTimeout(() => res.end(body), 100);
    });
    srv.on('connection', track);
    const wss = new WebSocketServer({ noServer: true });
    srv.on('upgrade', (req, socket, head) => {
      track(socket);
      if (mode === 'mid-upgrade' || mode === 'http-error' || mode === 'truncated') { socket.destroy(); return; }
      if (mode === 'ws-bad-frame' || mode === 'ws-huge-frame') {
        rawUpgrade(req, socket);
        socket.on('data', () => {});
        socket.write(wsFrame(1, OPEN([])));
        setTimeout(() => socket.write(mode === 'ws-bad-frame'
          ? Buffer.from([0x83, 0x00]) // a reserved opcode
          : Buffer.from([0x81, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), 100); // 2^63-1 bytes
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => {});
        if (mode === 'garbage-open') { ws.send('0{garbage'); return; }
        ws.send(OPEN([]));
        if (mode === 'no-ping') return;
        const bad = {
          'bad-sio': ['4zzz'],
          'bad-eio': ['9xyz'],
          'bad-binary': ['451-["x",{"_placeholder":true,"num":0}]', '42["y"]'],
          'bad-connect': ['40{"nosid":1}'],
        }[mode] ?? ['1'];
        setTimeout(() => bad.forEach((m) => ws.send(m)), 100);
      });
    });
    srv.listen(0, '127.0.0.1', () => resolve({
      port: srv.address().port,
      stop: () => new Promise((r) => {
        wss.close();
        for (const s of sockets) s.destroy();
        srv.close(r);
      }),
    }));
  });
}

const has = (r, event, key, value) => r.lines.some((l) => l.event === event && (!key || l[key] === value));
const openFailed = (reason) => (r) => has(r, 'connect_error', 'message', reason) && has(r, 'reconnect_failed');
const lostThenRetry = (reason) => (r) => has(r, 'close', 'reason', reason) && has(r, 'reconnect_attempt');

// mode -> [transports, what must be seen, description]
const CASES = {
  'no-ping': [['polling', 'websocket'], lostThenRetry('ping timeout'), 'no ping: the watchdog closes, then a reconnection'],
  silent: [['polling', 'websocket'], openFailed('timeout'), 'never answers: open timeout, retries, gives up'],
  refused: [['polling', 'websocket'], openFailed('transport error'), 'nobody listens'],
  'http-error': [['polling', 'websocket'], openFailed('transport error'), 'HTTP 500 / upgrade refused'],
  truncated: [['polling'], openFailed('transport error'), 'a response cut short'],
  'garbage-open': [['polling', 'websocket'], openFailed('parse error'), 'a malformed open packet'],
  'bad-eio': [['polling', 'websocket'], lostThenRetry('parse error'), 'an unknown Engine.IO packet type'],
  'bad-sio': [['polling', 'websocket'], lostThenRetry('parse error'), 'a malformed Socket.IO packet'],
  'bad-binary': [['polling', 'websocket'], lostThenRetry('parse error'), 'text where an attachment was due'],
  'bad-connect': [['polling', 'websocket'], (r) => has(r, 'connect_error', 'message', 'invalid CONNECT reply'), 'a CONNECT reply without sid'],
  // A WebSocket protocol error stops the reads at once; the session is
  // reported lost when the WebSocket closes (at most 1 s later) or by the
  // heartbeat watchdog, whichever comes first: any reason, then a retry.
  'ws-bad-frame': [['websocket'], lostThenRetry('transport error'), 'a reserved WebSocket opcode'],
  'ws-huge-frame': [['websocket'], lostThenRetry('transport error'), 'a frame header announcing 2^63 bytes'],
  'mid-upgrade': [['upgrade'], (r) => !has(r, 'upgrade') && has(r, 'open') && has(r, 'reconnect_attempt'), 'the upgrade request is cut: the session stays on polling'],
};

describe('client against misbehaving servers', () => {
  test('every case ends in its error event or a reconnection, never a crash or a hang', async () => {
    const modes = Object.keys(CASES);
    const servers = {};
    for (const m of modes) {
      if (m === 'refused') { // a port where nobody listens
        const probe = net.createServer();
        await new Promise((r) => probe.listen(0, '127.0.0.1', r));
        servers[m] = { port: probe.address().port, stop: async () => {} };
        await new Promise((r) => probe.close(r));
      } else {
        servers[m] = await fakeServer(m);
      }
    }
    try {
      // A few at a time: the machine is small and timeouts are short.
      const jobs = modes.flatMap((m) => CASES[m][0].map((t) => [m, t]));
      const results = [];
      for (let i = 0; i < jobs.length; i += 6) {
        results.push(...await Promise.all(jobs.slice(i, i + 6).map(([m, t]) =>
          runDriver(`http://127.0.0.1:${servers[m].port}`, t, 'bad').then((r) => [m, t, r]))));
      }
      const wrong = results.filter(([m, , r]) => !CASES[m][1](r)).map(([m, t, r]) =>
        `bad/${m}/${t}: expected ${CASES[m][2]}; got ${JSON.stringify(r.lines.filter((l) => l.event))}`);
      assert.deepEqual(wrong, []);
      for (const [m, t, r] of results) assertPass(r, `bad/${m}/${t}`);
    } finally {
      await Promise.all(modes.map((m) => servers[m].stop()));
    }
  });
});

// A server offering the upgrade whose probe misbehaves while polling keeps
// the session (a ping every 250 ms): the client must give the probe up and
// stay on polling, without closing the session.
//   never: the probe WebSocket is never answered (closed by the client after
//          its open timeout, 800 ms in the driver's probe scenario);
//   close: "3probe" is answered, then the WebSocket is cut (closed mid-upgrade).
for (const probeMode of ['never', 'close']) {
  test(`an upgrade probe that is ${probeMode === 'never' ? 'never answered' : 'cut after 3probe'}: the session stays on polling`, async () => {
    let probeClosed = false;
    let probed = false;
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
        ws.on('message', (d) => {
          if (probeMode === 'close' && String(d) === '2probe') {
            probed = true;
            ws.send('3probe');
            setTimeout(() => socket.destroy(), 20);
          }
        });
      });
    });
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    try {
      let closedAtDone = null;
      const r = await runDriver(`http://127.0.0.1:${srv.address().port}`, 'upgrade', 'probe', (o) => {
        if (o.event === 'probe-done') closedAtDone = probeClosed;
      });
      assertPass(r, `probe/${probeMode}`);
      assert.equal(closedAtDone, true, 'the probe WebSocket is still open');
      if (probeMode === 'close') assert.ok(probed, 'the client never sent 2probe');
    } finally {
      wss.close();
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  });
}
