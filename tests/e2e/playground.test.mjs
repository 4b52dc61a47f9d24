// The playground page (site/index.html) in headless Chromium, on the default model:
//   - form plans, share-link slugs and the share state round-trip (plain Node, no browser)
//   - every preset form comes out in its shape, and the analyser (the page's tone marks) finds no
//     tone or rhyme fault in it; 藏頭 characters head their lines; free verse
//     ends; a character opens its alternatives (mouse and keyboard); continuing from another
//     character keeps the start; rewriting one line keeps the others
//   - a share link opened in a fresh browser shows the same poem at once, and replay matches
//   - the poem card is a valid PNG of the expected size, not blank, byte-identical for the same
//     poem + seed (also when drawn from the share link in another browser context)
//   - Stop ends a poem mid-way within one character; a typed opening (Traditional) is kept
//   - bad share links (truncated, tampered, future version, script injection) show a clear
//     message and run no script; hostile text inside a valid link is shown as text
//   - settings and the poem survive a reload; finished poems land in the gallery
// The site is built with tools/site/build.mjs into a temporary folder and served under a
// sub-path (/inkstone/) so that any absolute URL in the site would break the test.
//
//   node --test tests/e2e/playground.test.mjs
// Needs assets/models/inkstone-poetry-q8_0.gguf and the wasm build (make wasm).
// INK_PLAYGROUND_MODEL=path.gguf serves another model as the default (development only).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { buildSite, serveSite, launchBrowser, DEFAULT_MODEL, ROOT } from './playground-server.mjs';
import { openPlaygroundPage, waitForModel, writePoem, setComposer, poemLines } from './playground-page.mjs';
import { encodeShare, decodeShare, SHARE_VERSION } from '../../site/share/share-codec.js';
import { planForm, formSlug, parseFormSlug, normalizeOpening, FORM_IDS } from '../../site/app/forms.js';
import { shareState, recordFromShare } from '../../site/app/share-link.js';

const MODEL = process.env.INK_PLAYGROUND_MODEL || DEFAULT_MODEL;
const CARD_WIDTH = 2400;
const CARD_HEIGHT = 3200;
const HAN = /^\p{Script=Han}$/u;
const SHAPES = {
  'wuyan-jueju': [4, 5],
  'qiyan-jueju': [4, 7],
  'wuyan-lushi': [8, 5],
  'qiyan-lushi': [8, 7],
};

/** @type {string} */
let siteDir = '';
/** @type {Awaited<ReturnType<typeof serveSite>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {Awaited<ReturnType<typeof openPage>> | null} one page most tests share (one model load) */
let main = null;

/** The shared page, opened (and its model loaded) on first use. */
async function mainPage() {
  if (!main) {
    main = await openPage();
    await waitForModel(main.page);
  }
  return main;
}

before(async () => {
  assert.ok(
    fs.existsSync(MODEL),
    `the default model is missing: ${path.relative(ROOT, MODEL)} (the playground test generates with it)`,
  );
  assert.ok(
    fs.existsSync(path.join(ROOT, 'build-wasm/wasm_bindings/inkstone.wasm')),
    'build-wasm/wasm_bindings/inkstone.wasm is missing: run `make wasm` first',
  );
  siteDir = await buildSite({ model: MODEL === DEFAULT_MODEL ? undefined : MODEL });
  assert.ok(fs.existsSync(path.join(siteDir, 'assets/models/inkstone-poetry-q8_0.gguf')), 'the site build has no model');
  server = await serveSite(siteDir, { basePath: '/inkstone/' });
  browser = await launchBrowser();
});

after(async () => {
  if (main) await main.context.close();
  if (browser) await browser.close();
  if (server) await server.close();
  if (siteDir) fs.rmSync(siteDir, { recursive: true, force: true });
});

/** A fresh browser profile on `url` (default: the site) that records problems. */
const openPage = (url = server.url) => openPlaygroundPage(browser, url);

