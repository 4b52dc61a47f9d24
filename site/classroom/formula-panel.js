// The formula panel: Attention(Q, K, V) = softmax(QKᵀ/√d_k) V, in one of two modes
// (state.formulaMode, switched by the two buttons in the panel's head, kept in the link as w=1):
//   head    for the chosen layer and head, computed here in double from the runtime's Q/K/V
//           probe, next to the runtime's own weights and head output
//   worked  the 2 × 5 example with Q = K = V (worked-example.js): QKᵀ, ÷ √d_k, the weights and
//           ·V as small matrices, the correct softmax(S) beside S·softmax(S), with the step
//           where the two part marked

import { el, byId, num4, vectorRow, tokenCell } from './views.js';
import { state, engine, tokenOf, currentTokens } from './page-state.js';
import { t } from './strings.js';
import { workedExample, STEPS, PARTING_STEP } from './worked-example.js';

/** @typedef {import('./engine.js').StepRecord} StepRecord */
/** @typedef {import('./worked-example.js').Matrix} Matrix */

const $ = {
  formula: byId('formula'),
  modeHead: byId('formula-head'),
  modeWorked: byId('formula-worked'),
};

/** The record last handed in, so that a mode switch can redraw without the model. */
/** @type {StepRecord | null} */
let shownRecord = null;

/** Draws the panel for a step's record, in the current mode. @param {StepRecord} rec */
export function renderFormula(rec) {
  shownRecord = rec;
  redrawFormula();
}

/** Draws the panel again from the last record (after a mode or language switch). */
export function redrawFormula() {
  const worked = state.formulaMode === 'worked';
  $.modeHead.setAttribute('aria-pressed', String(!worked));
  $.modeWorked.setAttribute('aria-pressed', String(worked));
  $.formula.dataset.mode = state.formulaMode;
  if (worked) renderWorked();
  else if (shownRecord) renderHead(shownRecord);
  else $.formula.replaceChildren();
}

/** The chosen head, from the runtime's probe. @param {StepRecord} rec */
function renderHead(rec) {
  $.formula.replaceChildren();
  const qkv = rec.qkv;
  if (!qkv) {
    $.formula.append(el('p', 'hint', t('noQkv')));
    return;
  }
  const info = /** @type {any} */ (engine.info);
  const d = qkv.headDim;
  const nPos = rec.nPos;
  const tokens = currentTokens();
  const scale = Math.sqrt(d);
  const dims = el('p', 'dims');
  dims.textContent = t('formulaDims', {
    layer: qkv.layer + 1, head: qkv.head + 1, nLayer: info.nLayer, nHead: info.nHead, d, nPos, scale: scale.toFixed(4),
  });
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
  for (const h of [t('colPos'), t('colToken'), 'q·kⱼ', '÷ √dₖ', 'exp(· − max)', 'softmax aⱼ', t('colRuntimeA')]) th.append(el('th', '', h));
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
    tr.append(el('td', '', String(j)), tokenCell(tokenOf(tokens[j]), tokens[j]), el('td', '', dots[j].toFixed(3)),
      el('td', '', (dots[j] / scale).toFixed(3)), el('td', '', ex[j].toFixed(4)), aCell, rCell);
    const bar = el('span', 'mini-bar');
    bar.style.setProperty('--len', String(a));
    aCell.append(bar);
    tbody.append(tr);
  }
  const foot = el('tr');
  foot.append(el('td'), el('td', '', 'Σ'), el('td'), el('td'), el('td', '', z.toFixed(4)), el('td', '', '1.0000'), el('td'));
  tbody.append(foot);
  table.append(thead, tbody);
  // On a phone the table is wider than the panel: it scrolls on its own (by keyboard too).
  const scroller = el('div', 'table-scroll');
  scroller.tabIndex = 0;
  scroller.setAttribute('role', 'region');
  scroller.setAttribute('aria-label', t('formulaTable'));
  scroller.append(table);
  $.formula.append(scroller);

  // Weighted sum of the values: o = Σ aⱼ vⱼ, checked against the runtime's output.
  const o = new Float64Array(d);
  for (let j = 0; j < nPos; j++) for (let c = 0; c < d; c++) o[c] += (ex[j] / z) * qkv.v[j * d + c];
  let maxErr = 0;
  for (let c = 0; c < d; c++) maxErr = Math.max(maxErr, Math.abs(o[c] - qkv.out[c]));
  const output = vectorRow('o = Σ aⱼ vⱼ', o);
  output.dataset.vector = 'output';
  $.formula.append(output);
  $.formula.append(vectorRow(t('runtimeO'), qkv.out));
  const check = el('p', 'check', t('formulaCheck', { err: maxErr.toExponential(2) }));
  check.dataset.maxErr = String(maxErr);
  $.formula.append(check);
}

