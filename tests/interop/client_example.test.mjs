// examples/client (the command-line chat client) against examples/demo: the
// lines typed on stdin become the demo's events and every answer is printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { programPath, spawnServer } from './lib/spawn.mjs';

const src = process.env.SIO_SOURCE_DIR || path.resolve(process.cwd(), '..', '..');

function runClient(url, transport, input) {
  return new Promise((resolve) => {
    const p = spawn(programPath('client'), ['--url', url, '--transport', transport],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const killer = setTimeout(() => p.kill('SIGKILL'), 15000);
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => { clearTimeout(killer); resolve({ code, out, err }); });
    p.stdin.end(input);
  });
}

test('the chat client speaks the demo events over every transport', async () => {
  const demo = await spawnServer('demo', ['--host', '127.0.0.1', '--static',
    path.join(src, 'examples', 'demo', 'public')]);
  try {
    const url = `http://127.0.0.1:${demo.port}`;
    const input = 'hello there\n/b to all\n/join r1\n/room r1 in room\n/ping\n';
    const runs = await Promise.all(['polling', 'websocket', 'upgrade'].map((t) => runClient(url, t, input)));
    for (const r of runs) {
      assert.equal(r.code, 0, r.out + r.err);
      for (const want of ['[0] Connected', '[1] hello there', '[2] to all', ', r1', '[4] in room', 'pong in', '* disconnected: io client disconnect'])
        assert.ok(r.out.includes(want), `missing ${want} in:\n${r.out}\n${r.err}`);
    }
  } finally {
    await demo.stop();
  }
});
