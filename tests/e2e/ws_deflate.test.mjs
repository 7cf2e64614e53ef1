// Compression in a real browser (Debian's Chromium through playwright-core)
// against tests/servers/deflate_test_server (permessage-deflate on; `echo`
// answers with the same arguments):
// - a WebSocket from the page negotiates permessage-deflate (Chromium always
//   offers it) and a large message goes both ways;
// - polling from the page: an answer over 1024 bytes comes compressed
//   (Content-Encoding seen in the page's network events), a small one not.
// Needs SIO_BIN_DIR (the build directory); CTest sets it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnServer } from '../interop/lib/spawn.mjs';
import { chromiumSkip, launchChromium } from './lib/chromium.mjs';

const skip = chromiumSkip();
const BIG = 'compressible text '.repeat(300);

describe('compression from Chromium', { skip }, () => {
  let srv;
  let browser;
  let page;
  before(async () => {
    srv = await spawnServer('deflate_test_server');
    browser = await launchChromium();
    page = await browser.newPage();
    // Same origin as the server, so the page may fetch and open sockets freely.
    await page.goto(`http://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=polling`, { timeout: 15000 });
  });
  after(async () => {
    if (browser) await browser.close().catch(() => {});
    const r = await srv?.stop();
    assert.equal(r?.code, 0);
  });

  it('a WebSocket negotiates permessage-deflate and exchanges a large message', async () => {
    const r = await page.evaluate(
      (big) =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(`ws://${location.host}/socket.io/?EIO=4&transport=websocket`);
          const timer = setTimeout(() => reject(new Error('timeout')), 10000);
          ws.onmessage = (e) => {
            const t = e.data;
            if (t[0] === '0') ws.send('40');
            else if (t.startsWith('40')) ws.send(`42["echo",${JSON.stringify(big)}]`);
            else if (t.startsWith('42')) {
              clearTimeout(timer);
              resolve({ ext: ws.extensions, text: t });
              ws.close();
            }
          };
          ws.onerror = () => reject(new Error('ws error'));
        }),
      BIG,
    );
    assert.match(r.ext, /^permessage-deflate/);
    assert.equal(r.text, `42["echo",${JSON.stringify(BIG)}]`);
  });

  it('polling answers over the threshold arrive compressed, small ones not', async () => {
    const pending = [];
    const onResponse = (res) => {
      if (res.request().method() === 'GET' && res.url().includes('sid='))
        pending.push(res.allHeaders().then((h) => ({ enc: h['content-encoding'] || null })));
    };
    page.on('response', onResponse);
    const out = await page.evaluate(async (big) => {
      const base = '/socket.io/?EIO=4&transport=polling';
      const open = await (await fetch(base)).text();
      const sid = JSON.parse(open.slice(1)).sid;
      const url = `${base}&sid=${sid}`;
      await fetch(url, { method: 'POST', body: '40' });
      const first = await (await fetch(url)).text(); // "40{...}": small
      await fetch(url, { method: 'POST', body: `42["echo",${JSON.stringify(big)}]` });
      const second = await (await fetch(url)).text(); // the echo: large
      return { first, second };
    }, BIG);
    page.off('response', onResponse);
    const encodings = await Promise.all(pending);
    assert.match(out.first, /^40/);
    assert.equal(out.second, `42["echo",${JSON.stringify(BIG)}]`);
    assert.equal(encodings.length, 2);
    assert.equal(encodings[0].enc, null);
    assert.match(encodings[1].enc, /^(gzip|deflate)$/);
  });
});