/** @param {{chars: string[], punct: string}[]} lines */
const poemText = (lines) => lines.map((l) => l.chars.join('') + l.punct).join('\n');

/**
 * Checks a poem's shape: n lines of m Han characters, each closed by punctuation, 。 at couplet ends.
 * @param {{chars: string[], punct: string}[]} lines
 * @param {number} n
 * @param {number} m
 * @param {string} what
 */
function assertShape(lines, n, m, what) {
  assert.equal(lines.length, n, `${what}: ${lines.length} lines, expected ${n}\n${poemText(lines)}`);
  lines.forEach((line, i) => {
    assert.equal(line.chars.length, m, `${what}: line ${i + 1} has ${line.chars.length} characters\n${poemText(lines)}`);
    assert.ok(line.chars.every((c) => HAN.test(c)), `${what}: line ${i + 1} has non-Han characters`);
    assert.ok(line.punct, `${what}: line ${i + 1} has no punctuation`);
    if (i % 2 === 1) assert.equal(line.punct, '。', `${what}: couplet ${(i + 1) / 2} does not end with 。`);
  });
}

/**
 * The analyser's verdict on the poem on the page, as the page shows it (the tone marks must be
 * on): the faults listed under the poem, the characters marked as faults, the rhyme positions.
 * @param {import('playwright-core').Page} page
 */
async function prosodyVerdict(page) {
  await page.waitForSelector('#poem[data-prosody="analysed"]', { timeout: 30_000 });
  return page.evaluate(() => {
    return {
      faults: Array.from(document.querySelectorAll('#prosody-faults li'), (li) => li.textContent),
      markedFaults: document.querySelectorAll('#poem-body .ch[data-fault]').length,
      rhymes: document.querySelectorAll('#poem-body .ch[data-rhyme="ok"]').length,
    };
  });
}

/**
 * Downloads the poem card and returns its bytes.
 * @param {import('playwright-core').Page} page
 */
async function downloadCard(page) {
  assert.equal(await page.isDisabled('#card'), false, 'the card button is disabled');
  // Clicked from inside the page: drawing a print-size card keeps the main thread busy for a
  // while, longer than Playwright's own click bookkeeping waits.
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 120_000 }),
    page.evaluate(() => /** @type {HTMLButtonElement} */ (document.getElementById('card')).click()),
  ]);
  const file = await download.path();
  assert.ok(file, 'the card download has no file');
  return fs.readFileSync(/** @type {string} */ (file));
}

/**
 * Reads a PNG's IHDR.
 * @param {Buffer} png
 */
