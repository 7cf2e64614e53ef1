// The HTTP/1.1 server (src/http) against raw sockets and Node's fetch:
// keep-alive, pipelining, bodies, limits, timeouts, CORS and static files.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnServer } from './lib/spawn.mjs';
import { RawConn, rawRequest } from './lib/rawhttp.mjs';
import { WsQueue, errorBody } from './lib/eio.mjs';

const H = 'Host: 127.0.0.1\r\n';

function get(p, extra = '') {
  return `GET ${p} HTTP/1.1\r\n${H}${extra}\r\n`;
}

function noCors(res) {
  for (const k of Object.keys(res.headers)) assert.ok(!k.startsWith('access-control-'), `unexpected ${k}`);
}

// A static root with one file per content type, and, next to it, a secret
// that must never be served (reached by .., encoded dots, or a symlink).
function makeTree() {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'sio-http-'));
  const root = path.join(top, 'root');
  const outside = path.join(top, 'outside');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.mkdirSync(outside);
  const files = {
    'index.html': '<!doctype html><p>root index</p>',
    'app.js': 'console.log(1);',
    'mod.mjs': 'export default 1;',
    'style.css': 'body{}',
    'data.json': '{"a":1}',
    'img.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    'photo.jpg': Buffer.from([0xff, 0xd8, 0xff]),
    'pic.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    'favicon.ico': Buffer.from([0, 0, 1, 0]),
    'notes.txt': 'plain notes',
    'mod.wasm': Buffer.from([0, 0x61, 0x73, 0x6d]),
    'app.js.map': '{"version":3}',
    'font.woff2': Buffer.from('wOF2'),
    'blob.bin': Buffer.from([1, 2, 3]),
    'big.bin': Buffer.alloc(3 * 1024 * 1024, 7),
    'sub/index.html': '<p>sub index</p>',
  };
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(root, name), content);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'TOP-SECRET');
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
  fs.symlinkSync(outside, path.join(root, 'linkdir'));
  fs.symlinkSync(path.join(root, 'notes.txt'), path.join(root, 'inlink.txt')); // stays inside
  return { top, root, files };
}

