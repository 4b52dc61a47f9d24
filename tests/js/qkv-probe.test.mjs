// The qkv probe through the real wasm (the classroom's formula panel relies on it): on the
// grouped-query fixture, softmax(q·k_j/√d) computed here in double from the returned q and K is
// the runtime's attention row for that layer/head, and Σ a_j v_j its head output; bad
// layer/head values are invalid_argument.
import test from 'node:test';
import assert from 'node:assert/strict';

import { fixtureModel, missingBuilds } from './support/paths.mjs';
import { requireOrSkip } from './support/require.mjs';
import { loadWasm, createSession } from './support/wasm.mjs';

const kMaxAttentionErr = 1e-5;  // float32 softmax (SIMD kernels) vs double here
const kMaxOutputErr = 1e-4;

const skip = requireOrSkip(missingBuilds('inkstone'));

test('qkv probe reproduces the attention row and the head output', { skip }, async () => {
  const M = await loadWasm('inkstone');
  const created = createSession(M, fixtureModel('tiny-gqa-untied-q8_0.gguf'), {});
  assert.equal(created.ok, true, created.message);
  const s = created.session;
  const info = s.info();
  assert.ok(info.nHeadKv < info.nHead, 'grouped-query fixture');
  const prompt = [1, 5, 9, 14, 20];
  for (const [layer, head] of [[0, 0], [info.nLayer - 1, info.nHead - 1], [0, info.nHead - 1]]) {
    const begun = s.begin(prompt, { temperature: 0, maxTokens: 3, stopAtEos: false, probes: { qkv: { layer, head } } });
    assert.equal(begun.ok, true, begun.message);
    for (let step = 0; step < 3; step++) {
      const r = s.step();
      assert.equal(r.ok, true, r.message);
      const { qkv, attention, nPos } = r;
      assert.ok(qkv && attention, 'qkv implies attention');
      assert.equal(nPos, prompt.length + step);
      assert.equal(qkv.layer, layer);
      assert.equal(qkv.head, head);
      const d = qkv.headDim;
      assert.equal(d, info.headDim);
      assert.equal(qkv.k.length, nPos * d);
      assert.equal(qkv.v.length, nPos * d);
      assert.equal(qkv.embedding.length, info.nEmbd);
      const scores = [];
      for (let j = 0; j < nPos; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += qkv.q[c] * qkv.k[j * d + c];
        scores.push(dot / Math.sqrt(d));
      }
      const max = Math.max(...scores);
      const z = scores.reduce((acc, x) => acc + Math.exp(x - max), 0);
      const a = scores.map((x) => Math.exp(x - max) / z);
      const row = attention.subarray((layer * info.nHead + head) * nPos, (layer * info.nHead + head + 1) * nPos);
      a.forEach((v, j) => assert.ok(Math.abs(v - row[j]) < kMaxAttentionErr, `L${layer} H${head} pos ${j}: ${v} vs ${row[j]}`));
      for (let c = 0; c < d; c++) {
        let o = 0;
        for (let j = 0; j < nPos; j++) o += a[j] * qkv.v[j * d + c];
        assert.ok(Math.abs(o - qkv.out[c]) < kMaxOutputErr, `out[${c}]: ${o} vs ${qkv.out[c]}`);
      }
    }
  }
  for (const bad of [{ layer: info.nLayer, head: 0 }, { layer: 0, head: -1 }, { layer: 0 }, 3]) {
    const r = s.begin(prompt, { probes: { qkv: bad } });
    assert.equal(r.ok, false, JSON.stringify(bad));
    assert.equal(r.code, 'invalid_argument');
  }
  s.delete();
});
