// The playground page: wires the composer, the streaming poem, the painting, the character
// popover, share links, poem cards and the gallery to the Inkstone client (web/client.js).
//
// Page state the tests (and anyone curious) can read:
//   body[data-model]   'loading' | 'ready' | 'error'
//   body[data-run]     'idle' | 'writing' | 'replaying' | 'done' | 'stopped' | 'error' | 'shared'
//   #replay-result[data-match]  'true' | 'false' after a replay
//   #notice[data-code]          the error code of the message shown
//   body[data-ready-ms]         ms from navigation until the model was ready
//   body[data-first-token-ms], body[data-tokens-per-second]   of the last poem (worker timings)
//
// Model, file and URL text only ever reaches the page through textContent / attributes.

import { decodeShare, encodeShare } from '../share/share-codec.js';
import { shareState, recordFromShare } from './share-link.js';
import { InkPainting, paintPoem } from '../art/index.js';
import { PoemEngine, DEFAULT_MODEL_URL } from './engine.js';
import { FORM_IDS, formatPoem, splitLines, hanChars, normalizeOpening, MAX_ACROSTIC } from './forms.js';
import { STRINGS, translate, initialLang, applyStrings } from './i18n.js';
import { loadHanziMap, toSimplified, display } from './hanzi.js';
import { loadSettings, saveSettings } from './settings.js';
import { PoemView } from './poem-view.js';
import { AlternativesPopover, percent } from './alternatives.js';
import { listPoems, savePoem, deletePoem } from './gallery.js';
import { ProsodyOverlay } from './prosody-overlay.js';
import { renderCardBlob, cardAvailable } from './card-export.js';

/** @typedef {import('./forms.js').FormChoice} FormChoice */
/** @typedef {import('./poem-view.js').TokenRecord} TokenRecord */

/**
 * A poem as the page keeps it (settings.poem, gallery entries, share links).
 * @typedef {object} PoemRecord
 * @property {string} title       Simplified
 * @property {string} opening     given start of the body, Simplified ('' if none)
 * @property {FormChoice} choice
 * @property {string} rhymeBook
 * @property {{temperature: number, topK: number, topP: number, seed: number}} sampling
 * @property {string} text        the body as written (Simplified, with punctuation)
 * @property {string} modelId
 * @property {boolean} complete
 */

// ---------------------------------------------------------------- elements

/** @param {string} id @returns {any} */
const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`playground: #${id} is missing`);
  return el;
};

const els = {
  composer: /** @type {HTMLFormElement} */ ($('composer')),
  title: /** @type {HTMLInputElement} */ ($('title-input')),
  firstLine: /** @type {HTMLInputElement} */ ($('first-line-input')),
  acrosticField: $('acrostic-field'),
  acrostic: /** @type {HTMLInputElement} */ ($('acrostic-input')),
  lineLength: /** @type {HTMLSelectElement} */ ($('line-length')),
  rules: $('rules'),
  tones: /** @type {HTMLInputElement} */ ($('tones-toggle')),
  rhyme: /** @type {HTMLInputElement} */ ($('rhyme-toggle')),
  start: /** @type {HTMLSelectElement} */ ($('start-select')),
  rhymeBook: /** @type {HTMLSelectElement} */ ($('rhyme-book')),
  sampling: /** @type {HTMLDetailsElement} */ ($('sampling')),
  temperature: /** @type {HTMLInputElement} */ ($('temperature')),
  temperatureOut: $('temperature-out'),
  topK: /** @type {HTMLInputElement} */ ($('top-k')),
  topKOut: $('top-k-out'),
  topP: /** @type {HTMLInputElement} */ ($('top-p')),
  topPOut: $('top-p-out'),
  seed: /** @type {HTMLInputElement} */ ($('seed-input')),
  seedDice: $('seed-dice'),
  seedLock: $('seed-lock'),
  generate: /** @type {HTMLButtonElement} */ ($('generate')),
  stop: /** @type {HTMLButtonElement} */ ($('stop')),
  progress: /** @type {HTMLProgressElement} */ ($('model-progress')),
  modelStatus: $('model-status'),
  modelStatusText: $('model-status-text'),
  notice: $('notice'),
  noticeText: $('notice-text'),
  noticeClose: $('notice-close'),
  scriptToggle: $('script-toggle'),
  langToggle: $('lang-toggle'),
  themeToggle: $('theme-toggle'),
  galleryOpen: $('gallery-open'),
  gallery: /** @type {HTMLDialogElement} */ ($('gallery')),
  galleryClose: $('gallery-close'),
  galleryList: $('gallery-list'),
  galleryEmpty: $('gallery-empty'),
  replay: /** @type {HTMLButtonElement} */ ($('replay')),
  replayResult: $('replay-result'),
  share: /** @type {HTMLButtonElement} */ ($('share')),
  card: /** @type {HTMLButtonElement} */ ($('card')),
  shareDialog: /** @type {HTMLDialogElement} */ ($('share-dialog')),
  shareClose: $('share-close'),
  shareUrl: /** @type {HTMLInputElement} */ ($('share-url')),
  shareCopy: $('share-copy'),
  shareNative: /** @type {HTMLButtonElement} */ ($('share-native')),
  shareDownload: /** @type {HTMLButtonElement} */ ($('share-download')),
  shareStatus: $('share-status'),
  prosodyToggle: /** @type {HTMLInputElement} */ ($('prosody-toggle')),
  canvas: /** @type {HTMLCanvasElement} */ ($('painting')),
  scroll: $('scroll'),
  poem: $('poem'),
  poemTitle: $('poem-heading'),
  poemBody: $('poem-body'),
  placeholder: $('poem-placeholder'),
  live: $('poem-live'),
  stats: $('stats'),
  legend: $('legend'),
  modelName: $('model-name'),
  sealLine: $('seal-line'),
  seal: $('seal'),
};

