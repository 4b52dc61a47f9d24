// The temperature lanes: normal runs of the runtime with the same seed at three temperatures;
// step i draws the same random number u in every lane, so they differ only by temperature.

import { el, byId, pct, inkAlpha, modelText, tokenChip, showPiece } from './views.js';
import { state, engine, tokenOf, spellOf, ensurePieces, constraintSpec, guidanceSpec } from './page-state.js';
import { t } from './strings.js';

const $ = {
  lanes: byId('lanes'),
  laneN: /** @type {HTMLInputElement} */ (byId('lane-n')),
  laneT: [0, 1, 2].map((i) => /** @type {HTMLInputElement} */ (byId(`lane-t${i}`))),
};

export async function runLanes() {
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
      guidance: guidanceSpec(),
    }));
  }
  await ensurePieces(runs.flatMap((r) => r.tokens));
  $.lanes.replaceChildren();
  const table = el('table', 'lane-grid');
  const uRow = el('tr', 'u-row');
  uRow.append(el('th', '', t('laneU', { seed: state.seed })));
  const longest = Math.max(...runs.map((r) => r.tokens.length));
  for (let i = 0; i < longest; i++) uRow.append(el('td', 'u', state.draws[i].toFixed(3)));
  table.append(uRow);
  runs.forEach((r, k) => {
    const tr = el('tr', 'lane');
    tr.dataset.temperature = String(temps[k]);
    tr.dataset.tokens = r.tokens.join(',');
    tr.append(el('th', '', `T = ${temps[k]}`));
    r.tokens.forEach((id, i) => {
      const td = tokenChip(tokenOf(id), id, { tag: 'td', className: 'lane-tok' });
      td.title = t('laneTip', { id, p: pct(r.probs[i]), u: r.draws[i] < 0 ? t('laneGreedy') : r.draws[i].toFixed(6) });
      td.style.setProperty('--w', inkAlpha(r.probs[i]).toFixed(3));
      tr.append(td);
    });
    table.append(tr);
  });
  $.lanes.append(table);
  const texts = el('div', 'lane-texts');
  runs.forEach((r, k) => {
    const p = el('p', 'lane-text');
    p.append(el('span', 'lane-t', `T = ${temps[k]}`), modelText(showPiece(spellOf(r.tokens))));
    texts.append(p);
  });
  $.lanes.append(texts);
  $.lanes.append(el('p', 'hint', t('lanesHint')));
}
