// The classroom writes a 詞 (form tag <词>) the playground's way, in headless Chromium:
//   - on a model whose vocabulary has the <词> token (the shipped model when it has it, else
//     tools/train/run2-q8_0.gguf; both told apart here by reading the GGUF's token strings), a
//     link with f=<词>, the title 浣溪沙 and the form rules on opens as that 詞: the prompt is
//     <s><词>浣溪沙\n, and stepping (until </s>, at most MAX_STEPS) writes clauses whose lengths
//     and marks are 浣溪沙's in assets/prosody/cipai.tsv (read here as its header documents it);
//     at every step inside a clause each punctuation mark has probability exactly 0 in the
//     runtime's distribution (without the {"cipai"} rules no finite logit gives 0); the page asks
//     the runtime for {"cipai": "浣溪沙"} alone (no 不重字) and no guidance, though both are on in
//     the playground's settings; the link keeps f=<词>
//   - a title that is no 詞牌 runs without rules and the page says so; one typed in Traditional
//     (菩薩蠻) is the table's 菩萨蛮, prompted in Simplified; choosing 词 in the select
//     with such a title takes 浣溪沙, and the title field suggests every 詞牌 of the table
//   - a 詞牌 with 又一體 (柳梢青) offers its forms in a select; a link with v=1 asks the runtime for
//     {"cipai": "柳梢青", "variant": 1}, writes clauses of that form of cipai.tsv and keeps v=1; the
//     main form chosen asks {"cipai": "柳梢青"}; a 詞牌 of one form, or a 詩, hides the select
//   - a model without the <词> token (the Qwen-shaped fixture, brought through the Models dialog
//     while the page is at <词>): the 词 option is disabled, the page writes free verse (<其他>)
//     and says why
//
// Run: node --test tests/e2e/classroom-ci.test.mjs   (INK_POETRY_MODEL=/path/to/model.gguf)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { skip, startClassroomSite, openClassroom, idle, MODEL } from './classroom-site.mjs';
import { useOwnModel } from './playground-page.mjs';
import { ROOT } from './server.mjs';
import { STRINGS } from '../../site/classroom/strings.js';

const RUN2 = path.join(ROOT, 'tools/train/run2-q8_0.gguf');
const QWEN = path.join(ROOT, 'tests/fixtures/models/tiny-qwen2-zh-q8_0.gguf');
const CIPAI_TSV = path.join(ROOT, 'assets/prosody/cipai.tsv');
const MAX_STEPS = 56;
const PUNCT = ['，', '。', '、'];

/**
 * Whether a GGUF's token list has a token spelled exactly `piece`: GGUF strings are a u64
 * little-endian byte length and the bytes.
 * @param {string} file
 * @param {string} piece
 */
function hasToken(file, piece) {
  const bytes = Buffer.from(piece, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(bytes.length));
  return fs.readFileSync(file).includes(Buffer.concat([len, bytes]));
}

/**
 * The rows of cipai.tsv as its header documents them: name, variant, …, and the clauses, each
 * a tone string (one mark per character) and its punctuation mark.
 */
function readTable() {
  return fs.readFileSync(CIPAI_TSV, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const [name, variant, , , , , lines] = l.split('\t');
    return {
      name,
      variant: Number(variant),
      lines: lines.split(' ').map((item) => {
        const m = /^([平仄中⊕⊖]+)([。，、])[a-z]?$/u.exec(item);
        assert.ok(m, item);
        return { chars: [...m[1]].length, punct: m[2] };
      }),
    };
  });
}

const TABLE = readTable();
const CI_MODEL = [MODEL, RUN2].find((f) => fs.existsSync(f) && hasToken(f, '<词>'));

/**
 * From here on, what the page asks of the runtime (window.asked: each run's constraint and
 * whether it is guided).
 * @param {import('playwright-core').Page} page
 */
async function recordAsked(page) {
  await page.evaluate(() => {
    const ink = /** @type {any} */ (window).classroom.engine.ink;
    const generate = ink.generate.bind(ink);
    /** @type {any} */ (window).asked = [];
    ink.generate = (/** @type {any} */ options) => {
      /** @type {any} */ (window).asked.push({ constraint: options.constraint ?? null, guided: 'guidanceScale' in options });
      return generate(options);
    };
  });
}

/** The constraint of a run recordAsked saw, as an object. @param {{constraint: any}} a */
function specOf(a) {
  return typeof a.constraint === 'string' ? JSON.parse(a.constraint) : a.constraint;
}

