// Helpers of the C client's tests (tests/interop/client*.test.mjs): the
// driver program (tests/servers/client_driver.c) run with one scenario, and
// the two servers every scenario runs against: ours
// (tests/servers/client_test_server.c) and the Node reference
// (ref/sio_ref_server.mjs, socket.io from the lockfile), which speak the
// same events.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { programPath, spawnServer } from './spawn.mjs';
import { spawnNodeRef } from './ref.mjs';
export const TRANSPORTS = ['polling', 'websocket', 'upgrade'];

// Runs the driver; resolves { code, signal, lines, stderr }. onLine(obj)
// sees each JSON line as it arrives. extra: more driver arguments.
export function runDriver(url, transport, scenario, onLine = () => {}, extra = []) {
  return runJsonLines('client_driver',
    ['--url', url, '--transport', transport, '--scenario', scenario, ...extra], onLine,
    `${scenario} ${transport}`);
}

// The TLS driver (tests/servers/client_tls_driver.c) with its arguments.
export function runTlsDriver(args) {
  return runJsonLines('client_tls_driver', args);
}

// Runs one of our programs that prints a JSON object per line; resolves
// { code, signal, lines, stderr }. Killed after killMs (a hang is a failure).
export function runJsonLines(program, args, onLine = () => {}, label = program, killMs = 45000) {
  return new Promise((resolve) => {
    const proc = spawn(programPath(program), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let err = '';
    const lines = [];
    const killer = setTimeout(() => proc.kill('SIGKILL'), killMs);
    proc.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const o = JSON.parse(l);
          lines.push(o);
          onLine(o);
        } catch {
          lines.push({ raw: l });
        }
      }
    });
    proc.stderr.on('data', (d) => { err += d; if (err.length > 65536) err = err.slice(-32768); });
    proc.on('exit', (code, signal) => {
      clearTimeout(killer);
      if (process.env.SIO_TEST_VERBOSE) console.error(label, JSON.stringify(lines));
      resolve({ code, signal, lines, stderr: err.slice(-4000) });
    });
  });
}

// Every check passed, the driver said "pass" and exited 0 (under ASan: no
// leak and no memory error either, as those change the exit status).
export function assertPass(r, label) {
  const failed = r.lines.filter((l) => l.check && !l.ok);
  const result = r.lines.find((l) => l.result);
  assert.deepEqual(failed, [], `${label}: failed checks\n${JSON.stringify(r.lines)}\n${r.stderr}`);
  assert.equal(result && result.result, 'pass', `${label}: exit ${r.code} ${r.signal}: ${JSON.stringify(r.lines)}\n${r.stderr}`);
  assert.equal(r.code, 0, `${label}: exit ${r.code} ${r.signal}\n${r.stderr}`);
}

// The Node reference server (ref/sio_ref_server.mjs): { port, proc, stop }.
export function spawnRef(args = []) {
  return spawnNodeRef('sio_ref_server.mjs', args);
}

// Short heartbeats, so every scenario also proves the client answers pings.
export const PING = ['--ping-interval', '300', '--ping-timeout', '200'];

// name -> (args) => server { port, proc, stop }. Ours stops with SIGTERM
// and must exit 0 (its loop closed cleanly).
export const SERVERS = {
  ours: (args = []) => spawnServer('client_test_server', [...args, ...PING]),
  ref: (args = []) => spawnRef([...args, ...PING]),
};

// Kills a server hard (SIGKILL: no close packet, no FIN from a goodbye) and
// waits until it is gone.
export async function killHard(srv) {
  const gone = new Promise((r) => {
    if (srv.proc.exitCode !== null || srv.proc.signalCode !== null) r();
    else srv.proc.once('exit', r);
  });
  srv.proc.kill('SIGCONT');
  srv.proc.kill('SIGKILL');
  await gone;
}

// Resolves once each of `count` drivers (told apart by `who`) printed a
// line {event: name}; the wait also ends when `race` (the drivers ending)
// settles.
export function eventBarrier(name, count) {
  const seen = new Set();
  let done;
  const p = new Promise((r) => { done = r; });
  return {
    seen: (o, who) => { if (o.event === name) { seen.add(who); if (seen.size === count) done(); } },
    wait: (race) => Promise.race([p, race]),
  };
}
