// The poem runner: the poem on the page (PoemView), its painting, seal, prosody marks and
// character popover, and the runs that write it — a new poem, a continuation from another
// character, a rewritten line. runPoem streams one generation into the page and is the only
// place that marks a poem complete.

import { state, setState, onState, saveState } from './state.js';
import { els, $ } from './elements.js';
import { t, show, setStatus, setRun, notify, clearNotice, errorCode, errorMessage } from './messages.js';
import { engine, cipaiReady } from './model.js';
import { readComposer, composerChoice, rollSeed, randomSeed } from './composer.js';
import { BackgroundPainting } from '../art/index.js';
import { formatPoem, splitLines, hanChars, normalizeOpening, poemTitle, DEFAULT_CIPAI } from './forms.js';
import { stanzaBreakOf } from './cipai.js';
import { toSimplified, loadHanzi } from './hanzi.js';
import { PoemView } from './poem-view.js';
import { AlternativesPopover, percent } from './alternatives.js';
import { savePoem } from './gallery.js';
import { ProsodyOverlay } from './prosody-overlay.js';
import { cardAvailable } from './card-export.js';

/** @typedef {import('./state.js').PoemRecord} PoemRecord */
/** @typedef {import('./forms.js').FormChoice} FormChoice */
/** @typedef {import('./poem-view.js').TokenRecord} TokenRecord */

// ---------------------------------------------------------------- the poem's widgets

export const painting = new BackgroundPainting(els.canvas, { seed: 0, title: '' });
export const view = new PoemView(
  { title: els.poemTitle, body: els.poemBody, placeholder: els.placeholder, live: els.live, article: els.poem },
  {
    onPick: (cell, index) => openAlternatives(cell, index),
    label: (ch, p) => t('charLabel', { ch, p: percent(p) }),
    stanzaLabel: (n) => ({ key: `stanza.${n}`, text: t(`stanza.${n}`) }),
  },
);

/**
 * How the view lays out a poem of this choice: a 詞 by its 詞牌's stanza break (-1 until the
 * table is there), anything else as plain lines (null).
 * @param {FormChoice} choice
 * @returns {number | null}
 */
export function stanzaBreakFor(choice) {
  return choice.form === 'ci' ? stanzaBreakOf(choice.cipai, choice.variant) : null;
}

/**
 * The rhyme book a poem is analysed and written with: a 詞 rhymes by the 詞 book, other forms
 * by the book the user chose.
 * @param {{form: string} | null | undefined} choice
 */
export function rhymeBookFor(choice) {
  return choice && choice.form === 'ci' ? 'ci' : state.settings.rhymeBook;
}

/**
 * The 詞牌 a poem is read as: the one a 詞 was written to (its structure alone may read as
 * another: 木兰花 and 玉楼春 share one, a 生查子 has a 五律's shape); none for other forms.
 * @param {import('./forms.js').FormChoice | null | undefined} choice
 * @returns {{cipai: string, variant: number} | undefined}
 */
export function readAsFor(choice) {
  if (!choice || choice.form !== 'ci') return undefined;
  return { cipai: choice.cipai || DEFAULT_CIPAI, variant: choice.variant || 0 };
}
export const popover = new AlternativesPopover(
  {
    root: $('alternatives'),
    heading: $('alternatives-heading'),
    sub: $('alternatives-sub'),
    list: $('alt-list'),
    forbiddenHeading: $('forbidden-heading'),
    forbiddenList: $('forbidden-list'),
    help: $('alternatives-help'),
    close: $('alternatives-close'),
    rewrite: $('rewrite-line'),
  },
  {
    t,
    show,
    piece: (token) => engine.piece(token),
    details: (rec) => stepDetails(rec),
    canContinue: () => engine.ready && !state.running,
    onContinue: (index, token) => void continueWith(index, token),
    canRewrite: () => engine.ready && !state.running && Boolean(state.current && state.current.complete),
    onRewrite: (line) => void rewriteLine(line),
  },
);
export const prosody = new ProsodyOverlay(els.poem, $('prosody-faults'), new URL('./assets/prosody/', location.href).href);

