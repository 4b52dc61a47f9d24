// 詞 in the playground (site/index.html), in headless Chromium on the default model (issue 15,
// "In the browser"):
//   - a 詞 choice plans {"cipai": name} with the pattern's shape and marks, its share slug and
//     share state round-trip (plain Node, no browser)
//   - the picker lists every 詞牌 of assets/prosody/cipai.tsv, finds one typed in Simplified or
//     Traditional, and describes it as the references do (浣溪沙: 雙調四十二字，上片三句三平韻，
//     下片三句兩平韻; 菩薩蠻: 前後片各四句，兩仄韻兩平韻 — 龍榆生《唐宋詞格律》)
//   - for 浣溪沙, 菩薩蠻 and 水調歌頭, chosen in the picker and written from the page: the 詞 is
//     laid out in 上闋 and 下闋 with the pattern's clauses (lengths and marks, read here from the
//     table file), the analyser's verdict is form 詞, that 詞牌, no fault, a rhyme at each of the
//     pattern's rhyme positions in its slot; its share link opened in a fresh browser shows the
//     same text under the same 詞牌 (and, for one, replays to the same characters)
//   - the user's rhyme book comes back when another form is chosen; in 竖排 the 詞 stays on the sheet
//   - a long 詞 (沁園春) fits a 390×844 phone, and its poem card: every character inside the
//     border, at a size that reads, the 闋 apart
//   - axe: the 詞牌 field and the picker have no serious or critical violation (zh, en)
// The site is built with tools/site/build.mjs into a temporary folder and served under a
// sub-path (/inkstone/).
//
//   node --test tests/e2e/ci.test.mjs
// Needs assets/models/inkstone-poetry-q8_0.gguf and the wasm build (make wasm).
// INK_PLAYGROUND_MODEL=path.gguf serves another model as the default (tools/train/run2-q8_0.gguf
// has the <词> tag).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { buildSite, serveSite, launchBrowser, DEFAULT_MODEL, ROOT } from './playground-server.mjs';
import { openPlaygroundPage, waitForModel } from './playground-page.mjs';
import { runAxe, seriousViolations, formatViolations } from './support/axe.mjs';
import { encodeShare, decodeShare, SHARE_VERSION } from '../../site/share/share-codec.js';
import { planForm, formSlug, parseFormSlug, normalizeOpening } from '../../site/app/forms.js';
import { shareState, recordFromShare } from '../../site/app/share-link.js';
import { setCipaiPatterns } from '../../site/app/cipai.js';

const MODEL = process.env.INK_PLAYGROUND_MODEL || DEFAULT_MODEL;
const CIPAI_TSV = path.join(ROOT, 'assets/prosody/cipai.tsv');

/**
 * @typedef {object} Pattern  a row of cipai.tsv, read as its header documents it
 * @property {string} name
 * @property {number} variant
 * @property {number} poems
 * @property {number} agreeing
 * @property {number} stanzaBreak
 * @property {string[]} slotTones
 * @property {{chars: number, tones: string, punct: string, slot: number}[]} lines
 */

/** @returns {Pattern[]} */
function readTable() {
  return fs.readFileSync(CIPAI_TSV, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const [name, variant, poems, agreeing, stanzaBreak, slots, lines] = l.split('\t');
    const slotNames = slots.split(' ').map((s) => s[0]);
    return {
      name, variant: +variant, poems: +poems, agreeing: +agreeing, stanzaBreak: +stanzaBreak,
      slotTones: slots.split(' ').map((s) => [...s][1]),
      lines: lines.split(' ').map((item) => {
        const m = /^([平仄中⊕⊖]+)([。，、])([a-z]?)$/u.exec(item);
        assert.ok(m, item);
        return { chars: [...m[1]].length, tones: m[1], punct: m[2], slot: m[3] ? slotNames.indexOf(m[3]) : -1 };
      }),
    };
  });
}

const TABLE = readTable();
/** @param {string} name */
const pattern = (name) => /** @type {Pattern} */ (TABLE.find((p) => p.name === name && p.variant === 0));

