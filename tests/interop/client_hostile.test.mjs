// The C client (tests/servers/client_hostile_driver.c) against hostile
// servers: pings with large payloads from a server that never reads, a
// server that never reads what we emit (WebSocket) or never answers our
// POSTs (polling), GETs answered with hundreds of pings, a second message
// on the upgrade probe after "3probe", a sid carrying CR/LF, handlers that
// change the handler list while an event is dispatched, an ack callback
// that emits with an ack while acks are being cancelled, and a flood of
// large events into the simple client's receive queue.
//
// Each case asserts what the client does (the event and reason it ends
// with, what the server received, how much the client's peak memory grew),
// never how long it took.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { Server } from 'socket.io';
import { runJsonLines } from './lib/client_run.mjs';

const KiB = 1024;
const MiB = 1024 * KiB;

const OPEN = (upgrades, extra = {}) => '0' + JSON.stringify({
  sid: 'hostile' + Math.random().toString(36).slice(2, 8), upgrades,
  pingInterval: 3000, pingTimeout: 3000, maxPayload: 1000000, ...extra,
});

// Runs the driver; resolves { code, signal, lines, stderr }.
function runDriver(port, transport, scenario, extra = []) {
  return runJsonLines('client_hostile_driver',
    ['--url', `http://127.0.0.1:${port}`, '--transport', transport, '--scenario', scenario, ...extra],
    () => {}, 'client_hostile_driver', 90000);
}

const ev = (r, name) => r.lines.filter((l) => l.event === name);
const result = (r) => r.lines.find((l) => l.result) ?? {};
const show = (r) => `${JSON.stringify(r.lines)}\n${r.stderr}`;

// Exited normally, with a closed loop (and, under ASan, no leak).
function assertClean(r) {
  const res = result(r);
  assert.equal(res.result, 'done', `no result line (exit ${r.code} ${r.signal}): ${show(r)}`);
  assert.equal(res.loop_closed, true, `loop not closed: ${show(r)}`);
  assert.equal(r.code, 0, `exit ${r.code} ${r.signal}: ${show(r)}`);
}

// How much the peak resident size may grow during a flood: a few buffers,
// far below what the floods below would leave queued without a bound.
const MAX_GROWTH_KB = 32 * KiB;

// Listens on a free port, keeping every connection so stop() can cut
// them all (upgraded ones too).
async function listen(srv) {
  srv.sockets = new Set();
  srv.on('connection', (s) => {
    srv.sockets.add(s);
    s.on('close', () => srv.sockets.delete(s));
    s.on('error', () => {});
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return srv.address().port;
}

async function stop(srv, wss) {
  wss?.close();
  for (const s of srv.sockets) s.destroy();
  await new Promise((r) => srv.close(r));
}

// An Engine.IO server on WebSocket only that hands each connection to fn.
async function wsServer(fn) {
  const srv = http.createServer((req, res) => { res.writeHead(400); res.end(); });
  const wss = new WebSocketServer({ noServer: true });
  srv.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => { ws.on('error', () => {}); fn(ws, socket); });
  });
  return { srv, wss, port: await listen(srv) };
}

test('pings with 64 KiB payloads from a server that never reads: pongs carry nothing, memory stays flat', async () => {
  const COUNT = 1500; // 96 MiB of pings: echoed, that much would wait in our queue
  const payload = '2' + 'p'.repeat(64 * KiB);
  const { srv, wss, port } = await wsServer(async (ws, socket) => {
    ws.send(OPEN([], { pingInterval: 60000, pingTimeout: 60000 }));
    socket.pause(); // never reads again
    for (let i = 0; i < COUNT && ws.readyState === ws.OPEN; i++) {
      await new Promise((r) => ws.send(payload, r));
    }
    ws.send('1'); // close: the session ends here
  });
  try {
    const r = await runDriver(port, 'websocket', 'idle');
    assertClean(r);
    assert.deepEqual(ev(r, 'close').map((l) => l.reason), ['transport close'], show(r));
    assert.ok(result(r).rss_growth_kb < MAX_GROWTH_KB,
      `peak memory grew by ${result(r).rss_growth_kb} KiB: ${show(r)}`);
  } finally {
    await stop(srv, wss);
  }
});

