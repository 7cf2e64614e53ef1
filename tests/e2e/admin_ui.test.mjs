// The official Socket.IO Admin UI (@socket.io/admin-ui 0.5's own page, served
// by the demo at /admin/ from the npm package) in Debian's Chromium, driven by
// playwright-core, against `demo --admin USER:PASSWORD` (libsio-admin).
//
// Wrong credentials are refused; the right ones log in; the dashboard shows
// the server and the namespaces; a scripted socket.io-client 4.8 client (from
// the interop tests' lockfile) appears in the socket list, and its room in
// the room view; clicking the socket's disconnect button disconnects it. A
// screenshot is saved to tests/artifacts/admin-ui.png. Then two demos on one
// throwaway redis-server (--redis): the UI logged in to one lists both
// servers (tests/artifacts/admin-ui-cluster.png).
//
// With SIO_TEST_WORKERS=N (e2e/admin_ui@wN) every demo runs on N worker
// threads: each worker reports as a server of its own, and the dashboard,
// which adds the servers' client counts up, still counts each client once.
//
// Needs SIO_BIN_DIR (the build directory) and SIO_SOURCE_DIR; CTest sets both.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { spawnServer, testWorkers } from '../interop/lib/spawn.mjs';
import { startRedis } from '../interop/lib/redis.mjs';
import { chromiumSkip, launchChromium } from './lib/chromium.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(HERE, '..', 'artifacts');
const WAIT = 30000; // one step's bound (ms): the UI's bundle is 1 MB of script
const USER = 'operator';
const PASS = 'correct horse';
const { io } = createRequire(path.join(HERE, '..', 'interop', 'package.json'))('socket.io-client');

const skip = chromiumSkip();
const W = testWorkers(); // each demo's workers: servers in the UI

function demoArgs(extra = []) {
  const args = ['--tick', '3600000', '--admin', `${USER}:${PASS}`, ...extra];
  const src = process.env.SIO_SOURCE_DIR;
  if (src) args.push('--static', path.join(src, 'examples', 'demo', 'public'));
  return args;
}

// A fresh browser context on the UI (its page links web fonts and icons on
// CDNs: offline here, so those requests are cut at once).
async function openUi(browser, base, pageErrors) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await ctx.route(/fonts\.googleapis\.com|cdn\.jsdelivr\.net/, (r) => r.abort());
  const page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(WAIT);
  await page.goto(`${base}/admin/`, { timeout: WAIT });
  return { ctx, page };
}

async function login(page, base, user, pass) {
  await page.getByLabel('Server URL').fill(base);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(pass);
  await page.getByRole('button', { name: 'Connect' }).click();
}

// A view of the navigation drawer (a page's breadcrumbs may hold the same name).
function nav(page, name) {
  return page.locator('nav').getByRole('link', { name, exact: true }).click();
}

// The Sockets and Rooms views show one namespace, the first the UI heard of
// ("/admin", the UI's own): pick another in their select.
async function selectNamespace(page, name) {
  await page.locator('main .v-select .v-input__slot').first().click();
  await page.locator('.v-menu__content .v-list-item', { hasText: new RegExp(`^\\s*${name}\\s*$`) }).click();
}

