// The classroom with a Qwen GGUF of the user's own and with the playground's guidance, in headless
// Chromium, against the wasm runtime driven directly from Node (tests/js/support/wasm.mjs: no
// worker, no site code). The prompts are written out here.
//
//   - tests/fixtures/models/tiny-qwen2-zh-q8_0.gguf (byte-level BPE, a Qwen-shaped Chinese
//     vocabulary: two-character tokens, partial-character byte tokens, ChatML control tokens) is
//     brought through the Models dialog; the classroom prompts it in ChatML as the playground
//     does (the same token ids), shows one chip per token with what it spells (several
//     characters as one unit, bytes that are not UTF-8 alone as <0xNN>, never U+FFFD; the chips'
//     bytes together are the runtime's decoding of the whole prompt), labels attention columns
//     by token, and its bars at T = 1 are the runtime's distribution (same ids, same top
//     probabilities); three steps take the tokens of a normal seeded run; the lanes show a chip
//     per token and spell each run's bytes
//   - guidance (the playground's 扣題, default 2.5, shipped model): the table shows the
//     conditioned, the unconditioned (无题) and the mixed distributions, and the mix equals
//     softmax(uncond + s·(cond − uncond)) of two plain runs made here; the bars follow the mix
//     and stepping takes the tokens of a guided run; with s = 1 in the settings the table goes
//
// Run: node --test tests/e2e/classroom-qwen.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { skip, startClassroomSite, openClassroom, idle, steps, MODEL } from './classroom-site.mjs';
import { useOwnModel } from './playground-page.mjs';
import { loadWasm, createSession } from '../js/support/wasm.mjs';
import { ROOT } from './server.mjs';

const QWEN = path.join(ROOT, 'tests/fixtures/models/tiny-qwen2-zh-q8_0.gguf');
// Bars show final probabilities with 6 decimals (data-final); the page's softmax is in double
// from the runtime's float32 logits, the reference the runtime's float32 distribution.
const kMaxProbError = 2e-6;
// The mix: the runtime adds in float32, the reference here in double.
const kMaxMixError = 1e-5;

const SYSTEM = '<|im_start|>system\n你是一位精通格律的中国古典诗人。<|im_end|>\n';
const ask = (/** @type {string} */ title) =>
  `${SYSTEM}<|im_start|>user\n请以「${title}」为题，写一首五言绝句。只写诗的正文，不要标题和解释。<|im_end|>\n<|im_start|>assistant\n`;
const PLAIN = { seed: 0, temperature: 1, topK: 0, topP: 1, minP: 0, repeatPenalty: 1, maxTokens: 1, stopAtEos: false };
const frag = (/** @type {string} */ form, /** @type {string} */ title, /** @type {number} */ seed) =>
  `#c=1&f=${encodeURIComponent(form)}&t=${encodeURIComponent(title)}&s=${seed}&T=1&k=0&p=1&m=0&n=0`;

/** @type {import('./classroom-site.mjs').ClassroomSite | null} */
let site = null;
/** @type {any} */
let M = null;

before(async () => {
  if (skip) return;
  site = await startClassroomSite();
  M = await loadWasm('inkstone');
});

after(async () => {
  if (site) await site.close();
});

/** @param {string} file */
function session(file) {
  const r = createSession(M, new Uint8Array(fs.readFileSync(file)), { nCtx: 0, nThreads: 1 });
  assert.ok(r.ok, r.message);
  return r.session;
}

/** The runtime's logits and distribution (T = 1, no cuts) after `tokens`. @param {any} s @param {number[]} tokens */
function nextStep(s, tokens) {
  assert.ok(s.begin(tokens, { ...PLAIN, probes: { distribution: true } }).ok);
  const st = s.step();
  assert.ok(st.ok, st.message);
  return { logits: Float64Array.from(st.logits), dist: Float64Array.from(st.distribution) };
}

/** The tokens of a normal seeded run. @param {any} s @param {number[]} tokens @param {object} options */
function run(s, tokens, options) {
  assert.ok(s.begin(tokens, { ...PLAIN, stopAtEos: true, ...options }).ok);
  const out = [];
  for (;;) {
    const st = s.step();
    assert.ok(st.ok, st.message);
    if (st.token !== undefined && st.token >= 0) out.push(st.token);
    if (st.done) return out;
  }
}

