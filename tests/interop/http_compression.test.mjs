// HTTP compression of Engine.IO polling responses and static files, checked on the wire
// (raw node:http requests, which neither send Accept-Encoding nor decode bodies).
//
// The polling part also runs against the Node reference (SIO_EIO_SERVER=ref), which
// compresses polling bodies of 1024 bytes and more with the coding Accept-Encoding
// prefers (on equal q, the one the client lists first). Differences the tests allow:
// the reference streams a compressed body chunked (no Content-Length) and sends no Vary.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnServer } from './lib/spawn.mjs';
import { isRef, startServer, handshake, post, waitSessionGone } from './lib/eio.mjs';

// One request; resolves { status, headers, body (Buffer, as sent) }.
function raw(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function decode(res) {
  const enc = res.headers['content-encoding'];
  if (enc === 'gzip') return zlib.gunzipSync(res.body).toString();
  if (enc === 'deflate') return zlib.inflateSync(res.body).toString();
  assert.equal(enc, undefined);
  return res.body.toString();
}

// The Content-Length, when the server sent one, is the size on the wire.
function checkLength(res) {
  const cl = res.headers['content-length'];
  if (cl !== undefined) assert.equal(Number(cl), res.body.length);
  else assert.ok(isRef, 'our server always sends Content-Length');
}

// ---------------------------------------------------------------- polling

// Ours with long ping times, so a slow machine never loses the session between requests.
async function startPolling(extra = []) {
  if (isRef && extra.length === 0) return startServer();
  const s = await spawnServer('http_test_server', ['--eio', '--eio-ping', '20000,20000', ...extra]);
  return { ...s, base: `http://127.0.0.1:${s.port}/engine.io/` };
}

// Posts message text `msg` (the server echoes it), then polls it back with the headers.
async function echoPoll(srv, msg, headers) {
  const { sid } = await handshake(srv);
  const p = await post(srv, sid, '4' + msg);
  assert.equal(p.status, 200);
  const res = await raw(`${srv.base}?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`, { headers });
  assert.equal(res.status, 200);
  const packets = decode(res).split('\x1e');
  assert.ok(packets.includes('4' + msg), 'the echo is in the payload');
  return res;
}

const BIG = 'compressible '.repeat(400); // 5200 bytes
const SMALL = 'tiny';

describe(`http compression: polling responses (${isRef ? 'ref' : 'ours'})`, () => {
  let srv;
  before(async () => {
    srv = await startPolling();
  });
  after(async () => {
    await srv?.stop();
  });

  it('compresses a response over the threshold with gzip', async () => {
    const res = await echoPoll(srv, BIG, { 'Accept-Encoding': 'gzip' });
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.ok(res.body.length < BIG.length / 4, `${res.body.length} bytes on the wire`);
    checkLength(res);
    if (!isRef) assert.match(res.headers.vary ?? '', /Accept-Encoding/i);
  });

  it('uses deflate when the client lists it first or refuses gzip', async () => {
    for (const ae of ['deflate, gzip', 'gzip;q=0, deflate', 'gzip;q=0.5, deflate;q=0.9']) {
      const res = await echoPoll(srv, BIG, { 'Accept-Encoding': ae });
      assert.equal(res.headers['content-encoding'], 'deflate', ae);
      assert.equal(res.body[0] & 0x0f, 8, 'zlib format'); // what HTTP's "deflate" means
      checkLength(res);
    }
  });

  it('prefers gzip when the client lists it first or with "*"', async () => {
    for (const ae of ['gzip, deflate', 'gzip, deflate, br', '*']) {
      const res = await echoPoll(srv, BIG, { 'Accept-Encoding': ae });
      assert.equal(res.headers['content-encoding'], 'gzip', ae);
    }
  });

  it('sends identity when nothing acceptable is offered', async () => {
    for (const ae of [undefined, 'br', 'identity', 'gzip;q=0, deflate;q=0']) {
      const res = await echoPoll(srv, BIG, ae === undefined ? {} : { 'Accept-Encoding': ae });
      assert.equal(res.headers['content-encoding'], undefined, String(ae));
      assert.ok(res.body.length > BIG.length);
      checkLength(res);
    }
  });

  it('leaves a response under the threshold uncompressed', async () => {
    const res = await echoPoll(srv, SMALL, { 'Accept-Encoding': 'gzip, deflate' });
    assert.equal(res.headers['content-encoding'], undefined);
    checkLength(res);
  });

  it('never inflates a request body: a gzip POST ends the session', async () => {
    const { sid } = await handshake(srv);
    const body = zlib.gzipSync('4hello');
    const res = await raw(`${srv.base}?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`, {
      method: 'POST',
      headers: { 'Content-Encoding': 'gzip', 'Content-Type': 'text/plain;charset=UTF-8' },
      body,
    });
    // The reference answers "ok" and closes the session on the parse error; ours
    // answers 400 for the unparsable payload and closes it too.
    if (!isRef) assert.equal(res.status, 400);
    const gone = await waitSessionGone(srv, sid);
    assert.equal(gone.status, 400);
  });
});

describe('http compression: options (ours)', { skip: isRef }, () => {
  let off;
  let low;
  before(async () => {
    off = await startPolling(['--no-compression']);
    low = await startPolling(['--compression-threshold', '3']);
  });
  after(async () => {
    await off?.stop();
    await low?.stop();
  });

  it('with compression off, never compresses', async () => {
    const res = await echoPoll(off, BIG, { 'Accept-Encoding': 'gzip, deflate' });
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers.vary, undefined);
    checkLength(res);
  });

  it('a lower threshold compresses small responses too', async () => {
    const res = await echoPoll(low, SMALL.repeat(4), { 'Accept-Encoding': 'gzip' });
    // Compressing 17 bytes gains nothing: sent as they are, but the answer still varies.
    assert.equal(res.headers['content-encoding'], undefined);
    assert.match(res.headers.vary ?? '', /Accept-Encoding/i);
    const big = await echoPoll(low, 'a'.repeat(100), { 'Accept-Encoding': 'gzip' });
    assert.equal(big.headers['content-encoding'], 'gzip');
    checkLength(big);
  });

  it('the servers close cleanly (no leak under a sanitizer or valgrind)', async () => {
    assert.deepEqual(await off.stop(), { code: 0, signal: null });
    assert.deepEqual(await low.stop(), { code: 0, signal: null });
  });
});