/**
 * Steps the page until </s> (at most MAX_STEPS) and reads what it wrote: the prompt, the tokens
 * and their text, each step's probability of the marks and whether rules and guidance were on,
 * what the page asked of the runtime (recorded by askedOf), the link and the 不重字 note.
 * @param {import('playwright-core').Page} page
 */
async function writeToEnd(page) {
  for (let i = 0; i < MAX_STEPS; i++) {
    const done = await page.evaluate(() => {
      const { state, engine } = /** @type {any} */ (window).classroom;
      const last = state.chosen[state.chosen.length - 1];
      return Boolean(last && last.token === engine.info.eos);
    });
    if (done) break;
    await page.keyboard.press('ArrowRight');
    await idle(page);
  }
  return page.evaluate(async (punct) => {
    const { state, engine } = /** @type {any} */ (window).classroom;
    const ink = engine.ink;
    const body = state.chosen.map((/** @type {any} */ c) => c.token);
    const punctIds = await Promise.all(punct.map((/** @type {string} */ p) => ink.tokenize(p, { addBos: false })));
    const bytes = await ink.tokenBytes(body);
    const decoder = new TextDecoder();
    return {
      prompt: state.promptTokens,
      expected: await ink.tokenize(`<词>${state.title}\n`, { addBos: true }),
      eos: engine.info.eos,
      body,
      texts: bytes.map((/** @type {Uint8Array} */ b) => decoder.decode(b)),
      punctIds,
      records: state.records.slice(0, body.length + 1).map((/** @type {any} */ r) => ({
        punct: punctIds.map((/** @type {number[]} */ ids) => r.dist1[ids[0]]),
        rules: r.banned !== null,
        guided: r.guide !== null,
      })),
      asked: /** @type {any} */ (window).asked,
      hash: location.hash,
      noRepeatNote: document.querySelector('#mask .mask-note') !== null,
    };
  }, PUNCT);
}

/**
 * The 詞 `read` (writeToEnd) follows `pattern`: inside a clause every mark has probability 0,
 * each clause has the pattern's length and mark, nothing but </s> after the last one.
 * @param {Awaited<ReturnType<typeof writeToEnd>>} read
 * @param {{lines: {chars: number, punct: string}[]}} pattern
 */
function checkClauses(read, pattern) {
  // Walk the 詞: clause k, n characters into it, before each step.
  let k = 0;
  let n = 0;
  let ended = false;
  for (let i = 0; i < read.body.length; i++) {
    const rec = read.records[i];
    assert.ok(rec.rules && !rec.guided, `step ${i}: rules on, no guidance`);
    if (k === pattern.lines.length) {
      // Every clause is written: only </s> (or a line break) may come.
      assert.ok(read.body[i] === read.eos || !read.texts[i].trim(), `step ${i}: “${read.texts[i]}” after the last clause`);
      if (read.body[i] === read.eos) ended = true;
      if (ended) break;
      continue;
    }
    const line = pattern.lines[k];
    if (n < line.chars) {
      rec.punct.forEach((p, j) => assert.equal(p, 0, `step ${i}: “${PUNCT[j]}” after ${n} of ${line.chars} characters of clause ${k + 1}`));
    }
    if (read.body[i] === read.eos) {
      ended = true;
      break;
    }
    for (const ch of read.texts[i]) {
      if (/\s/u.test(ch)) continue;
      if (PUNCT.includes(ch) || /[！？；]/u.test(ch)) {
        assert.equal(n, line.chars, `clause ${k + 1}: ${n} characters, the pattern has ${line.chars}`);
        assert.equal(ch, line.punct, `clause ${k + 1}: its mark`);
        k++;
        n = 0;
      } else {
        assert.match(ch, /\p{Script=Han}/u, `step ${i}: “${ch}”`);
        n++;
      }
    }
  }
  if (ended) assert.equal(k, pattern.lines.length, 'at </s> every clause is written');
  assert.ok(k >= 2, `only ${k} clauses in ${read.body.length} steps`);
}

/** @type {import('./classroom-site.mjs').ClassroomSite | null} */
let site = null;

before(async () => {
  if (skip) return;
  assert.ok(CI_MODEL, `neither ${MODEL} nor ${RUN2} has the <词> token`);
  site = await startClassroomSite({ model: CI_MODEL });
});

after(async () => {
  if (site) await site.close();
});

