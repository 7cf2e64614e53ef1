// WebSocket connections (src/ws/ws_conn.c) against the `ws` package and raw
// frames over node:net: handshake, echo, fragments and control frames, the
// closing handshake, protocol errors and the write-queue cap.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import WebSocket from 'ws';
import { spawnServer } from './lib/spawn.mjs';
import { rawRequest } from './lib/rawhttp.mjs';

const MAX_MESSAGE = 1024;

function acceptFor(key) {
  return crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
}

// A client frame (masked unless mask === false).
function frame(opcode, payload, { fin = true, mask = true, rsv = 0 } = {}) {
  const data = Buffer.from(payload);
  const len = data.length;
  let head;
  if (len < 126) {
    head = Buffer.from([(fin ? 0x80 : 0) | rsv | opcode, (mask ? 0x80 : 0) | len]);
  } else if (len < 65536) {
    head = Buffer.alloc(4);
    head[0] = (fin ? 0x80 : 0) | rsv | opcode;
    head[1] = (mask ? 0x80 : 0) | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = (fin ? 0x80 : 0) | rsv | opcode;
    head[1] = (mask ? 0x80 : 0) | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!mask) return Buffer.concat([head, data]);
  const key = crypto.randomBytes(4);
  const body = Buffer.from(data);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i % 4];
  return Buffer.concat([head, key, body]);
}

function closePayload(code, reason = '') {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason));
  b.writeUInt16BE(code, 0);
  b.write(reason, 2);
  return b;
}

// A raw WebSocket client: handshake over net, then parsed server frames.
class RawWs {
  static open(port, path = '/ws/echo') {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1');
      const key = crypto.randomBytes(16).toString('base64');
      let buf = Buffer.alloc(0);
      const onData = (d) => {
        buf = Buffer.concat([buf, d]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        sock.off('data', onData);
        const head = buf.subarray(0, end).toString('latin1');
        if (!head.startsWith('HTTP/1.1 101')) {
          sock.destroy();
          reject(new Error(`no 101: ${head}`));
          return;
        }
        assert.match(head, new RegExp(`Sec-WebSocket-Accept: ${acceptFor(key).replace(/[+/]/g, '\\$&')}`, 'i'));
        resolve(new RawWs(sock, buf.subarray(end + 4)));
      };
      sock.on('data', onData);
      sock.once('error', reject);
      sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
  }

  constructor(sock, rest) {
    this.sock = sock;
    this.buf = rest;
    this.frames = [];
    this.closed = false;
    this.waiters = new Set();
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.#parse();
    });
    sock.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    sock.on('error', () => {});
    this.#parse();
  }

  #wake() {
    for (const w of [...this.waiters]) w();
  }

  #parse() {
    for (;;) {
      if (this.buf.length < 2) break;
      const b0 = this.buf[0];
      const b1 = this.buf[1];
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) break;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) break;
        len = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      assert.equal(b1 & 0x80, 0, 'server frames are not masked');
      if (this.buf.length < off + len) break;
      this.frames.push({ fin: !!(b0 & 0x80), rsv: b0 & 0x70, opcode: b0 & 0x0f, payload: this.buf.subarray(off, off + len) });
      this.buf = this.buf.subarray(off + len);
    }
    this.#wake();
  }

  // The next frame (in order), or an error on timeout.
  next(timeoutMs = 5000) {
    return this.#until(() => this.frames.shift(), timeoutMs, 'a frame');
  }

  waitClosed(timeoutMs = 5000) {
    return this.#until(() => (this.closed ? true : undefined), timeoutMs, 'the TCP close');
  }

  #until(check, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      const tryIt = () => {
        const v = check();
        if (v !== undefined) {
          clearTimeout(timer);
          this.waiters.delete(tryIt);
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(tryIt);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(tryIt);
      tryIt();
    });
  }

  send(buf) {
    this.sock.write(buf);
  }

  destroy() {
    this.sock.destroy();
  }
}

// Sends bad frames and checks the server answers with a close of `code`,
// then closes TCP.
async function expectClose(port, frames, code) {
  const ws = await RawWs.open(port);
  for (const f of frames) ws.send(f);
  let f;
  do f = await ws.next(); while (f.opcode !== 8);
  assert.equal(f.payload.readUInt16BE(0), code);
  await ws.waitClosed();
  ws.destroy();
}

