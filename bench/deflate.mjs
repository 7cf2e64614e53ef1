// bench/deflate.mjs: permessage-deflate on, libsio (tools/bench_server
// --per-message-deflate) and the Node reference (bench/node_server.mjs
// --per-message-deflate) side by side, with `ws` clients that negotiate the
// extension. Called by bench/compare --deflate; alone:
//
//   node bench/deflate.mjs --build build [--conns 50] [--receivers 200]
//        [--idle 1000] [--size 2048] [--duration 5]
//
// Scenarios (each on a fresh server, pinned to core 0 when there are two):
// - deflate-echo: --conns clients, one `echo` of a --size byte text in
//   flight each (over the 1024 threshold: compressed both ways);
// - deflate-bcast: --receivers clients; one sender broadcasts the same text
//   (libsio compresses each broadcast once for all receivers);
// - deflate-idle / deflate-active: server RSS per connection with the
//   extension negotiated, after the handshake (idle) and after each client
//   exchanged one compressed message (active: the inflate context it keeps).
// Server CPU (utime + stime from /proc) per message or per delivery, and
// RSS. Prints one JSON line per scenario and server.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
const opt = { build: 'build', conns: 50, receivers: 200, idle: 1000, size: 2048, duration: 5 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) opt[argv[i].replace(/^--/, '')] = argv[i + 1];
for (const k of ['conns', 'receivers', 'idle', 'size', 'duration']) opt[k] = Number(opt[k]);
const TICK = os.constants ? 100 : 100; // USER_HZ on Linux
const pin = os.cpus().length >= 2 ? ['taskset', '-c', '0'] : [];
const text = JSON.stringify('{"user":"someone","text":"hello there, compressible"},'.repeat(opt.size / 50).slice(0, opt.size));

function startServer(kind) {
  const cmd =
    kind === 'libsio'
      ? [path.join(opt.build, 'bench_server'), '--port', '0', '--per-message-deflate']
      : [process.execPath, path.join(here, 'node_server.mjs'), '--port', '0', '--per-message-deflate'];
  const full = [...pin, ...cmd];
  const child = spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on [0-9.]+:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', () => reject(new Error(`${kind} exited`)));
  });
}

function cpuMs(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICK;
}
function rssKb(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
}

// A Socket.IO client on a raw `ws` socket with permessage-deflate offered.
function client(port, onEvent) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, {
      perMessageDeflate: true,
    });
    ws.on('error', reject);
    ws.on('message', (d) => {
      const t = d.toString();
      if (t === '2') return ws.send('3');
      if (t[0] === '0') return ws.send('40');
      if (t.startsWith('40')) return resolve(ws);
      if (t.startsWith('42')) onEvent(ws, t);
    });
  });
}

async function connectMany(port, n, onEvent) {
  const out = [];
  for (let i = 0; i < n; i += 50)
    out.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => client(port, onEvent)))));
  for (const ws of out) if (ws.extensions !== 'permessage-deflate') throw new Error('not negotiated');
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function echo(kind) {
  const srv = await startServer(kind);
  let count = 0;
  let measuring = false;
  const msg = `42["echo",${text}]`;
  const socks = await connectMany(srv.port, opt.conns, (ws) => {
    if (measuring) count++;
    ws.send(msg);
  });
  for (const ws of socks) ws.send(msg);
  await sleep(1000);
  const c0 = cpuMs(srv.child.pid);
  measuring = true;
  await sleep(opt.duration * 1000);
  measuring = false;
  const c1 = cpuMs(srv.child.pid);
  const rss = rssKb(srv.child.pid);
  for (const ws of socks) ws.terminate();
  srv.child.kill('SIGTERM');
  return { server: kind, scenario: 'deflate-echo', msgs_per_s: count / opt.duration, cpu_us_per_msg: ((c1 - c0) * 1000) / count, rss_kb: rss };
}

async function bcast(kind) {
  const srv = await startServer(kind);
  let got = 0;
  let measuring = false;
  const socks = await connectMany(srv.port, opt.receivers, () => {
    if (measuring) got++;
  });
  const [sender] = await connectMany(srv.port, 1, () => {});
  const msg = `42["bcast",${text}]`;
  let stop = false;
  const pump = async () => {
    while (!stop) {
      // Keep the server's queues short: one broadcast per receiver round.
      const before = got;
      sender.send(msg);
      const t = Date.now();
      while (got - before < opt.receivers * 0.9 && Date.now() - t < 1000 && !stop) await sleep(1);
    }
  };
  measuring = true;
  const p = pump();
  await sleep(1000);
  const g0 = got;
  const c0 = cpuMs(srv.child.pid);
  await sleep(opt.duration * 1000);
  const c1 = cpuMs(srv.child.pid);
  const deliveries = got - g0;
  stop = true;
  await p;
  for (const ws of [...socks, sender]) ws.terminate();
  srv.child.kill('SIGTERM');
  return { server: kind, scenario: 'deflate-bcast', deliveries_per_s: deliveries / opt.duration, cpu_us_per_delivery: ((c1 - c0) * 1000) / deliveries };
}

async function idle(kind) {
  const srv = await startServer(kind);
  // Warm up and let the process settle before the baseline.
  const warm = await connectMany(srv.port, 20, () => {});
  for (const ws of warm) ws.close();
  await sleep(1500);
  const base = rssKb(srv.child.pid);
  let replies = 0;
  const socks = await connectMany(srv.port, opt.idle, () => replies++);
  await sleep(2000);
  const idleKb = rssKb(srv.child.pid);
  const msg = `42["echo",${text}]`;
  for (const ws of socks) ws.send(msg);
  while (replies < opt.idle) await sleep(50);
  await sleep(2000);
  const activeKb = rssKb(srv.child.pid);
  for (const ws of socks) ws.terminate();
  srv.child.kill('SIGTERM');
  return {
    server: kind,
    scenario: `deflate-idle-${opt.idle}`,
    rss_per_idle_conn_bytes: Math.round(((idleKb - base) * 1024) / opt.idle),
    rss_per_active_conn_bytes: Math.round(((activeKb - base) * 1024) / opt.idle),
  };
}

for (const sc of [echo, bcast, idle])
  for (const kind of ['libsio', 'node']) console.log(JSON.stringify(await sc(kind)));
process.exit(0);
