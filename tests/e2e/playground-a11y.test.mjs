// Accessibility of the playground (site/index.html), checked by a machine: axe-core 4.10.3
// (tests/e2e/support/axe.mjs) in headless Chromium, in both themes (light, dark) and both
// languages (zh, en), on the page as a user leaves it after writing a poem (tone marks on),
// and with each of its overlays open: the character popover, the share dialog (both tabs), the
// gallery. No serious or critical violation is allowed. (The classroom has its own check in
// tests/e2e/classroom*.)
//
//   node --test tests/e2e/playground-a11y.test.mjs
// Needs assets/models/inkstone-poetry-q8_0.gguf and the wasm build (make wasm).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { buildSite, serveSite, launchBrowser } from './playground-server.mjs';
import { waitForModel, setComposer } from './playground-page.mjs';
import { runAxe, seriousViolations, formatViolations } from './support/axe.mjs';

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
 * Runs axe; a serious or critical violation is added to `report` (every state of a page is
 * checked before the test fails, so one run lists everything to fix).
 * @param {string[]} report
 * @param {import('playwright-core').Page} page
 * @param {string} what
 * @param {string} [include]  a selector to check instead of the whole page
 */
async function checkAccessible(report, page, what, include) {
  const violations = seriousViolations(await runAxe(page, include ? { include } : {}));
  if (violations.length) report.push(formatViolations(violations, what));
}

for (const theme of /** @type {const} */ (['light', 'dark'])) {
  for (const lang of /** @type {const} */ (['zh', 'en'])) {
    test(`axe: playground, ${theme}, ${lang}: no serious or critical violations`, { timeout: 180_000 }, async () => {
      const context = await browser.newContext({
        viewport: { width: 1280, height: 900 },
        locale: lang === 'en' ? 'en-US' : 'zh-CN',
        colorScheme: theme,
      });
      /** @type {string[]} */
      const report = [];
      try {
        // Saved settings, as the theme and language toggles leave them (site/app/settings.js).
        await context.addInitScript(
          ({ theme, lang }) => {
            if (!localStorage.getItem('inkstone.playground.v1')) {
              localStorage.setItem('inkstone.playground.v1', JSON.stringify({ theme, lang, prosody: true }));
            }
          },
          { theme, lang },
        );
        const page = await context.newPage();
        await page.goto(server.url);
        await waitForModel(page);
        assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme);
        assert.equal(await page.evaluate(() => document.documentElement.lang), lang === 'en' ? 'en' : 'zh-Hans');
        const what = `${theme}, ${lang}`;
        await checkAccessible(report, page, `${what}, empty page`);

        await setComposer(page, { title: '秋夜', form: 'qiyan-jueju', seed: 20240601 });
        await page.click('#generate');
        await page.waitForFunction(() => document.body.dataset.run === 'done', null, { timeout: 60_000 });
        await page.waitForTimeout(300); // the prosody marks
        await checkAccessible(report, page, `${what}, a poem written, tone marks on`);

        await page.click('#poem-body .ch >> nth=2');
        await page.waitForSelector('#alternatives:not([hidden])');
        await checkAccessible(report, page, `${what}, character popover`, '#alternatives');
        await page.keyboard.press('Escape');
        await page.waitForSelector('#alternatives', { state: 'hidden' });

        await page.click('#share');
        await page.waitForSelector('#share-dialog[open]');
        await checkAccessible(report, page, `${what}, share dialog`, '#share-dialog');
        await page.click('#share-tab-embed');
        await page.waitForSelector('#share-panel-embed:not([hidden])');
        await checkAccessible(report, page, `${what}, share dialog, Embed tab`, '#share-dialog');
        await page.click('#share-close');

        await page.click('#gallery-open');
        await page.waitForSelector('#gallery[open]');
        await checkAccessible(report, page, `${what}, gallery`, '#gallery');
        await page.click('#gallery-close');
        assert.equal(report.length, 0, report.join('\n'));
      } finally {
        await context.close();
      }
    });
  }
}
