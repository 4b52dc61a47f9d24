// The runtime's sampler chain, re-done in JavaScript so the classroom can re-render temperature,
// top-k, top-p and min-p instantly from one step's raw logits, without running the model again.
// It mirrors core/src/sampler.cpp step by step, in float32 (Math.fround after every operation,
// sums in the same order), so the probabilities and the chosen token are the runtime's; the E2E
// test (tests/e2e/classroom.test.mjs) checks this against the runtime's own distribution probe
// and against normal runs.
//
// The chain (sampler.h): bias/penalty (not used here: the classroom runs with none) → constraint
// mask → sort (logit descending, ties by lower id) → top-k → softmax(logit / T) (T = 0: greedy,
// reported at T = 1) → top-p → min-p → renormalise → draw u in [0, 1) from pcg32 and take the
// first candidate whose running float sum exceeds u.

const f = Math.fround;

/**
 * @typedef {object} SamplerSettings
 * @property {number} temperature  0 = greedy
 * @property {number} topK         <= 0: off
 * @property {number} topP         >= 1: off
 * @property {number} minP         <= 0: off
 */

/**
 * What the chain did to one step's logits.
 * @typedef {object} ChainResult
 * @property {Int32Array} order      candidate token ids, best first (every finite, allowed logit)
 * @property {number} nCand          candidates before any cut (= order.length)
 * @property {number} nAfterTopK     kept by top-k
 * @property {number} nAfterTopP     kept by top-k and top-p
 * @property {number} nKept          kept by the whole chain (after min-p)
 * @property {Float32Array} tempered softmax(logit / T) over the top-k survivors (before top-p)
 * @property {Float32Array} final    renormalised probabilities of order[0 .. nKept)
 * @property {Float64Array} fullT    softmax(logit / T) over all candidates (no cuts), for display
 */

/**
 * Runs steps 3-9 of the chain.
 * @param {Float32Array} logits           raw logits (n_vocab)
 * @param {SamplerSettings} settings
 * @param {Uint8Array | null} [banned]    1 = removed by the constraint (step 3)
 * @returns {ChainResult}
 */
export function runChain(logits, settings, banned = null) {
  const n = logits.length;
  // 3-4. Candidates: finite, allowed logits. (NaN counts as banned, as in the runtime.)
  /** @type {number[]} */
  const ids = [];
  for (let i = 0; i < n; i++) {
    const l = logits[i];
    if (l === -Infinity || Number.isNaN(l)) continue;
    if (banned && banned[i]) continue;
    ids.push(i);
  }
  if (ids.length === 0) for (let i = 0; i < n; i++) ids.push(i);
  const logitOf = (/** @type {number} */ i) => (Number.isNaN(logits[i]) ? 0 : logits[i]);
  ids.sort((a, b) => logitOf(b) - logitOf(a) || a - b);
  const order = Int32Array.from(ids);
  const nCand = order.length;

  // 5. Top-k.
  let nKeep = nCand;
  if (settings.topK > 0 && settings.topK < nCand) nKeep = settings.topK;
  const nAfterTopK = nKeep;

  // 6. Temperature + softmax over the kept candidates (greedy reports at T = 1).
  const t = settings.temperature > 0 ? f(settings.temperature) : 1;
  const maxLogit = logitOf(order[0]);
  const tempered = new Float32Array(nKeep);
  let sum = 0;
  for (let i = 0; i < nKeep; i++) {
    tempered[i] = f(Math.exp(f(f(logitOf(order[i]) - maxLogit) / t)));
    sum = f(sum + tempered[i]);
  }
  for (let i = 0; i < nKeep; i++) tempered[i] = f(tempered[i] / sum);

  // 7. Top-p: the shortest prefix whose mass reaches p.
  if (settings.topP < 1) {
    const p = f(settings.topP);
    let cum = 0;
    for (let i = 0; i < nKeep; i++) {
      cum = f(cum + tempered[i]);
      if (cum >= p) {
        nKeep = i + 1;
        break;
      }
    }
  }
  const nAfterTopP = nKeep;

  // 8. Min-p, relative to the most likely candidate.
  if (settings.minP > 0) {
    const threshold = f(f(settings.minP) * tempered[0]);
    let keep = 1;
    while (keep < nKeep && tempered[keep] >= threshold) keep++;
    nKeep = keep;
  }

  // 9. Renormalise.
  const final = tempered.slice(0, nKeep);
  sum = 0;
  for (let i = 0; i < nKeep; i++) sum = f(sum + final[i]);
  for (let i = 0; i < nKeep; i++) final[i] = f(final[i] / sum);

  // For display: the tempered distribution over every candidate (nothing cut), in double.
  const fullT = new Float64Array(nCand);
  let z = 0;
  for (let i = 0; i < nCand; i++) {
    fullT[i] = Math.exp((logitOf(order[i]) - maxLogit) / t);
    z += fullT[i];
  }
  for (let i = 0; i < nCand; i++) fullT[i] /= z;

  return { order, nCand, nAfterTopK, nAfterTopP, nKept: nKeep, tempered, final, fullT };
}

