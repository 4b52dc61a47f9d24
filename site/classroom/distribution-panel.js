// The distribution panel: the next token's probabilities over the whole vocabulary after the
// sampler chain (temperature, top-k, top-p, min-p), the stats, the draw on the cumulative bar,
// and the mass the form rules removed (with 不重字, the poem's characters too). With guidance
// (guidance-panel.js) the chain works on the mix the playground samples from.

import { entropy, softmax, drawToken } from './sampler.js';
import { el, byId, pct, showPiece, asModelText, tokenChip } from './views.js';
import { state, engine, pieceOf, tokenOf, ensurePieces, drawFor, constraintSpec, N_BARS } from './page-state.js';
import { t, tParts } from './strings.js';
import { renderGuidance } from './guidance-panel.js';

/** @typedef {import('./engine.js').StepRecord} StepRecord */
/** @typedef {import('./sampler.js').ChainResult} ChainResult */

const $ = {
  stats: byId('stats'),
  tOut: byId('t-out'),
  kOut: byId('k-out'),
  pOut: byId('p-out'),
  mOut: byId('m-out'),
  bars: byId('bars'),
  rest: byId('rest'),
  drawLabel: byId('draw-label'),
  cumbar: byId('cumbar'),
  mask: byId('mask'),
};

/**
 * @param {StepRecord} rec
 * @param {ChainResult} chain
 * @param {(token: number) => void} onPick  a bar's token was clicked: take it instead
 */
export function renderDistribution(rec, chain, onPick) {
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
  stat(t('statEntropy'), t('statEntropyValue', { bits: e.bits.toFixed(2) }), t('statEntropyNote', { bits: own.bits.toFixed(2) }));
  stat(t('statChoices'), e.perplexity.toFixed(1), t('statChoicesNote', { n: own.perplexity.toFixed(1) }));
  stat(t('statKept'), `${chain.nKept}`, t('statKeptNote', { n: engine.info ? engine.info.nVocab : chain.nCand }));

  $.tOut.textContent = s.temperature === 0 ? t('greedyT') : s.temperature.toFixed(2);
  $.kOut.textContent = s.topK > 0 ? String(s.topK) : t('off');
  $.pOut.textContent = s.topP < 1 ? s.topP.toFixed(2) : t('off');
  $.mOut.textContent = s.minP > 0 ? s.minP.toFixed(2) : t('off');

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
    const tok = tokenChip(tokenOf(id), id, { tag: 'button', className: 'bar-tok', withId: true });
    tok.setAttribute('type', 'button');
    tok.title = t('barTake', { piece: showPiece(pieceOf(id)), id });
    tok.addEventListener('click', () => onPick(id));
    const track = el('span', 'bar-track');
    const fill = el('span', 'bar-fill');
    fill.style.setProperty('--len', String(chain.fullT[r] / maxP));
    track.append(fill);
    const value = el('span', 'bar-p', fin > 0 ? pct(fin) : '0');
    value.title = t('barBefore', { p: pct(chain.fullT[r]), logit: rec.logits[id].toFixed(3) });
    const note = el('span', 'bar-cut', cut ? t('cutBy', { cut }) : t('beforeCuts', { p: pct(chain.fullT[r]) }));
    li.append(key, tok, track, value, note);
    $.bars.append(li);
  }
  const restFinal = Math.max(0, 1 - shownFinal);
  let sumAll = 0;
  for (let r = 0; r < chain.nKept; r++) sumAll += chain.final[r];
  $.rest.textContent = t('rest', {
    p: pct(restFinal), more: Math.max(0, chain.nKept - nShow), removed: chain.nCand - chain.nKept,
    rules: rec.banned ? t('restRules') : '', sum: sumAll.toFixed(6),
  });
  $.rest.dataset.rest = restFinal.toFixed(6);

  // The draw and the cumulative bar it lands in.
  $.cumbar.replaceChildren();
  if (u < 0) {
    $.drawLabel.textContent = t('drawGreedy');
  } else {
    $.drawLabel.replaceChildren(...tParts('drawU', { n: i + 1, seed: state.seed, u: u.toFixed(6), piece: tokenChip(tokenOf(drawn), drawn) }));
  }
  let cum = 0;
  const nSeg = Math.min(chain.nKept, 40);
  for (let r = 0; r < nSeg; r++) {
    const seg = asModelText(el('span', 'seg-cell'));
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
    seg.title = t('moreTokens', { n: chain.nKept - nSeg });
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
    const strong = el('strong', '', t('maskRemoved'));
    strong.append(el('span', 'mask-pct', pct(rec.maskedMass)));
    head.append(strong, document.createTextNode(t('maskOf', { rule: rec.rule ? t('maskRule', { rule: t(`rule.${rec.rule}`) }) : '' })));
    $.mask.append(head);
    if (rec.maskedMass > 0.5) $.mask.append(el('p', 'mask-warn', t('maskWarn')));
    // 不重字, when the rules apply it (not to a 詞): say why a character of the poem has probability 0.
    const noRepeat = Boolean(constraintSpec()?.no_repeat);
    $.mask.dataset.noRepeat = String(noRepeat);
    if (noRepeat) $.mask.append(el('p', 'mask-note', t('maskNoRepeat')));
    const list = el('p', 'mask-list');
    list.append(document.createTextNode(t('maskList')));
    for (const w of worst.slice(0, 8)) {
      list.append(tokenChip(tokenOf(w.id), w.id, { className: 'mask-tok' }), document.createTextNode(` ${pct(w.p)}  `));
    }
    $.mask.append(list);
    void ensurePieces(worst.slice(0, 8).map((w) => w.id)).then(() => {
      const spans = list.querySelectorAll('.mask-tok');
      worst.slice(0, 8).forEach((w, k) => spans[k].replaceWith(tokenChip(tokenOf(w.id), w.id, { className: 'mask-tok' })));
    });
  } else {
    $.mask.hidden = true;
  }
  renderGuidance(rec);
}
