// Raw HTTP/1.1 over node:net for tests that need exact bytes: pipelining,
// malformed requests, connection reuse and closes. Responses are parsed by
// Content-Length (every libsio response has one).
import net from 'node:net';

export class RawConn {
  static open(port, host = '127.0.0.1') {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, host);
      sock.once('connect', () => resolve(new RawConn(sock)));
      sock.once('error', reject);
    });
  }

  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.closed = false;
    this.ended = false;
    this.error = null;
    this.waiters = new Set();
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.#wake();
    });
    sock.on('end', () => {
      this.ended = true;
      this.#wake();
    });
    sock.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    sock.on('error', (e) => {
      this.error = e;
    });
  }

  #wake() {
    for (const w of [...this.waiters]) w();
  }

  // Resolves when check() returns a non-undefined value (checked on each event).
  #until(check, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      const tryIt = () => {
        let v;
        try {
          v = check();
        } catch (e) {
          done();
          reject(e);
          return;
        }
        if (v !== undefined) {
          done();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; have ${JSON.stringify(this.buf.toString('latin1').slice(0, 400))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(tryIt);
      };
      this.waiters.add(tryIt);
      tryIt();
    });
  }

  write(data) {
    this.sock.write(data);
  }

  // Reads one response. noBody: a HEAD/304 answer (Content-Length without bytes).
  readResponse({ noBody = false, timeoutMs = 5000 } = {}) {
    return this.#until(
      () => {
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (this.ended || this.closed) throw new Error(`connection closed before a response; got ${JSON.stringify(this.buf.toString('latin1'))}`);
          return undefined;
        }
        const head = this.buf.subarray(0, end).toString('latin1');
        const lines = head.split('\r\n');
        const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0]);
        if (!m) throw new Error(`bad status line ${JSON.stringify(lines[0])}`);
        const status = Number(m[1]);
        const headers = {};
        const rawHeaders = [];
        for (const l of lines.slice(1)) {
          const i = l.indexOf(':');
          const k = l.slice(0, i).trim().toLowerCase();
          const v = l.slice(i + 1).trim();
          rawHeaders.push([k, v]);
          headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
        }
        let len = 0;
        if (!(noBody || status === 204 || status === 304 || status < 200)) {
          if (headers['content-length'] === undefined) throw new Error(`no Content-Length in ${JSON.stringify(head)}`);
          len = Number(headers['content-length']);
        }
        if (this.buf.length < end + 4 + len) {
          if (this.ended || this.closed) throw new Error('connection closed inside a response body');
          return undefined;
        }
        const body = this.buf.subarray(end + 4, end + 4 + len);
        this.buf = this.buf.subarray(end + 4 + len);
        return { status, headers, rawHeaders, body, text: body.toString('utf8') };
      },
      timeoutMs,
      'a response',
    );
  }

  // Resolves once the server closed (or ended) the connection, with the bytes
  // received meanwhile that were not read as responses.
  waitClosed(timeoutMs = 5000) {
    return this.#until(() => (this.ended || this.closed ? this.buf : undefined), timeoutMs, 'the connection to close');
  }

  destroy() {
    this.sock.destroy();
  }
}

// Sends one raw request on a new connection and reads one response.
export async function rawRequest(port, data, opts = {}) {
  const c = await RawConn.open(port);
  try {
    c.write(data);
    const res = await c.readResponse(opts);
    res.conn = c;
    return res;
  } finally {
    if (!opts.keepOpen) c.destroy();
  }
}
