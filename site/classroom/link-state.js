// The classroom state in the URL fragment, so a teacher can hand students a link that opens the
// same prompt, seed, step, layer/head and sampler settings:
//   #c=1&f=<form tag>&t=<title>&s=<seed>&T=<temperature>&k=<top-k>&p=<top-p>&m=<min-p>
//    &l=<layer>&h=<head>&r=<rules 0|1>&x=<chosen token ids, base 36, dot-separated>&n=<step>
//    &w=1 (the formula panel shows the worked example; absent: the chosen head)
//    &g=<guidance scale, 0..16; 1 = off>&q=<不重字 0|1>&v=<又一體 of a 詞's 詞牌; absent: the main form>
// `f` is the form tag, <词> for a 詞 (its title `t` the 詞牌); a model without the <词> token
// opens such a link as free verse (<其他>) and says so (classroom.js).
// `x` lists the tokens taken after the prompt (sampled or picked), so branches survive; `n` is
// the step shown (n <= x.length: later tokens are kept as the "future" of a backed-up step). A
// link with `n` but no `x` is replayed by sampling with the seed and settings.
// `g` and `q` are the way of writing the link was made with (the playground's guidance toward the
// title and 不重字, site/app/settings.js guidance and noRepeat): the page uses them for that
// session instead of the reader's saved settings, which it leaves as they are. A link without
// them (made before they were recorded) uses the reader's settings, as it always did.

export const LINK_VERSION = '1';

/**
 * @typedef {object} LinkState
 * @property {string} formTag
 * @property {string} title
 * @property {number} seed
 * @property {number} temperature
 * @property {number} topK
 * @property {number} topP
 * @property {number} minP
 * @property {number} layer
 * @property {number} head
 * @property {boolean} rules
 * @property {number[] | null} tokens
 * @property {number} step
 * @property {'head'|'worked'} [formula]  what the formula panel computes (absent: 'head')
 * @property {number} [guidance]  the guidance scale (absent: the reader's setting)
 * @property {boolean} [noRepeat] 不重字 (absent: the reader's setting)
 * @property {number} [variant]  a 詞's 又一體 (the row of cipai.tsv; absent or 0: the main form)
 */

/**
 * @param {LinkState} s
 * @returns {string} the fragment, starting with '#'
 */
export function encodeState(s) {
  const p = new URLSearchParams();
  p.set('c', LINK_VERSION);
  p.set('f', s.formTag);
  p.set('t', s.title);
  p.set('s', String(s.seed));
  p.set('T', String(s.temperature));
  p.set('k', String(s.topK));
  p.set('p', String(s.topP));
  p.set('m', String(s.minP));
  p.set('l', String(s.layer));
  p.set('h', String(s.head));
  p.set('r', s.rules ? '1' : '0');
  if (s.tokens && s.tokens.length) p.set('x', s.tokens.map((t) => t.toString(36)).join('.'));
  p.set('n', String(s.step));
  if (s.formula === 'worked') p.set('w', '1');
  if (s.guidance !== undefined) p.set('g', String(s.guidance));
  if (s.noRepeat !== undefined) p.set('q', s.noRepeat ? '1' : '0');
  if (s.variant) p.set('v', String(s.variant));
  return `#${p.toString()}`;
}

/**
 * Reads a fragment; fields that are missing or malformed are left out (the page keeps its
 * defaults for them). Returns null when the fragment is not a classroom state.
 * @param {string} hash
 * @returns {Partial<LinkState> | null}
 */
export function decodeState(hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  if (p.get('c') !== LINK_VERSION) return null;
  /** @type {Partial<LinkState>} */
  const out = {};
  const num = (/** @type {string} */ key, /** @type {number} */ lo, /** @type {number} */ hi) => {
    const raw = p.get(key);
    if (raw === null || raw === '') return undefined;
    const v = Number(raw);
    return Number.isFinite(v) && v >= lo && v <= hi ? v : undefined;
  };
  const tag = p.get('f');
  if (tag !== null && /^<[^<>]{1,8}>$/.test(tag)) out.formTag = tag;
  const title = p.get('t');
  if (title !== null) out.title = title.slice(0, 24);
  const fields = /** @type {const} */ ([
    ['seed', 's', 0, Number.MAX_SAFE_INTEGER],
    ['temperature', 'T', 0, 2],
    ['topK', 'k', 0, 100000],
    ['topP', 'p', 0, 1],
    ['minP', 'm', 0, 1],
    ['layer', 'l', 0, 1024],
    ['head', 'h', 0, 1024],
    ['step', 'n', 0, 100000],
    ['guidance', 'g', 0, 16],
    ['variant', 'v', 0, 99],
  ]);
  for (const [name, key, lo, hi] of fields) {
    const v = num(key, lo, hi);
    if (v !== undefined) out[name] = name === 'seed' || name === 'topK' || name === 'layer' || name === 'head' || name === 'step' || name === 'variant' ? Math.trunc(v) : v;
  }
  if (p.has('r')) out.rules = p.get('r') === '1';
  if (p.has('w')) out.formula = p.get('w') === '1' ? 'worked' : 'head';
  const q = p.get('q');
  if (q === '0' || q === '1') out.noRepeat = q === '1';
  const x = p.get('x');
  if (x) {
    const ids = x.split('.').map((s) => parseInt(s, 36));
    if (ids.every((v) => Number.isInteger(v) && v >= 0)) out.tokens = ids;
  }
  return out;
}
