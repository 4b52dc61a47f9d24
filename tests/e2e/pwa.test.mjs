// Offline, installable, updatable, bring-your-own-model: the service worker (site/sw.js), the
// manifest and site/pwa/ in headless Chromium, on a temporary build of the site
// (tools/site/build.mjs) served WITHOUT COOP/COEP, so that isolation can only come from the
// service worker. The model tests run on tests/e2e/pages/pwa-page.html (copied to the build's
// root), a stand-in for the playground that uses web/client.js and site/pwa/register.js.
//   1. load, the worker installs; offline reload: the app shell and the default model come from
//      the caches (no request reaches the server), the page is crossOriginIsolated, the threaded
//      build runs and gives the same tokens as the first, single-threaded visit; the playground
//      page opens offline too; the worker marks embed.html Cross-Origin-Resource-Policy:
//      cross-origin (framable by isolated pages), the rest same-origin.
//   2. service workers blocked: the single-threaded build runs, same tokens for the same seed.
//   3. bring your own GGUF: a non-GGUF file, a truncated GGUF, an unsupported architecture and an
//      unsupported weight type are refused with their own message while the default model keeps
//      generating the same tokens; tiny-gpt2-f32.gguf (gpt2 tokenizer) loads and generates; a
//      model loaded by URL; the list of kept models (switch, delete).
//   4. the Models dialog and the bar speak the page's <html lang> (en, zh-Hans, zh-Hant; the
//      test page starts in English): every text, label and placeholder is the table's
//      (site/pwa/strings.js), the report and a refusal too; switching the language while the
//      dialog is open says everything again; no Chinese in English, no Traditional form in
//      Simplified and no Simplified form in Traditional (OpenCC); axe finds nothing serious.
//   5. a new build (bumped version): the open page keeps getting the old files until it accepts
//      the update; after "Reload" every shell file matches the new list, the model cache is the
//      same entry as before (not downloaded again), and the old shell cache is gone.
// Needs assets/models/inkstone-poetry-q8_0.gguf (the default model); fails clearly without it.
// Run: node --test tests/e2e/pwa.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

import { STRINGS, t } from '../../site/pwa/strings.js';
import { runAxe, seriousViolations, formatViolations } from './support/axe.mjs';
import { startServer, canRunChromium, launchChromium, ROOT } from './server.mjs';
import { missingFiles, requireOrSkip } from '../js/support/require.mjs';

const MODEL_PATH = 'assets/models/inkstone-poetry-q8_0.gguf';
const skip = requireOrSkip(canRunChromium(), missingFiles(ROOT,
  path.join(ROOT, 'build-wasm/wasm_bindings/inkstone.wasm'),
  path.join(ROOT, 'build-wasm/wasm_bindings/inkstone-mt.wasm')));

const OpenCC = createRequire(import.meta.url)('opencc-js');
const PROMPT = '<七绝>春江';
const SAMPLING = { seed: 20261129, temperature: 0.8, topK: 40, topP: 0.95, maxTokens: 32, stopAtEos: false };

/** @type {string} */ let served = ''; // the server's root
/** @type {string} */ let dist = '';   // the site, at a sub-path of it
/** @type {string} */ let base = '';   // the site's URL
/** @type {Awaited<ReturnType<typeof startServer>> | null} */ let server = null;
/** @type {Awaited<ReturnType<typeof launch>> | null} */ let browser = null;
/** @type {import('playwright-core').Page | null} */ let page = null;
/** @type {number[] | null} */ let referenceTokens = null;

/**
 * Headless Debian Chromium, fresh profile (never downloads a browser).
 * @param {{serviceWorkers?: 'allow' | 'block'}} [options]
 */
function launch(options = {}) {
  return launchChromium({ profilePrefix: 'inkstone-pwa-', serviceWorkers: options.serviceWorkers || 'allow' });
}

/** @param {import('playwright-core').BrowserContext} context */
async function openTestPage(context) {
  const p = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(`${base}pwa-page.html`);
  await p.waitForFunction(() => /** @type {any} */ (window).pwaTest && /** @type {any} */ (window).inkstonePwa?.ready);
  return { page: p, errors };
}

