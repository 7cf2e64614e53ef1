// Socket.IO v2 clients (socket.io-client 2.5: Engine.IO v3, socket.io-parser 3)
// against tests/servers/sio_eio3_server.c with EIO3 allowed, and the same
// scenarios against the Node reference (ref/sio_eio3_ref.mjs: socket.io 4.8
// with allowEIO3), over polling, websocket and the upgrade: connect to "/" and
// to a namespace with a query (read as the auth object), events, acks, binary
// both ways (nested too; on polling the binary payload format, with
// forceBase64 the "b4" form),
// rooms, a middleware's refusal (the v2 error form: the bare message, or the
// error's data), a v2 and a 4.8 client in one room receiving the same
// broadcast, the heartbeat (the v2 client pings; short intervals). With EIO3
// not allowed, both servers refuse a v3 handshake the same way.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import ioV2 from 'socket.io-client-v2';
import { io as ioV4 } from 'socket.io-client';
import WebSocket from 'ws';
import { spawnServer } from './lib/spawn.mjs';
import { once } from './lib/events.mjs';
import { spawnNodeRef } from './lib/ref.mjs';

const T = { timeout: 20000 };
// Short pings (the v2 client pings every 300 ms), with room for a loaded
// machine: a v3 session dies after 1300 ms of silence.
const PING = ['--ping-interval', '300', '--ping-timeout', '1000'];
const MODES = [
  { name: 'polling', opts: { transports: ['polling'] } },
  { name: 'websocket', opts: { transports: ['websocket'] } },
  { name: 'upgrade', opts: {} },
  // forceBase64: the client asks for b64=1, binary travels as "b4<base64>".
  { name: 'polling-b64', opts: { transports: ['polling'], forceBase64: true } },
  { name: 'websocket-b64', opts: { transports: ['websocket'], forceBase64: true } },
];

const SERVERS = {
  ours: (args) => spawnServer('sio_eio3_server', [...args, ...PING]),
  ref: (args) => spawnNodeRef('sio_eio3_ref.mjs', [...args, ...PING]),
};

