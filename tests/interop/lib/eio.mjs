// Helpers for the Engine.IO interop tests: start the server under test, raw polling
// requests with fetch, raw WebSocket clients with a message queue, raw HTTP over node:net.
//
// Server choice: SIO_EIO_SERVER=ref runs the Node reference (ref/eio_ref_server.mjs),
// anything else runs the build's conformance_server (found by lib/spawn.mjs).
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { spawnServer } from './spawn.mjs';

export { sleep, WebSocket };

const here = path.dirname(fileURLToPath(import.meta.url));

export const isRef = process.env.SIO_EIO_SERVER === 'ref';
export const serverKind = isRef ? 'ref' : 'ours';

// The conformance server's fixed settings (tools/conformance_server).
export const PING_INTERVAL = 300;
export const PING_TIMEOUT = 200;
export const MAX_PAYLOAD = 1000000;

// Spawns `cmd args`, resolves once stdout says `listening on 127.0.0.1:PORT`. Used for the
// Node reference server (lib/spawn.mjs only runs programs of the build).
function spawnListening(cmd, args, { timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done = false;
    const timer = setTimeout(() => fail(new Error(`${cmd}: no listening line after ${timeoutMs} ms`)), timeoutMs);
    function fail(e) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      e.message += `\nstdout: ${out.slice(-2000)}\nstderr: ${err.slice(-2000)}`;
      reject(e);
    }
    child.on('error', fail);
    child.on('exit', (code, sig) => fail(new Error(`${cmd} exited early (code ${code}, signal ${sig})`)));
    child.stderr.on('data', (d) => {
      err += d;
      if (err.length > 65536) err = err.slice(-32768);
      if (process.env.SIO_TEST_VERBOSE) process.stderr.write(d);
    });
    child.stdout.on('data', (d) => {
      out += d;
      if (process.env.SIO_TEST_VERBOSE) process.stderr.write(d);
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), stderr: () => err });
      }
    });
  });
}

// Starts the server under test. Returns { port, base, wsBase, origin, exited(), stderr(), stop() }.
// base is 'http://127.0.0.1:PORT/engine.io/'.
export async function startServer() {
  let child;
  let port;
  let stderr;
  if (isRef) {
    const args = [path.join(here, '..', 'ref', 'eio_ref_server.mjs'), '--port', '0'];
    ({ child, port, stderr } = await spawnListening(process.execPath, args));
  } else {
    // ${SIO_BIN_DIR}/tests/conformance_server (or ${SIO_BIN_DIR}/conformance_server).
    const s = await spawnServer('conformance_server');
    ({ proc: child, port, stderr } = s);
  }
  let exited = child.exitCode !== null || child.signalCode !== null ? { code: child.exitCode, signal: child.signalCode } : null;
  const exitP = new Promise((r) => child.on('exit', (code, signal) => r((exited = { code, signal }))));
  return {
    port,
    base: `http://127.0.0.1:${port}/engine.io/`,
    wsBase: `ws://127.0.0.1:${port}/engine.io/`,
    origin: `http://127.0.0.1:${port}`,
    // null while running, else { code, signal }.
    exited: () => exited,
    stderr,
    async stop() {
      if (exited) return exited;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      const r = await exitP;
      clearTimeout(t);
      return r;
    },
  };
}

// ---------------------------------------------------------------- polling (fetch)

