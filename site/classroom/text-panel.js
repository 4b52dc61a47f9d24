// The text panel: the prompt and the tokens taken so far, shaded by the newest token's attention
// (or shown as token ids), the token list, and the branches a back-up left.

import { el, byId, num4, showPiece, inkAlpha, modelText, tokenChip, tokenCell } from './views.js';
import { state, engine, tokenOf, spellOf, currentTokens } from './page-state.js';
import { t, tParts } from './strings.js';

/** @typedef {import('./engine.js').StepRecord} StepRecord */

const $ = {
  poem: byId('poem'),
  poemHint: byId('poem-hint'),
  branches: byId('branches'),
  tokenTable: /** @type {HTMLTableElement} */ (byId('token-table')),
};

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

export function renderText(/** @type {StepRecord} */ rec) {
  const tokens = currentTokens();
  const nPrompt = state.promptTokens.length;
  const weights = overlayWeights(rec);
  $.poem.replaceChildren();
  $.poem.dataset.view = state.view;
  tokens.forEach((id, j) => {
    // One position, one token: a token that spells several characters is one chip.
    const tok = tokenOf(id);
    const piece = tok.text;
    const span = tokenChip(tok, id, { className: 'tok' });
    span.dataset.pos = String(j);
    span.dataset.id = String(id);
    if (j < nPrompt) span.classList.add('prompt');
    else span.classList.add(state.chosen[j - nPrompt].how);
    if (j === tokens.length - 1) span.classList.add('newest');
    if (tok.kind === 'control' || (tok.kind === 'text' && /^<[^<>]+>$/.test(piece))) span.classList.add('special');
    const w = weights[j] ?? 0;
    span.dataset.w = num4(w);
    if (state.view === 'attention') {
      span.style.setProperty('--w', inkAlpha(w).toFixed(3));
      span.title = t('tokAttention', { piece: showPiece(piece), pos: j, w: num4(w) });
    } else {
      span.title = t('tokId', { id, pos: j });
      span.append(el('sub', 'tok-id', String(id)));
    }
    $.poem.append(span);
    if (piece.endsWith('\n') && state.view === 'attention') $.poem.append(el('br'));
  });
  const next = el('span', 'tok next-slot', '？');
  next.title = t('nextSlot');
  $.poem.append(next);
  const which = state.overlayAverage
    ? t('overlayAverage')
    : t('layerHead', { layer: state.layer + 1, head: state.head + 1 });
  $.poemHint.textContent = state.view === 'attention'
    ? t('hintAttention', { which })
    : t('hintTokens', { n: tokens.length, prompt: nPrompt });

  const body = /** @type {HTMLTableSectionElement} */ ($.tokenTable.tBodies[0]);
  body.replaceChildren();
  tokens.forEach((id, j) => {
    const row = el('tr');
    row.append(el('td', '', String(j)), tokenCell(tokenOf(id), id), el('td', '', String(id)),
      el('td', '', t(`how.${j < nPrompt ? 'prompt' : state.chosen[j - nPrompt].how}`)));
    body.append(row);
  });
}

/** The branches a back-up left; a click restores one. @param {(k: number) => void} onRestore */
export function renderBranches(onRestore) {
  $.branches.replaceChildren();
  const info = [];
  if (state.future.length > 0) {
    info.push(el('span', 'hint', t('backedUp', { n: state.future.length })));
  }
  state.branches.forEach((b, k) => {
    const btn = el('button', 'btn ghost small');
    btn.append(...tParts('branchAt', { at: b.at, text: modelText(showPiece(spellOf(b.tokens.map((c) => c.token)))) }));
    btn.setAttribute('type', 'button');
    btn.addEventListener('click', () => onRestore(k));
    info.push(btn);
  });
  $.branches.append(...info);
}