function ackV2(s, ...args) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ack for ${args[0]}`)), 5000);
    s.emit(...args, (...reply) => {
      clearTimeout(t);
      resolve(reply);
    });
  });
}

for (const [kind, start] of Object.entries(SERVERS)) {
  describe(`socket.io-client 2.5 against ${kind} (allowEIO3)`, () => {
    let srv;
    const clients = [];
    before(async () => {
      srv = await start(['--allow-eio3']);
    });
    after(async () => {
      for (const c of clients) c.close();
      const r = await srv.stop();
      assert.equal(r.code, 0, `server exit: ${JSON.stringify(r)} ${srv.stderr ? srv.stderr() : ''}`);
    });
    afterEach(() => {
      while (clients.length) clients.pop().close();
    });

    // A v2 socket of nsp (with query), connected; resolves [socket, auth].
    async function connectV2(mode, nsp = '/', opts = {}) {
      const s = ioV2(`http://127.0.0.1:${srv.port}${nsp}`,
        { forceNew: true, reconnection: false, ...mode.opts, ...opts });
      clients.push(s);
      const authP = once(s, 'auth');
      await Promise.race([
        once(s, 'connect'),
        once(s, 'error').then(([e]) => { throw new Error(`refused: ${JSON.stringify(e)}`); }),
        once(s, 'connect_error').then(([e]) => { throw e; }),
      ]);
      if (mode.name === 'upgrade' && s.io.engine.transport.name !== 'websocket') await once(s.io.engine, 'upgrade');
      const [auth] = await authP;
      return [s, auth];
    }

    for (const mode of MODES) {
      describe(mode.name, () => {
        test('connects to "/" without a CONNECT; the session is v3', T, async () => {
          const [s, auth] = await connectV2(mode);
          assert.deepEqual(auth, {});
          const [who] = await ackV2(s, 'whoami');
          assert.equal(who.protocol, 3);
          assert.equal(who.transport, mode.name.startsWith('polling') ? 'polling' : 'websocket');
          // The v2 client names its socket after the Engine.IO session.
          assert.equal(s.id, s.io.engine.id);
        });

        test('a namespace with a query: the query is the auth object', T, async () => {
          const [s, auth] = await connectV2(mode, '/chat', { query: { token: 'abc', n: '1' } });
          assert.deepEqual(auth, { token: 'abc', n: '1' });
          const [echo] = await Promise.all([once(s, 'echo'), s.emit('echo', 'hi', { a: [1, 'é😀'] })]);
          assert.deepEqual(echo, ['hi', { a: [1, 'é😀'] }]);
        });

        test('the query as auth: decoded, the last of a repeated key wins', T, async () => {
          const [, auth] = await connectV2(mode, '/chat', { query: 'a=1&a=2&b=x%20y+z&c&%C3%A9=%F0%9F%98%80' });
          assert.deepEqual(auth, { a: '2', b: 'x y z', c: '', 'é': '😀' });
        });

        test('events and acks both ways, text and binary', T, async () => {
          const [s] = await connectV2(mode);
          const reply = await ackV2(s, 'echo-ack', 1, 'two', { three: [3] });
          assert.deepEqual(reply, [1, 'two', { three: [3] }]);
          const bin = await ackV2(s, 'make-binary');
          assert.deepEqual([...bin[0]], [1, 2, 3]);
          assert.deepEqual([...bin[1].nested], [4, 5]);
          assert.equal(bin[1].n, 1);
          const payload = Buffer.from([0, 1, 2, 250, 255]);
          const back = await ackV2(s, 'echo-ack', 'x', payload, { deep: [Buffer.from('é')] });
          assert.equal(back[0], 'x');
          assert.deepEqual([...back[1]], [...payload]);
          assert.deepEqual([...back[2].deep[0]], [...Buffer.from('é')]);
          // Text outside the BMP counts two UTF-16 units in a v3 length.
          const [e] = await Promise.all([once(s, 'echo'), s.emit('echo', '😀😀 x')]);
          assert.deepEqual(e, ['😀😀 x']);
        });

        test('rooms: a broadcast reaches the room', T, async () => {
          const [a] = await connectV2(mode);
          const [b] = await connectV2(mode);
          await ackV2(a, 'join', 'r1');
          await ackV2(b, 'join', 'r1');
          const got = [once(a, 'news'), once(b, 'news')];
          await ackV2(a, 'to-rooms', { to: ['r1'] }, 'news', 'hello', Buffer.from([7]));
          for (const [text, bin] of await Promise.all(got)) {
            assert.equal(text, 'hello');
            assert.deepEqual([...bin], [7]);
          }
        });

        test('a middleware refusal: the bare message, or the data', T, async () => {
          const s = ioV2(`http://127.0.0.1:${srv.port}/guarded`, { forceNew: true, reconnection: false, ...mode.opts });
          clients.push(s);
          const [err] = await once(s, 'error');
          assert.equal(err, 'not allowed');
          const p = ioV2(`http://127.0.0.1:${srv.port}/private`, { forceNew: true, reconnection: false, ...mode.opts });
          clients.push(p);
          const [err2] = await once(p, 'error');
          assert.deepEqual(err2, { code: 42 });
          const [ok, auth] = await connectV2(mode, '/private', { query: { token: 'secret' } });
          assert.deepEqual(auth, { token: 'secret' });
          assert.ok(ok.connected);
        });

        test('an unknown namespace: the reference\'s object error', T, async () => {
          const s = ioV2(`http://127.0.0.1:${srv.port}/nope`, { forceNew: true, reconnection: false, ...mode.opts });
          clients.push(s);
          const [err] = await once(s, 'error');
          assert.deepEqual(err, { message: 'Invalid namespace' });
        });

        test('a v2 and a 4.8 client in one room get the same broadcast', T, async () => {
          const [a] = await connectV2(mode);
          const b = ioV4(`http://127.0.0.1:${srv.port}`, { forceNew: true, reconnection: false, ...mode.opts });
          clients.push(b);
          await once(b, 'connect');
          await ackV2(a, 'join', 'mixed');
          await b.timeout(5000).emitWithAck('join', 'mixed');
          const got = [once(a, 'news'), once(b, 'news')];
          b.emit('to-rooms', { to: ['mixed'] }, 'news', 'both', { bin: Buffer.from([1, 2]) });
          for (const [text, obj] of await Promise.all(got)) {
            assert.equal(text, 'both');
            assert.deepEqual([...obj.bin], [1, 2]);
          }
        });

        test('the heartbeat keeps a quiet v2 client connected', T, async () => {
          const [s] = await connectV2(mode);
          await new Promise((r) => setTimeout(r, 1500)); // past pingInterval + pingTimeout
          assert.ok(s.connected);
          const reply = await ackV2(s, 'echo-ack', 'still');
          assert.deepEqual(reply, ['still']);
        });
      });
    }
  });

  // The v3 heartbeat on the wire: the client pings and gets a pong, a pong
  // from the client is an error, a silent client is dropped after
  // pingInterval + pingTimeout (300 + 1000 ms here).
  describe(`the v3 heartbeat on ${kind}`, () => {
    let srv;
    before(async () => {
      srv = await start(['--allow-eio3']);
    });
    after(async () => {
      const r = await srv.stop();
      assert.equal(r.code, 0, `server exit: ${JSON.stringify(r)}`);
    });
    const url = (q) => `http://127.0.0.1:${srv.port}/socket.io/?EIO=3&transport=polling${q}`;
    async function open() {
      const r = await fetch(url(''));
      const body = await r.text();
      const m = /^(\d+):0(\{.*\})/.exec(body);
      assert.ok(m, body);
      const sid = JSON.parse(m[2]).sid;
      // The implicit CONNECT to "/" (no sid in it) and the server's `auth`
      // event wait for the first GET.
      assert.equal(await (await fetch(url(`&sid=${sid}`))).text(), '2:4013:42["auth",{}]');
      return sid;
    }
    const post = (sid, body) => fetch(url(`&sid=${sid}`), { method: 'POST', body, headers: { 'Content-Type': 'text/plain;charset=UTF-8' } });

    // Splits a v3 binary payload into its packets (text as strings, binary
    // as byte arrays with their type byte).
    function splitBinary(buf) {
      const out = [];
      let i = 0;
      while (i < buf.length) {
        const marker = buf[i++];
        let len = '';
        while (buf[i] !== 0xff) len += String(buf[i++]);
        i++;
        const p = buf.subarray(i, i + Number(len));
        out.push(marker === 0 ? p.toString('utf8') : [...p]);
        i += Number(len);
      }
      return out;
    }

    test('binary on the wire: the binary payload format, or b4 with b64=1', T, async () => {
      const sid = await open();
      // 421["make-binary"]: the ack carries two buffers.
      assert.equal((await post(sid, '18:421["make-binary"]')).status, 200);
      const r = await fetch(url(`&sid=${sid}`));
      assert.equal(r.headers.get('content-type'), 'application/octet-stream');
      assert.deepEqual(splitBinary(Buffer.from(await r.arrayBuffer())), [
        '462-1[{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1},"n":1}]',
        [4, 1, 2, 3],
        [4, 4, 5],
      ]);
      // The client's binary POST: an echo of one buffer.
      const head = '451-["echo",{"_placeholder":true,"num":0}]';
      const body = Buffer.concat([
        Buffer.from([0, ...String(head.length).split('').map(Number), 0xff]), Buffer.from(head),
        Buffer.from([1, 4, 0xff, 4, 9, 8, 7]),
      ]);
      const pr = await fetch(url(`&sid=${sid}`), { method: 'POST', body, headers: { 'Content-Type': 'application/octet-stream' } });
      assert.equal(pr.status, 200);
      const r2 = await fetch(url(`&sid=${sid}`));
      assert.deepEqual(splitBinary(Buffer.from(await r2.arrayBuffer())), [head, [4, 9, 8, 7]]);

      // b64=1: text payloads only, binary as b4<base64>.
      const hs = await (await fetch(url('&b64=1'))).text();
      const sid2 = JSON.parse(hs.slice(hs.indexOf('{'))).sid;
      await fetch(url(`&sid=${sid2}`));
      await post(sid2, '18:421["make-binary"]');
      const r3 = await fetch(url(`&sid=${sid2}`));
      assert.match(r3.headers.get('content-type'), /^text\/plain/);
      const ack = '462-1[{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1},"n":1}]';
      assert.equal(await r3.text(), `${ack.length}:${ack}6:b4AQID6:b4BAU=`);
    });

    test('a ping gets a pong', T, async () => {
      const sid = await open();
      assert.equal((await post(sid, '1:2')).status, 200);
      assert.equal(await (await fetch(url(`&sid=${sid}`))).text(), '1:3');
      assert.equal((await post(sid, '6:2probe')).status, 200);
      assert.equal(await (await fetch(url(`&sid=${sid}`))).text(), '1:3');
    });

    test('a pong from the client closes the session', T, async () => {
      const sid = await open();
      await post(sid, '1:3');
      const r = await fetch(url(`&sid=${sid}`));
      assert.equal(r.status, 400);
    });

    test('a silent client is dropped after pingInterval + pingTimeout', T, async () => {
      const sid = await open();
      const t0 = Date.now();
      const held = await (await fetch(url(`&sid=${sid}`))).text();
      assert.equal(held, '1:1'); // the held GET gets the close packet
      assert.ok(Date.now() - t0 >= 300, `closed after ${Date.now() - t0} ms`);
      assert.equal((await fetch(url(`&sid=${sid}`))).status, 400);
    });

    test('pings keep a client alive past the timeout', T, async () => {
      const sid = await open();
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, 500));
        await post(sid, '1:2');
        assert.equal(await (await fetch(url(`&sid=${sid}`))).text(), '1:3');
      }
    });
  });

  describe(`EIO3 not allowed on ${kind}`, () => {
    let srv;
    before(async () => {
      srv = await start([]);
    });
    after(async () => {
      const r = await srv.stop();
      assert.equal(r.code, 0, `server exit: ${JSON.stringify(r)}`);
    });

    test('a v3 polling handshake gets 400 code 5', T, async () => {
      const r = await fetch(`http://127.0.0.1:${srv.port}/socket.io/?EIO=3&transport=polling`);
      assert.equal(r.status, 400);
      assert.match(r.headers.get('content-type'), /^application\/json/);
      assert.deepEqual(await r.json(), { code: 5, message: 'Unsupported protocol version' });
    });

    test('a v3 WebSocket handshake gets no session', T, async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/socket.io/?EIO=3&transport=websocket`);
      const msgs = [];
      ws.on('message', (d) => msgs.push(String(d)));
      const outcome = await new Promise((resolve) => {
        ws.on('unexpected-response', (req, res) => resolve(`http ${res.statusCode}`));
        ws.on('close', () => resolve('closed'));
        ws.on('error', () => {});
      });
      assert.equal(outcome, 'closed');
      assert.deepEqual(msgs, []);
    });

    test('socket.io-client 2.5 cannot connect', T, async () => {
      const s = ioV2(`http://127.0.0.1:${srv.port}`, { forceNew: true, reconnection: false, transports: ['polling'] });
      try {
        const [e] = await once(s, 'connect_error');
        assert.ok(e instanceof Error);
      } finally {
        s.close();
      }
    });
  });
}