/** @param {import('playwright-core').Page} p */
const generate = (p) =>
  p.evaluate((args) => /** @type {any} */ (window).pwaTest.generate(args), { prompt: PROMPT, options: SAMPLING });

/** @param {string} file */
const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

before(async () => {
  if (skip) return;
  served = await fsp.mkdtemp(path.join(os.tmpdir(), 'inkstone-pwa-site-'));
  dist = path.join(served, 'poems', 'inkstone'); // a static host, under a sub-path
  execFileSync(process.execPath, [path.join(ROOT, 'tools/site/build.mjs'), dist], { stdio: 'pipe' });
  for (const f of ['pwa-page.html', 'pwa-page.js']) {
    fs.copyFileSync(path.join(ROOT, 'tests/e2e/pages', f), path.join(dist, f));
  }
  fs.mkdirSync(path.join(dist, 'fixtures'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'tests/fixtures/models/tiny-llama-q8_0.gguf'), path.join(dist, 'fixtures/tiny-llama-q8_0.gguf'));
  if (!fs.existsSync(path.join(dist, MODEL_PATH)) && process.env.INK_PWA_MODEL) {
    // Development only, before the trained model lands: serve a stand-in at the real path.
    fs.mkdirSync(path.join(dist, 'assets/models'), { recursive: true });
    fs.copyFileSync(process.env.INK_PWA_MODEL, path.join(dist, MODEL_PATH));
  }
  execFileSync(process.execPath, [path.join(ROOT, 'tools/site/build.mjs'), dist, '--manifest-only'], { stdio: 'pipe' });
  server = await startServer({ root: served }); // no COOP/COEP: only the service worker isolates
  base = `${server.url}/poems/inkstone/`;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
  if (served) await fsp.rm(served, { recursive: true, force: true });
});

test('the default model is there', { skip }, () => {
  assert.ok(
    fs.existsSync(path.join(dist, MODEL_PATH)),
    `${MODEL_PATH} is missing: the PWA tests need the default model (build it, or for development set INK_PWA_MODEL=<a gguf>)`,
  );
});

test('manifest and icons', { skip }, () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(dist, 'manifest.webmanifest'), 'utf8'));
  assert.equal(manifest.display, 'standalone');
  assert.equal(manifest.start_url, './');
  assert.ok(manifest.name && manifest.short_name && manifest.description && manifest.theme_color);
  const sizes = new Map();
  for (const icon of [...manifest.icons, ...manifest.screenshots]) {
    const file = path.join(dist, icon.src);
    assert.ok(fs.existsSync(file), `${icon.src} exists`);
    if (icon.type !== 'image/png') continue;
    const png = fs.readFileSync(file);
    const size = `${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`;
    assert.equal(size, icon.sizes, `${icon.src} is ${icon.sizes}`);
    sizes.set(icon.purpose || 'screenshot', size);
  }
  assert.equal(sizes.get('maskable'), '512x512');
  for (const html of ['index.html', 'classroom.html']) {
    const text = fs.readFileSync(path.join(dist, html), 'utf8');
    assert.match(text, /<link rel="manifest" href="manifest.webmanifest">/, html);
    assert.match(text, /<script type="module" src="pwa\/register.js"><\/script>/, html);
  }
});

