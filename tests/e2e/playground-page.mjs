// The playground page in headless Chromium, for the E2E tests: open it in a fresh profile that
// records problems, wait for the model, fill the composer, write a poem, read the poem back.
import assert from 'node:assert/strict';

/**
 * A fresh browser profile with a page that records script errors, dialogs and failed loads.
 * `beforeGoto` runs on the page before it navigates (e.g. to set a storage quota).
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {{beforeGoto?: (page: import('playwright-core').Page) => Promise<void>}} [options]
 */
export async function openPlaygroundPage(browser, url, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
  const page = await context.newPage();
  /** @type {string[]} */
  const problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (msg) => {
    // 404s are checked through responses (missing optional files are expected).
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  page.on('response', (response) => {
    // Optional files: a rhyme book not deployed, the model's .sha256 sidecar.
    const optional = /\/assets\/prosody\/rhyme-[a-z]+\.tsv$|\.gguf\.sha256$/;
    if (response.status() >= 400 && !optional.test(new URL(response.url()).pathname)) {
      problems.push(`HTTP ${response.status()} ${response.url()}`);
    }
  });
  if (options.beforeGoto) await options.beforeGoto(page);
  await page.goto(url);
  return { context, page, problems };
}

/** @param {import('playwright-core').Page} page */
export async function waitForModel(page) {
  await page.waitForFunction(() => document.body.dataset.model !== 'loading', null, { timeout: 60_000 });
  const state = await page.evaluate(() => document.body.dataset.model);
  if (state !== 'ready') {
    const notice = await page.textContent('#notice-text');
    assert.fail(`the model did not load: ${notice}`);
  }
}

/**
 * Fills the composer and writes a poem; resolves when it is done.
 * @param {import('playwright-core').Page} page
 * @param {{title: string, form: string, seed: number, acrostic?: string, lineLength?: 5|7}} o
 */
export async function writePoem(page, o) {
  await setComposer(page, o);
  await page.click('#generate');
  await page.waitForFunction(() => ['done', 'stopped', 'error'].includes(document.body.dataset.run ?? ''), null, {
    timeout: 60_000,
  });
  const run = await page.evaluate(() => document.body.dataset.run);
  assert.equal(run, 'done', `poem ${o.form} ended as ${run}: ${await page.textContent('#notice-text')}`);
}

/**
 * @param {import('playwright-core').Page} page
 * @param {{title: string, form: string, seed: number, acrostic?: string, lineLength?: 5|7}} o
 */
export async function setComposer(page, o) {
  await page.fill('#title-input', o.title);
  await page.check(`input[name="form"][value="${o.form}"]`, { force: true });
  if (o.acrostic !== undefined) {
    await page.fill('#acrostic-input', o.acrostic);
    await page.selectOption('#line-length', String(o.lineLength ?? 5));
  }
  if (!(await page.isVisible('#seed-input'))) await page.click('#sampling summary');
  await page.fill('#seed-input', String(o.seed));
  if ((await page.getAttribute('#seed-lock', 'aria-pressed')) !== 'true') await page.click('#seed-lock');
}

/**
 * The poem on the page: [characters, punctuation] per line.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<{chars: string[], punct: string}[]>}
 */
export function poemLines(page) {
  return page.$$eval('#poem-body .line', (lines) =>
    lines.map((line) => ({
      chars: Array.from(line.querySelectorAll('.ch'), (c) => /** @type {HTMLElement} */ (c).dataset.ch || ''),
      punct: line.querySelector('.punct')?.textContent ?? '',
    })),
  );
}

/**
 * Brings a model of the user's own through the Models dialog and uses it.
 * @param {import('playwright-core').Page} page
 * @param {{name: string, mimeType: string, buffer: Buffer}} file
 */
export async function useOwnModel(page, file) {
  if (!(await page.evaluate(() => document.querySelector('#pwa-models')?.hasAttribute('open')))) await page.click('#pwa-bar [data-role=models]');
  await page.setInputFiles('#pwa-models [data-role=file]', file);
  await page.waitForSelector('#pwa-models [data-role=use]', { state: 'visible', timeout: 60_000 });
  await page.click('#pwa-models [data-role=use]');
  // The dialog speaks the page's language: wait on the status text's key, not its words.
  await page.waitForFunction(
    () => ['loaded', 'loadFailed'].includes(document.querySelector('#pwa-models [data-role=status]')?.getAttribute('data-say') ?? '') ||
      Boolean(document.querySelector('#pwa-models [data-role=error]:not([hidden])')),
    null,
    { timeout: 120_000 },
  );
  const status = page.locator('#pwa-models [data-role=status]');
  assert.equal(await status.getAttribute('data-say'), 'loaded', await page.locator('#pwa-models').innerText());
  assert.ok((await status.innerText()).includes(file.name));
  await page.waitForFunction(() => document.body.dataset.model === 'ready', null, { timeout: 60_000 });
}
