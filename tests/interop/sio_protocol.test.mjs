// Raw Socket.IO v5 protocol checks (docs/PROTOCOL.md §2), the
// socket.io-protocol test-suite's expectations and more, against the
// conformance server's /socket.io/ endpoint: fetch for polling, `ws` for
// WebSocket; every reply is compared character for character.
// SIO_SIO_SERVER=ref runs the same tests against the Node reference
// (ref/sio_conformance_ref.mjs, socket.io 4.8.4).
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { get, post, handshake, errorBody, WsQueue, sleep } from './lib/eio.mjs';
import { spawnServer } from './lib/spawn.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const isRef = process.env.SIO_SIO_SERVER === 'ref';
const kind = isRef ? 'ref' : 'ours';
const T = { timeout: 15000 };
const SID = '[A-Za-z0-9_-]{20,}';
const PH0 = '{"_placeholder":true,"num":0}';
const PH1 = '{"_placeholder":true,"num":1}';

// ---------------------------------------------------------------- the server

function spawnRef() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'ref', 'sio_conformance_ref.mjs'), '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`reference exited early (${code}): ${err}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ proc: child, port: Number(m[1]), stderr: () => err });
    });
  });
}

async function startServer() {
  const s = isRef ? await spawnRef() : await spawnServer('conformance_server');
  const exitP = new Promise((r) => s.proc.on('exit', (code, signal) => r({ code, signal })));
  return {
    port: s.port,
    base: `http://127.0.0.1:${s.port}/socket.io/`,
    wsBase: `ws://127.0.0.1:${s.port}/socket.io/`,
    stderr: s.stderr,
    async stop() {
      if (s.proc.exitCode !== null || s.proc.signalCode !== null) return { code: s.proc.exitCode, signal: s.proc.signalCode };
      s.proc.kill('SIGTERM');
      const t = setTimeout(() => s.proc.kill('SIGKILL'), 5000);
      const r = await exitP;
      clearTimeout(t);
      return r;
    },
  };
}

// ---------------------------------------------------------------- connections
// Both transports behind one shape: send(...packets) where a packet is the
// EIO text ('42[...]') or a Buffer (a binary message); next() resolves the
// next packet that is not a ping or a noop (pings are answered); closed()
// resolves once the Engine.IO session is gone.

class WsConn {
  constructor(q, sid) {
    this.q = q;
    this.sid = sid;
    this.kind = 'websocket';
    this.pings = 0;
    // Pings are answered at once, whether or not a test is reading.
    q.ws.on('message', (d, isBinary) => {
      if (!isBinary && d.length === 1 && d[0] === 0x32) {
        this.pings++;
        q.send('3');
      }
    });
  }
  static async open(srv) {
    const q = new WsQueue(`${srv.wsBase}?EIO=4&transport=websocket`);
    const e = await q.message();
    assert.ok(!e.isBinary && e.data[0] === '0', `open packet: ${e.data}`);
    return new WsConn(q, JSON.parse(e.data.slice(1)).sid);
  }
  send(...pkts) {
    for (const p of pkts) this.q.send(p);
  }
  async next(ms = 3000) {
    const e = await this.q.appMessage(ms, { pong: false });
    return e.data;
  }
  // The next raw message, pings included (not answered).
  async raw(ms = 3000) {
    return (await this.q.message(ms)).data;
  }
  async closed(ms = 4000) {
    await this.q.next((x) => x.type === 'close', ms);
  }
  destroy() {
    this.q.destroy();
  }
}

