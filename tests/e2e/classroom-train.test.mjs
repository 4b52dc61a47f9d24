// The classroom's Train panel in headless Chromium: training starts from the panel on the
// bundled poems, the loss curve (training and held-out) and the sampled poem update while the
// page stays responsive, a crash of the wasm mid-run continues from the last weights the worker
// sent, a pause stops the steps, the trained model is deployed to the model
// cache, and the playground picks it from its Models list and writes a poem with it.
//
// Run: node --test tests/e2e/classroom-train.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { skip, startClassroomSite, openClassroom } from './classroom-site.mjs';
import { waitForModel, writePoem, poemLines } from './playground-page.mjs';
import { ROOT, startServer } from './server.mjs';
import { loadWasm } from '../js/support/wasm.mjs';

const POEM_CHARS = new Set(fs.readFileSync(path.join(ROOT, 'assets/classroom/wujue.tsv'), 'utf8').split('\n').flatMap((l) => [...(l.split('\t')[1] || '')]));

/** @type {import('./classroom-site.mjs').ClassroomSite | null} */
let site = null;

before(async () => {
  if (skip) return;
  site = await startClassroomSite();
});

after(async () => {
  if (site) await site.close();
});

/** @param {import('playwright-core').Page} page */
const trainStep = (page) => page.evaluate(() => Number(document.body.dataset.trainStep || 0));
/** @param {import('playwright-core').Page} page @param {string} cls */
const curvePoints = (page, cls) => page.evaluate((c) => Number(document.querySelector(`#train-curve .${c}`)?.getAttribute('data-points') || 0), cls);

test('train in the panel, watch it learn, pause, deploy, write with it in the playground', { skip, timeout: 300_000 }, async () => {
  const s = /** @type {NonNullable<typeof site>} */ (site);
  const { page, errors } = await openClassroom(s, '', { lang: 'en' });
  await page.waitForFunction(() => /3,000 poems/.test(document.querySelector('#train-data-line')?.textContent || ''));
  const params = await page.textContent('#train-param-line');
  assert.match(params || '', /^[\d,]+ parameters/);

  await page.fill('#train-steps', '400');
  // The Train panel's worker is the one the page starts on the click (the model's is older).
  const trainWorker = page.waitForEvent('worker');
  await page.click('#train-start');
  const startedAt = Date.now();
  await page.waitForFunction(() => Number(document.body.dataset.trainStep || 0) >= 10, null, { timeout: 60_000 });
  const early = { step: await trainStep(page), points: await curvePoints(page, 'train-line') };
  assert.equal(early.points, early.step, 'one training-loss point per step');
  // The page is not blocked: the classroom's own buttons answer while training runs.
  const t0 = Date.now();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(undefined))));
  assert.ok(Date.now() - t0 < 1000, 'a frame within a second while training');

  await page.waitForFunction(() => Number(document.body.dataset.trainStep || 0) >= 60, null, { timeout: 120_000 });
  await page.waitForFunction(() => (document.querySelector('#train-sample .cjk')?.textContent || '').length > 0, null, { timeout: 60_000 });
  const later = { step: await trainStep(page), points: await curvePoints(page, 'train-line'), held: await curvePoints(page, 'held-line') };
  assert.ok(later.points > early.points, 'the curve grew');
  assert.ok(later.held >= 2, `held-out points: ${later.held}`);
  const runLine = await page.textContent('#train-run-line');
  assert.match(runLine || '', /step \d+ of 400 · loss \d+\.\d{3} · learning rate [\d.]+e-\d+ · gradient norm \d+\.\d{3} · [\d,]+ tokens\/s/);
  // A new poem from the newer weights every few seconds.
  const firstSample = await page.textContent('#train-sample');
  await page.waitForFunction((t) => document.querySelector('#train-sample')?.textContent !== t, firstSample, { timeout: 30_000 });

  // A crash mid-run (the wasm aborts, as an out-of-memory would): the panel continues from the
  // last weights the worker sent (it sends them every 10 s), and the page stays usable.
  await page.waitForTimeout(Math.max(0, 11_000 - (Date.now() - startedAt)));
  const crashedAt = await trainStep(page);
  await (await trainWorker).evaluate(() => {
    self.dispatchEvent(new MessageEvent('message', { data: { id: 1e9, type: 'crash', payload: {} } }));
  });
  await page.waitForFunction(() => document.body.dataset.training === 'recovered', null, { timeout: 30_000 });
  const recovered = Number(/step (\d+)/.exec(await page.textContent('#train-status') || '')?.[1]);
  assert.ok(recovered > 0 && recovered <= crashedAt + 5, `continues from step ${recovered} (crashed near ${crashedAt})`);
  await page.click('#train-pause');  // resume
  await page.waitForFunction((n) => Number(document.body.dataset.trainStep || 0) > n + 5, recovered, { timeout: 60_000 });

  await page.click('#train-pause');
  await page.waitForFunction(() => document.body.dataset.training === 'paused', null, { timeout: 30_000 });
  const pausedAt = await trainStep(page);
  await page.waitForTimeout(1500);
  assert.equal(await trainStep(page), pausedAt, 'no steps while paused');
  assert.match(await page.textContent('#train-status') || '', new RegExp(`Paused at step ${pausedAt}`));

  await page.click('#train-deploy');
  await page.waitForFunction(() => document.body.dataset.deployed, null, { timeout: 30_000 });
  const name = await page.evaluate(() => document.body.dataset.deployed || '');
  assert.equal(name, `classroom-d64-l2-s${pausedAt}.gguf`);
  assert.deepEqual(errors, []);

  // The playground lists it under Models; choose it and write a poem.
  const p = await s.context.newPage();
  await p.goto(`${s.url}/index.html`);
  await waitForModel(p);
  await p.click('#pwa-bar [data-role=models]');
  const entry = `#pwa-models [data-role=list] li[data-url$="byo/${name}"]`;
  await p.waitForSelector(entry);
  await p.click(`${entry} [data-role=use-kept]`);
  await p.waitForFunction((n) => new RegExp(`${n.replace(/\./g, '\\.')} is loaded`).test(document.querySelector('#pwa-models [data-role=status]')?.textContent || ''), name, { timeout: 30_000 });
  await p.click('#pwa-models .pwa-dialog-head button');
  await writePoem(p, { title: '春', form: 'wuyan-jueju', seed: 3 });
  const lines = await poemLines(p);
  const chars = lines.flatMap((l) => l.chars).join('');
  assert.ok(chars.length > 0, 'the trained model wrote characters');
  // Its vocabulary is the poems' characters (the poetry model's is far larger).
  assert.ok([...chars].every((ch) => POEM_CHARS.has(ch)), chars);
  await p.close();
  await page.close();
});

