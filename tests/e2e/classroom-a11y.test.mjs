// The classroom page's accessibility and layout in headless Chromium:
//   - axe-core (tests/e2e/support/axe.mjs) finds no serious or critical violation in light and
//     dark, Simplified Chinese, Traditional Chinese and English, with the form-rules mask, the lanes, the token list and the
//     guided tour on screen; the theme and language really changed between the runs
//   - the floating PWA bar's 模型 Models button never covers the distribution panel, at desktop
//     and phone (390×844) sizes, with the page scrolled to the top and to that panel
//   - the 中/EN and theme toggles re-say the page and recolour it without changing the state,
//     and keep the choice in the playground's settings
//   - the formula panel's worked example (2×5) passes axe in the same four runs, and its
//     matrices, captions and formulas stay inside the panel at desktop and phone (390×844) sizes,
//     in the three languages: correct beside flawed on a desktop, stacked on a phone
//
// Run: node --test tests/e2e/classroom-a11y.test.mjs   (INK_POETRY_MODEL=/path/to/model.gguf)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { skip, startClassroomSite, openClassroom, idle, steps, LANGS } from './classroom-site.mjs';
import { STRINGS } from '../../site/classroom/strings.js';
import { runAxe, seriousViolations, formatViolations } from './support/axe.mjs';

const RULES = `#c=1&f=${encodeURIComponent('<五绝>')}&t=${encodeURIComponent('秋夜')}&s=3&T=0.9&k=0&p=1&m=0&r=1&n=0`;
const START = `#c=1&f=${encodeURIComponent('<七绝>')}&t=${encodeURIComponent('春江')}&s=11&T=0.9&k=0&p=1&m=0&n=0`;

/** @type {import('./classroom-site.mjs').ClassroomSite | null} */
let site = null;

before(async () => {
  if (skip) return;
  site = await startClassroomSite();
});

after(async () => {
  if (site) await site.close();
});

for (const colorScheme of /** @type {const} */ (['light', 'dark'])) {
  for (const lang of LANGS) {
    test(`classroom: axe finds no serious or critical violation (${colorScheme}, ${lang})`, { skip, timeout: 90000 }, async () => {
      const { page, errors } = await openClassroom(/** @type {any} */ (site), RULES, { colorScheme, lang });
      await steps(page, 3);
      // Everything the page can show at once: the mask, the lanes, the token list, the tour.
      await page.fill('#lane-n', '6');
      await page.click('#lanes-run');
      await page.waitForSelector('.lane-grid');
      await idle(page);
      await page.click('.token-table-wrap summary');
      await page.click('#tour-start');
      const shown = await page.evaluate(() => ({
        lang: document.documentElement.lang,
        theme: document.documentElement.dataset.theme,
        start: document.getElementById('start')?.textContent,
        mask: !(/** @type {HTMLElement} */ (document.getElementById('mask')).hidden),
        guide: !(/** @type {HTMLElement} */ (document.getElementById('guide')).hidden),
      }));
      assert.deepEqual(shown, {
        lang, theme: colorScheme, start: STRINGS[lang].start, mask: true, guide: true,
      });
      const violations = seriousViolations(await runAxe(page));
      assert.deepEqual(violations, [], formatViolations(violations, `classroom, ${colorScheme}, ${lang}`));
      // The formula panel's other mode: the worked example (2×5) with its "parts here" step.
      await page.click('#guide-close');
      await page.click('#formula-worked');
      assert.equal(await page.locator('#formula .wx-step.parts [data-parts="here"]').count(), 1);
      const worked = seriousViolations(await runAxe(page, { include: '#panel-formula' }));
      assert.deepEqual(worked, [], formatViolations(worked, `worked example, ${colorScheme}, ${lang}`));
      await page.close();
      assert.deepEqual(errors, []);
    });
  }
}

for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
  test(`classroom: the Models button does not cover the distribution panel (${viewport.width}×${viewport.height})`, { skip, timeout: 90000 }, async () => {
    const { page, errors } = await openClassroom(/** @type {any} */ (site), START, { viewport, lang: 'en' });
    await page.waitForSelector('[data-role="models"]');
    /** @param {'top'|'panel'|'panel-end'} where */
    const boxes = (where) => page.evaluate((w) => {
      const panel = /** @type {HTMLElement} */ (document.getElementById('panel-dist'));
      if (w === 'top') window.scrollTo(0, 0);
      else panel.scrollIntoView({ block: w === 'panel' ? 'start' : 'end' });
      const rect = (/** @type {Element} */ e) => {
        const r = e.getBoundingClientRect();
        return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
      };
      return { button: rect(/** @type {Element} */ (document.querySelector('[data-role="models"]'))), panel: rect(panel) };
    }, where);
    for (const where of /** @type {const} */ (['top', 'panel', 'panel-end'])) {
      const { button, panel } = await boxes(where);
      assert.ok(button.right - button.left > 0 && button.bottom - button.top > 0, 'the Models button is shown');
      const overlap = button.left < panel.right && panel.left < button.right && button.top < panel.bottom && panel.top < button.bottom;
      assert.ok(!overlap, `${where}: Models button ${JSON.stringify(button)} overlaps the distribution panel ${JSON.stringify(panel)}`);
    }
    await page.close();
    assert.deepEqual(errors, []);
  });
}