test('classroom: a 詞 (<词>浣溪沙) with the form rules follows the 詞牌; an unknown 詞牌 and a model without <词> are said', { skip, timeout: 300000 }, async () => {
  const pattern = TABLE.find((p) => p.name === '浣溪沙' && p.variant === 0);
  assert.ok(pattern, '浣溪沙 in cipai.tsv');
  const fragment = `#c=1&f=${encodeURIComponent('<词>')}&t=${encodeURIComponent('浣溪沙')}&s=5&T=0.8&k=0&p=1&m=0&r=1&n=0`;
  const { page, errors } = await openClassroom(/** @type {any} */ (site), fragment,
    { lang: 'en', settings: { guidance: 2.5, noRepeat: true } });
  assert.equal(await page.inputValue('#form'), '<词>');
  assert.equal(await page.isChecked('#rules'), true);
  assert.equal(await page.getAttribute('#status', 'data-kind'), 'info', await page.textContent('#status') ?? '');

  await recordAsked(page);
  const read = await writeToEnd(page);
  assert.equal(read.noRepeatNote, false, '不重字 is not applied to a 詞, so the mask panel does not say it is');
  assert.deepEqual(read.prompt, read.expected, 'the prompt is <s><词>浣溪沙\\n');
  for (const ids of read.punctIds) assert.equal(ids.length, 1, 'each mark is one token');
  assert.ok(read.body.length >= 20, `only ${read.body.length} steps`);
  assert.ok(read.asked.length > 0);
  for (const a of read.asked) {
    assert.deepEqual(specOf(a), { cipai: '浣溪沙' }, 'the rules: the 詞牌 alone (no 不重字)');
    assert.equal(a.guided, false, 'no guidance for a 詞');
  }
  assert.equal(new URLSearchParams(read.hash.slice(1)).get('f'), '<词>', 'the link keeps the form tag');

  checkClauses(read, pattern);

  // A title that is no 詞牌: no rules, and the page says so.
  await page.fill('#title', '春江');
  await page.click('#start');
  await idle(page);
  assert.equal(await page.textContent('#status'),
    STRINGS.en['status.cipaiUnknown'].replace('{name}', '春江'));
  assert.equal(await page.getAttribute('#status', 'data-kind'), 'error');
  assert.deepEqual(await page.evaluate(() => {
    const { state } = /** @type {any} */ (window).classroom;
    return [state.cipai, state.records[0].banned];
  }), [null, null]);

  // Choosing 词 in the select with that title takes 浣溪沙; the title suggests the 詞牌.
  await page.selectOption('#form', '<七绝>');
  assert.equal(await page.getAttribute('#title', 'list'), null);
  await page.selectOption('#form', '<词>');
  await page.waitForFunction(() => /** @type {HTMLInputElement} */ (document.getElementById('title')).value === '浣溪沙');
  const listed = await page.evaluate(() => {
    const id = document.getElementById('title')?.getAttribute('list') ?? '';
    return Array.from(document.querySelectorAll(`#${id} option`)).map((o) => /** @type {HTMLOptionElement} */ (o).value);
  });
  assert.deepEqual(listed.sort(), [...new Set(TABLE.map((p) => p.name))].sort());

  // A 詞牌 typed in Traditional is the table's (Simplified) one: rules on, the prompt in
  // Simplified, as the playground writes it.
  await page.fill('#title', '菩薩蠻');
  await page.click('#start');
  await idle(page);
  assert.equal(await page.getAttribute('#status', 'data-kind'), 'info', await page.textContent('#status') ?? '');
  const pusa = await page.evaluate(async () => {
    const { state, engine } = /** @type {any} */ (window).classroom;
    return {
      cipai: state.cipai,
      rules: state.records[0].banned !== null,
      prompt: state.promptTokens,
      expected: await engine.ink.tokenize('<词>菩萨蛮\n', { addBos: true }),
    };
  });
  assert.equal(pusa.cipai, '菩萨蛮');
  assert.equal(pusa.rules, true, 'the 詞牌 rules apply');
  assert.deepEqual(pusa.prompt, pusa.expected, 'the prompt is <s><词>菩萨蛮\n');

  // A model without <词>, brought while the page is at <词>: free verse, and why.
  assert.equal(hasToken(QWEN, '<词>'), false);
  await useOwnModel(page, { name: 'tiny-qwen2-zh-q8_0.gguf', mimeType: 'application/octet-stream', buffer: fs.readFileSync(QWEN) });
  await page.click('#pwa-models .pwa-dialog-head button');
  await idle(page);
  assert.equal(await page.inputValue('#form'), '<其他>');
  assert.equal(await page.evaluate(() => /** @type {HTMLOptionElement} */ (document.querySelector('#form option[value="<词>"]')).disabled), true);
  assert.equal(await page.textContent('#form option[value="<词>"]'), STRINGS.en['form.ciNone']);
  assert.equal(await page.textContent('#status'), STRINGS.en['status.noCiTag']);
  assert.equal(new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get('f'), '<其他>');
  assert.deepEqual(errors, []);
});