/**
 * Step 10: the token the runtime takes for draw u (greedy when temperature is 0).
 * @param {ChainResult} chain
 * @param {number} u            uniform in [0, 1), or -1 for greedy
 * @returns {{index: number, token: number}}
 */
export function drawToken(chain, u) {
  if (u < 0) return { index: 0, token: chain.order[0] };
  let chosen = chain.nKept - 1;
  let cum = 0;
  for (let i = 0; i < chain.nKept; i++) {
    cum = f(cum + chain.final[i]);
    if (u < cum) {
      chosen = i;
      break;
    }
  }
  return { index: chosen, token: chain.order[chosen] };
}

/**
 * Entropy in bits and perplexity (2^H, the "effective number of choices") of a distribution.
 * @param {ArrayLike<number>} probs
 * @returns {{bits: number, perplexity: number}}
 */
export function entropy(probs) {
  let h = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (p > 0) h -= p * Math.log2(p);
  }
  return { bits: h, perplexity: 2 ** h };
}

/**
 * Softmax of raw logits at temperature 1 in double (the model's own distribution).
 * @param {Float32Array} logits
 * @returns {Float64Array}
 */
export function softmax(logits) {
  let max = -Infinity;
  for (const l of logits) if (l > max) max = l;
  const out = new Float64Array(logits.length);
  let z = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = logits[i] === -Infinity ? 0 : Math.exp(logits[i] - max);
    z += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= z;
  return out;
}

// ------------------------------------------------------------------------------------ pcg32

const MASK64 = (1n << 64n) - 1n;
const MULT = 6364136223846793005n;
const INC = 1442695040888963407n;

/** PCG32 exactly as core/src/sampler.cpp (pcg32_srandom_r, fixed odd increment). */
export class Pcg32 {
  /** @param {number | bigint} seed */
  constructor(seed) {
    this.state = 0n;
    this.nextU32();
    this.state = (this.state + BigInt.asUintN(64, BigInt(seed))) & MASK64;
    this.nextU32();
  }

  nextU32() {
    const old = this.state;
    this.state = (old * MULT + INC) & MASK64;
    const xorshifted = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    return ((xorshifted >>> rot) | (xorshifted << ((32 - rot) & 31))) >>> 0;
  }

  /** Uniform in [0, 1): top 24 bits × 2^-24, exact in float32. */
  nextUniform() {
    return (this.nextU32() >>> 8) / 16777216;
  }
}

/**
 * The first n uniforms of a seed's stream: draw i is the one the runtime uses at sampled step i.
 * @param {number} seed
 * @param {number} n
 * @returns {number[]}
 */
export function uniforms(seed, n) {
  const rng = new Pcg32(seed);
  const out = [];
  for (let i = 0; i < n; i++) out.push(rng.nextUniform());
  return out;
}
