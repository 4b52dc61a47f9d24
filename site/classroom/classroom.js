// The classroom page (site/classroom.html): step through the real model one token at a time.
//
//   state ── the prompt, the tokens taken so far (sampled or picked), sampler settings,
//            the chosen layer/head; mirrored in the URL fragment (link-state.js)
//   records[i] ── the runtime's probes for the prefix prompt + chosen[0..i) (engine.js):
//            raw logits, T = 1 distribution, attention of the newest token, Q/K/V of one head
//   render ── everything on screen is derived from the current record: the sampler settings are
//            applied in JS with the runtime's own rules (sampler.js), so moving a slider never
//            runs the model again; the random number of step i is draw i of pcg32(seed), as in a
//            normal run.

import { ClassroomEngine } from './engine.js';
import { runChain, drawToken, entropy, softmax, uniforms } from './sampler.js';
import { encodeState, decodeState } from './link-state.js';
import { el, byId, pct, num4, showPiece, inkAlpha, signedColor } from './views.js';
import { Tour } from './tour.js';

/** @typedef {import('./engine.js').StepRecord} StepRecord */
/** @typedef {import('./sampler.js').ChainResult} ChainResult */

const MODEL_URL = 'assets/models/inkstone-poetry-q8_0.gguf';
const N_BARS = 12;
const MAX_STEPS = 200;
const LINE_END = /[，。！？；\n]/;

/**
 * @typedef {object} Taken
 * @property {number} token
 * @property {'sampled'|'greedy'|'picked'} how
 * @property {number} u     the draw used (-1: none)
 */