function pngHeader(png) {
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'not a PNG signature');
  assert.equal(png.toString('latin1', 12, 16), 'IHDR', 'the first PNG chunk is not IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const sha256 = (/** @type {Buffer} */ b) => crypto.createHash('sha256').update(b).digest('hex');

// ------------------------------------------------------------------------------------------

test('forms: shapes, form tags, slugs and the share state round trip (no browser)', () => {
  const base = { start: /** @type {const} */ (''), acrostic: '', lineLength: /** @type {const} */ (5), tones: true, rhyme: true };
  for (const [form, [n, m]] of Object.entries(SHAPES)) {
    const plan = planForm({ ...base, form: /** @type {any} */ (form) });
    assert.deepEqual(plan.shape, Array(n).fill(m), form);
    assert.match(plan.tag, /^<[五七][绝律]>$/);
  }
  const cangtou = planForm({ ...base, form: 'cangtou', acrostic: '春夏秋冬', lineLength: 7 });
  assert.equal(cangtou.tag, '<七绝>');
  assert.deepEqual(cangtou.constraint, { form: '七言絕句', tones: true, rhyme: true, heads: '春夏秋冬' });
  assert.equal(planForm({ ...base, form: 'free' }).constraint, null);
  assert.deepEqual(planForm({ ...base, form: 'wuyan-jueju' }, { rhymeGroup: 10 }).constraint, {
    form: '五言絕句', tones: true, rhyme: true, rhyme_group: 10,
  });
  for (const form of FORM_IDS) {
    for (const start of /** @type {const} */ (['', '平起', '仄起'])) {
      const choice = { ...base, form, start, lineLength: /** @type {const} */ (7) };
      const back = parseFormSlug(formSlug(choice));
      assert.ok(back, formSlug(choice));
      assert.equal(back.form, form);
      // Free verse and 詞 have no 起式 (a 詞's slug is its 詞牌's variant: tests/e2e/ci.test.mjs).
      if (form !== 'free' && form !== 'ci') assert.equal(back.start, start);
    }
  }
  assert.equal(parseFormSlug('<script>'), null);
  assert.equal(normalizeOpening('床前明月光疑是', { ...base, form: 'wuyan-jueju' }), '床前明月光，疑是');
  assert.equal(normalizeOpening('床前明月光，疑是地上霜。举头', { ...base, form: 'wuyan-jueju' }), '床前明月光，疑是地上霜。举头');

  /** @type {import('../../site/app/state.js').PoemRecord} */
  const record = {
    title: '秋夜',
    opening: '空山新雨后，',
    choice: { ...base, form: 'cangtou', acrostic: '空天明清', lineLength: 5, start: '仄起' },
    rhymeBook: 'xinyun',
    sampling: { temperature: 0.7, topK: 30, topP: 0.9, seed: 4_000_000_000, guidance: 3, noRepeat: true },
    text: '空山新雨后，天气晚来秋。明月松间照，清泉石上流。',
    modelId: '0123456789abcdef',
    complete: true,
  };
  const decoded = decodeShare(encodeShare(shareState(record)));
  assert.ok(decoded.ok);
  const back = recordFromShare(decoded.state);
  assert.deepEqual(back, { ...record, text: '空山新雨后，\n天气晚来秋。\n明月松间照，\n清泉石上流。' });
});

test('the page has a strict CSP, relative URLs and loads the default model', async (t) => {
  const { page, problems } = await mainPage();
  {
    t.diagnostic(`model ready ${await page.evaluate(() => document.body.dataset.readyMs)} ms after navigation`);
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.ok(csp, 'no CSP meta tag');
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/, 'the CSP allows inline scripts or eval');
    assert.equal(await page.$$eval('script:not([src])', (s) => s.length), 0, 'inline scripts in the page');
    assert.equal(await page.$$eval('[style]', (s) => s.length), 0, 'inline style attributes in the markup');
    assert.equal(await page.isDisabled('#generate'), false, 'Generate stays disabled after the model loaded');
    assert.equal(await page.getAttribute('#poem-live', 'aria-live'), 'polite');
    // Served under /inkstone/: every request stayed inside it.
    const outside = server.requests.filter((p) => !p.startsWith('/inkstone/'));
    assert.deepEqual(outside, [], 'requests outside the sub-path (absolute URLs in the site?)');
    assert.deepEqual(problems, []);
  }
});