// One HTTP request; resolves { status, headers, text }.
export async function request(url, { method = 'GET', body, headers, signal } = {}) {
  const res = await fetch(url, { method, body, headers, signal });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

export function pollUrl(srv, query = '') {
  return `${srv.base}?EIO=4&transport=polling${query ? '&' + query : ''}`;
}

// Opens a polling session; returns { sid, open (parsed JSON), raw, res }.
export async function handshake(srv) {
  const res = await request(pollUrl(srv));
  if (res.status !== 200 || res.text[0] !== '0') throw new Error(`handshake failed: ${res.status} ${res.text}`);
  const open = JSON.parse(res.text.slice(1));
  return { sid: open.sid, open, raw: res.text, res };
}

export function get(srv, sid, opts = {}) {
  return request(pollUrl(srv, `sid=${encodeURIComponent(sid)}`), opts);
}

export function post(srv, sid, body, opts = {}) {
  return request(pollUrl(srv, `sid=${encodeURIComponent(sid)}`), { ...opts, method: 'POST', body });
}

export function errorBody(code) {
  const messages = {
    0: 'Transport unknown',
    1: 'Session ID unknown',
    2: 'Bad handshake method',
    3: 'Bad request',
    4: 'Forbidden',
    5: 'Unsupported protocol version',
  };
  return JSON.stringify({ code, message: messages[code] });
}

// GETs until the session is gone (400 code 1), for at most `ms`; returns the last response.
// A held GET is aborted only at the deadline (an abort itself may close a polling session).
export async function waitSessionGone(srv, sid, ms = 2000) {
  const end = Date.now() + ms;
  let r;
  do {
    r = await get(srv, sid, { signal: AbortSignal.timeout(Math.max(50, end - Date.now())) }).catch((e) => ({
      status: -1,
      text: String(e),
    }));
    if (r.status === 400 && r.text === errorBody(1)) return r;
    await sleep(20);
  } while (Date.now() < end);
  return r;
}

// ---------------------------------------------------------------- WebSocket (ws)

// A ws client that queues every event so tests can `await q.next()` in order.
// Entries: { type: 'message', data, isBinary } | { type: 'close', code, reason } |
//          { type: 'error', error } | { type: 'unexpected-response', status, body } | { type: 'open' }
export class WsQueue {
  constructor(url, opts = {}) {
    this.items = [];
    this.waiters = [];
    this.opened = false;
    this.closed = null;
    this.ws = new WebSocket(url, opts);
    this.ws.binaryType = 'nodebuffer';
    this.ws.on('open', () => {
      this.opened = true;
      this._push({ type: 'open' });
    });
    this.ws.on('message', (data, isBinary) =>
      this._push({ type: 'message', data: isBinary ? data : data.toString('utf8'), isBinary }),
    );
    this.ws.on('error', (error) => this._push({ type: 'error', error }));
    this.ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => this._push({ type: 'unexpected-response', status: res.statusCode, headers: res.headers, body }));
      res.on('error', () => {});
      req.on('error', () => {});
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this._push({ type: 'close', code, reason: reason.toString() });
    });
  }

  _push(item) {
    this.items.push(item);
    const w = this.waiters.slice();
    this.waiters.length = 0;
    for (const f of w) f();
  }

  // Next event matching `pred` (default: any), consumed from the queue in order;
  // events skipped over stay queued. Rejects after `ms`.
  async next(pred = () => true, ms = 3000) {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.items.findIndex(pred);
      if (i >= 0) return this.items.splice(i, 1)[0];
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for a ws event; queued: ${JSON.stringify(this.items.map(show))}`);
      await new Promise((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  // Next 'message' event (skipping nothing: a close/error before it is an error).
  async message(ms = 3000) {
    const e = await this.next((x) => x.type === 'message' || x.type === 'close' || x.type === 'unexpected-response', ms);
    if (e.type !== 'message') throw new Error(`expected a message, got ${JSON.stringify(show(e))}`);
    return e;
  }

  // Next text message that is not a ping (`2`, answered with `3` when `pong`) nor a noop `6`.
  async appMessage(ms = 3000, { pong = true } = {}) {
    const end = Date.now() + ms;
    for (;;) {
      const e = await this.message(Math.max(1, end - Date.now()));
      if (!e.isBinary && e.data === '2') {
        if (pong) this.send('3');
        continue;
      }
      if (!e.isBinary && e.data === '6') continue;
      return e;
    }
  }

  open(ms = 3000) {
    return this.next((x) => x.type === 'open' || x.type === 'close' || x.type === 'unexpected-response', ms).then((e) => {
      if (e.type !== 'open') throw new Error(`expected open, got ${JSON.stringify(show(e))}`);
    });
  }

  waitClose(ms = 3000) {
    if (this.closed) return Promise.resolve(this.closed);
    return this.next((x) => x.type === 'close', ms);
  }

  send(data, opts) {
    this.ws.send(data, opts);
  }

  // Always safe: terminates the TCP connection if still up.
  destroy() {
    try {
      this.ws.terminate();
    } catch {
      /* not yet connected */
    }
  }
}

function show(e) {
  if (e.type === 'message') return { type: e.type, isBinary: e.isBinary, data: e.isBinary ? [...e.data.subarray(0, 16)] : e.data.slice(0, 80) };
  if (e.type === 'error') return { type: e.type, error: String(e.error) };
  return e;
}

export function wsUrl(srv, query = '') {
  return `${srv.wsBase}?EIO=4&transport=websocket${query ? '&' + query : ''}`;
}

// WebSocket-first session: resolves { q, sid, open } after the open packet.
export async function wsHandshake(srv) {
  const q = new WsQueue(wsUrl(srv));
  const e = await q.message();
  if (e.isBinary || e.data[0] !== '0') {
    q.destroy();
    throw new Error(`expected an open packet, got ${e.data}`);
  }
  const open = JSON.parse(e.data.slice(1));
  return { q, sid: open.sid, open, raw: e.data };
}

// ---------------------------------------------------------------- raw HTTP (node:net)

// A raw TCP connection to the server that can read HTTP/1.1 responses with a
// Content-Length (or none, for 1xx/204) one at a time. For keep-alive checks and
// for requests that fetch cannot make (partial bodies).
export class RawHttp {
  constructor(port) {
    this.buf = Buffer.alloc(0);
    this.ended = false;
    this.waiters = [];
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this._wake();
    });
    this.sock.on('end', () => {
      this.ended = true;
      this._wake();
    });
    this.sock.on('close', () => {
      this.ended = true;
      this._wake();
    });
    this.sock.on('error', () => {
      this.ended = true;
      this._wake();
    });
    this.ready = new Promise((res, rej) => {
      this.sock.once('connect', res);
      this.sock.once('error', rej);
    });
  }

  _wake() {
    const w = this.waiters.slice();
    this.waiters.length = 0;
    for (const f of w) f();
  }

  write(data) {
    this.sock.write(data);
  }

  // Reads one response; resolves { status, headers (lower-case keys), body: Buffer }.
  async response(ms = 3000) {
    const end = Date.now() + ms;
    for (;;) {
      const r = this._tryParse();
      if (r) return r;
      if (this.ended) throw new Error(`connection closed; buffered: ${JSON.stringify(this.buf.toString('latin1').slice(0, 200))}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error('timeout waiting for an HTTP response');
      await new Promise((r2) => {
        const t = setTimeout(r2, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r2();
        });
      });
    }
  }

  _tryParse() {
    const hEnd = this.buf.indexOf('\r\n\r\n');
    if (hEnd < 0) return null;
    const lines = this.buf.subarray(0, hEnd).toString('latin1').split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers = {};
    for (const l of lines.slice(1)) {
      const c = l.indexOf(':');
      headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
    }
    let len = 0;
    if (headers['content-length'] !== undefined) len = Number(headers['content-length']);
    else if (headers['transfer-encoding'] === 'chunked') {
      // Decode chunked bodies (the reference may use them for errors).
      let p = hEnd + 4;
      const parts = [];
      for (;;) {
        const le = this.buf.indexOf('\r\n', p);
        if (le < 0) return null;
        const n = parseInt(this.buf.subarray(p, le).toString('latin1'), 16);
        if (this.buf.length < le + 2 + n + 2) return null;
        parts.push(this.buf.subarray(le + 2, le + 2 + n));
        p = le + 2 + n + 2;
        if (n === 0) break;
      }
      this.buf = this.buf.subarray(p);
      return { status, headers, body: Buffer.concat(parts) };
    } else if (status >= 200 && status !== 204 && status !== 304) {
      // No length: body runs to connection close.
      if (!this.ended) return null;
      len = this.buf.length - hEnd - 4;
    }
    if (this.buf.length < hEnd + 4 + len) return null;
    const body = this.buf.subarray(hEnd + 4, hEnd + 4 + len);
    this.buf = this.buf.subarray(hEnd + 4 + len);
    return { status, headers, body };
  }

  close() {
    this.sock.destroy();
  }
}
