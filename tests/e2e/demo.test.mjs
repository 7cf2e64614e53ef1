// The demo page in a real browser: Debian's Chromium, driven by
// playwright-core (pinned in this folder's lockfile), against demo.
//
// Two pages in separate browser contexts (two independent clients): the
// first connects (polling, then the upgrade to WebSocket), echoes, joins a
// room, joins and leaves another; the second (WebSocket only) sends to both
// rooms, and the first receives only the one it is still in. Also: the client bundle route, broadcast, the ping-latency
// readout, the server-generated event (posted from demo's thread), close
// room, disconnect and reconnect, a polling-only page, and a clean exit on
// SIGTERM. A screenshot is saved to tests/artifacts/demo.png.
//
// With SIO_TEST_WORKERS=N (e2e/demo@wN) the demo runs on N worker threads:
// the same steps, then scripted clients until every worker has one, a
// broadcast from the page reaching all of them, and close_room refusing the
// page's own room when asked from another worker.
//
// Needs SIO_BIN_DIR (the build directory) and, to find the page, the
// executable's lookup or SIO_SOURCE_DIR; CTest sets both.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { spawnServer, testWorkers } from '../interop/lib/spawn.mjs';
import { chromiumSkip, launchChromium } from './lib/chromium.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(HERE, '..', 'artifacts');
const WAIT = 15000; // one step's bound (ms)
const TICK_MS = 1500; // demo --tick: the server-generated event's period

const skip = chromiumSkip();
const W = testWorkers();
const { io } = createRequire(path.join(HERE, '..', 'interop', 'package.json'))('socket.io-client');

// The page directory, when the source tree is known (the executable finds
// it too when the build directory is inside the source tree).
function staticArgs() {
  const src = process.env.SIO_SOURCE_DIR;
  if (!src) return [];
  for (const d of ['examples/demo/public', 'examples/demo/public']) {
    const p = path.join(src, d);
    if (fs.existsSync(path.join(p, 'app.js'))) return ['--static', p];
  }
  return [];
}

// Resolves once a log entry of the page contains text (the newest first).
function waitForLog(page, text, timeout = WAIT) {
  return page.locator('#log .msg', { hasText: text }).first().waitFor({ timeout });
}

async function logTexts(page) {
  return page.locator('#log .msg').allTextContents();
}

function waitForState(page, state, timeout = WAIT) {
  return page.waitForFunction((s) => document.body.dataset.state === s, state, { timeout });
}