describe('http: connections, bodies and limits', () => {
  let srv;
  let tree;
  before(async () => {
    tree = makeTree();
    srv = await spawnServer('http_test_server', [
      '--static', tree.root, '--max-body', '1000', '--max-header-bytes', '4096', '--max-headers', '20',
      '--max-write-queue', '65536',
    ]);
  });
  after(async () => {
    const st = await srv?.stop();
    fs.rmSync(tree.top, { recursive: true, force: true });
    assert.deepEqual(st, { code: 0, signal: null }, `clean exit (no handle left open)\n${srv?.stderr()}`);
  });

  it('reuses a keep-alive connection for several requests', async () => {
    const c = await RawConn.open(srv.port);
    for (let i = 0; i < 3; i++) {
      c.write(get(`/query?k=v${i}`));
      const res = await c.readResponse();
      assert.equal(res.status, 200);
      assert.equal(res.text, `v${i}`);
      assert.equal(res.headers.connection, undefined);
    }
    assert.equal(c.closed, false);
    c.destroy();
  });

  it('answers pipelined requests in order, a held one first', async () => {
    const c = await RawConn.open(srv.port);
    c.write(get('/hold?ms=300') + `POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello` + get('/query?k=third'));
    const a = await c.readResponse();
    const b = await c.readResponse();
    const d = await c.readResponse();
    assert.equal(a.text, 'held 300');
    assert.equal(b.text, 'hello');
    assert.equal(d.text, 'third');
    c.destroy();
  });

  it('decodes query values', async () => {
    const res = await fetch(`http://127.0.0.1:${srv.port}/query?x=1&k=a%20b+c%2Bd&k=second`);
    assert.equal(await res.text(), 'a b c+d');
  });

  it('reads Content-Length and chunked bodies', async () => {
    const r1 = await fetch(`http://127.0.0.1:${srv.port}/echo`, { method: 'POST', body: 'x'.repeat(700) });
    assert.equal(r1.status, 200);
    assert.equal(await r1.text(), 'x'.repeat(700));
    const chunked = `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`;
    const r2 = await rawRequest(srv.port, chunked);
    assert.equal(r2.status, 200);
    assert.equal(r2.text, 'hello world');
  });

  it('accepts a body of exactly max-body, refuses one byte more with 413 and closes', async () => {
    const ok = await fetch(`http://127.0.0.1:${srv.port}/echo`, { method: 'POST', body: 'y'.repeat(1000) });
    assert.equal(ok.status, 200);
    assert.equal((await ok.text()).length, 1000);
    const c = await RawConn.open(srv.port);
    c.write(`POST /echo HTTP/1.1\r\n${H}Content-Length: 1001\r\n\r\n` + 'z'.repeat(1001));
    const res = await c.readResponse();
    assert.equal(res.status, 413);
    assert.equal(res.headers.connection, 'close');
    await c.waitClosed();
    c.destroy();
  });

  it('refuses a chunked body over max-body with 413', async () => {
    const c = await RawConn.open(srv.port);
    c.write(`POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n200\r\n${'a'.repeat(512)}\r\n200\r\n${'b'.repeat(512)}\r\n0\r\n\r\n`);
    const res = await c.readResponse();
    assert.equal(res.status, 413);
    await c.waitClosed();
    c.destroy();
  });

  it('sends 100 Continue for Expect: 100-continue', async () => {
    const c = await RawConn.open(srv.port);
    c.write(`POST /echo HTTP/1.1\r\n${H}Content-Length: 4\r\nExpect: 100-continue\r\n\r\n`);
    const cont = await c.readResponse();
    assert.equal(cont.status, 100);
    c.write('ping');
    const res = await c.readResponse();
    assert.equal(res.status, 200);
    assert.equal(res.text, 'ping');
    c.destroy();
  });

  it('answers 431 to too many header bytes, and closes', async () => {
    const c = await RawConn.open(srv.port);
    c.write(get('/echo', `X-Big: ${'a'.repeat(5000)}\r\n`));
    const res = await c.readResponse();
    assert.equal(res.status, 431);
    await c.waitClosed();
    c.destroy();
  });

  it('answers 431 to too many header lines, and closes', async () => {
    let extra = '';
    for (let i = 0; i < 25; i++) extra += `X-H${i}: ${i}\r\n`;
    const c = await RawConn.open(srv.port);
    c.write(get('/echo', extra));
    const res = await c.readResponse();
    assert.equal(res.status, 431);
    await c.waitClosed();
    c.destroy();
  });

  it('answers 400 to a malformed request, and closes', async () => {
    for (const bad of ['GET / HTTP/1.1\r\nNo colon here\r\n\r\n', 'GARBAGE\r\n\r\n', `POST /echo HTTP/1.1\r\n${H}Content-Length: abc\r\n\r\n`]) {
      const c = await RawConn.open(srv.port);
      c.write(bad);
      const res = await c.readResponse();
      assert.equal(res.status, 400, JSON.stringify(bad));
      await c.waitClosed();
      c.destroy();
    }
  });

  it('refuses ambiguous framing (obs-fold, bare LF, chunk line ends, other versions), answering nothing behind it', async () => {
    // A proxy that reads these bytes another way would forward the hidden
    // request as part of the first one's body: it must never be answered.
    const hidden = 'GET /query?k=hidden HTTP/1.1\r\n\r\n';
    const cases = [
      [`POST /echo HTTP/1.1\r\n${H}Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n${hidden}`, 400],
      [`POST /echo HTTP/1.1\r\n${H}Content-Length:\r\n\t0\r\n\r\n${hidden}`, 400],
      [`GET /query?k=a HTTP/1.1\r\nHost:\r\n 127.0.0.1\r\n\r\n${hidden}`, 400],
      [`GET /query?k=a HTTP/1.1\r\n${H}X: a\r\n b\r\n\r\n${hidden}`, 400],
      [`GET /query?k=a HTTP/1.1\n${H}\r\n${hidden}`, 400],
      [`GET /query?k=a HTTP/1.1\r\nHost: 127.0.0.1\n\n${hidden}`, 400],
      [`POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n${hidden}`, 400],
      [`POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1\r\nxXX0\r\n\r\n${hidden}`, 400],
      [`POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\n${hidden}`, 400],
      [`GET /query?k=a HTTP/2.0\r\n${H}\r\n${hidden}`, 505],
      [`GET /query?k=a HTTP/1.2\r\n${H}\r\n${hidden}`, 505],
      [`GET /query?k=a\r\n\r\n${hidden}`, 400],
    ];
    for (const [bad, status] of cases) {
      const c = await RawConn.open(srv.port);
      c.write(bad);
      const res = await c.readResponse();
      assert.equal(res.status, status, JSON.stringify(bad));
      assert.equal(res.headers.connection, 'close', JSON.stringify(bad));
      const rest = await c.waitClosed();
      assert.equal(rest.length, 0, `answered behind ${JSON.stringify(bad)}: ${rest}`);
      c.destroy();
    }
  });

  it('closes HTTP/1.0 connections unless keep-alive is asked for', async () => {
    const c = await RawConn.open(srv.port);
    c.write('GET /query?k=ten HTTP/1.0\r\n\r\n');
    const res = await c.readResponse();
    assert.equal(res.text, 'ten');
    await c.waitClosed();
    c.destroy();
    const k = await RawConn.open(srv.port);
    k.write('GET /query?k=a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    const r1 = await k.readResponse();
    assert.equal(r1.headers.connection, 'keep-alive');
    k.write('GET /query?k=b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    assert.equal((await k.readResponse()).text, 'b');
    k.destroy();
  });

  it('honours Connection: close', async () => {
    const c = await RawConn.open(srv.port);
    c.write(get('/query?k=x', 'Connection: close\r\n'));
    const res = await c.readResponse();
    assert.equal(res.headers.connection, 'close');
    await c.waitClosed();
    c.destroy();
  });

  it('tells a mount of a request whose headers are in, and of its abort', async () => {
    const c = await RawConn.open(srv.port);
    const seen = srv.waitForLine(/early headers body=0/);
    c.write(`POST /early/x HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nabc`);
    await seen;
    const aborted = srv.waitForLine(/early aborted/);
    c.destroy();
    await aborted;
    const res = await rawRequest(srv.port, `POST /early/y HTTP/1.1\r\n${H}Content-Length: 4\r\n\r\nabcd`);
    assert.equal(res.text, 'complete 4 early=1');
  });

  it('sends no CORS headers by default, and OPTIONS is not a preflight', async () => {
    const res = await rawRequest(srv.port, get('/nothing', 'Origin: http://a.example\r\n'));
    assert.equal(res.status, 404);
    noCors(res);
    const opt = await rawRequest(srv.port, `OPTIONS /query HTTP/1.1\r\n${H}Origin: http://a.example\r\nAccess-Control-Request-Method: POST\r\n\r\n`);
    assert.notEqual(opt.status, 204);
    noCors(opt);
  });

  it('serves static files with their content types', async () => {
    const types = {
      'index.html': 'text/html', 'app.js': 'text/javascript', 'mod.mjs': 'text/javascript', 'style.css': 'text/css',
      'data.json': 'application/json', 'img.png': 'image/png', 'photo.jpg': 'image/jpeg', 'pic.svg': 'image/svg+xml',
      'favicon.ico': 'image/x-icon', 'notes.txt': 'text/plain', 'mod.wasm': 'application/wasm',
      'app.js.map': 'application/json', 'font.woff2': 'font/woff2', 'blob.bin': 'application/octet-stream',
    };
    for (const [name, type] of Object.entries(types)) {
      const res = await fetch(`http://127.0.0.1:${srv.port}/${name}`);
      assert.equal(res.status, 200, name);
      assert.equal(res.headers.get('content-type').split(';')[0], type, name);
      const body = Buffer.from(await res.arrayBuffer());
      assert.deepEqual(body, Buffer.from(tree.files[name]), name);
    }
  });

  it('serves a file larger than the write-queue cap', async () => {
    const res = await fetch(`http://127.0.0.1:${srv.port}/big.bin`);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(res.status, 200);
    assert.ok(body.equals(tree.files['big.bin']));
  });

  it('maps / and directories to index.html', async () => {
    assert.equal(await (await fetch(`http://127.0.0.1:${srv.port}/`)).text(), tree.files['index.html']);
    assert.equal(await (await fetch(`http://127.0.0.1:${srv.port}/sub/`)).text(), tree.files['sub/index.html']);
    const redirect = await rawRequest(srv.port, get('/sub'));
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, '/sub/');
    // From the normalised path: "//sub/" would send a browser to the host "sub".
    for (const p of ['//sub', '///sub', '/.//sub', '/%2Fsub', '/%2f/sub']) {
      const res = await rawRequest(srv.port, get(p));
      assert.equal(res.status, 301, p);
      assert.equal(res.headers.location, '/sub/', p);
    }
  });

  it('answers HEAD with the length and no body', async () => {
    const c = await RawConn.open(srv.port);
    c.write(`HEAD /notes.txt HTTP/1.1\r\n${H}\r\n`);
    const res = await c.readResponse({ noBody: true });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], String(tree.files['notes.txt'].length));
    c.write(get('/query?k=after'));
    const next = await c.readResponse();
    assert.equal(next.text, 'after', 'no stray body bytes after the HEAD answer');
    c.destroy();
  });

  it('answers 304 to a matching If-None-Match or If-Modified-Since', async () => {
    const first = await fetch(`http://127.0.0.1:${srv.port}/app.js`);
    await first.text();
    const etag = first.headers.get('etag');
    const lastMod = first.headers.get('last-modified');
    assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.ok(!Number.isNaN(Date.parse(lastMod)));
    const c = await RawConn.open(srv.port);
    c.write(get('/app.js', `If-None-Match: "nope", ${etag}\r\n`));
    const r1 = await c.readResponse({ noBody: true });
    assert.equal(r1.status, 304);
    assert.equal(r1.headers.etag, etag);
    c.write(get('/app.js', `If-Modified-Since: ${lastMod}\r\n`));
    const r2 = await c.readResponse({ noBody: true });
    assert.equal(r2.status, 304);
    c.write(get('/app.js', 'If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n'));
    const r3 = await c.readResponse();
    assert.equal(r3.status, 200);
    assert.equal(r3.text, tree.files['app.js']);
    c.write(get('/app.js', 'If-None-Match: "other"\r\n'));
    assert.equal((await c.readResponse()).status, 200);
    c.destroy();
  });

  it('never serves anything outside the root', async () => {
    // ".." in any spelling, a backslash and an encoded NUL: 403; a symlink
    // leading out, and "%252e%252e" (decoded once: a literal name): 404.
    const attempts = {
      '/../outside/secret.txt': 403, '/sub/../../outside/secret.txt': 403, '/%2e%2e/outside/secret.txt': 403,
      '/%2E%2E%2Foutside%2Fsecret.txt': 403, '/sub/%2e%2e/%2e%2e/outside/secret.txt': 403,
      '/.%2e/outside/secret.txt': 403, '/%2e./outside/secret.txt': 403, '/%2e%2e': 403,
      '/..%5coutside%5csecret.txt': 403, '/%00': 403, '/notes.txt%00.html': 403, '/notes.txt%00': 403,
      '/sub/%00/../../outside/secret.txt': 403,
      '/link.txt': 404, '/linkdir/secret.txt': 404, '/linkdir/': 404, '/%252e%252e/outside/secret.txt': 404,
    };
    for (const [p, status] of Object.entries(attempts)) {
      const res = await rawRequest(srv.port, get(p));
      assert.equal(res.status, status, p);
      assert.ok(!res.text.includes('TOP-SECRET'), p);
    }
    // A raw NUL is not even a valid request line.
    const nul = await rawRequest(srv.port, `GET /a\0b HTTP/1.1\r\n${H}\r\n`);
    assert.equal(nul.status, 400);
    // A symlink that stays inside the root is served.
    const inside = await rawRequest(srv.port, get('/inlink.txt'));
    assert.equal(inside.status, 200);
    assert.equal(inside.text, tree.files['notes.txt']);
  });
});