test('installs, then works offline, crossOriginIsolated with the threaded build', { skip, timeout: 120000 }, async () => {
  const b = /** @type {NonNullable<typeof browser>} */ (browser);
  const s = /** @type {NonNullable<typeof server>} */ (server);
  const opened = await openTestPage(b.context);
  page = opened.page;
  const first = await page.evaluate(async () => {
    const w = /** @type {any} */ (window);
    const registration = await w.inkstonePwa.ready;
    await navigator.serviceWorker.ready;
    return { scope: registration.scope, state: w.pwaTest.state() };
  });
  assert.equal(first.scope, base);
  assert.equal(first.state.isolated, false, 'the server sends no COOP/COEP');
  assert.equal(first.state.controlled, false, 'the installing visit is not taken over');
  const loaded = await page.evaluate(() => /** @type {any} */ (window).pwaTest.loadDefault());
  assert.equal(loaded.runtime.build, 'inkstone');
  const online = await generate(page);
  assert.ok(!online.error, JSON.stringify(online.error));
  assert.equal(online.tokens.length, SAMPLING.maxTokens);
  referenceTokens = online.tokens;

  await b.context.setOffline(true);
  const before = s.requests.length;
  try {
    await page.reload();
    await page.waitForFunction(() => /** @type {any} */ (window).pwaTest && /** @type {any} */ (window).inkstonePwa?.ready);
    const state = await page.evaluate(async () => {
      const w = /** @type {any} */ (window);
      await w.inkstonePwa.ready;
      return w.pwaTest.state();
    });
    assert.equal(state.controlled, true);
    assert.equal(state.isolated, true, 'COOP/COEP from the service worker');
    const offline = await page.evaluate(() => /** @type {any} */ (window).pwaTest.loadDefault());
    assert.equal(offline.runtime.build, 'inkstone-mt');
    assert.equal(offline.runtime.nThreads, 2);
    const poem = await generate(page);
    assert.ok(!poem.error, JSON.stringify(poem.error));
    assert.deepEqual(poem.tokens, referenceTokens, 'threaded build, same seed: same tokens');

    // The playground page itself opens offline, with the PWA bar.
    const playground = await b.context.newPage();
    const response = await playground.goto(base);
    assert.equal(response && response.status(), 200);
    await playground.waitForSelector('#pwa-bar [data-role=models]');
    assert.equal(await playground.evaluate(() => globalThis.crossOriginIsolated), true);
    await playground.close();
    // The page other sites frame may be embedded by cross-origin-isolated pages too
    // (docs/hosting.md): the worker marks it cross-origin, every other file same-origin.
    const corp = await page.evaluate(async () => {
      const scope = (await navigator.serviceWorker.ready).scope;
      const policy = async (/** @type {string} */ f) => (await fetch(new URL(f, scope))).headers.get('cross-origin-resource-policy');
      return { embed: await policy('embed.html'), index: await policy('index.html') };
    });
    assert.deepEqual(corp, { embed: 'cross-origin', index: 'same-origin' });
    // Chromium's offline emulation does not cover the browser's own update check of sw.js
    // (on a really offline device it fails, harmlessly); nothing else may reach the server.
    assert.deepEqual(s.requests.slice(before).filter((r) => !r.endsWith('/sw.js')), [], 'nothing reached the server while offline');
  } finally {
    await b.context.setOffline(false);
  }
  assert.deepEqual(opened.errors, []);
});

test('service workers blocked: the single-threaded build, same tokens', { skip, timeout: 90000 }, async () => {
  assert.ok(referenceTokens, 'needs the previous test');
  const blocked = await launch({ serviceWorkers: 'block' });
  try {
    const { page: p, errors } = await openTestPage(blocked.context);
    const loaded = await p.evaluate(() => /** @type {any} */ (window).pwaTest.loadDefault());
    assert.equal(loaded.runtime.build, 'inkstone');
    assert.equal((await p.evaluate(() => /** @type {any} */ (window).pwaTest.state())).isolated, false);
    const poem = await generate(p);
    assert.deepEqual(poem.tokens, referenceTokens);
    assert.deepEqual(errors, []);
  } finally {
    await blocked.close();
  }
});