test('each preset form and an acrostic come out in their shape', async (t) => {
  const { page, problems } = await mainPage();
  {
    let seed = 11;
    // The tone marks on: the page shows the analyser's verdict on each poem.
    await page.check('#prosody-toggle', { force: true });
    for (const [form, [n, m]] of Object.entries(SHAPES)) {
      await writePoem(page, { title: '春江', form, seed: seed++ });
      const lines = await poemLines(page);
      assertShape(lines, n, m, form);
      // Regulated verse written under its tone and rhyme rules: no fault in the analyser's eyes.
      const verdict = await prosodyVerdict(page);
      assert.deepEqual(verdict.faults, [], `${form}: the analyser finds faults\n${poemText(lines)}`);
      assert.equal(verdict.markedFaults, 0, `${form}: characters marked as faults\n${poemText(lines)}`);
      assert.ok(verdict.rhymes >= n / 2, `${form}: ${verdict.rhymes} rhyme positions marked, expected every couplet's end\n${poemText(lines)}`);
      const timing = await page.evaluate(() => [document.body.dataset.firstTokenMs, document.body.dataset.tokensPerSecond]);
      t.diagnostic(`${form}: first character after ${timing[0]} ms, ${timing[1]} tokens/s`);
      assert.equal(await page.textContent('#poem-heading'), '春江');
    }
    // Free verse: no form, ends by itself.
    await writePoem(page, { title: '无题', form: 'free', seed: 3 });
    const free = await poemLines(page);
    assert.ok(free.length >= 1 && free.flatMap((l) => l.chars).length >= 2, `free verse: ${poemText(free)}`);
    // 藏頭: four hidden characters → a quatrain headed by them; six → six lines.
    await writePoem(page, { title: '四时', form: 'cangtou', acrostic: '春夏秋冬', lineLength: 7, seed: 5 });
    let lines = await poemLines(page);
    assertShape(lines, 4, 7, '藏頭 春夏秋冬');
    assert.deepEqual(lines.map((l) => l.chars[0]), ['春', '夏', '秋', '冬']);
    await writePoem(page, { title: '山水', form: 'cangtou', acrostic: '山高水长云白', lineLength: 5, seed: 6 });
    lines = await poemLines(page);
    assertShape(lines, 6, 5, '藏頭 山高水长云白');
    assert.deepEqual(lines.map((l) => l.chars[0]), [...'山高水长云白']);
    // Each character is tinted by confidence and opens its alternatives.
    const confs = await page.$$eval('#poem-body .ch', (cells) => cells.map((c) => /** @type {HTMLElement} */ (c).dataset.conf));
    assert.ok(confs.every((c) => /^[0-4]$/.test(c ?? '')), `confidence buckets: ${confs}`);
    await page.click('#poem-body .ch >> nth=2');
    await page.waitForSelector('#alternatives:not([hidden])');
    assert.ok((await page.$$('#alt-list li')).length >= 1, 'the popover lists no alternatives');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#alternatives', { state: 'hidden' });

    // Keyboard: one tab stop for the poem, arrows move, Enter opens the character.
    await page.focus('#poem-body .ch >> nth=0');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#alternatives:not([hidden])');
    assert.match((await page.textContent('#alternatives-heading')) ?? '', /第 2 字/);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#alternatives', { state: 'hidden' });
    assert.equal(await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement).dataset.pos), '1', 'focus did not return to the character');
    assert.equal(await page.$$eval('#poem-body .ch[tabindex="0"]', (c) => c.length), 1, 'more than one tab stop in the poem');

    // Continue from another character: the two before it stay, it is replaced, the form holds.
    const before = (await poemLines(page)).flatMap((l) => l.chars);
    await page.click('#poem-body .ch >> nth=2');
    await page.waitForSelector('#alternatives:not([hidden])');
    const choice = page.locator('#alt-list button.alt:not([disabled])').first();
    const picked = (await choice.locator('.alt-ch').textContent()) ?? '';
    assert.match(picked, HAN, 'no alternative to pick');
    assert.notEqual(picked, before[2]);
    await choice.click();
    await page.waitForFunction(
      (ch) => document.body.dataset.run === 'done' && /** @type {HTMLElement | null} */ (document.querySelectorAll('#poem-body .ch')[2])?.dataset.ch === ch,
      picked,
      { timeout: 60_000 },
    );
    lines = await poemLines(page);
    assertShape(lines, 6, 5, 'continued 藏頭');
    assert.deepEqual(lines[0].chars.slice(0, 3), [before[0], before[1], picked]);
    assert.deepEqual(lines.map((l) => l.chars[0]), [...'山高水长云白']);
    assert.equal(await page.inputValue('#first-line-input'), before[0] + before[1] + picked, 'the opening field shows the kept start');

    // Rewrite the third line, keep the others.
    const kept = lines.map((l) => l.chars.join(''));
    await page.click('#poem-body .line >> nth=2 >> .ch >> nth=1');
    await page.waitForSelector('#rewrite-line:not([hidden])');
    // (Runs: analyse → write the line → stop → take the whole poem → done; count the 'done's.)
    await page.evaluate(() => {
      const w = /** @type {any} */ (window);
      w.__done = 0;
      new MutationObserver(() => {
        if (document.body.dataset.run === 'done') w.__done++;
      }).observe(document.body, { attributes: true, attributeFilter: ['data-run'] });
    });
    await page.click('#rewrite-line');
    await page.waitForFunction(() => /** @type {any} */ (window).__done > 0, null, { timeout: 60_000 });
    lines = await poemLines(page);
    assertShape(lines, 6, 5, 'rewritten line');
    const now = lines.map((l) => l.chars.join(''));
    assert.deepEqual([now[0], now[1], now[3], now[4], now[5]], [kept[0], kept[1], kept[3], kept[4], kept[5]], 'other lines changed');
    assert.equal(now[2][0], '水', 'the rewritten line lost its hidden character');
    await page.fill('#first-line-input', '');
    assert.deepEqual(problems, []);
  }
});

