// The classroom's page state and the only code that changes it.
//
//   state ── the prompt, the tokens taken so far (sampled or picked), sampler settings,
//            the chosen layer/head; mirrored in the URL fragment (link-state.js)
//   records[i] ── the runtime's probes for the prefix prompt + chosen[0..i) (engine.js):
//            raw logits, T = 1 distribution, attention of the newest token, Q/K/V of one head
//   actions ── start, step, back, toLineEnd, restoreBranch, replay: each changes the state and
//            then calls refresh(), which fetches what the step needs and hands the record to the
//            renderer the page registered (onRender). The panels only read the state.
//
// The sampler settings are applied in JS with the runtime's own rules (sampler.js), so moving a
// slider never runs the model again; the random number of step i is draw i of pcg32(seed), as in
// a normal run.
//
// The prompt is the playground's (site/app/prompt-format.js): Inkstone's tags, ChatML for a Qwen
// chat model, plain words otherwise. Guidance is the playground's too (its Brush panel's 扣題,
// saved in site/app/settings.js): with a title and a scale s ≠ 1 the model samples from
// uncond + s·(cond − uncond), the unconditioned prompt the same prompt with the title 无题, and
// the records carry the three distributions. 不重字 is the playground's too (its noRepeat
// setting): with the form rules on, the constraint also removes every character the poem already
// has (core's `no_repeat`), so those show as mass the rules removed. A link may carry both
// (link-state.js g, q); then the link's values hold for the session.
//
// A 詞 (form tag <词>, offered when the model's vocabulary has that tag) is prompted
// <词>詞牌 — its title is its 詞牌 — and its rules are the playground's: {"cipai": 詞牌} (the table
// assets/prosody/cipai.tsv sent to the worker once, when a 詞 first needs it) with the 詞 rhyme
// book. A title that is no 詞牌 of the table runs without rules (state.cipai null; the page says
// so). A title typed in Traditional (菩薩蠻) is read in Simplified, as the playground reads it:
// the model and the table know 菩萨蛮. As in the playground, guidance and 不重字 are not applied to a 詞: its title is a form,
// not a subject, and a 詞 repeats characters by design.

import { ClassroomEngine } from './engine.js';
import { runChain, drawToken, uniforms, softmax } from './sampler.js';
import { loadSettings } from '../app/settings.js';
import { loadHanzi, toSimplified } from '../app/hanzi.js';
import { spell } from './token-text.js';

/** @typedef {import('./engine.js').StepRecord} StepRecord */
/** @typedef {import('./sampler.js').ChainResult} ChainResult */
/** @typedef {import('./link-state.js').LinkState} LinkState */

/** Bars in the distribution panel. */
export const N_BARS = 12;
/** Rows of the guidance table. */
export const N_GUIDE = 8;
export const MAX_STEPS = 200;
/** The 詞 form tag. */
export const CI_TAG = '<词>';
const LINE_END = /[，。！？；\n]/;

/**
 * @typedef {object} Taken
 * @property {number} token
 * @property {'sampled'|'greedy'|'picked'} how
 * @property {number} u     the draw used (-1: none)
 */

export const state = {
  formTag: '<七绝>',
  title: '春江',
  seed: 7,
  rules: false,
  /** the 詞牌 the rules follow: the title of a 詞 when it is one of the table's, else null */
  cipai: /** @type {string | null} */ (null),
  /** The 詞牌's form: its row of the table (0 the main form, then the 又一體). */
  cipaiVariant: 0,
  settings: { temperature: 0.8, topK: 0, topP: 1, minP: 0 },
  layer: 0,
  head: 0,
  /** the text overlay shows the average over layers and heads, or the chosen head */
  overlayAverage: true,
  view: /** @type {'attention'|'tokens'} */ ('attention'),
  /** the formula panel computes the chosen head, or the 2 × 5 worked example */
  formulaMode: /** @type {'head'|'worked'} */ ('head'),
  /** @type {number[]} */
  promptTokens: [],
  /** @type {number[]} the same prompt with the title 无题 (the unconditioned prompt) */
  untitledTokens: [],
  /** the playground's guidance scale s (1 = off) */
  guidance: loadSettings().guidance,
  /** the playground's 不重字: no character twice in a 詩 (applied with the form rules) */
  noRepeat: loadSettings().noRepeat,
  /** @type {Taken[]} */
  chosen: [],
  /** @type {Taken[]} tokens after the current step that a back-up left (redo / branch) */
  future: [],
  /** @type {{at: number, tokens: Taken[]}[]} */
  branches: [],
  /** @type {(StepRecord | undefined)[]} */
  records: [],
  /** @type {number[]} */
  draws: [],
  busy: false,
  ready: false,
};

