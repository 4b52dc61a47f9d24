// The classroom page (site/classroom.html): step through the real model one token at a time.
//
// This module wires the page together; each panel draws itself from the page state:
//   page-state.js         the state (prompt, tokens taken, records of the runtime's probes) and
//                         the actions that change it: the one owner
//   text-panel.js         the text with the attention overlay, the token list, the branches
//   distribution-panel.js the next token's probabilities, the sampler chain and the draw
//   attention-panel.js    attention of every layer/head and the causal matrix
//   formula-panel.js      softmax(QKᵀ/√d_k) V computed from the runtime's Q/K/V, or the 2 × 5
//                         worked example (worked-example.js) beside S·softmax(S)
//   embedding-panel.js    the newest token's embedding row
//   guidance-panel.js     with the playground's guidance: the conditioned, unconditioned (无题)
//                         and mixed distributions
//   lanes-panel.js        normal runs at three temperatures with one seed
//   form-setup.js         the form select and title: the 詞 when the model has <词>, 詞牌 hints
// Here: the setup row, the step buttons, sliders, the URL fragment, presenter mode, keys, the
// guided tour, a model of the user's own (the Models dialog) and start-up.

import { runChain } from './sampler.js';
import { encodeState, decodeState } from './link-state.js';
import { byId } from './views.js';
import { Tour } from './tour.js';
import { t, tParts, applyStrings, applyTheme, toggleTheme, chooseLanguage, followSettings, currentLang } from './strings.js';
import { loadSettings } from '../app/settings.js';
import { DEFAULT_MODEL_URL } from '../app/engine.js';
import { FormSetup } from './form-setup.js';
import {
  state, engine, onRender, refresh, start, step, back, toLineEnd, restoreBranch, replay, pickHead,
  showAverage, setView, setSettings, setBusy, setReady, ended, hasPiece, ensurePieces, shownTokens,
  setFormulaMode, setWay, forgetPieces, MAX_STEPS,
} from './page-state.js';
import { renderText, renderBranches } from './text-panel.js';
import { renderDistribution } from './distribution-panel.js';
import { renderAttention, attachTips } from './attention-panel.js';
import { renderFormula, redrawFormula } from './formula-panel.js';
import { renderEmbedding } from './embedding-panel.js';
import { runLanes } from './lanes-panel.js';
import { TrainPanel } from './train-panel.js';

/** @typedef {import('./engine.js').StepRecord} StepRecord */
/** @typedef {import('./sampler.js').ChainResult} ChainResult */


// ------------------------------------------------------------------ elements

const $ = {
  status: byId('status'),
  form: /** @type {HTMLSelectElement} */ (byId('form')),
  title: /** @type {HTMLInputElement} */ (byId('title')),
  cipaiNames: /** @type {HTMLDataListElement} */ (byId('cipai-names')),
  variant: /** @type {HTMLSelectElement} */ (byId('cipai-variant')),
  variantField: byId('variant-field'),
  seed: /** @type {HTMLInputElement} */ (byId('seed')),
  rules: /** @type {HTMLInputElement} */ (byId('rules')),
  start: /** @type {HTMLButtonElement} */ (byId('start')),
  back: /** @type {HTMLButtonElement} */ (byId('back')),
  next: /** @type {HTMLButtonElement} */ (byId('next')),
  run: /** @type {HTMLButtonElement} */ (byId('run')),
  stepCount: byId('step-count'),
  viewAttn: byId('view-attn'),
  viewTokens: byId('view-tokens'),
  formulaHead: byId('formula-head'),
  formulaWorked: byId('formula-worked'),
  temperature: /** @type {HTMLInputElement} */ (byId('temperature')),
  topk: /** @type {HTMLInputElement} */ (byId('topk')),
  topp: /** @type {HTMLInputElement} */ (byId('topp')),
  minp: /** @type {HTMLInputElement} */ (byId('minp')),
  bars: byId('bars'),
  layer: /** @type {HTMLSelectElement} */ (byId('layer')),
  head: /** @type {HTMLSelectElement} */ (byId('head')),
  lanesRun: /** @type {HTMLButtonElement} */ (byId('lanes-run')),
  copyLink: /** @type {HTMLButtonElement} */ (byId('copy-link')),
  presenter: /** @type {HTMLButtonElement} */ (byId('presenter-toggle')),
  modelLine: byId('model-line'),
};