const state = {
  formTag: '<七绝>',
  title: '春江',
  seed: 7,
  rules: false,
  settings: { temperature: 0.8, topK: 0, topP: 1, minP: 0 },
  layer: 0,
  head: 0,
  /** the text overlay shows the average over layers and heads, or the chosen head */
  overlayAverage: true,
  view: /** @type {'attention'|'tokens'} */ ('attention'),
  /** @type {number[]} */
  promptTokens: [],
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

/** @type {Map<number, string>} */
const pieces = new Map();

const engine = new ClassroomEngine({ wasmBase: new URL('wasm/', location.href).href });

// ------------------------------------------------------------------ elements

const $ = {
  status: byId('status'),
  form: /** @type {HTMLSelectElement} */ (byId('form')),
  title: /** @type {HTMLInputElement} */ (byId('title')),
  seed: /** @type {HTMLInputElement} */ (byId('seed')),
  rules: /** @type {HTMLInputElement} */ (byId('rules')),
  start: /** @type {HTMLButtonElement} */ (byId('start')),
  poem: byId('poem'),
  poemHint: byId('poem-hint'),
  back: /** @type {HTMLButtonElement} */ (byId('back')),
  next: /** @type {HTMLButtonElement} */ (byId('next')),
  run: /** @type {HTMLButtonElement} */ (byId('run')),
  stepCount: byId('step-count'),
  branches: byId('branches'),
  tokenTable: /** @type {HTMLTableElement} */ (byId('token-table')),
  viewAttn: byId('view-attn'),
  viewTokens: byId('view-tokens'),
  stats: byId('stats'),
  temperature: /** @type {HTMLInputElement} */ (byId('temperature')),
  topk: /** @type {HTMLInputElement} */ (byId('topk')),
  topp: /** @type {HTMLInputElement} */ (byId('topp')),
  minp: /** @type {HTMLInputElement} */ (byId('minp')),
  tOut: byId('t-out'),
  kOut: byId('k-out'),
  pOut: byId('p-out'),
  mOut: byId('m-out'),
  bars: byId('bars'),
  rest: byId('rest'),
  drawLabel: byId('draw-label'),
  cumbar: byId('cumbar'),
  mask: byId('mask'),
  layer: /** @type {HTMLSelectElement} */ (byId('layer')),
  head: /** @type {HTMLSelectElement} */ (byId('head')),
  heat: /** @type {HTMLTableElement} */ (byId('heat')),
  causal: /** @type {HTMLTableElement} */ (byId('causal')),
  causalLabel: byId('causal-label'),
  tip: byId('tip'),
  formula: byId('formula'),
  embedding: byId('embedding'),
  lanes: byId('lanes'),
  lanesRun: /** @type {HTMLButtonElement} */ (byId('lanes-run')),
  laneN: /** @type {HTMLInputElement} */ (byId('lane-n')),
  laneT: [0, 1, 2].map((i) => /** @type {HTMLInputElement} */ (byId(`lane-t${i}`))),
  copyLink: /** @type {HTMLButtonElement} */ (byId('copy-link')),
  presenter: /** @type {HTMLButtonElement} */ (byId('presenter-toggle')),
  modelLine: byId('model-line'),
};

/** @param {string} text @param {'info'|'error'} [kind] */
function setStatus(text, kind = 'info') {
  $.status.textContent = text;
  $.status.dataset.kind = kind;
}

/**
 * Turns a runtime failure into a message; switches on the stable error code.
 * @param {unknown} err
 */
function explain(err) {
  const code = /** @type {any} */ (err) && /** @type {any} */ (err).code;
  switch (code) {
    case 'network_error':
      return 'The model file could not be downloaded (assets/models/inkstone-poetry-q8_0.gguf).';
    case 'out_of_memory':
      return 'Not enough memory for the model on this device.';
    case 'unsupported_browser':
      return 'This browser lacks WebAssembly SIMD, which the runtime needs.';
    case 'invalid_model':
    case 'unsupported_model':
      return 'The model file cannot be used by this runtime.';
    case 'context_full':
      return 'The context is full: back up or start again.';
    case 'crashed':
      return 'The runtime crashed and was restarted; try again.';
    case 'aborted':
      return 'Cancelled.';
    default:
      return 'Something went wrong (see the console).';
  }
}

// ------------------------------------------------------------------ model access

/** Fetches the pieces of tokens we have not seen yet. @param {Iterable<number>} ids */
async function ensurePieces(ids) {
  const missing = [...new Set(ids)].filter((id) => !pieces.has(id));
  const got = await engine.pieces(missing);
  missing.forEach((id, k) => pieces.set(id, got[k]));
}

/** @param {number} id */
function pieceOf(id) {
  return pieces.get(id) ?? `#${id}`;
}

function currentTokens() {
  return [...state.promptTokens, ...state.chosen.map((c) => c.token)];
}

function constraintSpec() {
  if (!state.rules) return null;
  const presets = /** @type {Record<string, string>} */ ({
    '<五绝>': '五言絕句', '<七绝>': '七言絕句', '<五律>': '五言律詩', '<七律>': '七言律詩',
  });
  const form = presets[state.formTag];
  return form ? { form } : null;
}

/** The record of the current step, fetched when missing. */
async function ensureRecord() {
  const i = state.chosen.length;
  let rec = state.records[i];
  if (!rec || !rec.qkv || rec.qkv.layer !== state.layer || rec.qkv.head !== state.head) {
    const fetched = await engine.probe({
      promptTokens: state.promptTokens,
      chosen: state.chosen.map((c) => c.token),
      constraint: constraintSpec(),
      pick: { layer: state.layer, head: state.head },
    });
    if (rec && !fetched.qkv) return rec;  // a runtime without the Q/K/V probe: keep what we had
    rec = fetched;
    state.records[i] = rec;
  }
  return rec;
}

/** Runs `work` with the controls locked; reports failures. @param {() => Promise<void>} work */
async function busy(work) {
  if (state.busy) return;
  state.busy = true;
  document.body.classList.add('busy');
  try {
    await work();
  } catch (err) {
    console.error(err);
    setStatus(explain(err), 'error');
  } finally {
    state.busy = false;
    document.body.classList.remove('busy');
    updateButtons();
  }
}

// ------------------------------------------------------------------ actions

async function start() {
  state.formTag = $.form.value;
  state.title = $.title.value.trim();
  state.seed = Math.max(0, Math.trunc(Number($.seed.value) || 0));
  state.rules = $.rules.checked;
  const prompt = `${state.formTag}${state.title}\n`;
  state.promptTokens = await engine.tokenize(prompt);
  state.chosen = [];
  state.future = [];
  state.branches = [];
  state.records = [];
  state.draws = uniforms(state.seed, MAX_STEPS);
  await ensurePieces(state.promptTokens);
  await refresh();
}

/** Fetches what the current step needs and draws everything. */
async function refresh() {
  const rec = await ensureRecord();
  const chain = runChain(rec.logits, state.settings, rec.banned);
  await ensurePieces([...currentTokens(), ...shownTokens(chain)]);
  render(rec, chain);
  writeLink();
}

/** Tokens the distribution panel names: the bars, the cumulative bar, the drawn one. @param {ChainResult} chain */
function shownTokens(chain) {
  const ids = Array.from(chain.order.subarray(0, Math.max(N_BARS, Math.min(chain.nKept, 40))));
  ids.push(drawToken(chain, drawFor(state.chosen.length)).token);
  return ids;
}

/** The draw of step i (-1 when greedy). @param {number} i */
function drawFor(i) {
  return state.settings.temperature > 0 ? state.draws[i] : -1;
}

/** @param {number} [pickToken] take this token instead of sampling */
async function step(pickToken) {
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

async function back() {
  if (state.chosen.length === 0) return;
  const taken = /** @type {Taken} */ (state.chosen.pop());
  state.future.unshift(taken);
  await refresh();
}

async function toLineEnd() {
  for (let n = 0; n < 24; n++) {
    const before = state.chosen.length;
    await step();
    if (state.chosen.length === before) return;
    const last = state.chosen[state.chosen.length - 1];
    if (LINE_END.test(pieceOf(last.token)) || ended()) return;
  }
}

function ended() {
  const info = engine.info;
  const last = state.chosen[state.chosen.length - 1];
  return !!(info && last && last.token === info.eos);
}

/** @param {number} b index into state.branches */
async function restoreBranch(b) {
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

// ------------------------------------------------------------------ render

/**
 * @param {StepRecord} rec
 * @param {ChainResult} chain
 */
function render(rec, chain) {
  renderText(rec);
  renderDistribution(rec, chain);
  renderAttention(rec);
  renderFormula(rec);
  renderEmbedding(rec);
  renderBranches();
  updateButtons();
  const i = state.chosen.length;
  $.stepCount.textContent = `step ${i}`;
}

/** Attention weights of the newest token for the overlay: the chosen head or the average. */
function overlayWeights(/** @type {StepRecord} */ rec) {
  const info = /** @type {any} */ (engine.info);
  const { nLayer, nHead } = info;
  const nPos = rec.nPos;
  const w = new Float64Array(nPos);
  if (state.overlayAverage) {
    for (let l = 0; l < nLayer; l++) {
      for (let h = 0; h < nHead; h++) {
        const base = (l * nHead + h) * nPos;
        for (let j = 0; j < nPos; j++) w[j] += rec.attention[base + j] / (nLayer * nHead);
      }
    }
  } else {
    const base = (state.layer * nHead + state.head) * nPos;
    for (let j = 0; j < nPos; j++) w[j] = rec.attention[base + j];
  }
  return w;
}

function renderText(/** @type {StepRecord} */ rec) {
  const tokens = currentTokens();
  const nPrompt = state.promptTokens.length;
  const weights = overlayWeights(rec);
  $.poem.replaceChildren();
  $.poem.dataset.view = state.view;
  tokens.forEach((id, j) => {
    const piece = pieceOf(id);
    const span = el('span', 'tok', showPiece(piece));
    span.dataset.pos = String(j);
    span.dataset.id = String(id);
    if (j < nPrompt) span.classList.add('prompt');
    else span.classList.add(state.chosen[j - nPrompt].how);
    if (j === tokens.length - 1) span.classList.add('newest');
    if (piece.length > 1 && /^<.*>$/.test(piece)) span.classList.add('special');
    const w = weights[j] ?? 0;
    span.dataset.w = num4(w);
    if (state.view === 'attention') {
      span.style.setProperty('--w', inkAlpha(w).toFixed(3));
      span.title = `${showPiece(piece)} · position ${j} · weight ${num4(w)}`;
    } else {
      span.title = `token ${id} · position ${j}`;
      span.append(el('sub', 'tok-id', String(id)));
    }
    $.poem.append(span);
    if (piece === '\n' && state.view === 'attention') $.poem.append(el('br'));
  });
  const next = el('span', 'tok next-slot', '？');
  next.title = 'the next token';
  $.poem.append(next);
  const which = state.overlayAverage
    ? 'average of every layer and head'
    : `layer ${state.layer + 1}, head ${state.head + 1}`;
  $.poemHint.textContent = state.view === 'attention'
    ? `Shading: how much the newest token (outlined) attends to each position — ${which}.`
    : `${tokens.length} tokens (${nPrompt} in the prompt, including <s>). Numbers are token ids.`;

  const body = /** @type {HTMLTableSectionElement} */ ($.tokenTable.tBodies[0]);
  body.replaceChildren();
  tokens.forEach((id, j) => {
    const row = el('tr');
    row.append(el('td', '', String(j)), el('td', 'cjk', showPiece(pieceOf(id))), el('td', '', String(id)),
      el('td', '', j < nPrompt ? 'prompt' : state.chosen[j - nPrompt].how));
    body.append(row);
  });
}

/**
 * @param {StepRecord} rec
 * @param {ChainResult} chain
 */
function renderDistribution(rec, chain) {
  const s = state.settings;
  const i = state.chosen.length;
  const u = drawFor(i);
  const { token: drawn, index: drawnIndex } = drawToken(chain, u);
  const finalOf = new Map();
  for (let r = 0; r < chain.nKept; r++) finalOf.set(chain.order[r], chain.final[r]);

  // Stats: entropy of what is sampled from, and of the model's own distribution.
  const e = entropy(chain.final);
  const own = entropy(rec.banned ? rec.dist1 : softmax(rec.logits));
  $.stats.replaceChildren();
  const stat = (/** @type {string} */ label, /** @type {string} */ value, /** @type {string} */ note) => {
    const box = el('div', 'stat');
    box.append(el('span', 'stat-value', value), el('span', 'stat-label', label), el('span', 'stat-note', note));
    $.stats.append(box);
  };
  stat('entropy', `${e.bits.toFixed(2)} bits`, `the model's own (T = 1): ${own.bits.toFixed(2)}`);
  stat('effective choices', e.perplexity.toFixed(1), `2^entropy · the model's own: ${own.perplexity.toFixed(1)}`);
  stat('tokens kept', `${chain.nKept}`, `of ${engine.info ? engine.info.nVocab : chain.nCand} in the vocabulary`);

  $.tOut.textContent = s.temperature === 0 ? '0 (greedy)' : s.temperature.toFixed(2);
  $.kOut.textContent = s.topK > 0 ? String(s.topK) : 'off';
  $.pOut.textContent = s.topP < 1 ? s.topP.toFixed(2) : 'off';
  $.mOut.textContent = s.minP > 0 ? s.minP.toFixed(2) : 'off';

  // Bars: the tempered probability before cuts (bar length), what each cut did, and the final
  // probability the draw uses (the number).
  $.bars.replaceChildren();
  const maxP = chain.fullT[0] || 1;
  let shownFinal = 0;
  const nShow = Math.min(N_BARS, chain.nCand);
  for (let r = 0; r < nShow; r++) {
    const id = chain.order[r];
    const fin = finalOf.get(id) ?? 0;
    shownFinal += fin;
    let cut = '';
    if (r >= chain.nAfterTopK) cut = 'top-k';
    else if (r >= chain.nAfterTopP) cut = 'top-p';
    else if (r >= chain.nKept) cut = 'min-p';
    const li = el('li', 'bar-row');
    li.dataset.token = String(id);
    li.dataset.final = fin.toFixed(6);
    if (cut) li.classList.add('cut');
    if (id === drawn) li.classList.add('drawn');
    const key = el('span', 'bar-key', r < 9 ? String(r + 1) : '');
    const tok = el('button', 'bar-tok cjk', showPiece(pieceOf(id)));
    tok.setAttribute('type', 'button');
    tok.title = `take “${showPiece(pieceOf(id))}” (token ${id}) instead: branch here`;
    tok.addEventListener('click', () => void busy(() => step(id)));
    const track = el('span', 'bar-track');
    const fill = el('span', 'bar-fill');
    fill.style.setProperty('--len', String(chain.fullT[r] / maxP));
    track.append(fill);
    const value = el('span', 'bar-p', fin > 0 ? pct(fin) : '0');
    value.title = `before cuts: ${pct(chain.fullT[r])} · logit ${rec.logits[id].toFixed(3)}`;
    const note = el('span', 'bar-cut', cut ? `cut by ${cut}` : `${pct(chain.fullT[r])} before cuts`);
    li.append(key, tok, track, value, note);
    $.bars.append(li);
  }
  const restFinal = Math.max(0, 1 - shownFinal);
  let sumAll = 0;
  for (let r = 0; r < chain.nKept; r++) sumAll += chain.final[r];
  $.rest.textContent = `Every other token together: ${pct(restFinal)} (${Math.max(0, chain.nKept - nShow)} more kept, ` +
    `${chain.nCand - chain.nKept} removed by cuts${rec.banned ? ', plus those the rules removed' : ''}). ` +
    `Sum over the vocabulary: ${sumAll.toFixed(6)}.`;
  $.rest.dataset.rest = restFinal.toFixed(6);

  // The draw and the cumulative bar it lands in.
  $.cumbar.replaceChildren();
  if (u < 0) {
    $.drawLabel.textContent = 'Temperature 0: greedy — no random number; the most likely token is taken.';
  } else {
    $.drawLabel.textContent = `Random number #${i + 1} of seed ${state.seed}: u = ${u.toFixed(6)} → lands on “${showPiece(pieceOf(drawn))}”`;
  }
  let cum = 0;
  const nSeg = Math.min(chain.nKept, 40);
  for (let r = 0; r < nSeg; r++) {
    const seg = el('span', 'seg-cell');
    seg.style.setProperty('--len', String(chain.final[r]));
    seg.title = `${showPiece(pieceOf(chain.order[r]))}: ${cum.toFixed(4)} – ${(cum + chain.final[r]).toFixed(4)}`;
    if (r === drawnIndex) seg.classList.add('hit');
    if (chain.final[r] > 0.06) seg.textContent = showPiece(pieceOf(chain.order[r]));
    cum += chain.final[r];
    $.cumbar.append(seg);
  }
  if (chain.nKept > nSeg) {
    const seg = el('span', 'seg-cell tail');
    seg.style.setProperty('--len', String(Math.max(0, 1 - cum)));
    seg.title = `${chain.nKept - nSeg} more tokens`;
    $.cumbar.append(seg);
  }
  if (u >= 0) {
    const marker = el('span', 'u-marker');
    marker.style.setProperty('--u', String(u));
    marker.title = `u = ${u.toFixed(6)}`;
    $.cumbar.append(marker);
  }

  // Constraint mass.
  if (rec.maskedMass !== null) {
    $.mask.hidden = false;
    $.mask.replaceChildren();
    const banned = rec.banned;
    const p1 = softmax(rec.logits);
    /** @type {{id: number, p: number}[]} */
    const worst = [];
    if (banned) {
      for (let t = 0; t < banned.length; t++) if (banned[t]) worst.push({ id: t, p: p1[t] });
      worst.sort((a, b) => b.p - a.p);
    }
    $.mask.dataset.masked = rec.maskedMass.toFixed(6);
    const head = el('p', 'mask-head');
    head.append(el('strong', '', `Form rules removed ${pct(rec.maskedMass)}`),
      document.createTextNode(` of the probability this step${rec.rule ? ` (mostly: ${rec.rule})` : ''}.`));
    $.mask.append(head);
    if (rec.maskedMass > 0.5) $.mask.append(el('p', 'mask-warn', 'The model “wanted” a forbidden character here.'));
    const list = el('p', 'mask-list');
    list.append(document.createTextNode('Forbidden, most likely first: '));
    for (const w of worst.slice(0, 8)) {
      list.append(el('span', 'mask-tok cjk', showPiece(pieces.get(w.id) ?? `#${w.id}`)), document.createTextNode(` ${pct(w.p)}  `));
    }
    $.mask.append(list);
    void ensurePieces(worst.slice(0, 8).map((w) => w.id)).then(() => {
      const spans = list.querySelectorAll('.mask-tok');
      worst.slice(0, 8).forEach((w, k) => { spans[k].textContent = showPiece(pieceOf(w.id)); });
    });
  } else {
    $.mask.hidden = true;
  }
}

/** A heatmap column header: the token's piece (tags like <七绝> in small type). @param {number} id */
function colHeader(id) {
  const piece = pieceOf(id);
  const th = el('th', 'col cjk', showPiece(piece));
  if (piece.length > 2 && /^<.*>$/.test(piece)) th.classList.add('special');
  th.title = `token ${id}`;
  return th;
}

/** @param {StepRecord} rec */
function renderAttention(rec) {
  const info = /** @type {any} */ (engine.info);
  const { nLayer, nHead } = info;
  const tokens = currentTokens();
  const nPos = rec.nPos;
  $.heat.replaceChildren();
  const headRow = el('tr');
  headRow.append(el('th', 'corner', ''));
  for (let j = 0; j < nPos; j++) headRow.append(colHeader(tokens[j]));
  const thead = el('thead');
  thead.append(headRow);
  const tbody = el('tbody');
  const addRow = (/** @type {string} */ label, /** @type {ArrayLike<number>} */ w, /** @type {number} */ l, /** @type {number} */ h) => {
    const tr = el('tr');
    tr.dataset.layer = String(l);
    tr.dataset.head = String(h);
    const avg = l < 0;
    const selected = avg ? state.overlayAverage : !state.overlayAverage && l === state.layer && h === state.head;
    if (selected) tr.classList.add('selected');
    if (avg) tr.classList.add('avg');
    tr.append(el('th', 'row', label));
    let sum = 0;
    for (let j = 0; j < nPos; j++) {
      const td = el('td', 'cell');
      td.dataset.v = num4(w[j]);
      td.dataset.pos = String(j);
      td.style.setProperty('--w', inkAlpha(w[j]).toFixed(3));
      sum += w[j];
      tr.append(td);
    }
    tr.dataset.sum = sum.toFixed(6);
    tr.addEventListener('click', () => {
      if (avg) state.overlayAverage = true;
      else {
        state.overlayAverage = false;
        state.layer = l;
        state.head = h;
        $.layer.value = String(l);
        $.head.value = String(h);
      }
      void busy(refresh);
    });
    tbody.append(tr);
  };
  for (let l = 0; l < nLayer; l++) {
    for (let h = 0; h < nHead; h++) {
      const base = (l * nHead + h) * nPos;
      addRow(`L${l + 1} H${h + 1}`, rec.attention.subarray(base, base + nPos), l, h);
    }
  }
  const avg = new Float64Array(nPos);
  for (let k = 0; k < nLayer * nHead; k++) for (let j = 0; j < nPos; j++) avg[j] += rec.attention[k * nPos + j] / (nLayer * nHead);
  addRow('average', avg, -1, -1);
  $.heat.append(thead, tbody);

  // Causal matrix of the chosen head: one row per step recorded so far.
  $.causalLabel.textContent = `layer ${state.layer + 1}, head ${state.head + 1}`;
  $.causal.replaceChildren();
  const cHead = el('tr');
  cHead.append(el('th', 'corner', 'query ↓  key →'));
  for (let j = 0; j < nPos; j++) cHead.append(colHeader(tokens[j]));
  const cThead = el('thead');
  cThead.append(cHead);
  const cBody = el('tbody');
  for (let i = 0; i <= state.chosen.length; i++) {
    const r = state.records[i];
    if (!r) continue;
    const tr = el('tr');
    const q = r.nPos - 1;
    tr.dataset.query = String(q);
    tr.append(el('th', 'row cjk', `${q}: ${showPiece(pieceOf(tokens[q]))}`));
    const base = (state.layer * nHead + state.head) * r.nPos;
    let sum = 0;
    for (let j = 0; j < nPos; j++) {
      const td = el('td', 'cell');
      const v = j < r.nPos ? r.attention[base + j] : 0;
      td.dataset.v = num4(v);
      td.dataset.pos = String(j);
      if (j >= r.nPos) td.classList.add('future');
      else td.style.setProperty('--w', inkAlpha(v).toFixed(3));
      sum += v;
      tr.append(td);
    }
    tr.dataset.sum = sum.toFixed(6);
    cBody.append(tr);
  }
  $.causal.append(cThead, cBody);
}

/** @param {StepRecord} rec */
function renderFormula(rec) {
  $.formula.replaceChildren();
  const qkv = rec.qkv;
  if (!qkv) {
    $.formula.append(el('p', 'hint', 'This runtime build does not report Q, K and V; the formula panel needs the qkv probe.'));
    return;
  }
  const info = /** @type {any} */ (engine.info);
  const d = qkv.headDim;
  const nPos = rec.nPos;
  const tokens = currentTokens();
  const scale = Math.sqrt(d);
  const dims = el('p', 'dims');
  dims.textContent = `Layer ${qkv.layer + 1}, head ${qkv.head + 1} (of ${info.nLayer} × ${info.nHead}). ` +
    `q: 1 × ${d} (the newest token's query, after RoPE) · K, V: ${nPos} × ${d} (one row per visible position) · ` +
    `d_k = ${d}, √d_k = ${scale.toFixed(4)} · output: 1 × ${d}.`;
  $.formula.append(dims);
  $.formula.append(vectorRow('q', qkv.q));

  // Scores, scaling, softmax — computed here in double from the runtime's q and K.
  const dots = new Float64Array(nPos);
  for (let j = 0; j < nPos; j++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += qkv.q[c] * qkv.k[j * d + c];
    dots[j] = s;
  }
  let max = -Infinity;
  for (let j = 0; j < nPos; j++) max = Math.max(max, dots[j] / scale);
  const ex = new Float64Array(nPos);
  let z = 0;
  for (let j = 0; j < nPos; j++) {
    ex[j] = Math.exp(dots[j] / scale - max);
    z += ex[j];
  }
  const table = el('table', 'formula-table');
  const th = el('tr');
  for (const h of ['pos', 'token', 'q·kⱼ', '÷ √dₖ', 'exp(· − max)', 'softmax aⱼ', 'runtime aⱼ']) th.append(el('th', '', h));
  const thead = el('thead');
  thead.append(th);
  const tbody = el('tbody');
  const base = (qkv.layer * info.nHead + qkv.head) * nPos;
  for (let j = 0; j < nPos; j++) {
    const tr = el('tr');
    tr.dataset.pos = String(j);
    const a = ex[j] / z;
    const aCell = el('td', 'a-formula', num4(a));
    const rCell = el('td', 'a-runtime', num4(rec.attention[base + j]));
    tr.append(el('td', '', String(j)), el('td', 'cjk', showPiece(pieceOf(tokens[j]))), el('td', '', dots[j].toFixed(3)),
      el('td', '', (dots[j] / scale).toFixed(3)), el('td', '', ex[j].toFixed(4)), aCell, rCell);
    const bar = el('span', 'mini-bar');
    bar.style.setProperty('--len', String(a));
    aCell.append(bar);
    tbody.append(tr);
  }
  const foot = el('tr');
  foot.append(el('td', '', ''), el('td', '', 'Σ'), el('td', '', ''), el('td', '', ''), el('td', '', z.toFixed(4)), el('td', '', '1.0000'), el('td', '', ''));
  tbody.append(foot);
  table.append(thead, tbody);
  $.formula.append(table);

  // Weighted sum of the values: o = Σ aⱼ vⱼ, checked against the runtime's output.
  const o = new Float64Array(d);
  for (let j = 0; j < nPos; j++) for (let c = 0; c < d; c++) o[c] += (ex[j] / z) * qkv.v[j * d + c];
  let maxErr = 0;
  for (let c = 0; c < d; c++) maxErr = Math.max(maxErr, Math.abs(o[c] - qkv.out[c]));
  $.formula.append(vectorRow('o = Σ aⱼ vⱼ', o));
  $.formula.append(vectorRow('runtime o', qkv.out));
  const check = el('p', 'check', `Largest difference between the output computed here and the runtime's: ${maxErr.toExponential(2)}.`);
  check.dataset.maxErr = String(maxErr);
  $.formula.append(check);
}

/**
 * A labelled vector: a colour strip of every entry and the first values in numbers.
 * @param {string} label
 * @param {ArrayLike<number>} v
 */
function vectorRow(label, v) {
  const row = el('div', 'vec');
  row.append(el('span', 'vec-label', `${label} (${v.length})`));
  let scale = 0;
  for (let c = 0; c < v.length; c++) scale = Math.max(scale, Math.abs(v[c]));
  const strip = el('span', 'vec-strip');
  for (let c = 0; c < v.length; c++) {
    const cell = el('span', 'vec-cell');
    cell.style.setProperty('background', signedColor(v[c], scale));
    cell.title = `[${c}] = ${v[c].toFixed(5)}`;
    strip.append(cell);
  }
  const nums = el('span', 'vec-nums', `${Array.from({ length: Math.min(6, v.length) }, (_, c) => v[c].toFixed(3)).join('  ')} …`);
  row.append(strip, nums);
  return row;
}

/** @param {StepRecord} rec */
function renderEmbedding(rec) {
  $.embedding.replaceChildren();
  const emb = rec.qkv && rec.qkv.embedding;
  const tokens = currentTokens();
  const newest = tokens[tokens.length - 1];
  if (!emb) {
    $.embedding.append(el('p', 'hint', 'This runtime build does not report the embedding.'));
    return;
  }
  let norm = 0;
  for (const x of emb) norm += x * x;
  const p = el('p', 'dims');
  p.textContent = `Token ${newest} “${showPiece(pieceOf(newest))}” becomes a row of the embedding table: ` +
    `${emb.length} numbers (red positive, blue negative), length ${Math.sqrt(norm).toFixed(3)}. ` +
    'Every layer then adds to this vector; attention is where positions exchange information.';
  $.embedding.append(p, vectorRow('embedding', emb));
}

function renderBranches() {
  $.branches.replaceChildren();
  const info = [];
  if (state.future.length > 0) {
    info.push(el('span', 'hint', `Backed up: ${state.future.length} later token(s) kept — “Next” retakes them if the draw agrees; picking another token starts a branch.`));
  }
  state.branches.forEach((b, k) => {
    const btn = el('button', 'btn ghost small cjk', `branch at step ${b.at}: ${b.tokens.map((t) => showPiece(pieceOf(t.token))).join('')}`);
    btn.setAttribute('type', 'button');
    btn.addEventListener('click', () => void busy(() => restoreBranch(k)));
    info.push(btn);
  });
  $.branches.append(...info);
}

function updateButtons() {
  const off = state.busy || !state.ready;
  $.back.disabled = off || state.chosen.length === 0;
  $.next.disabled = off || ended() || state.chosen.length >= MAX_STEPS;
  $.run.disabled = $.next.disabled;
  $.start.disabled = off;
  $.lanesRun.disabled = off;
}

// ------------------------------------------------------------------ lanes

async function runLanes() {
  const temps = $.laneT.map((input) => Math.max(0, Math.min(3, Number(input.value) || 0)));
  const n = Math.max(1, Math.min(128, Math.trunc(Number($.laneN.value) || 32)));
  const runs = [];
  for (const t of temps) {
    runs.push(await engine.normalRun({
      promptTokens: state.promptTokens,
      seed: state.seed,
      temperature: t,
      topK: state.settings.topK,
      topP: state.settings.topP,
      minP: state.settings.minP,
      maxTokens: n,
      constraint: constraintSpec(),
    }));
  }
  await ensurePieces(runs.flatMap((r) => r.tokens));
  $.lanes.replaceChildren();
  const table = el('table', 'lane-grid');
  const uRow = el('tr', 'u-row');
  uRow.append(el('th', '', `u (seed ${state.seed})`));
  const longest = Math.max(...runs.map((r) => r.tokens.length));
  for (let i = 0; i < longest; i++) uRow.append(el('td', 'u', state.draws[i].toFixed(3)));
  table.append(uRow);
  runs.forEach((r, k) => {
    const tr = el('tr', 'lane');
    tr.dataset.temperature = String(temps[k]);
    tr.dataset.tokens = r.tokens.join(',');
    tr.append(el('th', '', `T = ${temps[k]}`));
    r.tokens.forEach((id, i) => {
      const td = el('td', 'cjk lane-tok', showPiece(pieceOf(id)));
      td.title = `token ${id} · p = ${pct(r.probs[i])} · u = ${r.draws[i] < 0 ? 'none (greedy)' : r.draws[i].toFixed(6)}`;
      td.style.setProperty('--w', inkAlpha(r.probs[i]).toFixed(3));
      tr.append(td);
    });
    table.append(tr);
  });
  $.lanes.append(table);
  const texts = el('div', 'lane-texts');
  runs.forEach((r, k) => {
    const p = el('p', 'lane-text');
    p.append(el('span', 'lane-t', `T = ${temps[k]}`), el('span', 'cjk', r.texts.join('')));
    texts.append(p);
  });
  $.lanes.append(texts);
  $.lanes.append(el('p', 'hint', "Each lane is a normal run of the runtime with the same seed: step i uses the same random number u in every lane, so the lanes differ only by temperature. Shading: the chosen token's probability."));
}

// ------------------------------------------------------------------ link, presenter, keys

function writeLink() {
  const s = state.settings;
  const fragment = encodeState({
    formTag: state.formTag, title: state.title, seed: state.seed, temperature: s.temperature,
    topK: s.topK, topP: s.topP, minP: s.minP, layer: state.layer, head: state.head,
    rules: state.rules, tokens: [...state.chosen, ...state.future].map((c) => c.token),
    step: state.chosen.length,
  });
  history.replaceState(null, '', fragment);
}

function readSettings() {
  state.settings = {
    temperature: Number($.temperature.value),
    topK: Math.trunc(Number($.topk.value)),
    topP: Number($.topp.value),
    minP: Number($.minp.value),
  };
}

function onSettingsChanged() {
  readSettings();
  const rec = state.records[state.chosen.length];
  if (!rec) return;
  const chain = runChain(rec.logits, state.settings, rec.banned);
  const missing = shownTokens(chain).filter((t) => !pieces.has(t));
  const draw = () => {
    renderDistribution(rec, chain);
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
      state.view = 'tokens';
      syncViewButtons();
      await busy(refresh);
    },
    embeddings: async () => {
      if (state.chosen.length === 0) await busy(() => step());
    },
    attention: async () => {
      state.view = 'attention';
      state.overlayAverage = false;
      syncViewButtons();
      const info = /** @type {any} */ (engine.info);
      state.head = (state.head + 1) % info.nHead;
      if (state.head === 0) state.layer = (state.layer + 1) % info.nLayer;
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

// ------------------------------------------------------------------ start-up

/** @param {Partial<import('./link-state.js').LinkState>} s */
function applyLink(s) {
  if (s.formTag) {
    const option = Array.from($.form.options).find((o) => o.value === s.formTag);
    if (option) $.form.value = s.formTag;
  }
  if (s.title !== undefined) $.title.value = s.title;
  if (s.seed !== undefined) $.seed.value = String(s.seed);
  if (s.rules !== undefined) $.rules.checked = s.rules;
  if (s.temperature !== undefined) $.temperature.value = String(s.temperature);
  if (s.topK !== undefined) $.topk.value = String(s.topK);
  if (s.topP !== undefined) $.topp.value = String(s.topP);
  if (s.minP !== undefined) $.minp.value = String(s.minP);
}

async function restore(/** @type {Partial<import('./link-state.js').LinkState>} */ s) {
  const info = /** @type {any} */ (engine.info);
  if (s.layer !== undefined && s.layer < info.nLayer) state.layer = s.layer;
  if (s.head !== undefined && s.head < info.nHead) state.head = s.head;
  if (s.layer !== undefined || s.head !== undefined) state.overlayAverage = false;
  $.layer.value = String(state.layer);
  $.head.value = String(state.head);
  await start();
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

async function main() {
  document.addEventListener('keydown', onKey);
  $.start.addEventListener('click', () => void busy(async () => {
    await start();
    setStatus('Ready. Press → for the next token.');
  }));
  $.next.addEventListener('click', () => void busy(() => step()));
  $.back.addEventListener('click', () => void busy(back));
  $.run.addEventListener('click', () => void busy(toLineEnd));
  $.lanesRun.addEventListener('click', () => void busy(runLanes));
  for (const input of [$.temperature, $.topk, $.topp, $.minp]) input.addEventListener('input', onSettingsChanged);
  // After a pick, arrow keys step again instead of moving through the list.
  $.layer.addEventListener('change', () => {
    $.layer.blur();
    state.layer = Number($.layer.value);
    state.overlayAverage = false;
    void busy(refresh);
  });
  $.head.addEventListener('change', () => {
    $.head.blur();
    state.head = Number($.head.value);
    state.overlayAverage = false;
    void busy(refresh);
  });
  $.viewAttn.addEventListener('click', () => { state.view = 'attention'; syncViewButtons(); void busy(refresh); });
  $.viewTokens.addEventListener('click', () => { state.view = 'tokens'; syncViewButtons(); void busy(refresh); });
  $.presenter.addEventListener('click', () => togglePresenter());
  byId('tour-start').addEventListener('click', () => tour.show(0));
  $.copyLink.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      setStatus('Link copied: it opens this prompt, seed, step, layer/head and temperature.');
    } catch {
      setStatus(`Link: ${location.href}`);
    }
  });
  attachTips();

  const fromLink = decodeState(location.hash);
  if (fromLink) applyLink(fromLink);
  readSettings();
  updateButtons();

  try {
    setStatus('Loading the model…');
    const info = await engine.load(MODEL_URL, (f) => setStatus(`Loading the model… ${Math.round(f * 100)}%`));
    for (let l = 0; l < info.nLayer; l++) $.layer.append(new Option(String(l + 1), String(l)));
    for (let h = 0; h < info.nHead; h++) $.head.append(new Option(String(h + 1), String(h)));
    $.modelLine.textContent = `Model: ${info.name} · ${info.nLayer} layers × ${info.nHead} heads · ` +
      `${info.nEmbd}-dimensional · vocabulary ${info.nVocab} (${info.tokenizer}) · ${(info.nParams / 1e6).toFixed(1)} M parameters · ${info.weightTypes.join('/')}`;
    try {
      await engine.loadProsody(new URL('assets/prosody/', location.href).href);
    } catch (err) {
      $.rules.disabled = true;
      $.rules.checked = false;
      console.warn('prosody tables unavailable', err);
    }
    state.ready = true;
    await busy(async () => {
      await restore(fromLink || {});
      setStatus('Ready. Press → (or Next token) to take one step; ← backs up; click a bar to branch.');
    });
    document.body.dataset.ready = 'true';
  } catch (err) {
    console.error(err);
    setStatus(explain(err), 'error');
    document.body.dataset.ready = 'error';
  }
}

/** Hover tips with exact values for heatmap cells. */
function attachTips() {
  const show = (/** @type {MouseEvent} */ e) => {
    const cell = /** @type {HTMLElement} */ (e.target);
    if (!(cell instanceof HTMLElement) || !cell.classList.contains('cell')) {
      $.tip.hidden = true;
      return;
    }
    const row = /** @type {HTMLElement} */ (cell.parentElement);
    const pos = Number(cell.dataset.pos);
    const tokens = currentTokens();
    const who = row.dataset.query !== undefined ? `query ${row.dataset.query}` : (row.classList.contains('avg') ? 'average' : `layer ${Number(row.dataset.layer) + 1}, head ${Number(row.dataset.head) + 1}`);
    $.tip.textContent = cell.classList.contains('future')
      ? `${who} → position ${pos}: in the future (never seen), weight 0`
      : `${who} → position ${pos} “${showPiece(pieceOf(tokens[pos]))}”: ${cell.dataset.v}`;
    $.tip.hidden = false;
    const box = /** @type {HTMLElement} */ ($.tip.offsetParent || document.body).getBoundingClientRect();
    $.tip.style.setProperty('left', `${e.clientX - box.left + 12}px`);
    $.tip.style.setProperty('top', `${e.clientY - box.top + 12}px`);
  };
  $.heat.addEventListener('mousemove', show);
  $.causal.addEventListener('mousemove', show);
  $.heat.addEventListener('mouseleave', () => { $.tip.hidden = true; });
  $.causal.addEventListener('mouseleave', () => { $.tip.hidden = true; });
}

// For the E2E test and curious teachers: the page's state and runtime, read-only by convention.
/** @type {any} */ (window).classroom = { state, engine, get ready() { return state.ready; } };

void main();
