// The formula panel's worked example: Attention(Q, K, V) = softmax(QKᵀ/√d_k)·V on two 5-wide
// rows with Q = K = V, every intermediate in double, and next to it the computation that uses
// the matrix product S·softmax(S) as the weights (S = QKᵀ/√d_k) where softmax(S) belongs.
//
//   step     correct                    flawed
//   scores   QKᵀ            (n × n)     QKᵀ            (the same)
//   scaled   S = QKᵀ / √d_k (n × n)     S              (the same)
//   weights  A = softmax(S) (n × n)     A' = S·softmax(S)   ← the two part here
//   output   A·V            (n × d_v)   A'·V
//
// Pure: no DOM, so the panel draws it and anything else can call it.

/** @typedef {number[][]} Matrix  rows of equal length */

/**
 * @typedef {object} WorkedSteps
 * @property {Matrix} scores   QKᵀ              (n_q × n_k)
 * @property {Matrix} scaled   QKᵀ / √d_k       (n_q × n_k)
 * @property {Matrix} weights  the weights used (n_q × n_k)
 * @property {Matrix} output   weights · V      (n_q × d_v)
 */

/**
 * @typedef {object} WorkedExample
 * @property {Matrix} q
 * @property {Matrix} k
 * @property {Matrix} v
 * @property {number} dk       the width of a query/key row
 * @property {number} scale    √d_k
 * @property {WorkedSteps} correct  softmax(S) as the weights
 * @property {WorkedSteps} flawed   S·softmax(S) as the weights
 */

/** The steps in display order; the first where correct and flawed differ is `PARTING_STEP`. */
export const STEPS = /** @type {const} */ (['scores', 'scaled', 'weights', 'output']);

/** Where the flawed computation leaves the correct one. */
export const PARTING_STEP = 'weights';

/** The example's Q = K = V: two rows of five. (2 × 5) */
export const EXAMPLE_X = Object.freeze([
  Object.freeze([0.1, 0.2, 0.3, 0.4, 0.5]),
  Object.freeze([0.6, 0.7, 0.8, 0.9, 1.0]),
]);

/**
 * a·b. (n × m) · (m × p) → (n × p)
 * @param {ArrayLike<ArrayLike<number>>} a
 * @param {ArrayLike<ArrayLike<number>>} b
 * @returns {Matrix}
 */
export function matmul(a, b) {
  const m = b.length;
  const p = m ? b[0].length : 0;
  return Array.from(a, (row) => {
    if (row.length !== m) throw new Error(`matmul: a row has ${row.length} columns, b has ${m} rows`);
    const out = new Array(p).fill(0);
    for (let j = 0; j < p; j++) for (let i = 0; i < m; i++) out[j] += row[i] * b[i][j];
    return out;
  });
}

/**
 * Aᵀ. (n × m) → (m × n)
 * @param {ArrayLike<ArrayLike<number>>} a
 * @returns {Matrix}
 */
export function transpose(a) {
  const m = a.length ? a[0].length : 0;
  return Array.from({ length: m }, (_, j) => Array.from(a, (row) => row[j]));
}

/**
 * Softmax of each row, the row's maximum subtracted first. (n × m) → (n × m), rows sum to 1
 * @param {ArrayLike<ArrayLike<number>>} a
 * @returns {Matrix}
 */
export function softmaxRows(a) {
  return Array.from(a, (row) => {
    const max = Math.max(...Array.from(row));
    const ex = Array.from(row, (x) => Math.exp(x - max));
    const z = ex.reduce((s, e) => s + e, 0);
    return ex.map((e) => e / z);
  });
}

/**
 * Both computations for one Q, K, V (defaults: the 2 × 5 example with Q = K = V).
 * @param {ArrayLike<ArrayLike<number>>} [q]  (n_q × d_k)
 * @param {ArrayLike<ArrayLike<number>>} [k]  (n_k × d_k)
 * @param {ArrayLike<ArrayLike<number>>} [v]  (n_k × d_v)
 * @returns {WorkedExample}
 */
export function workedExample(q = EXAMPLE_X, k = EXAMPLE_X, v = EXAMPLE_X) {
  const dk = q[0].length;
  const scale = Math.sqrt(dk);
  const scores = matmul(q, transpose(k));
  const scaled = scores.map((row) => row.map((x) => x / scale));
  const weights = softmaxRows(scaled);
  const flawedWeights = matmul(scaled, weights);
  const copy = (/** @type {ArrayLike<ArrayLike<number>>} */ m) => Array.from(m, (row) => Array.from(row));
  return {
    q: copy(q),
    k: copy(k),
    v: copy(v),
    dk,
    scale,
    correct: { scores, scaled, weights, output: matmul(weights, v) },
    flawed: { scores, scaled, weights: flawedWeights, output: matmul(flawedWeights, v) },
  };
}