// The tools keep the reference's default (EIO3 refused) and take --allow-eio3.
describe('--allow-eio3 on the conformance and bench servers', () => {
  const v3Open = /^\d+:0\{"sid":"[^"]+","upgrades":\["websocket"\],"pingInterval":\d+,"pingTimeout":\d+,"maxPayload":\d+\}$/;
  async function handshakeV3(port, path) {
    const r = await fetch(`http://127.0.0.1:${port}${path}?EIO=3&transport=polling`);
    return { status: r.status, body: await r.text() };
  }
  for (const [program, paths] of [['conformance_server', ['/socket.io/', '/engine.io/']], ['bench_server', ['/socket.io/']]]) {
    test(`${program}: refused by default, served with the flag`, T, async () => {
      for (const args of [[], ['--allow-eio3']]) {
        const srv = await spawnServer(program, args);
        try {
          for (const p of paths) {
            const { status, body } = await handshakeV3(srv.port, p);
            if (args.length) {
              assert.equal(status, 200, `${program} ${p}: ${body}`);
              assert.match(body, v3Open);
              // The length prefix counts the open packet's characters.
              const [len, rest] = [Number(body.slice(0, body.indexOf(':'))), body.slice(body.indexOf(':') + 1)];
              assert.equal(len, rest.length);
            } else {
              assert.equal(status, 400);
              assert.deepEqual(JSON.parse(body), { code: 5, message: 'Unsupported protocol version' });
            }
          }
        } finally {
          const r = await srv.stop();
          assert.equal(r.code, 0, `${program} exit: ${JSON.stringify(r)}`);
        }
      }
    });
  }
});