test('share link: same poem in a fresh browser at once, replay identical, card PNG identical', async () => {
  const a = await mainPage();
  /** @type {Awaited<ReturnType<typeof openPage>> | null} */
  let b = null;
  try {
    await writePoem(a.page, { title: '秋夜', form: 'qiyan-jueju', seed: 20240601 });
    const original = await poemLines(a.page);
    assertShape(original, 4, 7, 'shared poem');

    // Card: a PNG of the expected size, not blank (and below: the same bytes from the link).
    const card1 = await downloadCard(a.page);
    assert.deepEqual(pngHeader(card1), { width: CARD_WIDTH, height: CARD_HEIGHT });
    const pixels = await a.page.evaluate(async (base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(240, 320);
      const ctx = /** @type {OffscreenCanvasRenderingContext2D} */ (canvas.getContext('2d'));
      ctx.drawImage(bitmap, 0, 0, 240, 320);
      const data = ctx.getImageData(0, 0, 240, 320).data;
      const lum = [];
      for (let i = 0; i < data.length; i += 4) lum.push((data[i] + data[i + 1] + data[i + 2]) / 3);
      const mean = lum.reduce((s, v) => s + v, 0) / lum.length;
      const sd = Math.sqrt(lum.reduce((s, v) => s + (v - mean) ** 2, 0) / lum.length);
      let red = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] > 140 && data[i + 1] < 90 && data[i + 2] < 90) red++;
      return { mean, sd, dark: lum.filter((v) => v < 80).length, red };
    }, card1.toString('base64'));
    assert.ok(pixels.sd > 12, `the card looks blank (luminance sd ${pixels.sd.toFixed(1)})`);
    assert.ok(pixels.dark > 200, `the card has no dark ink (${pixels.dark} dark pixels)`);
    assert.ok(pixels.red > 20, `the card has no red seal (${pixels.red} red pixels)`);

    // The link.
    await a.page.click('#share');
    await a.page.waitForSelector('#share-dialog[open]');
    const link = await a.page.inputValue('#share-url');
    assert.match(link, new RegExp(`^${server.url}#p${SHARE_VERSION}\\.[A-Za-z0-9_-]+$`));
    await a.page.click('#share-close');

    // A fresh profile: the poem and the painting show before the model is needed.
    b = await openPage(link);
    await b.page.waitForFunction(() => document.body.dataset.run === 'shared', null, { timeout: 10_000 });
    assert.deepEqual(await poemLines(b.page), original, 'the shared link shows a different poem');
    assert.equal(await b.page.textContent('#poem-heading'), '秋夜');
    await b.page.waitForSelector('#painting[data-paint="done"]', { timeout: 20_000 });
    const inked = await b.page.evaluate(() => {
      const canvas = /** @type {HTMLCanvasElement} */ (document.getElementById('painting'));
      const data = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d')).getImageData(0, 0, canvas.width, canvas.height).data;
      let dark = 0;
      for (let i = 0; i < data.length; i += 16) if (data[i] < 150) dark++;
      return dark;
    });
    assert.ok(inked > 100, 'the shared poem shows no painting');
    // Same poem + seed, another browser profile: the card has the same bytes.
    const card2 = await downloadCard(b.page);
    assert.equal(sha256(card2), sha256(card1), 'the card drawn from the share link differs');

    // Replay regenerates it in this browser and reports the match.
    await waitForModel(b.page);
    await b.page.click('#replay');
    await b.page.waitForSelector('#replay-result[data-match]', { timeout: 60_000 });
    assert.equal(await b.page.getAttribute('#replay-result', 'data-match'), 'true', await b.page.textContent('#replay-result'));
    assert.deepEqual(await poemLines(b.page), original, 'the replayed poem differs');
    assert.deepEqual(a.problems, []);
    assert.deepEqual(b.problems, []);
  } finally {
    if (b) await b.context.close();
  }
});

