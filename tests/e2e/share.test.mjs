// Share links in a real browser: a fragment made in Node opens in a fresh
// context and shows the same poem, as text; bad links show a clear error and
// no script runs. Run: node --test tests/e2e/share.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, launchChromium, canRunChromium } from './server.mjs';
import { requireOrSkip } from '../js/support/require.mjs';

const skip = requireOrSkip(canRunChromium());
import { encodeShare } from '../../site/share/share-codec.js';

const INJECTION = '<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2</script>';

/** @param {string} title @param {string} poem */
function state(title, poem) {
  return {
    modelId: 'f00dfeed',
    prompt: { title },
    form: { preset: 'wuyan-jueju', tones: true, rhyme: true, rhymeBook: 'pingshui' },
    sampling: { temperature: 0.8, topK: 40, topP: 0.95, seed: 1234 },
    poem,
  };
}

/** @type {{url: string, close: () => Promise<void>}} */
let server;
/** @type {{context: import('playwright-core').BrowserContext, close: () => Promise<void>}} */
let browser;

before(async () => {
  if (skip) return;
  server = await startServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * Opens the demo page with a fragment in a fresh page and reads what it shows.
 * @param {string} fragment
 */
async function open(fragment) {
  const page = await browser.context.newPage();
  /** @type {string[]} */
  const dialogs = [];
  /** @type {string[]} */
  const errors = [];
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${server.url}/tests/e2e/pages/art-demo.html${fragment}`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('done'));
  const shown = await page.evaluate(() => ({
    title: document.getElementById('share-title')?.textContent,
    poem: document.getElementById('share-poem')?.textContent,
    error: document.getElementById('share-error')?.textContent,
    code: document.getElementById('share-error')?.dataset.code ?? null,
    pwned: /** @type {any} */ (window).__pwned ?? null,
    imgs: document.querySelectorAll('#share img, #share script').length,
  }));
  await page.close();
  return { ...shown, dialogs, errors, requests };
}

test('a share link shows the same poem and title, as text', { skip }, async () => {
  const poem = '床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。';
  const shown = await open(encodeShare(state('靜夜思 𠀀', poem)));
  assert.equal(shown.title, '靜夜思 𠀀');
  assert.equal(shown.poem, poem);
  assert.equal(shown.error, '');
  assert.deepEqual(shown.errors, []);
});

test('script injection in the title and poem stays text; nothing runs', { skip }, async () => {
  const shown = await open(encodeShare(state(INJECTION, INJECTION + '\n' + INJECTION)));
  assert.equal(shown.title, INJECTION);
  assert.equal(shown.poem, INJECTION + '\n' + INJECTION);
  assert.equal(shown.pwned, null);
  assert.equal(shown.imgs, 0);
  assert.deepEqual(shown.dialogs, []);
  assert.ok(!shown.requests.some((u) => u.endsWith('/x')), 'the injected <img src=x> was fetched');
});

test('bad links show a clear error code', { skip }, async () => {
  const good = encodeShare(state('江雪', '千山鳥飛絕'));
  const flipped = good.slice(0, 10) + (good[10] === 'A' ? 'B' : 'A') + good.slice(11);
  const cases = [
    [good.slice(0, good.length - 5), 'share_truncated'],
    [flipped, 'share_corrupted'],
    [good.replace(/^#p\d+\./, '#p7.'), 'share_future_version'],
    ['#p1.' + 'A'.repeat(9000), 'share_too_large'],
    ['#p1.<script>alert(1)</script>', 'share_malformed'],
  ];
  for (const [fragment, code] of cases) {
    const shown = await open(fragment);
    assert.equal(shown.code, code, fragment.slice(0, 40));
    assert.ok(shown.error.startsWith(code + ': share link:'), shown.error);
    assert.equal(shown.pwned, null);
    assert.deepEqual(shown.dialogs, []);
  }
});
