#!/usr/bin/env node
// Screenshots a page of this repository in headless Chromium (Debian's).
//
//   node tools/screenshot/screenshot.mjs <path?query> <out.png> [--width 1280] [--height 900]
//        [--wait-text done] [--selector '#art'] [--full]
//
// The repository root is served on 127.0.0.1; <path> is relative to it,
// e.g. 'tests/e2e/pages/art-demo.html?view=gallery'. Waits until #status
// contains --wait-text (default 'done'), then shoots the page, the element
// matched by --selector, or the full scrolling page with --full. Console
// errors and CSP violations are printed.
import { STRICT_CSP, startServer } from '../lib/static-server.mjs';
import { launchChromium } from '../lib/chromium.mjs';

const args = process.argv.slice(2);
/** @param {string} name @param {string} fallback */
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const flag = (/** @type {string} */ name) => {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const width = Number(opt('--width', '1280'));
const height = Number(opt('--height', '900'));
const waitText = opt('--wait-text', 'done');
const selector = opt('--selector', '');
const full = flag('--full');
const [target, out] = args;
if (!target || !out) {
  console.error('usage: screenshot.mjs <path?query> <out.png> [--width W] [--height H] [--wait-text T] [--selector S] [--full]');
  process.exit(2);
}

const server = await startServer({ csp: STRICT_CSP });
const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.error(`[console.${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => console.error(`[pageerror] ${e.message}`));
  await page.goto(`${server.url}/${target.replace(/^\//, '')}`);
  if (waitText) await page.waitForFunction((t) => document.getElementById('status')?.textContent?.includes(t), waitText, { timeout: 60_000 });
  if (selector) await page.locator(selector).screenshot({ path: out });
  else await page.screenshot({ path: out, fullPage: full });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
}