/** @type {Map<number, import('./token-text.js').TokenText>} */
const pieces = new Map();

export const engine = new ClassroomEngine({ wasmBase: new URL('wasm/', location.href).href });

/** @type {(rec: StepRecord, chain: ChainResult) => void} */
let renderer = () => {};

/** The page's renderer: called with the current record after every change. */
export function onRender(/** @type {(rec: StepRecord, chain: ChainResult) => void} */ fn) {
  renderer = fn;
}

// ------------------------------------------------------------------ model access

/** Fetches the pieces of tokens we have not seen yet. @param {Iterable<number>} ids */
export async function ensurePieces(ids) {
  const missing = [...new Set(ids)].filter((id) => !pieces.has(id));
  const got = await engine.pieces(missing);
  missing.forEach((id, k) => pieces.set(id, got[k]));
}

/** Forgets every token's text (another model was loaded). */
export function forgetPieces() {
  pieces.clear();
}

/** A token's text and kind (token-text.js). @param {number} id */
export function tokenOf(id) {
  return pieces.get(id) ?? { text: `#${id}`, kind: /** @type {const} */ ('text'), bytes: new Uint8Array() };
}

/** What tokens spell together (token-text.js spell). @param {number[]} ids */
export function spellOf(ids) {
  return spell(ids.map(tokenOf));
}

/** A token's text: whole characters, <0xNN> for bytes that are not UTF-8 alone. @param {number} id */
export function pieceOf(id) {
  return tokenOf(id).text;
}

/** @param {number} id */
export function hasPiece(id) {
  return pieces.has(id);
}

export function currentTokens() {
  return [...state.promptTokens, ...state.chosen.map((c) => c.token)];
}

export function constraintSpec() {
  if (!state.rules) return null;
  if (state.formTag === CI_TAG) {
    if (!state.cipai) return null;
    return state.cipaiVariant ? { cipai: state.cipai, variant: state.cipaiVariant } : { cipai: state.cipai };
  }
  const presets = /** @type {Record<string, string>} */ ({
    '<五绝>': '五言絕句', '<七绝>': '七言絕句', '<五律>': '五言律詩', '<七律>': '七言律詩',
  });
  const form = presets[state.formTag];
  if (!form) return null;
  return state.noRepeat ? { form, no_repeat: true } : { form };
}

/** Guidance as the playground applies it to a 詩: with a title and s ≠ 1; else null (a 詞 too). */
export function guidanceSpec() {
  return state.formTag !== CI_TAG && state.title && state.guidance !== 1 ? { scale: state.guidance, promptTokens: state.untitledTokens } : null;
}

/** The record of the current step, fetched when missing. */
export async function ensureRecord() {
  const i = state.chosen.length;
  let rec = state.records[i];
  if (!rec || !rec.qkv || rec.qkv.layer !== state.layer || rec.qkv.head !== state.head) {
    const fetched = await engine.probe({
      promptTokens: state.promptTokens,
      chosen: state.chosen.map((c) => c.token),
      constraint: constraintSpec(),
      guidance: guidanceSpec(),
      pick: { layer: state.layer, head: state.head },
    });
    if (rec && !fetched.qkv) return rec;  // a runtime without the Q/K/V probe: keep what we had
    rec = fetched;
    state.records[i] = rec;
  }
  return rec;
}

/** Tokens the distribution panel names: the bars, the cumulative bar, the drawn one. @param {ChainResult} chain */
export function shownTokens(chain) {
  const ids = Array.from(chain.order.subarray(0, Math.max(N_BARS, Math.min(chain.nKept, 40))));
  ids.push(drawToken(chain, drawFor(state.chosen.length)).token);
  return ids;
}

