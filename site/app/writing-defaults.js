// How the playground writes a poem when the visitor changes nothing: the one place these
// numbers live. settings.js takes the ones the visitor can change as its defaults, engine.js
// passes the fixed ones with every poem, and the tools that write "as the site does"
// (tools/bench/writing.mjs, tools/train/blind/write-pairs.mjs, write-mixed.mjs) import both, so
// a bench or a blind reading always measures what a visitor gets.

/**
 * The sampling settings a visitor can change (the Sampling panel), as they start.
 * guidance: classifier-free guidance toward the title (1 = off); 2.5 with noRepeat (no character
 * used twice in a 詩) is the way blind readers preferred in 33 of 40 pairs
 * (tools/train/blind/README.md).
 */
export const SAMPLING_DEFAULTS = Object.freeze({
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  guidance: 2.5,
  noRepeat: true,
});

/** Sampling settings the playground does not show; fixed so that replays stay identical. */
export const FIXED_SAMPLING = Object.freeze({ minP: 0.05, repeatPenalty: 1.0, repeatLastN: 64 });

/**
 * The sampler options (web/protocol.js SamplingOptions, less seed, guidance and constraint) of a
 * poem written with the defaults.
 */
export const DEFAULT_SAMPLER = Object.freeze({
  temperature: SAMPLING_DEFAULTS.temperature,
  topK: SAMPLING_DEFAULTS.topK,
  topP: SAMPLING_DEFAULTS.topP,
  ...FIXED_SAMPLING,
});