/**
 * Redraws the prosody marks.
 * @param {boolean} live  a poem is streaming (the analyser is busy: tone marks only)
 */
export function refreshProsody(live) {
  const choice = state.current && state.current.choice;
  const book = rhymeBookFor(choice);
  const as = readAsFor(choice);
  void prosody.update(els.poemBody, view.text, {
    live,
    analyse: engine.ready ? (text) => engine.analyseWith(book, text, as) : null,
    label: (f) => t('faultLabel', { line: f.line + 1, col: f.column + 1, name: f.name }),
  });
}

// The model (and its rhyme book) became ready: the marks can now include the analyser's faults.
onState('model', (model) => {
  if (model === 'ready') refreshProsody(Boolean(state.running));
});

// The 詞牌 table arrived: a 詞 on the page gets its 闋, and its marks (the analyser reads it by
// its 詞牌 now).
onState('cipai', (cipai) => {
  if (cipai !== 'ready' || !state.current || state.current.choice.form !== 'ci') return;
  view.setStanzas(stanzaBreakFor(state.current.choice));
  refreshProsody(Boolean(state.running));
});

// ---------------------------------------------------------------- painting and seal

let paintQueued = false;
/** Repaints on the next frame (coalesces several lines arriving together). */
function schedulePaint() {
  if (paintQueued) return;
  paintQueued = true;
  requestAnimationFrame(() => {
    paintQueued = false;
    try {
      painting.setPoem(formatPoem(view.text));
    } catch (err) {
      console.warn('painting failed', err);
    }
  });
}

/**
 * @param {number} seed
 * @param {string} title
 */
export function resetPainting(seed, title) {
  painting.seed = seed >>> 0;
  painting.title = title;
  painting.key = null;
  painting.setPoem('');
}

/** The seal: the 藏頭 characters or the title's first characters, in vermilion. */
export function updateSeal() {
  if (!state.current) {
    els.sealLine.hidden = true;
    return;
  }
  const form = state.current.choice.form;
  const heads = form === 'cangtou' || form === 'ci' ? hanChars(state.current.choice.acrostic) : [];
  const source = heads.length ? heads : hanChars(state.current.title);
  const chars = source.slice(0, 4);
  // Converted together (a phrase's Traditional form can differ from its characters' alone).
  const shown = Array.from(show(chars.join('')));
  els.seal.replaceChildren(
    ...shown.map((ch) => {
      const span = document.createElement('span');
      span.textContent = ch;
      return span;
    }),
  );
  els.seal.dataset.n = String(chars.length);
  els.sealLine.hidden = chars.length === 0 || !state.current.complete;
}

// ---------------------------------------------------------------- showing a poem

/**
 * Shows a poem without generating (shared link, gallery, reload).
 * @param {PoemRecord} record
 */
export function showRecord(record) {
  popover.close(false);
  tokensRun = null;
  setState({ current: record, tokens: [] });
  els.stats.textContent = '';
  view.showStatic(record.title, record.text, stanzaBreakFor(record.choice));
  resetPainting(record.sampling.seed, record.title);
  painting.setPoem(formatPoem(record.text));
  afterPoemChanged();
}

function afterPoemChanged() {
  const has = Boolean(state.current && state.current.text);
  els.legend.hidden = state.tokens.length === 0;
  els.share.disabled = !has || Boolean(state.running);
  els.card.disabled = !has || Boolean(state.running) || !cardAvailable();
  updateSeal();
  refreshProsody(false);
  state.settings.poem = state.current;
  saveState();
}

// ---------------------------------------------------------------- generation

/**
 * @typedef {object} RunSpec
 * @property {string} title
 * @property {string} opening
 * @property {FormChoice} choice
 * @property {string} rhymeBook
 * @property {{temperature: number, topK: number, topP: number, seed: number, guidance?: number, noRepeat?: boolean}} sampling
 * @property {number} [rhymeGroup]  keep this rhyme (rewriting a line)
 * @property {number[]} [slotGroups] keep each rhyme of a 詞 (rewriting a line)
 * @property {number} [untilLines]  stop once this many lines are written (rewriting a line)
 */

