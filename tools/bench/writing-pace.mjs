// Where the time of a poem goes in the playground (site/index.html) in headless Chromium at
// 1280×900: a 七言律詩 written the default way (guidance 2.5, 不重字; the painting in its worker),
// the same titles and seeds in each way, alternating per poem. Ways:
//   shipped      the playground as built
//   streamed     the same page with each token event carrying its step's logits and final
//                distribution (probes.logits added to the generate request), as it was before
//                the popover computed them on demand (site/app/engine.js WRITING_PROBES)
//   still        the playground with prefers-reduced-motion (no ink-in animation per character)
// Per way: characters per second from the click to the end of the poem (data-run="done"; the
// click and the wait run in the page, no harness round trips), and where a poem's time goes:
// click → generate request sent to the worker, sent → first token event, then per token the
// time between token events on the page and the worker's own time per step (TokenEvent.ms),
// the worker's total; the painting's end is waited for before the next poem. Ratios against
// `shipped`. Timings are reported, never asserted.
//   node tools/bench/writing-pace.mjs [--n 12] [--ways shipped,streamed,still]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ROOT, startServer } from '../lib/static-server.mjs';
import { launchBrowser } from '../lib/chromium.mjs';

const args = process.argv.slice(2);
const opt = (/** @type {string} */ name, /** @type {string} */ def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const n = Number(opt('--n', '12')) || 12;
const ways = opt('--ways', 'shipped,streamed,still').split(',');
const TITLES = ['秋夜', '春江', '山居', '送别', '登楼', '夜泊'];

const site = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-pace-bench-'));
execFileSync(process.execPath, [path.join(ROOT, 'tools/site/build.mjs'), site], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
const server = await startServer({ root: site, isolated: true, directoryIndex: true });
const browser = await launchBrowser();

/**
 * @typedef {object} Poem
 * @property {number} ms        click → data-run done
 * @property {number} chars     Han characters written
 * @property {string} text
 * @property {number} setup     click → generate request sent
 * @property {number} first     request sent → first token event on the page
 * @property {number} stream    first → last token event
 * @property {number} tokens    token events after the first
 * @property {number} stepMs    the worker's time in those steps
 * @property {number} workerMs  the worker's total for the request
 * @property {number} painted   click → painting done
 */

/**
 * Opens the playground for one way and returns a function that writes one poem.
 * @param {string} way
 */
async function open(way) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: way === 'still' ? 'reduce' : 'no-preference' });
  await context.addInitScript((streamed) => {
    const w = /** @type {any} */ (window);
    w.paceEvents = [];
    const Base = window.Worker;
    window.Worker = class extends Base {
      /** @param {ConstructorParameters<typeof Worker>} a */
      constructor(...a) {
        super(...a);
        this.addEventListener('message', (e) => {
          const d = e.data;
          if (d && d.type === 'token') w.paceEvents.push({ t: performance.now(), k: 'token', ms: d.ms });
          else if (d && d.result && d.result.type === 'done') w.paceEvents.push({ t: performance.now(), k: 'done', totalMs: d.result.timings.totalMs });
        });
      }
      /** @param {any} m @param {any} [transfer] */
      postMessage(m, transfer) {
        if (m && m.type === 'generate') {
          w.paceEvents.push({ t: performance.now(), k: 'sent' });
          if (streamed) m.payload.options.probes = { ...m.payload.options.probes, logits: true };
        }
        return super.postMessage(m, transfer);
      }
    };
  }, way === 'streamed');
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${way}] ${e.message}`));
  await page.goto(`${server.url}/`);
  await page.waitForFunction(() => document.body.dataset.model === 'ready', null, { timeout: 120_000 });
  if (!(await page.isVisible('#seed-input'))) await page.click('#sampling summary');
  await page.check('input[name="form"][value="qiyan-lushi"]', { force: true });
  /**
   * @param {string} title
   * @param {number} seed
   * @returns {Promise<Poem>}
   */
  const write = async (title, seed) => {
    await page.fill('#title-input', title);
    await page.fill('#seed-input', String(seed));
    if ((await page.getAttribute('#seed-lock', 'aria-pressed')) !== 'true') await page.click('#seed-lock');
    const r = await page.evaluate(async () => {
      const w = /** @type {any} */ (window);
      w.paceEvents.length = 0;
      await new Promise((resolve) => setTimeout(resolve, 100));
      const ended = new Promise((resolve) => {
        const watch = new MutationObserver(() => {
          if (!['done', 'stopped', 'error'].includes(document.body.dataset.run ?? '')) return;
          watch.disconnect();
          resolve(performance.now());
        });
        watch.observe(document.body, { attributes: true, attributeFilter: ['data-run'] });
      });
      const t0 = performance.now();
      /** @type {HTMLButtonElement} */ (document.querySelector('#generate')).click();
      const t1 = /** @type {number} */ (await ended);
      const text = document.querySelector('#poem-body')?.textContent ?? '';
      return { t0, ms: t1 - t0, text, events: /** @type {{t: number, k: string, ms?: number, totalMs?: number}[]} */ (w.paceEvents.slice()) };
    });
    await page.waitForSelector('#painting[data-paint="done"]', { timeout: 60_000 });
    const painted = await page.evaluate((t0) => performance.now() - t0, r.t0);
    const sent = r.events.find((e) => e.k === 'sent');
    const tokens = r.events.filter((e) => e.k === 'token');
    const done = r.events.find((e) => e.k === 'done');
    if (!sent || tokens.length < 2 || !done) throw new Error(`${way}: the poem's events are missing`);
    return {
      ms: r.ms,
      chars: Array.from(r.text).filter((c) => /\p{Script=Han}/u.test(c)).length,
      text: r.text,
      setup: sent.t - r.t0,
      first: tokens[0].t - sent.t,
      stream: tokens[tokens.length - 1].t - tokens[0].t,
      tokens: tokens.length - 1,
      stepMs: tokens.slice(1).reduce((s, e) => s + (e.ms ?? 0), 0),
      workerMs: done.totalMs ?? 0,
      painted,
    };
  };
  return { write, close: () => context.close() };
}