test('Stop ends a poem mid-way within one character', async () => {
  const { page, problems } = await mainPage();
  {
    await setComposer(page, { title: '长夜', form: 'qiyan-lushi', seed: 99 });
    // Press Stop from inside the page as soon as the third character is painted (a small model
    // can finish a whole poem between two polls from here).
    await page.evaluate(() => {
      const body = /** @type {HTMLElement} */ (document.getElementById('poem-body'));
      const observer = new MutationObserver(() => {
        const n = body.querySelectorAll('.ch').length;
        if (n < 3) return;
        observer.disconnect();
        /** @type {any} */ (window).__stopAt = n;
        /** @type {HTMLButtonElement} */ (document.getElementById('stop')).click();
      });
      observer.observe(body, { childList: true, subtree: true });
    });
    await page.click('#generate');
    await page.waitForFunction(() => /** @type {any} */ (window).__stopAt !== undefined, null, { timeout: 30_000 });
    const atStop = await page.evaluate(() => /** @type {any} */ (window).__stopAt);
    await page.waitForFunction(() => document.body.dataset.run === 'stopped', null, { timeout: 10_000 });
    await page.waitForTimeout(300);
    const after = (await page.$$('#poem-body .ch')).length;
    assert.ok(atStop < 56, `the poem was already finished (${atStop} characters) when Stop was pressed`);
    assert.ok(after <= atStop + 1, `${after - atStop} characters arrived after Stop`);
    assert.equal(await page.isDisabled('#stop'), true);
    assert.equal(await page.isDisabled('#generate'), false);
    // The page still writes after a stop; a given opening (typed in Traditional) is kept.
    await page.fill('#first-line-input', '明月松間照');
    await writePoem(page, { title: '长夜', form: 'wuyan-jueju', seed: 100 });
    const lines = await poemLines(page);
    assertShape(lines, 4, 5, 'after Stop');
    assert.equal(lines[0].chars.join(''), '明月松间照', 'the opening was not kept');
    assert.equal(await page.$$eval('#poem-body .ch[data-forced="true"]', (c) => c.length), 5);
    await page.fill('#first-line-input', '');
    assert.deepEqual(problems, []);
  }
});

