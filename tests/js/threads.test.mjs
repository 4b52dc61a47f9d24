// The threaded build (inkstone-mt: SIMD + pthreads, run by Node's worker_threads) gives the same
// tokens and logits with 1 and 2 threads as the single-threaded build: matrix rows are split
// between threads but each row's reduction order never depends on the thread count.
import test from 'node:test';
import assert from 'node:assert/strict';

import fs from 'node:fs';
import { POETRY_MODEL, fixtureModel, hasBuild } from './support/paths.mjs';
import { loadWasm, createSession, generateAll, shutdownWasm } from './support/wasm.mjs';

const skip = hasBuild('inkstone') && hasBuild('inkstone-mt') ? false : 'wasm builds missing';

const MODELS = ['tiny-llama-f32.gguf', 'tiny-llama-q8_0.gguf', 'tiny-llama-q4_0.gguf', 'tiny-gqa-untied-q8_0.gguf'];
const OPTIONS = {
  seed: 4242, temperature: 1.0, topK: 0, topP: 1, minP: 0, maxTokens: 40, stopAtEos: false,
  probes: { distribution: true },
};

const bytesOf = (name) => (name === 'poetry' ? new Uint8Array(fs.readFileSync(POETRY_MODEL)) : fixtureModel(name));
if (fs.existsSync(POETRY_MODEL)) MODELS.push('poetry');

function run(M, name, nThreads) {
  const r = createSession(M, bytesOf(name), { nThreads });
  assert.equal(r.ok, true, r.message);
  const s = r.session;
  assert.equal(s.info().nThreads, nThreads);
  const out = generateAll(s, [1, 280, 281, 282], OPTIONS);
  s.delete();
  return { tokens: out.tokens, logits: out.steps.map((st) => Array.from(st.logits)) };
}

test('inkstone-mt: 1 and 2 threads give bit-identical logits and tokens to inkstone', { skip, timeout: 120000 }, async () => {
  const st = await loadWasm('inkstone');
  const mt = await loadWasm('inkstone-mt', 2);
  try {
    assert.equal(mt.buildInfo().threads, true);
    for (const name of MODELS) {
      const ref = run(st, name, 1);
      assert.equal(ref.tokens.length, 40);
      for (const n of [1, 2]) {
        const got = run(mt, name, n);
        assert.deepEqual(got.tokens, ref.tokens, `${name}, ${n} threads`);
        assert.deepEqual(got.logits, ref.logits, `${name}, ${n} threads: logits`);
      }
    }
  } finally {
    shutdownWasm(mt);
  }
});
