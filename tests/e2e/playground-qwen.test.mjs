// A Qwen model of the user's own in the playground (issue 20), in headless Chromium: the
// random-weight tests/fixtures/models/tiny-qwen2-zh-q8_0.gguf (qwen2, byte-level BPE with a
// Qwen-shaped Chinese vocabulary, a ChatML chat template) is brought through the Models dialog,
// and the playground writes a 五言絕句 with it. The page's poem must equal the one the wasm
// writes in Node from the ChatML prompt (markup as control tokens), guidance against 无题 and
// the site's sampling, written out here; and it keeps its form by the page's own analysis.
//
//   node --test tests/e2e/playground-qwen.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { buildSite, serveSite, launchBrowser, ROOT } from './playground-server.mjs';
import { openPlaygroundPage, waitForModel, useOwnModel, writePoem, poemLines } from './playground-page.mjs';
import { loadWasm, createSession } from '../js/support/wasm.mjs';

const QWEN = path.join(ROOT, 'tests/fixtures/models/tiny-qwen2-zh-q8_0.gguf');
const TITLE = '春望';
const SEED = 7;
const SYSTEM = '<|im_start|>system\n你是一位精通格律的中国古典诗人。<|im_end|>\n';
const ask = (/** @type {string} */ title) =>
  `${SYSTEM}<|im_start|>user\n请以「${title}」为题，写一首五言绝句。只写诗的正文，不要标题和解释。<|im_end|>\n<|im_start|>assistant\n`;

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

/** The poem the wasm writes in Node with the playground's defaults, from the ChatML prompt. */
async function reference() {
  const M = await loadWasm('inkstone');
  const prosody = (/** @type {string} */ f) => fs.readFileSync(path.join(ROOT, 'assets/prosody', f), 'utf8');
  assert.ok(M.setProsodyTables(prosody('tones.tsv'), prosody('rhyme-xinyun.tsv')).ok);
  const r = createSession(M, new Uint8Array(fs.readFileSync(QWEN)), { nCtx: 0, nThreads: 1 });
  assert.ok(r.ok, r.message);
  const s = r.session;
  const prompt = s.tokenizeSpecial(ask(TITLE), false).tokens;
  assert.equal(prompt.filter((t) => t === prompt[0]).length, 3, 'three <|im_start|> control tokens');
  const options = {
    seed: SEED, temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, repeatPenalty: 1, repeatLastN: 64, maxTokens: 64,
    constraint: JSON.stringify({ form: '五言絕句', tones: true, rhyme: true, no_repeat: true }),
    guidanceScale: 2.5, guidancePrompt: s.tokenizeSpecial(ask('无题'), false).tokens,
  };
  assert.ok(s.begin(prompt, options).ok);
  let text = '';
  for (;;) {
    const st = s.step();
    assert.ok(st.ok, st.message);
    text += st.text;
    if (st.done) return Array.from(text).filter((c) => /\p{Script=Han}/u.test(c)).join('');
  }
}

test('a Qwen GGUF brought through the Models dialog writes a 五言絕句 in the playground', { timeout: 300_000 }, async () => {
  const want = await reference();
  assert.equal(Array.from(want).length, 20);
  const { context, page, problems } = await openPlaygroundPage(browser, server.url);
  try {
    await waitForModel(page);
    await useOwnModel(page, { name: 'tiny-qwen2-zh-q8_0.gguf', mimeType: 'application/octet-stream', buffer: fs.readFileSync(QWEN) });
    await page.click('#pwa-models .pwa-dialog-head button').catch(() => {});
    await writePoem(page, { title: TITLE, form: 'wuyan-jueju', seed: SEED });
    const lines = await poemLines(page);
    assert.deepEqual(lines.map((l) => l.chars.length), [5, 5, 5, 5]);
    assert.equal(lines.map((l) => l.chars.join('')).join(''), want, 'the page wrote another poem than the ChatML reference');
    // The page's own analysis (tone marks on): a 五言絕句 without faults, its rhymes marked.
    if (!(await page.isChecked('#prosody-toggle'))) await page.check('#prosody-toggle', { force: true });
    await page.waitForSelector('#poem[data-prosody="analysed"]', { timeout: 30_000 });
    const verdict = await page.evaluate(() => ({
      faults: Array.from(document.querySelectorAll('#prosody-faults li'), (li) => li.textContent),
      markedFaults: document.querySelectorAll('#poem-body .ch[data-fault]').length,
      rhymes: document.querySelectorAll('#poem-body .ch[data-rhyme="ok"]').length,
    }));
    assert.deepEqual(verdict.faults, []);
    assert.equal(verdict.markedFaults, 0);
    assert.ok(verdict.rhymes >= 2, `${verdict.rhymes} rhymes marked`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
