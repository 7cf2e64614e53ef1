// The table of bench/scaling: per scenario and worker count, the medians
// over repetitions of the throughput (all generators together), the
// speed-up over one worker and the server's CPU per message or handshake,
// user space and kernel, with the total against one worker's.
//
//   node bench/scaling.mjs RESULTS.jsonl [--meta TEXT] [--write FILE] [--last]
//
// --last prints a one-line summary of the last run only. With --write, the
// table replaces what lies between <!-- bench:workers:start --> and
// <!-- bench:workers:end --> in FILE.
import fs from 'node:fs';

const args = process.argv.slice(2);
const file = args[0];
let meta = '';
let write = null;
let last = false;
for (let i = 1; i < args.length; i++) {
  if (args[i] === '--meta') meta = args[++i];
  else if (args[i] === '--write') write = args[++i];
  else if (args[i] === '--last') last = true;
}

const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const mean = (xs) => (xs.length ? sum(xs) / xs.length : null);
const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

// One run = every generator of one (workers, scenario, rep), merged. The
// generators' windows start together; echo windows have the same length
// (their server CPU is averaged), handshake windows end when each
// generator's last handshake settles (the longest one holds all the work).
function merge(group) {
  const rs = group.map((g) => g.r).filter(Boolean);
  const out = { errors: sum(group.map((g) => (g.r ? g.r.errors : 1))), gens: group.length };
  if (!rs.length) return out;
  const cpu = (f, pick) => {
    const xs = rs.map((r) => r[f]).filter((x) => typeof x === 'number' && x >= 0);
    return xs.length ? pick(xs) : null;
  };
  if (rs[0].mode === 'connect') {
    const n = sum(rs.map((r) => r.connected));
    const secs = Math.max(...rs.map((r) => r.connect_s));
    out.rate = secs > 0 ? n / secs : null;
    out.units = n;
    out.user = cpu('server_user_s', (xs) => Math.max(...xs));
    out.sys = cpu('server_sys_s', (xs) => Math.max(...xs));
  } else {
    out.rate = sum(rs.map((r) => r.msgs_per_s));
    out.units = sum(rs.map((r) => r.messages));
    out.user = cpu('server_user_s', mean);
    out.sys = cpu('server_sys_s', mean);
  }
  const per = (s) => (s === null || !out.units ? null : (s * 1e6) / out.units);
  out.user_us = per(out.user);
  out.sys_us = per(out.sys);
  out.cpu_us = out.user_us === null ? null : out.user_us + out.sys_us;
  out.unit = rs[0].mode === 'connect' ? 'handshake' : 'message';
  return out;
}

const key = (l) => `${l.scenario}|${l.workers}|${l.rep}`;
const groups = new Map();
for (const l of lines) {
  if (!groups.has(key(l))) groups.set(key(l), []);
  groups.get(key(l)).push(l);
}
const runs = [...groups.values()].map((g) => ({ ...merge(g), scenario: g[0].scenario, workers: g[0].workers }));

const fmt = (v) => {
  if (v === null || v === undefined) return '-';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
};

if (last) {
  const r = runs[runs.length - 1];
  console.log(`${fmt(r.rate)} ${r.unit}s/s, CPU us/${r.unit} user ${fmt(r.user_us)} kernel ${fmt(r.sys_us)}, errors ${r.errors}`);
  process.exit(0);
}

const scenarios = [...new Set(runs.map((r) => r.scenario))];
const out = [];
if (meta) out.push(`Machine: ${meta}. Medians of ${Math.max(...lines.map((l) => l.rep))} run(s).`, '');
out.push('| scenario | workers | per second | speed-up | server user us | server kernel us | CPU per unit vs 1 worker | errors |');
out.push('|---|---:|---:|---:|---:|---:|---|---:|');
for (const sc of scenarios) {
  const ws = [...new Set(runs.filter((r) => r.scenario === sc).map((r) => r.workers))].sort((a, b) => a - b);
  const med = {};
  for (const w of ws) {
    const rs = runs.filter((r) => r.scenario === sc && r.workers === w);
    med[w] = {
      rate: median(rs.map((r) => r.rate)),
      user: median(rs.map((r) => r.user_us)),
      sys: median(rs.map((r) => r.sys_us)),
      cpu: median(rs.map((r) => r.cpu_us)),
      errors: sum(rs.map((r) => r.errors)),
      unit: rs[0].unit,
    };
  }
  const one = med[1];
  for (const w of ws) {
    const m = med[w];
    const speed = one && one.rate && m.rate !== null ? `${(m.rate / one.rate).toFixed(2)}x` : '-';
    let vs = '-';
    if (m.errors || (one && one.errors)) {
      vs = 'n/a: errors'; /* failed sessions make the figures incomparable */
    } else if (one && one.cpu && m.cpu !== null && w !== 1) {
      const r = m.cpu / one.cpu;
      vs = `${r.toFixed(2)} (within 10%: ${r <= 1.1 ? 'met' : '**missed**'})`;
    }
    out.push(`| ${sc} (per ${m.unit}) | ${w} | ${fmt(m.rate)} | ${speed} | ${fmt(m.user)} | ${fmt(m.sys)} | ${vs} | ${m.errors} |`);
  }
}
const table = out.join('\n');

if (write) {
  const start = '<!-- bench:workers:start -->';
  const end = '<!-- bench:workers:end -->';
  let doc = fs.existsSync(write) ? fs.readFileSync(write, 'utf8') : '';
  if (doc.indexOf(start) < 0 || doc.indexOf(end) < doc.indexOf(start)) doc += `\n${start}\n${end}\n`;
  const i = doc.indexOf(start) + start.length;
  const j = doc.indexOf(end);
  doc = `${doc.slice(0, i)}\n${table}\n${doc.slice(j)}`;
  fs.writeFileSync(write, doc);
} else {
  console.log(table);
}
