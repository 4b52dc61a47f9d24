// Poem forms as the playground offers them: what the user picks, which form tag the model is
// prompted with, which constraint spec the worker gets (core/include/inkstone/form.h,
// "The spec is a JSON object"), and the shape the finished poem must have.
//
// A form choice is also written into share links as a slug (site/share/share-codec.js
// `form.preset`, [a-z0-9-]): 'wuyan-jueju', 'qiyan-jueju', 'wuyan-lushi', 'qiyan-lushi',
// 'cangtou-5', 'cangtou-7', 'free', with '-pingqi' / '-zeqi' appended when the user chose the
// opening tone pattern explicitly; 'ci' for a 詞 (its 又一體 n: 'ci-n'). A 詞 has no title of its
// own: it is prompted with its 詞牌 (<词>浣溪沙, as tools/cli/poem-plan.cpp does), so the 詞牌 is
// the poem's title, and the share link's title carries it (share-link.js).

import { findCipai } from './cipai.js';

/** @typedef {'wuyan-jueju'|'qiyan-jueju'|'wuyan-lushi'|'qiyan-lushi'|'cangtou'|'ci'|'free'} FormId */
/** @typedef {''|'平起'|'仄起'} Start */

/**
 * @typedef {object} FormChoice  what the controls hold
 * @property {FormId} form
 * @property {Start} start          opening pattern (preset forms); '' = the usual one
 * @property {string} acrostic      藏頭 characters (cangtou only), already simplified
 * @property {5|7} lineLength       characters per line (cangtou only)
 * @property {boolean} tones        enforce 平仄
 * @property {boolean} rhyme        enforce rhyme
 * @property {string} [cipai]       the 詞牌 (ci only): Simplified, as in cipai.tsv ('浣溪沙')
 * @property {number} [variant]     its 又一體 (ci only): 0 the main structure
 */

/**
 * @typedef {object} FormPlan  what a generation needs
 * @property {string} tag               the model's form tag, e.g. '<七绝>' ('<词>' for a 詞: the
 *           engine falls back to '<其他>' for a model without it)
 * @property {object | null} constraint constraint spec (null: unconstrained)
 * @property {number[] | null} shape    characters per line, or null (free form)
 * @property {string[] | null} [punct]  the mark after each line, when the form fixes its own
 *           (a 詞牌's; else "，" after odd lines and "。" after even ones and the last)
 * @property {number} maxTokens
 */

/** Preset forms: id → [constraint preset name, model tag, lines, characters per line]. */
export const PRESETS = Object.freeze({
  'wuyan-jueju': { preset: '五言絕句', tag: '<五绝>', lines: 4, chars: 5 },
  'qiyan-jueju': { preset: '七言絕句', tag: '<七绝>', lines: 4, chars: 7 },
  'wuyan-lushi': { preset: '五言律詩', tag: '<五律>', lines: 8, chars: 5 },
  'qiyan-lushi': { preset: '七言律詩', tag: '<七律>', lines: 8, chars: 7 },
});

/** Every form id, in the order the controls show them. */
export const FORM_IDS = /** @type {ReadonlyArray<FormId>} */ (
  Object.freeze(['wuyan-jueju', 'qiyan-jueju', 'wuyan-lushi', 'qiyan-lushi', 'cangtou', 'ci', 'free'])
);

/** Most 藏頭 characters accepted (one line each). */
export const MAX_ACROSTIC = 12;
const FREE_MAX_TOKENS = 160;
/** Token budget of a 詞 whose pattern the page does not know yet (the longest are ~240 chars). */
const CI_MAX_TOKENS = 320;
/** The 詞牌 of a 詞 choice that names none. */
export const DEFAULT_CIPAI = '浣溪沙';

/** Han characters (the ones a 藏頭 line can start with). */
const HAN_RE = /\p{Script=Han}/u;

/**
 * The Han characters of a string, in order (for the 藏頭 field).
 * @param {string} text
 * @returns {string[]}
 */
export function hanChars(text) {
  return Array.from(text).filter((ch) => HAN_RE.test(ch));
}

