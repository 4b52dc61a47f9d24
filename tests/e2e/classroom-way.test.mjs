// The classroom writes the playground's way (site/app/writing-defaults.js): guidance toward the
// title and 不重字 (no character twice in a 詩), in headless Chromium with the shipped model.
// The references are runtime calls made here through the page's Inkstone client with constraints
// and prompts written out here, and the poem's characters read from the runtime's token bytes;
// never the page's code.
//
//   - 不重字 on and the form rules on, 20 steps of a 七绝 (guidance 2.5): no character of the
//     body repeats; at every step each character the body already has is left out of the bars
//     and has probability 0 in the page's record, as in the runtime's distribution under
//     {form, no_repeat}; the mass the panel says the rules removed is that run's; the panel says
//     that 不重字 is on. Not vacuous: at some step the form alone allows a character of the body
//     (probability > 0) and removes less mass
//   - the temperature lanes (normal runs) repeat no character either
//   - the link records the way (g, q): opened on a page whose saved settings differ (guidance
//     off, 不重字 off), a link without the tokens replays the same tokens by sampling, and the
//     saved settings stay; the same link without g and q (as made before) uses the reader's
//     settings and takes other tokens; a change of 不重字 in the playground (another tab) is
//     followed, an unrelated save does not undo a link's values
//
// Run: node --test tests/e2e/classroom-way.test.mjs   (INK_POETRY_MODEL=/path/to/model.gguf)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { skip, startClassroomSite, openClassroom, idle, steps } from './classroom-site.mjs';
import { STRINGS } from '../../site/classroom/strings.js';

const SEED = 5;
const N_STEPS = 20;
const SCALE = 2.5;
const FORM = '七言絕句';
const FRAGMENT = `#c=1&f=${encodeURIComponent('<七绝>')}&t=${encodeURIComponent('春江')}&s=${SEED}&T=1&k=0&p=1&m=0&r=1&n=0`;
const THE_WAY = { guidance: SCALE, noRepeat: true };
const PLAIN = { guidance: 1, noRepeat: false };
const HAN = /\p{Script=Han}/u;
const SETTINGS_KEY = 'inkstone.playground.v1';

/** @type {import('./classroom-site.mjs').ClassroomSite | null} */
let site = null;

before(async () => {
  if (skip) return;
  site = await startClassroomSite();
});

after(async () => {
  if (site) await site.close();
});

/** What the page shows and holds at its current step. @param {import('playwright-core').Page} page */
function readStep(page) {
  return page.evaluate(() => {
    const c = /** @type {any} */ (window).classroom;
    const i = c.state.chosen.length;
    const rec = c.state.records[i];
    const chosen = c.state.chosen.map((/** @type {any} */ t) => t.token);
    const mask = /** @type {HTMLElement} */ (document.getElementById('mask'));
    return {
      chosen,
      bars: Array.from(document.querySelectorAll('#bars .bar-row'), (li) => Number(/** @type {HTMLElement} */ (li).dataset.token)),
      maskShown: !mask.hidden,
      maskPct: mask.querySelector('.mask-head .mask-pct')?.textContent ?? '',
      note: mask.querySelector('.mask-note')?.textContent ?? null,
      // The page's record (the runtime's probe as the page asked for it) at the tokens taken.
      dist1: chosen.map((/** @type {number} */ t) => rec.dist1[t]),
      banned: chosen.map((/** @type {number} */ t) => (rec.banned ? rec.banned[t] : -1)),
    };
  });
}

/**
 * The runtime, asked here through the page's client: the distribution (T = 1, no cuts) after the
 * prompt written out here and `chosen`, guided as the playground guides, under `constraint`.
 * @param {import('playwright-core').Page} page @param {number[]} chosen @param {object} constraint
 */
function reference(page, chosen, constraint) {
  return page.evaluate(async ({ chosen, constraint, scale }) => {
    const ink = /** @type {any} */ (window).classroom.engine.ink;
    const prompt = await ink.tokenize('<七绝>春江\n', { addBos: true });
    const untitled = await ink.tokenize('<七绝>无题\n', { addBos: true });
    let last = null;
    for await (const ev of ink.generate({ promptTokens: prompt, forceTokens: chosen, maxTokens: chosen.length + 1,
      constraint, guidanceScale: scale, guidancePrompt: untitled, seed: 0, temperature: 1, topK: 0, topP: 1,
      minP: 0, repeatPenalty: 1, stopAtEos: false, probes: { distribution: true } })) {
      if (ev.type === 'token') last = ev;
    }
    return { maskedMass: last.maskedMass, dist: chosen.map((t) => last.distribution[t]) };
  }, { chosen, constraint, scale: SCALE });
}

