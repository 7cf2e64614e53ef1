// The table of bench/compare: medians per server, scenario and metric from
// the raw results (one JSON line per run), ratios libsio/Node and
// libsio/floor, and the targets.
//
//   node bench/report.mjs RESULTS.jsonl [--meta TEXT] [--write docs/PERFORMANCE.md]
//
// With --write, the table replaces what lies between the markers
// <!-- bench:table:start --> and <!-- bench:table:end --> in that file.
import fs from 'node:fs';

const args = process.argv.slice(2);
const file = args[0];
let meta = '';
let write = null;
for (let i = 1; i < args.length; i++) {
  if (args[i] === '--meta') meta = args[++i];
  else if (args[i] === '--write') write = args[++i];
}

const runs = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
// What the server could do on a core of its own: the machine is shared, so
// messages/s also measures the neighbours; CPU per message does not.
for (const r of runs) {
  if (r.r && r.r.server_cpu_us_per_msg > 0) r.r.capacity = 1e6 / r.r.server_cpu_us_per_msg;
}
const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && x >= 0).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

// metric: [label, field, target check on libsio/Node or libsio/floor]
const METRICS = {
  echo: [
    ['messages/s', 'msgs_per_s'],
    ['capacity msg/s (1e6 / CPU us per msg)', 'capacity'],
    ['p50 latency (us)', 'p50_us'],
    ['p99 latency (us)', 'p99_us'],
    ['p999 latency (us)', 'p999_us'],
    ['server CPU us/message', 'server_cpu_us_per_msg'],
    ['server user-space CPU us/message', 'server_user_us_per_msg'],
    ['server kernel CPU us/message', 'server_sys_us_per_msg'],
    ['generator CPU %', 'gen_cpu_pct'],
    ['errors', 'errors'],
  ],
  bcast: [
    ['deliveries/s', 'deliveries_per_s'],
    ['broadcasts/s', 'msgs_per_s'],
    ['fan-out p50 (us)', 'p50_us'],
    ['fan-out p99 (us)', 'p99_us'],
    ['fan-out p999 (us)', 'p999_us'],
    ['server CPU us/delivery', 'server_cpu_us_per_msg'],
    ['server user-space CPU us/delivery', 'server_user_us_per_msg'],
    ['server kernel CPU us/delivery', 'server_sys_us_per_msg'],
    ['generator CPU %', 'gen_cpu_pct'],
    ['errors', 'errors'],
  ],
  connect: [
    ['handshakes/s', 'handshakes_per_s'],
    ['server CPU us/handshake', 'server_cpu_us_per_handshake'],
    ['server user-space CPU us/handshake', 'server_user_us_per_handshake'],
    ['server kernel CPU us/handshake', 'server_sys_us_per_handshake'],
    ['RSS bytes per idle socket', 'rss_per_conn_bytes'],
    ['connected', 'connected'],
    ['errors', 'errors'],
  ],
};

// The targets: [scenario prefix, metric field, versus, test, text].
// Versus 'node/' tests Node/libsio (how many times libsio is below Node).
const TARGETS = [
  ['ws-echo', 'msgs_per_s', 'node', (r) => r >= 4, '>= 4x Node'],
  ['ws-echo', 'capacity', 'node', (r) => r >= 4, '>= 4x Node'],
  ['ws-echo', 'p99_us', 'node', (r) => r <= 0.25, '<= 1/4 Node'],
  ['ws-echo', 'server_cpu_us_per_msg', 'floor', (r) => r <= 1.3, '<= 1.3x floor'],
  ['bcast', 'server_cpu_us_per_msg', 'node', (r) => r <= 0.2, '<= 1/5 Node'],
  ['connect', 'handshakes_per_s', 'node', (r) => r >= 4, '>= 4x Node'],
  ['connect', 'rss_per_conn_bytes', 'abs', (v) => v <= 2048, '<= 2048 B'],
  ['poll-echo', 'msgs_per_s', 'node', (r) => r >= 3, '>= 3x Node'],
  ['poll-echo', 'capacity', 'node', (r) => r >= 3, '>= 3x Node'],
  // The library's own cost: user space (on loopback the kernel's TCP work
  // of both ends dominates the total).
  ['ws-echo', 'server_user_us_per_msg', 'node/', (r) => r >= 8, 'Node/libsio >= 8'],
  ['bcast', 'server_user_us_per_msg', 'node/', (r) => r >= 8, 'Node/libsio >= 8'],
  ['poll-echo', 'server_user_us_per_msg', 'node/', (r) => r >= 8, 'Node/libsio >= 8'],
];