/** The form select and title field (form-setup.js). */
const setup = new FormSetup({ form: $.form, title: $.title, cipaiNames: $.cipaiNames, variant: $.variant, variantField: $.variantField });

/**
 * Turns a runtime failure into a message; switches on the stable error code.
 * @param {unknown} err
 * @returns {[string, Record<string, string>]} a strings.js key and its vars
 */
function explain(err) {
  const code = /** @type {any} */ (err) && /** @type {any} */ (err).code;
  switch (code) {
    case 'network_error':
      return ['error.network_error', { url: DEFAULT_MODEL_URL }];
    case 'unsupported_model':
      return ['error.invalid_model', {}];
    case 'hash_mismatch':
    case 'quota_exceeded':
    case 'out_of_memory':
    case 'unsupported_browser':
    case 'invalid_model':
    case 'context_full':
    case 'crashed':
    case 'aborted':
      return [`error.${code}`, {}];
    default:
      return ['error.other', {}];
  }
}

/** The status line's message, kept so that a language change can say it again. */
let status = { key: 'status.loading', vars: /** @type {Record<string, string | number>} */ ({}), kind: 'info', extra: '' };

/**
 * @param {string} key  strings.js key
 * @param {Record<string, string | number>} [vars]
 * @param {'info'|'error'} [kind]
 * @param {string} [extra]  the strings.js key of a further sentence (a storage warning), or ''
 */
function setStatus(key, vars = {}, kind = 'info', extra = '') {
  status = { key, vars, kind, extra };
  $.status.textContent = extra ? `${t(key, vars)} ${t(extra)}` : t(key, vars);
  $.status.dataset.kind = kind;
}

/**
 * The status after a start: the form's note when there is one, else `key`.
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 * @param {string} [extra]
 */
function sayStarted(key, vars = {}, extra = '') {
  const note = setup.note();
  if (note) setStatus(note.key, note.vars, 'error');
  else setStatus(key, vars, 'info', extra);
}

/** @param {unknown} err */
function showError(err) {
  const [key, vars] = explain(err);
  setStatus(key, vars, 'error');
}

/** Runs `work` with the controls locked; reports failures. @param {() => Promise<void>} work */
async function busy(work) {
  if (state.busy) return;
  setBusy(true);
  document.body.classList.add('busy');
  try {
    await work();
  } catch (err) {
    console.error(err);
    showError(err);
  } finally {
    setBusy(false);
    document.body.classList.remove('busy');
    updateButtons();
  }
}

// ------------------------------------------------------------------ render

/**
 * Draws every panel from the current record.
 * @param {StepRecord} rec
 * @param {ChainResult} chain
 */
function render(rec, chain) {
  renderText(rec);
  renderDistribution(rec, chain, pickToken);
  renderAttention(rec, selectHead);
  renderFormula(rec);
  renderEmbedding(rec);
  renderBranches((k) => void busy(() => restoreBranch(k)));
  updateButtons();
  $.stepCount.textContent = t('stepCount', { n: state.chosen.length });
  writeLink();
}

/** A bar's token was clicked: take it instead. @param {number} token */
function pickToken(token) {
  void busy(() => step(token));
}

/** A heatmap row was clicked: show that head (or the average: -1, -1). @param {number} l @param {number} h */
function selectHead(l, h) {
  if (l < 0) showAverage();
  else {
    pickHead(l, h);
    $.layer.value = String(l);
    $.head.value = String(h);
  }
  void busy(refresh);
}