/**
 * Plans a generation for a form choice.
 * @param {FormChoice} choice
 * @param {{rhymeGroup?: number, slotGroups?: number[]}} [extra]  keep the rhyme of an existing poem
 *        when one of its lines is rewritten: rhymeGroup, a group id of the rhyme book; for a 詞,
 *        slotGroups, the group of each rhyme slot (0: not set)
 * @returns {FormPlan}
 */
export function planForm(choice, extra = {}) {
  const plan = planChoice(choice);
  if (plan.constraint && choice.rhyme && extra.slotGroups && extra.slotGroups.some((g) => g > 0)) {
    // A 詞 keeps each of its rhymes: slots "a", "b", ... by index (form.h "slots").
    /** @type {Record<string, {rhyme_group: number}>} */
    const slots = {};
    extra.slotGroups.forEach((g, i) => {
      if (g > 0) slots[String.fromCharCode(97 + i)] = { rhyme_group: g };
    });
    plan.constraint = { ...plan.constraint, slots };
  } else if (plan.constraint && extra.rhymeGroup && choice.rhyme) {
    plan.constraint = { ...plan.constraint, rhyme_group: extra.rhymeGroup };
  }
  return plan;
}

/**
 * The title a choice's poem is prompted with: a 詞's is its 詞牌; other forms take the user's.
 * @param {FormChoice} choice
 * @param {string} title  what the user typed (Simplified)
 */
export function poemTitle(choice, title) {
  return choice.form === 'ci' ? choice.cipai || DEFAULT_CIPAI : title;
}

/**
 * @param {FormChoice} choice
 * @returns {FormPlan}
 */
function planChoice(choice) {
  const preset = PRESETS[/** @type {keyof typeof PRESETS} */ (choice.form)];
  if (preset) {
    /** @type {Record<string, unknown>} */
    const spec = { form: preset.preset, tones: choice.tones, rhyme: choice.rhyme };
    if (choice.start) spec.start = choice.start;
    return {
      tag: preset.tag,
      constraint: spec,
      shape: Array(preset.lines).fill(preset.chars),
      maxTokens: preset.lines * (preset.chars + 1) + 2,
    };
  }
  if (choice.form === 'cangtou') {
    const heads = hanChars(choice.acrostic).slice(0, MAX_ACROSTIC);
    const n = heads.length;
    const chars = choice.lineLength === 7 ? 7 : 5;
    const maxTokens = n * (chars + 1) + 2;
    // Four or eight hidden characters make a regulated quatrain or regulated verse.
    if (n === 4 || n === 8) {
      const name = `${chars === 5 ? '五言' : '七言'}${n === 4 ? '絕句' : '律詩'}`;
      /** @type {Record<string, unknown>} */
      const spec = { form: name, tones: choice.tones, rhyme: choice.rhyme, heads: heads.join('') };
      if (choice.start) spec.start = choice.start;
      const tag = `<${chars === 5 ? '五' : '七'}${n === 4 ? '绝' : '律'}>`;
      return { tag, constraint: spec, shape: Array(n).fill(chars), maxTokens };
    }
    // Any other count: a custom form, couplets rhyming on their second line, no tone template.
    const lines = heads.map((head, i) => ({
      chars,
      head,
      rhyme: i % 2 === 1,
      punct: i % 2 === 1 || i === n - 1 ? '。' : '，',
    }));
    return {
      tag: '<其他>',
      constraint: n > 0 ? { lines, tones: false, rhyme: choice.rhyme } : null,
      shape: n > 0 ? Array(n).fill(chars) : null,
      maxTokens,
    };
  }
  if (choice.form === 'ci') return planCi(choice);
  return { tag: '<其他>', constraint: null, shape: null, maxTokens: FREE_MAX_TOKENS };
}

/**
 * A 詞: {"cipai": name} with its variant, tones, rhyme and 藏頭 (at most one per clause), as
 * tools/cli/poem-plan.cpp builds it. The shape and the marks come from the pattern, when the
 * page has the table (cipai.js); the worker forces them either way.
 * @param {FormChoice} choice
 * @returns {FormPlan}
 */