test('bring your own GGUF: refusals keep the current model; gpt2 and URL models load', { skip, timeout: 90000 }, async () => {
  const p = /** @type {NonNullable<typeof page>} */ (page);
  assert.ok(referenceTokens, 'needs the first test');
  await p.click('#pwa-bar [data-role=models]');
  const text = (/** @type {string} */ role) => p.locator(`#pwa-models [data-role=${role}]`).innerText();
  /** @param {string} file @param {RegExp} message */
  const refuse = async (file, message) => {
    await p.setInputFiles('#pwa-models [data-role=file]', path.join(ROOT, 'tests/fixtures', file));
    await p.waitForFunction(
      (source) => new RegExp(source).test(document.querySelector('#pwa-models [data-role=error]')?.textContent || ''),
      message.source,
    ).catch(() => {});
    assert.match(await text('error'), message, file);
    assert.equal(await p.isVisible('#pwa-models [data-role=use]'), false, `${file}: nothing to use`);
    const poem = await generate(p);
    assert.deepEqual(poem.tokens, referenceTokens, `${file}: the current model still writes the same poem`);
  };
  await refuse('README.md', /is not a GGUF model file/);
  await refuse('broken/truncated-in-tensor-data.gguf', /truncated: its tensors need .* but the file has only/);
  await refuse('broken/truncated-header.gguf', /truncated/);
  await refuse('broken/arch-gpt-neox.gguf', /Unsupported architecture “gpt-neox”/);
  await refuse('broken/tensor-type-iq4_nl.gguf', /Unsupported weight type.*iq4_nl/);

  // A valid model with a gpt2 tokenizer: the report, then "Use".
  await p.setInputFiles('#pwa-models [data-role=file]', path.join(ROOT, 'tests/fixtures/models/tiny-gpt2-f32.gguf'));
  await p.waitForSelector('#pwa-models [data-role=use]', { state: 'visible' });
  const report = await text('report');
  for (const want of [/Architecture\s+llama/, /Parameters\s+\S+/, /Weight types\s+f32/, /317 tokens, gpt2 tokenizer/, /Context\s+64 tokens/, /Estimated memory\s+≈/]) {
    assert.match(report, want);
  }
  await p.click('#pwa-models [data-role=use]');
  await p.waitForFunction(() => /is loaded|Could not/.test(document.querySelector('#pwa-models')?.textContent || ''));
  assert.match(await text('status'), /tiny-gpt2-f32.gguf is loaded/);
  const info = await p.evaluate(() => /** @type {any} */ (window).pwaTest.info());
  assert.equal(info.tokenizer, 'gpt2');
  assert.equal(info.nVocab, 317);
  const gpt2 = await p.evaluate(() => /** @type {any} */ (window).pwaTest.generate({ prompt: 'hello', options: { seed: 3, maxTokens: 12, stopAtEos: false } }));
  assert.ok(!gpt2.error, JSON.stringify(gpt2.error));
  assert.equal(gpt2.tokens.length, 12);

  // By URL, with progress; kept in the list.
  await p.fill('#pwa-models [data-role=url]', 'fixtures/tiny-llama-q8_0.gguf');
  await p.press('#pwa-models [data-role=url]', 'Enter');
  await p.waitForSelector('#pwa-models [data-role=use]', { state: 'visible' });
  await p.click('#pwa-models [data-role=use]');
  await p.waitForFunction(() => /tiny-llama-q8_0.gguf is loaded/.test(document.querySelector('#pwa-models [data-role=status]')?.textContent || ''));
  assert.equal((await p.evaluate(() => /** @type {any} */ (window).pwaTest.info())).nVocab, 338);
  await p.waitForSelector('#pwa-models [data-role=list] li[data-url$="fixtures/tiny-llama-q8_0.gguf"]');
  const names = await p.locator('#pwa-models [data-role=list] .pwa-name').allInnerTexts();
  assert.deepEqual(names.sort(), ['inkstone-poetry-q8_0.gguf', 'tiny-gpt2-f32.gguf', 'tiny-llama-q8_0.gguf']);
  assert.match(await text('storage'), /Storage: .* used of .* available/);

  // Switch back to the default model from the list; delete the URL one.
  await p.click('#pwa-models [data-role=list] li[data-url$="inkstone-poetry-q8_0.gguf"] [data-role=use-kept]');
  await p.waitForFunction(() => /inkstone-poetry-q8_0.gguf is loaded/.test(document.querySelector('#pwa-models [data-role=status]')?.textContent || ''));
  assert.deepEqual((await generate(p)).tokens, referenceTokens);
  await p.click('#pwa-models [data-role=list] li[data-url$="fixtures/tiny-llama-q8_0.gguf"] [data-role=delete-kept]');
  await p.waitForSelector('#pwa-models [data-role=list] li[data-url$="fixtures/tiny-llama-q8_0.gguf"]', { state: 'detached' });
  await p.click('#pwa-models .pwa-dialog-head button');
});

/**
 * What the dialog and the bar say: each element's text, and the labels, titles and placeholders.
 * @param {import('playwright-core').Page} p
 */