test('bad share links show a clear message and run no script', async () => {
  const good = encodeShare({
    modelId: 'test',
    prompt: { title: '春望' },
    form: { preset: 'wuyan-jueju', tones: true, rhyme: true, rhymeBook: 'xinyun' },
    sampling: { temperature: 0.8, topK: 40, topP: 0.95, seed: 7 },
    poem: '国破山河在，城春草木深。\n感时花溅泪，恨别鸟惊心。',
  });
  const body = good.slice(good.indexOf('.') + 1);
  const mid = Math.floor(body.length / 2);
  const flipped = body[mid] === 'A' ? 'B' : 'A';
  const cases = [
    ['truncated', `#p1.${body.slice(0, body.length - 9)}`, 'share_truncated'],
    ['corrupted', `#p1.${body.slice(0, mid)}${flipped}${body.slice(mid + 1)}`, 'share_corrupted'],
    ['future version', `#p${SHARE_VERSION + 1}.${body}`, 'share_future_version'],
    ['script in the fragment', `#p1.<script>window.__pwned=1</script>`, 'share_malformed'],
    ['markup in the fragment', `#<img src=x onerror="window.__pwned=1">`, 'share_malformed'],
  ];
  // The first link is opened by loading the page, the others by changing the fragment of the
  // open page (as a click on another link would).
  const { context, page, problems } = await openPage(server.url + cases[0][1]);
  try {
    for (const [i, [what, fragment, code]] of cases.entries()) {
      if (i > 0) {
        await page.evaluate(() => document.getElementById('notice')?.setAttribute('hidden', ''));
        await page.evaluate((f) => {
          location.hash = f;
        }, fragment);
      }
      await page.waitForSelector('#notice:not([hidden])', { timeout: 10_000 });
      assert.equal(await page.getAttribute('#notice', 'data-code'), code, what);
      const message = (await page.textContent('#notice-text')) ?? '';
      assert.ok(message.length > 8, `${what}: no readable message`);
      assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined, `${what}: a script ran`);
      assert.equal(await page.$$eval('#poem-body .ch', (c) => c.length), 0, `${what}: a poem was shown`);
    }
    // A well-formed link carrying markup: shown as text, nothing runs, no element is made.
    const hostile = encodeShare({
      modelId: 'test',
      prompt: { title: '<img src=x onerror="window.__pwned=1">' },
      form: { preset: 'free', tones: false, rhyme: false, rhymeBook: 'xinyun' },
      sampling: { temperature: 0.8, topK: 40, topP: 0.95, seed: 7 },
      poem: '<script>window.__pwned=1</script>，春风。',
    });
    await page.evaluate((f) => {
      location.hash = f;
    }, hostile);
    await page.waitForFunction(() => document.body.dataset.run === 'shared', null, { timeout: 10_000 });
    assert.equal(await page.textContent('#poem-heading'), '<img src=x onerror="window.__pwned=1">');
    assert.equal(await page.$$eval('#poem img, #poem script', (e) => e.length), 0, 'markup from the link became elements');
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined, 'a script from the link ran');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('settings and the poem survive a reload; finished poems are in the gallery', async () => {
  const { page, problems } = await mainPage();
  {
    await writePoem(page, { title: '江雪', form: 'wuyan-jueju', seed: 42 });
    const lines = await poemLines(page);
    await page.check('input[name="layout"][value="vertical"]', { force: true });
    await page.click('#script-toggle');
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.run === 'done', null, { timeout: 10_000 });
    assert.equal(await page.inputValue('#title-input'), '江雪');
    assert.equal(await page.inputValue('#seed-input'), '42');
    assert.equal(await page.getAttribute('#poem', 'data-layout'), 'vertical');
    assert.deepEqual(await poemLines(page), lines, 'the poem was not restored');
    assert.equal(await page.getAttribute('#script-toggle', 'aria-pressed'), 'true');
    assert.equal(await page.textContent('#poem-heading'), '江雪', 'Traditional display of 江雪');
    await page.click('#gallery-open');
    await page.waitForSelector('#gallery[open]');
    assert.ok((await page.$$('#gallery-list .gallery-item')).length >= 1, 'the gallery is empty');
    assert.deepEqual(problems, []);
  }
});