function updateButtons() {
  const off = state.busy || !state.ready;
  $.back.disabled = off || state.chosen.length === 0;
  $.next.disabled = off || ended() || state.chosen.length >= MAX_STEPS;
  $.run.disabled = $.next.disabled;
  $.start.disabled = off;
  $.lanesRun.disabled = off;
}

function writeLink() {
  const s = state.settings;
  const fragment = encodeState({
    formTag: state.formTag, title: state.title, seed: state.seed, temperature: s.temperature,
    topK: s.topK, topP: s.topP, minP: s.minP, layer: state.layer, head: state.head,
    rules: state.rules, tokens: [...state.chosen, ...state.future].map((c) => c.token),
    step: state.chosen.length, formula: state.formulaMode, guidance: state.guidance, noRepeat: state.noRepeat,
    variant: state.cipaiVariant,
  });
  history.replaceState(null, '', fragment);
}

function readSettings() {
  setSettings({
    temperature: Number($.temperature.value),
    topK: Math.trunc(Number($.topk.value)),
    topP: Number($.topp.value),
    minP: Number($.minp.value),
  });
}

function onSettingsChanged() {
  readSettings();
  const rec = state.records[state.chosen.length];
  if (!rec) return;
  const chain = runChain(rec.logits, state.settings, rec.banned);
  const missing = shownTokens(chain).filter((t) => !hasPiece(t));
  const draw = () => {
    renderDistribution(rec, chain, pickToken);
    writeLink();
  };
  if (missing.length === 0) draw();
  else void ensurePieces(missing).then(draw);
}

function togglePresenter(on = !document.body.classList.contains('presenter')) {
  document.body.classList.toggle('presenter', on);
  $.presenter.setAttribute('aria-pressed', String(on));
  if (on && document.fullscreenEnabled && !document.fullscreenElement) {
    document.documentElement.requestFullscreen().catch(() => {});
  }
  if (!on && document.fullscreenElement) document.exitFullscreen().catch(() => {});
}

const tour = new Tour({
  actions: {
    tokens: async () => {
      setView('tokens');
      syncViewButtons();
      await busy(refresh);
    },
    embeddings: async () => {
      if (state.chosen.length === 0) await busy(() => step());
    },
    attention: async () => {
      setView('attention');
      syncViewButtons();
      const info = /** @type {any} */ (engine.info);
      const head = (state.head + 1) % info.nHead;
      pickHead(head === 0 ? (state.layer + 1) % info.nLayer : state.layer, head);
      $.layer.value = String(state.layer);
      $.head.value = String(state.head);
      await busy(refresh);
    },
    probabilities: async () => {
      const t = state.settings.temperature >= 1 ? 0.5 : 1.2;
      $.temperature.value = String(t);
      onSettingsChanged();
    },
    sampling: async () => busy(() => step()),
  },
});

/** The formula panel's mode: drawn at once (the worked example needs no model), kept in the link. */
function chooseFormula(/** @type {'head'|'worked'} */ mode) {
  setFormulaMode(mode);
  redrawFormula();
  if (trainPanel) trainPanel.redraw();
  if (state.ready && state.records[state.chosen.length]) writeLink();
}

function syncViewButtons() {
  $.viewAttn.setAttribute('aria-pressed', String(state.view === 'attention'));
  $.viewTokens.setAttribute('aria-pressed', String(state.view === 'tokens'));
}

