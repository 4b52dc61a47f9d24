// Faults as a user of the playground (site/index.html) meets them, in headless Chromium:
//   - the worker ends in the middle of a poem (silently, as a browser may stop it): a clear message (code `crashed`), the characters
//     written so far stay on the page and in the saved state (a reload shows them), the settings
//     are kept, and the next poem is written by the restarted worker;
//   - the tab goes away mid-poem (closed while its worker hangs): a new tab shows the characters
//     written up to then (the poem is saved as it grows, not only when it ends);
//   - storage is full (a real quota set through the DevTools protocol): the model still loads
//     and writes, and the page says it could not be kept for offline use (`quota_exceeded`).
//
//   node --test tests/e2e/playground-faults.test.mjs
// Needs assets/models/inkstone-poetry-q8_0.gguf and the wasm build (make wasm).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { buildSite, serveSite, launchBrowser } from './playground-server.mjs';
import { openPlaygroundPage, waitForModel, setComposer, poemLines } from './playground-page.mjs';

/** @type {string} */
let siteDir = '';
/** @type {Awaited<ReturnType<typeof serveSite>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  siteDir = await buildSite();
  server = await serveSite(siteDir, { basePath: '/inkstone/' });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
  if (siteDir) fs.rmSync(siteDir, { recursive: true, force: true });
});

/** @param {{chars: string[], punct: string}[]} lines */
const textOf = (lines) => lines.map((l) => l.chars.join('') + l.punct).join('');

/** @param {import('playwright-core').Page} page */
const hanCount = (page) => page.$$eval('#poem-body .line .ch', (cells) => cells.length);

/** @param {import('playwright-core').Page} page */
const runState = (page) => page.evaluate(() => document.body.dataset.run);

test('the worker dies mid-poem: clear message, the written characters and settings kept, next poem works', { timeout: 240_000 }, async () => {
  const { context, page, problems } = await openPlaygroundPage(browser, server.url);
  await waitForModel(page);
  // A long form, so the crash lands in the middle.
  await setComposer(page, { title: '秋夜', form: 'qiyan-lushi', seed: 4242 });
  const worker = page.workers().find((w) => w.url().endsWith('/worker.js'));
  assert.ok(worker, `no worker: ${page.workers().map((w) => w.url())}`);
  // The worker ends itself right after posting its 12th token (no error event, as when the
  // browser stops a worker): a poem this small model writes in ~0.1 s must die mid-way.
  await worker.evaluate(() => {
    const scope = /** @type {any} */ (self);
    const post = scope.postMessage.bind(scope);
    scope.postMessage = (/** @type {any} */ message, /** @type {any} */ transfer) => {
      post(message, transfer);
      if (message && message.type === 'token' && message.index === 11) scope.close();
    };
  });
  await page.click('#generate');
  await page.waitForFunction(() => document.body.dataset.run !== 'writing', null, { timeout: 30_000 });
  assert.equal(await runState(page), 'error');
  assert.equal(await page.getAttribute('#notice', 'data-code'), 'crashed');
  assert.equal(await page.isVisible('#notice'), true);
  const kept = textOf(await poemLines(page));
  assert.ok(kept.length >= 8 && kept.length < 64, `expected part of a poem on the page: ${kept}`);
  assert.equal(await page.inputValue('#title-input'), '秋夜');

  // Nothing is lost on reload either: the same characters come back, marked as stopped.
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.run === 'stopped', null, { timeout: 10_000 });
  assert.equal(textOf(await poemLines(page)), kept, 'the partial poem was not restored');
  assert.equal(await page.inputValue('#title-input'), '秋夜');
  assert.equal(await page.inputValue('#seed-input'), '4242');

  // The app is usable: a whole poem is written.
  await waitForModel(page);
  await page.click('#generate');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.run ?? ''), null, { timeout: 90_000 });
  assert.equal(await runState(page), 'done', await page.textContent('#notice-text'));
  assert.equal((await poemLines(page)).length, 8);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the tab goes away mid-poem: the characters written so far come back in a new tab', { timeout: 240_000 }, async () => {
  const { context, page } = await openPlaygroundPage(browser, server.url);
  await waitForModel(page);
  await setComposer(page, { title: '夜雨', form: 'qiyan-lushi', seed: 99 });
  const worker = page.workers().find((w) => w.url().endsWith('/worker.js'));
  assert.ok(worker);
  // The worker hangs for good after its 12th token: the poem stops mid-way, the page lives on.
  await worker.evaluate(() => {
    const scope = /** @type {any} */ (self);
    const post = scope.postMessage.bind(scope);
    scope.postMessage = (/** @type {any} */ message, /** @type {any} */ transfer) => {
      post(message, transfer);
      if (message && message.type === 'token' && message.index === 11) {
        setTimeout(() => {
          for (;;);
        }, 0);
      }
    };
  });
  await page.click('#generate');
  await page.waitForFunction(() => document.querySelectorAll('#poem-body .line .ch').length >= 8, null, { timeout: 60_000 });
  await page.waitForTimeout(800);  // longer than the draft's save interval
  const shown = textOf(await poemLines(page));
  assert.ok(shown.length >= 8 && shown.length < 64, shown);
  assert.equal(await runState(page), 'writing');
  // The tab goes away while the poem is still being written (the generation never ends, so no
  // finally block runs): what was saved as the poem grew is all there is.
  await page.close({ runBeforeUnload: false });
  const again = await context.newPage();
  await again.goto(server.url);
  await again.waitForFunction(() => document.body.dataset.run === 'stopped', null, { timeout: 10_000 });
  assert.equal(textOf(await poemLines(again)), shown, 'the poem written before the crash');
  assert.equal(await again.inputValue('#title-input'), '夜雨');
  await context.close();
});

test('storage full: the model loads and writes, the page says it was not kept for offline use', { timeout: 240_000 }, async () => {
  const origin = new URL(server.url).origin;
  const { context, page, problems } = await openPlaygroundPage(browser, server.url, {
    beforeGoto: async (p) => {
      const cdp = await p.context().newCDPSession(p);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 64 * 1024 });
    },
  });
  await waitForModel(page);
  await page.waitForSelector('#notice[data-code="quota_exceeded"]', { timeout: 30_000 });
  assert.match(await page.textContent('#notice-text') ?? '', /存储已满|storage is full/i);
  await setComposer(page, { title: '春晓', form: 'wuyan-jueju', seed: 7 });
  await page.click('#generate');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.run ?? ''), null, { timeout: 60_000 });
  assert.equal(await runState(page), 'done', await page.textContent('#notice-text'));
  assert.ok((await hanCount(page)) >= 20);
  const cached = await page.evaluate(async () => (await caches.keys()).length > 0 && (await Promise.all(
    (await caches.keys()).map(async (name) => (await (await caches.open(name)).keys()).some((r) => r.url.endsWith('.gguf'))),
  )).some(Boolean));
  assert.equal(cached, false, 'a model was stored beyond the quota');
  // The service worker's precache fails for the same reason; that is reported, not thrown.
  assert.deepEqual(problems.filter((p) => !/Quota|quota/.test(p)), []);
  await context.close();
});
