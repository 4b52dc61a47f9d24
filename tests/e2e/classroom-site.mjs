// The classroom page in headless Chromium, for the classroom suites: a freshly built site (tools/
// site/build.mjs, with its strict CSP) holding the poetry model and its SHA-256 sidecar, a
// server, a browser, and a page opened at a fragment that records script errors and waits until
// the model is loaded and step 0 is drawn.
//
// Model: $INK_POETRY_MODEL, else assets/models/inkstone-poetry-q8_0.gguf (a suite may serve
// another in its place: startClassroomSite's `model`).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startServer, launchChromium, canRunChromium, ROOT } from './server.mjs';
import { missingFiles, requireOrSkip } from '../js/support/require.mjs';

export const MODEL = process.env.INK_POETRY_MODEL || path.join(ROOT, 'assets/models/inkstone-poetry-q8_0.gguf');
/** Where the pages load the model from (site/app/engine.js DEFAULT_MODEL_URL). */
export const MODEL_PATH = 'assets/models/inkstone-poetry-q8_0.gguf';

/** @typedef {'en'|'zh-Hans'|'zh-Hant'} Lang  the classroom's interface languages (<html lang>) */
/** The classroom's languages, first Chinese as the page's default for a Chinese browser. */
export const LANGS = /** @type {const} */ (['zh-Hans', 'zh-Hant', 'en']);
/** The playground's settings (site/app/settings.js lang and script) that choose each language. */
export const SETTINGS = {
  en: { lang: 'en', script: 'simplified' },
  'zh-Hans': { lang: 'zh', script: 'simplified' },
  'zh-Hant': { lang: 'zh', script: 'traditional' },
};

/** The suites' `skip`: Chromium, playwright-core and the wasm build (fails under INK_REQUIRE_ALL). */
export const skip = requireOrSkip(canRunChromium(),
  missingFiles(ROOT, path.join(ROOT, 'build-wasm/wasm_bindings/inkstone.wasm')));

/**
 * @typedef {object} ClassroomSite
 * @property {string} dist       the built site
 * @property {string} url        the server's base URL
 * @property {string} sha256     the model's SHA-256 (hex), computed here
 * @property {string} sidecar    path of the model's .sha256 sidecar in dist
 * @property {import('playwright-core').BrowserContext} context
 * @property {() => Promise<void>} close
 */

/**
 * Builds the site into a temporary folder, adds the model and its sidecar, serves it, opens a browser.
 * @param {{model?: string}} [options]  model: the file served as the site's model (default MODEL)
 */
export async function startClassroomSite(options = {}) {
  const model = options.model || MODEL;
  assert.ok(fs.existsSync(model),
    `the poetry model is missing: ${model} (set INK_POETRY_MODEL to a model file to test with)`);
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-classroom-'));
  execFileSync(process.execPath, [path.join(ROOT, 'tools/site/build.mjs'), dist], { stdio: 'pipe' });
  const target = path.join(dist, MODEL_PATH);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(model, target);
  // The sidecar of the model under test (the build wrote one for the shipped model).
  const bytes = fs.readFileSync(target);
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  const sidecar = `${target}.sha256`;
  fs.writeFileSync(sidecar, `${sha256}  ${path.basename(target)}\n`);
  const server = await startServer({ root: dist });
  const browser = await launchChromium();
  return /** @type {ClassroomSite} */ ({
    dist,
    url: server.url,
    sha256,
    sidecar,
    context: browser.context,
    close: async () => {
      await browser.close();
      await server.close();
      fs.rmSync(dist, { recursive: true, force: true });
    },
  });
}

/**
 * Opens the classroom at a fragment and waits until the model is loaded (or failed to load).
 * @param {ClassroomSite} site
 * @param {string} fragment
 * @param {{viewport?: {width: number, height: number}, colorScheme?: 'light'|'dark',
 *          lang?: Lang, expect?: 'true'|'error', settings?: Record<string, unknown>}} [options]
 *        lang: the interface language saved in the playground's settings (lang, script) before
 *        the page first loads in this tab; a reload keeps what the page saved since;
 *        settings: more of the playground's settings (site/app/settings.js) saved with it
 */
export async function openClassroom(site, fragment, options = {}) {
  const page = await site.context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.setViewportSize(options.viewport || { width: 1280, height: 900 });
  await page.emulateMedia({ colorScheme: options.colorScheme || 'light' });
  if (options.lang || options.settings) {
    await page.addInitScript((choice) => {
      if (sessionStorage.getItem('inkstone.test.lang')) return;
      sessionStorage.setItem('inkstone.test.lang', '1');
      const key = 'inkstone.playground.v1';
      let saved = {};
      try { saved = JSON.parse(localStorage.getItem(key) || '{}') || {}; } catch { saved = {}; }
      localStorage.setItem(key, JSON.stringify({ ...saved, ...choice, theme: '' }));
    }, { ...(options.lang ? SETTINGS[options.lang] : {}), ...options.settings });
  }
  await page.goto(`${site.url}/classroom.html${fragment}`);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
  const expect = options.expect || 'true';
  assert.equal(await page.evaluate(() => document.body.dataset.ready), expect, await page.textContent('#status') ?? '');
  if (expect === 'true') await idle(page);
  return { page, errors };
}

/** Waits until the page is not busy (a step, a refresh). @param {import('playwright-core').Page} page */
export async function idle(page) {
  await page.waitForFunction(() => !document.body.classList.contains('busy'), null, { timeout: 60000 });
}

/** @param {import('playwright-core').Page} page @param {number} n */
export async function steps(page, n) {
  for (let i = 0; i < n; i++) {
    await page.keyboard.press('ArrowRight');
    await idle(page);
  }
}