function openWs(port, path = '/ws/echo', opts = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, opts);
    ws.once('upgrade', (res) => {
      ws.upgradeHeaders = res.headers;
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no message')), timeoutMs);
    ws.once('message', (data, isBinary) => {
      clearTimeout(t);
      resolve({ data, isBinary });
    });
  });
}

function closed(ws, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no close event (TCP not closed?)')), timeoutMs);
    ws.once('close', (code, reason) => {
      clearTimeout(t);
      resolve({ code, reason: reason.toString() });
    });
  });
}

describe('websocket', () => {
  let srv;
  before(async () => {
    srv = await spawnServer('http_test_server', ['--ws-max-message', String(MAX_MESSAGE), '--max-write-queue', '262144']);
  });
  after(async () => {
    const st = await srv?.stop();
    assert.deepEqual(st, { code: 0, signal: null }, `clean exit (no handle left open)\n${srv?.stderr()}`);
  });

  it('completes the handshake without extensions, and echoes text and binary', async () => {
    const ws = await openWs(srv.port, '/ws/echo', { perMessageDeflate: true });
    assert.equal(ws.upgradeHeaders['sec-websocket-extensions'], undefined);
    assert.equal(ws.extensions, '');
    ws.send('héllo');
    const t = await nextMessage(ws);
    assert.equal(t.isBinary, false);
    assert.equal(t.data.toString(), 'héllo');
    ws.send(Buffer.from([0, 1, 2, 255]));
    const b = await nextMessage(ws);
    assert.equal(b.isBinary, true);
    assert.deepEqual(b.data, Buffer.from([0, 1, 2, 255]));
    ws.send('x'.repeat(MAX_MESSAGE));
    assert.equal((await nextMessage(ws)).data.length, MAX_MESSAGE);
    const c = closed(ws);
    ws.close(1000, 'bye');
    const { code } = await c;
    assert.equal(code, 1000);
  });

  it('refuses bad handshakes: missing key 400, version 8 426', async () => {
    const base = 'GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n';
    const noKey = await rawRequest(srv.port, `${base}Sec-WebSocket-Version: 13\r\n\r\n`);
    assert.equal(noKey.status, 400);
    const badKey = await rawRequest(srv.port, `${base}Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    assert.equal(badKey.status, 400);
    const v8 = await rawRequest(srv.port, `${base}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n`);
    assert.equal(v8.status, 426);
    assert.equal(v8.headers['sec-websocket-version'], '13');
    const plain = await rawRequest(srv.port, 'GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    assert.equal(plain.status, 400);
  });

  it('reassembles fragments, answering a ping sent between them', async () => {
    const ws = await RawWs.open(srv.port);
    ws.send(Buffer.concat([
      frame(1, 'Hel', { fin: false }),
      frame(9, 'p1'),
      frame(0, 'lo ', { fin: false }),
      frame(0, 'world'),
    ]));
    const pong = await ws.next();
    assert.equal(pong.opcode, 10);
    assert.equal(pong.payload.toString(), 'p1');
    const msg = await ws.next();
    assert.equal(msg.opcode, 1);
    assert.equal(msg.fin, true);
    assert.equal(msg.payload.toString(), 'Hello world');
    ws.send(frame(2, Buffer.from([9, 8, 7])));
    const bin = await ws.next();
    assert.equal(bin.opcode, 2);
    assert.deepEqual(bin.payload, Buffer.from([9, 8, 7]));
    ws.destroy();
  });

  it('processes frames sent together with the handshake', async () => {
    const key = crypto.randomBytes(16).toString('base64');
    const sock = net.connect(srv.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
    });
    sock.write(Buffer.concat([
      Buffer.from(`GET /ws/echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`),
      frame(1, 'early'),
    ]));
    for (let i = 0; i < 100 && !buf.includes('early'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(buf.toString('latin1').startsWith('HTTP/1.1 101'));
    assert.ok(buf.includes('early'), 'the early frame was echoed');
    sock.destroy();
  });

  it('echoes a client close (1000, 1001) and closes TCP', async () => {
    for (const code of [1000, 1001]) {
      const ws = await RawWs.open(srv.port);
      const gone = srv.waitForLine(new RegExp(`ws closed code=${code} err=0 path=echo`));
      ws.send(frame(8, closePayload(code, 'done')));
      const f = await ws.next();
      assert.equal(f.opcode, 8);
      assert.equal(f.payload.readUInt16BE(0), code);
      await ws.waitClosed();
      await gone;
      ws.destroy();
    }
  });

  it('closes with 1002 on a close frame with an invalid code or a 1-byte payload', async () => {
    await expectClose(srv.port, [frame(8, closePayload(1005))], 1002);
    await expectClose(srv.port, [frame(8, closePayload(999))], 1002);
    await expectClose(srv.port, [frame(8, Buffer.from([3]))], 1002);
  });

  it('answers an empty close with an empty close', async () => {
    const ws = await RawWs.open(srv.port);
    ws.send(frame(8, Buffer.alloc(0)));
    const f = await ws.next();
    assert.equal(f.opcode, 8);
    assert.equal(f.payload.length, 0);
    await ws.waitClosed();
    ws.destroy();
  });

  it('closes with 1002 on protocol errors', async () => {
    await expectClose(srv.port, [frame(1, 'unmasked', { mask: false })], 1002);
    await expectClose(srv.port, [frame(3, 'reserved opcode')], 1002);
    await expectClose(srv.port, [frame(9, 'frag ping', { fin: false })], 1002);
    await expectClose(srv.port, [frame(1, 'rsv', { rsv: 0x40 })], 1002);
    await expectClose(srv.port, [frame(0, 'no start')], 1002);
  });

  it('closes with 1007 on invalid UTF-8 text', async () => {
    await expectClose(srv.port, [frame(1, Buffer.from([0x61, 0xff, 0x62]))], 1007);
  });

  it('validates UTF-8 across fragments: a split character is fine, a broken one 1007', async () => {
    // "€" = e2 82 ac, cut after its first and after its second byte, a ping between.
    for (const cut of [1, 2]) {
      const euro = Buffer.from('a€b');
      const ws = await RawWs.open(srv.port);
      ws.send(Buffer.concat([
        frame(1, euro.subarray(0, 1 + cut), { fin: false }),
        frame(9, 'p'),
        frame(0, euro.subarray(1 + cut)),
      ]));
      assert.equal((await ws.next()).opcode, 10);
      const m = await ws.next();
      assert.equal(m.opcode, 1);
      assert.equal(m.payload.toString(), 'a€b');
      ws.destroy();
    }
    // The continuation brings an ASCII byte where the sequence needs one more.
    await expectClose(srv.port, [frame(1, Buffer.from([0x61, 0xe2, 0x82]), { fin: false }), frame(0, 'x')], 1007);
    // Each fragment valid alone until the message ends inside a sequence.
    await expectClose(srv.port, [frame(1, 'ok', { fin: false }), frame(0, Buffer.from([0xf0, 0x9f, 0x98]))], 1007);
  });

  it('closes with 1009 on a message over the limit', async () => {
    await expectClose(srv.port, [frame(2, Buffer.alloc(MAX_MESSAGE + 1))], 1009);
    await expectClose(srv.port, [frame(1, 'a'.repeat(600), { fin: false }), frame(0, 'b'.repeat(600))], 1009);
  });

  it('closes with 1009 on a message of exactly the limit plus one, fragmented into one-byte frames', async () => {
    const frames = [];
    for (let i = 0; i <= MAX_MESSAGE; i++) frames.push(frame(i === 0 ? 2 : 0, 'z', { fin: i === MAX_MESSAGE }));
    await expectClose(srv.port, [Buffer.concat(frames)], 1009);
  });

  it('drops a client that does not read, while others still echo', async () => {
    const dropped = srv.waitForLine(/ws closed code=1006 err=ELIMIT path=flood/, 15000);
    const flood = await RawWs.open(srv.port, '/ws/flood');
    flood.sock.pause();
    const other = await openWs(srv.port);
    other.send('still here');
    assert.equal((await nextMessage(other)).data.toString(), 'still here');
    await dropped;
    other.send('after the drop');
    assert.equal((await nextMessage(other)).data.toString(), 'after the drop');
    flood.sock.resume();
    await flood.waitClosed(15000);
    flood.destroy();
    const c = closed(other);
    other.close();
    await c;
  });
});

describe('websocket: server going away', () => {
  it('closes open WebSockets with 1001 when the server stops', async () => {
    const srv = await spawnServer('http_test_server', []);
    const ws = await openWs(srv.port);
    ws.send('before');
    assert.equal((await nextMessage(ws)).data.toString(), 'before');
    const c = closed(ws);
    const stopped = srv.stop();
    const { code, reason } = await c;
    assert.equal(code, 1001);
    assert.equal(reason, 'server stopping');
    assert.deepEqual(await stopped, { code: 0, signal: null }, srv.stderr());
  });
});