/** Ids in order of probability. @param {ArrayLike<number>} p @param {number} n */
const top = (p, n) => Array.from(p, (_, i) => i).sort((a, b) => p[b] - p[a] || a - b).slice(0, n);

/** @param {ArrayLike<number>} logits */
function softmax(logits) {
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l);
  const e = Array.from(logits, (l) => Math.exp(l - max));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

/**
 * A byte-level BPE piece's bytes: GPT-2's byte ↔ character table (printable Latin-1 bytes stand
 * for themselves, the other 68 bytes for U+0100 onwards, in byte order).
 * @param {string} piece
 */
function gpt2Bytes(piece) {
  const printable = (/** @type {number} */ b) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  /** @type {Map<number, number>} */
  const byChar = new Map();
  let n = 0;
  for (let b = 0; b < 256; b++) byChar.set(printable(b) ? b : 256 + n++, b);
  return Array.from(piece, (ch) => {
    const b = byChar.get(/** @type {number} */ (ch.codePointAt(0)));
    assert.ok(b !== undefined, `piece ${piece}: ${ch} is not a GPT-2 byte symbol`);
    return /** @type {number} */ (b);
  });
}

/** What a chip spells, back to bytes: text as UTF-8, <0xNN> as the byte. @param {string} text */
function chipBytes(text) {
  const out = [];
  for (const part of text.replaceAll('↵', '\n').replaceAll('␠', ' ').split(/(<0x[0-9A-F]{2}>)/)) {
    if (/^<0x[0-9A-F]{2}>$/.test(part)) out.push(parseInt(part.slice(3, 5), 16));
    else out.push(...new TextEncoder().encode(part));
  }
  return out;
}

/** The shown bars, chips and attention headers. @param {import('playwright-core').Page} page */
function readPage(page) {
  return page.evaluate(() => {
    const chip = (/** @type {Element} */ e) => ({
      id: Number(/** @type {HTMLElement} */ (e).dataset.id), kind: /** @type {HTMLElement} */ (e).dataset.kind,
      text: e.querySelector('.chip-text')?.textContent ?? '', multi: e.classList.contains('multi'),
    });
    return {
      poem: Array.from(document.querySelectorAll('#poem .tok.chip'), chip),
      heads: Array.from(document.querySelectorAll('#heat thead th.col'), chip),
      bars: Array.from(document.querySelectorAll('#bars .bar-row'), (li) => ({
        token: Number(/** @type {HTMLElement} */ (li).dataset.token), final: Number(/** @type {HTMLElement} */ (li).dataset.final),
        chip: chip(/** @type {Element} */ (li.querySelector('.bar-tok'))), id: li.querySelector('.chip-id')?.textContent,
      })),
      chosen: /** @type {any} */ (window).classroom.state.chosen.map((/** @type {any} */ c) => c.token),
      prompt: /** @type {any} */ (window).classroom.state.promptTokens,
    };
  });
}

