// Raw Engine.IO v4 protocol checks (docs/PROTOCOL.md §1) against the conformance server:
// fetch for polling, `ws` for WebSocket, node:net for raw HTTP. Each test is small and named
// after what it checks. SIO_EIO_SERVER=ref runs the same tests against the Node reference.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnServer, testWorkers } from './lib/spawn.mjs';
import {
  startServer,
  serverKind,
  isRef,
  request,
  pollUrl,
  handshake,
  get,
  post,
  errorBody,
  waitSessionGone,
  WsQueue,
  wsUrl,
  wsHandshake,
  RawHttp,
  sleep,
  PING_INTERVAL,
  PING_TIMEOUT,
  MAX_PAYLOAD,
} from './lib/eio.mjs';

const T = { timeout: 10000 };
const SID_RE = /^[A-Za-z0-9_-]{20,}$/;

let srv;
const live = [];
// Registers a ws queue / raw connection to be torn down after the test.
function track(x) {
  live.push(x);
  return x;
}

function assertOpenPacket(open, upgrades) {
  assert.deepEqual(Object.keys(open), ['sid', 'upgrades', 'pingInterval', 'pingTimeout', 'maxPayload']);
  assert.match(open.sid, SID_RE);
  assert.deepEqual(open.upgrades, upgrades);
  assert.equal(open.pingInterval, PING_INTERVAL);
  assert.equal(open.pingTimeout, PING_TIMEOUT);
  assert.equal(open.maxPayload, MAX_PAYLOAD);
}

function assertError(res, code, status = 400) {
  assert.equal(res.status, status, `status for code ${code}: body ${res.text}`);
  assert.equal(res.text, errorBody(code));
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
}

