// The classroom speaks English, Simplified Chinese and Traditional Chinese (Taiwan), in headless
// Chromium, with the page at step 3, the form-rules mask, the lanes, the token list, every stop
// of the guided tour and both modes of the formula panel on screen:
//   - every element named by a data-i18n* attribute shows its string of that language
//     (site/classroom/strings-*.js), the title is that language's, <html lang> is its tag
//   - every other visible text and title/aria-label of the interface is in that language: no
//     Chinese character in English; in Simplified no Traditional form and in Traditional no
//     Simplified form (OpenCC's tw → cn and cn → tw leave the text as it is); in Chinese no Latin
//     word that is not notation its own table uses (softmax, logit, RoPE …); and no string of
//     another language's table. Left out, each for its reason: model output (marked
//     translate="no", lang="zh-Hans": never translated), text marked with another lang (the 中/EN
//     and 繁/简 toggles, the brand), and token names like <七绝> (the vocabulary's
//     spelling). The PWA bar (site/pwa/strings.js) is checked like the rest
//   - the language switch is the playground's: 中/EN and 繁/简 on the classroom write the
//     playground's settings, a reload keeps them, the playground then speaks the same language,
//     and the playground's own toggle changes the classroom's
//
// Run: node --test tests/e2e/classroom-i18n.test.mjs   (INK_POETRY_MODEL=/path/to/model.gguf)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

import { skip, startClassroomSite, openClassroom, idle, steps, LANGS } from './classroom-site.mjs';
import { STRINGS } from '../../site/classroom/strings.js';
import { STOPS } from '../../site/classroom/tour.js';

const require = createRequire(import.meta.url);
const OpenCC = require('opencc-js');
const toSimplified = OpenCC.Converter({ from: 'tw', to: 'cn' });
const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });

const RULES = `#c=1&f=${encodeURIComponent('<五绝>')}&t=${encodeURIComponent('秋夜')}&s=3&T=0.9&k=0&p=1&m=0&r=1&n=0`;
const START = `#c=1&f=${encodeURIComponent('<七绝>')}&t=${encodeURIComponent('春江')}&s=11&T=0.9&k=0&p=1&m=0&n=0`;

const HAN = /\p{Script=Han}/u;
// Notation in the markup, the same in every language: the formula's name and the sampler
// sliders (Top-k, Top-p, Min-p).
const NOTATION = ['Attention', 'softmax', 'exp', 'max', 'Top', 'Min'];

/** @type {import('./classroom-site.mjs').ClassroomSite | null} */
let site = null;

before(async () => {
  if (skip) return;
  site = await startClassroomSite();
});

after(async () => {
  if (site) await site.close();
});

/**
 * What the page shows of its interface: the data-i18n* elements with their keys, and every
 * other visible text, title and aria-label that is neither model output nor marked with another
 * language.
 * @param {import('playwright-core').Page} page
 */
