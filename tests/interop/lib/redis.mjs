// A throwaway redis-server for the Redis adapter tests, and a tiny raw RESP
// client to look at (and forge) the bytes on the channels.
//
//   const redis = await startRedis();   // Debian's /usr/bin/redis-server, free 127.0.0.1 port
//   redis.url                           // redis://127.0.0.1:PORT
//   await redis.kill();                 // SIGKILL (or stop(): SIGTERM), waits for the exit
//   await redis.start();                // again, same port, answers PING
//   await startRedis({ persist: true }) // append-only file, fsync'd at every
//                                       // write: a kill/restart keeps the data
//   const cap = await capture(redis.port, 'socket.io#*');   // raw PSUBSCRIBE
//   await cap.waitFor((m) => m.channel === 'socket.io#/#'); // m.payload is a Buffer
//   const c = await RespConn.connect(redis.port); await c.command('PUBLISH', ch, buf);
//
// A missing redis-server is a failure, never a skip: the acceptance of the
// Redis adapter needs it (scripts/deps.sh installs it).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

export const REDIS_SERVER = '/usr/bin/redis-server';

// Every redis-server still running when this test process ends is killed.
const live = new Set();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Resolves once a PING on 127.0.0.1:port gets +PONG; rejects after ms.
export async function waitPing(port, ms = 5000) {
  const end = Date.now() + ms;
  let last = null;
  while (Date.now() < end) {
    try {
      const c = await RespConn.connect(port, 1000);
      try {
        if ((await c.command('PING')) === 'PONG') return;
      } finally {
        c.close();
      }
    } catch (e) {
      last = e;
    }
    await sleep(50);
  }
  throw new Error(`redis on 127.0.0.1:${port} does not answer PING within ${ms} ms (${last && last.message})`);
}

