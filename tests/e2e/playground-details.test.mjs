// Details of the playground (site/index.html) that a first-time user meets, in headless Chromium:
//   - a generation cut at the length limit (the worker's summary says reason 'max_tokens') is
//     not a finished poem: shown as stopped, saved as incomplete, no seal; a poem the model ends
//     itself ('eos') is done
//   - opening a share link: once the model is ready the status line stops saying it is loading
//   - a good share link opened after a bad one (a fragment change in the same tab) clears the
//     bad link's notice
//   - the poem card fits a long title: every title character is drawn (in columns), inside the
//     card's border, clear of the poem's columns (measured through renderCard's onGlyph hook)
//   - Simplified → Traditional is phrase-level (OpenCC via opencc-js): 头发/发展/白发,
//     云/人云亦云, 以后/皇后; the ~1 MB tables load only when Traditional is chosen, and are in
//     the service worker's precache list, and work offline
//
//   node --test tests/e2e/playground-details.test.mjs
// Needs assets/models/inkstone-poetry-q8_0.gguf and the wasm build (make wasm).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { buildSite, serveSite, launchBrowser } from './playground-server.mjs';
import { openPlaygroundPage, waitForModel, setComposer, poemLines } from './playground-page.mjs';
import { encodeShare } from '../../site/share/share-codec.js';

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

/**
 * A share link fragment for a poem (no model needed to show it).
 * @param {string} title
 * @param {string} poem
 * @param {string} [modelId]
 */
function shareFragment(title, poem, modelId = 'test') {
  return encodeShare({
    modelId,
    prompt: { title },
    form: { preset: 'free', tones: false, rhyme: false, rhymeBook: 'xinyun' },
    sampling: { temperature: 0.8, topK: 40, topP: 0.95, seed: 7 },
    poem,
  });
}

/** @param {import('playwright-core').Page} page */
const runState = (page) => page.evaluate(() => document.body.dataset.run);

/** @param {import('playwright-core').Page} page */
async function waitForRunEnd(page) {
  await page.waitForFunction(() => ['done', 'stopped', 'error'].includes(document.body.dataset.run ?? ''), null, {
    timeout: 60_000,
  });
}

