// Public entry of the painter: import from here.
export { paintPoem, paintingKey, InkPainting } from './ink-painter.js';
export { BackgroundPainting } from './background-painting.js';
export { findMotifs, MOTIF_KEYWORDS, MOTIF_IDS } from './motifs.js';
export { Rng, hashString } from './prng.js';
