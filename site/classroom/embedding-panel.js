// The embedding panel: the newest token's row of the embedding table (from the Q/K/V probe).

import { el, byId, showPiece, vectorRow } from './views.js';
import { pieceOf, currentTokens } from './page-state.js';

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