/**
 * Writes a poem, streaming it into the page.
 * @param {RunSpec} spec
 * @param {'writing'|'replaying'} mode
 * @returns {Promise<PoemRecord | null>} the record (null when it failed)
 */
export async function runPoem(spec, mode) {
  if (state.running) return null;
  popover.close(false);
  clearNotice();
  const controller = new AbortController();
  setState({ running: controller });
  els.generate.disabled = true;
  els.stop.disabled = false;
  els.replay.disabled = true;
  els.replayResult.hidden = true;
  setRun(mode);
  setStatus(mode === 'replaying' ? 'status.replaying' : 'status.writing');

  /** @type {PoemRecord} */
  const record = {
    title: spec.title,
    opening: spec.opening,
    choice: spec.choice,
    rhymeBook: spec.rhymeBook,
    sampling: { ...spec.sampling },
    text: '',
    modelId: engine.modelId,
    complete: false,
  };
  tokensRun = { spec, modelId: engine.modelId };
  setState({ current: record, tokens: [] });
  view.reset(spec.title, stanzaBreakFor(spec.choice));
  prosody.clear();
  resetPainting(spec.sampling.seed, spec.title);
  els.share.disabled = true;
  els.card.disabled = true;
  els.sealLine.hidden = true;
  els.poem.classList.add('writing');
  // On narrow screens the poem sits below the composer: bring it into view.
  if (window.matchMedia('(max-width: 860px)').matches) {
    const smooth = !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    els.scroll.scrollIntoView({ behavior: smooth ? 'smooth' : 'auto', block: 'start' });
  }

  let lines = 0;
  /** @type {import('../web/protocol.js').GenerateSummary | null} */
  let summary = null;
  try {
    for await (const ev of engine.write({ ...spec, signal: controller.signal })) {
      if (ev.type === 'done') {
        summary = /** @type {any} */ (ev);
        break;
      }
      const e = /** @type {import('../web/client.js').TokenEvent} */ (ev);
      const rec = {
        index: state.tokens.length,
        token: e.token,
        text: e.text,
        prob: e.prob,
        forced: e.forced,
        alternatives: e.alternatives,
        maskedMass: e.maskedMass,
        rule: e.rule,
      };
      state.tokens.push(rec);
      if (!e.text) continue;
      view.append(e.text, e.prob, rec.index, e.forced);
      record.text = view.text;
      const nLines = view.lines().length;
      if (nLines !== lines) {
        lines = nLines;
        schedulePaint();
        refreshProsody(true);
      }
      persistDraft(record);
      if (spec.untilLines && nLines >= spec.untilLines && view.line === null) {
        controller.abort(new Error('the line is written'));
      }
    }
    record.text = view.text;
    // Complete only when the model ended the poem itself (a form's constraint ends it that way
    // after its last line). A cut at the token or context limit, or a stream that ended without
    // its summary, leaves an unfinished poem: shown as stopped, no seal, no line rewrites.
    record.complete = summary !== null && summary.reason === 'eos';
    view.finish();
    schedulePaint();
    setRun(record.complete ? 'done' : 'stopped');
    document.body.dataset.stopReason = summary ? summary.reason : 'none';
    if (summary) {
      const n = Array.from(view.text).filter((c) => /\p{Script=Han}/u.test(c)).length;
      setStatus(record.complete ? 'status.done' : 'status.cut', {
        n,
        tps: summary.tokensPerSecond.toFixed(0),
        first: summary.timings.firstTokenMs.toFixed(0),
      });
      document.body.dataset.firstTokenMs = summary.timings.firstTokenMs.toFixed(1);
      document.body.dataset.tokensPerSecond = summary.tokensPerSecond.toFixed(1);
      els.stats.textContent = `seed ${spec.sampling.seed} · ${summary.tokens.length} tokens · ${summary.timings.totalMs.toFixed(0)} ms`;
    }
    if (mode === 'writing') void savePoem(record).catch(() => {});
    window.dispatchEvent(new CustomEvent('inkstone:poem-done'));
    return record;
  } catch (err) {
    const code = errorCode(err);
    record.text = view.text;
    view.finish();
    schedulePaint();
    if (code === 'aborted') {
      setRun('stopped');
      setStatus('status.stopped');
      return record;
    }
    setRun('error');
    setStatus('status.idle');
    notify(code, errorMessage(err));
    return null;
  } finally {
    setState({ running: null });
    els.poem.classList.remove('writing');
    els.generate.disabled = !engine.ready;
    els.stop.disabled = true;
    els.replay.disabled = !engine.ready;
    afterPoemChanged();
  }
}