// The limits with no option set: 16384 header bytes (the request target, plus
// name + value + 4 per line), 100 header lines, 1000000 body bytes.
describe('http: default limits', () => {
  let srv;
  before(async () => {
    srv = await spawnServer('http_test_server', []);
  });
  after(async () => {
    const st = await srv?.stop();
    assert.deepEqual(st, { code: 0, signal: null }, srv?.stderr());
  });

  // A GET of /query?k=ok with `lines` header lines (Host first) counting `bytes` header bytes.
  function sized(lines, bytes) {
    const target = '/query?k=ok';
    const head = [['Host', '127.0.0.1']];
    for (let i = 1; i < lines - 1; i++) head.push([`X-${i}`, 'v']);
    let used = target.length;
    for (const [k, v] of head) used += k.length + v.length + 4;
    const pad = bytes - used - ('X-Pad'.length + 4);
    assert.ok(pad >= 0);
    head.push(['X-Pad', 'p'.repeat(pad)]);
    return `GET ${target} HTTP/1.1\r\n${head.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  }

  it('takes 16384 header bytes, answers 431 to 16385 and closes', async () => {
    const ok = await rawRequest(srv.port, sized(3, 16384));
    assert.equal(ok.status, 200);
    assert.equal(ok.text, 'ok');
    const c = await RawConn.open(srv.port);
    c.write(sized(3, 16385));
    const res = await c.readResponse();
    assert.equal(res.status, 431);
    assert.equal(res.headers.connection, 'close');
    await c.waitClosed();
    c.destroy();
  });

  it('takes 100 header lines, answers 431 to 101 and closes', async () => {
    const ok = await rawRequest(srv.port, sized(100, 2000));
    assert.equal(ok.status, 200);
    const c = await RawConn.open(srv.port);
    c.write(sized(101, 2000));
    const res = await c.readResponse();
    assert.equal(res.status, 431);
    assert.equal(res.headers.connection, 'close');
    await c.waitClosed();
    c.destroy();
  });

  it('takes a body of 1000000 bytes, answers 413 to 1000001 and closes', async () => {
    const body = Buffer.alloc(1000000, 'b');
    const ok = await fetch(`http://127.0.0.1:${srv.port}/echo`, { method: 'POST', body });
    assert.equal(ok.status, 200);
    assert.ok(Buffer.from(await ok.arrayBuffer()).equals(body));
    const c = await RawConn.open(srv.port);
    c.write(`POST /echo HTTP/1.1\r\n${H}Content-Length: 1000001\r\n\r\n`);
    const res = await c.readResponse();
    assert.equal(res.status, 413);
    assert.equal(res.headers.connection, 'close');
    await c.waitClosed();
    c.destroy();
    // Chunked: the same limit, counted as the chunks arrive.
    const k = await RawConn.open(srv.port);
    const chunk = 'c'.repeat(100000);
    let req = `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n`;
    for (let i = 0; i < 11; i++) req += `${(100000).toString(16)}\r\n${chunk}\r\n`;
    k.write(req + '0\r\n\r\n');
    const kr = await k.readResponse();
    assert.equal(kr.status, 413);
    await k.waitClosed();
    k.destroy();
  });
});

