// permessage-deflate (RFC 7692) on the server's WebSockets, checked on the wire and
// with the Node clients, against our conformance_server (--per-message-deflate) and the
// Node reference (ref/deflate_ref_server.mjs: socket.io 4.8 with perMessageDeflate,
// threshold 1024), in the same run. Both speak Socket.IO at /socket.io/: `message` is
// answered with `message-back` and the same arguments.
//
// The raw client below writes the upgrade and the frames itself, so RSV1 and the
// compressed payloads are seen as they travel: it offers server_no_context_takeover,
// so each message the server sends inflates alone.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { io as ioClient } from 'socket.io-client';
import { Socket as EioSocket } from 'engine.io-client';
import { spawnServer, programPath } from './lib/spawn.mjs';
import { spawnNodeRef } from './lib/ref.mjs';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const BIG = 'compressible text '.repeat(300); // 5400 bytes, over the 1024 threshold

// ---------------------------------------------------------------- servers

// The Node reference with or without permessage-deflate: { port, pid, stop }.
async function spawnRef(args) {
  const r = await spawnNodeRef('deflate_ref_server.mjs', ['--port', '0', ...args]);
  return { ...r, pid: r.proc.pid };
}

async function startKind(kind, deflate) {
  if (kind === 'ref') return spawnRef(deflate ? [] : ['--no-deflate']);
  const s = await spawnServer('conformance_server', deflate ? ['--per-message-deflate'] : []);
  return {
    port: s.port,
    pid: s.proc.pid,
    async stop() {
      const r = await s.stop();
      assert.equal(r.code, 0, 'our server exits cleanly');
    },
  };
}