export async function startRedis({ persist = false } = {}) {
  if (!fs.existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} not found: the Redis adapter tests need Debian's redis-server. ` +
        'Install it with `sudo apt-get install -y redis-server` (scripts/deps.sh does it in CI).',
    );
  }
  const dir = persist ? fs.mkdtempSync(`${os.tmpdir()}/sio-redis-`) : os.tmpdir();
  if (persist) process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const durability = persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const r = {
    port: 0,
    url: '',
    proc: null,
    log: '',
    exitP: null,
    // Starts redis-server (again) on r.port and waits until it answers PING.
    async start() {
      const proc = spawn(
        REDIS_SERVER,
        ['--port', String(r.port), '--bind', '127.0.0.1', '--save', '', ...durability,
          '--dir', dir, '--daemonize', 'no', '--protected-mode', 'yes'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      live.add(proc);
      r.proc = proc;
      r.exitP = new Promise((res) => proc.on('exit', (code, signal) => {
        live.delete(proc);
        res({ code, signal });
      }));
      const onData = (d) => {
        r.log += d;
        if (r.log.length > 65536) r.log = r.log.slice(-32768);
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      const exited = r.exitP.then((x) => {
        throw new Error(`redis-server exited at start (${JSON.stringify(x)}): ${r.log.slice(-2000)}`);
      });
      await Promise.race([waitPing(r.port), exited]);
      exited.catch(() => {});
    },
    async signal(sig) {
      if (!r.proc || r.proc.exitCode !== null || r.proc.signalCode !== null) return;
      r.proc.kill(sig);
      const t = setTimeout(() => r.proc.kill('SIGKILL'), 5000);
      await r.exitP;
      clearTimeout(t);
    },
    stop() {
      return r.signal('SIGTERM');
    },
    kill() {
      return r.signal('SIGKILL');
    },
  };
  // A free port can be taken between the check and the bind: a few tries.
  let err = null;
  for (let i = 0; i < 3; i++) {
    r.port = await freePort();
    r.url = `redis://127.0.0.1:${r.port}`;
    try {
      await r.start();
      return r;
    } catch (e) {
      err = e;
      await r.kill();
    }
  }
  throw err;
}

// ---------------------------------------------------------------- raw RESP

// Encodes a command: every argument as a bulk string (Buffers kept as bytes).
export function encodeCommand(args) {
  const parts = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

// Parses one RESP2 value at buf[off]; returns [value, nextOff] or null if
// incomplete. Bulk strings stay Buffers; errors become Error objects.
function parseResp(buf, off) {
  if (off >= buf.length) return null;
  const eol = buf.indexOf('\r\n', off);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[off]);
  const line = buf.toString('latin1', off + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [new Error(line), next];
    case ':':
      return [Number(line), next];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return null;
      return [buf.subarray(next, next + n), next + n + 2];
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return [null, next];
      const arr = [];
      let o = next;
      for (let i = 0; i < n; i++) {
        const r = parseResp(buf, o);
        if (!r) return null;
        arr.push(r[0]);
        o = r[1];
      }
      return [arr, o];
    }
    default:
      throw new Error(`bad RESP type byte 0x${buf[off].toString(16)}`);
  }
}

export class RespConn {
  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.pending = [];
    this.onPush = null; // (kind, pattern|null, channel, payload) for (p)messages
    sock.on('data', (d) => this.#feed(d));
    sock.on('error', () => {});
    sock.on('close', () => {
      for (const p of this.pending.splice(0)) p.reject(new Error('redis connection closed'));
    });
  }

  static connect(port, ms = 3000) {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error('connect timeout'));
      }, ms);
      s.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
      s.once('connect', () => {
        clearTimeout(t);
        s.setNoDelay(true);
        resolve(new RespConn(s));
      });
    });
  }

  #feed(d) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    let off = 0;
    for (;;) {
      const r = parseResp(this.buf, off);
      if (!r) break;
      off = r[1];
      const v = r[0];
      const kind = Array.isArray(v) && Buffer.isBuffer(v[0]) ? v[0].toString() : null;
      if (kind === 'pmessage' && this.onPush) this.onPush(kind, v[1].toString(), v[2].toString(), v[3]);
      else if (kind === 'message' && this.onPush) this.onPush(kind, null, v[1].toString(), v[2]);
      else {
        const p = this.pending.shift();
        if (p) p.resolve(v);
      }
    }
    this.buf = this.buf.subarray(off);
  }

  // Sends a command and resolves with its reply (for SUBSCRIBE-like
  // commands, the first confirmation). A Redis error reply rejects.
  command(...args) {
    return new Promise((resolve, reject) => {
      this.pending.push({
        resolve: (v) => (v instanceof Error ? reject(v) : resolve(Buffer.isBuffer(v) ? v.toString() : v)),
        reject,
      });
      this.sock.write(encodeCommand(args));
    });
  }

  // Writes bytes as they are (for malformed traffic), no reply awaited.
  writeRaw(buf) {
    this.sock.write(buf);
  }

  close() {
    this.sock.destroy();
  }
}

// A raw PSUBSCRIBE on pattern: every message as { channel, payload (Buffer) }.
// Pattern subscriptions do not count in PUBSUB NUMSUB, so this does not look
// like one more server to the adapters.
export async function capture(port, pattern) {
  const c = await RespConn.connect(port);
  const messages = [];
  const waiters = new Set();
  c.onPush = (kind, pat, channel, payload) => {
    const m = { channel, payload };
    messages.push(m);
    for (const w of waiters) {
      if (w.pred(m)) {
        waiters.delete(w);
        clearTimeout(w.t);
        w.resolve(m);
      }
    }
  };
  await c.command('PSUBSCRIBE', pattern);
  return {
    messages,
    // The first message (already captured or to come) matching pred.
    waitFor(pred, ms = 5000) {
      const m = messages.find(pred);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        w.t = setTimeout(() => {
          waiters.delete(w);
          const seen = messages.map((x) => `${x.channel} ${x.payload.toString('hex').slice(0, 80)}`).join('\n  ');
          reject(new Error(`no matching message on ${pattern} within ${ms} ms; seen:\n  ${seen}`));
        }, ms);
        waiters.add(w);
      });
    },
    clear() {
      messages.length = 0;
    },
    close() {
      c.close();
    },
  };
}
