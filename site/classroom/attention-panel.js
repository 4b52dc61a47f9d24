// The attention panel: the newest token's attention in every layer and head (and their average),
// the causal matrix of the chosen head over the steps recorded so far, and hover tips with the
// exact values.

import { el, byId, num4, inkAlpha, tokenChip } from './views.js';
import { state, engine, tokenOf, currentTokens } from './page-state.js';
import { t, tParts } from './strings.js';

/** @typedef {import('./engine.js').StepRecord} StepRecord */

const $ = {
  heat: /** @type {HTMLTableElement} */ (byId('heat')),
  causal: /** @type {HTMLTableElement} */ (byId('causal')),
  causalLabel: byId('causal-label'),
  tip: byId('tip'),
};

/**
 * A heatmap column header: one position, one token, whatever it spells (tags like <七绝> and
 * control tokens in small type). @param {number} id
 */
function colHeader(id) {
  const tok = tokenOf(id);
  const th = tokenChip(tok, id, { tag: 'th', className: 'col' });
  if (tok.kind !== 'text' || /^<[^<>]+>$/.test(tok.text)) th.classList.add('special');
  th.title = t('tokenN', { id });
  return th;
}

/**
 * @param {StepRecord} rec
 * @param {(layer: number, head: number) => void} onSelect  a row was clicked (-1, -1: the average)
 */
export function renderAttention(rec, onSelect) {
  const info = /** @type {any} */ (engine.info);
  const { nLayer, nHead } = info;
  const tokens = currentTokens();
  const nPos = rec.nPos;
  $.heat.replaceChildren();
  const headRow = el('tr');
  headRow.append(el('th', 'corner', t('heatCorner')));
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
    tr.addEventListener('click', () => onSelect(l, h));
    tbody.append(tr);
  };
  for (let l = 0; l < nLayer; l++) {
    for (let h = 0; h < nHead; h++) {
      const base = (l * nHead + h) * nPos;
      addRow(t('rowLayerHead', { layer: l + 1, head: h + 1 }), rec.attention.subarray(base, base + nPos), l, h);
    }
  }
  const avg = new Float64Array(nPos);
  for (let k = 0; k < nLayer * nHead; k++) for (let j = 0; j < nPos; j++) avg[j] += rec.attention[k * nPos + j] / (nLayer * nHead);
  addRow(t('average'), avg, -1, -1);
  $.heat.append(thead, tbody);

  // Causal matrix of the chosen head: one row per step recorded so far.
  $.causalLabel.textContent = t('layerHead', { layer: state.layer + 1, head: state.head + 1 });
  $.causal.replaceChildren();
  const cHead = el('tr');
  cHead.append(el('th', 'corner', t('causalCorner')));
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
    const th = el('th', 'row');
    th.append(`${q}: `, tokenChip(tokenOf(tokens[q]), tokens[q]));
    tr.append(th);
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

/** Hover tips with exact values for heatmap cells. */
export function attachTips() {
  const show = (/** @type {MouseEvent} */ e) => {
    const cell = /** @type {HTMLElement} */ (e.target);
    if (!(cell instanceof HTMLElement) || !cell.classList.contains('cell')) {
      $.tip.hidden = true;
      return;
    }
    const row = /** @type {HTMLElement} */ (cell.parentElement);
    const pos = Number(cell.dataset.pos);
    const tokens = currentTokens();
    const who = row.dataset.query !== undefined
      ? t('tipQuery', { q: row.dataset.query })
      : (row.classList.contains('avg') ? t('average') : t('layerHead', { layer: Number(row.dataset.layer) + 1, head: Number(row.dataset.head) + 1 }));
    if (cell.classList.contains('future')) $.tip.textContent = t('tipFuture', { who, pos });
    else $.tip.replaceChildren(...tParts('tipValue', { who, pos, piece: tokenChip(tokenOf(tokens[pos]), tokens[pos]), v: cell.dataset.v || '' }));
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