test('a Qwen GGUF in the classroom: ChatML prompt, tokens shown whole, the runtime\'s probabilities', { skip, timeout: 120_000 }, async () => {
  const s = session(QWEN);
  // 春风 is one token of the vocabulary; 「 and 」 are spelled in bytes.
  const prompt = s.tokenizeSpecial(ask('春风'), false).tokens;
  const { page, errors } = await openClassroom(/** @type {any} */ (site), frag('<五绝>', '春风', 5), { lang: 'en', settings: { guidance: 1 } });
  await useOwnModel(page, { name: 'tiny-qwen2-zh-q8_0.gguf', mimeType: 'application/octet-stream', buffer: fs.readFileSync(QWEN) });
  await page.click('#pwa-models .pwa-dialog-head button');
  await idle(page);
  let shown = await readPage(page);
  assert.deepEqual(shown.prompt, prompt, 'the ChatML prompt, as the playground writes it');

  // One chip per position, its id the token's, and what it spells the runtime's decoding.
  assert.deepEqual(shown.poem.map((c) => c.id), prompt);
  assert.deepEqual(shown.heads.map((c) => c.id), prompt, 'attention columns: one per token');
  assert.deepEqual(shown.heads.map((c) => c.text), shown.poem.map((c) => c.text));
  const visible = (/** @type {string} */ t) => t.replaceAll('\n', '↵').replaceAll(' ', '␠');
  const fatal = new TextDecoder('utf-8', { fatal: true });
  let bytesShown = 0;
  for (const c of shown.poem) {
    const piece = s.tokenPiece(c.id);
    assert.ok(!c.text.includes('\uFFFD'), `token ${c.id} shown as ${c.text}`);
    if (/^<\|[a-z_]+\|>$/.test(piece)) {
      assert.equal(c.kind, 'control');
      assert.equal(c.text, piece);
      continue;
    }
    const bytes = gpt2Bytes(piece);
    /** @type {string | null} */
    let alone = null;
    try {
      alone = fatal.decode(Uint8Array.from(bytes));
    } catch {
      alone = null;
    }
    if (alone === null) {
      assert.equal(c.kind, 'bytes', `token ${c.id} (${c.text})`);
      assert.deepEqual(chipBytes(c.text), bytes, `token ${c.id} (${c.text}): its bytes`);
      bytesShown++;
    } else {
      assert.equal(c.text, visible(alone), `token ${c.id}`);
      assert.equal(c.multi, Array.from(alone).length > 1, `token ${c.id} (${c.text}): one chip`);
    }
  }
  const text = shown.poem.filter((c) => c.kind !== 'control').flatMap((c) => chipBytes(c.text));
  assert.deepEqual(text, Array.from(new TextEncoder().encode(s.detokenize(prompt).text)), 'the chips spell the prompt, byte for byte');
  assert.ok(bytesShown > 0, 'the prompt has byte tokens (characters outside the vocabulary)');
  assert.ok(shown.poem.some((c) => c.multi && c.kind === 'text'), 'the prompt has multi-character tokens');
  assert.ok(shown.poem.some((c) => c.kind === 'control'), 'the prompt has control tokens');

  // Three seeded steps take the tokens of a normal run; at each step the bars are the runtime's.
  const want = run(s, prompt, { seed: 5, maxTokens: 3 });
  for (let i = 0; i <= 3; i++) {
    if (i > 0) await steps(page, 1);
    shown = await readPage(page);
    assert.deepEqual(shown.chosen, want.slice(0, i), `step ${i}: the seeded run's tokens`);
    const ref = nextStep(s, [...prompt, ...shown.chosen]);
    assert.deepEqual(shown.bars.map((b) => b.token), top(ref.dist, shown.bars.length), `step ${i}: the bars' tokens`);
    for (const b of shown.bars) {
      assert.ok(Math.abs(b.final - ref.dist[b.token]) <= kMaxProbError, `step ${i} token ${b.token}: ${b.final} vs ${ref.dist[b.token]}`);
      assert.equal(b.id, String(b.token));
      assert.equal(b.chip.id, b.token);
      assert.ok(!b.chip.text.includes('\uFFFD'), `bar ${b.token} shown as ${b.chip.text}`);
    }
  }
  assert.deepEqual(shown.poem.map((c) => c.id), [...prompt, ...want]);

  // The temperature lanes: a chip per token, and each lane's text its tokens' bytes together.
  await page.fill('#lane-n', '6');
  await page.click('#lanes-run');
  await page.waitForSelector('.lane-grid');
  await idle(page);
  const lanes = await page.evaluate(() => Array.from(document.querySelectorAll('.lane-grid tr.lane'), (tr, k) => ({
    tokens: (/** @type {HTMLElement} */ (tr).dataset.tokens || '').split(',').map(Number),
    chips: Array.from(tr.querySelectorAll('.lane-tok'), (td) => Number(/** @type {HTMLElement} */ (td).dataset.id)),
    text: document.querySelectorAll('.lane-text .cjk')[k]?.textContent ?? '',
  })));
  assert.equal(lanes.length, 3);
  for (const lane of lanes) {
    assert.deepEqual(lane.chips, lane.tokens);
    const control = (/** @type {number} */ id) => /^<\|[a-z_]+\|>$/.test(s.tokenPiece(id));
    assert.deepEqual(chipBytes(lane.text), lane.tokens.filter((id) => !control(id)).flatMap((id) => gpt2Bytes(s.tokenPiece(id))),
      `lane text ${lane.text}`);
    assert.ok(!lane.text.includes('\uFFFD'), lane.text);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('guidance: the classroom shows cond, uncond (无题) and their mix, as the playground samples', { skip, timeout: 120_000 }, async () => {
  // Two plain sessions, one per prompt, and a third for the guided run.
  const s = session(MODEL);
  const sUncond = session(MODEL);
  const cond = s.tokenize('<七绝>春江\n', true).tokens;
  const uncond = s.tokenize('<七绝>无题\n', true).tokens;
  const scale = 2.5;  // the playground's default (site/app/settings.js)
  const { page, errors } = await openClassroom(/** @type {any} */ (site), frag('<七绝>', '春江', 9), { lang: 'en', settings: { guidance: scale } });
  const want = run(session(MODEL), cond, { seed: 9, maxTokens: 2, guidanceScale: scale, guidancePrompt: uncond });
  for (let i = 0; i <= 2; i++) {
    if (i > 0) await steps(page, 1);
    const shown = await readPage(page);
    assert.deepEqual(shown.chosen, want.slice(0, i), `step ${i}: the guided run's tokens`);
    const c = nextStep(s, [...cond, ...shown.chosen]);
    const u = nextStep(sUncond, [...uncond, ...shown.chosen]);
    const mix = softmax(Array.from(c.logits, (l, k) => u.logits[k] + scale * (l - u.logits[k])));
    const table = await page.evaluate(() => ({
      s: document.getElementById('guidance-mix')?.dataset.scale,
      shownS: document.querySelector('#guidance-mix .guidance-s')?.textContent,
      rows: Array.from(document.querySelectorAll('#guidance-mix tbody tr'), (tr) => {
        const d = /** @type {HTMLElement} */ (tr).dataset;
        return { token: Number(d.token), cond: Number(d.cond), uncond: Number(d.uncond), mix: Number(d.mix) };
      }),
    }));
    assert.equal(table.s, String(scale));
    assert.equal(table.shownS, `s = ${scale}`);
    assert.deepEqual(table.rows.map((r) => r.token), top(mix, table.rows.length), `step ${i}: the mix's most likely tokens`);
    for (const r of table.rows) {
      assert.ok(Math.abs(r.mix - mix[r.token]) <= kMaxMixError, `step ${i} token ${r.token}: mix ${r.mix} vs ${mix[r.token]}`);
      assert.ok(Math.abs(r.cond - c.dist[r.token]) <= kMaxProbError, `step ${i} token ${r.token}: cond`);
      assert.ok(Math.abs(r.uncond - u.dist[r.token]) <= kMaxProbError, `step ${i} token ${r.token}: uncond`);
    }
    for (const b of shown.bars) assert.ok(Math.abs(b.final - mix[b.token]) <= kMaxMixError, `step ${i} bar ${b.token}`);
    // The check above could not fail if guidance changed nothing.
    assert.ok(table.rows.some((r) => Math.abs(r.mix - r.cond) > 1e-3), `step ${i}: the mix is the conditioned distribution`);
  }
  // Guidance off in the playground (another tab): the classroom follows, the table goes.
  await page.evaluate(() => {
    const key = 'inkstone.playground.v1';
    localStorage.setItem(key, JSON.stringify({ ...JSON.parse(localStorage.getItem(key) || '{}'), guidance: 1 }));
    window.dispatchEvent(new StorageEvent('storage', { key }));
  });
  await idle(page);
  await page.waitForSelector('#guidance-mix', { state: 'hidden' });
  const shown = await readPage(page);
  const plain = nextStep(s, [...cond, ...shown.chosen]);
  for (const b of shown.bars) assert.ok(Math.abs(b.final - plain.dist[b.token]) <= kMaxProbError, `unguided bar ${b.token}`);
  assert.deepEqual(errors, []);
  await page.close();
});