function dialogTexts(p) {
  return p.evaluate(() => {
    const q = (/** @type {string} */ s) => /** @type {HTMLElement} */ (document.querySelector(s));
    const all = (/** @type {string} */ s) => [...document.querySelectorAll(s)].map((e) => /** @type {HTMLElement} */ (e).innerText);
    const attrs = [...document.querySelectorAll('#pwa-bar *, #pwa-models *')]
      .flatMap((e) => ['aria-label', 'title', 'placeholder'].map((a) => e.getAttribute(a)))
      .filter((v) => v !== null);
    return {
      heading: q('#pwa-models-heading').innerText,
      open: q('#pwa-bar [data-role=models]').innerText,
      close: q('#pwa-models .pwa-dialog-head button').getAttribute('aria-label'),
      drop: q('#pwa-models [data-role=drop] p').innerText,
      pick: q('#pwa-models [data-role=pick]').innerText,
      url: q('#pwa-models [data-role=url]').getAttribute('placeholder'),
      urlLabel: q('#pwa-models [data-role=url]').getAttribute('aria-label'),
      fetch: q('#pwa-models [data-role=fetch]').innerText,
      use: q('#pwa-models [data-role=use]').innerText,
      headings: all('#pwa-models h3'),
      keep: q('#pwa-models .pwa-check').innerText.trim(),
      rows: all('#pwa-models [data-role=report] dt'),
      values: all('#pwa-models [data-role=report] dd'),
      status: q('#pwa-models [data-role=status]').innerText,
      error: q('#pwa-models [data-role=error]').innerText,
      current: q('#pwa-models [data-role=current]').innerText,
      listUse: all('#pwa-models [data-role=use-kept]'),
      listDelete: all('#pwa-models [data-role=delete-kept]'),
      storage: q('#pwa-models [data-role=storage]').innerText,
      persist: q('#pwa-models [data-role=persist]').innerText,
      usageTitle: q('#pwa-bar [data-role=usage]').getAttribute('title'),
      // Everything shown, but the kept models' file names (text from the files, in any language).
      shown: [...document.querySelectorAll('#pwa-bar, #pwa-models')].map((e) => {
        const copy = /** @type {HTMLElement} */ (e.cloneNode(true));
        for (const n of copy.querySelectorAll('.pwa-name')) n.remove();
        return copy.textContent;
      }).join('\n') + '\n' + attrs.join('\n'),
    };
  });
}

