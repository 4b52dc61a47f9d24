#!/usr/bin/env node
// Screenshots of the playground for looking at, not for comparing: desktop (Chinese, light,
// horizontal), vertical 竖排 with the tone overlay, the character popover, dark, English, a phone
// (Chinese, light; English, dark, Traditional), the share dialog's Embed tab in each of those,
// and its code pasted into a page of another origin (embed-in-page.png).
//
//   node tests/e2e/playground-screenshots.mjs [outDir] [--model path.gguf]
// Default model: assets/models/inkstone-poetry-q8_0.gguf.
import fs from 'node:fs';
import path from 'node:path';
import { buildSite, serveSite, launchBrowser, watchPage, DEFAULT_MODEL } from './playground-server.mjs';
import { startServer } from '../../tools/lib/static-server.mjs';

const args = process.argv.slice(2);
const modelAt = args.indexOf('--model');
const model = modelAt >= 0 ? args.splice(modelAt, 2)[1] : DEFAULT_MODEL;
const out = path.resolve(args[0] || 'playground-shots');
if (!fs.existsSync(model)) {
  console.error(`no model at ${model}`);
  process.exit(1);
}
fs.mkdirSync(out, { recursive: true });

const dir = await buildSite({ model: model === DEFAULT_MODEL ? undefined : model });
const server = await serveSite(dir);
const browser = await launchBrowser();

/**
 * @param {import('playwright-core').Page} page
 * @param {{title: string, form: string, acrostic?: string, seed: number}} poem
 */
async function write(page, poem) {
  await page.waitForFunction(() => document.body.dataset.model === 'ready', null, { timeout: 120_000 });
  await page.fill('#title-input', poem.title);
  await page.check(`input[name="form"][value="${poem.form}"]`, { force: true });
  if (poem.acrostic) await page.fill('#acrostic-input', poem.acrostic);
  await page.click('#sampling summary');
  await page.fill('#seed-input', String(poem.seed));
  await page.click('#seed-lock');
  await page.click('#sampling summary');
  await page.click('#generate');
  await page.waitForFunction(() => ['done', 'error', 'stopped'].includes(document.body.dataset.run ?? ''), null, {
    timeout: 120_000,
  });
  await page.waitForSelector('#painting[data-paint="done"]', { timeout: 30_000 });
  await page.waitForTimeout(700); // let the last characters' ink settle
}

/**
 * Opens the share dialog on its Embed tab and screenshots it; returns the code.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
async function shotEmbedTab(page, name) {
  await page.click('#share');
  await page.waitForSelector('#share-dialog[open]');
  await page.click('#share-tab-embed');
  await page.waitForTimeout(200);
  await page.screenshot({ path: path.join(out, name) });
  const code = await page.inputValue('#share-embed-code');
  await page.click('#share-close');
  return code;
}

try {
  {
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'zh-CN' });
    const page = await ctx.newPage();
    const problems = watchPage(page);
    await page.goto(server.url);
    await write(page, { title: '春江夜月', form: 'qiyan-jueju', seed: 7 });
    await page.screenshot({ path: path.join(out, 'desktop-zh.png') });
    await page.check('input[name="layout"][value="vertical"]', { force: true });
    await page.check('#prosody-toggle', { force: true });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(out, 'desktop-vertical-tones.png') });
    await page.check('input[name="layout"][value="horizontal"]', { force: true });
    await page.click('#poem-body .ch >> nth=3');
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(out, 'desktop-popover.png') });
    await page.keyboard.press('Escape');
    await page.click('#theme-toggle');
    await page.click('#script-toggle');
    await page.waitForTimeout(200);
    await page.screenshot({ path: path.join(out, 'desktop-dark-traditional.png') });
    console.log('desktop problems:', problems);
    await ctx.close();
  }
  {
    // While the model downloads (held back for a moment), and a bad link's message.
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN' });
    const page = await ctx.newPage();
    await page.route('**/*.gguf', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 4000));
      await route.continue();
    });
    await page.goto(server.url + '#p1.AAAA');
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(out, 'loading-bad-link.png') });
    await write(page, { title: '送别', form: 'wuyan-jueju', seed: 21 });
    await page.click('#share');
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(out, 'share-dialog.png') });
    await page.click('#share-close');
    const code = await shotEmbedTab(page, 'share-embed.png');
    // The code as a reader pastes it into a page of their own (another origin).
    const hostDir = fs.mkdtempSync(path.join(out, 'host-'));
    fs.writeFileSync(
      path.join(hostDir, 'index.html'),
      `<!doctype html><html lang="en"><meta charset="utf-8"><title>A blog</title>
<body style="max-width:40rem;margin:2rem auto;font:17px/1.6 Georgia,serif;color:#222">
<h1>Notes</h1><p>A poem a friend sent me, written and painted in the browser:</p>
${code}
<p>Its characters were sampled one by one, under the rules of the form.</p></body></html>`,
    );
    const host = await startServer({ root: hostDir, directoryIndex: true });
    const blog = await ctx.newPage();
    await blog.goto(`${host.url}/`);
    await blog.waitForTimeout(3000);
    await blog.screenshot({ path: path.join(out, 'embed-in-page.png') });
    await host.close();
    fs.rmSync(hostDir, { recursive: true, force: true });
    await page.click('#gallery-open');
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(out, 'gallery.png') });
    await ctx.close();
  }
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    const page = await ctx.newPage();
    await page.goto(server.url);
    await write(page, { title: '秋夜', form: 'cangtou', acrostic: '春夏秋冬', seed: 11 });
    await page.screenshot({ path: path.join(out, 'desktop-en-acrostic.png') });
    await shotEmbedTab(page, 'share-embed-en.png');
    await ctx.close();
  }
  {
    const ctx = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
    });
    const page = await ctx.newPage();
    await page.goto(server.url);
    await write(page, { title: '山居', form: 'wuyan-lushi', seed: 3 });
    await page.screenshot({ path: path.join(out, 'phone-top.png') });
    await page.evaluate(() => document.getElementById('sheet')?.scrollIntoView());
    await page.waitForTimeout(200);
    await page.screenshot({ path: path.join(out, 'phone-poem.png') });
    await page.screenshot({ path: path.join(out, 'phone-full.png'), fullPage: true });
    await page.tap('#poem-body .ch >> nth=6');
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(out, 'phone-popover.png') });
    await page.tap('#alternatives-close');
    await shotEmbedTab(page, 'phone-share-embed.png');
    await ctx.close();
  }
  {
    // A phone in English, dark, Traditional poem text.
    const ctx = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'en-US',
      colorScheme: 'dark',
    });
    const page = await ctx.newPage();
    await page.goto(server.url);
    await write(page, { title: '白发', form: 'qiyan-jueju', seed: 8 });
    await page.click('#script-toggle');
    await page.waitForFunction(() => document.getElementById('script-toggle')?.getAttribute('aria-pressed') === 'true');
    await page.screenshot({ path: path.join(out, 'phone-en-dark-top.png') });
    await page.screenshot({ path: path.join(out, 'phone-en-dark-full.png'), fullPage: true });
    await shotEmbedTab(page, 'phone-en-dark-share-embed.png');
    await ctx.close();
  }
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
