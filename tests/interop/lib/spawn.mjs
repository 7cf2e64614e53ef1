// Starts a program of the build under test on a free port and stops it.
//
//   const srv = await spawnServer('http_test_server', ['--cors', '*']);
//   srv.port; srv.proc; await srv.waitForLine(/ws closed/); await srv.stop();
//
// The program is looked up as ${SIO_BIN_DIR}/<program> (then
// ${SIO_BIN_DIR}/tests/<program>, where CMake puts tests/servers/*.c). It gets
// `--port 0` unless args already has --port, and must print
// `listening on 127.0.0.1:PORT` on stdout. Call stop() in an `after` hook: it
// sends SIGTERM, waits for the exit (SIGKILL after killAfterMs) and returns
// { code, signal }.
//
// SIO_TEST_WORKERS=N (N > 1) gives the Socket.IO server programs that take it
// (WORKER_PROGRAMS) `--workers N`, unless args already has --workers: CTest's
// interop/<suite>@wN variants run a suite against an N-worker server that way.
//
// SIO_VALGRIND=1 (or a comma-separated list of program names) runs the
// program under valgrind memcheck: exit code 99 if it found a memory error or
// a definite leak, its report on stderr. The build must not be a sanitizer
// build. Start-up and stop get more time (valgrind is ~20x slower).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const VALGRIND_ARGS = ['--quiet', '--error-exitcode=99', '--leak-check=full',
  '--errors-for-leak-kinds=definite', '--show-leak-kinds=definite', '--track-origins=yes'];

function underValgrind(program) {
  const v = process.env.SIO_VALGRIND;
  if (!v || v === '0') return false;
  if (v !== '1' && !v.split(',').map((s) => s.trim()).includes(program)) return false;
  const cache = path.join(process.env.SIO_BIN_DIR, 'CMakeCache.txt');
  if (fs.existsSync(cache) && /^SIO_SANITIZE:BOOL=ON$/m.test(fs.readFileSync(cache, 'utf8')))
    throw new Error(`SIO_VALGRIND: ${process.env.SIO_BIN_DIR} is a sanitizer build; use a plain one`);
  return true;
}

// The programs of the build that take `--workers N` (one server over N
// worker threads).
export const WORKER_PROGRAMS = new Set(['sio_test_server', 'conformance_server',
  'sio_cluster_server', 'admin_test_server', 'deflate_test_server', 'sio_eio3_server',
  'client_test_server', 'bench_server', 'demo', 'http_test_server']);

// The worker count the tests ask for (SIO_TEST_WORKERS), 1 when unset.
export function testWorkers() {
  const n = Number(process.env.SIO_TEST_WORKERS || 1);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SIO_TEST_WORKERS=${process.env.SIO_TEST_WORKERS}: a count >= 1`);
  return n;
}

// The arguments a program of the build gets for SIO_TEST_WORKERS: args with
// `--workers N` added when N > 1, the program takes it and args has none.
export function withWorkers(program, args) {
  const n = testWorkers();
  if (n === 1 || !WORKER_PROGRAMS.has(program) || args.includes('--workers')) return args;
  return [...args, '--workers', String(n)];
}

export function programPath(program) {
  const dir = process.env.SIO_BIN_DIR;
  if (!dir) throw new Error('SIO_BIN_DIR is not set (the build directory)');
  const candidates = [path.join(dir, program), path.join(dir, 'tests', program)];
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(`${program} not found in ${candidates.join(' or ')}`);
}

export function spawnServer(program, args = [], { timeoutMs = 10000, env, killAfterMs = 5000 } = {}) {
  let cmd = programPath(program);
  let fullArgs = withWorkers(program, args.includes('--port') ? args : ['--port', '0', ...args]);
  if (underValgrind(program)) {
    fullArgs = [...VALGRIND_ARGS, cmd, ...fullArgs];
    cmd = 'valgrind';
    timeoutMs *= 6;
    killAfterMs *= 6;
  }
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    let started = false;
    let exited = null;
    const lineWaiters = new Set();
    const exitP = new Promise((r) => proc.on('exit', (code, signal) => r((exited = { code, signal }))));
    const timer = setTimeout(() => fail(new Error(`${program}: no "listening on" line after ${timeoutMs} ms`)), timeoutMs);

    function fail(e) {
      if (started) return;
      started = true;
      clearTimeout(timer);
      proc.kill('SIGKILL');
      e.message += `\nstdout: ${out.slice(-2000)}\nstderr: ${err.slice(-2000)}`;
      reject(e);
    }
    function checkWaiters() {
      for (const w of lineWaiters) {
        const m = w.re.exec(out.slice(w.from));
        if (m) {
          lineWaiters.delete(w);
          clearTimeout(w.timer);
          w.resolve(m);
        }
      }
    }
    proc.on('error', fail);
    proc.on('exit', (code, signal) => {
      fail(new Error(`${program} exited early (code ${code}, signal ${signal})`));
      for (const w of lineWaiters) {
        clearTimeout(w.timer);
        w.reject(new Error(`${program} exited before printing ${w.re}`));
      }
      lineWaiters.clear();
    });
    proc.stderr.on('data', (d) => {
      err += d;
      if (err.length > 65536) err = err.slice(-32768);
      if (process.env.SIO_TEST_VERBOSE) process.stderr.write(d);
    });
    proc.stdout.on('data', (d) => {
      out += d;
      if (process.env.SIO_TEST_VERBOSE) process.stderr.write(d);
      checkWaiters();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m && !started) {
        started = true;
        clearTimeout(timer);
        resolve({
          port: Number(m[1]),
          proc,
          stdout: () => out,
          stderr: () => err,
          // Resolves with the match once stdout (from now on, or from offset
          // `from`) matches re; rejects after ms.
          waitForLine(re, ms = 5000, from = out.length) {
            return new Promise((res, rej) => {
              const w = { re, from, resolve: res, reject: rej };
              w.timer = setTimeout(() => {
                lineWaiters.delete(w);
                rej(new Error(`no line matching ${re} within ${ms} ms; stdout: ${out.slice(-1000)}`));
              }, ms);
              lineWaiters.add(w);
              checkWaiters();
            });
          },
          async stop() {
            if (!exited) {
              proc.kill('SIGTERM');
              const t = setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
              await exitP;
              clearTimeout(t);
            }
            return exited;
          },
        });
      }
    });
  });
}
