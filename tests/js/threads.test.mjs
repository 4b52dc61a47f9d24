// The threaded build (inkstone-mt: SIMD + pthreads, run by Node's worker_threads) gives the same
// tokens and logits with 1 and 2 threads as the single-threaded build: matrix rows are split
// between threads but each row's reduction order never depends on the thread count.
//
// The split is real: minSplitMacs 0 splits every product (the default, 2^18 multiply-adds, would
// keep every product of the fixture models on one thread), and the 20-token prompt is long
// enough for prefill attention to split its queries (the pool splits 16 items or more). The
// session's per-thread work counters (stats()) show that the second thread did its share.
import test from 'node:test';
import assert from 'node:assert/strict';

import fs from 'node:fs';
import { POETRY_MODEL, ROOT, fixtureModel, hasBuild } from './support/paths.mjs';
import { missingFiles, requireOrSkip } from './support/require.mjs';
import { loadWasm, createSession, generateAll, shutdownWasm } from './support/wasm.mjs';

const skip = hasBuild('inkstone') && hasBuild('inkstone-mt') ? false : 'wasm builds missing';

const MODELS = ['tiny-llama-f32.gguf', 'tiny-llama-q8_0.gguf', 'tiny-llama-q4_0.gguf', 'tiny-gqa-untied-q8_0.gguf'];
// 20 tokens (BOS, then ids that every model's vocabulary has); 20 + N_GENERATE fits the
// smallest context (tiny-gqa-untied: 48).
const PROMPT = [1, ...Array.from({ length: 19 }, (_, i) => 259 + ((i * 7) % 34))];
const N_GENERATE = 24;
const OPTIONS = {
  seed: 4242, temperature: 1.0, topK: 0, topP: 1, minP: 0, maxTokens: N_GENERATE, stopAtEos: false,
  probes: { distribution: true },
};
const SESSION = { minSplitMacs: 0 };

const bytesOf = (name) => (name === 'poetry' ? new Uint8Array(fs.readFileSync(POETRY_MODEL)) : fixtureModel(name));
// The shipped model too: absent, it skips on a developer's machine and fails under CI (require.mjs).
if (!requireOrSkip(missingFiles(ROOT, POETRY_MODEL))) MODELS.push('poetry');

/**
 * Work items thread 1 of 2 runs in the prefill of an n-token prompt, from the pool's contract
 * (thread i of T gets items [i * n / T, (i + 1) * n / T)): per layer the rows of Wq, Wk, Wv, Wo,
 * Wgate, Wup, Wdown and the n attention queries; then the rows of the output matrix (last
 * position only).
 */
function secondThreadPrefillItems(info, n) {
  const half = (rows) => rows - Math.floor(rows / 2);
  const qDim = info.nHead * info.headDim;
  const kvDim = info.nHeadKv * info.headDim;
  const perLayer = half(qDim) + 2 * half(kvDim) + half(info.nEmbd) + 2 * half(info.nFf) + half(info.nEmbd) + half(n);
  return info.nLayer * perLayer + half(info.nVocab);
}

function run(M, name, nThreads) {
  const r = createSession(M, bytesOf(name), { ...SESSION, nThreads });
  assert.equal(r.ok, true, r.message);
  const s = r.session;
  assert.equal(s.info().nThreads, nThreads);
  const out = generateAll(s, PROMPT, OPTIONS);
  const items = s.stats().workItemsByThread;
  assert.equal(items.length, nThreads, `${name}: one counter per thread`);
  assert.ok(items.every((n) => n > 0), `${name}, ${nThreads} threads: every thread did work: ${items}`);
  s.delete();
  return { tokens: out.tokens, logits: out.steps.map((st) => Array.from(st.logits)), items };
}

test('inkstone-mt: 1 and 2 threads give bit-identical logits and tokens to inkstone', { skip, timeout: 300000 }, async () => {
  const st = await loadWasm('inkstone');
  const mt = await loadWasm('inkstone-mt', 2);
  try {
    assert.equal(mt.buildInfo().threads, true);
    for (const name of MODELS) {
      const ref = run(st, name, 1);
      assert.equal(ref.tokens.length, N_GENERATE);
      for (const n of [1, 2]) {
        const got = run(mt, name, n);
        assert.deepEqual(got.tokens, ref.tokens, `${name}, ${n} threads`);
        assert.deepEqual(got.logits, ref.logits, `${name}, ${n} threads: logits`);
        if (n === 2) {
          // Roughly half of all the work went to the second thread.
          const [caller, worker] = got.items;
          assert.ok(worker > 0.4 * (caller + worker), `${name}: items by thread ${got.items}`);
        }
      }
    }
  } finally {
    shutdownWasm(mt);
  }
});

test('inkstone-mt: a 2-thread prefill splits every product and the prompt attention', { skip, timeout: 120000 }, async () => {
  const mt = await loadWasm('inkstone-mt', 2);
  try {
    for (const name of MODELS) {
      const r = createSession(mt, bytesOf(name), { ...SESSION, nThreads: 2 });
      assert.equal(r.ok, true, r.message);
      const s = r.session;
      const info = s.info();
      assert.deepEqual(s.stats().workItemsByThread, [0, 0]);
      assert.equal(s.begin(PROMPT, { ...OPTIONS, maxTokens: 0 }).ok, true);
      const want = secondThreadPrefillItems(info, PROMPT.length);
      assert.equal(s.stats().workItemsByThread[1], want, `${name}: thread 1's items after the prefill`);
      s.delete();
    }
  } finally {
    shutdownWasm(mt);
  }
});
