// The embed page (site/embed.html, for an <iframe>): the built site served without COOP/COEP,
// under its strict CSP, writes a 五言絕句 from the query (form, title, seed, lang) with
// <inkstone-poem>, and shows a share link's poem from the fragment; nothing breaks the CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';

import { missingBuilds } from '../js/support/paths.mjs';
import { missingFiles, requireOrSkip } from '../js/support/require.mjs';
import { canRunChromium, launchBrowser } from '../../tools/lib/chromium.mjs';
import { DEFAULT_MODEL, ROOT, buildSite, serveSite, watchPage } from './playground-server.mjs';
import { encodeShare } from '../../site/share/share-codec.js';

const skip = requireOrSkip(missingBuilds('inkstone'), missingFiles(ROOT, DEFAULT_MODEL), canRunChromium());

/** 五言絕句 by its definition: four lines of five Han characters, each ended by punctuation. */
const WUJUE = /^(?:\p{Script=Han}{5}[，。？！；]){4}$/u;

/** @type {string} */
let site = '';
/** @type {Awaited<ReturnType<typeof serveSite>> | null} */
let server = null;
/** @type {import('playwright-core').Browser | null} */
let browser = null;

before(async () => {
  if (skip) return;
  site = await buildSite();
  server = await serveSite(site, { isolated: false });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
  if (site) await fsp.rm(site, { recursive: true, force: true });
});

/**
 * Opens a URL of the embed page, waits for the element to finish, reads what it shows.
 * @param {string} query
 */
async function open(query) {
  const context = await /** @type {import('playwright-core').Browser} */ (browser).newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const problems = watchPage(page);
  await page.addInitScript(() => {
    /** @type {any} */ (window).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      /** @type {any} */ (window).__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(`${/** @type {any} */ (server).url}embed.html${query}`);
  await page.waitForFunction(() => {
    const el = document.querySelector('inkstone-poem');
    return !!el && ['done', 'error'].includes(el.getAttribute('data-state') || '');
  }, undefined, { timeout: 240_000 });
  const seen = await page.evaluate(() => {
    const el = /** @type {any} */ (document.querySelector('inkstone-poem'));
    return {
      state: el.getAttribute('data-state'),
      status: el.shadowRoot.querySelector('.status').textContent,
      text: el.text,
      title: el.shadowRoot.querySelector('.title').textContent,
      label: el.shadowRoot.querySelector('canvas').getAttribute('aria-label'),
      isolated: crossOriginIsolated,
      violations: /** @type {any} */ (window).__violations,
    };
  });
  await context.close();
  return { ...seen, problems };
}

test('embed.html?form=五言絕句&title=春江&seed=3 writes a 五言絕句 without COOP/COEP', { skip, timeout: 300_000 }, async () => {
  const seen = await open(`?form=${encodeURIComponent('五言絕句')}&title=${encodeURIComponent('春江')}&seed=3&lang=en`);
  assert.equal(seen.state, 'done', `written (status: ${seen.status})`);
  assert.equal(seen.isolated, false);
  assert.equal(seen.title, '春江');
  assert.match(seen.text, WUJUE, `a 五言絕句: ${seen.text}`);
  assert.equal(seen.label, 'Ink painting: 春江', 'lang=en');
  assert.deepEqual(seen.violations, [], 'no CSP violation (the element adopts its stylesheet)');
  assert.deepEqual(seen.problems, []);
});

test('embed.html#<share link> shows the shared poem', { skip, timeout: 120_000 }, async () => {
  const fragment = encodeShare({
    modelId: 'test', prompt: { title: '<b>静夜思</b>' }, poem: '床前明月光，疑是地上霜。\n举头望明月，低头思故乡。',
    form: { preset: 'wuyan-jueju', tones: true, rhyme: true, rhymeBook: 'xinyun' },
    sampling: { temperature: 0.8, topK: 40, topP: 0.95, seed: 7 },
  });
  const seen = await open(fragment);
  assert.equal(seen.state, 'done');
  assert.equal(seen.title, '<b>静夜思</b>', 'a title from a link is text, never markup');
  assert.equal(seen.text, '床前明月光，疑是地上霜。举头望明月，低头思故乡。');
  assert.equal(seen.label, '水墨畫: <b>静夜思</b>', 'the page is Chinese by default');
  assert.deepEqual(seen.violations, []);
  assert.deepEqual(seen.problems, []);
});