/** @type {Record<string, Awaited<ReturnType<typeof open>>>} */
const pages = {};
for (const way of ways) pages[way] = await open(way);
for (const way of ways) await pages[way].write('热身', 1);
/** @type {Record<string, Poem[]>} */
const poems = Object.fromEntries(ways.map((w) => [w, []]));
for (let i = 0; i < n; i++) {
  for (const way of i % 2 ? [...ways].reverse() : ways) poems[way].push(await pages[way].write(TITLES[i % TITLES.length], 1000 + i));
}
for (const way of ways) await pages[way].close();
await browser.close();
await server.close();
fs.rmSync(site, { recursive: true, force: true });

const sum = (/** @type {Poem[]} */ list, /** @type {keyof Poem} */ key) => list.reduce((s, p) => s + Number(p[key]), 0);
const speed = (/** @type {string} */ way) => sum(poems[way], 'chars') / (sum(poems[way], 'ms') / 1000);
console.log(`七言律詩 × ${n} per way, alternating, 1280×900, load ${os.loadavg()[0].toFixed(2)}`);
for (const way of ways) {
  const list = poems[way];
  const tokens = sum(list, 'tokens');
  console.log(
    `${way.padEnd(9)} ${speed(way).toFixed(0).padStart(4)} chars/s (${(speed(way) / speed(ways[0])).toFixed(2)}×)  ${(sum(list, 'ms') / n).toFixed(1)} ms a poem: ` +
      `click→sent ${(sum(list, 'setup') / n).toFixed(1)}, sent→first token ${(sum(list, 'first') / n).toFixed(1)}, ` +
      `${(sum(list, 'stream') / tokens).toFixed(2)} ms a token on the page (worker's step ${(sum(list, 'stepMs') / tokens).toFixed(2)}), ` +
      `worker total ${(sum(list, 'workerMs') / n).toFixed(1)}, painted ${(sum(list, 'painted') / n).toFixed(0)} ms after the click`,
  );
}
const same = ways.every((w) => poems[w].every((p, i) => p.text === poems[ways[0]][i].text));
console.log(`the same poems in every way: ${same}`);