/** The three 詞 written from the page: [詞牌, what is typed in the picker, seed]. */
const WRITTEN = /** @type {const} */ ([
  ['浣溪沙', '浣溪', 1],
  ['菩萨蛮', '菩薩蠻', 2],
  ['水调歌头', '水調歌頭', 3],
]);

/** @type {string} */
let siteDir = '';
/** @type {Awaited<ReturnType<typeof serveSite>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  assert.ok(fs.existsSync(MODEL), `the default model is missing: ${path.relative(ROOT, MODEL)}`);
  assert.ok(
    fs.existsSync(path.join(ROOT, 'build-wasm/wasm_bindings/inkstone.wasm')),
    'build-wasm/wasm_bindings/inkstone.wasm is missing: run `make wasm` first',
  );
  siteDir = await buildSite({ model: MODEL === DEFAULT_MODEL ? undefined : MODEL });
  for (const f of ['cipai.tsv', 'rhyme-ci.tsv']) {
    assert.ok(fs.existsSync(path.join(siteDir, 'assets/prosody', f)), `the site build lacks assets/prosody/${f}`);
    const precache = JSON.parse(fs.readFileSync(path.join(siteDir, 'precache.json'), 'utf8'));
    assert.ok(precache.files.some((/** @type {{path: string}} */ x) => x.path === `assets/prosody/${f}`), `${f} is not precached (offline)`);
  }
  server = await serveSite(siteDir, { basePath: '/inkstone/' });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
  if (siteDir) fs.rmSync(siteDir, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------------

test('a 詞 choice: its plan, slug and share state (no browser)', () => {
  // The patterns as the worker gives them (web/protocol.js CipaiPattern): the table's rows.
  setCipaiPatterns(/** @type {any} */ (TABLE));
  const base = { start: /** @type {const} */ (''), acrostic: '', lineLength: /** @type {const} */ (5), tones: true, rhyme: true };
  const pusaman = pattern('菩萨蛮');
  const plan = planForm({ ...base, form: 'ci', cipai: '菩萨蛮', variant: 0 });
  assert.equal(plan.tag, '<词>');
  assert.deepEqual(plan.constraint, { cipai: '菩萨蛮', tones: true, rhyme: true });
  assert.deepEqual(plan.shape, pusaman.lines.map((l) => l.chars));
  assert.equal(plan.maxTokens, 44 + 8 + 2);
  // A 又一體, 藏頭 (one per clause at most), tones off; a rewritten line keeps each rhyme.
  const variant = planForm({ ...base, form: 'ci', cipai: '水调歌头', variant: 1, acrostic: '明月几时', tones: false }, { slotGroups: [7] });
  assert.deepEqual(variant.constraint, { cipai: '水调歌头', variant: 1, tones: false, rhyme: true, heads: '明月几时', slots: { a: { rhyme_group: 7 } } });
  // A typed opening takes the pattern's own marks.
  assert.equal(normalizeOpening('平林漠漠烟如织寒山', { ...base, form: 'ci', cipai: '菩萨蛮' }), `平林漠漠烟如织${pusaman.lines[0].punct}寒山`);
  assert.equal(formSlug({ ...base, form: 'ci', cipai: '菩萨蛮', variant: 0 }), 'ci');
  assert.deepEqual(parseFormSlug('ci-2'), { form: 'ci', start: '', lineLength: 5, variant: 2 });
  assert.equal(parseFormSlug('ci-0'), null);

  /** @type {import('../../site/app/state.js').PoemRecord} */
  const record = {
    title: '菩萨蛮',
    opening: '',
    choice: { ...base, form: 'ci', cipai: '菩萨蛮', variant: 0, acrostic: '平寒' },
    rhymeBook: 'ci',
    sampling: { temperature: 0.8, topK: 40, topP: 0.95, seed: 2, guidance: 1, noRepeat: false },
    text: '平林漠漠烟如织。寒山一带伤心碧。暝色入高楼。有人楼上愁。玉阶空伫立。宿鸟归飞急。何处是归程。长亭更短亭。',
    modelId: '0123456789abcdef',
    complete: true,
  };
  const fragment = encodeShare(shareState(record));
  assert.match(fragment, new RegExp(`^#p${SHARE_VERSION}\\.`), 'a link of the current format');
  const decoded = decodeShare(fragment);
  assert.ok(decoded.ok);
  assert.equal(decoded.state.prompt.title, '菩萨蛮', 'the link names its 詞牌 in the title');
  assert.deepEqual(recordFromShare(decoded.state), { ...record, text: record.text.replace(/。/g, '。\n').trimEnd() });
  // A 詞 link whose title is no 詞牌 name is refused.
  assert.equal(recordFromShare({ ...decoded.state, prompt: { title: '<b>x</b>' } }), null);
});

/**
 * The 詞 on the page, 闋 by 闋: each clause's characters and mark.
 * @param {import('playwright-core').Page} page
 */
function stanzas(page) {
  return page.$$eval('#poem-body > .stanza', (list) =>
    list.map((s) => ({
      n: /** @type {HTMLElement} */ (s).dataset.stanza,
      label: s.getAttribute('aria-label'),
      lines: Array.from(s.querySelectorAll('.line'), (l) => ({
        chars: Array.from(l.querySelectorAll('.ch'), (c) => /** @type {HTMLElement} */ (c).dataset.ch || ''),
        punct: l.querySelector('.punct')?.textContent ?? '',
      })),
    })),
  );
}

/**
 * Checks the layout against the pattern: 上闋 and 下闋 split at its stanza break, each clause of
 * its length and mark, only Han characters.
 * @param {Awaited<ReturnType<typeof stanzas>>} got
 * @param {Pattern} p
 */
function assertLayout(got, p) {
  const text = got.map((s) => s.lines.map((l) => l.chars.join('') + l.punct).join('')).join(' / ');
  assert.deepEqual(got.map((s) => s.n), p.stanzaBreak > 0 ? ['1', '2'] : ['1'], `${p.name}: stanzas\n${text}`);
  const bounds = p.stanzaBreak > 0 ? [p.lines.slice(0, p.stanzaBreak), p.lines.slice(p.stanzaBreak)] : [p.lines];
  got.forEach((stanza, i) => {
    assert.deepEqual(stanza.lines.map((l) => l.chars.length), bounds[i].map((l) => l.chars), `${p.name} 闋 ${i + 1}: clause lengths\n${text}`);
    assert.deepEqual(stanza.lines.map((l) => l.punct), bounds[i].map((l) => l.punct), `${p.name} 闋 ${i + 1}: marks\n${text}`);
    for (const l of stanza.lines) assert.ok(l.chars.every((c) => /^\p{Script=Han}$/u.test(c)), `${p.name}: ${l.chars.join('')}`);
  });
}

/**
 * The analyser's verdict as the page shows it (tone marks on).
 * @param {import('playwright-core').Page} page
 */
async function verdict(page) {
  await page.waitForSelector('#poem[data-prosody="analysed"]', { timeout: 30_000 });
  return page.evaluate(() => {
    const poem = /** @type {HTMLElement} */ (document.getElementById('poem'));
    return {
      form: poem.dataset.analysedForm,
      cipai: poem.dataset.analysedCipai,
      faults: Array.from(document.querySelectorAll('#prosody-faults li'), (li) => li.textContent),
      marked: document.querySelectorAll('#poem-body .ch[data-fault]').length,
      // Per clause: the slot of its last character when it is a rhyme position (-1 if not).
      rhymeSlots: Array.from(document.querySelectorAll('#poem-body .line'), (line) => {
        const cells = line.querySelectorAll('.ch');
        const last = /** @type {HTMLElement | undefined} */ (cells[cells.length - 1]);
        return last && last.dataset.rhyme === 'ok' ? Number(last.dataset.slot ?? 0) : -1;
      }),
    };
  });
}

/**
 * Chooses a 詞牌 in the picker by typing `query` and writes a 詞 with `seed`.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 * @param {string} query
 * @param {number} seed
 */
async function writeCi(page, name, query, seed) {
  await page.check('input[name="form"][value="ci"]', { force: true });
  assert.equal(await page.isVisible('#title-input'), false, 'a 詞 has no title field: its 詞牌 is its title');
  await page.click('#cipai-open');
  await page.waitForSelector('#cipai-dialog[open]');
  await page.fill('#cipai-search', query);
  const found = await page.$$eval('#cipai-list .cipai-item', (items) => items.map((i) => /** @type {HTMLElement} */ (i).dataset.name));
  assert.ok(found.length >= 1 && found.every((n) => n === name), `“${query}” finds ${found.join(' ')}, not only ${name}`);
  // The first entry (the main structure) by the keyboard: Enter in the search box.
  await page.press('#cipai-search', 'Enter');
  await page.waitForSelector('#cipai-dialog', { state: 'hidden' });
  if (!(await page.isVisible('#seed-input'))) await page.click('#sampling summary');
  await page.fill('#seed-input', String(seed));
  if ((await page.getAttribute('#seed-lock', 'aria-pressed')) !== 'true') await page.click('#seed-lock');
  await page.click('#generate');
  await page.waitForFunction(() => ['done', 'stopped', 'error'].includes(document.body.dataset.run ?? ''), null, { timeout: 120_000 });
  const run = await page.evaluate(() => document.body.dataset.run);
  assert.equal(run, 'done', `${name} ended as ${run}: ${await page.textContent('#notice-text')}`);
}

test('three 詞 written from the picker: 上闋 and 下闋, the analyser’s verdict, the share link', { timeout: 600_000 }, async (t) => {
  const a = await openPlaygroundPage(browser, server.url);
  try {
    await waitForModel(a.page);
    await a.page.waitForFunction(() => document.body.dataset.cipai === 'ready');
    await a.page.check('#prosody-toggle', { force: true });

    // The picker lists the whole table, and describes as the references do.
    await a.page.check('input[name="form"][value="ci"]', { force: true });
    await a.page.click('#cipai-open');
    await a.page.waitForSelector('#cipai-dialog[open]');
    const entries = await a.page.$$eval('#cipai-list .cipai-item', (items) =>
      items.map((i) => ({
        name: /** @type {HTMLElement} */ (i).dataset.name,
        variant: Number(/** @type {HTMLElement} */ (i).dataset.variant),
        lines: i.querySelector('.cipai-item-lines')?.textContent,
        poems: i.querySelector('.cipai-item-poems')?.textContent,
        desc: i.querySelector('.cipai-item-desc')?.textContent,
      })),
    );
    assert.deepEqual(entries.map((e) => `${e.name}/${e.variant}`), TABLE.map((p) => `${p.name}/${p.variant}`));
    const entry = (/** @type {string} */ name) => /** @type {(typeof entries)[number]} */ (entries.find((e) => e.name === name && e.variant === 0));
    assert.equal(entry('浣溪沙').desc, '双调 42字 · 上片3句3平韵 · 下片3句2平韵');
    assert.equal(entry('菩萨蛮').desc, '双调 44字 · 上片4句2仄韵2平韵 · 下片4句2仄韵2平韵');
    assert.equal(entry('如梦令').desc, '单调 33字 · 7句6仄韵');
    assert.equal(entry('浣溪沙').lines, '6 句');
    assert.equal(entry('浣溪沙').poems, `据 ${pattern('浣溪沙').agreeing} 首宋词`);
    await a.page.keyboard.press('Escape');

    for (const [name, query, seed] of WRITTEN) {
      const p = pattern(name);
      await writeCi(a.page, name, query, seed);
      assert.equal(await a.page.textContent('#poem-heading'), name, 'the 詞牌 is the title');
      const layout = await stanzas(a.page);
      assertLayout(layout, p);
      assert.deepEqual(layout.map((s) => s.label), ['上阕', '下阕']);
      const v = await verdict(a.page);
      const poem = layout.map((s) => s.lines.map((l) => l.chars.join('') + l.punct).join('')).join('\n');
      t.diagnostic(`${name}: ${poem.replace('\n', ' / ')}`);
      assert.equal(v.form, '詞', `${name}: read as ${v.form}\n${poem}`);
      assert.equal(v.cipai, name, `${name}: read as ${v.cipai}\n${poem}`);
      assert.deepEqual(v.faults, [], `${name}: faults\n${poem}`);
      assert.equal(v.marked, 0);
      assert.deepEqual(v.rhymeSlots, p.lines.map((l) => l.slot), `${name}: rhyme positions and slots\n${poem}`);

      // Its share link, in a fresh browser: the same text under the same 詞牌.
      await a.page.click('#share');
      await a.page.waitForSelector('#share-dialog[open]');
      const url = await a.page.inputValue('#share-url');
      await a.page.click('#share-close');
      const b = await openPlaygroundPage(browser, url);
      try {
        await b.page.waitForFunction(() => document.body.dataset.run === 'shared' && document.body.dataset.cipai === 'ready');
        assert.equal(await b.page.textContent('#poem-heading'), name);
        assert.deepEqual(await stanzas(b.page), layout, `${name}: the shared link shows another poem`);
        assert.equal(await b.page.isChecked('input[name="form"][value="ci"]'), true);
        assert.equal(await b.page.textContent('#cipai-current-name'), name);
        if (name === '菩萨蛮') {
          // Written again in this browser from the link: the same characters.
          await waitForModel(b.page);
          await b.page.click('#replay');
          await b.page.waitForSelector('#replay-result[data-match]', { timeout: 120_000 });
          assert.equal(await b.page.getAttribute('#replay-result', 'data-match'), 'true', await b.page.textContent('#replay-result') ?? '');
          assert.deepEqual(await stanzas(b.page), layout);
        }
        assert.deepEqual(b.problems, []);
      } finally {
        await b.context.close();
      }
    }

    // 竖排: the last 詞 (水調歌頭) in columns, title and every character inside the sheet.
    await a.page.check('input[name="layout"][value="vertical"]', { force: true });
    const outside = await a.page.evaluate(() => {
      const sheet = /** @type {HTMLElement} */ (document.getElementById('scroll')).getBoundingClientRect();
      const cells = [document.getElementById('poem-heading'), ...document.querySelectorAll('#poem-body .ch')];
      return cells.filter((c) => {
        const r = /** @type {HTMLElement} */ (c).getBoundingClientRect();
        return r.left < sheet.left || r.right > sheet.right;
      }).map((c) => c?.textContent);
    });
    assert.deepEqual(outside, [], 'characters of the vertical 詞 outside the sheet');
    await a.page.check('input[name="layout"][value="horizontal"]', { force: true });

    // Another form: the user's rhyme book and the title field come back.
    assert.equal(await a.page.inputValue('#rhyme-book'), 'ci');
    await a.page.check('input[name="form"][value="wuyan-jueju"]', { force: true });
    assert.equal(await a.page.inputValue('#rhyme-book'), 'xinyun');
    assert.equal(await a.page.isDisabled('#rhyme-book'), false);
    assert.equal(await a.page.isVisible('#title-input'), true);
    assert.deepEqual(a.problems, []);
  } finally {
    await a.context.close();
  }
});

test('a long 詞 (沁園春, 114 characters) fits a 390×844 phone and its poem card', { timeout: 300_000 }, async () => {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN', acceptDownloads: true,
  });
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    await waitForModel(page);
    await page.waitForFunction(() => document.body.dataset.cipai === 'ready');
    const p = pattern('沁园春');
    await writeCi(page, '沁园春', '沁園春', 5);
    const layout = await stanzas(page);
    assertLayout(layout, p);
    // Nothing wider than the phone: the page does not scroll sideways, every character is on it.
    const fit = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      off: Array.from(document.querySelectorAll('#poem-body .ch')).filter((c) => {
        const r = c.getBoundingClientRect();
        return r.left < 0 || r.right > window.innerWidth;
      }).length,
    }));
    assert.deepEqual(fit, { overflow: 0, off: 0 });

    // The card: every character of the 詞 drawn, in order, inside the border, at a size that
    // reads (the 闋 in columns of sentences, measured through renderCard's onGlyph hook).
    const poem = layout.flatMap((s) => s.lines.map((l) => l.chars.join('') + l.punct)).join('\n');
    const card = await page.evaluate(async ({ poem, stanzaBreak }) => {
      const { renderCard } = await import('./card/index.js');
      /** @type {{part: string, ch: string, left: number, right: number, top: number, bottom: number}[]} */
      const glyphs = [];
      const canvas = await renderCard({ poem, title: '沁园春', seed: 5, stanzaBreak, width: 1200, height: 1600, onGlyph: (g) => glyphs.push(g) });
      return { glyphs, width: canvas.width, height: canvas.height };
    }, { poem, stanzaBreak: p.stanzaBreak });
    const chars = card.glyphs.filter((g) => g.part === 'poem');
    assert.equal(chars.map((g) => g.ch).join(''), poem.replace(/[，。、\n]/g, ''));
    const inset = card.width * 0.03;
    for (const g of card.glyphs) {
      assert.ok(g.left >= inset && g.right <= card.width - inset && g.top >= inset && g.bottom <= card.height - inset, `${g.ch} is outside the border`);
    }
    // (The median ink box: 一 is a stroke, not a square.)
    const heights = chars.map((g) => g.bottom - g.top).sort((x, y) => x - y);
    const height = heights[heights.length >> 1];
    assert.ok(height >= card.height * 0.014, `the characters are ${height.toFixed(1)} px tall on a ${card.height} px card`);
    // The 下闋 starts a column of its own, further from the 上闋 than columns are from each other.
    const first = p.lines.slice(0, p.stanzaBreak).reduce((n, l) => n + l.chars, 0);
    const gap = chars[first - 1].left - chars[first].right;
    const pitch = chars[0].left - chars.find((g) => g.left < chars[0].left - 1)?.left;
    assert.ok(gap > pitch - (chars[0].right - chars[0].left), `no gap between the 闋 (${gap.toFixed(0)} px, column pitch ${pitch})`);

    // And the page's own card button: a PNG of the card's size.
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 120_000 }),
      page.evaluate(() => /** @type {HTMLButtonElement} */ (document.getElementById('card')).click()),
    ]);
    const png = fs.readFileSync(/** @type {string} */ (await download.path()));
    assert.equal(png.toString('latin1', 12, 16), 'IHDR');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [2400, 3200]);
  } finally {
    await context.close();
  }
});