// ---------------------------------------------------------------- static files

describe('http compression: static files (ours)', { skip: isRef }, () => {
  let srv;
  let off;
  let top;
  const text = 'function f() { return "static"; }\n'.repeat(200); // 7000 bytes
  const css = 'body { color: red; }\n'.repeat(200);
  const cssGz = zlib.gzipSync(css, { level: 1 }); // differs from what we would make on the fly
  const url = (s, p) => `http://127.0.0.1:${s.port}/${p}`;

  before(async () => {
    top = fs.mkdtempSync(path.join(os.tmpdir(), 'sio-gzip-'));
    fs.writeFileSync(path.join(top, 'app.js'), text);
    fs.writeFileSync(path.join(top, 'site.css'), css);
    fs.writeFileSync(path.join(top, 'site.css.gz'), cssGz);
    fs.writeFileSync(path.join(top, 'small.txt'), 'small file');
    fs.writeFileSync(path.join(top, 'pic.png'), Buffer.alloc(5000, 1));
    srv = await spawnServer('http_test_server', ['--static', top]);
    off = await spawnServer('http_test_server', ['--static', top, '--no-compression']);
  });
  after(async () => {
    await srv?.stop();
    await off?.stop();
    if (top) fs.rmSync(top, { recursive: true, force: true });
  });

  it('compresses a text file on the fly, with an ETag per encoding', async () => {
    const plain = await raw(url(srv, 'app.js'));
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body.toString(), text);
    assert.match(plain.headers.vary ?? '', /Accept-Encoding/i);
    const gz = await raw(url(srv, 'app.js'), { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.match(gz.headers['content-type'], /^text\/javascript/);
    assert.match(gz.headers.vary ?? '', /Accept-Encoding/i);
    checkLength(gz);
    assert.ok(gz.body.length < text.length / 4);
    assert.equal(zlib.gunzipSync(gz.body).toString(), text);
    const df = await raw(url(srv, 'app.js'), { headers: { 'Accept-Encoding': 'deflate' } });
    assert.equal(df.headers['content-encoding'], 'deflate');
    assert.equal(zlib.inflateSync(df.body).toString(), text);
    const tags = [plain, gz, df].map((r) => r.headers.etag);
    assert.equal(new Set(tags).size, 3, tags.join(' '));
    assert.match(gz.headers.etag, /-gzip"$/);
    assert.match(df.headers.etag, /-deflate"$/);
  });

  it('conditional requests match the ETag of the encoding asked for', async () => {
    const gz = await raw(url(srv, 'app.js'), { headers: { 'Accept-Encoding': 'gzip' } });
    const plain = await raw(url(srv, 'app.js'));
    const hit = await raw(url(srv, 'app.js'), {
      headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.headers.etag },
    });
    assert.equal(hit.status, 304);
    assert.equal(hit.body.length, 0);
    assert.equal(hit.headers.etag, gz.headers.etag);
    assert.equal(Number(hit.headers['content-length']), gz.body.length);
    // The identity ETag does not validate the gzip representation, nor the reverse.
    const miss = await raw(url(srv, 'app.js'), {
      headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': plain.headers.etag },
    });
    assert.equal(miss.status, 200);
    const miss2 = await raw(url(srv, 'app.js'), { headers: { 'If-None-Match': gz.headers.etag } });
    assert.equal(miss2.status, 200);
    assert.equal(miss2.body.toString(), text);
    const hit2 = await raw(url(srv, 'app.js'), { headers: { 'If-None-Match': plain.headers.etag } });
    assert.equal(hit2.status, 304);
  });

  it('HEAD announces the compressed length', async () => {
    const gz = await raw(url(srv, 'app.js'), { headers: { 'Accept-Encoding': 'gzip' } });
    const head = await raw(url(srv, 'app.js'), { method: 'HEAD', headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-encoding'], 'gzip');
    assert.equal(Number(head.headers['content-length']), gz.body.length);
    assert.equal(head.body.length, 0);
  });

  it('serves a precompressed .gz sibling when gzip is accepted', async () => {
    const gz = await raw(url(srv, 'site.css'), { headers: { 'Accept-Encoding': 'deflate;q=0.5, gzip;q=0.1' } });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.match(gz.headers['content-type'], /^text\/css/);
    assert.match(gz.headers.vary ?? '', /Accept-Encoding/i);
    assert.deepEqual(gz.body, cssGz, 'the sibling byte for byte');
    checkLength(gz);
    assert.match(gz.headers.etag, /-gzip"$/);
    const again = await raw(url(srv, 'site.css'), {
      headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.headers.etag },
    });
    assert.equal(again.status, 304);
    // gzip refused: deflate on the fly; nothing accepted: the file itself, still varying.
    const df = await raw(url(srv, 'site.css'), { headers: { 'Accept-Encoding': 'gzip;q=0, deflate' } });
    assert.equal(df.headers['content-encoding'], 'deflate');
    assert.equal(zlib.inflateSync(df.body).toString(), css);
    const plain = await raw(url(srv, 'site.css'));
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body.toString(), css);
    assert.match(plain.headers.vary ?? '', /Accept-Encoding/i);
  });

  it('leaves small files and images alone', async () => {
    const small = await raw(url(srv, 'small.txt'), { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(small.headers.vary, undefined);
    assert.equal(small.body.toString(), 'small file');
    const png = await raw(url(srv, 'pic.png'), { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(png.headers['content-encoding'], undefined);
    assert.equal(png.body.length, 5000);
  });

  it('with compression off, serves files as they are', async () => {
    for (const p of ['app.js', 'site.css']) {
      const res = await raw(url(off, p), { headers: { 'Accept-Encoding': 'gzip, deflate' } });
      assert.equal(res.headers['content-encoding'], undefined, p);
      assert.equal(res.headers.vary, undefined, p);
      assert.doesNotMatch(res.headers.etag, /-gzip|-deflate/);
      checkLength(res);
    }
  });

  it('the servers close cleanly (no leak under a sanitizer or valgrind)', async () => {
    assert.deepEqual(await srv.stop(), { code: 0, signal: null });
    assert.deepEqual(await off.stop(), { code: 0, signal: null });
  });
});
