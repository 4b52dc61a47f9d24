// The playground's choice of wasm build (buildFor in site/app/engine.js), in headless Chromium on
// a crossOriginIsolated page (the test server sends COOP/COEP):
//   - the site's default model runs the plain build: only inkstone.wasm is fetched
//   - a small model of the user's own (tiny-llama-q8_0.gguf, through the Models dialog) keeps
//     the plain build: no inkstone-mt.wasm is fetched
//   - the same model padded past 16 MiB (17,000,000 zero bytes appended; the GGUF reader accepts
//     trailing bytes) switches to the threaded build: inkstone-mt.wasm is fetched, and the page
//     then writes with it without errors
// The build is observed through the requests the page and its workers make (page 'request'
// events; the service worker's precache fetches are not the page's and do not show there).
//
//   node --test tests/e2e/playground-threads.test.mjs
// Needs assets/models/inkstone-poetry-q8_0.gguf and the wasm build (make wasm).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { buildSite, serveSite, launchBrowser, DEFAULT_MODEL, ROOT } from './playground-server.mjs';
import { openPlaygroundPage, waitForModel, useOwnModel } from './playground-page.mjs';

const TINY = path.join(ROOT, 'tests/fixtures/models/tiny-llama-q8_0.gguf');
const PADDING = 17_000_000;

/** @type {string} */
let siteDir = '';
/** @type {Awaited<ReturnType<typeof serveSite>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  assert.ok(fs.existsSync(DEFAULT_MODEL), `the default model is missing: ${path.relative(ROOT, DEFAULT_MODEL)}`);
  assert.ok(
    fs.existsSync(path.join(ROOT, 'build-wasm/wasm_bindings/inkstone-mt.wasm')),
    'build-wasm/wasm_bindings/inkstone-mt.wasm is missing: run `make wasm` first',
  );
  siteDir = await buildSite();
  server = await serveSite(siteDir, { basePath: '/inkstone/' });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
  if (siteDir) fs.rmSync(siteDir, { recursive: true, force: true });
});

/** The .wasm files requested by the page and its workers, in order (file names). */
function watchWasm(/** @type {import('playwright-core').Page} */ page) {
  /** @type {string[]} */
  const wasm = [];
  page.on('request', (request) => {
    const name = path.posix.basename(new URL(request.url()).pathname);
    if (name.endsWith('.wasm')) wasm.push(name);
  });
  return wasm;
}

test('default model and small own models run inkstone.wasm; an own model from 16 MiB runs inkstone-mt.wasm', { timeout: 300_000 }, async () => {
  const { context, page, problems } = await openPlaygroundPage(browser, server.url);
  try {
    const wasm = watchWasm(page);
    await waitForModel(page);
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true, 'the page is not crossOriginIsolated');
    assert.deepEqual([...new Set(wasm)], ['inkstone.wasm'], 'the default model runs the plain build');

    // A small model of the user's own: still the plain build.
    const tiny = fs.readFileSync(TINY);
    await useOwnModel(page, { name: 'tiny-llama-q8_0.gguf', mimeType: 'application/octet-stream', buffer: tiny });
    assert.ok(!wasm.includes('inkstone-mt.wasm'), `a small own model fetched ${wasm.join(', ')}`);

    // The same model padded past 16 MiB: the threaded build.
    const padded = Buffer.concat([tiny, Buffer.alloc(PADDING)]);
    assert.ok(padded.length >= 16 << 20);
    const before = wasm.length;
    await useOwnModel(page, { name: 'tiny-llama-padded.gguf', mimeType: 'application/octet-stream', buffer: padded });
    assert.deepEqual(wasm.slice(before), ['inkstone-mt.wasm'], 'the padded model switched to the threaded build');

    // It writes with the threaded build (the tiny model cannot be expected to find a regulated
    // poem, so the run must end without an engine failure: done, or a notice, never a crash).
    await page.click('#pwa-models .pwa-dialog-head button').catch(() => {});
    await page.fill('#title-input', '春');
    await page.click('#generate');
    await page.waitForFunction(() => ['done', 'stopped', 'error'].includes(document.body.dataset.run ?? ''), null, { timeout: 120_000 });
    const run = await page.evaluate(() => document.body.dataset.run);
    const notice = await page.textContent('#notice-text');
    const chars = await page.locator('#poem-body .ch').count();
    console.log(`threaded run: ${run}, ${chars} characters, notice: ${notice}`);
    assert.equal(run, 'done', `the run ended as ${run}: ${notice}`);
    assert.ok(chars > 0, 'no characters came out');
    assert.ok(!wasm.slice(before + 1).length, `more wasm fetched while writing: ${wasm.slice(before + 1).join(', ')}`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