// ------------------------------------------------------------------ the worked example

/** The correct computation and the flawed one, as drawn. */
const SIDES = /** @type {const} */ (['correct', 'flawed']);

/** What each matrix is, per step and side (notation only, the same in every language). */
const EXPRESSIONS = {
  scores: { correct: 'QKᵀ', flawed: 'QKᵀ' },
  scaled: { correct: 'S = QKᵀ / √dₖ', flawed: 'S = QKᵀ / √dₖ' },
  weights: { correct: 'A = softmax(S)', flawed: 'A′ = S · softmax(S)' },
  output: { correct: 'A · V', flawed: 'A′ · V' },
};

/**
 * A small matrix as a table, each entry formatted by `format`; with `sums`, a last column holds
 * each row's sum.
 * @param {Matrix} m
 * @param {(x: number) => string} format
 * @param {boolean} [sums]
 */
function matrixTable(m, format, sums = false) {
  const table = el('table', 'matrix');
  const body = el('tbody');
  for (const row of m) {
    const tr = el('tr');
    row.forEach((x, c) => {
      const cell = el('td', 'v', format(x));
      if (c === 0) cell.classList.add('start');
      if (c === row.length - 1) cell.classList.add('end');
      tr.append(cell);
    });
    if (sums) {
      const sum = row.reduce((a, b) => a + b, 0);
      const cell = el('td', 'row-sum', `Σ ${num4(sum)}`);
      cell.dataset.sum = num4(sum);
      tr.append(cell);
    }
    body.append(tr);
  }
  table.append(body);
  return table;
}

/**
 * One side's matrix with its caption: which side, and the expression.
 * @param {'correct'|'flawed'} side
 * @param {string} expression
 * @param {HTMLElement} table
 */
function sideFigure(side, expression, table) {
  const figure = el('figure', `wx-side ${side}`);
  figure.dataset.side = side;
  const caption = el('figcaption');
  caption.append(el('span', 'wx-kind', t(side === 'correct' ? 'workedCorrect' : 'workedFlawed')), ' ', el('span', 'wx-expr', expression));
  figure.append(caption, table);
  return figure;
}

/** The 2 × 5 example: both computations step by step, the parting step marked. */
function renderWorked() {
  const ex = workedExample();
  const n = ex.q.length;
  const root = el('div', 'worked');

  // The input and the two computations, as formulas.
  const input = el('div', 'wx-input');
  const dims = el('p', 'dims', `dₖ = ${ex.dk} · √dₖ = ${num4(ex.scale)} · S = QKᵀ / √dₖ`);
  // The example's entries are tenths: shown as given.
  const x = el('figure', 'wx-side input');
  const caption = el('figcaption');
  caption.append(el('span', 'wx-expr', `Q = K = V (${n} × ${ex.dk})`));
  const table = matrixTable(ex.q, (v) => v.toFixed(1));
  table.dataset.matrix = 'input';
  x.append(caption, table);
  input.append(x, dims);
  root.append(input);

  const formulas = el('div', 'wx-formulas');
  for (const side of SIDES) {
    const line = el('p', `wx-formula ${side}`);
    line.dataset.side = side;
    line.append(el('span', 'wx-kind', t(side === 'correct' ? 'workedCorrect' : 'workedFlawed')), ' ',
      el('span', 'wx-expr', side === 'correct' ? 'O = softmax(S) · V' : 'O′ = (S · softmax(S)) · V'));
    formulas.append(line);
  }
  root.append(formulas);

  for (const step of STEPS) {
    const section = el('section', 'wx-step');
    section.dataset.step = step;
    const heading = el('h3', 'wx-title', t(`workedStep.${step}`));
    if (step === PARTING_STEP) {
      section.classList.add('parts');
      const badge = el('span', 'parts-badge', t('workedParts'));
      badge.dataset.parts = 'here';
      heading.append(' ', badge);
    }
    section.append(heading);
    for (const side of SIDES) {
      const table = matrixTable(ex[side][step], num4, step === 'weights');
      table.dataset.matrix = step;
      section.append(sideFigure(side, EXPRESSIONS[step][side], table));
    }
    if (step === PARTING_STEP) {
      const sums = ex.flawed.weights.map((row) => num4(row.reduce((a, b) => a + b, 0))).join(t('listSep'));
      section.append(el('p', 'wx-note', t('workedNote', { sums })));
    }
    root.append(section);
  }
  $.formula.replaceChildren(root);
}