describe('e2e: the demo page in Chromium', { skip, timeout: 180000 }, () => {
  let srv;
  let browser;
  let base;
  const contexts = [];
  const pageErrors = [];
  let page1;
  let page2;

  async function openPage(query = '') {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${query || 'default'}: ${e.message}`));
    page.setDefaultTimeout(WAIT);
    await page.goto(`${base}/${query}`, { timeout: WAIT });
    return page;
  }

  before(async () => {
    srv = await spawnServer('demo', ['--tick', String(TICK_MS), ...staticArgs()]);
    base = `http://127.0.0.1:${srv.port}`;
    browser = await launchChromium();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    if (browser) await browser.close().catch(() => {});
    if (srv) await srv.stop();
  });

  it('serves the page and the socket.io-client bundle', async () => {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /libsio demo/);
    const js = await fetch(`${base}/vendor/socket.io.min.js`);
    assert.equal(js.status, 200, 'the bundle is missing: run npm ci in the demo folder');
    assert.match(js.headers.get('content-type'), /javascript/);
    const body = await js.text();
    assert.ok(body.length > 10000, 'a whole bundle');
    assert.match(body, /socket\.io/i);
    assert.equal((await fetch(`${base}/vendor/nothing.js`)).status, 404);
  });

  it('connects, and the server greets the page', async () => {
    page1 = await openPage();
    await waitForState(page1, 'connected');
    await waitForLog(page1, '#0: Connected');
    await waitForLog(page1, "I'm connected!");
    await srv.waitForLine(/client \S+ connected/, WAIT, 0);
  });

  it('upgrades to WebSocket', async () => {
    await page1.waitForFunction(() => document.getElementById('transport').textContent === 'websocket', null, {
      timeout: WAIT,
    });
  });

  it('echoes a message back to the sender', async () => {
    await page1.fill('#echo-data', 'hello from chromium');
    await page1.click('#echo-form button');
    await waitForLog(page1, ': hello from chromium');
  });

  it('joins a room', async () => {
    await page1.fill('#join-room', 'lobby');
    await page1.click('#join-form button');
    await waitForLog(page1, 'In rooms:');
    const rooms = (await logTexts(page1)).find((t) => t.includes('In rooms:'));
    assert.match(rooms, /\blobby\b/);
  });

  it('leaves a room', async () => {
    const roomsLogs = async () => (await logTexts(page1)).filter((t) => t.includes('In rooms:'));
    const n0 = (await roomsLogs()).length;
    await page1.fill('#join-room', 'scratch');
    await page1.click('#join-form button');
    await page1.waitForFunction((n) => [...document.querySelectorAll('#log .msg')].filter((e) => e.textContent.includes('In rooms:')).length > n, n0);
    assert.match((await roomsLogs())[0], /\bscratch\b/);
    await page1.fill('#leave-room', 'scratch');
    await page1.click('#leave-form button');
    await page1.waitForFunction((n) => [...document.querySelectorAll('#log .msg')].filter((e) => e.textContent.includes('In rooms:')).length > n, n0 + 1);
    const rooms = (await roomsLogs())[0]; // the newest
    assert.doesNotMatch(rooms, /\bscratch\b/);
    assert.match(rooms, /\blobby\b/);
  });

  it('receives a room event sent by a second page (WebSocket only)', async () => {
    page2 = await openPage('?transports=websocket');
    await waitForState(page2, 'connected');
    await page2.waitForFunction(() => document.getElementById('transport').textContent === 'websocket');
    // page 1 left "scratch": a room event to it is not delivered; the one to
    // "lobby" sent after it is (and events arrive in order).
    await page2.fill('#room-name', 'scratch');
    await page2.fill('#room-data', 'to the room page 1 left');
    await page2.click('#room-form button');
    await page2.fill('#room-name', 'lobby');
    await page2.fill('#room-data', 'hello lobby from page 2');
    await page2.click('#room-form button');
    await waitForLog(page1, 'hello lobby from page 2');
    assert.ok(!(await logTexts(page1)).some((t) => t.includes('page 1 left')), 'page 1 left scratch');
    // page 2 is not in the room: it must not have got it. By now it has the
    // broadcast sent after it, so the room event would have come first.
    await page2.fill('#broadcast-data', 'broadcast from page 2');
    await page2.click('#broadcast-form button');
    await waitForLog(page2, 'broadcast from page 2');
    await waitForLog(page1, 'broadcast from page 2');
    assert.ok(!(await logTexts(page2)).some((t) => t.includes('hello lobby')), 'page 2 is not in lobby');
  });

  it('shows the average ping latency', async () => {
    await page1.waitForFunction(() => /^\d+(\.\d+)? ms$/.test(document.getElementById('latency').textContent), null, {
      timeout: WAIT,
    });
  });

  it('receives the server-generated event posted by the background thread', async () => {
    await waitForLog(page1, 'Server generated event', TICK_MS * 4 + WAIT);
  });

  it('saves a screenshot', async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, 'demo.png');
    await page1.screenshot({ path: file, fullPage: true });
    assert.ok(fs.statSync(file).size > 1000);
  });

  it('closes a room: its members are told and removed', async () => {
    await page2.fill('#close-room', 'lobby');
    await page2.click('#close-form button');
    await waitForLog(page1, 'Room lobby is closing.');
    await page1.fill('#join-room', 'elsewhere');
    await page1.click('#join-form button');
    await waitForLog(page1, 'elsewhere');
    const rooms = (await logTexts(page1)).find((t) => t.includes('In rooms:'));
    assert.match(rooms, /\belsewhere\b/);
    assert.doesNotMatch(rooms, /\blobby\b/);
  });

  it('disconnects on request, and connects again', async () => {
    const from = srv.stdout().length;
    await page1.click('#disconnect');
    await waitForLog(page1, 'Disconnected!');
    await waitForState(page1, 'disconnected');
    await waitForLog(page1, 'io server disconnect');
    await srv.waitForLine(/disconnected \(server namespace disconnect\)/, WAIT, from);
    await page1.click('#connect');
    await waitForState(page1, 'connected');
  });

  it('works over polling only', async () => {
    const page = await openPage('?transports=polling');
    await waitForState(page, 'connected');
    assert.equal(await page.textContent('#transport'), 'polling');
    await page.fill('#echo-data', 'polling echo');
    await page.click('#echo-form button');
    await waitForLog(page, ': polling echo');
  });

  const workersT = W > 1 ? {} : { skip: 'a demo of several workers only' };
  it('with workers: a broadcast reaches every worker, close_room sees every worker', workersT, async () => {
    const re = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pageId = await page1.evaluate(() => window.demoSocket.id);
    const from = srv.stdout().length;
    const byWorker = new Map();
    const clients = [];
    try {
      // The kernel spreads connections over the workers: connect until
      // every worker has a client (each one's worker is in the demo's log).
      for (let i = 0; i < 64 && byWorker.size < W; i++) {
        const c = io(base, { forceNew: true, reconnection: false, transports: ['websocket'] });
        clients.push(c);
        await new Promise((resolve, reject) => {
          c.once('connect', resolve);
          c.once('connect_error', reject);
        });
        const m = await srv.waitForLine(new RegExp(`client ${re(c.id)} connected .* on worker (\\d+)`), WAIT, from);
        if (!byWorker.has(m[1])) byWorker.set(m[1], c);
      }
      assert.equal(byWorker.size, W, 'a client on every worker');
      const got = clients.map((c) => new Promise((resolve) => {
        c.on('my_response', (msg) => msg.data === 'to every worker' && resolve());
      }));
      await page1.fill('#broadcast-data', 'to every worker');
      await page1.click('#broadcast-form button');
      await waitForLog(page1, 'to every worker');
      await Promise.all(got);
      // The page's own room, from a client of each worker: the page's
      // worker sees it at once, the others fetch it from every worker.
      for (const c of byWorker.values()) {
        // Closing the room would answer nobody but its members: no answer
        // within WAIT is a failure too.
        const answer = new Promise((resolve) => {
          const t = setTimeout(() => resolve('no answer'), WAIT);
          c.on('my_response', function on(msg) {
            if (/close_room/.test(msg.data)) {
              clearTimeout(t);
              c.off('my_response', on);
              resolve(msg.data);
            }
          });
        });
        c.emit('close_room', { room: pageId });
        assert.equal(await answer, "close_room: a client's own room cannot be closed");
      }
      // The page is still in its own room: a room event to it arrives.
      for (const c of byWorker.values()) c.emit('my_room_event', { room: pageId, data: `to ${pageId}` });
      await waitForLog(page1, `to ${pageId}`);
      assert.ok(!(await logTexts(page1)).some((t) => t.includes(`Room ${pageId} is closing`)));
    } finally {
      for (const c of clients) c.disconnect();
    }
  });

  it('had no script errors in the pages', () => {
    assert.deepEqual(pageErrors, []);
  });

  it('exits cleanly on SIGTERM', async () => {
    for (const c of contexts.splice(0)) await c.close();
    const r = await srv.stop();
    assert.deepEqual(r, { code: 0, signal: null }, `stderr: ${srv.stderr().slice(-2000)}`);
  });
});
