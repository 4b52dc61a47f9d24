// The formula panel: Attention(Q, K, V) = softmax(QKᵀ/√d_k) V for the chosen layer and head,
// computed here in double from the runtime's Q/K/V probe, next to the runtime's own weights and
// head output.

import { el, byId, num4, showPiece, vectorRow } from './views.js';
import { engine, pieceOf, currentTokens } from './page-state.js';
import { t } from './strings.js';

/** @typedef {import('./engine.js').StepRecord} StepRecord */

const $ = {
  formula: byId('formula'),
};

/** @param {StepRecord} rec */
export function renderFormula(rec) {
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
    tr.append(el('td', '', String(j)), el('td', 'cjk', showPiece(pieceOf(tokens[j]))), el('td', '', dots[j].toFixed(3)),
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
  $.formula.append(table);

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
