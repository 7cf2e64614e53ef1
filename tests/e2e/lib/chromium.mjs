// Debian's Chromium for the browser tests, driven by playwright-core.
//
//   const skip = chromiumSkip(); // at the top level of a test file
//   describe('...', { skip }, () => { before(async () => { browser = await launchChromium(); }); });
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

export const CHROMIUM = process.env.SIO_CHROMIUM || '/usr/bin/chromium';

// The `skip` option of a describe that needs the browser: false when it is
// there. No browser is a failure (make test installs Debian's chromium): a
// test "finds Chromium" fails, unless SIO_E2E_OPTIONAL=1 says a skip is fine
// on this machine (the option then says why).
export function chromiumSkip() {
  if (fs.existsSync(CHROMIUM)) return false;
  if (process.env.SIO_E2E_OPTIONAL === '1')
    return `${CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium) to run this test`;
  it('finds Chromium', () => {
    assert.fail(`${CHROMIUM} is absent: run make deps (Debian's chromium), or set SIO_E2E_OPTIONAL=1 to skip`);
  });
  return true;
}

// A headless browser (close it in an after hook).
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 60000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