/** The text tokens spell, from the runtime's token bytes. @param {import('playwright-core').Page} page @param {number[]} tokens */
async function textOf(page, tokens) {
  const bytes = await page.evaluate(async (ids) => {
    const got = await /** @type {any} */ (window).classroom.engine.ink.tokenBytes(ids);
    return got.map((/** @type {ArrayLike<number>} */ b) => Array.from(b));
  }, tokens);
  const decode = (/** @type {number[]} */ b) => new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(b));
  return { text: decode(bytes.flat()), pieces: bytes.map(decode) };
}

/** The Han characters of a text that occur more than once. @param {string} text */
function repeats(text) {
  const chars = Array.from(text).filter((ch) => HAN.test(ch));
  return chars.filter((ch, k) => chars.indexOf(ch) !== k);
}

/** The chosen tokens of the page. @param {import('playwright-core').Page} page */
function chosenOf(page) {
  return page.evaluate(() => /** @type {any} */ (window).classroom.state.chosen.map((/** @type {any} */ t) => t.token));
}

/** @type {string} the link of the 20 steps written the playground's way */
let wayLink = '';
/** @type {number[]} its tokens */
let wayTokens = [];

test('不重字 with the form rules: no character repeats, and the repeated ones are the mass the rules removed', { skip, timeout: 240_000 }, async () => {
  const { page, errors } = await openClassroom(/** @type {any} */ (site), FRAGMENT, { lang: 'en', settings: THE_WAY });
  assert.equal(await page.isChecked('#rules'), true);
  let allowedByForm = 0;
  let moreMass = 0;
  for (let i = 0; i <= N_STEPS; i++) {
    if (i > 0) await steps(page, 1);
    const shown = await readStep(page);
    assert.equal(shown.chosen.length, i);
    assert.ok(shown.maskShown, `step ${i}: the mask is shown`);
    assert.equal(shown.note, STRINGS.en.maskNoRepeat, `step ${i}: the panel says 不重字 is on`);
    const withRule = await reference(page, shown.chosen, { form: FORM, no_repeat: true });
    const formOnly = await reference(page, shown.chosen, { form: FORM });
    assert.equal(shown.maskPct, `${(withRule.maskedMass * 100).toFixed(2)}%`, `step ${i}: the mass the rules removed`);
    if (withRule.maskedMass > formOnly.maskedMass + 1e-6) moreMass++;
    // Each character of the body so far: probability 0, out of the bars.
    const { pieces } = await textOf(page, shown.chosen);
    shown.chosen.forEach((token, k) => {
      if (!(pieces[k].length === 1 && HAN.test(pieces[k]))) return;
      const what = `step ${i}: ${pieces[k]} (token ${token})`;
      assert.equal(withRule.dist[k], 0, `${what}: the runtime under no_repeat`);
      assert.equal(shown.dist1[k], 0, `${what}: the page's record`);
      assert.equal(shown.banned[k], 1, `${what}: removed by the rules`);
      assert.ok(!shown.bars.includes(token), `${what}: not among the bars`);
      if (formOnly.dist[k] > 0) allowedByForm++;
    });
  }
  const tokens = await chosenOf(page);
  const { text } = await textOf(page, tokens);
  const chars = Array.from(text).filter((ch) => HAN.test(ch));
  assert.ok(chars.length >= 15, `${N_STEPS} steps wrote ${chars.length} characters: ${text}`);
  assert.deepEqual(repeats(text), [], `no character repeats: ${text}`);
  assert.ok(allowedByForm > 0, 'the form alone allows some character of the body again (the check above can fail)');
  assert.ok(moreMass > 0, '不重字 removes more mass than the form alone at some step');

  // The lanes: normal runs of the runtime with the page's constraint.
  await page.fill('#lane-n', String(N_STEPS));
  await page.click('#lanes-run');
  await idle(page);
  const lanes = await page.evaluate(() => Array.from(document.querySelectorAll('#lanes tr.lane'),
    (tr) => (/** @type {HTMLElement} */ (tr).dataset.tokens || '').split(',').map(Number)));
  assert.equal(lanes.length, 3);
  for (const lane of lanes) {
    const lt = await textOf(page, lane);
    assert.ok(Array.from(lt.text).filter((ch) => HAN.test(ch)).length >= 15, lt.text);
    assert.deepEqual(repeats(lt.text), [], `lane: ${lt.text}`);
  }

  wayLink = await page.evaluate(() => location.hash);
  wayTokens = tokens;
  const p = new URLSearchParams(wayLink.slice(1));
  assert.equal(p.get('g'), String(SCALE), wayLink);
  assert.equal(p.get('q'), '1', wayLink);
  await page.close();
  assert.deepEqual(errors, []);
});

