// Helpers of the multi-worker tests (tests/interop/workers*.test.mjs): the
// worker count under test, clients spread over every worker of a server,
// http.Agents that count their TCP connections and the sessions each one
// carried, and Engine.IO/Socket.IO polling over raw keep-alive connections.
//
// A server's `worker` event acks the number of the thread its handler ran
// on (tests/servers/shared/test_handlers.c; always 0 on the Node reference):
// a socket's handlers run on the worker that owns it, so the number names
// the socket's worker.
import http from 'node:http';
import { spawnServer, testWorkers } from './spawn.mjs';
import { RawConn } from './rawhttp.mjs';
import { ack } from './cluster.mjs';

// The worker count of the multi-worker tests: SIO_TEST_WORKERS when set
// (1 runs them against a server of one worker), else 4.
export const WORKERS = process.env.SIO_TEST_WORKERS ? testWorkers() : 4;

// The arguments that give a server program WORKERS workers.
export const workersArgs = () => (WORKERS > 1 ? ['--workers', String(WORKERS)] : []);

// sio_cluster_server without Redis (no adapter): one server alone, named
// name, with args (workersArgs() among them for W workers).
export async function spawnAlone(name, args = []) {
  const srv = await spawnServer('sio_cluster_server', ['--name', name, ...args]);
  srv.name = name;
  return srv;
}

// Connects clients (clients.connect(srv, nsp, opts)) until each of the
// `workers` workers of srv holds `perWorker` of them; the extra ones are
// disconnected. At most 30 clients per worker are tried (a bound, not a
// timing). Resolves with [{ s, w }] ordered by worker.
export async function spreadClients(clients, srv, workers, { nsp = '/', opts = {}, perWorker = 1 } = {}) {
  const byWorker = new Map();
  const tries = 30 * workers * perWorker;
  for (let i = 0; i < tries; i++) {
    const s = await clients.connect(srv, nsp, opts);
    const w = await ack(s, 'worker');
    const list = byWorker.get(w) ?? [];
    if (list.length < perWorker) {
      list.push({ s, w });
      byWorker.set(w, list);
    } else {
      s.disconnect();
    }
    if (byWorker.size === workers && [...byWorker.values()].every((l) => l.length === perWorker)) {
      return [...byWorker.keys()].sort((a, b) => a - b).flatMap((k) => byWorker.get(k));
    }
  }
  const seen = JSON.stringify([...byWorker].map(([k, l]) => [k, l.length]));
  throw new Error(`${srv.name}: ${tries} clients did not give ${perWorker} on each of ${workers} workers: ${seen}`);
}

// An http.Agent (options as http.Agent's) that records its connections:
// agent.connections (created), and agent.sessionsOn: for each connection the
// set of Engine.IO sids its requests carried.
export function countingAgent(options) {
  const agent = new http.Agent(options);
  agent.connections = 0;
  agent.requests = 0;
  agent.sessionsOn = new Map();
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (...args) => {
    agent.connections++;
    return create(...args);
  };
  const add = agent.addRequest.bind(agent);
  agent.addRequest = (req, opts) => {
    agent.requests++;
    const sid = /[?&]sid=([^&]+)/.exec(opts.path ?? req.path ?? '')?.[1];
    req.once('socket', (sock) => {
      if (!agent.sessionsOn.has(sock)) agent.sessionsOn.set(sock, new Set());
      if (sid) agent.sessionsOn.get(sock).add(sid);
    });
    return add(req, opts);
  };
  return agent;
}

// ---- Socket.IO over raw polling requests (one RawConn per request or kept) ----

const SEP = '\x1e';
const PATH = '/socket.io/?EIO=4&transport=polling';

// The packets of a polling response body, pings left out.
function packets(text) {
  return text.split(SEP).filter((p) => p !== '2' && p !== '');
}

// One request on conn; resolves with the response (status checked: 200).
async function request(conn, port, method, sid, body) {
  const q = sid ? `${PATH}&sid=${sid}` : PATH;
  const head = `${method} ${q} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n`;
  conn.write(body === undefined ? `${head}\r\n` : `${head}Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const res = await conn.readResponse();
  if (res.status !== 200) throw new Error(`${method} ${q}: ${res.status} ${res.text}`);
  return res;
}

// A raw polling session: open() on one connection, then requests on any
// connection (the one given, or a new one per request when conn is null).
export class RawSession {
  constructor(port) {
    this.port = port;
    this.sid = null;
    this.queue = []; // received packets not consumed yet
    this.ackId = 0;
  }

  async #on(conn, fn) {
    if (conn) return fn(conn);
    const c = await RawConn.open(this.port);
    try {
      return await fn(c);
    } finally {
      c.destroy();
    }
  }

  post(conn, ...pkts) {
    return this.#on(conn, async (c) => {
      const res = await request(c, this.port, 'POST', this.sid, pkts.join(SEP));
      if (res.text !== 'ok') throw new Error(`POST: ${res.text}`);
    });
  }

  // Resolves with the next packet for which match(packet) is true (GETs
  // until one comes); the packets before it are dropped.
  async next(conn, match = () => true) {
    for (let i = 0; i < 20; i++) {
      const k = this.queue.findIndex(match);
      if (k >= 0) return this.queue.splice(0, k + 1).pop();
      this.queue = [];
      const res = await this.#on(conn, (c) => request(c, this.port, 'GET', this.sid));
      this.queue.push(...packets(res.text));
    }
    throw new Error(`${this.sid}: no matching packet in 20 polls`);
  }

  // Handshake and Socket.IO CONNECT to "/".
  async open(conn) {
    await this.#on(conn, async (c) => {
      const res = await request(c, this.port, 'GET', null);
      const open = JSON.parse(res.text.slice(1));
      this.sid = open.sid;
    });
    await this.post(conn, '40');
    await this.next(conn, (p) => p.startsWith('40'));
    return this;
  }

  // An event with an ack; resolves with the ack's arguments.
  async call(conn, ...args) {
    const id = this.ackId++;
    await this.post(conn, `42${id}${JSON.stringify(args)}`);
    const p = await this.next(conn, (x) => x.startsWith(`43${id}[`));
    return JSON.parse(p.slice(`43${id}`.length));
  }

  close(conn) {
    return this.post(conn, '1').catch(() => {});
  }
}