test('a server that never reads what we emit (WebSocket): the write queue cap fails the transport', async () => {
  const { srv, wss, port } = await wsServer((ws, socket) => {
    ws.send(OPEN([], { pingInterval: 60000, pingTimeout: 60000 }));
    ws.once('message', () => { // the CONNECT: accept it, then read nothing more
      ws.send('40{"sid":"s1"}');
      socket.pause();
    });
  });
  try {
    const r = await runDriver(port, 'websocket', 'emitflood');
    assertClean(r);
    assert.equal(ev(r, 'connect').length, 1, show(r));
    assert.deepEqual(ev(r, 'close').map((l) => l.reason), ['transport error'], show(r));
    assert.ok(ev(r, 'emitted')[0].bytes < 128 * MiB, `every emit went into the queue: ${show(r)}`);
    assert.ok(result(r).rss_growth_kb < MAX_GROWTH_KB,
      `peak memory grew by ${result(r).rss_growth_kb} KiB: ${show(r)}`);
  } finally {
    await stop(srv, wss);
  }
});

// A polling server: the handshake, then the CONNECT accepted; after that
// POSTs are held unanswered and unread. getBody: what each later GET gets
// at once (null: held forever).
async function pollingServer(getBody) {
  const state = { connected: false, heldGet: null };
  const srv = http.createServer((req, res) => {
    const sid = new URL(req.url, 'http://x').searchParams.get('sid');
    if (!sid) { res.end(OPEN([], { pingInterval: 60000, pingTimeout: 60000 })); return; }
    if (req.method === 'POST') {
      if (state.connected) { req.pause(); return; } // never answered, never read
      req.resume();
      req.on('end', () => {
        state.connected = true;
        res.end('ok');
        state.heldGet?.end('40{"sid":"s1"}');
        state.heldGet = null;
      });
      return;
    }
    if (!state.connected) { state.heldGet = res; return; }
    const body = getBody();
    if (body !== null) res.end(body);
  });
  return { srv, port: await listen(srv) };
}

test('a polling server that never answers our POSTs: the outgoing queue cap fails the transport', async () => {
  const { srv, port } = await pollingServer(() => null);
  try {
    const r = await runDriver(port, 'polling', 'emitflood');
    assertClean(r);
    assert.equal(ev(r, 'connect').length, 1, show(r));
    assert.deepEqual(ev(r, 'close').map((l) => l.reason), ['transport error'], show(r));
    assert.ok(ev(r, 'emitted')[0].bytes < 128 * MiB, `every emit went into the queue: ${show(r)}`);
    assert.ok(result(r).rss_growth_kb < MAX_GROWTH_KB,
      `peak memory grew by ${result(r).rss_growth_kb} KiB: ${show(r)}`);
  } finally {
    await stop(srv);
  }
});

test('GETs answered with hundreds of 1 KiB pings while POSTs hang: bounded, then a transport error', async () => {
  const pings = Array.from({ length: 300 }, () => '2' + 'p'.repeat(KiB)).join('\x1e');
  const { srv, port } = await pollingServer(() => pings);
  try {
    const r = await runDriver(port, 'polling', 'idle', ['--max-write-queue', String(256 * KiB)]);
    assertClean(r);
    assert.deepEqual(ev(r, 'close').map((l) => l.reason), ['transport error'], show(r));
    assert.ok(result(r).rss_growth_kb < MAX_GROWTH_KB,
      `peak memory grew by ${result(r).rss_growth_kb} KiB: ${show(r)}`);
  } finally {
    await stop(srv);
  }
});

test('a second message on the upgrade probe after 3probe: the probe is dropped and polling goes on', async () => {
  const st = { heldGet: null, connectPending: false, probeGone: false, hello: false, welcomed: false };
  const flush = () => { // answers the held GET when there is something to say
    if (!st.heldGet) return;
    if (st.connectPending && st.probeGone) {
      st.heldGet.end('40{"sid":"s1"}');
      st.connectPending = false;
    } else if (st.hello && !st.welcomed) {
      st.heldGet.end('42["welcome"]');
      st.welcomed = true;
    } else {
      return;
    }
    st.heldGet = null;
  };
  const srv = http.createServer((req, res) => {
    const sid = new URL(req.url, 'http://x').searchParams.get('sid');
    if (!sid) { res.end(OPEN(['websocket'])); return; }
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        if (body.includes('40')) st.connectPending = true;
        if (body.includes('hello')) st.hello = true;
        res.end('ok');
        flush();
      });
      return;
    }
    st.heldGet = res;
    flush();
  });
  const wss = new WebSocketServer({ noServer: true });
  srv.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      ws.on('message', (d) => {
        if (String(d) !== '2probe') return;
        ws.send('3probe');
        ws.send('6'); // not the upgrade's next step: the probe must be dropped
      });
      ws.on('close', () => { st.probeGone = true; flush(); });
    });
  });
  const port = await listen(srv);
  try {
    const r = await runDriver(port, 'upgrade', 'probe2');
    assertClean(r);
    assert.equal(ev(r, 'connect').length, 1, show(r));
    assert.ok(st.hello, `the emit made after the dropped probe never reached the server: ${show(r)}`);
    assert.equal(ev(r, 'welcome').length, 1, `polling stopped after the dropped probe: ${show(r)}`);
    assert.equal(ev(r, 'upgrade').length, 0, show(r));
  } finally {
    await stop(srv, wss);
  }
});