test('the Models dialog speaks the page\'s language, and switches with it while open', { skip, timeout: 90000 }, async () => {
  const p = /** @type {NonNullable<typeof page>} */ (page);
  const setLang = (/** @type {string} */ lang) => p.evaluate((l) => { document.documentElement.lang = l; }, lang);
  const toSimplified = OpenCC.Converter({ from: 'tw', to: 'cn' });
  const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });
  const HAN = /\p{Script=Han}/u;
  const file = 'tiny-gpt2-f32.gguf';
  /** @type {string[]} */
  const report = [];
  /** @param {'en' | 'zh-Hans' | 'zh-Hant'} lang @param {string} state */
  const check = async (lang, state) => {
    const got = await dialogTexts(p);
    const say = (/** @type {string} */ key, /** @type {Record<string, string | number>} */ vars = {}) => t(key, vars, lang);
    const where = `${lang}, ${state}`;
    assert.equal(got.heading, say('models'), where);
    assert.equal(got.open, say('models'), where);
    assert.equal(got.close, say('close'), where);
    assert.equal(got.drop, say('dropHere'), where);
    assert.equal(got.pick, say('chooseFile'), where);
    assert.equal(got.url, say('urlPlaceholder'), where);
    assert.equal(got.urlLabel, say('urlLabel'), where);
    assert.equal(got.fetch, say('fetch'), where);
    assert.equal(got.use, say('useModel'), where);
    assert.deepEqual(got.headings, [say('reportHeading'), say('onDevice')], where);
    assert.equal(got.keep, say('keepOffline'), where);
    assert.equal(got.current, say('currentModel', { name: 'inkstone-poetry-q8_0.gguf' }), where);
    assert.ok(got.listUse.length >= 2 && got.listUse.every((x) => x === say('use')), `${where}: ${got.listUse}`);
    assert.ok(got.listDelete.every((x) => x === say('delete')), where);
    assert.ok(got.storage.startsWith(t('storage', {}, lang).split('{used}')[0]), `${where}: ${got.storage}`);
    assert.equal(got.persist, say('persist'), where);
    assert.equal(got.usageTitle, say('usageTitle'), where);
    if (state === 'report') {
      assert.deepEqual(got.rows, ['rowFile', 'rowName', 'rowArch', 'rowParams', 'rowTypes', 'rowVocab', 'rowContext', 'rowLayers', 'rowMemory'].map((k) => say(k)), where);
      assert.equal(got.values[5], say('valVocab', { n: 317, tokenizer: 'gpt2' }), where);
      assert.equal(got.values[6], say('valContext', { n: 64 }), where);
      assert.equal(got.status, say('canRun', { name: file }), where);
    } else {
      assert.equal(got.error, say('refuseArch', { arch: 'gpt-neox' }), where);
    }
    // No other language's text anywhere.
    if (lang === 'en') assert.doesNotMatch(got.shown, HAN, where);
    if (lang === 'zh-Hans') assert.equal(toSimplified(got.shown), got.shown, `${where}: a Traditional form`);
    if (lang === 'zh-Hant') {
      assert.equal(toTraditional(got.shown), got.shown, `${where}: a Simplified form`);
      assert.notEqual(toSimplified(got.shown), got.shown, `${where}: nothing Traditional`);
    }
    const violations = seriousViolations(await runAxe(p, { include: '#pwa-models' }));
    if (violations.length) report.push(formatViolations(violations, `Models dialog, ${where}`));
  };

  await setLang('zh-Hans');
  await p.click('#pwa-bar [data-role=models]');
  await p.setInputFiles('#pwa-models [data-role=file]', path.join(ROOT, 'tests/fixtures/models', file));
  await p.waitForSelector('#pwa-models [data-role=use]', { state: 'visible' });
  await p.waitForSelector('#pwa-models [data-role=list] [data-role=use-kept]');
  await check('zh-Hans', 'report');
  // Switched while the dialog is open: everything is said again.
  for (const lang of /** @type {const} */ (['zh-Hant', 'en', 'zh-Hans'])) {
    await setLang(lang);
    await check(lang, 'report');
  }
  // A refusal, said again in the new language.
  await setLang('zh-Hant');
  await p.setInputFiles('#pwa-models [data-role=file]', path.join(ROOT, 'tests/fixtures/broken/arch-gpt-neox.gguf'));
  await p.waitForSelector('#pwa-models [data-role=error]:not([hidden])');
  for (const lang of /** @type {const} */ (['zh-Hant', 'zh-Hans', 'en'])) {
    await setLang(lang);
    await check(lang, 'refusal');
  }
  assert.equal(report.length, 0, report.join('\n'));
  assert.deepEqual(Object.keys(STRINGS['zh-Hant']).length, Object.keys(STRINGS.en).length);
  await p.click('#pwa-models .pwa-dialog-head button');
});