/**
 * With guidance, the three distributions at T = 1 (softmax of each run's logits; the mix's are
 * the record's logits) and the rows the guidance table lists: the mix's most likely tokens.
 * @param {StepRecord} rec
 */
export function guideView(rec) {
  if (!rec.guide) return null;
  const mix = softmax(rec.logits);
  const ids = Array.from(mix.keys()).sort((a, b) => mix[b] - mix[a]).slice(0, N_GUIDE);
  return { scale: rec.guide.scale, cond: softmax(rec.guide.cond), uncond: softmax(rec.guide.uncond), mix, ids };
}

/** The draw of step i (-1 when greedy). @param {number} i */
export function drawFor(i) {
  return state.settings.temperature > 0 ? state.draws[i] : -1;
}

export function ended() {
  const info = engine.info;
  const last = state.chosen[state.chosen.length - 1];
  return !!(info && last && last.token === info.eos);
}

// ------------------------------------------------------------------ actions

/**
 * The 詞牌 of the table named `title`, typed in Simplified or Traditional (菩薩蠻 is 菩萨蛮), or
 * null (the table cannot be had: null too).
 * @param {string} title
 */
export async function findCipai(title) {
  const [patterns, name] = await Promise.all([engine.loadCipai().catch(() => []), simplified(title)]);
  return patterns.some((p) => p.name === name) ? name : null;
}

/**
 * `variant` when the 詞牌 `name` has that form in the table, else 0 (the main form).
 * @param {string} name
 * @param {number} variant
 */
async function variantOf(name, variant) {
  const patterns = await engine.loadCipai().catch(() => []);
  return patterns.some((p) => p.name === name && p.variant === variant) ? variant : 0;
}

/**
 * A title as the model reads it: the playground's way, Traditional becomes Simplified (the
 * training text is Simplified); unchanged if the tables cannot be loaded.
 * @param {string} title
 */
async function simplified(title) {
  await loadHanzi();
  return toSimplified(title);
}

/**
 * Starts again from a prompt. With the rules on, a 詞 whose title is no 詞牌 of the table runs
 * without them (state.cipai stays null); a 又一體 the 詞牌 does not have is its main form.
 * @param {{formTag: string, title: string, seed: number, rules: boolean, variant?: number}} prompt
 */
export async function start(prompt) {
  const title = await simplified(prompt.title);
  state.formTag = prompt.formTag;
  state.title = title;
  state.seed = prompt.seed;
  state.rules = prompt.rules;
  const ci = state.formTag === CI_TAG;
  state.cipai = ci && state.rules ? await findCipai(state.title) : null;
  state.cipaiVariant = state.cipai && prompt.variant ? await variantOf(state.cipai, prompt.variant) : 0;
  if (state.rules) await engine.useRhymeBook(ci ? 'ci' : 'classical');
  const tokens = await engine.prompt(state.formTag, state.title);
  state.promptTokens = tokens.tokens;
  state.untitledTokens = tokens.untitled;
  state.chosen = [];
  state.future = [];
  state.branches = [];
  state.records = [];
  state.draws = uniforms(state.seed, MAX_STEPS);
  await ensurePieces(state.promptTokens);
  await refresh();
}

/** Fetches what the current step needs and draws everything. */
export async function refresh() {
  const rec = await ensureRecord();
  const chain = runChain(rec.logits, state.settings, rec.banned);
  const guide = guideView(rec);
  await ensurePieces([...currentTokens(), ...shownTokens(chain), ...(guide ? guide.ids : [])]);
  renderer(rec, chain);
}

/** @param {number} [pickToken] take this token instead of sampling */
export async function step(pickToken) {
  const rec = await ensureRecord();
  const i = state.chosen.length;
  if (i >= MAX_STEPS || ended()) return;
  /** @type {Taken} */
  let taken;
  if (pickToken === undefined) {
    const chain = runChain(rec.logits, state.settings, rec.banned);
    const u = drawFor(i);
    taken = { token: drawToken(chain, u).token, how: u < 0 ? 'greedy' : 'sampled', u };
  } else {
    taken = { token: pickToken, how: 'picked', u: -1 };
  }
  // Redo when the same token comes again; otherwise the old future becomes a branch.
  if (state.future.length > 0) {
    if (state.future[0].token === taken.token) {
      state.future.shift();
    } else {
      state.branches.push({ at: i, tokens: state.future });
      state.future = [];
      state.records.length = i + 1;
    }
  } else {
    state.records.length = i + 1;
  }
  state.chosen.push(taken);
  await refresh();
}