describe(`Engine.IO v4 protocol (${serverKind} server)`, () => {
  before(async () => {
    srv = await startServer();
  });
  afterEach(() => {
    for (const x of live.splice(0)) x.destroy ? x.destroy() : x.close();
  });
  after(async () => {
    if (!srv) return;
    // A clean exit on SIGTERM (a sanitizer build exits non-zero on leaks).
    const r = await srv.stop();
    assert.deepEqual(r, { code: 0, signal: null }, `server exit ${JSON.stringify(r)}\n${srv.stderr().slice(-2000)}`);
  });

  // ------------------------------------------------------------------ handshake §1.4
  describe('handshake', () => {
    test('polling handshake: 200, text/plain, only the open packet', T, async () => {
      const r = await request(pollUrl(srv));
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type'), /^text\/plain; charset=utf-8$/i);
      assert.equal(r.text[0], '0');
      assert.ok(!r.text.includes('\x1e'), 'open packet is alone in the response');
    });

    test('polling handshake: exactly sid, upgrades, pingInterval, pingTimeout, maxPayload in order', T, async () => {
      const { open, raw } = await handshake(srv);
      assertOpenPacket(open, ['websocket']);
      // Compact JSON, numbers as numbers.
      assert.equal(raw, `0{"sid":"${open.sid}","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}`);
    });

    test('sid is url-safe, at least 20 chars, and unique per session', T, async () => {
      const sids = new Set();
      for (let i = 0; i < 10; i++) {
        const { sid } = await handshake(srv);
        assert.match(sid, SID_RE);
        sids.add(sid);
      }
      assert.equal(sids.size, 10);
    });

    // Not `j`: the reference still answers JSONP for it (docs/PROTOCOL.md §1.1: libsio ignores it).
    test('unknown query parameters (t, b64, foo) are ignored', T, async () => {
      const r = await request(pollUrl(srv, 't=burst&b64=1&foo=bar'));
      assert.equal(r.status, 200);
      assertOpenPacket(JSON.parse(r.text.slice(1)), ['websocket']);
    });

    test('websocket-first handshake: first frame is the open packet with upgrades []', T, async () => {
      const q = track(new WsQueue(wsUrl(srv)));
      const e = await q.message();
      assert.equal(e.isBinary, false);
      assert.equal(e.data[0], '0');
      const open = JSON.parse(e.data.slice(1));
      assertOpenPacket(open, []);
      assert.equal(e.data, `0{"sid":"${open.sid}","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}`);
    });

    test('websocket: permessage-deflate offered by ws is declined', T, async () => {
      const q = track(new WsQueue(wsUrl(srv), { perMessageDeflate: true }));
      await q.open();
      assert.equal(q.ws.extensions, '');
    });
  });

  // ------------------------------------------------------------------ errors §1.9
  describe('errors', () => {
    test('code 0: transport missing', T, async () => {
      assertError(await request(`${srv.base}?EIO=4`), 0);
    });

    test('code 0: transport unknown', T, async () => {
      assertError(await request(`${srv.base}?EIO=4&transport=abc`), 0);
    });

    test('code 0 before code 5: ?EIO=abc&transport=abc', T, async () => {
      assertError(await request(`${srv.base}?EIO=abc&transport=abc`), 0);
    });

    test('code 1: unknown sid (?transport=polling&sid=zz, no EIO)', T, async () => {
      assertError(await request(`${srv.base}?transport=polling&sid=zz`), 1);
    });

    test('code 1: unknown sid with EIO=4, GET and POST', T, async () => {
      assertError(await request(pollUrl(srv, 'sid=zz')), 1);
      assertError(await request(pollUrl(srv, 'sid=zz'), { method: 'POST', body: '4hello' }), 1);
    });

    test('code 2: POST handshake', T, async () => {
      assertError(await request(pollUrl(srv), { method: 'POST', body: '4hello' }), 2);
    });

    test('code 2: PUT handshake', T, async () => {
      assertError(await request(pollUrl(srv), { method: 'PUT', body: '4hello' }), 2);
    });

    test('code 2 before code 5: POST with EIO=abc', T, async () => {
      assertError(await request(`${srv.base}?EIO=abc&transport=polling`, { method: 'POST', body: 'x' }), 2);
    });

    test('code 3: plain GET with transport=websocket and no Upgrade', T, async () => {
      assertError(await request(`${srv.base}?EIO=4&transport=websocket`), 3);
    });

    test('code 5: EIO missing', T, async () => {
      assertError(await request(`${srv.base}?transport=polling`), 5);
    });

    test('code 5: EIO=abc, EIO=3, EIO=5', T, async () => {
      for (const v of ['abc', '3', '5']) assertError(await request(`${srv.base}?EIO=${v}&transport=polling`), 5);
    });

    test('code 3: polling GET and POST on a websocket-first session (transport mismatch)', T, async () => {
      const { q, sid } = await wsHandshake(srv);
      track(q);
      assertError(await get(srv, sid), 3);
      assertError(await post(srv, sid, '4x'), 3);
    });
  });

  // ------------------------------------------------------------------ CORS §1.10
  describe('CORS', () => {
    const origin = { Origin: 'http://example.test' };

    test('Access-Control-Allow-Origin: * on handshake, POST and GET', T, async () => {
      const h = await request(pollUrl(srv), { headers: origin });
      assert.equal(h.headers.get('access-control-allow-origin'), '*');
      const sid = JSON.parse(h.text.slice(1)).sid;
      const p = await post(srv, sid, '4x', { headers: origin });
      assert.equal(p.status, 200);
      assert.equal(p.headers.get('access-control-allow-origin'), '*');
      const g = await get(srv, sid, { headers: origin });
      assert.equal(g.text, '4x');
      assert.equal(g.headers.get('access-control-allow-origin'), '*');
    });

    test('Access-Control-Allow-Origin: * on error responses (codes 0, 1, 2, 3, 5)', T, async () => {
      const reqs = [
        [`${srv.base}?EIO=4&transport=abc`, 'GET'],
        [pollUrl(srv, 'sid=zz'), 'GET'],
        [pollUrl(srv), 'POST'],
        [`${srv.base}?EIO=4&transport=websocket`, 'GET'],
        [`${srv.base}?EIO=3&transport=polling`, 'GET'],
      ];
      for (const [url, method] of reqs) {
        const r = await request(url, { method, headers: origin, body: method === 'POST' ? 'x' : undefined });
        assert.equal(r.status, 400);
        assert.equal(r.headers.get('access-control-allow-origin'), '*', `${method} ${url}`);
      }
    });

    test('OPTIONS preflight: 204, Content-Length 0, methods, echoed headers, Vary', T, async () => {
      const r = await request(pollUrl(srv), {
        method: 'OPTIONS',
        headers: {
          ...origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-custom',
        },
      });
      assert.equal(r.status, 204);
      assert.equal(r.text, '');
      assert.equal(r.headers.get('content-length'), '0');
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
      assert.equal(r.headers.get('access-control-allow-methods'), 'GET,HEAD,PUT,PATCH,POST,DELETE');
      assert.equal(r.headers.get('access-control-allow-headers'), 'content-type,x-custom');
      assert.match(r.headers.get('vary') ?? '', /Access-Control-Request-Headers/i);
    });

    test('OPTIONS preflight runs before EIO validation (bad EIO and transport still 204)', T, async () => {
      const r = await request(`${srv.base}?EIO=abc&transport=abc`, {
        method: 'OPTIONS',
        headers: { ...origin, 'Access-Control-Request-Method': 'POST' },
      });
      assert.equal(r.status, 204);
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
    });
  });

  // ------------------------------------------------------------------ heartbeat §1.5
  describe('heartbeat', () => {
    test('polling: a GET after the handshake receives 2 after about pingInterval', T, async () => {
      const t0 = Date.now();
      const { sid } = await handshake(srv);
      const g = await get(srv, sid);
      const dt = Date.now() - t0;
      assert.equal(g.status, 200);
      assert.equal(g.text, '2');
      // Not before pingInterval (a server timer never fires early; 100 ms of slack for the clocks).
      assert.ok(dt >= PING_INTERVAL - 100, `ping came after ${dt} ms`);
    });

    test('polling: never ponged, the session is gone exactly pingInterval+pingTimeout after the handshake', T, async () => {
      const { sid } = await handshake(srv);
      // The official suite sleeps exactly this long, then expects 400 (docs/PROTOCOL.md §1.5).
      await sleep(PING_INTERVAL + PING_TIMEOUT);
      assertError(await get(srv, sid), 1);
    });

    test('polling: answering pongs keeps the session alive past several intervals', T, async () => {
      const { sid } = await handshake(srv);
      const t0 = Date.now();
      for (let i = 0; i < 4; i++) {
        const g = await get(srv, sid);
        assert.equal(g.status, 200, `round ${i}`);
        assert.equal(g.text, '2', `round ${i}`);
        const p = await post(srv, sid, '3');
        assert.equal(p.status, 200, `round ${i}`);
        assert.equal(p.text, 'ok');
      }
      assert.ok(Date.now() - t0 > 3 * PING_INTERVAL);
      const p = await post(srv, sid, '4alive');
      assert.equal(p.status, 200);
      assert.equal((await get(srv, sid)).text, '4alive');
    });

    test('polling: the next ping is due pingInterval after the pong, not earlier', T, async () => {
      const { sid } = await handshake(srv);
      assert.equal((await get(srv, sid)).text, '2');
      await sleep(150); // pong late in the pingTimeout window
      const tPong = Date.now();
      await post(srv, sid, '3');
      const g = await get(srv, sid);
      const dt = Date.now() - tPong;
      assert.equal(g.text, '2');
      assert.ok(dt >= PING_INTERVAL - 100, `second ping ${dt} ms after the pong`);
    });

    test('polling: a client ping 2 (not a probe) closes the session', T, async () => {
      const { sid } = await handshake(srv);
      await post(srv, sid, '2').catch(() => {});
      assertError(await waitSessionGone(srv, sid, 250), 1);
    });

    test('websocket: server pings 2, pongs keep it alive past several intervals', T, async () => {
      const { q } = await wsHandshake(srv);
      track(q);
      for (let i = 0; i < 4; i++) {
        const e = await q.message(2000);
        assert.equal(e.data, '2', `round ${i}`);
        q.send('3');
      }
      q.send('4still');
      assert.equal((await q.message()).data, '4still');
    });

    test('websocket: never ponged, the server closes the socket (within 2 s)', T, async () => {
      const t0 = Date.now();
      const { q } = await wsHandshake(srv);
      track(q);
      assert.equal((await q.message(2000)).data, '2');
      const c = await q.waitClose(2000);
      assert.ok(c, 'closed');
      assert.ok(Date.now() - t0 >= PING_INTERVAL + PING_TIMEOUT - 100);
    });

    test('websocket: a client ping 2 closes the connection', T, async () => {
      const { q } = await wsHandshake(srv);
      track(q);
      q.send('2');
      await q.waitClose(2000);
    });
  });

  // ------------------------------------------------------------------ polling §1.3, §1.6
  describe('polling', () => {
    test('POST answers 200 ok; GET returns the echo', T, async () => {
      const { sid } = await handshake(srv);
      const p = await post(srv, sid, '4hello');
      assert.equal(p.status, 200);
      assert.equal(p.text, 'ok');
      const g = await get(srv, sid);
      assert.equal(g.status, 200);
      assert.equal(g.text, '4hello');
      assert.match(g.headers.get('content-type'), /^text\/plain; charset=utf-8$/i);
    });

    test('empty message 4 echoes as 4', T, async () => {
      const { sid } = await handshake(srv);
      await post(srv, sid, '4');
      assert.equal((await get(srv, sid)).text, '4');
    });

    test('several packets in one POST are echoed in one GET joined by \\x1e', T, async () => {
      const { sid } = await handshake(srv);
      assert.equal((await post(srv, sid, '4test1\x1e4test2\x1e4test3')).text, 'ok');
      assert.equal((await get(srv, sid)).text, '4test1\x1e4test2\x1e4test3');
    });

    test('several POSTs before a GET are all returned by that GET in order', T, async () => {
      const { sid } = await handshake(srv);
      await post(srv, sid, '4a');
      await post(srv, sid, '4b\x1e4c');
      await post(srv, sid, '4d');
      assert.equal((await get(srv, sid)).text, '4a\x1e4b\x1e4c\x1e4d');
    });

    test('binary b+base64 echo stays binary (bAQIDBA==)', T, async () => {
      const { sid } = await handshake(srv);
      await post(srv, sid, 'bAQIDBA==');
      assert.equal((await get(srv, sid)).text, 'bAQIDBA==');
    });

    test('mixed text and binary packets echo in order', T, async () => {
      const { sid } = await handshake(srv);
      await post(srv, sid, '4hello\x1ebAQIDBA==\x1eb\x1e4');
      assert.equal((await get(srv, sid)).text, '4hello\x1ebAQIDBA==\x1eb\x1e4');
    });

    test('UTF-8 text echo; Content-Length counts bytes', T, async () => {
      const { sid } = await handshake(srv);
      const msg = '4héllo €uro 😀 日本';
      await post(srv, sid, msg);
      const g = await get(srv, sid);
      assert.equal(g.text, msg);
      const cl = g.headers.get('content-length');
      if (cl !== null) assert.equal(Number(cl), Buffer.byteLength(msg));
    });

    test('a held GET is answered by the echo of a POST', T, async () => {
      const { sid } = await handshake(srv);
      const gp = get(srv, sid);
      await sleep(30);
      assert.equal((await post(srv, sid, '4late')).text, 'ok');
      const g = await gp;
      assert.equal(g.status, 200);
      assert.equal(g.text, '4late');
    });

    test('parse error: POST abc closes the session', T, async () => {
      const { sid } = await handshake(srv);
      await post(srv, sid, 'abc').catch(() => {}); // status unspecified (reference: ok)
      assertError(await waitSessionGone(srv, sid, 250), 1);
    });

    test('parse error: empty POST body closes the session', T, async () => {
      const { sid } = await handshake(srv);
      await post(srv, sid, '').catch(() => {});
      assertError(await waitSessionGone(srv, sid, 250), 1);
    });

    test('parse error after valid packets: packets before it are processed, session closed', T, async () => {
      const { sid } = await handshake(srv);
      const gp = get(srv, sid);
      await sleep(30);
      await post(srv, sid, '4first\x1ezzz\x1e4never').catch(() => {});
      const g = await gp;
      assert.equal(g.status, 200);
      // The echo of 4first reached the held GET (reference: exactly `4first`; a trailing
      // close packet is tolerated), then the session closed.
      assert.ok(g.text === '4first' || g.text === '4first\x1e1', JSON.stringify(g.text));
      assert.ok(!g.text.includes('never'));
      assertError(await waitSessionGone(srv, sid, 250), 1);
    });

    test('POST with Content-Type application/octet-stream: 400, session closed', T, async () => {
      const { sid } = await handshake(srv);
      const p = await post(srv, sid, Buffer.from([1, 2, 3, 4]), { headers: { 'Content-Type': 'application/octet-stream' } });
      assert.equal(p.status, 400);
      assertError(await waitSessionGone(srv, sid, 250), 1);
    });

    test('POST of exactly maxPayload bytes is accepted and echoed', T, async () => {
      const { sid } = await handshake(srv);
      const body = '4' + 'a'.repeat(MAX_PAYLOAD - 1);
      const p = await post(srv, sid, body);
      assert.equal(p.status, 200);
      assert.equal(p.text, 'ok');
      const g = await get(srv, sid);
      assert.equal(g.text.length, body.length);
      assert.equal(g.text, body);
    });

    test('a POST is limited in bytes, not in packets: 20000 packets in one POST are all echoed in order', T, async () => {
      const { sid } = await handshake(srv);
      const n = 20000;
      const packets = Array.from({ length: n }, (_, i) => (i % 3 === 2 ? 'bAQID' : `4${i}`));
      const p = await post(srv, sid, packets.join('\x1e'));
      assert.equal(p.status, 200);
      assert.equal(p.text, 'ok');
      const got = [];
      for (let i = 0; i < 50 && got.length < n; i++) {
        const g = await get(srv, sid);
        assert.equal(g.status, 200);
        for (const x of g.text.split('\x1e')) if (x !== '2') got.push(x);
        if (g.text === '2') await post(srv, sid, '3');
      }
      assert.equal(got.length, n);
      assert.deepEqual(got, packets);
    });

    test('POST over maxPayload gets 413', T, async () => {
      const { sid } = await handshake(srv);
      const body = '4' + 'a'.repeat(MAX_PAYLOAD);
      let status;
      try {
        status = (await post(srv, sid, body)).status;
      } catch (e) {
        // Only acceptable if the server answered 413 and closed before reading all of it;
        // fetch then reports the reset: check with a raw connection instead.
        status = 'fetch failed: ' + e.cause?.code;
      }
      assert.equal(status, 413);
    });

    test('POST over maxPayload (raw, Content-Length announced): 413 before the whole body is sent', T, async () => {
      const { sid } = await handshake(srv);
      const c = track(new RawHttp(srv.port));
      await c.ready;
      c.write(
        `POST /engine.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${MAX_PAYLOAD + 1}\r\n\r\n`,
      );
      // Send more than the limit in one go, but not the final byte.
      c.write('4' + 'a'.repeat(MAX_PAYLOAD - 1) + 'a');
      const r = await c.response(3000);
      assert.equal(r.status, 413);
    });

    test('duplicate GET: the new one 400, the held one 200 with 1, later 400', T, async () => {
      const { sid } = await handshake(srv);
      const held = get(srv, sid);
      await sleep(50);
      const dup = await get(srv, sid);
      assert.equal(dup.status, 400);
      const h = await held;
      assert.equal(h.status, 200);
      assert.equal(h.text, '1');
      assertError(await get(srv, sid), 1);
    });

    // With workers, a POST that reaches another worker than its session's
    // is handed over once its body is complete: a first POST still
    // receiving its body there is not seen by the owner, so the overlap is
    // detected only when the first reaches the owner directly (a known
    // difference, docs/SCALING.md).
    const overlapT = testWorkers() > 1 && serverKind !== 'ref'
      ? { ...T, skip: 'overlap detection across workers (docs/SCALING.md)' } : T;
    test('overlapping POST: the second gets 400 and the session is closed', overlapT, async () => {
      const { sid } = await handshake(srv);
      const c = track(new RawHttp(srv.port));
      await c.ready;
      // First POST: announce 10 bytes, send 3, keep it in progress.
      c.write(
        `POST /engine.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 10\r\n\r\n4ab`,
      );
      await sleep(50);
      const p2 = await post(srv, sid, '4second');
      assert.equal(p2.status, 400);
      assertError(await waitSessionGone(srv, sid, 250), 1);
    });

    test('client close 1 via POST with a held GET: POST ok, held GET 6, later 400', T, async () => {
      const { sid } = await handshake(srv);
      const held = get(srv, sid);
      await sleep(50);
      const p = await post(srv, sid, '1');
      assert.equal(p.status, 200);
      assert.equal(p.text, 'ok');
      const h = await held;
      assert.equal(h.status, 200);
      assert.equal(h.text, '6');
      assertError(await get(srv, sid), 1);
    });

    test('client close 1 via POST without a held GET: later requests 400', T, async () => {
      const { sid } = await handshake(srv);
      assert.equal((await post(srv, sid, '1')).text, 'ok');
      assertError(await waitSessionGone(srv, sid, 250), 1);
    });

    test('aborting a held GET closes the session', T, async () => {
      const { sid } = await handshake(srv);
      const ac = new AbortController();
      const held = get(srv, sid, { signal: ac.signal }).catch((e) => e);
      await sleep(50);
      ac.abort();
      await held;
      assertError(await waitSessionGone(srv, sid, 1000), 1);
    });

    test('30 concurrent sessions, each with a held GET answered by its own POST', T, async () => {
      const one = async (i) => {
        const { sid } = await handshake(srv);
        const gp = get(srv, sid);
        await sleep(20);
        assert.equal((await post(srv, sid, `4s${i}`)).text, 'ok');
        const g = await gp;
        return g.text;
      };
      const got = await Promise.all(Array.from({ length: 30 }, (_, i) => one(i)));
      assert.deepEqual(got, Array.from({ length: 30 }, (_, i) => `4s${i}`));
    });

    test('keep-alive: handshake, POST and GET in sequence on one TCP connection', T, async () => {
      const c = track(new RawHttp(srv.port));
      await c.ready;
      const q = '/engine.io/?EIO=4&transport=polling';
      c.write(`GET ${q} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
      const h = await c.response();
      assert.equal(h.status, 200);
      const sid = JSON.parse(h.body.toString().slice(1)).sid;
      const body = Buffer.from('4héllo\x1ebAQIDBA==');
      c.write(
        `POST ${q}&sid=${sid} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n` +
          `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      c.write(body);
      const p = await c.response();
      assert.equal(p.status, 200);
      assert.equal(p.body.toString(), 'ok');
      c.write(`GET ${q}&sid=${sid} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
      const g = await c.response();
      assert.equal(g.status, 200);
      assert.equal(g.body.toString(), '4héllo\x1ebAQIDBA==');
      assert.equal(Number(g.headers['content-length']), body.length);
    });
  });

  // ------------------------------------------------------------------ websocket §1.7
  describe('websocket', () => {
    test('text echo as a text frame', T, async () => {
      const { q } = await wsHandshake(srv);
      track(q);
      q.send('4hello');
      const e = await q.appMessage();
      assert.equal(e.isBinary, false);
      assert.equal(e.data, '4hello');
    });

    test('binary echo as a bare binary frame (no type byte)', T, async () => {
      const { q } = await wsHandshake(srv);
      track(q);
      q.send(Buffer.from([1, 2, 3, 4]));
      const e = await q.appMessage();
      assert.equal(e.isBinary, true);
      assert.deepEqual([...e.data], [1, 2, 3, 4]);
    });

    test('one packet per frame, in order (no \\x1e batching)', T, async () => {
      const { q } = await wsHandshake(srv);
      track(q);
      for (let i = 0; i < 20; i++) q.send(`4m${i}`);
      for (let i = 0; i < 20; i++) assert.equal((await q.appMessage()).data, `4m${i}`);
    });

    test('fragmented message (continuation frames) is reassembled', T, async () => {
      const { q } = await wsHandshake(srv);
      track(q);
      q.send('4hel', { fin: false });
      q.send('lo w', { fin: false });
      q.send('orld', { fin: true });
      assert.equal((await q.appMessage()).data, '4hello world');
    });

    test('WebSocket-level ping control frame is answered with a pong frame', T, async () => {
      const { q } = await wsHandshake(srv);
      track(q);
      const pong = new Promise((r) => q.ws.once('pong', (d) => r(d.toString())));
      q.ws.ping('abc');
      assert.equal(await Promise.race([pong, sleep(2000).then(() => 'no pong')]), 'abc');
    });

    test('message of exactly maxPayload bytes is echoed', T, async () => {
      const { q } = await wsHandshake(srv);
      track(q);
      const m = '4' + 'b'.repeat(MAX_PAYLOAD - 1);
      q.send(m);
      const e = await q.appMessage(5000);
      assert.equal(e.data, m);
    });

    test('invalid packet abc as a text frame closes the connection', T, async () => {
      const { q } = await wsHandshake(srv);
      track(q);
      q.send('abc');
      await q.waitClose(2000);
    });

    test('message larger than maxPayload: close code 1009', T, async () => {
      const { q } = await wsHandshake(srv);
      track(q);
      q.send('4' + 'c'.repeat(MAX_PAYLOAD));
      const c = await q.waitClose(3000);
      assert.equal(c.code, 1009);
    });

    // The reference ignores a `1` on WebSocket and closes only at the ping timeout (~500 ms):
    // the 2 s bound accepts both that and a prompt close.
    test('client close packet 1: the server closes the connection', T, async () => {
      const { q, sid } = await wsHandshake(srv);
      track(q);
      q.send('1');
      await q.waitClose(2000);
      assertError(await waitSessionGone(srv, sid, 500), 1);
    });

    test('client closes the WebSocket: the session is gone', T, async () => {
      const { q, sid } = await wsHandshake(srv);
      track(q);
      q.ws.close(1000);
      await q.waitClose(2000);
      assertError(await waitSessionGone(srv, sid, 500), 1);
    });

    test('unknown transport on an Upgrade request: HTTP 400, no 101', T, async () => {
      const q = track(new WsQueue(`${srv.wsBase}?EIO=4&transport=abc`));
      const e = await q.next((x) => x.type === 'unexpected-response' || x.type === 'open');
      assert.equal(e.type, 'unexpected-response');
      assert.equal(e.status, 400);
    });

    test('invalid sid on a WebSocket upgrade: HTTP 400, no 101', T, async () => {
      const q = track(new WsQueue(wsUrl(srv, 'sid=zzzzzzzzzzzzzzzzzzzz')));
      const e = await q.next((x) => x.type === 'unexpected-response' || x.type === 'open');
      assert.equal(e.type, 'unexpected-response');
      assert.equal(e.status, 400);
      assert.equal(e.body, 'Session ID unknown');
    });

    test('invalid EIO on a WebSocket handshake: no session (refused or dropped)', T, async () => {
      for (const v of ['abc', '3']) {
        const q = track(new WsQueue(`${srv.wsBase}?EIO=${v}&transport=websocket`));
        // The reference completes the 101, then drops the socket; a 400 is also a refusal.
        const c = await q.waitClose(2000);
        assert.ok(c);
        assert.ok(!q.items.some((x) => x.type === 'message'), 'no open packet');
      }
    });

    test('upgrade request with an EIO that does not match the session: HTTP 400', T, async () => {
      const { sid } = await handshake(srv);
      const q = track(new WsQueue(`${srv.wsBase}?EIO=3&transport=websocket&sid=${sid}`));
      const e = await q.next((x) => x.type === 'unexpected-response' || x.type === 'open');
      assert.equal(e.type, 'unexpected-response');
      assert.equal(e.status, 400);
    });
  });

  // ------------------------------------------------------------------ upgrade §1.8
  describe('upgrade', () => {
    test('probe: nothing is sent before 2probe, then 3probe', T, async () => {
      const { sid } = await handshake(srv);
      const q = track(new WsQueue(wsUrl(srv, `sid=${sid}`)));
      await q.open();
      await sleep(150);
      assert.deepEqual(q.items.filter((x) => x.type === 'message'), [], 'no packet before 2probe');
      q.send('2probe');
      const e = await q.message();
      assert.equal(e.data, '3probe');
    });

    test('a held GET is released with 6 after the probe', T, async () => {
      const { sid } = await handshake(srv);
      const held = get(srv, sid);
      await sleep(20);
      const q = track(new WsQueue(wsUrl(srv, `sid=${sid}`)));
      await q.open();
      q.send('2probe');
      assert.equal((await q.message()).data, '3probe');
      const h = await held;
      assert.equal(h.status, 200);
      assert.equal(h.text, '6');
    });

    test('a GET sent after 3probe gets 6 at once', T, async () => {
      const { sid } = await handshake(srv);
      const q = track(new WsQueue(wsUrl(srv, `sid=${sid}`)));
      await q.open();
      q.send('2probe');
      assert.equal((await q.message()).data, '3probe');
      const g = await get(srv, sid);
      assert.equal(g.status, 200);
      assert.equal(g.text, '6');
    });

    test('after 5: polling GET and POST get 400 code 3; the WebSocket carries the session', T, async () => {
      const { sid } = await handshake(srv);
      const q = track(new WsQueue(wsUrl(srv, `sid=${sid}`)));
      await q.open();
      q.send('2probe');
      assert.equal((await q.message()).data, '3probe');
      q.send('5');
      await sleep(50);
      assertError(await get(srv, sid), 3);
      assertError(await post(srv, sid, '4x'), 3);
      q.send('4hello');
      assert.equal((await q.appMessage()).data, '4hello');
      q.send(Buffer.from([9, 8, 7]));
      const b = await q.appMessage();
      assert.equal(b.isBinary, true);
      assert.deepEqual([...b.data], [9, 8, 7]);
    });

    test('after the upgrade, pings flow over the WebSocket', T, async () => {
      const { sid } = await handshake(srv);
      const q = track(new WsQueue(wsUrl(srv, `sid=${sid}`)));
      await q.open();
      q.send('2probe');
      assert.equal((await q.message()).data, '3probe');
      q.send('5');
      for (let i = 0; i < 3; i++) {
        const e = await q.next((x) => x.type === 'close' || (x.type === 'message' && x.data === '2'), 2000);
        assert.equal(e.data, '2', `ping ${i}`);
        q.send('3');
      }
    });

    test('2probe and 5 sent back to back are handled in order', T, async () => {
      const { sid } = await handshake(srv);
      const q = track(new WsQueue(wsUrl(srv, `sid=${sid}`)));
      await q.open();
      q.send('2probe');
      q.send('5');
      q.send('4after');
      assert.equal((await q.message()).data, '3probe');
      assert.equal((await q.appMessage()).data, '4after');
      assertError(await get(srv, sid), 3);
    });

    test('a POST during the probe is echoed over the WebSocket after 5, exactly once and in order', T, async () => {
      const { sid } = await handshake(srv);
      const q = track(new WsQueue(wsUrl(srv, `sid=${sid}`)));
      await q.open();
      q.send('2probe');
      assert.equal((await q.message()).data, '3probe');
      // No GET is held: the echo must stay buffered until 5, then go out on the WebSocket.
      assert.equal((await post(srv, sid, '4a\x1e4b\x1ebAQID')).text, 'ok');
      q.send('5');
      q.send('4c');
      const got = [];
      for (let i = 0; i < 4; i++) {
        const e = await q.appMessage();
        got.push(e.isBinary ? [...e.data] : e.data);
      }
      assert.deepEqual(got, ['4a', '4b', [1, 2, 3], '4c']);
      await sleep(100);
      const extra = q.items.filter((x) => x.type === 'message' && x.data !== '2' && x.data !== '6');
      assert.deepEqual(extra, [], 'no duplicates');
    });

    test('a second WebSocket with an upgraded sid is opened then closed (not HTTP 400)', T, async () => {
      const { sid } = await handshake(srv);
      const q = track(new WsQueue(wsUrl(srv, `sid=${sid}`)));
      await q.open();
      q.send('2probe');
      assert.equal((await q.message()).data, '3probe');
      q.send('5');
      await sleep(50);
      const q2 = track(new WsQueue(wsUrl(srv, `sid=${sid}`)));
      const first = await q2.next((x) => x.type !== 'error', 2000);
      assert.equal(first.type, 'open', `second socket: ${JSON.stringify(first)}`);
      await q2.waitClose(2000);
      // The upgraded session is unaffected.
      q.send('4still');
      assert.equal((await q.appMessage()).data, '4still');
    });

    test('a second WebSocket while the first is probing is opened then closed', T, async () => {
      const { sid } = await handshake(srv);
      const q = track(new WsQueue(wsUrl(srv, `sid=${sid}`)));
      await q.open();
      q.send('2probe');
      assert.equal((await q.message()).data, '3probe');
      const q2 = track(new WsQueue(wsUrl(srv, `sid=${sid}`)));
      const first = await q2.next((x) => x.type !== 'error', 2000);
      assert.equal(first.type, 'open', `second socket: ${JSON.stringify(first)}`);
      await q2.waitClose(2000);
      q.send('5');
      q.send('4ok');
      assert.equal((await q.appMessage()).data, '4ok');
    });

    test('a packet other than 2probe/5 on the probing WebSocket aborts the upgrade; polling continues', T, async () => {
      const { sid } = await handshake(srv);
      const q = track(new WsQueue(wsUrl(srv, `sid=${sid}`)));
      await q.open();
      q.send('4oops');
      await q.waitClose(2000);
      assert.equal((await post(srv, sid, '4poll')).text, 'ok');
      const g = await get(srv, sid);
      assert.equal(g.status, 200);
      assert.equal(g.text, '4poll');
    });

    test('pings keep flowing on polling while the probe is in progress', T, async () => {
      const { sid } = await handshake(srv);
      const q = track(new WsQueue(wsUrl(srv, `sid=${sid}`)));
      await q.open();
      // Probe opened but 2probe not sent yet: the polling session is still the transport.
      const g = await get(srv, sid);
      assert.equal(g.text, '2');
      assert.equal((await post(srv, sid, '3')).text, 'ok');
      q.send('2probe');
      assert.equal((await q.message()).data, '3probe');
      q.send('5');
      q.send('4done');
      assert.equal((await q.appMessage()).data, '4done');
    });
  });

  test('the server process survived the whole battery', T, () => {
    assert.equal(srv.exited(), null, `server exited: ${JSON.stringify(srv.exited())}\n${srv.stderr().slice(-2000)}`);
  });
});

// The options with their defaults, and the reason the server's close event gives, on
// tests/servers/http_test_server (an Engine.IO echo that prints "eio closed sid=S reason=R";
// the text message "close-me" makes it close the session itself).
describe('Engine.IO options and close reasons (http_test_server --eio)', { skip: isRef && 'our server only' }, () => {
  const S = {};
  before(async () => {
    const mk = async (name, args) => {
      const p = await spawnServer('http_test_server', args);
      S[name] = { p, port: p.port, base: `http://127.0.0.1:${p.port}/engine.io/`, wsBase: `ws://127.0.0.1:${p.port}/engine.io/` };
    };
    await mk('def', ['--eio']);
    await mk('poll', ['--eio-transports', 'polling']);
    await mk('ws', ['--eio-transports', 'websocket']);
    await mk('noup', ['--eio-no-upgrades']);
    await mk('upto', ['--eio-upgrade-timeout', '200']);
    await mk('hb', ['--eio-ping', '300,200']);
    await mk('allow', ['--eio-allow-request', '--cors', '*']);
  });
  afterEach(() => {
    for (const x of live.splice(0)) x.destroy ? x.destroy() : x.close();
  });
  after(async () => {
    for (const s of Object.values(S)) {
      const r = await s.p.stop();
      assert.deepEqual(r, { code: 0, signal: null }, s.p.stderr());
    }
  });

  // The reason the server gave when it closed sid (whenever that was).
  const reasonOf = async (s, sid) => (await s.p.waitForLine(new RegExp(`eio closed sid=${sid} reason=(.*)`), 4000, 0))[1];
  // A refused WebSocket handshake: its HTTP status and body.
  const refusedWs = async (url) => {
    const q = track(new WsQueue(url));
    const e = await q.next((x) => x.type !== 'error');
    assert.equal(e.type, 'unexpected-response', JSON.stringify(e));
    return [e.status, e.body];
  };

  test('defaults: path /engine.io/, pingInterval 25000, pingTimeout 20000, maxPayload 1000000, upgrades', T, async () => {
    const { open } = await handshake(S.def);
    assert.deepEqual(Object.keys(open), ['sid', 'upgrades', 'pingInterval', 'pingTimeout', 'maxPayload']);
    assert.deepEqual([open.upgrades, open.pingInterval, open.pingTimeout, open.maxPayload], [['websocket'], 25000, 20000, 1000000]);
    const { q, open: wopen } = await wsHandshake(S.def);
    track(q);
    assert.deepEqual([wopen.upgrades, wopen.pingInterval, wopen.pingTimeout, wopen.maxPayload], [[], 25000, 20000, 1000000]);
  });

  test('a session answers only GET and POST polls: other methods and a WebSocket session get 400 code 3, the session goes on', T, async () => {
    // (The reference answers such methods 500: never a server error for a client's mistake.)
    const { sid } = await handshake(S.def);
    for (const method of ['PUT', 'DELETE', 'PATCH']) assertError(await request(pollUrl(S.def, `sid=${sid}`), { method, body: '4x' }), 3);
    assert.equal((await post(S.def, sid, '4still')).text, 'ok');
    assert.equal((await get(S.def, sid)).text, '4still');
    const { q, sid: wsid } = await wsHandshake(S.def);
    track(q);
    for (const method of ['GET', 'POST', 'PUT']) {
      const res = await request(`${S.def.base}?EIO=4&transport=websocket&sid=${wsid}`, { method, body: method === 'GET' ? undefined : '4x' });
      assertError(res, 3);
    }
  });

  test('transports: polling only offers no upgrade and refuses WebSocket with code 0', T, async () => {
    const { sid, open } = await handshake(S.poll);
    assert.deepEqual(open.upgrades, []);
    assert.deepEqual(await refusedWs(wsUrl(S.poll)), [400, 'Transport unknown']);
    assert.deepEqual(await refusedWs(wsUrl(S.poll, `sid=${sid}`)), [400, 'Transport unknown']);
    assert.equal((await post(S.poll, sid, '4still')).text, 'ok');
    assert.equal((await get(S.poll, sid)).text, '4still');
  });

  test('transports: websocket only refuses polling with code 0', T, async () => {
    assertError(await request(pollUrl(S.ws)), 0);
    const { q, open } = await wsHandshake(S.ws);
    track(q);
    assert.deepEqual(open.upgrades, []);
    q.send('4hi');
    assert.equal((await q.appMessage()).data, '4hi');
  });

  test('allow_upgrades off: no upgrade offered, a probe never gets 3probe, polling goes on', T, async () => {
    const { sid, open } = await handshake(S.noup);
    assert.deepEqual(open.upgrades, []);
    const q = track(new WsQueue(wsUrl(S.noup, `sid=${sid}`)));
    q.ws.on('open', () => q.send('2probe'));
    await q.waitClose(3000);
    assert.ok(!q.items.some((x) => x.type === 'message' && x.data === '3probe'), 'no 3probe');
    assert.equal((await post(S.noup, sid, '4poll')).text, 'ok');
    assert.equal((await get(S.noup, sid)).text, '4poll');
  });

  test('upgrade_timeout: a probe that never completes is closed, polling goes on', T, async () => {
    const { sid } = await handshake(S.upto);
    const q = track(new WsQueue(wsUrl(S.upto, `sid=${sid}`)));
    await q.open();
    q.send('2probe');
    assert.equal((await q.message()).data, '3probe');
    // No 5: the server gives up on the probe after upgrade_timeout (200 ms).
    await q.waitClose(3000);
    assert.equal((await post(S.upto, sid, '4poll')).text, 'ok');
    assert.equal((await get(S.upto, sid)).text, '4poll');
  });

  test('code 4: allow_request refuses a handshake (403, CORS headers), after codes 0, 2, 3 and before 5', T, async () => {
    const deny = { 'X-Deny': '1', Origin: 'http://a.example' };
    const r = await request(pollUrl(S.allow), { headers: deny });
    assertError(r, 4, 403);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assertError(await request(`${S.allow.base}?EIO=3&transport=polling`, { headers: deny }), 4, 403);
    assertError(await request(`${S.allow.base}?EIO=4&transport=abc`, { headers: deny }), 0);
    assertError(await request(pollUrl(S.allow), { method: 'POST', body: 'x', headers: deny }), 2);
    assertError(await request(`${S.allow.base}?EIO=4&transport=websocket`, { headers: deny }), 3);
    // The hook sees handshakes only: a request with a sid is not asked.
    const { sid } = await handshake(S.allow);
    assert.equal((await post(S.allow, sid, '4x', { headers: deny })).text, 'ok');
    assert.equal((await get(S.allow, sid, { headers: deny })).text, '4x');
    // A WebSocket handshake refused by the hook: HTTP 403 is not used there, 400 with the text.
    const q = track(new WsQueue(wsUrl(S.allow), { headers: { 'X-Deny': '1' } }));
    const e = await q.next((x) => x.type !== 'error');
    assert.deepEqual([e.type, e.status, e.body], ['unexpected-response', 400, 'Forbidden']);
    const { q: ok } = await wsHandshake(S.allow);
    track(ok);
  });

  test('reason "transport close": a client close packet, a WebSocket the client closes', T, async () => {
    const a = await handshake(S.hb);
    assert.equal((await post(S.hb, a.sid, '1')).text, 'ok');
    assert.equal(await reasonOf(S.hb, a.sid), 'transport close');
    const { q, sid } = await wsHandshake(S.hb);
    q.ws.close();
    assert.equal(await reasonOf(S.hb, sid), 'transport close');
  });

  test('reason "parse error": a POST body that is not a payload', T, async () => {
    const { sid } = await handshake(S.hb);
    assert.equal((await post(S.hb, sid, 'x')).status, 400);
    assert.equal(await reasonOf(S.hb, sid), 'parse error');
  });

  test('reason "transport error": a second GET; a client ping on the WebSocket', T, async () => {
    const a = await handshake(S.hb);
    const held = get(S.hb, a.sid);
    await sleep(50);
    assert.equal((await get(S.hb, a.sid)).status, 400);
    assert.equal((await held).text, '1');
    assert.equal(await reasonOf(S.hb, a.sid), 'transport error');
    const { q, sid } = await wsHandshake(S.hb);
    track(q);
    q.send('2');
    await q.waitClose();
    assert.equal(await reasonOf(S.hb, sid), 'transport error');
  });

  test('reason "forced close": the server closes the session (held GET gets 1; WebSocket closed)', T, async () => {
    const a = await handshake(S.hb);
    const held = get(S.hb, a.sid);
    await sleep(50);
    assert.equal((await post(S.hb, a.sid, '4close-me')).text, 'ok');
    assert.equal((await held).text, '1');
    assert.equal(await reasonOf(S.hb, a.sid), 'forced close');
    const { q, sid } = await wsHandshake(S.hb);
    track(q);
    q.send('4close-me');
    await q.waitClose();
    assert.equal(await reasonOf(S.hb, sid), 'forced close');
  });

  test('reason "ping timeout": a client that never pongs, on polling and on WebSocket', T, async () => {
    const a = await handshake(S.hb);
    assert.equal((await get(S.hb, a.sid)).text, '2'); // the ping, never answered
    const { q, sid } = await wsHandshake(S.hb);
    track(q);
    assert.equal((await q.message(2000)).data, '2');
    await q.waitClose(3000);
    assert.equal(await reasonOf(S.hb, a.sid), 'ping timeout');
    assert.equal(await reasonOf(S.hb, sid), 'ping timeout');
    assertError(await get(S.hb, a.sid), 1);
  });
});