function onKey(/** @type {KeyboardEvent} */ e) {
  const target = /** @type {HTMLElement} */ (e.target);
  if (e.key === 'Escape') {
    if (tour.open) tour.close();
    else if (document.body.classList.contains('presenter')) togglePresenter(false);
    return;
  }
  if (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName) && (target.getAttribute('type') !== 'range')) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (target && target.getAttribute('type') === 'range' && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) return;
  const k = e.key;
  if (k === 'ArrowRight' || k === ' ') {
    e.preventDefault();
    if (tour.open && k === 'ArrowRight') tour.next();
    else void busy(() => step());
  } else if (k === 'ArrowLeft') {
    e.preventDefault();
    if (tour.open) tour.prev();
    else void busy(back);
  } else if (k === 'l' || k === 'L') {
    void busy(toLineEnd);
  } else if (k === 'p' || k === 'P') {
    togglePresenter();
  } else if (k === 'g' || k === 'G') {
    tour.show(0);
  } else if (k === 'f' || k === 'F') {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else document.documentElement.requestFullscreen().catch(() => {});
  } else if (/^[1-9]$/.test(k)) {
    const row = $.bars.children[Number(k) - 1];
    if (row instanceof HTMLElement && row.dataset.token) {
      const id = Number(row.dataset.token);
      void busy(() => step(id));
    }
  }
}

/** The layer and head pickers for the loaded model; a pick it lacks goes back to 1/1. */
function fillPickers(/** @type {import('../web/protocol.js').ModelInfo} */ info) {
  $.layer.replaceChildren();
  $.head.replaceChildren();
  for (let l = 0; l < info.nLayer; l++) $.layer.append(new Option(String(l + 1), String(l)));
  for (let h = 0; h < info.nHead; h++) $.head.append(new Option(String(h + 1), String(h)));
  if (state.layer >= info.nLayer || state.head >= info.nHead) pickHead(0, 0);
  $.layer.value = String(state.layer);
  $.head.value = String(state.head);
}

/**
 * Runs a model the user brought through the Models dialog (site/pwa/model-manager.js) with the
 * playground's loader, and starts again from the setup row's prompt, written as the playground
 * writes it for that model. If it fails, the default model comes back.
 * @param {Blob} blob
 * @param {string} name
 */
async function switchModel(blob, name) {
  setBusy(true);
  document.body.classList.add('busy');
  document.body.dataset.model = 'loading';
  try {
    setStatus('status.loading');
    const info = await engine.loadBlob(blob);
    await afterLoad(info);
    await startFromSetup();
    sayStarted('status.switched', { name });
    document.body.dataset.model = 'ready';
    document.body.dataset.modelName = name;
    window.dispatchEvent(new CustomEvent('inkstone:model-loaded', { detail: { name, info } }));
    return info;
  } catch (err) {
    console.error(err);
    showError(err);
    document.body.dataset.model = 'error';
    void engine.load(DEFAULT_MODEL_URL, () => {}).then(afterLoad).then(startFromSetup).catch(showError);
    throw err;
  } finally {
    setBusy(false);
    document.body.classList.remove('busy');
    updateButtons();
  }
}

/**
 * What a newly loaded model needs: its token texts, pickers, model line, the tone tables and
 * whether it can write a 詞.
 */
async function afterLoad(/** @type {import('../web/protocol.js').ModelInfo} */ info) {
  forgetPieces();
  fillPickers(info);
  writeModelLine();
  $.modelLine.dataset.modelId = engine.modelId;
  try {
    await engine.useRhymeBook('classical', true);
    $.rules.disabled = false;
  } catch (err) {
    $.rules.disabled = true;
    $.rules.checked = false;
    console.warn('prosody tables unavailable', err);
  }
  await setup.offerCi(await engine.hasCiTag().catch(() => false));
}

/** @param {Partial<import('./link-state.js').LinkState>} s */
function applyLink(s) {
  setup.show(s);
  if (s.seed !== undefined) $.seed.value = String(s.seed);
  if (s.rules !== undefined) $.rules.checked = s.rules;
  if (s.temperature !== undefined) $.temperature.value = String(s.temperature);
  if (s.topK !== undefined) $.topk.value = String(s.topK);
  if (s.topP !== undefined) $.topp.value = String(s.topP);
  if (s.minP !== undefined) $.minp.value = String(s.minP);
  if (s.formula !== undefined) chooseFormula(s.formula);
  // The way of writing the link was made with holds for this session; the reader's saved
  // settings stay as they are.
  setWay({ guidance: s.guidance, noRepeat: s.noRepeat });
}