function planCi(choice) {
  const name = choice.cipai || DEFAULT_CIPAI;
  const variant = choice.variant || 0;
  const pattern = findCipai(name, variant);
  /** @type {Record<string, unknown>} */
  const spec = { cipai: name };
  if (variant) spec.variant = variant;
  spec.tones = choice.tones;
  spec.rhyme = choice.rhyme;
  const heads = hanChars(choice.acrostic).slice(0, pattern ? pattern.lines.length : MAX_ACROSTIC);
  if (heads.length) spec.heads = heads.join('');
  if (!pattern) return { tag: '<词>', constraint: spec, shape: null, punct: null, maxTokens: CI_MAX_TOKENS };
  const shape = pattern.lines.map((l) => l.chars);
  return {
    tag: '<词>',
    constraint: spec,
    shape,
    punct: pattern.lines.map((l) => l.punct),
    maxTokens: shape.reduce((a, b) => a + b, 0) + shape.length + 2,
  };
}

/**
 * The share-link slug of a choice.
 * @param {FormChoice} choice
 * @returns {string}
 */
export function formSlug(choice) {
  if (choice.form === 'ci') return choice.variant ? `ci-${choice.variant}` : 'ci';
  let slug = choice.form === 'cangtou' ? `cangtou-${choice.lineLength === 7 ? 7 : 5}` : choice.form;
  if (choice.form !== 'free' && choice.start) slug += choice.start === '平起' ? '-pingqi' : '-zeqi';
  return slug;
}

/**
 * Reads a share-link slug back. Unknown slugs give null.
 * @param {string} slug
 * @returns {{form: FormId, start: Start, lineLength: 5|7, variant?: number} | null}
 */
export function parseFormSlug(slug) {
  const ci = /^ci(?:-([1-9][0-9]?))?$/.exec(slug);
  if (ci) return { form: 'ci', start: '', lineLength: 5, variant: ci[1] ? Number(ci[1]) : 0 };
  const m = /^(wuyan-jueju|qiyan-jueju|wuyan-lushi|qiyan-lushi|cangtou-5|cangtou-7|free)(-pingqi|-zeqi)?$/.exec(
    slug,
  );
  if (!m) return null;
  /** @type {Start} */
  const start = m[2] === '-pingqi' ? '平起' : m[2] === '-zeqi' ? '仄起' : '';
  if (m[1].startsWith('cangtou')) {
    return { form: 'cangtou', start, lineLength: m[1].endsWith('7') ? 7 : 5 };
  }
  return { form: /** @type {FormId} */ (m[1]), start, lineLength: 5 };
}

/** Punctuation that ends a line of a poem. */
export const LINE_END_RE = /[，。？！；、,.?!;]/u;

/**
 * Splits poem text into lines: a line ends after its punctuation or at '\n'.
 * @param {string} text
 * @returns {string[]}
 */
export function splitLines(text) {
  /** @type {string[]} */
  const lines = [];
  let line = '';
  for (const ch of text) {
    if (ch === '\n') {
      if (line) lines.push(line);
      line = '';
      continue;
    }
    line += ch;
    if (LINE_END_RE.test(ch)) {
      lines.push(line);
      line = '';
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * The poem as share links and the painter want it: lines joined by '\n'.
 * @param {string} text
 */
export function formatPoem(text) {
  return splitLines(text).join('\n');
}

/**
 * A user's opening for a regulated form, made to fit it: only Han characters are kept (at most
 * the poem's length), and each line that the opening completes gets the punctuation the form puts
 * there (a 詞牌's own marks; else ， after odd lines, 。 after even ones and the last), so the constraint engine walks
 * through it line by line. Free verse keeps the text as typed.
 * @param {string} text
 * @param {FormChoice} choice
 * @returns {string}
 */
export function normalizeOpening(text, choice) {
  const { shape, punct } = planForm(choice);
  if (!shape) return text.replace(/\s+/g, '');
  const total = shape.reduce((a, b) => a + b, 0);
  const chars = hanChars(text).slice(0, total);
  let out = '';
  let i = 0;
  for (const [line, n] of shape.entries()) {
    const part = chars.slice(i, i + n);
    if (!part.length) break;
    out += part.join('');
    i += part.length;
    if (part.length === n && i < chars.length) {
      out += punct ? punct[line] : line % 2 === 1 || line === shape.length - 1 ? '。' : '，';
    }
  }
  return out;
}