function connectClient(base) {
  const s = io(`${base}/`, { forceNew: true, reconnection: false, transports: ['websocket'] });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

describe('e2e: the Admin UI in Chromium against demo --admin', { skip, timeout: 180000 }, () => {
  let srv;
  let browser;
  let base;
  let ui;
  let client;
  const pageErrors = [];

  before(async () => {
    srv = await spawnServer('demo', demoArgs());
    base = `http://127.0.0.1:${srv.port}`;
    browser = await launchChromium();
  });

  after(async () => {
    if (client) client.disconnect();
    if (browser) await browser.close().catch(() => {});
    if (srv) {
      const r = await srv.stop();
      assert.deepEqual(r, { code: 0, signal: null }, 'demo exits cleanly');
    }
  });

  it('serves the UI at /admin/ from the npm package', async () => {
    const page = await fetch(`${base}/admin/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Socket\.IO Admin UI/);
    const redirect = await fetch(`${base}/admin`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/admin/');
    assert.equal((await fetch(`${base}/admin/nothing.js`)).status, 404);
  });

  it('refuses wrong credentials', async () => {
    const { ctx, page } = await openUi(browser, base, pageErrors);
    await login(page, base, USER, 'wrong password');
    await page.getByText('invalid credentials').first().waitFor();
    assert.equal(await page.getByText(/^\s*connected\s*$/i).count(), 0);
    await ctx.close();
  });

  it('logs in; the dashboard shows the server and the namespaces', async () => {
    ui = await openUi(browser, base, pageErrors);
    const { page } = ui;
    await login(page, base, USER, PASS);
    await page.getByText(/^\s*connected\s*$/i).first().waitFor();
    // Servers card: one healthy server per worker (their server_stats arrive).
    await page.waitForFunction((w) => new RegExp(`HEALTHY\\s*${w}\\b`).test(document.querySelector('main').innerText), W);
    await page.locator('main').getByText('/admin', { exact: true }).waitFor();
    await nav(page, 'Servers');
    await page.locator('main tbody tr', { hasText: /#\d+/ }).first().waitFor();
  });

  it("lists a connected socket, and its room in the room view", async () => {
    const { page } = ui;
    client = await connectClient(base);
    client.emit('join', { room: 'e2e-room' });
    await nav(page, 'Sockets');
    await selectNamespace(page, '/');
    await page.locator('main tbody tr', { hasText: client.id }).waitFor();
    await nav(page, 'Rooms');
    await selectNamespace(page, '/');
    const row = page.locator('main tbody tr', { hasText: 'e2e-room' });
    await row.waitFor();
    await row.click(); // the room's own view, with its sockets
    await page.locator('main', { hasText: client.id }).waitFor();
    assert.match(page.url(), /e2e-room/);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-ui.png'), fullPage: true });
  });

  it("the dashboard counts each client once, whatever the workers", async () => {
    const { page } = ui;
    // The UI's own connection and the scripted client, both on WebSocket by
    // now: the Clients card adds up every server's (worker's) figures.
    await nav(page, 'Dashboard');
    await page.waitForFunction(() => {
      const t = document.querySelector('main').innerText;
      return /WebSocket\s*2\s/.test(t) && /HTTP long-polling\s*0\s/.test(t);
    });
  });

  it('disconnects the socket when its disconnect button is clicked', async () => {
    const { page } = ui;
    const gone = new Promise((resolve) => client.once('disconnect', resolve));
    const id = client.id;
    await nav(page, 'Sockets');
    await selectNamespace(page, '/');
    const row = page.locator('main tbody tr', { hasText: id });
    await row.locator('button').first().click();
    assert.equal(await gone, 'io server disconnect');
    // The UI drops the socket from its list on socket_disconnected (the
    // click also opened the socket's details, which now say DISCONNECTED).
    await nav(page, 'Sockets');
    await selectNamespace(page, '/');
    await page.waitForFunction((sid) => !document.querySelector('main').innerText.includes(sid), id);
    assert.deepEqual(pageErrors, []);
  });
});

describe('e2e: the Admin UI across two demos on Redis', { skip, timeout: 180000 }, () => {
  let redis;
  let demos = [];
  let browser;

  before(async () => {
    redis = await startRedis();
    demos = await Promise.all([0, 1].map(() => spawnServer('demo', demoArgs(['--redis', redis.url]))));
    browser = await launchChromium();
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    for (const d of demos) assert.deepEqual(await d.stop(), { code: 0, signal: null });
    if (redis) await redis.stop();
  });

  it('lists both servers', async () => {
    const base = `http://127.0.0.1:${demos[0].port}`;
    const errors = [];
    const { page } = await openUi(browser, base, errors);
    await login(page, base, USER, PASS);
    await page.getByText(/^\s*connected\s*$/i).first().waitFor();
    await nav(page, 'Servers');
    const pids = demos.map((d) => String(d.proc.pid));
    // Each demo reports as host#pid, or with workers host#pid#<worker>.
    const ids = pids.flatMap((pid) => (W > 1 ? Array.from({ length: W }, (_, w) => `#${pid}#${w}`) : [`#${pid}`]));
    for (const id of ids) await page.locator('main tbody tr', { hasText: id }).waitFor();
    assert.equal(await page.locator('main tbody tr', { hasText: /#\d+/ }).count(), 2 * W);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-ui-cluster.png'), fullPage: true });
    assert.deepEqual(errors, []);
  });
});