test('an update: no mixed versions, the model cache survives', { skip, timeout: 120000 }, async () => {
  const p = /** @type {NonNullable<typeof page>} */ (page);
  const s = /** @type {NonNullable<typeof server>} */ (server);
  const v1 = JSON.parse(fs.readFileSync(path.join(dist, 'precache.json'), 'utf8'));
  const modelEntry = () => p.evaluate(async (model) => {
    const cache = await caches.open('inkstone-models-v1');
    const r = await cache.match(new URL(model, location.href).href);
    return r && { stored: r.headers.get('x-inkstone-stored'), sha256: r.headers.get('x-inkstone-sha256') };
  }, MODEL_PATH);
  const modelBefore = await modelEntry();
  assert.ok(modelBefore, 'the default model is in the model cache');
  assert.equal((await p.evaluate(() => /** @type {any} */ (window).pwaTest.state())).version, v1.version);

  // A new version: new JS and new wasm (a custom section appended: still a valid module).
  fs.appendFileSync(path.join(dist, 'web/client.js'), '\n// version 2\n');
  const section = Buffer.concat([Buffer.from([0, 11, 10]), Buffer.from('inkstonev2')]);
  assert.equal(section[1], section.length - 2);
  for (const f of ['wasm/inkstone.wasm', 'wasm/inkstone-mt.wasm']) fs.appendFileSync(path.join(dist, f), section);
  execFileSync(process.execPath, [path.join(ROOT, 'tools/site/build.mjs'), dist, '--manifest-only'], { stdio: 'pipe' });
  const v2 = JSON.parse(fs.readFileSync(path.join(dist, 'precache.json'), 'utf8'));
  assert.notEqual(v2.version, v1.version);

  const requestsBefore = s.requests.length;
  await p.evaluate(() => /** @type {any} */ (window).inkstonePwa.registration.update());
  await p.waitForSelector('.pwa-banner[data-kind=update]', { timeout: 60000 });
  assert.ok(!s.requests.slice(requestsBefore).some((r) => r.endsWith('.gguf')), 'the model is not downloaded again');

  // The open page still gets version 1 of everything, although the server has version 2.
  /** @param {{path: string, sha256: string}[]} files */
  const servedHashes = (files) => p.evaluate(async (list) => {
    const out = {};
    for (const f of list) {
      const bytes = await (await fetch(f.path)).arrayBuffer();
      const digest = await crypto.subtle.digest('SHA-256', bytes);
      out[f.path] = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
    }
    return out;
  }, files);
  const expect = (/** @type {{files: {path: string, sha256: string}[]}} */ build) => Object.fromEntries(build.files.map((f) => [f.path, f.sha256]));
  assert.deepEqual(await servedHashes(v1.files), expect(v1), 'before the reload: all of version 1');

  // A second tab, opened before the update is accepted, stays on version 1 after the first tab
  // switched to version 2.
  const other = await openTestPage(p.context());
  await other.page.evaluate(() => /** @type {any} */ (window).inkstonePwa.ready);
  await Promise.all([p.waitForEvent('load'), p.click('.pwa-banner[data-kind=update] button.primary')]);
  await p.waitForFunction(() => /** @type {any} */ (window).pwaTest && /** @type {any} */ (window).inkstonePwa?.ready);
  await p.evaluate(() => /** @type {any} */ (window).inkstonePwa.ready);
  assert.equal((await p.evaluate(() => /** @type {any} */ (window).pwaTest.state())).version, v2.version);
  assert.deepEqual(await servedHashes(v2.files), expect(v2), 'after the reload: all of version 2');
  assert.deepEqual(await modelEntry(), modelBefore, 'the model cache entry is untouched');
  await other.page.waitForSelector('.pwa-banner[data-kind=update]');
  const otherHashes = await other.page.evaluate(async (list) => {
    const out = {};
    for (const f of list) {
      const digest = await crypto.subtle.digest('SHA-256', await (await fetch(f.path)).arrayBuffer());
      out[f.path] = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
    }
    return out;
  }, v1.files);
  assert.deepEqual(otherHashes, expect(v1), 'the other tab still gets all of version 1');
  await other.page.close();
  // With the last version-1 page gone, the next page load drops the old shell.
  await p.reload();
  await p.waitForFunction(() => /** @type {any} */ (window).pwaTest && /** @type {any} */ (window).inkstonePwa?.ready);
  await p.evaluate(() => /** @type {any} */ (window).inkstonePwa.ready);
  await p.waitForFunction((v) => caches.keys().then((k) => !k.some((n) => n.startsWith('inkstone-shell-') && n !== `inkstone-shell-${v}`)), v2.version, { polling: 250, timeout: 10000 })
    .catch(() => {});
  const cacheNames = (await p.evaluate(() => caches.keys())).filter((n) => n !== 'inkstone-client-versions');
  assert.deepEqual(cacheNames.sort(), [`inkstone-models-v1`, `inkstone-shell-${v2.version}`].sort());
  const loaded = await p.evaluate(() => /** @type {any} */ (window).pwaTest.loadDefault());
  assert.equal(loaded.runtime.build, 'inkstone-mt');
  assert.deepEqual((await generate(p)).tokens, referenceTokens);
  assert.equal(sha256(path.join(dist, 'web/client.js')), expect(v2)['web/client.js']);
});
