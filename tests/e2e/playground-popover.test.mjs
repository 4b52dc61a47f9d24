// The character popover's forbidden characters, in headless Chromium. A step's logits and final
// distribution are not streamed with the poem (site/app/engine.js WRITING_PROBES: they cost a
// third of the writing speed); the popover computes the step again when it opens
// (PoemEngine.stepDetails: the poem's options, the tokens before the step as a forced prefix,
// one step). Checked against the streamed way, run again in the page from the request the
// playground sent (captured from the worker's messages) with the logits probe on:
//   - the token events of a written poem carry no logits or distribution
//   - the popover of a character whose step had forbidden characters lists the ones the
//     streamed step gives (forbiddenTokens of its logits and distribution), in order
//   - every step computed again (a forced opening and guidance included) has the streamed
//     step's logits and distribution, bit for bit
//
//   node --test tests/e2e/playground-popover.test.mjs
// Needs assets/models/inkstone-poetry-q8_0.gguf and the wasm build (make wasm).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { buildSite, serveSite, launchBrowser } from './playground-server.mjs';
import { openPlaygroundPage, waitForModel, setComposer } from './playground-page.mjs';

/** @type {string} */
let siteDir = '';
/** @type {Awaited<ReturnType<typeof serveSite>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  siteDir = await buildSite();
  server = await serveSite(siteDir);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
  if (siteDir) fs.rmSync(siteDir, { recursive: true, force: true });
});

/**
 * Records, in the page, what the playground sends to its workers (the generate requests) and
 * the keys of the token events it gets back.
 * @param {import('playwright-core').Page} page
 */
function spyOnWorkers(page) {
  return page.addInitScript(() => {
    const w = /** @type {any} */ (window);
    w.spy = { generate: [], tokenKeys: [] };
    const Base = window.Worker;
    window.Worker = class extends Base {
      /** @param {ConstructorParameters<typeof Worker>} args */
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (e) => {
          if (e.data && e.data.type === 'token') w.spy.tokenKeys.push(Object.keys(e.data));
        });
      }
      /** @param {any} message @param {any} [transfer] */
      postMessage(message, transfer) {
        if (message && message.type === 'generate') w.spy.generate.push(JSON.parse(JSON.stringify(message.payload)));
        return super.postMessage(message, transfer);
      }
    };
  });
}

test('the popover computes a step again: its forbidden characters and every step\'s distribution are the streamed ones', { timeout: 240_000 }, async () => {
  const { context, page, problems } = await openPlaygroundPage(browser, server.url, { beforeGoto: spyOnWorkers });
  try {
    await waitForModel(page);
    // A 七律 with the default way of writing (guidance toward the title, 不重字) and a given
    // opening, forced token by token.
    await setComposer(page, { title: '秋夜', form: 'qiyan-lushi', seed: 21 });
    await page.fill('#first-line-input', '秋风');
    await page.click('#generate');
    await page.waitForFunction(() => ['done', 'stopped', 'error'].includes(document.body.dataset.run ?? ''), null, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.run), 'done');

    const spy = await page.evaluate(() => /** @type {any} */ (window).spy);
    assert.equal(spy.generate.length, 1, 'one generate request per poem');
    assert.ok(spy.tokenKeys.length > 56, `token events: ${spy.tokenKeys.length}`);
    for (const keys of spy.tokenKeys) {
      assert.ok(!keys.includes('logits') && !keys.includes('distribution'), `a token event carries ${keys}`);
      assert.ok(keys.includes('alternatives'), 'a token event without its alternatives');
    }

    // The streamed way, run again from the same request with the logits probe on: the step of
    // the first sampled character with forbidden characters, and what they are.
    const reference = await page.evaluate(async () => {
      const { engine } = await import(new URL('app/model.js', document.baseURI).href);
      const { forbiddenTokens } = await import(new URL('app/alternatives.js', document.baseURI).href);
      const { state } = await import(new URL('app/state.js', document.baseURI).href);
      const sent = /** @type {any} */ (window).spy.generate[0];
      const steps = [];
      for await (const ev of engine.client.generate({ prompt: sent.prompt, addBos: sent.addBos, special: sent.special, ...sent.options, probes: { topAlternatives: 8, logits: true } })) {
        if (ev.type === 'token') steps.push(ev);
      }
      let at = -1;
      /** @type {string[]} */
      let forbidden = [];
      for (const step of steps) {
        if (step.forced || !/^\p{Script=Han}$/u.test(step.text)) continue;
        const chars = [];
        for (const c of forbiddenTokens(step, 12)) {
          const text = await engine.piece(c.token);
          if (/^\p{Script=Han}$/u.test(text)) chars.push(text);
          if (chars.length >= 6) break;
        }
        if (chars.length) {
          at = step.index;
          forbidden = chars;
          break;
        }
      }
      return {
        tokens: steps.map((s) => s.token),
        written: state.tokens.map((/** @type {any} */ r) => r.token),
        nForced: steps.filter((s) => s.forced).length,
        at,
        forbidden,
      };
    });
    assert.deepEqual(reference.tokens, reference.written, 'the request run again wrote another poem');
    assert.equal(reference.nForced, 2, 'the opening 秋风 is two forced tokens');
    assert.ok(reference.at >= 0, 'no step of the poem had forbidden characters');

    // Its popover lists them: computed again when it opened.
    await page.click(`#poem-body .ch[data-token="${reference.at}"]`);
    await page.waitForSelector('#forbidden-list:not([hidden])', { timeout: 30_000 });
    const shown = await page.$$eval('#forbidden-list .alt-ch', (els) => els.map((e) => e.textContent));
    assert.deepEqual(shown, reference.forbidden);
    await page.keyboard.press('Escape');

    // Every step, the forced ones included, computed again the popover's way equals the
    // streamed step bit for bit.
    const mismatches = await page.evaluate(async () => {
      const { engine } = await import(new URL('app/model.js', document.baseURI).href);
      const { stepDetails } = await import(new URL('app/poem-runner.js', document.baseURI).href);
      const { state } = await import(new URL('app/state.js', document.baseURI).href);
      const sent = /** @type {any} */ (window).spy.generate[0];
      const streamed = [];
      for await (const ev of engine.client.generate({ prompt: sent.prompt, addBos: sent.addBos, special: sent.special, ...sent.options, probes: { logits: true } })) {
        if (ev.type === 'token') streamed.push(ev);
      }
      /** @param {Float32Array} a @param {Float32Array} b */
      const same = (a, b) => a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((x, i) => x === new Uint32Array(b.buffer, b.byteOffset, b.length)[i]);
      const bad = [];
      for (const rec of state.tokens) {
        const full = await stepDetails(rec);
        const s = streamed[rec.index];
        if (!full.logits || !full.distribution || !same(full.logits, s.logits) || !same(full.distribution, s.distribution)) bad.push(rec.index);
      }
      return { bad, n: state.tokens.length };
    });
    assert.ok(mismatches.n > 56);
    assert.deepEqual(mismatches.bad, [], `steps computed again that differ from the streamed ones`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