const scenarios = [...new Set(runs.map((r) => r.scenario))];
const fmt = (v) => {
  if (v === null || v === undefined) return '-';
  if (Number.isInteger(v)) return v.toLocaleString('en');
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
};
const ratio = (a, b) => (a === null || b === null || b === 0 ? null : a / b);

const lines = [];
if (meta) lines.push(`Machine: ${meta}. Medians of ${Math.max(...runs.map((r) => r.rep))} run(s).`, '');
lines.push('| scenario | metric | libsio | Node | floor | libsio/Node | libsio/floor | target |');
lines.push('|---|---|---:|---:|---:|---:|---:|---|');
for (const sc of scenarios) {
  const one = runs.find((r) => r.scenario === sc && r.r);
  if (!one) continue;
  for (const [label, field] of METRICS[one.r.mode]) {
    const med = {};
    for (const srv of ['libsio', 'node', 'floor']) {
      const xs = runs.filter((r) => r.scenario === sc && r.server === srv && r.r).map((r) => r.r[field]);
      med[srv] = xs.length ? median(xs) : null;
    }
    const rn = ratio(med.libsio, med.node);
    const rf = ratio(med.libsio, med.floor);
    let target = '';
    for (const [pre, f, vs, test, text] of TARGETS) {
      if (!sc.startsWith(pre) || f !== field) continue;
      const x = vs === 'node' ? rn : vs === 'node/' ? ratio(med.node, med.libsio) : vs === 'floor' ? rf : med.libsio;
      const shown = vs === 'node/' && x !== null ? ` (${x.toFixed(1)})` : '';
      target = x === null ? `${text}: n/a` : `${text}${shown}: ${test(x) ? 'met' : '**missed**'}`;
    }
    lines.push(`| ${sc} | ${label} | ${fmt(med.libsio)} | ${fmt(med.node)} | ${fmt(med.floor)} | ` +
      `${rn === null ? '-' : rn.toFixed(2)} | ${rf === null ? '-' : rf.toFixed(2)} | ${target} |`);
  }
}
// The server's CPU split per scenario, libsio and Node side by side: user
// space is the library's (or Node's) own work, the kernel's part is mostly
// TCP on loopback, which does not depend on the server much.
const cpuRows = [];
for (const sc of scenarios) {
  const one = runs.find((r) => r.scenario === sc && r.r);
  if (!one) continue;
  const unit = one.r.mode === 'connect' ? 'handshake' : one.r.mode === 'bcast' ? 'delivery' : 'message';
  const f = one.r.mode === 'connect' ? 'us_per_handshake' : 'us_per_msg';
  const med = (srv, kind) =>
    median(runs.filter((r) => r.scenario === sc && r.server === srv && r.r).map((r) => r.r[`server_${kind}_${f}`]));
  const lu = med('libsio', 'user');
  const nu = med('node', 'user');
  if (lu === null && nu === null) continue;
  const rn = ratio(nu, lu);
  cpuRows.push(`| ${sc} | ${unit} | ${fmt(lu)} | ${fmt(med('libsio', 'sys'))} | ${fmt(nu)} | ` +
    `${fmt(med('node', 'sys'))} | ${rn === null ? '-' : rn.toFixed(1)} |`);
}
if (cpuRows.length) {
  lines.push('', 'Server CPU per unit, user space and kernel (us, medians):', '');
  lines.push('| scenario | per | libsio user | libsio kernel | Node user | Node kernel | Node/libsio user |');
  lines.push('|---|---|---:|---:|---:|---:|---:|');
  lines.push(...cpuRows);
}
const table = lines.join('\n');

if (write) {
  const start = '<!-- bench:table:start -->';
  const end = '<!-- bench:table:end -->';
  let doc = fs.existsSync(write) ? fs.readFileSync(write, 'utf8') : `${start}\n${end}\n`;
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) doc += `\n${start}\n${end}\n`;
  const i = doc.indexOf(start) + start.length;
  const j = doc.indexOf(end);
  doc = `${doc.slice(0, i)}\n${table}\n${doc.slice(j)}`;
  fs.writeFileSync(write, doc);
} else {
  console.log(table);
}