describe('http: timeouts', () => {
  let srv;
  before(async () => {
    srv = await spawnServer('http_test_server', ['--request-timeout', '300', '--keepalive-timeout', '300']);
  });
  after(async () => {
    const st = await srv?.stop();
    assert.deepEqual(st, { code: 0, signal: null }, srv?.stderr());
  });

  it('answers 408 to headers that never finish (slowloris), and closes', async () => {
    const c = await RawConn.open(srv.port);
    c.write(`GET /query?k=slow HTTP/1.1\r\n${H}X-Slow: 1\r\n`);
    const res = await c.readResponse();
    assert.equal(res.status, 408);
    await c.waitClosed();
    c.destroy();
  });

  it('answers 408 to a body that never finishes', async () => {
    const c = await RawConn.open(srv.port);
    c.write(`POST /echo HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nabc`);
    const res = await c.readResponse();
    assert.equal(res.status, 408);
    await c.waitClosed();
    c.destroy();
  });

  it('closes an idle keep-alive connection silently', async () => {
    const c = await RawConn.open(srv.port);
    c.write(get('/query?k=idle'));
    assert.equal((await c.readResponse()).text, 'idle');
    const rest = await c.waitClosed();
    assert.equal(rest.length, 0, 'no bytes before the close');
    c.destroy();
  });

  it('closes a connection that never sends a byte', async () => {
    const c = await RawConn.open(srv.port);
    const rest = await c.waitClosed();
    assert.equal(rest.length, 0);
    c.destroy();
  });

  it('keeps a held request past the timeouts', async () => {
    const c = await RawConn.open(srv.port);
    c.write(get('/hold?ms=700'));
    const res = await c.readResponse();
    assert.equal(res.text, 'held 700');
    c.destroy();
  });
});