/** The playground's way of writing (guidance, 不重字) as last read from its saved settings. */
let savedWay = wayOf(loadSettings());

/** @param {import('../app/settings.js').Settings} settings */
function wayOf(settings) {
  return { guidance: settings.guidance, noRepeat: settings.noRepeat };
}

/**
 * The playground's settings were saved (another tab): a guidance or 不重字 the reader changed
 * there is followed (the records are fetched again); a link's values hold until then.
 */
function followWay() {
  const now = wayOf(loadSettings());
  const changed = setWay({
    guidance: now.guidance !== savedWay.guidance ? now.guidance : undefined,
    noRepeat: now.noRepeat !== savedWay.noRepeat ? now.noRepeat : undefined,
  });
  savedWay = now;
  if (changed && state.ready) void busy(refresh);
}

/** Starts again from the prompt in the setup row. */
async function startFromSetup() {
  await setup.settled();
  await start({
    ...setup.read(),
    seed: Math.max(0, Math.trunc(Number($.seed.value) || 0)),
    rules: $.rules.checked,
  });
}

/** Opens the state a link describes (or the setup row's prompt at step 0). */
async function restore(/** @type {Partial<import('./link-state.js').LinkState>} */ s) {
  const info = /** @type {any} */ (engine.info);
  const layer = s.layer !== undefined && s.layer < info.nLayer ? s.layer : state.layer;
  const head = s.head !== undefined && s.head < info.nHead ? s.head : state.head;
  if (s.layer !== undefined || s.head !== undefined) pickHead(layer, head);
  $.layer.value = String(state.layer);
  $.head.value = String(state.head);
  await setup.listVariants(s.variant ?? 0);
  await startFromSetup();
  await replay(s);
}

/** The model line of the footer (after the model is loaded). */
function writeModelLine() {
  const info = engine.info;
  if (!info) return;
  // The model's own name, tokenizer and weight types, and its id, are the file's: never translated.
  const asIs = (/** @type {string} */ text) => {
    const span = document.createElement('span');
    span.translate = false;
    span.textContent = text;
    return span;
  };
  $.modelLine.replaceChildren(...tParts('modelLine', {
    name: asIs(info.name), layers: info.nLayer, heads: info.nHead, dims: info.nEmbd, vocab: info.nVocab,
    tokenizer: asIs(info.tokenizer), params: (info.nParams / 1e6).toFixed(1), types: asIs(info.weightTypes.join('/')),
    id: asIs(engine.modelId),
  }));
}

/**
 * The 中/EN toggle (Chinese ⇄ English) and the 繁/简 toggle (Simplified ⇄ Traditional), kept in
 * the playground's settings like the playground's own toggles.
 * @param {'lang'|'script'} which
 */
function toggleLanguage(which) {
  if (which === 'lang') chooseLanguage({ lang: currentLang() === 'en' ? 'zh' : 'en' });
  else chooseLanguage({ script: loadSettings().script === 'traditional' ? 'simplified' : 'traditional' });
  resay();
}

/** Says everything again in the current language (the state and the link do not change). */
function resay() {
  setStatus(status.key, status.vars, /** @type {'info'|'error'} */ (status.kind), status.extra);
  writeModelLine();
  tour.redraw();
  redrawFormula();
  if (state.ready && state.records[state.chosen.length]) void busy(refresh);
}

/** @type {TrainPanel | null} the Train panel (its own worker; independent of the model above) */
let trainPanel = null;

/** Set when the model runs but could not be kept for offline use. */
let storeWarning = '';