test('same seed, same losses in Node and in Chromium, with 1 and with 2 threads, bit for bit', { skip, timeout: 180_000 }, async () => {
  const s = /** @type {NonNullable<typeof site>} */ (site);
  const text = fs.readFileSync(path.join(ROOT, 'assets/classroom/wujue.tsv'), 'utf8').split('\n')
    .filter((l) => l.includes('\t')).map((l) => l.split('\t')[1]).join('\n');
  const config = { dim: 32, layers: 2, heads: 4, ff: 64, ctx: 32, batch: 4, steps: 100 };
  const M = await loadWasm('inkstone');
  const r = M.createTrainer(text, config, 42);
  assert.equal(r.ok, true, r.message);
  const inNode = [...r.trainer.step(8).losses];
  r.trainer.delete();
  // Another seed gives other losses: the comparison below can tell runs apart.
  const other = M.createTrainer(text, config, 43);
  assert.notDeepEqual([...other.trainer.step(2).losses], inNode.slice(0, 2));
  other.trainer.delete();

  /**
   * Trains 8 steps in a page of `base` through the client's worker, with `build` and `nThreads`.
   * @param {string} base @param {'inkstone'|'inkstone-mt'} build @param {number} nThreads
   */
  async function inChromium(base, build, nThreads) {
    const page = await s.context.newPage();
    await page.goto(`${base}/classroom.html`);
    const out = await page.evaluate(async ([t, c, b]) => {
      const { Inkstone } = await import('./web/client.js');
      const { Training } = await import('./web/training.js');
      const ink = new Inkstone({ wasmBase: new URL('wasm/', location.href).href, build: b });
      const tr = new Training(ink);
      const info = await tr.start(t, c, 42);
      /** @type {number[]} */
      const losses = [];
      await tr.run({ untilStep: 8, chunk: 3 }, (e) => losses.push(...e.losses));
      ink.dispose();
      return { losses, threads: info.nThreads, isolated: globalThis.crossOriginIsolated };
    }, /** @type {const} */ ([text, { ...config, nThreads }, build]));
    await page.close();
    return out;
  }
  const one = await inChromium(s.url, 'inkstone', 1);
  assert.deepEqual(one.losses, inNode, 'Chromium, 1 thread');
  // The threaded build needs a crossOriginIsolated page: the same site served with COOP/COEP.
  const isolated = await startServer({ root: s.dist, isolated: true });
  try {
    const two = await inChromium(isolated.url, 'inkstone-mt', 2);
    assert.equal(two.isolated, true, 'the page is crossOriginIsolated');
    assert.equal(two.threads, 2, 'the trainer steps with 2 threads');
    assert.deepEqual(two.losses, inNode, 'Chromium, threaded build, 2 threads');
  } finally {
    await isolated.close();
  }
});
