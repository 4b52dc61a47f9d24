// Shared by tests/js/kquant.test.mjs and tests/js/kquant-llama-cpp.test.mjs: the K-quant fixture
// models (tools/fixtures/make_fixtures.py: n_embd 256; and n_embd 96, stored as llama.cpp's
// Q4_K_M / Q5_K_M store rows that are not a multiple of 256, with Q5_0 / Q5_1 / Q8_0, and as Q4_1)
// and their golden files.
//   golden-kquant/            exact float64 logits (tools/reference/llama_ref.py)
//   golden-kquant-wasmsimd/   logits with activations quantized as our wasmsimd kernels do
//   golden-kquant-llama-cpp/  logits with activations quantized as llama.cpp does (Q8_K, Q8_0 or
//                             Q8_1 blocks, by weight type)
// The last two carry a `tie_margins` line per sequence (see bindings.test.mjs for what it means).
import fs from 'node:fs';
import path from 'node:path';

import { FIXTURES, ROOT } from './paths.mjs';
import { readGolden } from './golden.mjs';

export const KQUANT_STEMS = ['tiny-kquant-q4_k_m', 'tiny-kquant-q5_k', 'tiny-kquant-q6_k',
  'tiny-kquant-q4_k_m-w96', 'tiny-kquant-q5_k_m-w96', 'tiny-kquant-q4_1-w96'];

/**
 * @param {string} stem one of KQUANT_STEMS
 * @param {'golden-kquant'|'golden-kquant-wasmsimd'|'golden-kquant-llama-cpp'} dir
 */
export function readKquantGolden(stem, dir) {
  const file = path.join(FIXTURES, dir, `${stem}.txt`);
  const golden = readGolden(file);
  const margins = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('tie_margins '))
    .map((l) => l.trim().split(/\s+/).slice(1).map(Number));
  return { ...golden, margins, bytes: new Uint8Array(fs.readFileSync(path.join(ROOT, golden.model))) };
}

/** max_i |a_i - b_i| / max(1, max_i |b_i|), b the reference. */
export function relErr(a, b) {
  let err = 0;
  let mag = 1;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    mag = Math.max(mag, Math.abs(b[i]));
  }
  return err / mag;
}

/** @param {ArrayLike<number>} v */
export function argmaxOf(v) {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/**
 * Our logits at every position of `tokens` (a wasm session): forcing token i reports the logits
 * it was forced from, those of position i - 1; one more forced token reads the last ones.
 * @returns {Float32Array[]}
 */
export function sessionLogits(session, tokens) {
  const options = { temperature: 0, maxTokens: 0, stopAtEos: false, repeatPenalty: 1, probes: { distribution: true } };
  const begun = session.begin([tokens[0]], options);
  if (!begun.ok) throw new Error(begun.message);
  const out = [];
  for (const t of [...tokens.slice(1), tokens[0]]) {
    const step = session.forceToken(t);
    if (!step.ok) throw new Error(step.message);
    out.push(Float32Array.from(step.logits));
  }
  return out;
}