// ---------------------------------------------------------------- state

const settings = loadSettings();
/** @type {'zh'|'en'} */
let lang = initialLang(settings.lang);
/** @type {PoemRecord | null} the poem on the page */
let current = null;
/** @type {TokenRecord[]} per-token records of the poem on the page (empty for a static poem) */
let tokens = [];
/** @type {AbortController | null} */
let running = null;
/** @type {import('../share/share-codec.js').ShareState | null} a shared poem to replay */
let shared = null;

/**
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
function t(key, vars) {
  const text = translate(lang, key, vars);
  return lang === 'zh' ? display(text, settings.script) : text;
}

/** @param {string} ch Simplified text → display script */
const show = (ch) => display(ch, settings.script);

// The single-threaded build: the default model (~5 M parameters) gains little from threads, and
// this build needs no cross-origin isolation, so any static host works. Output is identical
// either way (the core's reductions do not depend on the thread count).
const engine = new PoemEngine({ wasmBase: new URL('./wasm/', location.href).href, build: 'inkstone' });
const painting = new InkPainting(els.canvas, { seed: 0, title: '' });
const view = new PoemView(
  { title: els.poemTitle, body: els.poemBody, placeholder: els.placeholder, live: els.live, article: els.poem },
  {
    onPick: (cell, index) => openAlternatives(cell, index),
    label: (ch, p) => t('charLabel', { ch, p: percent(p) }),
  },
);
const popover = new AlternativesPopover(
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
    canContinue: () => engine.ready && !running,
    onContinue: (index, token) => void continueWith(index, token),
    canRewrite: () => engine.ready && !running && Boolean(current && current.complete),
    onRewrite: (line) => void rewriteLine(line),
  },
);
const prosody = new ProsodyOverlay(els.poem, $('prosody-faults'), new URL('./assets/prosody/', location.href).href);

/**
 * Redraws the prosody marks.
 * @param {boolean} live  a poem is streaming (the analyser is busy: tone marks only)
 */
function refreshProsody(live) {
  void prosody.update(els.poemBody, view.text, {
    live,
    analyse: engine.ready ? (text) => engine.analyse(text) : null,
    label: (f) => t('faultLabel', { line: f.line + 1, col: f.column + 1, name: f.name }),
  });
}

// ---------------------------------------------------------------- small helpers

/** @type {{key: string, vars: Record<string, string | number>}} the status line, re-rendered on language change */
let status = { key: 'status.idle', vars: {} };

/**
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
function setStatus(key, vars = {}) {
  status = { key, vars };
  els.modelStatusText.textContent = t(key, vars);
}

/** @param {string} run */
function setRun(run) {
  document.body.dataset.run = run;
}

/**
 * Shows a message; `code` picks the text (UI switches on codes, never on messages).
 * @param {string} code
 * @param {string} [message]  detail, for codes whose text includes it
 */
function notify(code, message = '') {
  const key = `error.${code}`;
  const known = key in STRINGS.zh;
  els.noticeText.textContent = known ? t(key, { message }) : t('error.unknown', { message: message || code });
  els.notice.dataset.code = code;
  els.notice.hidden = false;
}

function clearNotice() {
  els.notice.hidden = true;
  delete els.notice.dataset.code;
}

/** @param {unknown} err */
function errorCode(err) {
  return err && typeof err === 'object' && 'code' in err ? String(/** @type {any} */ (err).code) : 'unknown';
}

