// The embedding panel: the newest token's row of the embedding table (from the Q/K/V probe).

import { el, byId, vectorRow, tokenChip } from './views.js';
import { tokenOf, currentTokens } from './page-state.js';
import { t, tParts } from './strings.js';

/** @typedef {import('./engine.js').StepRecord} StepRecord */

const $ = {
  embedding: byId('embedding'),
};

/** @param {StepRecord} rec */
export function renderEmbedding(rec) {
  $.embedding.replaceChildren();
  const emb = rec.qkv && rec.qkv.embedding;
  const tokens = currentTokens();
  const newest = tokens[tokens.length - 1];
  if (!emb) {
    $.embedding.append(el('p', 'hint', t('noEmbedding')));
    return;
  }
  let norm = 0;
  for (const x of emb) norm += x * x;
  const p = el('p', 'dims');
  p.append(...tParts('embeddingDims', {
    id: newest, piece: tokenChip(tokenOf(newest), newest), n: emb.length, norm: Math.sqrt(norm).toFixed(3),
  }));
  $.embedding.append(p, vectorRow(t('embeddingLabel'), emb));
}