for (const transport of ['polling', 'websocket']) {
  test(`a sid with CR/LF in the handshake (${transport}): the open fails, nothing is injected`, async () => {
    let raw = '';
    const sid = 'ab\r\nX-Evil: 1';
    const srv = http.createServer((req, res) => {
      res.end('0' + JSON.stringify({ sid, upgrades: ['websocket'], pingInterval: 3000, pingTimeout: 3000 }));
    });
    srv.on('connection', (s) => s.on('data', (d) => { raw += d; }));
    const wss = new WebSocketServer({ noServer: true });
    srv.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => {});
        ws.send('0' + JSON.stringify({ sid, upgrades: [], pingInterval: 3000, pingTimeout: 3000 }));
      });
    });
    const port = await listen(srv);
    try {
      const r = await runDriver(port, transport, 'idle');
      assertClean(r);
      assert.deepEqual(ev(r, 'connect_error').map((l) => l.message), ['parse error'], show(r));
      assert.equal(ev(r, 'open').length, 0, show(r));
      assert.ok(!raw.includes('X-Evil'), `the sid went into a request: ${JSON.stringify(raw)}`);
    } finally {
      await stop(srv, wss);
    }
  });
}

// A real Socket.IO server (the reference package) for the cases that need
// only well-formed traffic.
async function sioServer(onConnection) {
  const srv = http.createServer();
  const io = new Server(srv, { maxHttpBufferSize: 64 * MiB });
  io.on('connection', onConnection);
  const port = await listen(srv);
  return { port, stop: async () => { io.close(); await stop(srv); } };
}

test('handlers added and removed during a dispatch: those present at arrival run once, an added one waits for the next event, a removed one runs no more', async () => {
  const s = await sioServer((socket) => {
    socket.on('ready', () => { socket.emit('e'); socket.emit('e'); socket.emit('e'); });
  });
  try {
    const r = await runDriver(s.port, 'websocket', 'handlers');
    assertClean(r);
    // a: runs for the 1st event, removes itself, adds c (c waits for the 2nd);
    // b: runs for all three, removes c during the 2nd, before c's turn, so c
    // never runs (its arg may be gone once the removal returns).
    assert.deepEqual(ev(r, 'handlers').map(({ any, a, b, c }) => ({ any, a, b, c })),
      [{ any: 3, a: 1, b: 3, c: 0 }], show(r));
  } finally {
    await s.stop();
  }
});

test('an emit with an ack made while the lost session cancels acks: buffered, and its reply arrives after the reconnection', async () => {
  const s = await sioServer((socket) => {
    socket.on('first', () => {}); // never answered: the session loss cancels it
    socket.on('ready', () => socket.conn.close()); // the session goes; the client reconnects
    socket.on('second', (ack) => ack('ok'));
  });
  try {
    const r = await runDriver(s.port, 'websocket', 'ackcancel');
    assertClean(r);
    assert.deepEqual(ev(r, 'acks').map(({ first, second }) => ({ first, second })),
      [{ first: 'ECANCELED', second: 'ok' }], show(r));
    assert.equal(ev(r, 'connect').length, 2, show(r));
  } finally {
    await s.stop();
  }
});

test('the simple client\'s receive queue is bounded in bytes: the oldest events are dropped', async () => {
  const big = 'x'.repeat(MiB);
  const s = await sioServer((socket) => {
    socket.on('flood', (ack) => {
      for (let i = 0; i < 40; i++) socket.emit('big', big);
      socket.emit('end');
      ack();
    });
  });
  try {
    const r = await runDriver(s.port, 'websocket', 'simpleflood', ['--max-receive-queue', String(4 * MiB)]);
    assertClean(r);
    const [f] = ev(r, 'simple flood');
    assert.ok(f, show(r));
    assert.equal(f.call, 'ok', show(r));
    assert.equal(f.last, 'end', show(r));
    assert.ok(f.bytes <= 4 * MiB, `${f.bytes} bytes were queued: ${show(r)}`);
    assert.equal(f.received + f.dropped, 41, show(r));
    assert.ok(f.dropped >= 37, show(r));
  } finally {
    await s.stop();
  }
});
