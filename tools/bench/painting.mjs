// What the painting costs the playground while a poem is written: the picture painted in a
// worker (site/art/background-painting.js) against the same picture painted on the page (the
// fallback, forced by hiding OffscreenCanvas from the page), in headless Chromium at 1280×900,
// the same titles and seeds, alternating per poem (七言律詩: eight lines, so eight repaints).
// Per way: the page's longest task and its total time in long tasks (over 50 ms: the
// Long Tasks API) from the click to the end of the poem, and characters per second; then the
// ratios. Characters per second count the poem's text to its end (data-run="done"); the
// painting's last stroke may come after. Timings are reported, never asserted.
//   node tools/bench/painting.mjs [--n 6]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ROOT, startServer } from '../lib/static-server.mjs';
import { launchBrowser } from '../lib/chromium.mjs';

const args = process.argv.slice(2);
const n = Number(args[args.indexOf('--n') + 1] || 6) || 6;
const TITLES = ['秋夜', '春江', '山居', '送别', '登楼', '夜泊'];

const site = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-paint-bench-'));
execFileSync(process.execPath, [path.join(ROOT, 'tools/site/build.mjs'), site], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
const server = await startServer({ root: site, isolated: true, directoryIndex: true });
const browser = await launchBrowser();

/**
 * Opens the playground, waits for the model, and returns a function that writes one poem.
 * @param {boolean} onPage  paint on the page (no OffscreenCanvas) instead of in the worker
 */
async function open(onPage) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  if (onPage) await context.addInitScript(() => { delete (/** @type {any} */ (globalThis)).OffscreenCanvas; });
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  await page.waitForFunction(() => document.body.dataset.model === 'ready', null, { timeout: 120_000 });
  await page.evaluate(() => {
    const w = /** @type {any} */ (window);
    w.benchTasks = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) w.benchTasks.push(e.duration); }).observe({ entryTypes: ['longtask'] });
  });
  if (!(await page.isVisible('#seed-input'))) await page.click('#sampling summary');
  await page.check('input[name="form"][value="qiyan-lushi"]', { force: true });
  /** @param {string} title @param {number} seed */
  const write = async (title, seed) => {
    await page.fill('#title-input', title);
    await page.fill('#seed-input', String(seed));
    if ((await page.getAttribute('#seed-lock', 'aria-pressed')) !== 'true') await page.click('#seed-lock');
    await page.evaluate(() => { (/** @type {any} */ (window)).benchTasks.length = 0; });
    const t0 = Date.now();
    await page.click('#generate');
    await page.waitForFunction(() => ['done', 'stopped', 'error'].includes(document.body.dataset.run ?? ''), null, { timeout: 120_000, polling: 10 });
    const ms = Date.now() - t0;
    await page.waitForSelector('#painting[data-paint="done"]', { timeout: 60_000 });
    const painted = Date.now() - t0;
    return page.evaluate(([ms, painted]) => {
      const tasks = /** @type {number[]} */ ((/** @type {any} */ (window)).benchTasks);
      const chars = Array.from(document.querySelector('#poem-body')?.textContent ?? '').filter((c) => /\p{Script=Han}/u.test(c)).length;
      return { ms, painted, chars, longest: Math.max(0, ...tasks), blocked: tasks.reduce((a, b) => a + b, 0) };
    }, [ms, painted]);
  };
  return { write, close: () => context.close() };
}

const ways = { worker: await open(false), page: await open(true) };
const zero = () => ({ ms: 0, painted: 0, chars: 0, longest: 0, blocked: 0 });
const totals = { worker: zero(), page: zero() };
await ways.worker.write('热身', 1);
await ways.page.write('热身', 1);
for (let i = 0; i < n; i++) {
  const order = i % 2 ? ['page', 'worker'] : ['worker', 'page'];
  for (const way of /** @type {('worker'|'page')[]} */ (order)) {
    const r = await ways[way].write(TITLES[i % TITLES.length], 1000 + i);
    const t = totals[way];
    t.ms += r.ms;
    t.painted += r.painted;
    t.chars += r.chars;
    t.blocked += r.blocked;
    t.longest = Math.max(t.longest, r.longest);
  }
}
await ways.worker.close();
await ways.page.close();
await browser.close();
await server.close();
fs.rmSync(site, { recursive: true, force: true });

const row = (/** @type {string} */ name, /** @type {typeof totals.worker} */ t) =>
  `${name.padEnd(22)} ${(t.chars / (t.ms / 1000)).toFixed(0).padStart(5)} chars/s   painted ${(t.painted / n).toFixed(0).padStart(5)} ms after the click   longest task ${t.longest.toFixed(0).padStart(5)} ms   in long tasks ${(t.blocked / n).toFixed(0).padStart(5)} ms per poem`;
console.log(`七言律詩 × ${n} per way, 1280×900, load ${os.loadavg()[0].toFixed(2)}`);
console.log(row('painted on the page', totals.page));
console.log(row('painted in a worker', totals.worker));
console.log(`ratios (worker / page): writing speed ${((totals.worker.chars / totals.worker.ms) / (totals.page.chars / totals.page.ms)).toFixed(2)}×, ` +
  `longest task ${(totals.worker.longest / totals.page.longest).toFixed(2)}×, time in long tasks ${(totals.worker.blocked / totals.page.blocked).toFixed(2)}×`);