describe('http: CORS "*"', () => {
  let srv;
  before(async () => {
    srv = await spawnServer('http_test_server', ['--cors', '*', '--max-body', '10', '--max-headers', '10', '--request-timeout', '300']);
  });
  after(async () => {
    const st = await srv?.stop();
    assert.deepEqual(st, { code: 0, signal: null }, srv?.stderr());
  });

  it('answers a preflight with 204 before any route sees it', async () => {
    const res = await rawRequest(srv.port, `OPTIONS /ws/anything HTTP/1.1\r\n${H}Origin: http://a.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type, x-custom\r\n\r\n`);
    assert.equal(res.status, 204);
    assert.equal(res.headers['content-length'], '0');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-allow-methods'], 'GET,HEAD,PUT,PATCH,POST,DELETE');
    assert.equal(res.headers['access-control-allow-headers'], 'content-type, x-custom');
    assert.match(res.headers.vary, /Access-Control-Request-Headers/);
  });

  it('puts Access-Control-Allow-Origin on every response, errors included', async () => {
    const ok = await fetch(`http://127.0.0.1:${srv.port}/query?k=1`, { headers: { Origin: 'http://a.example' } });
    assert.equal(ok.headers.get('access-control-allow-origin'), '*');
    const nf = await rawRequest(srv.port, get('/missing', 'Origin: http://a.example\r\n'));
    assert.equal(nf.status, 404);
    assert.equal(nf.headers['access-control-allow-origin'], '*');
    const big = await rawRequest(srv.port, `POST /echo HTTP/1.1\r\n${H}Origin: http://a.example\r\nContent-Length: 11\r\n\r\n${'x'.repeat(11)}`);
    assert.equal(big.status, 413);
    assert.equal(big.headers['access-control-allow-origin'], '*');
    const noOrigin = await rawRequest(srv.port, get('/missing'));
    assert.equal(noOrigin.headers['access-control-allow-origin'], '*');
    // The errors HTTP itself makes: 400, 431, 408.
    const bad = await rawRequest(srv.port, 'GARBAGE\r\n\r\n');
    assert.equal(bad.status, 400);
    assert.equal(bad.headers['access-control-allow-origin'], '*');
    let many = 'Origin: http://a.example\r\n';
    for (let i = 0; i < 12; i++) many += `X-${i}: ${i}\r\n`;
    const tooMany = await rawRequest(srv.port, get('/query?k=1', many));
    assert.equal(tooMany.status, 431);
    assert.equal(tooMany.headers['access-control-allow-origin'], '*');
    const slow = await rawRequest(srv.port, `POST /echo HTTP/1.1\r\n${H}Origin: http://a.example\r\nContent-Length: 5\r\n\r\nab`);
    assert.equal(slow.status, 408);
    assert.equal(slow.headers['access-control-allow-origin'], '*');
  });
});

