// Node counterpart of the redis_emit program (our C emitter) with
// @socket.io/redis-emitter 5.1.0, same command line; the emitter tests use
// it in place of redis_emit with SIO_REDIS_EMIT=ref.
//
// Usage: node ref/redis_emit_ref.mjs --redis URL [--key PREFIX] [--nsp /chat]
//          [--to room]... [--except room]... [--volatile] CMD ...
//   emit EVENT JSON_ARRAY | join ROOM | leave ROOM | disconnect [close]
//   | server-side EVENT JSON_ARRAY
// Exits 0 once published.
import { Emitter } from '@socket.io/redis-emitter';
import { createClient } from 'redis';

const argv = process.argv.slice(2);
let url = 'redis://127.0.0.1:6379';
let key = 'socket.io';
let nsp = '/';
const to = [];
const except = [];
let vol = false;
let i = 0;
for (; i < argv.length && argv[i].startsWith('--'); i++) {
  const a = argv[i];
  if (a === '--volatile') vol = true;
  else if (a === '--redis') url = argv[++i];
  else if (a === '--key') key = argv[++i];
  else if (a === '--nsp') nsp = argv[++i];
  else if (a === '--to') to.push(argv[++i]);
  else if (a === '--except') except.push(argv[++i]);
  else {
    console.error(`unknown option ${a}`);
    process.exit(2);
  }
}
const [cmd, ...rest] = argv.slice(i);

const client = createClient({ url });
client.on('error', (e) => console.error(`redis: ${e.message}`));
await client.connect();
const em = new Emitter(client, { key }).of(nsp);
let op = em;
for (const r of to) op = op.to(r);
for (const r of except) op = op.except(r);
if (vol) op = op.volatile;

switch (cmd) {
  case 'emit':
    op.emit(rest[0], ...JSON.parse(rest[1] ?? '[]'));
    break;
  case 'join':
    op.socketsJoin(rest[0]);
    break;
  case 'leave':
    op.socketsLeave(rest[0]);
    break;
  case 'disconnect':
    op.disconnectSockets(rest[0] === 'close');
    break;
  case 'server-side':
    em.serverSideEmit(rest[0], ...JSON.parse(rest[1] ?? '[]'));
    break;
  default:
    console.error(`unknown command ${cmd}`);
    process.exit(2);
}
// node-redis sends commands in order: QUIT goes after the PUBLISH.
await client.quit();