let lastDraftSave = 0;
/** @type {ReturnType<typeof setTimeout> | null} */
let draftTimer = null;

/**
 * Keeps the poem being written in the saved settings as it grows (at most every 250 ms, and
 * once more 250 ms after the last change), so a crash of the tab or the browser loses at most
 * the last quarter second; a reload shows the poem as stopped.
 * @param {PoemRecord} record
 */
function persistDraft(record) {
  const save = () => {
    draftTimer = null;
    lastDraftSave = performance.now();
    if (state.current !== record || record.complete) return;  // finished: afterPoemChanged saved it
    state.settings.poem = { ...record, complete: false };
    saveState();
  };
  const wait = 250 - (performance.now() - lastDraftSave);
  if (wait <= 0) save();
  else if (!draftTimer) draftTimer = setTimeout(save, wait);
}

export async function generate() {
  readComposer();
  await loadHanzi(); // typed Traditional becomes the model's Simplified
  if (!engine.ready || state.running) return;
  const choice = composerChoice();
  if (choice.form === 'cangtou' && hanChars(choice.acrostic).length === 0) {
    notify('acrosticEmpty');
    els.acrostic.focus();
    return;
  }
  // A 詞 is planned from its pattern (its shape, the marks of a given opening).
  if (choice.form === 'ci') await cipaiReady();
  if (state.running) return;
  if (!state.settings.seedLocked) rollSeed();
  setState({ shared: null });
  els.replay.hidden = true;
  history.replaceState(null, '', location.pathname + location.search);
  saveState();
  await runPoem(
    {
      title: poemTitle(choice, toSimplified(state.settings.title.trim())),
      opening: normalizeOpening(toSimplified(state.settings.firstLine), choice),
      choice,
      rhymeBook: rhymeBookFor(choice),
      sampling: {
        temperature: state.settings.temperature,
        topK: state.settings.topK,
        topP: state.settings.topP,
        seed: state.settings.seed,
        guidance: state.settings.guidance,
        noRepeat: state.settings.noRepeat,
      },
    },
    'writing',
  );
}

/**
 * Continues the poem on the page from another character at token `index`.
 * @param {number} index
 * @param {number} token
 */
async function continueWith(index, token) {
  if (!state.current || state.running || !engine.ready) return;
  const prefix = state.tokens.slice(0, index).map((r) => r.text).join('');
  const piece = await engine.piece(token);
  const opening = prefix + piece;
  state.settings.firstLine = opening;
  els.firstLine.value = show(opening);
  saveState();
  setState({ shared: null });
  els.replay.hidden = true;
  await runPoem({ ...state.current, opening }, 'writing');
}

/**
 * Rewrites one line of the finished poem on the page and keeps the others: the lines before it
 * are given, the line is sampled with a fresh seed (keeping the poem's rhyme), then the whole
 * poem is taken once more with every character given, so each one has its alternatives.
 * The result's opening is the whole poem, which is what its share link replays.
 * @param {number} lineIndex
 */