test('classroom: a 詞牌 with 又一體 offers its forms; a link with v=1 writes the 又一體 and keeps it', { skip, timeout: 300000 }, async () => {
  const forms = TABLE.filter((p) => p.name === '柳梢青');
  assert.ok(forms.length >= 2, '柳梢青 has 又一體 in cipai.tsv');
  const variant1 = /** @type {any} */ (forms.find((p) => p.variant === 1));
  const main = /** @type {any} */ (forms.find((p) => p.variant === 0));
  assert.notDeepEqual(variant1.lines, main.lines, 'the forms differ');
  const fragment = `#c=1&f=${encodeURIComponent('<词>')}&t=${encodeURIComponent('柳梢青')}&s=3&T=0.8&k=0&p=1&m=0&r=1&n=0&v=1`;
  const { page, errors } = await openClassroom(/** @type {any} */ (site), fragment, { lang: 'zh-Hant' });
  assert.equal(await page.getAttribute('#status', 'data-kind'), 'info', await page.textContent('#status') ?? '');
  // The select lists the forms of the tune, the link's chosen.
  assert.equal(await page.isVisible('#cipai-variant'), true);
  assert.equal(await page.inputValue('#cipai-variant'), '1');
  assert.deepEqual(await page.$$eval('#cipai-variant option', (os) => os.map((o) => [/** @type {HTMLOptionElement} */ (o).value, o.textContent])),
    forms.map((p) => [String(p.variant), p.variant ? STRINGS['zh-Hant']['variant.other'].replace('{n}', String(p.variant)) : STRINGS['zh-Hant']['variant.main']]));
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).classroom.state.cipaiVariant), 1);

  await recordAsked(page);
  const read = await writeToEnd(page);
  assert.deepEqual(read.prompt, read.expected, 'the prompt is <s><词>柳梢青\n');
  assert.ok(read.asked.length > 0);
  for (const a of read.asked) assert.deepEqual(specOf(a), { cipai: '柳梢青', variant: 1 });
  checkClauses(read, variant1);
  assert.equal(new URLSearchParams(read.hash.slice(1)).get('v'), '1', 'the link keeps the 又一體');

  // The main form, chosen in the select: no variant asked, none in the link.
  await page.selectOption('#cipai-variant', '0');
  await page.click('#start');
  await idle(page);
  await recordAsked(page);
  await page.keyboard.press('ArrowRight');
  await idle(page);
  const asked = await page.evaluate(() => /** @type {any} */ (window).asked);
  assert.ok(asked.length > 0);
  for (const a of asked) assert.deepEqual(specOf(a), { cipai: '柳梢青' });
  assert.equal(new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).has('v'), false);

  // A 又一體 number is not carried to another 詞牌 (their numbers are unrelated).
  await page.selectOption('#cipai-variant', '2');
  await page.fill('#title', '水调歌头');
  await page.dispatchEvent('#title', 'change');
  assert.deepEqual(await page.evaluate(async () => {
    const { setup } = /** @type {any} */ (window).classroom;
    await setup.settled();
    return [setup.variantsOf, /** @type {HTMLSelectElement} */ (document.getElementById('cipai-variant')).value];
  }), ['水调歌头', '0']);

  // A 詞牌 with one form hides the select; so does a 詩.
  await page.fill('#title', '浣溪沙');
  await page.dispatchEvent('#title', 'change');
  await page.waitForFunction(() => /** @type {HTMLElement} */ (document.getElementById('variant-field')).hidden);
  await page.fill('#title', '柳梢青');
  await page.dispatchEvent('#title', 'change');
  await page.waitForFunction(() => !(/** @type {HTMLElement} */ (document.getElementById('variant-field')).hidden));
  await page.selectOption('#form', '<七绝>');
  await page.waitForFunction(() => /** @type {HTMLElement} */ (document.getElementById('variant-field')).hidden);
  assert.deepEqual(errors, []);
});
