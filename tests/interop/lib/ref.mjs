// Starts a Node reference server of tests/interop/ref/ as a child process.
//
//   const ref = await spawnNodeRef('sio_ref_server.mjs', ['--parser', 'msgpack']);
//   ref.port; ref.proc; await ref.stop();
//
// The script must print `listening on 127.0.0.1:PORT` on stdout (10 s at
// most, else the promise rejects). stop() kills it (SIGCONT first, in case a
// test paused it) and, once it exited, resolves to { code: 0, signal: null }:
// the reference is not under test, so an after hook can check our servers and
// the reference alike.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const refDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'ref');

export function spawnNodeRef(script, args = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [path.join(refDir, script), ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const t = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`${script} did not start`)); }, 10000);
    const exited = new Promise((r) => proc.on('exit', r));
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({
          port: Number(m[1]),
          proc,
          stop: async () => {
            proc.kill('SIGCONT');
            proc.kill('SIGKILL');
            await exited;
            return { code: 0, signal: null };
          },
        });
      }
    });
    proc.on('error', reject);
  });
}
