#!/usr/bin/env node
// Screenshots of 詞 in the playground, for looking at, not for comparing: the 詞牌 field and
// picker (whole list, a search), a written 詞 in its 上闋 and 下闋 with the tone marks (one that
// changes rhyme, and the long 水調歌頭 and 沁園春), vertical 竖排, and its poem card, in
// Simplified, Traditional and English, light and dark, on a desktop and a 390×844 phone.
//
//   node tests/e2e/ci-screenshots.mjs [outDir] [--model path.gguf]
// Default model: assets/models/inkstone-poetry-q8_0.gguf (tools/train/run2-q8_0.gguf has <词>).
import fs from 'node:fs';
import path from 'node:path';
import { buildSite, serveSite, launchBrowser, watchPage, DEFAULT_MODEL } from './playground-server.mjs';

const args = process.argv.slice(2);
const modelAt = args.indexOf('--model');
const model = modelAt >= 0 ? args.splice(modelAt, 2)[1] : DEFAULT_MODEL;
const out = path.resolve(args[0] || 'ci-shots');
if (!fs.existsSync(model)) {
  console.error(`no model at ${model}`);
  process.exit(1);
}
fs.mkdirSync(out, { recursive: true });

const dir = await buildSite({ model: model === DEFAULT_MODEL ? undefined : model });
const server = await serveSite(dir);
const browser = await launchBrowser();

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1360, height: 900 } };

/**
 * A page with saved settings (site/app/settings.js), the 詞牌 table loaded.
 * @param {{device: object, lang: 'zh'|'en', script: 'simplified'|'traditional', theme: 'light'|'dark'}} o
 */
async function open(o) {
  const ctx = await browser.newContext({ ...o.device, locale: o.lang === 'en' ? 'en-US' : 'zh-CN', colorScheme: o.theme, acceptDownloads: true });
  await ctx.addInitScript((s) => {
    if (!localStorage.getItem('inkstone.playground.v1')) localStorage.setItem('inkstone.playground.v1', JSON.stringify(s));
  }, { lang: o.lang, script: o.script, theme: o.theme, prosody: true, form: 'ci' });
  const page = await ctx.newPage();
  const problems = watchPage(page);
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.cipai === 'ready', null, { timeout: 120_000 });
  return { ctx, page, problems };
}

/**
 * Picks a 詞牌 through the picker (typing its name) and writes it.
 * @param {import('playwright-core').Page} page
 * @param {string} query  what is typed in the search box
 * @param {string} name   the 詞牌 (Simplified)
 * @param {number} seed
 */
async function write(page, query, name, seed) {
  await page.click('#cipai-open');
  await page.waitForSelector('#cipai-dialog[open]');
  await page.fill('#cipai-search', query);
  await page.click(`.cipai-item[data-name="${name}"][data-variant="0"]`);
  await page.waitForFunction(() => document.body.dataset.model === 'ready', null, { timeout: 120_000 });
  if (!(await page.isVisible('#seed-input'))) await page.click('#sampling summary');
  await page.fill('#seed-input', String(seed));
  if ((await page.getAttribute('#seed-lock', 'aria-pressed')) !== 'true') await page.click('#seed-lock');
  await page.click('#sampling summary');
  await page.click('#generate');
  await page.waitForFunction(() => ['done', 'error', 'stopped'].includes(document.body.dataset.run ?? ''), null, { timeout: 120_000 });
  await page.waitForSelector('#poem[data-prosody="analysed"]', { timeout: 30_000 });
  await page.waitForSelector('#painting[data-paint="done"]', { timeout: 30_000 });
  await page.waitForTimeout(700); // the last characters' ink
}

/**
 * Saves the poem card of the poem on the page.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
async function card(page, name) {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 120_000 }),
    page.evaluate(() => /** @type {HTMLButtonElement} */ (document.getElementById('card')).click()),
  ]);
  await download.saveAs(path.join(out, name));
}

const shot = (/** @type {import('playwright-core').Page} */ page, /** @type {string} */ name, fullPage = false) =>
  page.screenshot({ path: path.join(out, name), fullPage });

try {
  {
    const { ctx, page, problems } = await open({ device: DESKTOP, lang: 'zh', script: 'simplified', theme: 'light' });
    await shot(page, 'desktop-zh-composer.png');
    await page.click('#cipai-open');
    await page.waitForSelector('#cipai-dialog[open]');
    await shot(page, 'desktop-zh-picker.png');
    await page.fill('#cipai-search', '水調');
    await page.waitForTimeout(150);
    await shot(page, 'desktop-zh-picker-search-hant.png');
    await page.keyboard.press('Escape');
    await write(page, '菩萨', '菩萨蛮', 2);
    await shot(page, 'desktop-zh-pusaman.png');
    await write(page, '沁园', '沁园春', 5);
    await shot(page, 'desktop-zh-qinyuanchun.png');
    await page.check('input[name="layout"][value="vertical"]', { force: true });
    await page.waitForTimeout(300);
    await shot(page, 'desktop-zh-qinyuanchun-vertical.png');
    await page.check('input[name="layout"][value="horizontal"]', { force: true });
    await card(page, 'card-zh-qinyuanchun.png');
    console.log('desktop zh:', problems);
    await ctx.close();
  }
  {
    const { ctx, page, problems } = await open({ device: DESKTOP, lang: 'zh', script: 'traditional', theme: 'dark' });
    await page.click('#cipai-open');
    await page.waitForSelector('#cipai-dialog[open]');
    await shot(page, 'desktop-hant-dark-picker.png');
    await page.keyboard.press('Escape');
    await write(page, '水調歌頭', '水调歌头', 3);
    await shot(page, 'desktop-hant-dark-shuidiao.png');
    await card(page, 'card-hant-shuidiao.png');
    console.log('desktop zh-Hant dark:', problems);
    await ctx.close();
  }
  {
    const { ctx, page, problems } = await open({ device: DESKTOP, lang: 'en', script: 'simplified', theme: 'light' });
    await page.click('#cipai-open');
    await page.waitForSelector('#cipai-dialog[open]');
    await shot(page, 'desktop-en-picker.png');
    await page.keyboard.press('Escape');
    await write(page, '浣溪', '浣溪沙', 1);
    await shot(page, 'desktop-en-huanxisha.png');
    console.log('desktop en:', problems);
    await ctx.close();
  }
  for (const [lang, script, theme] of /** @type {const} */ ([
    ['zh', 'simplified', 'light'],
    ['zh', 'traditional', 'dark'],
    ['en', 'simplified', 'dark'],
  ])) {
    const tag = `phone-${lang === 'en' ? 'en' : script === 'traditional' ? 'hant' : 'zh'}-${theme}`;
    const { ctx, page, problems } = await open({ device: PHONE, lang, script, theme });
    await shot(page, `${tag}-composer.png`);
    await page.click('#cipai-open');
    await page.waitForSelector('#cipai-dialog[open]');
    await page.waitForTimeout(150);
    await shot(page, `${tag}-picker.png`);
    await page.keyboard.press('Escape');
    await write(page, '沁園春', '沁园春', 7);
    await page.evaluate(() => document.getElementById('sheet')?.scrollIntoView());
    await page.waitForTimeout(200);
    await shot(page, `${tag}-qinyuanchun.png`);
    await shot(page, `${tag}-qinyuanchun-full.png`, true);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    console.log(`${tag}: horizontal overflow ${overflow}px`, problems);
    await ctx.close();
  }
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