test('a poem cut at the length limit is not complete; one the model ends is', { timeout: 180_000 }, async () => {
  const { context, page, problems } = await openPlaygroundPage(browser, server.url);
  try {
    await waitForModel(page);
    // The model ends a quatrain itself: done, complete, sealed.
    await setComposer(page, { title: '春夜', form: 'wuyan-jueju', seed: 11 });
    await page.click('#generate');
    await waitForRunEnd(page);
    assert.equal(await runState(page), 'done');
    const saved = () => page.evaluate(() => JSON.parse(localStorage.getItem('inkstone.playground.v1') || '{}').poem);
    assert.equal((await saved()).complete, true);
    assert.equal(await page.isVisible('#seal-line'), true, 'a finished poem has its seal');
    const endedBy = await page.evaluate(() => document.body.dataset.stopReason);

    // The worker says the same kind of run ended at the token limit.
    const worker = page.workers().find((w) => w.url().endsWith('/worker.js'));
    assert.ok(worker, `no worker: ${page.workers().map((w) => w.url())}`);
    await worker.evaluate(() => {
      const scope = /** @type {any} */ (self);
      const post = scope.postMessage.bind(scope);
      scope.postMessage = (/** @type {any} */ message, /** @type {any} */ transfer) => {
        if (message && message.ok && message.result && message.result.type === 'done') {
          message = { ...message, result: { ...message.result, reason: 'max_tokens' } };
        }
        post(message, transfer);
      };
    });
    await setComposer(page, { title: '春夜', form: 'wuyan-jueju', seed: 12 });
    await page.click('#generate');
    await waitForRunEnd(page);
    assert.equal(await runState(page), 'stopped', 'a poem cut at the length limit is shown as done');
    assert.equal((await saved()).complete, false, 'a poem cut at the length limit is saved as complete');
    assert.equal(await page.isVisible('#seal-line'), false, 'a cut poem gets the seal of a finished one');
    // Why each run ended, as the page reports it.
    assert.equal(endedBy, 'eos');
    assert.equal(await page.evaluate(() => document.body.dataset.stopReason), 'max_tokens');
    assert.ok((await poemLines(page)).length > 0, 'the characters written stay');
    assert.match((await page.textContent('#model-status-text')) ?? '', /长度上限|長度上限/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a share link: the status line does not stay on "loading" once the model is ready', async () => {
  const link = server.url + shareFragment('秋夜', '月落乌啼霜满天，江枫渔火对愁眠。');
  const { context, page, problems } = await openPlaygroundPage(browser, link);
  try {
    await page.waitForFunction(() => document.body.dataset.run === 'shared', null, { timeout: 10_000 });
    await waitForModel(page);
    // Whatever follows the model load (the rhyme book, the prosody marks) has had its turn.
    await page.waitForTimeout(500);
    const status = (await page.textContent('#model-status-text')) ?? '';
    assert.doesNotMatch(status, /载入|載入|下载|下載|准备|準備|校验|校驗/, `the status line still says: ${status}`);
    assert.match(status, /重演/, `the status line should point at Replay: ${status}`);
    assert.equal(await page.isDisabled('#replay'), false);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a good share link opened after a bad one clears the bad link\'s notice', async () => {
  const good = shareFragment('春望', '国破山河在，城春草木深。');
  const truncated = `#p1.${good.slice(good.indexOf('.') + 1, -9)}`;
  const { context, page, problems } = await openPlaygroundPage(browser, server.url + truncated);
  try {
    await page.waitForSelector('#notice:not([hidden])', { timeout: 10_000 });
    assert.equal(await page.getAttribute('#notice', 'data-code'), 'share_truncated');
    await page.evaluate((f) => {
      location.hash = f;
    }, good);
    await page.waitForFunction(() => document.body.dataset.run === 'shared', null, { timeout: 10_000 });
    assert.equal(await page.textContent('#poem-heading'), '春望');
    assert.equal(await page.isHidden('#notice'), true, `the bad link's notice stayed: ${await page.textContent('#notice-text')}`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the poem card fits a long title: every character drawn, inside the border, clear of the poem', async () => {
  const { context, page, problems } = await openPlaygroundPage(browser, server.url);
  try {
    const poem = '床前明月光，疑是地上霜。\n举头望明月，低头思故乡。';
    // 24 characters: the title field's limit. 60: a share link can carry longer titles.
    const titles = ['春江花月夜山居秋暝春江花月夜山居秋暝送别远游', '江'.repeat(60)];
    for (const title of titles) {
      const result = await page.evaluate(
        async ({ title, poem }) => {
          const { renderCard } = await import('./card/index.js');
          /** @type {{part: string, ch: string, left: number, right: number, top: number, bottom: number}[]} */
          const glyphs = [];
          const canvas = await renderCard({ poem, title, seed: 7, width: 1200, height: 1600, onGlyph: (g) => glyphs.push(g) });
          return { glyphs, width: canvas.width, height: canvas.height };
        },
        { title, poem },
      );
      const titleGlyphs = result.glyphs.filter((g) => g.part === 'title');
      const poemGlyphs = result.glyphs.filter((g) => g.part === 'poem');
      const drawn = titleGlyphs.map((g) => g.ch).join('');
      if (title.length <= 36) assert.equal(drawn, title, 'the card lost part of the title');
      else assert.equal(drawn, title.slice(0, 35) + '…', 'a title too long for three columns ends in …');
      assert.equal(poemGlyphs.length, 20);
      // Inside the mounting border (3 % of the width in from each edge).
      const inset = result.width * 0.03;
      for (const g of titleGlyphs) {
        const where = `title glyph ${g.ch} at (${g.left.toFixed(0)}..${g.right.toFixed(0)}, ${g.top.toFixed(0)}..${g.bottom.toFixed(0)})`;
        assert.ok(g.left >= inset && g.right <= result.width - inset, `${where} is outside the card's width ${result.width}`);
        assert.ok(g.top >= inset && g.bottom <= result.height - inset, `${where} is outside the card's height ${result.height}`);
      }
      // The title's columns are right of the poem's (vertical text, read right to left).
      const titleLeft = Math.min(...titleGlyphs.map((g) => g.left));
      const poemRight = Math.max(...poemGlyphs.map((g) => g.right));
      assert.ok(titleLeft > poemRight, `the title (left edge ${titleLeft}) runs into the poem (right edge ${poemRight})`);
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('Traditional display converts phrases, not characters; its tables load only when chosen', async () => {
  const fragment = shareFragment('白发', '头发发展白发，云飞人云亦云。\n以后皇后归，白云千载空。');
  const { context, page, problems } = await openPlaygroundPage(browser, server.url + fragment);
  try {
    await page.waitForFunction(() => document.body.dataset.run === 'shared', null, { timeout: 10_000 });
    // What the page itself imported (the service worker fetches every file of the app shell in
    // the background, for offline use; that is not the page loading them).
    /** @param {string} name */
    const imported = (name) =>
      page.evaluate((n) => performance.getEntriesByType('resource').some((e) => e.name.endsWith(`/vendor/opencc-js/dict/${n}.js`)), name);
    const importedBefore = await imported('STPhrases');
    await page.click('#script-toggle');
    await page.waitForFunction(() => document.getElementById('script-toggle')?.getAttribute('aria-pressed') === 'true', null, {
      timeout: 10_000,
    });
    const shown = await page.$$eval('#poem-body .line', (lines) =>
      lines.map((line) => Array.from(line.querySelectorAll('.ch'), (c) => c.textContent).join('')),
    );
    assert.deepEqual(shown, ['頭髮發展白髮', '雲飛人云亦云', '以後皇后歸', '白雲千載空']);
    assert.equal(await page.textContent('#poem-heading'), '白髮');
    assert.equal(importedBefore, false, 'the Simplified → Traditional tables loaded before Traditional was chosen');
    assert.equal(await imported('STPhrases'), true, 'the Simplified → Traditional tables were not loaded');
    // The model's text is unchanged underneath.
    assert.deepEqual((await poemLines(page)).map((l) => l.chars.join('')), ['头发发展白发', '云飞人云亦云', '以后皇后归', '白云千载空']);
    // Offline: the tables are part of the precached app shell.
    const precache = JSON.parse(fs.readFileSync(path.join(siteDir, 'precache.json'), 'utf8'));
    const files = new Set(precache.files.map((/** @type {{path: string}} */ f) => f.path));
    for (const f of ['vendor/opencc-js/core.js', 'vendor/opencc-js/dict/STPhrases.js', 'vendor/opencc-js/dict/TSCharacters.js', 'vendor/opencc-js/LICENSE']) {
      assert.ok(files.has(f), `${f} is not precached`);
    }
    // Back to Simplified, and Traditional typed into the title reaches the model as Simplified.
    await page.click('#script-toggle');
    await page.waitForFunction(() => document.getElementById('script-toggle')?.getAttribute('aria-pressed') === 'false');
    assert.equal(await page.textContent('#poem-heading'), '白发');
    assert.equal(
      await page.evaluate(async () => (await import('./app/hanzi.js')).toSimplified('頭髮以後皇后雲')),
      '头发以后皇后云',
    );
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('offline, Traditional display still converts (its tables come from the service worker)', { timeout: 120_000 }, async () => {
  const fragment = shareFragment('白发', '头发发展白发，云飞人云亦云。');
  const { context, page } = await openPlaygroundPage(browser, server.url + fragment);
  try {
    await waitForModel(page); // the model is kept in the model cache for the offline visit
    await page.evaluate(async () => {
      await /** @type {any} */ (window).inkstonePwa.ready;
      await navigator.serviceWorker.ready;
    });
    await context.setOffline(true);
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.run === 'shared', null, { timeout: 20_000 });
    assert.equal(await page.evaluate(() => navigator.serviceWorker.controller !== null), true, 'the page is not served by the worker');
    await page.click('#script-toggle');
    await page.waitForFunction(() => document.getElementById('script-toggle')?.getAttribute('aria-pressed') === 'true', null, {
      timeout: 10_000,
    });
    const shown = await page.$$eval('#poem-body .line', (lines) =>
      lines.map((line) => Array.from(line.querySelectorAll('.ch'), (c) => c.textContent).join('')),
    );
    assert.deepEqual(shown, ['頭髮發展白髮', '雲飛人云亦云']);
    assert.equal(await page.isHidden('#notice'), true, `a notice: ${await page.textContent('#notice-text')}`);
  } finally {
    await context.setOffline(false);
    await context.close();
  }
});