function rssKb(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

// ---------------------------------------------------------------- raw client

function deflateRaw(buf) {
  const z = zlib.deflateRawSync(buf, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.ok(z.subarray(-4).equals(TAIL));
  return z.subarray(0, -4);
}

function frame(opcode, payload, { fin = true, rsv1 = false } = {}) {
  const mask = crypto.randomBytes(4);
  const len = payload.length;
  const head = [((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode)];
  if (len < 126) head.push(0x80 | len);
  else if (len < 65536) head.push(0x80 | 126, len >> 8, len & 255);
  else {
    head.push(0x80 | 127, 0, 0, 0, 0);
    head.push((len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255);
  }
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([Buffer.from(head), mask, body]);
}

class RawWs {
  static open(port, offer) {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1');
      const key = crypto.randomBytes(16).toString('base64');
      let buf = Buffer.alloc(0);
      sock.on('error', reject);
      sock.on('connect', () => {
        sock.write(
          `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
            `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
            `Sec-WebSocket-Version: 13\r\n` +
            (offer ? `Sec-WebSocket-Extensions: ${offer}\r\n` : '') +
            '\r\n',
        );
      });
      const onData = (d) => {
        buf = Buffer.concat([buf, d]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        sock.off('data', onData);
        const lines = buf.subarray(0, end).toString().split('\r\n');
        const headers = {};
        for (const l of lines.slice(1)) {
          const i = l.indexOf(':');
          headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
        }
        const ws = new RawWs(sock, lines[0], headers);
        ws.feed(buf.subarray(end + 4));
        sock.on('data', (x) => ws.feed(x));
        resolve(ws);
      };
      sock.on('data', onData);
    });
  }

  constructor(sock, status, headers) {
    this.sock = sock;
    this.status = status;
    this.headers = headers;
    this.buf = Buffer.alloc(0);
    this.parts = [];
    this.msgs = []; // { text, rsv1, wireLen }
    this.waiters = [];
    this.closeCode = null;
    this.ended = new Promise((r) => sock.on('close', r));
    sock.on('error', () => {});
  }

  feed(d) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      let len = b[1] & 127;
      let pos = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        pos = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        pos = 10;
      }
      assert.equal(b[1] & 0x80, 0, 'server frames are not masked');
      if (b.length < pos + len) return;
      const payload = b.subarray(pos, pos + len);
      this.buf = b.subarray(pos + len);
      this.onFrame(b[0] >> 7, (b[0] >> 6) & 1, b[0] & 15, payload);
    }
  }

  onFrame(fin, rsv1, op, payload) {
    if (op === 8) {
      this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.wake();
      return;
    }
    if (op >= 8) return;
    if (op !== 0) this.first = { rsv1, op };
    else assert.equal(rsv1, 0, 'RSV1 only on the first frame');
    this.parts.push(payload);
    if (!fin) return;
    const wire = Buffer.concat(this.parts);
    this.parts = [];
    const data = this.first.rsv1 ? zlib.inflateRawSync(Buffer.concat([wire, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }) : wire;
    const text = data.toString();
    if (text === '2') {
      this.send('3'); // the heartbeat
      return;
    }
    if (text.startsWith('42["auth"')) return; // our conformance server's greeting
    this.msgs.push({ text, rsv1: this.first.rsv1, wireLen: wire.length });
    this.wake();
  }

  wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async next(timeout = 5000) {
    const deadline = Date.now() + timeout;
    while (this.msgs.length === 0) {
      if (this.closeCode !== null) throw new Error(`closed with ${this.closeCode}`);
      if (Date.now() > deadline) throw new Error('no message in time');
      await new Promise((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.msgs.shift();
  }

  async closed(timeout = 5000) {
    const deadline = Date.now() + timeout;
    while (this.closeCode === null && Date.now() < deadline)
      await new Promise((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    return this.closeCode;
  }

  // text, compressed as one frame or as `fragments` frames, or plain.
  send(text, { compress = false, fragments = 1 } = {}) {
    const body = compress ? deflateRaw(Buffer.from(text)) : Buffer.from(text);
    const step = Math.ceil(body.length / fragments) || 1;
    const out = [];
    for (let i = 0, n = 0; i < body.length || n === 0; i += step, n++) {
      const last = i + step >= body.length;
      out.push(frame(n === 0 ? 1 : 0, body.subarray(i, i + step), { fin: last, rsv1: compress && n === 0 }));
    }
    this.sock.write(Buffer.concat(out));
  }

  end() {
    this.sock.destroy();
  }
}

// Opens a Socket.IO session on "/" over a raw WebSocket.
async function rawSession(port, offer) {
  const ws = await RawWs.open(port, offer);
  assert.match(ws.status, / 101 /);
  const open = await ws.next();
  assert.equal(open.text[0], '0');
  assert.equal(open.rsv1, 0, 'the small open packet goes plain');
  ws.send('40');
  assert.match((await ws.next()).text, /^40\{/);
  return ws;
}

const OFFER = 'permessage-deflate; server_no_context_takeover; client_max_window_bits';

// ---------------------------------------------------------------- the scenarios

for (const kind of ['ours', 'ref']) {
  describe(`permessage-deflate, raw client (${kind})`, () => {
    let srv;
    before(async () => {
      srv = await startKind(kind, true);
    });
    after(async () => {
      await srv?.stop();
    });

    it('negotiates the extension', async () => {
      const ws = await rawSession(srv.port, OFFER);
      const ext = ws.headers['sec-websocket-extensions'];
      assert.match(ext, /^permessage-deflate/);
      assert.match(ext, /server_no_context_takeover/);
      ws.end();
    });

    it('a browser-style offer (client_max_window_bits only) is accepted too', async () => {
      const ws = await RawWs.open(srv.port, 'permessage-deflate; client_max_window_bits');
      assert.match(ws.status, / 101 /);
      assert.match(ws.headers['sec-websocket-extensions'], /^permessage-deflate/);
      ws.end();
    });

    it('sends messages over the threshold with RSV1, smaller ones plain, both directions', async () => {
      const ws = await rawSession(srv.port, OFFER);
      const big = `42["message",${JSON.stringify(BIG)}]`;
      ws.send(big, { compress: true });
      const back = await ws.next();
      assert.equal(back.text, `42["message-back",${JSON.stringify(BIG)}]`);
      assert.equal(back.rsv1, 1, 'over the threshold: compressed');
      assert.ok(back.wireLen < BIG.length / 4, `compressed on the wire (${back.wireLen} bytes)`);
      ws.send('42["message","small"]', { compress: true });
      const small = await ws.next();
      assert.equal(small.text, '42["message-back","small"]');
      assert.equal(small.rsv1, 0, 'under the threshold: plain');
      ws.send(big); // a plain message from the client is fine too
      assert.equal((await ws.next()).rsv1, 1);
      ws.end();
    });

    it('reassembles fragmented compressed messages', async () => {
      const ws = await rawSession(srv.port, OFFER);
      const big = `42["message",${JSON.stringify(BIG + 'fragmented')}]`;
      ws.send(big, { compress: true, fragments: 5 });
      const back = await ws.next();
      assert.equal(back.text, `42["message-back",${JSON.stringify(BIG + 'fragmented')}]`);
      ws.end();
    });

    it('closes a deflate bomb with 1009, its memory bounded', async () => {
      // 64 MB of one letter: about 64 KB compressed, 64 times the maximum payload
      // (made before the session: its heartbeat is 300 ms).
      const bomb = deflateRaw(Buffer.alloc(64 << 20, 'a'));
      assert.ok(bomb.length < 200000);
      const ws = await rawSession(srv.port, OFFER);
      const before = rssKb(srv.pid);
      ws.sock.write(frame(1, bomb, { rsv1: true }));
      assert.equal(await ws.closed(), 1009);
      const grew = rssKb(srv.pid) - before;
      assert.ok(grew < 32 * 1024, `server RSS grew by ${grew} KB`);
      ws.end();
    });

    it('the ws package negotiates it and exchanges large messages', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=websocket`, {
        perMessageDeflate: true,
      });
      const got = [];
      let wake;
      ws.on('message', (d) => {
        const t = d.toString();
        if (t === '2') ws.send('3');
        else if (!t.startsWith('42["auth"')) got.push(t);
        wake?.();
      });
      await new Promise((r, j) => ws.once('open', r).once('error', j));
      assert.equal(ws.extensions, 'permessage-deflate');
      const next = async () => {
        while (!got.length) await new Promise((r) => ((wake = r), setTimeout(r, 50)));
        return got.shift();
      };
      assert.equal((await next())[0], '0');
      ws.send('40');
      assert.match(await next(), /^40/);
      ws.send(`42["message",${JSON.stringify(BIG)}]`); // over ws's threshold: compressed
      assert.equal(await next(), `42["message-back",${JSON.stringify(BIG)}]`);
      ws.close();
    });

    it('socket.io-client (websocket) negotiates it and round-trips large events', async () => {
      const socket = ioClient(`http://127.0.0.1:${srv.port}`, { transports: ['websocket'], forceNew: true });
      try {
        await new Promise((r, j) => socket.once('connect', r).once('connect_error', j));
        assert.equal(socket.io.engine.transport.ws.extensions, 'permessage-deflate');
        const back = new Promise((r) => socket.once('message-back', r));
        socket.emit('message', BIG);
        assert.equal(await back, BIG);
      } finally {
        socket.close();
      }
    });

    it('socket.io-client upgrading from polling gets it on the WebSocket', async () => {
      const socket = ioClient(`http://127.0.0.1:${srv.port}`, { forceNew: true });
      try {
        await new Promise((r, j) => socket.once('connect', r).once('connect_error', j));
        if (socket.io.engine.transport.name !== 'websocket')
          await new Promise((r) => socket.io.engine.once('upgrade', r));
        assert.equal(socket.io.engine.transport.ws.extensions, 'permessage-deflate');
        const back = new Promise((r) => socket.once('message-back', r));
        socket.emit('message', BIG + 'upgraded');
        assert.equal(await back, BIG + 'upgraded');
      } finally {
        socket.close();
      }
    });

    it('engine.io-client (websocket) negotiates it and round-trips large packets', async () => {
      const s = new EioSocket(`ws://127.0.0.1:${srv.port}`, { path: '/socket.io/', transports: ['websocket'] });
      try {
        await new Promise((r, j) => s.once('open', r).once('error', j));
        assert.equal(s.transport.ws.extensions, 'permessage-deflate');
        const msgs = [];
        s.on('message', (m) => m.startsWith('2["auth"') || msgs.push(m));
        s.send('0'); // Socket.IO CONNECT to "/"
        s.send(`2["message",${JSON.stringify(BIG)}]`);
        const deadline = Date.now() + 5000;
        while (!msgs.some((m) => m.startsWith('2')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.equal(msgs.find((m) => m.startsWith('2')), `2["message-back",${JSON.stringify(BIG)}]`);
      } finally {
        s.close();
      }
    });
  });

  describe(`permessage-deflate off (${kind})`, () => {
    let srv;
    before(async () => {
      srv = await startKind(kind, false);
    });
    after(async () => {
      await srv?.stop();
    });

    it('a client offering deflate gets no extension, and RSV1 is refused', async () => {
      const ws = await rawSession(srv.port, OFFER);
      assert.equal(ws.headers['sec-websocket-extensions'], undefined);
      ws.send(`42["message",${JSON.stringify(BIG)}]`);
      const back = await ws.next();
      assert.equal(back.rsv1, 0);
      ws.send('42["message","x"]', { compress: true });
      assert.equal(await ws.closed(), 1002);
      ws.end();
      const c = new WebSocket(`ws://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=websocket`, {
        perMessageDeflate: true,
      });
      await new Promise((r, j) => c.once('open', r).once('error', j));
      assert.equal(c.extensions, '');
      c.close();
    });
  });
}

// The per-emit flag (Node's socket.compress(false) / io.compress(false)); ours only: the
// reference's equivalent is the same JavaScript call, exercised by its own suite.
describe('per-emit compress flag (ours)', () => {
  let srv;
  before(async () => {
    const s = await spawnServer('deflate_test_server');
    srv = { port: s.port, stop: s.stop };
  });
  after(async () => {
    const r = await srv?.stop();
    assert.equal(r?.code, 0, 'exits cleanly');
  });

  it('an emit with SIO_EMIT_NO_COMPRESS goes plain, without it compressed', async () => {
    const ws = await rawSession(srv.port, OFFER);
    ws.send(`42["echo-plain",${JSON.stringify(BIG)}]`, { compress: true });
    const plain = await ws.next();
    assert.equal(plain.text, `42["echo",${JSON.stringify(BIG)}]`);
    assert.equal(plain.rsv1, 0);
    ws.send(`42["echo",${JSON.stringify(BIG)}]`, { compress: true });
    const z = await ws.next();
    assert.equal(z.text, `42["echo",${JSON.stringify(BIG)}]`);
    assert.equal(z.rsv1, 1);
    ws.end();
  });

  it('broadcasts: compressed for deflate recipients (the same bytes for all), plain for the others, plain for all with compress off', async () => {
    const a = await rawSession(srv.port, OFFER);
    const b = await rawSession(srv.port, OFFER);
    const c = await rawSession(srv.port, null); // no extension: always plain
    const want = `42["bcast",${JSON.stringify(BIG)}]`;
    a.send(`42["bcast",${JSON.stringify(BIG)}]`);
    const [ma, mb, mc] = [await a.next(), await b.next(), await c.next()];
    for (const m of [ma, mb, mc]) assert.equal(m.text, want);
    assert.equal(ma.rsv1, 1);
    assert.equal(mb.rsv1, 1);
    assert.equal(ma.wireLen, mb.wireLen);
    assert.equal(mc.rsv1, 0);
    a.send(`42["bcast-plain",${JSON.stringify(BIG)}]`);
    for (const ws of [a, b, c]) {
      const m = await ws.next();
      assert.equal(m.text, want);
      assert.equal(m.rsv1, 0);
    }
    for (const ws of [a, b, c]) ws.end();
  });
});

// Our C client (tests/servers/deflate_client.c) against the reference, which says whether
// the extension is in force: offered when enabled, and large messages both ways.
describe('our C client negotiates permessage-deflate (against ref)', () => {
  let srv;
  before(async () => {
    srv = await spawnRef([]);
  });
  after(async () => {
    await srv?.stop();
  });

  function runClient(args) {
    return new Promise((resolve) => {
      const p = spawn(programPath('deflate_client'), ['--url', `http://127.0.0.1:${srv.port}`, ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      const t = setTimeout(() => p.kill('SIGKILL'), 20000);
      p.on('exit', (code) => {
        clearTimeout(t);
        resolve({ code, lines: out.trim().split('\n').map((l) => JSON.parse(l)) });
      });
    });
  }

  it('with the option: negotiated, large events round-trip', async () => {
    const r = await runClient([]);
    assert.deepEqual(r.lines, [{ ext: [true] }, { echo: 'ok' }, { result: 'pass' }]);
    assert.equal(r.code, 0);
  });

  it('without it: not offered', async () => {
    const r = await runClient(['--no-deflate']);
    assert.deepEqual(r.lines, [{ ext: [false] }, { echo: 'ok' }, { result: 'pass' }]);
  });
});