for (const lang of /** @type {const} */ (['zh', 'en'])) {
  test(`axe: the 詞牌 field and picker, ${lang}: no serious or critical violations`, { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: lang === 'en' ? 'en-US' : 'zh-CN' });
    try {
      await context.addInitScript((l) => {
        if (!localStorage.getItem('inkstone.playground.v1')) localStorage.setItem('inkstone.playground.v1', JSON.stringify({ lang: l }));
      }, lang);
      const page = await context.newPage();
      await page.goto(server.url);
      // As a user finds the page: the model loaded (the Write button enabled), the table too.
      await waitForModel(page);
      await page.waitForFunction(() => document.body.dataset.cipai === 'ready', null, { timeout: 60_000 });
      await page.check('input[name="form"][value="ci"]', { force: true });
      /** @type {string[]} */
      const report = [];
      const check = async (/** @type {string} */ what, /** @type {string} */ include) => {
        const violations = seriousViolations(await runAxe(page, { include }));
        if (violations.length) report.push(formatViolations(violations, `${lang}, ${what}`));
      };
      await check('the composer with a 詞 chosen', '#composer');
      await page.click('#cipai-open');
      await page.waitForSelector('#cipai-dialog[open]');
      await check('the picker', '#cipai-dialog');
      await page.fill('#cipai-search', '水調');
      await check('the picker, searched', '#cipai-dialog');
      await page.fill('#cipai-search', 'zzz');
      assert.ok(((await page.textContent('#cipai-count')) ?? '').includes('zzz'), 'no word that nothing matched');
      await check('the picker, nothing found', '#cipai-dialog');
      assert.equal(report.length, 0, report.join('\n'));
    } finally {
      await context.close();
    }
  });
}