describe('http: CORS list with credentials', () => {
  let srv;
  before(async () => {
    srv = await spawnServer('http_test_server', ['--cors', 'http://a.example, http://b.example', '--credentials', '--max-body', '10']);
  });
  after(async () => {
    const st = await srv?.stop();
    assert.deepEqual(st, { code: 0, signal: null }, srv?.stderr());
  });

  it('reflects an allowed Origin with credentials', async () => {
    const res = await rawRequest(srv.port, get('/query?k=1', 'Origin: http://b.example\r\n'));
    assert.equal(res.headers['access-control-allow-origin'], 'http://b.example');
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    assert.match(res.headers.vary, /Origin/);
    const pre = await rawRequest(srv.port, `OPTIONS /echo HTTP/1.1\r\n${H}Origin: http://a.example\r\nAccess-Control-Request-Method: POST\r\n\r\n`);
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'http://a.example');
    assert.equal(pre.headers['access-control-allow-credentials'], 'true');
  });

  it('gives nothing to another origin', async () => {
    const res = await rawRequest(srv.port, get('/query?k=1', 'Origin: http://evil.example\r\n'));
    assert.equal(res.status, 200);
    noCors(res);
    const pre = await rawRequest(srv.port, `OPTIONS /echo HTTP/1.1\r\n${H}Origin: http://evil.example\r\n\r\n`);
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
  });

  it('reflects an allowed Origin on errors too, and nothing for another', async () => {
    for (const [req, status] of [
      [get('/missing', 'Origin: http://a.example\r\n'), 404],
      [`POST /echo HTTP/1.1\r\n${H}Origin: http://a.example\r\nContent-Length: 11\r\n\r\n${'x'.repeat(11)}`, 413],
    ]) {
      const res = await rawRequest(srv.port, req);
      assert.equal(res.status, status);
      assert.equal(res.headers['access-control-allow-origin'], 'http://a.example');
      assert.equal(res.headers['access-control-allow-credentials'], 'true');
      const other = await rawRequest(srv.port, req.replace('http://a.example', 'http://evil.example'));
      assert.equal(other.status, status);
      noCors(other);
    }
  });
});

