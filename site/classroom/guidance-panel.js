// Classifier-free guidance in the distribution panel (issue 14): when the playground writes with
// guidance (its 扣題 scale s ≠ 1 and a title), the model samples from the mix of two runs,
//   logits = uncond + s · (cond − uncond)
// cond after the prompt with the title, uncond after the same prompt with the title 无题. This
// table shows the three distributions at T = 1 side by side for the mix's most likely tokens; the
// bars above show the mix after the sampler chain, which is what the draw uses.

import { el, byId, pct, tokenChip, modelText } from './views.js';
import { UNTITLED } from '../app/prompt-format.js';
import { state, tokenOf, guideView } from './page-state.js';
import { t, tParts } from './strings.js';

/** @typedef {import('./engine.js').StepRecord} StepRecord */

const $ = {
  guide: byId('guidance-mix'),
};

/** @param {StepRecord} rec */
export function renderGuidance(rec) {
  const view = guideView(rec);
  $.guide.hidden = !view;
  $.guide.replaceChildren();
  if (!view) return;
  $.guide.dataset.scale = String(view.scale);
  const head = el('p', 'guidance-head');
  // The formula is notation, the same in every language.
  head.append(el('strong', '', t('guidanceTitle')), ' ', el('code', 'guidance-formula', 'logits = uncond + s · (cond − uncond)'), ' ',
    el('span', 'guidance-s', `s = ${view.scale}`));
  const note = el('p', 'hint');
  note.append(...tParts('guidanceNote', { title: modelText(`「${state.title}」`), untitled: modelText(`「${UNTITLED}」`) }));
  const table = el('table', 'guidance-table');
  const hr = el('tr');
  hr.append(el('th', '', t('guidanceColToken')), el('th', '', t('guidanceColCond')), el('th', '', t('guidanceColUncond')),
    el('th', '', t('guidanceColMix')));
  const thead = el('thead');
  thead.append(hr);
  const body = el('tbody');
  for (const id of view.ids) {
    const tr = el('tr');
    tr.dataset.token = String(id);
    tr.dataset.cond = view.cond[id].toFixed(6);
    tr.dataset.uncond = view.uncond[id].toFixed(6);
    tr.dataset.mix = view.mix[id].toFixed(6);
    const cell = el('td');
    cell.append(tokenChip(tokenOf(id), id, { withId: true }));
    // A bar per column, scaled to the column's own probability: where the title pushes.
    const up = view.mix[id] > view.cond[id];
    tr.append(cell, probCell(view.cond[id], 'cond'), probCell(view.uncond[id], 'uncond'), probCell(view.mix[id], up ? 'mix up' : 'mix'));
    body.append(tr);
  }
  table.append(thead, body);
  const wrap = el('div', 'guidance-wrap');
  wrap.append(table);
  $.guide.append(head, note, wrap);
}

/** @param {number} p @param {string} className */
function probCell(p, className) {
  const td = el('td', `guidance-p ${className}`);
  td.style.setProperty('--len', String(p));
  td.append(el('span', 'guidance-v', pct(p)));
  return td;
}