test('a link with g and q replays the same tokens where the saved settings differ', { skip, timeout: 240_000 }, async () => {
  assert.ok(wayLink, 'the first test made the link');
  // Without `x`, the page samples the steps again with the link's seed and settings.
  const p = new URLSearchParams(wayLink.slice(1));
  p.delete('x');
  const { page, errors } = await openClassroom(/** @type {any} */ (site), `#${p}`, { lang: 'en', settings: PLAIN });
  const got = await page.evaluate((key) => {
    const s = /** @type {any} */ (window).classroom.state;
    return { tokens: s.chosen.map((/** @type {any} */ t) => t.token), guidance: s.guidance, noRepeat: s.noRepeat,
      saved: JSON.parse(localStorage.getItem(key) || '{}') };
  }, SETTINGS_KEY);
  assert.deepEqual(got.tokens, wayTokens, 'the same tokens as the page that made the link');
  assert.deepEqual({ guidance: got.guidance, noRepeat: got.noRepeat }, THE_WAY, 'the link\'s way');
  assert.deepEqual({ guidance: got.saved.guidance, noRepeat: got.saved.noRepeat }, PLAIN, 'the saved settings stay');
  // The playground saves something else (another tab): the link's values hold.
  await page.evaluate((key) => {
    localStorage.setItem(key, JSON.stringify({ ...JSON.parse(localStorage.getItem(key) || '{}'), seed: 99 }));
    window.dispatchEvent(new StorageEvent('storage', { key }));
  }, SETTINGS_KEY);
  await idle(page);
  assert.deepEqual(await page.evaluate(() => {
    const s = /** @type {any} */ (window).classroom.state;
    return { guidance: s.guidance, noRepeat: s.noRepeat };
  }), THE_WAY);
  await page.close();

  // The same link as made before g and q: the reader's settings, and other tokens.
  p.delete('g');
  p.delete('q');
  const { page: old, errors: oldErrors } = await openClassroom(/** @type {any} */ (site), `#${p}`, { lang: 'en', settings: PLAIN });
  const before = await old.evaluate(() => {
    const s = /** @type {any} */ (window).classroom.state;
    return { tokens: s.chosen.map((/** @type {any} */ t) => t.token), guidance: s.guidance, noRepeat: s.noRepeat,
      note: !!document.querySelector('#mask .mask-note'), hash: location.hash };
  });
  assert.deepEqual({ guidance: before.guidance, noRepeat: before.noRepeat }, PLAIN);
  assert.equal(before.note, false, '不重字 off: no note');
  assert.equal(before.tokens.length, N_STEPS);
  assert.notDeepEqual(before.tokens, wayTokens, 'the way of writing changes the tokens (the replay above is a test)');
  assert.equal(new URLSearchParams(before.hash.slice(1)).get('q'), '0', 'the page\'s link now records the way');

  // 不重字 turned on in the playground (another tab): followed, the records fetched again.
  await old.evaluate((key) => {
    localStorage.setItem(key, JSON.stringify({ ...JSON.parse(localStorage.getItem(key) || '{}'), noRepeat: true }));
    window.dispatchEvent(new StorageEvent('storage', { key }));
  }, SETTINGS_KEY);
  await old.waitForSelector('#mask .mask-note');
  await idle(old);
  const after = await readStep(old);
  assert.deepEqual(after.chosen, before.tokens, 'the tokens taken stay');
  assert.equal(after.note, STRINGS.en.maskNoRepeat);
  const { pieces } = await textOf(old, after.chosen);
  const ref = await old.evaluate(async () => {
    const c = /** @type {any} */ (window).classroom;
    let last = null;
    for await (const ev of c.engine.ink.generate({ promptTokens: c.state.promptTokens, forceTokens: c.state.chosen.map((/** @type {any} */ t) => t.token),
      maxTokens: c.state.chosen.length + 1, constraint: { form: '七言絕句', no_repeat: true }, seed: 0, temperature: 1, topK: 0,
      topP: 1, minP: 0, repeatPenalty: 1, stopAtEos: false, probes: { distribution: true } })) {
      if (ev.type === 'token') last = ev;
    }
    return last.maskedMass;
  });
  assert.equal(after.maskPct, `${(ref * 100).toFixed(2)}%`, 'the mass the rules and 不重字 remove');
  after.chosen.forEach((token, k) => {
    if (pieces[k].length === 1 && HAN.test(pieces[k])) assert.equal(after.dist1[k], 0, `${pieces[k]}: probability 0 now`);
  });
  assert.equal(new URLSearchParams((await old.evaluate(() => location.hash)).slice(1)).get('q'), '1');
  await old.close();
  assert.deepEqual([...errors, ...oldErrors], []);
});