async function rewriteLine(lineIndex) {
  if (!state.current || !state.current.complete || state.running || !engine.ready) return;
  const base = state.current;
  const lines = splitLines(base.text);
  if (lineIndex < 0 || lineIndex >= lines.length) return;
  /** @type {number | undefined} */
  let rhymeGroup;
  /** @type {number[] | undefined} */
  let slotGroups;
  try {
    const analysis = await engine.analyseWith(rhymeBookFor(base.choice), formatPoem(base.text), readAsFor(base.choice));
    rhymeGroup = analysis.rhyme_groups[0];
    if (base.choice.form === 'ci') slotGroups = ciSlotGroups(analysis);
  } catch {
    rhymeGroup = undefined;
  }
  const seed = randomSeed();
  const before = lines.slice(0, lineIndex).join('');
  setState({ shared: null });
  els.replay.hidden = true;
  const first = await runPoem(
    { ...base, opening: before, sampling: { ...base.sampling, seed }, rhymeGroup, slotGroups, untilLines: lineIndex + 1 },
    'writing',
  );
  if (!first) return;
  const rewritten = splitLines(first.text)[lineIndex];
  if (!rewritten) return;
  const opening = before + rewritten + lines.slice(lineIndex + 1).join('');
  state.settings.firstLine = opening;
  els.firstLine.value = show(opening);
  saveState();
  await runPoem({ ...base, opening, sampling: { ...base.sampling, seed } }, 'writing');
}

/**
 * The rhyme group of each rhyme slot of a 詞 (its first rhyming character's first group; 0 for a
 * slot with none), so that a rewritten line keeps every rhyme of the poem.
 * @param {import('../web/protocol.js').PoemAnalysis} analysis
 * @returns {number[]}
 */
function ciSlotGroups(analysis) {
  /** @type {number[]} */
  const groups = [];
  for (const line of analysis.lines) {
    for (const c of line) {
      if (!c.rhyme || c.slot === undefined || groups[c.slot] || !c.groups || !c.groups.length) continue;
      groups[c.slot] = c.groups[0];
    }
  }
  return Array.from(groups, (g) => g || 0);
}

export function stop() {
  if (state.running) state.running.abort(new Error('stopped by the user'));
}

// ---------------------------------------------------------------- a step's distribution

/**
 * The run whose token records are in state.tokens: its request and the model that wrote it
 * (null for a poem shown without records).
 * @type {{spec: RunSpec, modelId: string} | null}
 */
let tokensRun = null;
/** @type {WeakMap<TokenRecord, Promise<TokenRecord>>} */
const detailsAsked = new WeakMap();

/**
 * A step's record with its logits and final distribution, for the popover's forbidden
 * characters. They are not streamed (engine.js WRITING_PROBES): the step is computed again from
 * the run's request and the tokens before it, once, when the popover first asks. A record of an
 * earlier run, or of a model no longer loaded, is returned as it is.
 * @param {TokenRecord} rec
 * @returns {Promise<TokenRecord>}
 */
export function stepDetails(rec) {
  if (rec.logits && rec.distribution) return Promise.resolve(rec);
  const run = tokensRun;
  if (!run || state.tokens[rec.index] !== rec || !engine.ready || engine.modelId !== run.modelId) return Promise.resolve(rec);
  let asked = detailsAsked.get(rec);
  if (!asked) {
    const prefix = state.tokens.slice(0, rec.index).map((r) => r.token);
    asked = engine.stepDetails(run.spec, prefix, run.modelId).then(({ logits, distribution }) => {
      // Kept only while the poem and its model are the page's (a model switched meanwhile
      // would have computed it on other weights).
      if (tokensRun !== run || engine.modelId !== run.modelId) {
        detailsAsked.delete(rec);
        return rec;
      }
      rec.logits = logits;
      rec.distribution = distribution;
      return rec;
    });
    asked.catch(() => detailsAsked.delete(rec));
    detailsAsked.set(rec, asked);
  }
  return asked;
}

/**
 * @param {HTMLElement} cell
 * @param {number} index
 */
function openAlternatives(cell, index) {
  const rec = state.tokens[index];
  if (!rec) return;
  popover.show(cell, rec, Number(cell.dataset.pos) + 1);
}