for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
  for (const lang of LANGS) {
    test(`classroom: the worked example's matrices fit the formula panel (${viewport.width}×${viewport.height}, ${lang})`, { skip, timeout: 90000 }, async () => {
      const { page, errors } = await openClassroom(/** @type {any} */ (site), START, { viewport, lang });
      await page.click('#formula-worked');
      const layout = await page.evaluate(() => {
        const panel = /** @type {HTMLElement} */ (document.getElementById('panel-formula'));
        const box = panel.getBoundingClientRect();
        const style = getComputedStyle(panel);
        const inner = { left: box.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft),
          right: box.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight) };
        const parts = Array.from(panel.querySelectorAll('.matrix, .wx-side figcaption, .wx-formula, .wx-title, .dims'), (e) => {
          const r = e.getBoundingClientRect();
          // The content's own width (a table or a caption's text), not the box the grid gives it.
          const range = document.createRange();
          range.selectNodeContents(e);
          const content = range.getBoundingClientRect();
          return { what: e.className || e.tagName, left: Math.min(r.left, content.left), right: Math.max(r.right, content.right) };
        });
        const steps = Array.from(panel.querySelectorAll('.wx-step'), (section) =>
          Array.from(section.querySelectorAll('figure.wx-side'), (f) => f.getBoundingClientRect().top));
        return { scroll: panel.scrollWidth - panel.clientWidth, page: document.documentElement.scrollWidth - window.innerWidth, inner, parts, steps };
      });
      assert.equal(layout.scroll, 0, 'the formula panel does not scroll sideways');
      assert.ok(layout.page <= 0, `the page is ${layout.page}px wider than the screen`);
      assert.ok(layout.parts.length > 20);
      for (const p of layout.parts) {
        assert.ok(p.left >= layout.inner.left - 0.5 && p.right <= layout.inner.right + 0.5,
          `${p.what} [${p.left}, ${p.right}] leaves the panel's content box [${layout.inner.left}, ${layout.inner.right}]`);
      }
      // Correct beside flawed on a desktop, one above the other on a phone.
      for (const [correct, flawed] of layout.steps) {
        if (viewport.width > 1000) assert.equal(flawed, correct, 'side by side');
        else assert.ok(flawed > correct, 'stacked');
      }
      await page.close();
      assert.deepEqual(errors, []);
    });
  }
}

test('classroom: the language and theme toggles change the words and colours, not the state', { skip, timeout: 90000 }, async () => {
  const { page, errors } = await openClassroom(/** @type {any} */ (site), START, { lang: 'en', colorScheme: 'light' });
  await steps(page, 2);
  const read = () => page.evaluate(() => ({
    lang: document.documentElement.lang,
    theme: document.documentElement.dataset.theme,
    step: document.getElementById('step-count')?.textContent,
    start: document.getElementById('start')?.textContent,
    hash: location.hash,
    tokens: /** @type {any} */ (window).classroom.state.chosen.map((/** @type {any} */ c) => c.token),
    saved: JSON.parse(localStorage.getItem('inkstone.playground.v1') || '{}'),
  }));
  const before = await read();
  assert.equal(before.step, 'step 2');
  await page.click('#lang-toggle');
  await idle(page);
  const zh = await read();
  assert.deepEqual({ lang: zh.lang, step: zh.step, start: zh.start, saved: zh.saved.lang },
    { lang: 'zh-Hans', step: '第 2 步', start: '开始', saved: 'zh' });
  assert.equal(zh.hash, before.hash);
  assert.deepEqual(zh.tokens, before.tokens);
  await page.click('#theme-toggle');
  const dark = await read();
  assert.equal(dark.theme, 'dark');
  assert.equal(dark.saved.theme, 'dark', 'the choice is the playground\'s setting too');
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(244, 239, 228)');
  await page.close();
  assert.deepEqual(errors, []);
});
