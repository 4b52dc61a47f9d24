// The way of writing in the playground (issue 14): by default a 詩 is written with classifier-free
// guidance toward its title (against the same tag with 无题) and without repeated characters.
// The page's poems are checked against the wasm driven directly from Node with those options
// written out here (not the site's code), so a setting that is not passed, or passed wrongly,
// fails. A share link of format 1 (made before this change) replays exactly: it is written the
// old way. Run: node --test tests/e2e/playground-guidance.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { buildSite, serveSite, launchBrowser, DEFAULT_MODEL, ROOT } from './playground-server.mjs';
import { openPlaygroundPage, waitForModel, writePoem, poemLines } from './playground-page.mjs';
import { crc32, decodeShare } from '../../site/share/share-codec.js';
import { loadWasm, createSession } from '../js/support/wasm.mjs';

const TITLES = [
  ['江上', 11],
  ['秋夜', 12],
  ['梅花', 13],
];
const SAMPLING = { temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, repeatPenalty: 1.0, repeatLastN: 64 };
// 七言絕句 with tones and rhyme, as site/app/forms.js and core/include/inkstone/form.h define it.
const FORM = { form: '七言絕句', tones: true, rhyme: true };

/** @type {string} */
let siteDir = '';
/** @type {Awaited<ReturnType<typeof serveSite>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {any} */
let session;

before(async () => {
  assert.ok(fs.existsSync(path.join(ROOT, 'build-wasm/wasm_bindings/inkstone.wasm')), 'run `make wasm` first');
  siteDir = await buildSite();
  server = await serveSite(siteDir);
  browser = await launchBrowser();
  const M = await loadWasm('inkstone');
  const prosody = (/** @type {string} */ f) => fs.readFileSync(path.join(ROOT, 'assets/prosody', f), 'utf8');
  assert.ok(M.setProsodyTables(prosody('tones.tsv'), prosody('rhyme-xinyun.tsv')).ok);
  const r = createSession(M, new Uint8Array(fs.readFileSync(DEFAULT_MODEL)), { nCtx: 0, nThreads: 1 });
  assert.ok(r.ok, r.message);
  session = r.session;
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
  if (siteDir) fs.rmSync(siteDir, { recursive: true, force: true });
});

/**
 * A 七絕 written by the wasm in Node: `way` = {guidance, noRepeat}.
 * @param {string} title @param {number} seed @param {{guidance: number, noRepeat: boolean}} way
 */
function reference(title, seed, way) {
  const prompt = session.tokenize(`<七绝>${title}\n`, true);
  const options = { ...SAMPLING, seed, maxTokens: 64, constraint: JSON.stringify({ ...FORM, no_repeat: way.noRepeat }) };
  if (way.guidance !== 1) {
    Object.assign(options, { guidanceScale: way.guidance, guidancePrompt: session.tokenize('<七绝>无题\n', true).tokens });
  }
  assert.ok(session.begin(prompt.tokens, options).ok);
  let text = '';
  for (;;) {
    const s = session.step();
    assert.ok(s.ok, s.message);
    text += s.text;
    if (s.done) return Array.from(text).filter((c) => /\p{Script=Han}/u.test(c)).join('');
  }
}

/** @param {import('playwright-core').Page} page */
const pageChars = async (page) => (await poemLines(page)).map((l) => l.chars.join('')).join('');

/** @param {string} s */
const hasRepeat = (s) => new Set(Array.from(s)).size < Array.from(s).length;

test('by default a 七絕 is written with guidance 2.5 toward its title and no repeated character', async () => {
  const { context, page, problems } = await openPlaygroundPage(browser, server.url);
  try {
    await waitForModel(page);
    await page.click('#sampling summary');
    assert.equal(await page.inputValue('#guidance'), '2.5');
    assert.equal(await page.isChecked('#no-repeat'), true);
    let oldWayRepeats = 0;
    for (const [title, seed] of TITLES) {
      await writePoem(page, { title, form: 'qiyan-jueju', seed });
      const got = await pageChars(page);
      assert.equal(got, reference(title, seed, { guidance: 2.5, noRepeat: true }), `${title}: the page's poem`);
      assert.ok(!hasRepeat(got), `${title}: ${got} repeats a character`);
      const oldWay = reference(title, seed, { guidance: 1, noRepeat: false });
      assert.notEqual(got, oldWay, `${title}: guidance changed nothing`);
      if (hasRepeat(oldWay)) oldWayRepeats++;
    }
    // The check above could not fail if the model never repeated itself.
    assert.ok(oldWayRepeats > 0, 'none of the old way\'s poems repeats a character');

    // Settings off: the page writes the old way; the setting is kept across a reload.
    await page.fill('#guidance', '1');
    await page.dispatchEvent('#guidance', 'input');
    await page.click('#no-repeat + .switch-track', { force: true });
    assert.equal(await page.isChecked('#no-repeat'), false);
    const [title, seed] = TITLES[0];
    await writePoem(page, { title, form: 'qiyan-jueju', seed });
    assert.equal(await pageChars(page), reference(title, seed, { guidance: 1, noRepeat: false }));
    await page.reload();
    await waitForModel(page);
    if (!(await page.isVisible('#guidance'))) await page.click('#sampling summary');
    assert.equal(await page.inputValue('#guidance'), '1');
    assert.equal(await page.isChecked('#no-repeat'), false);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

/**
 * A format-1 link, framed by hand (site/share/share-codec.js's layout): flags, strings, numbers.
 * @param {{modelId: string, title: string, seed: number, poem: string}} s
 */
function linkV1(s) {
  const varint = (/** @type {number} */ n) => {
    const out = [];
    while (n >= 0x80) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
    return out;
  };
  const str = (/** @type {string} */ t) => {
    const b = [...new TextEncoder().encode(t)];
    return [...varint(b.length * 2), ...b];
  };
  const body = [
    4 | 8, // tones, rhyme
    ...str(s.modelId), ...str(s.title), ...str('qiyan-jueju'), ...str('xinyun'),
    ...varint(2 * 800), ...varint(40), ...varint(2 * 950), ...varint(s.seed), ...str(s.poem),
  ];
  const framed = [...varint(body.length), ...body];
  const c = crc32(Uint8Array.from([1, ...framed]));
  return `#p1.${Buffer.from([...framed, c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255, c & 255]).toString('base64url')}`;
}

test('a format-1 share link (written before guidance) replays exactly, the old way', async () => {
  const title = '秋夜';
  const seed = 99;
  const chars = Array.from(reference(title, seed, { guidance: 1, noRepeat: false }));
  const poem = [0, 7, 14, 21].map((i, k) => chars.slice(i, i + 7).join('') + (k % 2 ? '。' : '，')).join('\n');
  const modelId = crypto.createHash('sha256').update(fs.readFileSync(DEFAULT_MODEL)).digest('hex').slice(0, 16);
  const fragment = linkV1({ modelId, title, seed, poem });
  const decoded = decodeShare(fragment);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.message);
  const { context, page, problems } = await openPlaygroundPage(browser, server.url + fragment);
  try {
    await waitForModel(page);
    await page.click('#replay');
    await page.waitForSelector('#replay-result[data-match]', { timeout: 60_000 });
    assert.equal(await page.getAttribute('#replay-result', 'data-match'), 'true', await page.textContent('#replay-result'));
    assert.equal(await pageChars(page), chars.join(''));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