export async function back() {
  if (state.chosen.length === 0) return;
  const taken = /** @type {Taken} */ (state.chosen.pop());
  state.future.unshift(taken);
  await refresh();
}

export async function toLineEnd() {
  for (let n = 0; n < 24; n++) {
    const before = state.chosen.length;
    await step();
    if (state.chosen.length === before) return;
    const last = state.chosen[state.chosen.length - 1];
    if (LINE_END.test(pieceOf(last.token)) || ended()) return;
  }
}

/** @param {number} b index into state.branches */
export async function restoreBranch(b) {
  const branch = state.branches[b];
  if (!branch) return;
  const current = state.chosen.splice(branch.at).concat(state.future);
  state.branches.splice(b, 1);
  if (current.length > 0) state.branches.push({ at: branch.at, tokens: current });
  state.chosen.push(...branch.tokens);
  state.future = [];
  state.records.length = branch.at + 1;
  await refresh();
}

// ------------------------------------------------------------------ view settings (no model run)

/** Picks the layer and head the formula panel and the overlay show. @param {number} l @param {number} h */
export function pickHead(l, h) {
  state.overlayAverage = false;
  state.layer = l;
  state.head = h;
}

/** The text overlay shows the average over every layer and head. */
export function showAverage() {
  state.overlayAverage = true;
}

/** @param {'attention'|'tokens'} view */
export function setView(view) {
  state.view = view;
}

/** @param {'head'|'worked'} mode */
export function setFormulaMode(mode) {
  state.formulaMode = mode;
}

/** @param {{temperature: number, topK: number, topP: number, minP: number}} settings */
export function setSettings(settings) {
  state.settings = settings;
}

/**
 * The way of writing changed (the playground's guidance scale or 不重字, or a link's): the
 * records (their logits are guidance's mix, their rules hold 不重字) are fetched again; the
 * tokens taken stay.
 * @param {{guidance?: number, noRepeat?: boolean}} way  what to set (absent: as it is)
 * @returns {boolean} whether anything changed
 */
export function setWay(way) {
  const guidance = way.guidance ?? state.guidance;
  const noRepeat = way.noRepeat ?? state.noRepeat;
  if (guidance === state.guidance && noRepeat === state.noRepeat) return false;
  state.guidance = guidance;
  state.noRepeat = noRepeat;
  state.records = [];
  return true;
}

/** @param {boolean} on */
export function setBusy(on) {
  state.busy = on;
}

export function setReady() {
  state.ready = true;
}

/**
 * Replays a link's steps from its prompt (the prompt fields are already set by start()): the
 * stored tokens are taken as picks, then marked sampled where the seed's draw reproduces them.
 * @param {Partial<LinkState>} s
 */
export async function replay(s) {
  const info = /** @type {any} */ (engine.info);
  const target = Math.min(s.step ?? 0, MAX_STEPS);
  const tokens = s.tokens || [];
  for (let i = 0; i < target; i++) {
    if (i < tokens.length) {
      if (tokens[i] >= info.nVocab) break;
      state.records.length = i + 1;
      state.chosen.push({ token: tokens[i], how: 'picked', u: -1 });
      await ensureRecord();
    } else {
      await step();
    }
  }
  // Mark tokens that the seed's draw reproduces as sampled (a link stores only ids).
  for (let i = 0; i < state.chosen.length; i++) {
    const rec = state.records[i];
    if (!rec) continue;
    const u = drawFor(i);
    if (drawToken(runChain(rec.logits, state.settings, rec.banned), u).token === state.chosen[i].token) {
      state.chosen[i].how = u < 0 ? 'greedy' : 'sampled';
      state.chosen[i].u = u;
    }
  }
  state.future = tokens.slice(state.chosen.length).map((token) => ({ token, how: /** @type {'picked'} */ ('picked'), u: -1 }));
  await refresh();
}