describe('http: CORS callback', () => {
  let srv;
  before(async () => {
    srv = await spawnServer('http_test_server', ['--cors-suffix', '.good.example']);
  });
  after(async () => {
    const st = await srv?.stop();
    assert.deepEqual(st, { code: 0, signal: null }, srv?.stderr());
  });

  it('lets the callback decide per Origin, errors and preflights included', async () => {
    const ok = await rawRequest(srv.port, get('/query?k=1', 'Origin: http://a.good.example\r\n'));
    assert.equal(ok.headers['access-control-allow-origin'], 'http://a.good.example');
    assert.match(ok.headers.vary, /Origin/);
    assert.equal(ok.headers['access-control-allow-credentials'], undefined);
    const nf = await rawRequest(srv.port, get('/missing', 'Origin: https://b.good.example\r\n'));
    assert.equal(nf.status, 404);
    assert.equal(nf.headers['access-control-allow-origin'], 'https://b.good.example');
    const pre = await rawRequest(srv.port, `OPTIONS /echo HTTP/1.1\r\n${H}Origin: http://a.good.example\r\nAccess-Control-Request-Method: POST\r\n\r\n`);
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'http://a.good.example');
    for (const o of ['http://evil.example', 'http://good.example.evil']) {
      const res = await rawRequest(srv.port, get('/query?k=1', `Origin: ${o}\r\n`));
      assert.equal(res.status, 200);
      noCors(res);
    }
  });
});