async function main() {
  applyStrings();
  applyTheme();
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', applyTheme);
  byId('lang-toggle').addEventListener('click', () => toggleLanguage('lang'));
  byId('script-toggle').addEventListener('click', () => toggleLanguage('script'));
  // The playground in another tab changed the language, the guidance or 不重字: follow it.
  window.addEventListener('storage', () => {
    if (followSettings()) resay();
    followWay();
  });
  window.addEventListener('inkstone:model-selected', (event) => {
    const detail = /** @type {CustomEvent} */ (event).detail;
    if (!state.ready || state.busy || !detail || !(detail.source instanceof Blob)) return;
    event.preventDefault();
    const loading = switchModel(detail.source, String(detail.name || 'model'));
    if (typeof detail.respondWith === 'function') detail.respondWith(loading);
  });
  byId('theme-toggle').addEventListener('click', toggleTheme);
  document.addEventListener('keydown', onKey);
  $.start.addEventListener('click', () => void busy(async () => {
    setup.ciDropped = false;
    await startFromSetup();
    sayStarted('status.started');
  }));
  $.form.addEventListener('change', () => {
    void setup.changed(true).catch((err) => console.warn('詞牌 table unavailable', err));
  });
  $.title.addEventListener('change', () => {
    void setup.listVariants().catch((err) => console.warn('詞牌 table unavailable', err));
  });
  $.next.addEventListener('click', () => void busy(() => step()));
  $.back.addEventListener('click', () => void busy(back));
  $.run.addEventListener('click', () => void busy(toLineEnd));
  $.lanesRun.addEventListener('click', () => void busy(runLanes));
  for (const input of [$.temperature, $.topk, $.topp, $.minp]) input.addEventListener('input', onSettingsChanged);
  // After a pick, arrow keys step again instead of moving through the list.
  $.layer.addEventListener('change', () => {
    $.layer.blur();
    pickHead(Number($.layer.value), state.head);
    void busy(refresh);
  });
  $.head.addEventListener('change', () => {
    $.head.blur();
    pickHead(state.layer, Number($.head.value));
    void busy(refresh);
  });
  $.viewAttn.addEventListener('click', () => { setView('attention'); syncViewButtons(); void busy(refresh); });
  $.viewTokens.addEventListener('click', () => { setView('tokens'); syncViewButtons(); void busy(refresh); });
  $.formulaHead.addEventListener('click', () => chooseFormula('head'));
  $.formulaWorked.addEventListener('click', () => chooseFormula('worked'));
  $.presenter.addEventListener('click', () => togglePresenter());
  byId('tour-start').addEventListener('click', () => tour.show(0));
  $.copyLink.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      setStatus('status.copied');
    } catch {
      setStatus('status.link', { href: location.href });
    }
  });
  attachTips();
  trainPanel = new TrainPanel();

  const fromLink = decodeState(location.hash);
  if (fromLink) applyLink(fromLink);
  readSettings();
  updateButtons();

  try {
    setStatus('status.loading');
    const info = await engine.load(DEFAULT_MODEL_URL, (p) => {
      const f = p.total ? p.loaded / p.total : 0;
      if (p.phase === 'verify') setStatus('status.verify');
      else setStatus('status.loadingPct', { pct: Math.round(f * 100) });
    }, (warning) => {
      console.warn(warning);
      const [key] = explain(warning);
      storeWarning = key;
    });
    await afterLoad(info);
    setReady();
    await busy(async () => {
      await restore(fromLink || {});
      sayStarted('status.ready', {}, storeWarning);
    });
    document.body.dataset.ready = 'true';
  } catch (err) {
    console.error(err);
    showError(err);
    document.body.dataset.ready = 'error';
  }
}

// For the E2E test and curious teachers: the page's state and runtime, read-only by convention.
/** @type {any} */ (window).classroom = { state, engine, setup, get ready() { return state.ready; }, get train() { return trainPanel; } };

onRender(render);
void main();