/** @param {unknown} err */
function errorMessage(err) {
  return err instanceof Error ? err.message : String(err);
}

/** A fresh random uint32 seed. */
function randomSeed() {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/** @param {number} n bytes */
function formatBytes(n) {
  if (!n) return '?';
  if (n < 1 << 20) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / (1 << 20)).toFixed(1)} MB`;
}

// ---------------------------------------------------------------- composer ⇄ settings

/** @returns {import('./forms.js').FormId} */
function selectedForm() {
  const checked = /** @type {HTMLInputElement | null} */ (els.composer.querySelector('input[name="form"]:checked'));
  const value = checked ? checked.value : 'qiyan-jueju';
  return /** @type {any} */ (FORM_IDS.includes(/** @type {any} */ (value)) ? value : 'qiyan-jueju');
}

function readComposer() {
  settings.title = els.title.value;
  settings.firstLine = els.firstLine.value;
  settings.form = selectedForm();
  settings.acrostic = els.acrostic.value;
  settings.lineLength = els.lineLength.value === '5' ? 5 : 7;
  settings.tones = els.tones.checked;
  settings.rhyme = els.rhyme.checked;
  settings.start = /** @type {any} */ (['平起', '仄起'].includes(els.start.value) ? els.start.value : '');
  settings.rhymeBook = els.rhymeBook.value;
  settings.temperature = Number(els.temperature.value);
  settings.topK = Math.round(Number(els.topK.value));
  settings.topP = Number(els.topP.value);
  const seed = Math.floor(Number(els.seed.value));
  settings.seed = Number.isFinite(seed) && seed >= 0 ? Math.min(seed, 0xffffffff) : 0;
  settings.samplingOpen = els.sampling.open;
  settings.prosody = els.prosodyToggle.checked;
  saveSettings(settings);
}

function writeComposer() {
  els.title.value = settings.title;
  els.firstLine.value = settings.firstLine;
  for (const input of els.composer.querySelectorAll('input[name="form"]')) {
    /** @type {HTMLInputElement} */ (input).checked = /** @type {HTMLInputElement} */ (input).value === settings.form;
  }
  els.acrostic.value = settings.acrostic;
  els.lineLength.value = String(settings.lineLength);
  els.tones.checked = settings.tones;
  els.rhyme.checked = settings.rhyme;
  els.start.value = settings.start;
  els.rhymeBook.value = [...els.rhymeBook.options].some((o) => o.value === settings.rhymeBook && !o.disabled)
    ? settings.rhymeBook
    : 'xinyun';
  els.temperature.value = String(settings.temperature);
  els.topK.value = String(settings.topK);
  els.topP.value = String(settings.topP);
  els.seed.value = String(settings.seed);
  els.sampling.open = settings.samplingOpen;
  els.prosodyToggle.checked = settings.prosody;
  syncComposer();
}

/** Outputs, visibility and pressed states that follow the fields. */
function syncComposer() {
  els.temperatureOut.textContent = Number(els.temperature.value).toFixed(2);
  els.topKOut.textContent = els.topK.value === '0' ? '∞' : els.topK.value;
  els.topPOut.textContent = Number(els.topP.value).toFixed(2);
  const form = selectedForm();
  els.acrosticField.hidden = form !== 'cangtou';
  const free = form === 'free';
  els.rules.disabled = free;
  els.rules.classList.toggle('muted', free);
  els.seedLock.setAttribute('aria-pressed', String(settings.seedLocked));
}

/** @returns {FormChoice} */
function composerChoice() {
  return {
    form: settings.form,
    start: settings.start,
    acrostic: toSimplified(settings.acrostic),
    lineLength: settings.lineLength,
    tones: settings.tones,
    rhyme: settings.rhyme,
  };
}

// ---------------------------------------------------------------- display settings

function applyTheme() {
  const dark =
    settings.theme === 'dark' ||
    (settings.theme === '' && window.matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  els.themeToggle.setAttribute('aria-pressed', String(dark));
}

function applyLanguage() {
  const hant = settings.script === 'traditional';
  document.documentElement.lang = lang === 'en' ? 'en' : hant ? 'zh-Hant' : 'zh-Hans';
  els.poem.lang = hant ? 'zh-Hant' : 'zh-Hans';
  applyStrings(document, t);
  // The script toggle names the script it switches to.
  const scriptLabel = /** @type {HTMLElement} */ (els.scriptToggle.querySelector('span'));
  scriptLabel.textContent = hant ? '简' : '繁';
  els.scriptToggle.setAttribute('aria-pressed', String(hant));
  document.title = lang === 'en' ? 'Inkstone · 砚' : `${show('砚')} · Inkstone`;
  syncComposer();
  updateModelName();
  els.modelStatusText.textContent = t(status.key, status.vars);
}

function updateModelName() {
  const info = engine.info;
  els.modelName.textContent = info
    ? `${info.name || 'model'} · ${(info.nParams / 1e6).toFixed(1)}M · ${info.weightTypes.join('/')}`
    : '';
}

// ---------------------------------------------------------------- painting

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
function resetPainting(seed, title) {
  painting.seed = seed >>> 0;
  painting.title = title;
  painting.key = null;
  painting.setPoem('');
}

/** The seal: the 藏頭 characters or the title's first characters, in vermilion. */
function updateSeal() {
  if (!current) {
    els.sealLine.hidden = true;
    return;
  }
  const heads = current.choice.form === 'cangtou' ? hanChars(current.choice.acrostic) : [];
  const source = heads.length ? heads : hanChars(current.title);
  const chars = source.slice(0, 4);
  els.seal.replaceChildren(
    ...chars.map((ch) => {
      const span = document.createElement('span');
      span.textContent = show(ch);
      return span;
    }),
  );
  els.seal.dataset.n = String(chars.length);
  els.sealLine.hidden = chars.length === 0 || !current.complete;
}

// ---------------------------------------------------------------- showing a poem

/**
 * Shows a poem without generating (shared link, gallery, reload).
 * @param {PoemRecord} record
 */
function showRecord(record) {
  popover.close(false);
  current = record;
  tokens = [];
  els.stats.textContent = '';
  view.showStatic(record.title, record.text);
  resetPainting(record.sampling.seed, record.title);
  painting.setPoem(formatPoem(record.text));
  afterPoemChanged();
}

function afterPoemChanged() {
  const has = Boolean(current && current.text);
  els.legend.hidden = tokens.length === 0;
  els.share.disabled = !has || Boolean(running);
  els.card.disabled = !has || Boolean(running) || !cardAvailable();
  updateSeal();
  refreshProsody(false);
  settings.poem = current;
  saveSettings(settings);
}

// ---------------------------------------------------------------- generation

/**
 * @typedef {object} RunSpec
 * @property {string} title
 * @property {string} opening
 * @property {FormChoice} choice
 * @property {string} rhymeBook
 * @property {{temperature: number, topK: number, topP: number, seed: number}} sampling
 * @property {number} [rhymeGroup]  keep this rhyme (rewriting a line)
 * @property {number} [untilLines]  stop once this many lines are written (rewriting a line)
 */

/**
 * Writes a poem, streaming it into the page.
 * @param {RunSpec} spec
 * @param {'writing'|'replaying'} mode
 * @returns {Promise<PoemRecord | null>} the record (null when it failed)
 */
async function runPoem(spec, mode) {
  if (running) return null;
  popover.close(false);
  clearNotice();
  const controller = new AbortController();
  running = controller;
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
  current = record;
  tokens = [];
  view.reset(spec.title);
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
        index: tokens.length,
        token: e.token,
        text: e.text,
        prob: e.prob,
        forced: e.forced,
        alternatives: e.alternatives,
        maskedMass: e.maskedMass,
        rule: e.rule,
        logits: e.logits,
        distribution: e.distribution,
      };
      tokens.push(rec);
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
    record.complete = true;
    view.finish();
    schedulePaint();
    setRun('done');
    if (summary) {
      const n = Array.from(view.text).filter((c) => /\p{Script=Han}/u.test(c)).length;
      setStatus('status.done', {
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
    running = null;
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
    if (current !== record || record.complete) return;  // finished: afterPoemChanged saved it
    settings.poem = { ...record, complete: false };
    saveSettings(settings);
  };
  const wait = 250 - (performance.now() - lastDraftSave);
  if (wait <= 0) save();
  else if (!draftTimer) draftTimer = setTimeout(save, wait);
}

async function generate() {
  readComposer();
  if (!engine.ready || running) return;
  const choice = composerChoice();
  if (choice.form === 'cangtou' && hanChars(choice.acrostic).length === 0) {
    notify('acrosticEmpty');
    els.acrostic.focus();
    return;
  }
  if (!settings.seedLocked) {
    settings.seed = randomSeed();
    els.seed.value = String(settings.seed);
  }
  shared = null;
  els.replay.hidden = true;
  history.replaceState(null, '', location.pathname + location.search);
  saveSettings(settings);
  await runPoem(
    {
      title: toSimplified(settings.title.trim()),
      opening: normalizeOpening(toSimplified(settings.firstLine), choice),
      choice,
      rhymeBook: settings.rhymeBook,
      sampling: { temperature: settings.temperature, topK: settings.topK, topP: settings.topP, seed: settings.seed },
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
  if (!current || running || !engine.ready) return;
  const prefix = tokens.slice(0, index).map((r) => r.text).join('');
  const piece = await engine.piece(token);
  const opening = prefix + piece;
  settings.firstLine = opening;
  els.firstLine.value = show(opening);
  saveSettings(settings);
  shared = null;
  els.replay.hidden = true;
  await runPoem({ ...current, opening }, 'writing');
}

/**
 * Rewrites one line of the finished poem on the page and keeps the others: the lines before it
 * are given, the line is sampled with a fresh seed (keeping the poem's rhyme), then the whole
 * poem is taken once more with every character given, so each one has its alternatives.
 * The result's opening is the whole poem, which is what its share link replays.
 * @param {number} lineIndex
 */
async function rewriteLine(lineIndex) {
  if (!current || !current.complete || running || !engine.ready) return;
  const base = current;
  const lines = splitLines(base.text);
  if (lineIndex < 0 || lineIndex >= lines.length) return;
  /** @type {number | undefined} */
  let rhymeGroup;
  try {
    const analysis = await engine.analyse(formatPoem(base.text));
    rhymeGroup = analysis.rhyme_groups[0];
  } catch {
    rhymeGroup = undefined;
  }
  const seed = randomSeed();
  const before = lines.slice(0, lineIndex).join('');
  shared = null;
  els.replay.hidden = true;
  const first = await runPoem(
    { ...base, opening: before, sampling: { ...base.sampling, seed }, rhymeGroup, untilLines: lineIndex + 1 },
    'writing',
  );
  if (!first) return;
  const rewritten = splitLines(first.text)[lineIndex];
  if (!rewritten) return;
  const opening = before + rewritten + lines.slice(lineIndex + 1).join('');
  settings.firstLine = opening;
  els.firstLine.value = show(opening);
  saveSettings(settings);
  await runPoem({ ...base, opening, sampling: { ...base.sampling, seed } }, 'writing');
}

function stop() {
  if (running) running.abort(new Error('stopped by the user'));
}

/**
 * @param {HTMLElement} cell
 * @param {number} index
 */
function openAlternatives(cell, index) {
  const rec = tokens[index];
  if (!rec) return;
  popover.show(cell, rec, Number(cell.dataset.pos) + 1);
}

// ---------------------------------------------------------------- share links

/** @param {PoemRecord} record */
function shareUrl(record) {
  const url = new URL(location.href);
  url.hash = encodeShare(shareState(record)).slice(1);
  return url.href;
}

/** Opens the share dialog for the poem on the page. */
async function openShare() {
  if (!current || !current.text) return;
  let url;
  try {
    url = shareUrl(current);
  } catch (err) {
    notify(errorCode(err), errorMessage(err));
    return;
  }
  els.shareUrl.value = url;
  els.shareStatus.textContent = '';
  els.shareNative.hidden = typeof navigator.share !== 'function';
  els.shareDownload.hidden = !cardAvailable();
  els.shareDialog.showModal();
  els.shareUrl.select();
}

async function copyLink() {
  try {
    await navigator.clipboard.writeText(els.shareUrl.value);
    els.shareStatus.textContent = t('copied');
  } catch {
    els.shareUrl.select();
    els.shareStatus.textContent = t('copyFailed');
  }
}

/** @type {{key: string, promise: Promise<Blob>} | null} the last card drawn */
let cardCache = null;

/**
 * The card PNG of a poem in the current display script (drawn once, then reused).
 * @param {PoemRecord} record
 */
function cardBlob(record) {
  const key = JSON.stringify([record.title, record.text, record.sampling.seed, record.choice.acrostic, settings.script]);
  if (cardCache && cardCache.key === key) return cardCache.promise;
  const promise = renderCardBlob(record, settings.script);
  cardCache = { key, promise };
  promise.catch(() => {
    if (cardCache && cardCache.promise === promise) cardCache = null;
  });
  return promise;
}

async function nativeShare() {
  if (!current) return;
  /** @type {ShareData} */
  const data = { title: show(current.title) || 'Inkstone', text: show(formatPoem(current.text)), url: els.shareUrl.value };
  try {
    if (cardAvailable()) {
      els.shareStatus.textContent = t('cardDrawing');
      const blob = await cardBlob(current);
      const file = new File([blob], cardFileName(current), { type: 'image/png' });
      if (navigator.canShare && navigator.canShare({ ...data, files: [file] })) data.files = [file];
      els.shareStatus.textContent = '';
    }
    await navigator.share(data);
    els.shareStatus.textContent = t('shareDone');
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') return;
    // Drawing the card can outlast the click's permission to share: the card is ready now.
    if (err instanceof DOMException && err.name === 'NotAllowedError') {
      els.shareStatus.textContent = t('shareAgain');
      return;
    }
    els.shareStatus.textContent = errorMessage(err);
  }
}

/** @param {PoemRecord} record */
function cardFileName(record) {
  const name = hanChars(record.title).join('') || 'poem';
  return `inkstone-${name}-${record.sampling.seed}.png`;
}

let drawingCard = false;

async function downloadCard() {
  if (!current || !current.text || !cardAvailable() || drawingCard) return;
  drawingCard = true;
  els.card.disabled = true;
  els.shareDownload.disabled = true;
  els.card.setAttribute('aria-busy', 'true');
  els.shareStatus.textContent = t('cardDrawing');
  setStatus('cardDrawing');
  // Let the status paint before the (synchronous) drawing starts.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  try {
    const blob = await cardBlob(current);
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = cardFileName(current);
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    els.shareStatus.textContent = t('cardSaved');
    setStatus('cardSaved');
  } catch (err) {
    setStatus('status.idle');
    notify('unknown', `${t('cardFailed')} ${errorMessage(err)}`);
  } finally {
    drawingCard = false;
    els.card.removeAttribute('aria-busy');
    els.card.disabled = !current || !current.text || Boolean(running);
    els.shareDownload.disabled = false;
  }
}

/** Reads a share link in the address bar, if any. */
function openSharedLink() {
  const hash = location.hash;
  if (!hash || hash === '#') return false;
  const result = decodeShare(hash);
  if (!result.ok) {
    setRun('error');
    notify(result.code);
    return false;
  }
  const record = recordFromShare(result.state);
  if (!record) {
    setRun('error');
    notify('share_malformed');
    return false;
  }
  shared = result.state;
  settings.title = record.title;
  settings.firstLine = record.opening;
  settings.form = record.choice.form;
  settings.start = record.choice.start;
  settings.acrostic = record.choice.acrostic;
  settings.lineLength = record.choice.lineLength;
  settings.tones = record.choice.tones;
  settings.rhyme = record.choice.rhyme;
  settings.rhymeBook = record.rhymeBook;
  Object.assign(settings, record.sampling);
  settings.seedLocked = true;
  writeComposer();
  showRecord(record);
  els.replay.hidden = false;
  els.replay.disabled = !engine.ready;
  setRun('shared');
  setStatus('status.sharedShown');
  return true;
}

async function replay() {
  if (!current) return;
  if (!engine.ready) {
    els.replayResult.textContent = t('replay.waitModel');
    els.replayResult.hidden = false;
    return;
  }
  const source = shared ? recordFromShare(shared) : current;
  if (!source) return;
  const expected = formatPoem(source.text);
  const record = await runPoem(source, 'replaying');
  if (!record || !record.complete) return;
  const got = formatPoem(record.text);
  const match = got === expected;
  els.replayResult.dataset.match = String(match);
  if (match) {
    els.replayResult.textContent = t('replay.match');
  } else if (source.modelId && engine.modelId && source.modelId !== engine.modelId) {
    els.replayResult.textContent = t('replay.mismatchModel');
  } else {
    const a = Array.from(got);
    const b = Array.from(expected);
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    const n = b.slice(0, i).filter((c) => /\p{Script=Han}/u.test(c)).length + 1;
    els.replayResult.textContent = t('replay.mismatch', { n });
  }
  els.replayResult.hidden = false;
}

// ---------------------------------------------------------------- gallery

async function openGallery() {
  els.galleryList.replaceChildren();
  /** @type {import('./gallery.js').GalleryEntry[]} */
  let entries = [];
  try {
    entries = await listPoems();
  } catch {
    entries = [];
  }
  els.galleryEmpty.hidden = entries.length > 0;
  /** @type {{canvas: HTMLCanvasElement, record: PoemRecord}[]} */
  const thumbs = [];
  for (const entry of entries) {
    const record = /** @type {PoemRecord} */ (entry.record);
    if (!record || typeof record.text !== 'string') continue;
    const li = document.createElement('li');
    li.className = 'gallery-item';
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'gallery-poem';
    const title = document.createElement('span');
    title.className = 'gallery-title';
    title.textContent = show(record.title) || show(formatPoem(record.text).split('\n')[0] || '');
    const lines = document.createElement('span');
    lines.className = 'gallery-lines';
    lines.textContent = show(formatPoem(record.text).split('\n').slice(0, 2).join(' '));
    const meta = document.createElement('span');
    meta.className = 'gallery-meta';
    meta.textContent = `${t(`form.${record.choice.form}`)} · ${new Date(entry.savedAt).toLocaleDateString(lang === 'en' ? 'en' : 'zh')}`;
    const thumb = document.createElement('canvas');
    thumb.className = 'gallery-thumb';
    thumb.width = 96;
    thumb.height = 120;
    thumb.setAttribute('aria-hidden', 'true');
    thumbs.push({ canvas: thumb, record });
    const words = document.createElement('span');
    words.className = 'gallery-words';
    words.append(title, lines, meta);
    open.append(thumb, words);
    open.addEventListener('click', () => {
      els.gallery.close();
      shared = null;
      els.replay.hidden = false;
      showRecord(record);
      setRun('done');
    });
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'gallery-delete';
    del.textContent = '×';
    del.setAttribute('aria-label', `${t('galleryDelete')} ${record.title}`);
    del.addEventListener('click', async () => {
      await deletePoem(entry.id);
      li.remove();
      els.galleryEmpty.hidden = els.galleryList.children.length > 0;
    });
    li.append(open, del);
    els.galleryList.append(li);
  }
  els.gallery.showModal();
  // Small paintings, one per task so the dialog stays responsive.
  for (const { canvas, record } of thumbs) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (!els.gallery.open) break;
    try {
      paintPoem(canvas, { poem: formatPoem(record.text), title: record.title, seed: record.sampling.seed >>> 0 });
    } catch {
      canvas.remove();
    }
  }
}

// ---------------------------------------------------------------- model

async function loadModel() {
  document.body.dataset.model = 'loading';
  els.modelStatus.classList.add('loading');
  setStatus('status.loadingWasm');
  try {
    await engine.load(DEFAULT_MODEL_URL, (p) => {
      const phase = p.phase;
      if (phase === 'download' || phase === 'cache') {
        els.progress.max = p.total || 1;
        els.progress.value = p.total ? p.loaded : 0;
        if (!p.total) els.progress.removeAttribute('value');
        setStatus(`status.${phase}`, { loaded: formatBytes(p.loaded), total: formatBytes(p.total) });
      } else {
        els.progress.removeAttribute('value');
        setStatus(`status.${phase === 'verify' ? 'verify' : 'load'}`);
      }
    }, (warning) => notify(warning.code, warning.message));
    document.body.dataset.model = 'ready';
    document.body.dataset.readyMs = performance.now().toFixed(0);
    els.modelStatus.classList.remove('loading');
    els.progress.max = 1;
    els.progress.value = 1;
    els.generate.disabled = Boolean(running);
    els.replay.disabled = Boolean(running);
    if (document.body.dataset.run !== 'shared' && !running) setStatus('status.ready');
    updateModelName();
    window.dispatchEvent(
      new CustomEvent('inkstone:model-loaded', { detail: { name: engine.info?.name || 'inkstone-poetry', info: engine.info } }),
    );
    try {
      await engine.useRhymeBook(settings.rhymeBook);
    } catch (err) {
      notify(errorCode(err), errorMessage(err));
    }
    refreshProsody(Boolean(running));
    if (shared && shared.modelId !== engine.modelId) {
      els.replayResult.textContent = t('replay.otherModel');
      delete els.replayResult.dataset.match;
      els.replayResult.hidden = false;
    }
  } catch (err) {
    document.body.dataset.model = 'error';
    els.modelStatus.classList.remove('loading');
    setStatus('status.idle');
    notify(errorCode(err), errorMessage(err));
  }
}

/**
 * Runs another model (a GGUF the user brought). If it fails, the default model comes back.
 * @param {Blob} blob
 * @param {string} name
 */
async function switchModel(blob, name) {
  document.body.dataset.model = 'loading';
  els.generate.disabled = true;
  setStatus('status.load');
  try {
    const info = await engine.loadBlob(blob);
    await engine.useRhymeBook(settings.rhymeBook, true);
    document.body.dataset.model = 'ready';
    els.generate.disabled = Boolean(running);
    setStatus('status.ready');
    updateModelName();
    window.dispatchEvent(new CustomEvent('inkstone:model-loaded', { detail: { name, info } }));
    return info;
  } catch (err) {
    void loadModel();
    throw err;
  }
}

// ---------------------------------------------------------------- events

function bindEvents() {
  els.composer.addEventListener('submit', (e) => {
    e.preventDefault();
    void generate();
  });
  els.composer.addEventListener('input', () => {
    readComposer();
    syncComposer();
  });
  els.composer.addEventListener('change', () => {
    readComposer();
    syncComposer();
  });
  els.sampling.addEventListener('toggle', () => readComposer());
  els.rhymeBook.addEventListener('change', async () => {
    if (!engine.ready || running) return; // the next poem loads it
    try {
      await engine.useRhymeBook(settings.rhymeBook);
      refreshProsody(false);
    } catch (err) {
      notify(errorCode(err), errorMessage(err));
    }
  });
  els.stop.addEventListener('click', stop);
  els.seedDice.addEventListener('click', () => {
    settings.seed = randomSeed();
    els.seed.value = String(settings.seed);
    saveSettings(settings);
  });
  els.seedLock.addEventListener('click', () => {
    settings.seedLocked = !settings.seedLocked;
    syncComposer();
    saveSettings(settings);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && running && !popover.open) {
      stop();
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !running) {
      e.preventDefault();
      void generate();
    }
  });
  els.noticeClose.addEventListener('click', clearNotice);

  for (const input of document.querySelectorAll('input[name="layout"]')) {
    input.addEventListener('change', () => {
      settings.layout = /** @type {HTMLInputElement} */ (input).value === 'vertical' ? 'vertical' : 'horizontal';
      view.setLayout(settings.layout);
      popover.close(false);
      saveSettings(settings);
    });
  }
  els.prosodyToggle.addEventListener('change', () => {
    settings.prosody = els.prosodyToggle.checked;
    saveSettings(settings);
    prosody.setEnabled(settings.prosody);
    refreshProsody(Boolean(running));
  });
  els.scriptToggle.addEventListener('click', () => {
    settings.script = settings.script === 'traditional' ? 'simplified' : 'traditional';
    saveSettings(settings);
    view.setScript(settings.script);
    applyLanguage();
    updateSeal();
    refreshProsody(Boolean(running));
  });
  els.langToggle.addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    settings.lang = lang;
    saveSettings(settings);
    applyLanguage();
  });
  els.themeToggle.addEventListener('click', () => {
    const dark = document.documentElement.dataset.theme === 'dark';
    settings.theme = dark ? 'light' : 'dark';
    saveSettings(settings);
    applyTheme();
  });
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', applyTheme);

  els.galleryOpen.addEventListener('click', () => void openGallery());
  els.galleryClose.addEventListener('click', () => els.gallery.close());
  els.share.addEventListener('click', () => void openShare());
  els.shareClose.addEventListener('click', () => els.shareDialog.close());
  els.shareCopy.addEventListener('click', () => void copyLink());
  els.shareNative.addEventListener('click', () => void nativeShare());
  els.shareDownload.addEventListener('click', () => void downloadCard());
  els.card.addEventListener('click', () => void downloadCard());
  els.replay.addEventListener('click', () => void replay());
  for (const dialog of [els.gallery, els.shareDialog]) {
    dialog.addEventListener('click', (e) => {
      if (e.target === dialog) dialog.close(); // a click on the backdrop
    });
  }
  window.addEventListener('hashchange', () => {
    if (!running && location.hash.length > 1) openSharedLink();
  });
  engine.client.addEventListener('crash', () => notify('crashed'));

  // A model the user brought through the model manager (site/pwa/model-manager.js).
  window.addEventListener('inkstone:model-selected', (event) => {
    const detail = /** @type {CustomEvent} */ (event).detail;
    if (running || !detail || !(detail.source instanceof Blob)) return;
    event.preventDefault();
    const loading = switchModel(detail.source, String(detail.name || 'model'));
    if (typeof detail.respondWith === 'function') detail.respondWith(loading);
  });
}

// ---------------------------------------------------------------- start

async function main() {
  setRun('idle');
  document.body.dataset.model = 'loading';
  els.acrostic.maxLength = MAX_ACROSTIC;
  await loadHanziMap();
  writeComposer();
  view.setScript(settings.script);
  view.setLayout(settings.layout);
  for (const input of document.querySelectorAll('input[name="layout"]')) {
    /** @type {HTMLInputElement} */ (input).checked = /** @type {HTMLInputElement} */ (input).value === settings.layout;
  }
  prosody.setEnabled(settings.prosody);
  applyTheme();
  applyLanguage();
  bindEvents();
  if (!openSharedLink()) {
    const saved = settings.poem;
    if (saved && typeof saved.text === 'string' && saved.text && saved.choice && saved.sampling) {
      showRecord(/** @type {PoemRecord} */ (saved));
      setRun(saved.complete ? 'done' : 'stopped');
      els.replay.hidden = false;
    } else {
      view.clear();
      resetPainting(settings.seed, '');
    }
  }
  // Rhyme books whose table this site lacks are disabled (and replaced if one was chosen).
  await prosody.init(els.rhymeBook);
  settings.rhymeBook = els.rhymeBook.value;
  await loadModel();
}

void main();