// The Origin check of the Engine.IO path (python-engineio's rule): with no CORS
// configured only the same origin (scheme://Host) is accepted, on polling and
// on WebSocket upgrades; with CORS configured, the origins it allows.
describe('http: Origin checks on the Engine.IO path', () => {
  const servers = {};
  before(async () => {
    servers.none = await spawnServer('http_test_server', ['--eio', '--no-app']);
    servers.list = await spawnServer('http_test_server', ['--eio', '--cors', 'http://a.example']);
    servers.cb = await spawnServer('http_test_server', ['--eio', '--cors-suffix', '.good.example']);
  });
  after(async () => {
    for (const srv of Object.values(servers)) {
      const st = await srv.stop();
      assert.deepEqual(st, { code: 0, signal: null }, srv.stderr());
    }
  });

  const pollPath = '/engine.io/?EIO=4&transport=polling';
  async function poll(port, origin) {
    const o = origin ? `Origin: ${origin}\r\n` : '';
    return rawRequest(port, `GET ${pollPath} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${o}\r\n`);
  }
  // A WebSocket-first handshake from origin: 'open' (101 and the open packet) or the HTTP status.
  async function upgrade(port, origin) {
    const q = new WsQueue(`ws://127.0.0.1:${port}/engine.io/?EIO=4&transport=websocket`, origin ? { origin } : {});
    try {
      const e = await q.next((x) => x.type === 'message' || x.type === 'unexpected-response' || x.type === 'close');
      if (e.type === 'message') {
        assert.equal(e.data[0], '0', 'the open packet first');
        return 'open';
      }
      if (e.type === 'unexpected-response') {
        assert.equal(e.body, 'Bad request');
        return e.status;
      }
      return `close ${e.code}`;
    } finally {
      q.destroy();
    }
  }

  it('no CORS: same origin or no Origin only, on polling and upgrades; nothing else claims a path: 404', async () => {
    const port = servers.none.port;
    const same = `http://127.0.0.1:${port}`;
    // https://Host too: the scheme a TLS proxy in front of the server gives.
    for (const o of [undefined, same, `https://127.0.0.1:${port}`]) {
      const r = await poll(port, o);
      assert.equal(r.status, 200, String(o));
      assert.equal(r.text[0], '0');
      noCors(r);
      assert.equal(await upgrade(port, o), 'open', String(o));
    }
    for (const o of ['http://evil.example', `http://127.0.0.1:${port + 1}`, 'http://127.0.0.1', 'null']) {
      const r = await poll(port, o);
      assert.equal(r.status, 400, o);
      assert.equal(r.text, errorBody(3), o);
      noCors(r);
      assert.equal(await upgrade(port, o), 400, o);
    }
    const nf = await rawRequest(port, get('/elsewhere'));
    assert.equal(nf.status, 404);
  });

  it('CORS list: the listed origins only, reflected on polling', async () => {
    const port = servers.list.port;
    const ok = await poll(port, 'http://a.example');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], 'http://a.example');
    assert.equal(await upgrade(port, 'http://a.example'), 'open');
    for (const o of ['http://b.example', `http://127.0.0.1:${port}`]) {
      const r = await poll(port, o);
      assert.equal(r.status, 400, o);
      assert.equal(r.text, errorBody(3));
      assert.equal(await upgrade(port, o), 400, o);
    }
  });

  it('CORS callback: decides on polling and upgrades', async () => {
    const port = servers.cb.port;
    const ok = await poll(port, 'http://x.good.example');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], 'http://x.good.example');
    assert.equal(await upgrade(port, 'http://x.good.example'), 'open');
    assert.equal((await poll(port, 'http://evil.example')).status, 400);
    assert.equal(await upgrade(port, 'http://evil.example'), 400);
  });
});