// A polling session that keeps one GET held, answers pings, and serializes
// its POSTs (two overlapping POSTs are an error in Engine.IO).
class PollConn {
  constructor(srv, sid) {
    this.srv = srv;
    this.sid = sid;
    this.kind = 'polling';
    this.items = [];
    this.waiters = [];
    this.gone = null;
    this.chain = Promise.resolve();
    this.ac = new AbortController();
    this.loop();
  }
  static async open(srv) {
    const { sid } = await handshake(srv);
    return new PollConn(srv, sid);
  }
  _push(x) {
    this.items.push(x);
    for (const w of this.waiters.splice(0)) w();
  }
  async loop() {
    while (!this.gone) {
      let r;
      try {
        r = await get(this.srv, this.sid, { signal: this.ac.signal });
      } catch (e) {
        this.gone = { error: String(e) };
        break;
      }
      if (r.status !== 200) {
        this.gone = { status: r.status, text: r.text };
        break;
      }
      for (const p of r.text.split('\x1e')) {
        if (p === '2') this._post('3');
        else if (p === '6') continue;
        else if (p === '1') this.gone = { close: true };
        else this._push(p[0] === 'b' ? Buffer.from(p.slice(1), 'base64') : p);
      }
    }
    this._push({ gone: this.gone });
  }
  _post(body) {
    const p = this.chain.then(() => post(this.srv, this.sid, body));
    this.chain = p.catch(() => {});
    return p;
  }
  send(...pkts) {
    return this._post(pkts.map((p) => (Buffer.isBuffer(p) ? 'b' + p.toString('base64') : p)).join('\x1e'));
  }
  async _take(ms) {
    const end = Date.now() + ms;
    while (!this.items.length) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for a polling packet (gone: ${JSON.stringify(this.gone)})`);
      await new Promise((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.items.shift();
  }
  async next(ms = 3000) {
    const x = await this._take(ms);
    if (x && x.gone) throw new Error(`session gone: ${JSON.stringify(x.gone)}`);
    return x;
  }
  async closed(ms = 4000) {
    for (;;) {
      const x = await this._take(ms);
      if (x && x.gone) {
        // Closed means: the held GET got `1`, or the sid is unknown now.
        if (x.gone.close) return;
        assert.equal(x.gone.status, 400, JSON.stringify(x.gone));
        assert.equal(x.gone.text, errorBody(1));
        return;
      }
    }
  }
  destroy() {
    this.gone = this.gone || { destroyed: true };
    this.ac.abort();
  }
}

const TRANSPORTS = [
  { name: 'websocket', open: (srv) => WsConn.open(srv) },
  { name: 'polling', open: (srv) => PollConn.open(srv) },
];

// Resolves once `p` does, or rejects naming `what` after ms.
function within(p, ms, what) {
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms))),
  ]);
}

// ---------------------------------------------------------------- the tests

let srv;
const live = [];
function track(c) {
  live.push(c);
  return c;
}

// Sends CONNECT for nsp ('' for "/") with an optional auth text, checks the
// reply and the `auth` event that follows it; resolves the socket id.
async function connectNsp(c, nsp = '', auth = '', expectAuth = auth || '{}') {
  const prefix = nsp ? `${nsp},` : '';
  c.send(`40${prefix}${auth}`);
  const reply = await c.next();
  const m = new RegExp(`^40${prefix.replace('/', '\\/')}\\{"sid":"(${SID})"\\}$`).exec(reply);
  assert.ok(m, `CONNECT reply: ${reply}`);
  assert.notEqual(m[1], c.sid, 'the socket id is not the Engine.IO sid');
  assert.equal(await c.next(), `42${prefix}["auth",${expectAuth}]`);
  return m[1];
}

describe(`Socket.IO v5 protocol (${kind} server)`, () => {
  before(async () => {
    srv = await startServer();
  });
  afterEach(() => {
    for (const c of live.splice(0)) c.destroy();
  });
  after(async () => {
    for (const c of live.splice(0)) c.destroy();
    if (!srv) return;
    const r = await srv.stop();
    if (!isRef) assert.deepEqual(r, { code: 0, signal: null }, `server exit ${JSON.stringify(r)}\n${srv.stderr().slice(-2000)}`);
  });

  for (const tr of TRANSPORTS) {
    describe(`over ${tr.name}`, () => {
      test('CONNECT "/": exactly {"sid"} (a new id), then the auth event {}', T, async () => {
        const c = track(await tr.open(srv));
        const a = await connectNsp(c);
        // A second EIO session gets another socket id.
        const c2 = track(await tr.open(srv));
        const b = await connectNsp(c2);
        assert.notEqual(a, b);
      });

      test('CONNECT with an auth payload: echoed verbatim', T, async () => {
        const c = track(await tr.open(srv));
        await connectNsp(c, '', '{"token":"123"}');
      });

      test('CONNECT /custom with and without the trailing comma, with a payload', T, async () => {
        const c = track(await tr.open(srv));
        await connectNsp(c, '/custom');
        const c2 = track(await tr.open(srv));
        c2.send('40/custom');
        assert.match(await c2.next(), new RegExp(`^40/custom,\\{"sid":"${SID}"\\}$`));
        assert.equal(await c2.next(), '42/custom,["auth",{}]');
        const c3 = track(await tr.open(srv));
        await connectNsp(c3, '/custom', '{"token":"abc"}');
      });

      test('unknown namespace: CONNECT_ERROR, and the connection stays usable', T, async () => {
        const c = track(await tr.open(srv));
        c.send('40/random');
        assert.equal(await c.next(), '44/random,{"message":"Invalid namespace"}');
        c.send('40/random,{"a":1}');
        assert.equal(await c.next(), '44/random,{"message":"Invalid namespace"}');
        await connectNsp(c);
        c.send('42["message","after"]');
        assert.equal(await c.next(), '42["message-back","after"]');
      });

      test('one connection, two namespaces, each with its own socket id', T, async () => {
        const c = track(await tr.open(srv));
        const a = await connectNsp(c);
        const b = await connectNsp(c, '/custom');
        assert.notEqual(a, b);
      });

      test('EVENT: the arguments come back exactly', T, async () => {
        const c = track(await tr.open(srv));
        await connectNsp(c);
        c.send('42["message",1,"2",{"3":[true]}]');
        assert.equal(await c.next(), '42["message-back",1,"2",{"3":[true]}]');
        c.send('42["message",{"b":[],"a":{}},null,false,-1.5,"é\\n"]');
        assert.equal(await c.next(), '42["message-back",{"b":[],"a":{}},null,false,-1.5,"é\\n"]');
        c.send('42["message"]');
        assert.equal(await c.next(), '42["message-back"]');
      });

      test('JSON with whitespace comes back compact', T, async () => {
        const c = track(await tr.open(srv));
        await connectNsp(c);
        c.send('42[ "message" , 1 ,\n{ "a" : [ 1 , 2 ] } , "a b\\" c" ]');
        assert.equal(await c.next(), '42["message-back",1,{"a":[1,2]},"a b\\" c"]');
        c.send(`452-[ "message" , { "_placeholder" : true , "num" : 0 } , {"x" : ${PH1} } ]`, Buffer.from([7]), Buffer.from([8]));
        assert.equal(await c.next(), `452-["message-back",${PH0},{"x":${PH1}}]`);
        assert.deepEqual(await c.next(), Buffer.from([7]));
        assert.deepEqual(await c.next(), Buffer.from([8]));
        c.send('429["message-with-ack", { "k" : null } ]');
        assert.equal(await c.next(), '439[{"k":null}]');
      });

      test('ACK ids 456, 789, 123456789 and 0 are echoed verbatim', T, async () => {
        const c = track(await tr.open(srv));
        await connectNsp(c);
        for (const id of ['456', '789', '123456789', '0']) {
          c.send(`42${id}["message-with-ack",1,"2",{"3":[false]}]`);
          assert.equal(await c.next(), `43${id}[1,"2",{"3":[false]}]`);
        }
        c.send('427["message-with-ack"]');
        assert.equal(await c.next(), '437[]');
      });

      test('BINARY_EVENT: message-back with the same placeholders and bytes', T, async () => {
        const c = track(await tr.open(srv));
        await connectNsp(c);
        c.send(`451-["message",${PH0}]`, Buffer.from([1, 2, 3]));
        assert.equal(await c.next(), `451-["message-back",${PH0}]`);
        assert.deepEqual(await c.next(), Buffer.from([1, 2, 3]));
        c.send(`452-["message",${PH0},{"x":${PH1}}]`, Buffer.from([1, 2, 3]), Buffer.from([4, 5, 6]));
        assert.equal(await c.next(), `452-["message-back",${PH0},{"x":${PH1}}]`);
        assert.deepEqual(await c.next(), Buffer.from([1, 2, 3]));
        assert.deepEqual(await c.next(), Buffer.from([4, 5, 6]));
      });

      test('BINARY_EVENT with an ack: BINARY_ACK 462-789 with the same bytes', T, async () => {
        const c = track(await tr.open(srv));
        await connectNsp(c);
        c.send(`452-789["message-with-ack",${PH0},${PH1}]`, Buffer.from([1, 2, 3]), Buffer.from([4, 5, 6]));
        assert.equal(await c.next(), `462-789[${PH0},${PH1}]`);
        assert.deepEqual(await c.next(), Buffer.from([1, 2, 3]));
        assert.deepEqual(await c.next(), Buffer.from([4, 5, 6]));
        // an empty attachment is still an attachment
        c.send(`451-5["message-with-ack",${PH0}]`, Buffer.alloc(0));
        assert.equal(await c.next(), `461-5[${PH0}]`);
        assert.deepEqual(await c.next(), Buffer.alloc(0));
      });

      test('DISCONNECT is silent; the connection stays; CONNECT again works', T, async () => {
        // Join "/" and /custom, leave /custom: "/" still works.
        const c2 = track(await tr.open(srv));
        const a = await connectNsp(c2);
        await connectNsp(c2, '/custom');
        c2.send('41/custom');
        c2.send('42["message","to main"]');
        assert.equal(await c2.next(), '42["message-back","to main"]');
        c2.send('41');
        // The reference handles a DISCONNECT on the next tick, so a CONNECT in
        // the same read would find "/" still joined: sync on /custom first.
        await connectNsp(c2, '/custom');
        const b = await connectNsp(c2);
        assert.notEqual(a, b);
        c2.send('42["message",2]');
        assert.equal(await c2.next(), '42["message-back",2]');
      });

      test('an event to a namespace left with DISCONNECT closes the connection', T, async () => {
        const c = track(await tr.open(srv));
        await connectNsp(c);
        await connectNsp(c, '/custom');
        c.send('41/custom');
        // Sync on "/" first (the reference handles DISCONNECT on the next tick).
        c.send('42["message",0]');
        assert.equal(await c.next(), '42["message-back",0]');
        c.send('42/custom,["message"]');
        await c.closed();
      });
    });
  }

  // Every one of these closes the whole Engine.IO connection (docs/PROTOCOL.md §2.3,
  // §2.4). [what, joined namespaces before, packets]
  const FATAL = [
    ['unknown packet type', [''], ['4abc']],
    ['an empty Socket.IO packet', [''], ['4']],
    ['unknown packet type before CONNECT', [], ['4abc']],
    ['packet type 7', [''], ['47["message"]']],
    ['EVENT payload an object', [''], ['42{}']],
    ['EVENT payload an empty array', [''], ['42[]']],
    ['EVENT name an object', [''], ['42[{}]']],
    ['EVENT invalid JSON', [''], ['42["message",tru]']],
    ['EVENT unterminated JSON', [''], ['42["message"']],
    ['EVENT trailing garbage', [''], ['42["message"]junk']],
    ['EVENT letters after the ack id', [''], ['42abc["message-with-ack",1,"2",{"3":[false]}]']],
    ['EVENT letters instead of the JSON', [''], ['42abc']],
    ['DISCONNECT with a payload', [''], ['41{}']],
    ['ACK payload an object', [''], ['431{}']],
    ['ACK payload a string', [''], ['431"x"']],
    ['CONNECT payload an array', [], ['40[]']],
    ['CONNECT payload a string', [], ['40"x"']],
    ['CONNECT payload null', [], ['40null']],
    ...['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'].map((n) => [
      `reserved event name ${n}`,
      [''],
      [`42["${n}",1]`],
    ]),
    ['attachment count 0', [''], ['450-["message",1]']],
    ['attachment count 11', [''], [`4511-["message",${PH0}]`]],
    ['attachment count without the dash', [''], [`451["message",${PH0}]`]],
    ['attachment count not a number', [''], [`45x-["message",${PH0}]`]],
    ['placeholder number out of range', [''], [`451-["message",${PH1}]`, Buffer.from([1])]],
    ['placeholder number not a number', [''], [`451-["message",{"_placeholder":true,"num":"0"}]`, Buffer.from([1])]],
    ['a text packet while an attachment is expected', [''], [`451-["message",${PH0}]`, '42["message"]']],
    ['a stray binary message', [''], [Buffer.from([1, 2, 3])]],
    ['a stray binary message before CONNECT', [], [Buffer.from([1])]],
    ['EVENT before any CONNECT', [], ['42["message",1]']],
    ['EVENT to a namespace never joined', [''], ['42/custom,["message"]']],
    ['ACK to a namespace never joined', [''], ['43/custom,1[]']],
    ['DISCONNECT of a namespace never joined', [''], ['41/custom,']],
    ['a second CONNECT to "/"', [''], ['40']],
    ['a second CONNECT to /custom', ['', '/custom'], ['40/custom,']],
    ['CONNECT_ERROR from the client', [''], ['44{"message":"x"}']],
    ['CONNECT_ERROR from the client before CONNECT', [], ['44{"message":"x"}']],
  ];

  for (const tr of TRANSPORTS) {
    // Eight sessions at a time: the server's heartbeat is the suites' (300 ms
    // + 200 ms), and forty polling clients in one Node process sharing two
    // cores with other tests can miss a pong deadline before their packet is
    // even sent.
    test(`invalid packets close the connection over ${tr.name} (${FATAL.length} cases, 8 at a time)`, { timeout: 60000 }, async () => {
      const failed = [];
      for (let i = 0; i < FATAL.length; i += 8) {
        const results = await Promise.allSettled(
          FATAL.slice(i, i + 8).map(async ([what, nsps, pkts]) => {
            try {
              const c = track(await tr.open(srv));
              for (const n of nsps) await connectNsp(c, n);
              c.send(...pkts);
              await within(c.closed(8000), 9000, what);
            } catch (e) {
              throw new Error(`${what}: ${e.message}`);
            }
          }),
        );
        failed.push(...results.filter((r) => r.status === 'rejected').map((r) => r.reason.message));
      }
      assert.deepEqual(failed, []);
    });
  }

  test('the healthy sessions next to the invalid ones were not disturbed', T, async () => {
    const c = track(await WsConn.open(srv));
    await connectNsp(c);
    const bad = track(await WsConn.open(srv));
    await connectNsp(bad);
    bad.send('4abc');
    await bad.closed();
    c.send('42["message","still here"]');
    assert.equal(await c.next(), '42["message-back","still here"]');
  });

  test('an ACK for an unknown id is ignored; the connection stays', T, async () => {
    for (const tr of TRANSPORTS) {
      const c = track(await tr.open(srv));
      await connectNsp(c);
      c.send('43999["late"]');
      c.send('43[]');
      c.send('42["message",1]');
      assert.equal(await c.next(), '42["message-back",1]');
    }
  });

  test('CONNECT reply before the auth event, in one polling body or in order', T, async () => {
    const { sid } = await handshake(srv);
    await post(srv, sid, '40{"n":1}');
    let text = '';
    for (let i = 0; i < 5 && !text.includes('auth'); i++) {
      const r = await get(srv, sid);
      assert.equal(r.status, 200);
      text += (text ? '\x1e' : '') + r.text;
    }
    const pkts = text.split('\x1e').filter((p) => p !== '2' && p !== '6');
    assert.match(pkts[0], new RegExp(`^40\\{"sid":"${SID}"\\}$`));
    assert.equal(pkts[1], '42["auth",{"n":1}]');
    await post(srv, sid, '1');
  });

  test('after DISCONNECT of the last namespace the next message is a ping', T, async () => {
    const c = track(await WsConn.open(srv));
    await connectNsp(c);
    c.send('41');
    // Nothing is sent back for the DISCONNECT: the next frame is the heartbeat.
    assert.equal(await c.raw(2000), '2');
  });

  // A JS string cut inside a surrogate pair arrives as a lone surrogate
  // escape: JSON.parse takes it, so must we (and relay it unchanged).
  test('a lone surrogate escape is accepted and relayed', T, async () => {
    const c = track(await WsConn.open(srv));
    await connectNsp(c);
    c.send('42["message","a\\ud83d"]');
    assert.equal(await c.next(), '42["message-back","a\\ud83d"]');
  });

  // Deliberate differences (docs/PROTOCOL.md §2.2, §4; src/core/json.h): we
  // relay values byte for byte where the reference re-prints them, and we
  // reject a bare EVENT without payload.
  test('deliberate differences from the reference, pinned', T, async () => {
    const c = track(await WsConn.open(srv));
    await connectNsp(c);
    c.send('42["message",1.0,1e3,-0,"\\u00e9",{"b":1,"2":0},12345678901234567890]');
    assert.equal(
      await c.next(),
      isRef
        ? '42["message-back",1,1000,0,"é",{"2":0,"b":1},12345678901234567000]'
        : '42["message-back",1.0,1e3,-0,"\\u00e9",{"b":1,"2":0},12345678901234567890]',
    );
    for (const pkt of ['42', '4212']) {
      const d = track(await WsConn.open(srv));
      await connectNsp(d);
      d.send(pkt);
      d.send('42["message","sync"]');
      if (isRef) {
        let m;
        do m = await d.next();
        while (m !== '42["message-back","sync"]');
      } else {
        await d.closed();
      }
    }
  });

  describe('connect timeout (1000 ms)', () => {
    test('no namespace joined: closed even while answering pings; a joined one stays', { timeout: 20000 }, async () => {
      // Survivors first, so that they are older than the timeout once the
      // idle sessions are closed. Joined, then left: joining disarmed the
      // timer for good.
      const left = track(await WsConn.open(srv));
      await connectNsp(left);
      left.send('41');
      const joined = track(await PollConn.open(srv));
      await connectNsp(joined);
      // websocket, answering every ping
      const ws = track(await WsConn.open(srv));
      const wsClosed = ws.closed(6000);
      // polling, answering every ping
      const pc = track(await PollConn.open(srv));
      await within(wsClosed, 7000, 'websocket session closed');
      await within(pc.closed(6000), 7000, 'polling session closed');
      assert.ok(ws.pings >= 1, `pings answered before the close: ${ws.pings}`);
      // Both survivors are past the timeout now and still work.
      left.send('40');
      assert.match(await left.next(), new RegExp(`^40\\{"sid":"${SID}"\\}$`));
      assert.equal(await left.next(), '42["auth",{}]');
      joined.send('42["message","alive"]');
      assert.equal(await joined.next(), '42["message-back","alive"]');
    });
  });
});
