// The K-quant weight types (Q4_K, Q5_K, Q6_K) in the real wasm build: the fixture models load with
// their types named, and their logits match the float64 numpy reference (tools/reference/
// llama_ref.py, its own dequantizers): the ref kernels to f32 accuracy; the shipped wasmsimd
// kernels, which quantize activations to int8 per 32-block, to f32 accuracy against the exact
// model of that quantization (golden-kquant-wasmsimd) and within its bound against the exact
// goldens.
import test from 'node:test';
import assert from 'node:assert/strict';

import { missingBuilds } from './support/paths.mjs';
import { requireOrSkip } from './support/require.mjs';
import { loadWasm, createSession } from './support/wasm.mjs';
import { KQUANT_STEMS, argmaxOf, readKquantGolden, relErr, sessionLogits } from './support/kquant.mjs';

// As in bindings.test.mjs and tests/cpp/test-golden.cpp: f32 kernels against float64.
const kMaxRelErrGolden = 1e-5;
// The int8 activations move these models' logits by up to 4.2e-2 of the largest one
// (make_fixtures.py prints it per model); the bound used for Q8_0/Q4_0 holds.
const kMaxRelErrGoldenQuantizedActivations = 5e-2;
// An activation within kMinTieMargin of a rounding tie may round the other way (bindings.test.mjs
// explains the margin): a position may then miss 1e-5, at most this many across the models.
const kMinTieMargin = 1e-5;
const kMaxTieExemptPositions = 3;

const skip = requireOrSkip(missingBuilds('inkstone'));
const M = skip ? null : await loadWasm('inkstone');

test('the K-quant fixtures load and report their weight types', { skip }, () => {
  const want = {
    'tiny-kquant-q4_k_m': ['q4_k', 'q6_k'],  // Q4_K, with attn_v and ffn_down in Q6_K
    'tiny-kquant-q5_k': ['q5_k'],
    'tiny-kquant-q6_k': ['q6_k'],
  };
  for (const stem of KQUANT_STEMS) {
    const r = createSession(M, readKquantGolden(stem, 'golden-kquant').bytes);
    assert.equal(r.ok, true, `${stem}: ${r.message}`);
    const info = r.session.info();
    assert.equal(info.nEmbd, 256);
    const quant = [...new Set(info.weightTypes.filter((t) => t !== 'f32'))].sort();
    assert.deepEqual(quant, want[stem], stem);
    r.session.delete();
  }
});

test('K-quant logits: the wasm ref kernels match numpy to 1e-5', { skip }, () => {
  let positions = 0;
  for (const stem of KQUANT_STEMS) {
    const g = readKquantGolden(stem, 'golden-kquant');
    const r = createSession(M, g.bytes, { kernels: 'ref' });
    assert.equal(r.session.info().kernels, 'ref');
    for (const [si, seq] of g.seqs.entries()) {
      sessionLogits(r.session, seq.tokens).forEach((ours, p) => {
        const rel = relErr(ours, seq.logits[p]);
        assert.ok(rel <= kMaxRelErrGolden, `${stem} seq ${si} pos ${p}: rel err ${rel}`);
        positions++;
      });
    }
    r.session.delete();
  }
  assert.equal(positions, 3 * 40);
});

test('K-quant logits: wasmsimd matches the exact model of its int8 activations to 1e-5', { skip }, (t) => {
  const exempt = [];
  let worstHeld = 0;
  let worstExact = 0;
  for (const stem of KQUANT_STEMS) {
    const g = readKquantGolden(stem, 'golden-kquant-wasmsimd');
    const exact = readKquantGolden(stem, 'golden-kquant');
    const r = createSession(M, g.bytes);
    assert.equal(r.session.info().kernels, 'wasmsimd');
    for (const [si, seq] of g.seqs.entries()) {
      assert.equal(g.margins[si].length, seq.tokens.length);
      sessionLogits(r.session, seq.tokens).forEach((ours, p) => {
        const where = `${stem} seq ${si} pos ${p} (tie margin ${g.margins[si][p]})`;
        const rel = relErr(ours, seq.logits[p]);
        const relExact = relErr(ours, exact.seqs[si].logits[p]);
        worstExact = Math.max(worstExact, relExact);
        assert.ok(relExact <= kMaxRelErrGoldenQuantizedActivations, `${where}: ${relExact} from exact`);
        if (rel > kMaxRelErrGolden) {  // only a rounding the other way at a near-tie may do that
          assert.ok(g.margins[si][p] < kMinTieMargin, `${where}: rel err ${rel}`);
          exempt.push(`${where}: ${rel.toExponential(2)}`);
          return;
        }
        assert.equal(argmaxOf(ours), argmaxOf(seq.logits[p]), where);
        worstHeld = Math.max(worstHeld, rel);
      });
    }
    r.session.delete();
  }
  t.diagnostic(`worst ${worstHeld} (held positions), ${worstExact} from the exact goldens; ` +
    `near-tie positions: ${exempt.join('; ') || 'none'}`);
  assert.ok(exempt.length <= kMaxTieExemptPositions, exempt.join('; '));
});