function readInterface(page) {
  return page.evaluate(() => {
    const docLang = document.documentElement.lang;
    const foreign = (/** @type {Element} */ e) =>
      Boolean(e.closest('[translate="no"]')) ||
      e.closest('[lang]')?.getAttribute('lang') !== docLang;
    const where = (/** @type {Element} */ e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className && typeof e.className === 'string' ? `.${e.className.split(' ').join('.')}` : ''}`;
    const shown = (/** @type {Element} */ e) => e.checkVisibility({ checkVisibilityCSS: true });
    /** @type {{text: string, where: string}[]} */
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const e = n.parentElement;
      const text = (n.textContent || '').trim();
      if (!text || !e || foreign(e) || e.tagName === 'OPTION' || !shown(e)) continue;
      texts.push({ text, where: where(e) });
    }
    // A select's options are its labels, shown when it opens.
    for (const option of document.querySelectorAll('select option')) {
      if (!foreign(option) && shown(/** @type {Element} */ (option.parentElement))) texts.push({ text: option.textContent || '', where: 'option' });
    }
    for (const e of document.querySelectorAll('[title], [aria-label]')) {
      if (foreign(e) || !shown(e)) continue;
      for (const attr of ['title', 'aria-label']) {
        const text = e.getAttribute(attr);
        if (text) texts.push({ text, where: `${where(e)}@${attr}` });
      }
    }
    const keyed = [];
    for (const [attr, what] of [['data-i18n', 'text'], ['data-i18n-title', 'title'], ['data-i18n-aria-label', 'aria-label']]) {
      for (const e of document.querySelectorAll(`[${attr}]`)) {
        keyed.push({ key: e.getAttribute(attr), where: where(e), shown: what === 'text' ? e.textContent : e.getAttribute(what) });
      }
    }
    return { lang: docLang, title: document.title, texts, keyed };
  });
}

/**
 * Checks one reading of the page against the tables.
 * @param {'en'|'zh-Hans'|'zh-Hant'} lang
 * @param {Awaited<ReturnType<typeof readInterface>>} read
 * @param {string} when
 */
function checkInterface(lang, read, when) {
  const table = STRINGS[lang];
  assert.equal(read.lang, lang, when);
  assert.equal(read.title, table.documentTitle, `${when}: title`);
  for (const k of read.keyed) assert.equal(k.shown, table[/** @type {string} */ (k.key)], `${when}: ${k.where} [${k.key}]`);
  const own = new Set(Object.values(table));
  const ownWords = new Set([...Object.values(table).join(' ').matchAll(/[A-Za-z]{3,}/g)].map((m) => m[0]));
  const others = LANGS.filter((l) => l !== lang).flatMap((l) => Object.values(STRINGS[l]))
    .filter((v) => !own.has(v) && !NOTATION.includes(v) && !v.includes('{') && [...v].length >= 2);
  assert.ok(read.texts.length > 100, `${when}: only ${read.texts.length} texts`);
  for (const { text: raw, where } of read.texts) {
    const text = raw.replace(/<[^<>]*>/g, '');
    const at = `${when}: ${where} “${raw}”`;
    if (lang === 'en') assert.doesNotMatch(text, HAN, `${at} has Chinese`);
    if (lang === 'zh-Hans') assert.equal(toSimplified(text), text, `${at} has Traditional forms`);
    if (lang === 'zh-Hant') assert.equal(toTraditional(text), text, `${at} has Simplified forms`);
    if (lang !== 'en') {
      for (const [word] of text.matchAll(/[A-Za-z]{3,}/g)) {
        assert.ok(ownWords.has(word) || NOTATION.includes(word), `${at}: the word ${word}`);
      }
    }
    for (const other of others) assert.ok(!text.includes(other), `${at} holds another language's “${other}”`);
  }
}

for (const lang of LANGS) {
  test(`classroom in ${lang}: every label, heading, button, tour stop and formula text is in ${lang}`, { skip, timeout: 180000 }, async () => {
    const { page, errors } = await openClassroom(/** @type {any} */ (site), RULES, { lang });
    await steps(page, 3);
    await page.fill('#lane-n', '6');
    await page.click('#lanes-run');
    await page.waitForSelector('.lane-grid');
    await idle(page);
    await page.click('.token-table-wrap summary');
    assert.ok(await page.isVisible('#mask'), 'the form-rules mask is shown');
    checkInterface(lang, await readInterface(page), 'step 3');

    // Every stop of the tour, over the page.
    await page.click('#tour-start');
    for (let i = 0; i < STOPS.length; i++) {
      const stop = STOPS[i];
      const guide = await page.evaluate(() => ['guide-title', 'guide-text', 'guide-do'].map((id) => document.getElementById(id)?.textContent));
      const table = STRINGS[lang];
      assert.deepEqual(guide, [table[`tour.${stop.id}.title`], table[`tour.${stop.id}.text`], table[`tour.${stop.id}.action`]], `tour stop ${stop.id}`);
      checkInterface(lang, await readInterface(page), `tour stop ${stop.id}`);
      if (i < STOPS.length - 1) await page.click('#guide-next');
    }
    await page.click('#guide-close');

    // The token view, and the formula panel's worked example.
    await page.click('#view-tokens');
    await idle(page);
    await page.click('#formula-worked');
    checkInterface(lang, await readInterface(page), 'tokens view, worked example');
    await page.close();
    assert.deepEqual(errors, []);
  });
}

test('classroom: the language switch is the playground\'s, and a reload keeps it', { skip, timeout: 180000 }, async () => {
  const { page, errors } = await openClassroom(/** @type {any} */ (site), START, { lang: 'en' });
  await steps(page, 2);
  const read = () => page.evaluate(() => ({
    lang: document.documentElement.lang,
    step: document.getElementById('step-count')?.textContent,
    next: document.getElementById('next')?.textContent,
    scriptShown: !(/** @type {HTMLElement} */ (document.getElementById('script-toggle')).hidden),
    hash: location.hash,
    tokens: /** @type {any} */ (window).classroom?.state.chosen.map((/** @type {any} */ c) => c.token),
    saved: (({ lang, script }) => ({ lang, script }))(JSON.parse(localStorage.getItem('inkstone.playground.v1') || '{}')),
  }));
  const en = await read();
  assert.deepEqual([en.lang, en.step, en.next, en.scriptShown], ['en', 'step 2', STRINGS.en.next, false]);

  await page.click('#lang-toggle');
  await idle(page);
  const hans = await read();
  assert.deepEqual([hans.lang, hans.step, hans.next, hans.scriptShown], ['zh-Hans', '第 2 步', STRINGS['zh-Hans'].next, true]);
  assert.deepEqual(hans.saved, { lang: 'zh', script: 'simplified' });

  await page.click('#script-toggle');
  await idle(page);
  const hant = await read();
  assert.deepEqual([hant.lang, hant.next], ['zh-Hant', STRINGS['zh-Hant'].next]);
  assert.deepEqual(hant.saved, { lang: 'zh', script: 'traditional' });
  assert.equal(await page.getAttribute('#script-toggle', 'aria-pressed'), 'true');
  // Words change, the state does not.
  assert.deepEqual([hant.hash, hant.tokens], [en.hash, en.tokens]);

  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60000 });
  await idle(page);
  const reloaded = await read();
  assert.deepEqual([reloaded.lang, reloaded.next, reloaded.step], ['zh-Hant', STRINGS['zh-Hant'].next, '第 2 步']);

  // The playground reads the same choice; its own 中/EN toggle is the classroom's too.
  await page.goto(`${/** @type {any} */ (site).url}/index.html`);
  await page.waitForFunction(() => document.documentElement.lang === 'zh-Hant', null, { timeout: 30000 });
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'en', null, { timeout: 30000 });
  await page.goto(`${/** @type {any} */ (site).url}/classroom.html${START}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60000 });
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.equal(await page.textContent('#next'), STRINGS.en.next);
  await page.close();
  assert.deepEqual(errors, []);
});
