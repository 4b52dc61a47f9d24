// The real wasm build (inkstone.wasm, SIMD, single-threaded) through its Embind API, on the
// committed fixture models: loading, golden logits against the float64 numpy reference,
// determinism, the error objects for every broken fixture, header inspection, option checks.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { FIXTURES, MODELS, ROOT, fixtureModel, missingBuilds } from './support/paths.mjs';
import { requireOrSkip } from './support/require.mjs';
import { loadWasm, createSession, inspectModel, generateAll } from './support/wasm.mjs';
import { readGolden } from './support/golden.mjs';

// max |ours - ref| / max(1, max |ref|) per position, as tests/cpp/test-golden.cpp: float32
// kernels against the float64 reference (measured: ref 8.7e-7, wasmsimd F32/F16 6.4e-7).
const kMaxRelErrGolden = 1e-5;
// The wasmsimd kernels quantize activations to int8 per 32-block for Q8_0/Q4_0 weights
// (core/kernels/wasmsimd/quantize-activations.cpp), which moves the logits by up to ~3e-2 of
// the largest one (2.9e-2 on tiny-llama-q8_0). tests/fixtures/golden-wasmsimd/ models that
// quantization exactly (tools/reference/llama_ref.py --quantize-activations), so the path is
// held to the float32 tolerance against it (measured 2.4e-7) ...
const kMaxRelErrGoldenWasmsimd = 1e-5;
// ... except where rounding is ambiguous: the runtime's x·(1/d) is float32 and differs from the
// float64 reference's by a few ulps (up to ~1e-5 of a step at |q| ~ 100), so an activation whose
// x·(1/d) lies within that of a tie k + 1/2 may round the other way, a whole step (1/127 of its
// block's max) — and through the KV cache every later position moves too. The golden files give
// each position's tie margin (smallest distance to a tie at positions 0..p, in steps). Below
// kMinTieMargin the position is held only to the activation-quantization bound. The threshold is
// measured, not derived: the roundings that did flip had margins 3.8e-6 (tiny-gqa-untied-q8_0,
// seq 2 pos 19) and 1.9e-6 (poetry model); none with a margin above 1e-5 did. It exempts 2 of
// the fixtures' 200 positions (kMaxTieExemptPositions bounds that).
const kMinTieMargin = 1e-5;
const kMaxRelErrGoldenQuantizedActivations = 5e-2;
const kMaxTieExemptPositions = 4;

const skip = requireOrSkip(missingBuilds('inkstone'));
const M = skip ? null : await loadWasm('inkstone');

// The JS-facing category of each fine code, read from docs/status-codes.md (the contract),
// not from the code under test.
function categoriesFromDocs() {
  const text = fs.readFileSync(path.join(ROOT, 'docs/status-codes.md'), 'utf8');
  const map = new Map();
  for (const line of text.split('\n')) {
    const m = /^\|\s*`([a-z_0-9]+)`\s*\|\s*`([a-z_]+)`\s*\|/.exec(line);
    if (m) map.set(m[1], m[2]);
  }
  return map;
}

test('buildInfo says SIMD, single-threaded', { skip }, () => {
  const info = M.buildInfo();
  assert.equal(info.simd, true);
  assert.equal(info.threads, false);
});

test('every fixture model loads; info matches the golden files and the README table', { skip }, () => {
  for (const file of fs.readdirSync(path.join(FIXTURES, 'golden')).sort()) {
    const golden = readGolden(path.join(FIXTURES, 'golden', file));
    const bytes = new Uint8Array(fs.readFileSync(path.join(ROOT, golden.model)));
    const r = createSession(M, bytes);
    assert.equal(r.ok, true, `${file}: ${r.message}`);
    const info = r.session.info();
    assert.equal(info.architecture, 'llama');
    assert.equal(info.nVocab, golden.seqs[0].logits[0].length, file);
    assert.equal(info.fileBytes, bytes.length);
    assert.equal(info.nLayer, file.startsWith('micro') ? 1 : 2);
    assert.equal(info.headDim, 16);
    assert.equal(info.nCtx, file.startsWith('micro') ? 32 : file.includes('gqa') ? 48 : 64);
    assert.equal(info.tokenizer, file.includes('gpt2') ? 'gpt2' : 'llama');
    assert.equal(info.meta['general.architecture'], 'llama');
    r.session.delete();
  }
});

/** Per seq, the `tie_margins` line of a tests/fixtures/golden-wasmsimd file. */
function readTieMargins(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('tie_margins '))
    .map((l) => l.trim().split(/\s+/).slice(1).map(Number));
}

/**
 * Relative error of the wasm logits against every golden file of a directory, per position,
 * with the tie margin of the position (Infinity for the exact goldens), and argmax agreement.
 * @param {string} kernels 'ref' | 'auto'
 * @param {string} dir 'golden' | 'golden-wasmsimd'
 */
function goldenErrors(kernels, dir = 'golden') {
  const out = [];
  for (const file of fs.readdirSync(path.join(FIXTURES, dir)).sort()) {
    const golden = readGolden(path.join(FIXTURES, dir, file));
    const margins = dir === 'golden' ? null : readTieMargins(path.join(FIXTURES, dir, file));
    const r = createSession(M, new Uint8Array(fs.readFileSync(path.join(ROOT, golden.model))), { kernels });
    assert.equal(r.ok, true, r.message);
    const s = r.session;
    const info = s.info();
    const options = { temperature: 0, maxTokens: 0, stopAtEos: false, repeatPenalty: 1, probes: { distribution: true } };
    let worst = 0;
    let positions = 0;
    let argmaxAgree = 0;
    /** @type {{seq: number, pos: number, rel: number, margin: number}[]} */
    const errors = [];
    golden.seqs.forEach((seq, si) => {
      if (margins) assert.equal(margins[si].length, seq.tokens.length, `${file}: tie_margins of seq ${si}`);
      // The logits probe of a forced step are the logits the token was forced from: forcing
      // t[i] reports the logits at position i - 1. One more forced token reads the last ones.
      assert.equal(s.begin([seq.tokens[0]], options).ok, true);
      const next = [...seq.tokens.slice(1), seq.tokens[0]];
      for (let pos = 0; pos < seq.tokens.length; pos++) {
        const step = s.forceToken(next[pos]);
        assert.equal(step.ok, true, `${file} pos ${pos}: ${step.message}`);
        const ours = step.logits;
        const ref = seq.logits[pos];
        assert.equal(ours.length, ref.length);
        let err = 0;
        let mag = 1;
        let a = 0;
        let b = 0;
        for (let i = 0; i < ref.length; i++) {
          err = Math.max(err, Math.abs(ours[i] - ref[i]));
          mag = Math.max(mag, Math.abs(ref[i]));
          if (ours[i] > ours[a]) a = i;
          if (ref[i] > ref[b]) b = i;
        }
        worst = Math.max(worst, err / mag);
        errors.push({ seq: si, pos, rel: err / mag, margin: margins ? margins[si][pos] : Infinity });
        argmaxAgree += a === b ? 1 : 0;
        positions++;
        if (step.done) break;
      }
    });
    const quantized = info.weightTypes.some((t) => t === 'q8_0' || t === 'q4_0');
    out.push({ file, kernels: info.kernels, quantized, worst, positions, argmaxAgree, errors });
    s.delete();
  }
  return out;
}

test('golden logits: the wasm build of the reference kernels matches numpy to 1e-5', { skip }, () => {
  let positions = 0;
  for (const g of goldenErrors('ref')) {
    assert.equal(g.kernels, 'ref');
    assert.ok(g.worst <= kMaxRelErrGolden, `${g.file}: rel err ${g.worst}`);
    positions += g.positions;
  }
  assert.ok(positions > 300, `compared ${positions} positions`);
});

test('golden logits: the shipped wasmsimd kernels match numpy (F32/F16 weights: to 1e-5)', { skip }, () => {
  for (const g of goldenErrors('auto')) {
    assert.equal(g.kernels, 'wasmsimd');
    const tol = g.quantized ? kMaxRelErrGoldenQuantizedActivations : kMaxRelErrGolden;
    assert.ok(g.worst <= tol, `${g.file} (${g.kernels}): rel err ${g.worst} > ${tol}`);
    assert.ok(g.argmaxAgree >= g.positions - 2, `${g.file}: argmax agrees at ${g.argmaxAgree}/${g.positions}`);
  }
});

test('golden logits: wasmsimd with Q8_0/Q4_0 weights matches the exact model of its activation quantization to 1e-5', { skip }, () => {
  const results = goldenErrors('auto', 'golden-wasmsimd');
  assert.equal(results.length, 5);
  let positions = 0;
  const exempt = [];
  for (const g of results) {
    assert.equal(g.kernels, 'wasmsimd');
    assert.ok(g.quantized, g.file);
    assert.equal(g.argmaxAgree, g.positions, `${g.file}: argmax agrees at ${g.argmaxAgree}/${g.positions}`);
    for (const e of g.errors) {
      const where = `${g.file} seq ${e.seq} pos ${e.pos} (tie margin ${e.margin})`;
      if (e.margin < kMinTieMargin) {
        exempt.push(where);
        assert.ok(e.rel <= kMaxRelErrGoldenQuantizedActivations, `${where}: rel err ${e.rel}`);
      } else {
        assert.ok(e.rel <= kMaxRelErrGoldenWasmsimd, `${where}: rel err ${e.rel} > ${kMaxRelErrGoldenWasmsimd}`);
      }
    }
    positions += g.positions;
  }
  assert.ok(positions >= 200, `compared ${positions} positions`);
  assert.ok(exempt.length <= kMaxTieExemptPositions, `too many near-tie positions: ${exempt.join('; ')}`);
});

test('same seed, same tokens; another seed, other tokens', { skip }, () => {
  const bytes = fixtureModel('tiny-llama-q8_0.gguf');
  const options = { seed: 1234, temperature: 1.0, topK: 0, topP: 1, minP: 0, maxTokens: 40, stopAtEos: false };
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const r = createSession(M, bytes);
    runs.push(generateAll(r.session, [1, 280, 281], options).tokens);
    r.session.delete();
  }
  assert.equal(runs[0].length, 40);
  assert.deepEqual(runs[1], runs[0]);
  assert.deepEqual(runs[2], runs[0]);
  // Within one session too (the KV prefix is reused by begin).
  const r = createSession(M, bytes);
  const a = generateAll(r.session, [1, 280, 281], options).tokens;
  const b = generateAll(r.session, [1, 280, 281], options).tokens;
  const c = generateAll(r.session, [1, 280, 281], { ...options, seed: 99 }).tokens;
  r.session.delete();
  assert.deepEqual(a, runs[0]);
  assert.deepEqual(b, runs[0]);
  assert.notDeepEqual(c, runs[0]);
});

/** @param {ArrayLike<number>} v */
function argmaxOf(v) {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

// Greedy and nothing else: no repetition penalty, every step counted.
const kGreedy = { temperature: 0, repeatPenalty: 1, stopAtEos: false };
const kGreedySteps = 8;

test('greedy decoding follows the argmax of the golden logits at every golden position', { skip }, (t) => {
  // The sampler at T = 0 against the float64 reference: for every prefix t[0..p] of every golden
  // sequence of every fixture model, the greedy next token is the argmax of the reference logits
  // at p. A position whose two best reference logits are closer than twice the kernels' error
  // bound could go either way and is not counted; nearly all positions have a clear winner.
  let checked = 0;
  let ambiguous = 0;
  for (const file of fs.readdirSync(path.join(FIXTURES, 'golden')).sort()) {
    const golden = readGolden(path.join(FIXTURES, 'golden', file));
    const r = createSession(M, new Uint8Array(fs.readFileSync(path.join(ROOT, golden.model))), { kernels: 'ref' });
    assert.equal(r.ok, true, r.message);
    golden.seqs.forEach((seq, si) => {
      for (let p = 0; p < seq.tokens.length; p++) {
        const ref = seq.logits[p];
        const best = argmaxOf(ref);
        let second = -Infinity;
        let mag = 1;
        for (let i = 0; i < ref.length; i++) {
          if (i !== best) second = Math.max(second, ref[i]);
          mag = Math.max(mag, Math.abs(ref[i]));
        }
        if (ref[best] - second <= 2 * kMaxRelErrGolden * mag) {
          ambiguous++;
          continue;
        }
        const { tokens } = generateAll(r.session, seq.tokens.slice(0, p + 1), { ...kGreedy, maxTokens: 1 });
        assert.deepEqual(tokens, [best], `${file} seq ${si} pos ${p}`);
        checked++;
      }
    });
    r.session.delete();
  }
  t.diagnostic(`${checked} positions checked, ${ambiguous} too close to call`);
  assert.ok(checked >= 0.9 * (checked + ambiguous), `${checked} positions checked, ${ambiguous} too close to call`);
});

test('a greedy continuation takes the argmax at every step, starting from the golden logits', { skip }, () => {
  // The golden sequences are not greedy, so past the first step there are no reference logits
  // to compare with. Each step reports the logits its token was chosen from: the first step's
  // are the golden logits at the end of the prompt (the forward pass, checked here), and at
  // every step the token is their argmax, computed here (the sampler, checked here).
  for (const file of ['tiny-llama-f32.txt', 'tiny-gpt2-f32.txt']) {
    const golden = readGolden(path.join(FIXTURES, 'golden', file));
    const r = createSession(M, new Uint8Array(fs.readFileSync(path.join(ROOT, golden.model))), { kernels: 'ref' });
    assert.equal(r.ok, true, r.message);
    for (const [si, seq] of golden.seqs.entries()) {
      const { tokens, steps } = generateAll(r.session, seq.tokens,
        { ...kGreedy, maxTokens: kGreedySteps, probes: { logits: true } });
      assert.equal(tokens.length, kGreedySteps, `${file} seq ${si}`);
      const ref = seq.logits[seq.tokens.length - 1];
      const first = /** @type {Float32Array} */ (steps[0].logits);
      let err = 0;
      let mag = 1;
      for (let i = 0; i < ref.length; i++) {
        err = Math.max(err, Math.abs(first[i] - ref[i]));
        mag = Math.max(mag, Math.abs(ref[i]));
      }
      assert.ok(err / mag <= kMaxRelErrGolden, `${file} seq ${si}: first step's logits off by ${err / mag}`);
      tokens.forEach((token, k) => assert.equal(token, argmaxOf(steps[k].logits), `${file} seq ${si} step ${k}`));
    }
    r.session.delete();
  }
});

test('streamed text equals detokenize of the tokens; tokenize round-trips', { skip }, () => {
  for (const name of ['tiny-llama-f32.gguf', 'tiny-gpt2-f32.gguf']) {
    const r = createSession(M, fixtureModel(name));
    const s = r.session;
    const text = 'the river 明月 光';
    const tok = s.tokenize(text, false);
    assert.equal(tok.ok, true);
    assert.equal(s.detokenize(tok.tokens).text, text, name);
    // Ban byte tokens (llama: ids 3..258; gpt2: pieces other than letters and Ġ) so that the
    // text is valid UTF-8 and both decoders agree on it.
    const logitBias = {};
    const n = s.info().nVocab;
    for (let id = 0; id < n; id++) {
      const byteToken = name.includes('llama') ? id >= 3 && id <= 258 : !/^[A-Za-z\u0120]+$/.test(s.tokenPiece(id));
      if (byteToken) logitBias[id] = -Infinity;
    }
    const prompt = s.tokenize('the', true).tokens;
    const out = generateAll(s, prompt, {
      seed: 5, temperature: 1.5, topK: 0, topP: 1, minP: 0, maxTokens: 30, stopAtEos: false, logitBias,
    });
    assert.equal(out.tokens.length, 30);
    const whole = s.detokenize([...prompt, ...out.tokens]).text;
    const head = s.detokenize(prompt).text;
    // The stream may hold back an incomplete UTF-8 tail (gpt2 byte pieces).
    assert.ok(whole.startsWith(head + out.text), `${name}: ${JSON.stringify(out.text)} vs ${JSON.stringify(whole)}`);
    assert.ok(whole.length - (head + out.text).length <= 1, name);
    s.delete();
  }
});

test('tokenBytes: the bytes of a text\'s tokens are the text\'s UTF-8, part-characters included', { skip }, () => {
  // A character outside tiny-qwen2-zh's 2,500 is spelled in bytes: tokens that are part of it.
  const r = createSession(M, fixtureModel('tiny-qwen2-zh-q8_0.gguf'));
  const s = r.session;
  const text = '春风吹又生，鱻龘。\n';
  const ids = s.tokenize(text, false).tokens;
  const bytes = ids.flatMap((/** @type {number} */ id) => Array.from(s.tokenBytes(id)));
  assert.deepEqual(bytes, Array.from(new TextEncoder().encode(text)));
  const fatal = new TextDecoder('utf-8', { fatal: true });
  const partial = ids.filter((/** @type {number} */ id) => {
    try {
      fatal.decode(s.tokenBytes(id));
      return false;
    } catch {
      return true;
    }
  });
  assert.ok(partial.length > 0, 'no token of the text is part of a character');
  // Control tokens decode to nothing; a bad id too.
  const control = s.tokenizeSpecial('<|im_start|>', false).tokens;
  assert.equal(control.length, 1);
  assert.equal(s.tokenBytes(control[0]).length, 0);
  assert.equal(s.tokenBytes(-1).length, 0);
  s.delete();
});

test('probes: alternatives sorted and summing to <= 1, attention rows sum to 1', { skip }, () => {
  const r = createSession(M, fixtureModel('tiny-llama-f32.gguf'));
  const s = r.session;
  const info = s.info();
  assert.equal(s.begin([1, 280, 281, 282], {
    seed: 1, temperature: 1, topK: 0, topP: 1, minP: 0, maxTokens: 5, stopAtEos: false,
    probes: { topAlternatives: 5, attention: true, distribution: true },
  }).ok, true);
  for (let i = 0; i < 5; i++) {
    const st = s.step();
    assert.equal(st.ok, true);
    assert.equal(st.alternatives.length, 5);
    for (let k = 1; k < 5; k++) assert.ok(st.alternatives[k - 1].prob >= st.alternatives[k].prob);
    const chosen = st.distribution[st.token];
    assert.ok(Math.abs(chosen - st.prob) < 1e-6);
    // softmax of the raw logits at T = 1 with nothing cut = the distribution
    const max = Math.max(...st.logits);
    let z = 0;
    for (const v of st.logits) z += Math.exp(v - max);
    assert.ok(Math.abs(Math.exp(st.logits[st.token] - max) / z - st.prob) < 1e-5);
    const nPos = 4 + i;
    assert.equal(st.nPos, nPos);
    assert.equal(st.attention.length, info.nLayer * info.nHead * nPos);
    for (let row = 0; row < info.nLayer * info.nHead; row++) {
      let sum = 0;
      for (let j = 0; j < nPos; j++) sum += st.attention[row * nPos + j];
      assert.ok(Math.abs(sum - 1) < 1e-4, `row ${row} sums to ${sum}`);
    }
  }
  s.delete();
});

test('every broken fixture fails with its manifest code and the documented category', { skip }, () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'broken/manifest.json'), 'utf8'));
  const categories = categoriesFromDocs();
  assert.ok(manifest.length > 20);
  const seen = new Set();
  for (const entry of manifest) {
    const bytes = new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'broken', entry.file)));
    const r = createSession(M, bytes);
    assert.equal(r.ok, false, entry.file);
    assert.equal(r.detail, entry.code, `${entry.file}: ${r.message}`);
    assert.equal(r.code, categories.get(entry.code), entry.file);
    assert.equal(typeof r.message, 'string');
    assert.ok(r.message.length > 0);
    seen.add(r.code);
  }
  assert.ok(seen.has('invalid_model') && seen.has('unsupported_model'));
});

test('out_of_memory, context_full, invalid_argument, invalid_state from real inputs', { skip }, () => {
  const bytes = fixtureModel('tiny-llama-f32.gguf');
  // A context the memory budget cannot hold.
  const oom = createSession(M, bytes, { nCtx: 1 << 20, maxMemoryBytes: 64 << 20 });
  assert.equal(oom.ok, false);
  assert.equal(oom.code, 'out_of_memory');
  // A prompt longer than the context.
  const small = createSession(M, bytes, { nCtx: 8 });
  assert.equal(small.ok, true);
  const s = small.session;
  const long = s.tokenize('the river flows under the bright moon and the spring wind', true).tokens;
  assert.ok(long.length > 8);
  const full = s.begin(long, {});
  assert.equal(full.code, 'context_full');
  // Generation that runs into the end of the context stops with reason context_full.
  const run = generateAll(s, [1, 280], { seed: 1, maxTokens: 100, stopAtEos: false });
  assert.equal(run.steps.at(-1).done, true);
  assert.equal(run.steps.at(-1).reason, 'context_full');
  // Bad options and bad tokens.
  assert.equal(s.begin([1], { topK: 'many' }).code, 'invalid_argument');
  assert.equal(s.begin([1], { temperature: -1 }).code, 'invalid_argument');
  assert.equal(s.begin([1, 99999], {}).code, 'invalid_argument');
  assert.equal(s.begin([], {}).code, 'invalid_argument');
  assert.equal(s.begin([1], { constraint: 42 }).code, 'invalid_argument');
  assert.equal(s.begin([1], { constraint: '{"form": "no such form"}' }).code, 'invalid_argument');
  assert.equal(s.detokenize(['a']).code, 'invalid_argument');
  // step after the generation ended
  assert.equal(s.step().code, 'invalid_state');
  s.delete();
  assert.equal(createSession(M, bytes, { nCtx: 'big' }).code, 'invalid_argument');
});

test('inspectModel reads a header from a prefix and reports problems without failing', { skip }, () => {
  const bytes = fixtureModel('tiny-llama-q8_0.gguf');
  const full = inspectModel(M, bytes);
  assert.equal(full.ok, true, full.message);
  assert.equal(full.info.runnable, true);
  assert.equal(full.info.header.dataComplete, true);
  assert.equal(full.info.header.dataEnd, bytes.length);
  assert.deepEqual(full.info.weightTypes, ['f32', 'q8_0']);
  // The header alone (up to the tensor data) is enough.
  const prefix = bytes.subarray(0, full.info.header.dataOffset);
  const part = inspectModel(M, prefix);
  assert.equal(part.ok, true, part.message);
  assert.equal(part.info.header.dataComplete, false);
  assert.equal(part.info.nVocab, 338);
  assert.equal(part.info.fileBytes, bytes.length);
  // A valid GGUF we cannot run: described, with the reason.
  const iq4 = inspectModel(M, new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'broken/tensor-type-iq4_nl.gguf'))));
  assert.equal(iq4.ok, true);
  assert.equal(iq4.info.runnable, false);
  assert.equal(iq4.info.problem.code, 'unsupported_model');
  assert.ok(iq4.info.weightTypes.includes('iq4_nl'));
  // Not a GGUF at all.
  const bad = inspectModel(M, new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'broken/bad-magic.gguf'))));
  assert.equal(bad.ok, false);
  assert.equal(bad.code, 'invalid_model');
  // Metadata values of every type (all-types.gguf and its expected listing).
  const all = inspectModel(M, fixtureModel('all-types.gguf'));
  assert.equal(all.ok, true);
  assert.equal(all.info.meta['test.string'], 'hello, 明月 🌙');
  assert.equal(all.info.meta['test.i32'], -2000000000);
  assert.equal(all.info.meta['test.f32'], 1.5);
  assert.equal(all.info.meta['test.bool_true'], true);
  assert.deepEqual(all.info.meta['test.arr_i8'], [-128, 0, 127]);
});

test('loading and freeing a model many times leaves the heap where it was', { skip }, async (t) => {
  // The wasm memory only ever grows, so "its size did not change" proves nothing unless a leak
  // would have had to grow it. The cycles here place, in all, more than twice the whole heap in
  // model bytes: if each cycle kept its copy of the model (or anything of that size), the heap
  // could not hold them without growing. A smaller leak moves the heap-top probe (as in
  // long-run.test.mjs): the address malloc gives a fresh model-sized block, freed at once, comes
  // back the same in a steady state and moves up when blocks are left behind. Checked by
  // breaking it: a cycle that keeps its session grows the heap 16 → 72 MiB and fails. A leak of a
  // few bytes a cycle moves neither (64 B a cycle fits in the allocator's small bins), so the
  // allocator's own count of bytes in use (heapInUse: mallinfo) must come back exactly too. A
  // fresh instance, so that the other tests' heap growth does not inflate the cycle count.
  const W = await loadWasm('inkstone');
  const bytes = fixtureModel('tiny-llama-f32.gguf');
  const cycle = () => {
    const r = createSession(W, bytes);
    assert.equal(r.ok, true, r.message);
    r.session.delete();
  };
  const heapState = () => {
    const probe = W._malloc(bytes.length);
    assert.notEqual(probe, 0, 'probe allocation failed');
    W._free(probe);
    return { heapBytes: W.HEAPU8.length, probe, inUse: W.heapInUse() };
  };
  for (let i = 0; i < 3; i++) cycle();
  const before = heapState();
  const n = Math.ceil((2 * before.heapBytes) / bytes.length);
  for (let i = 0; i < n; i++) cycle();
  const after = heapState();
  t.diagnostic(`${n} cycles of ${bytes.length} model bytes; heap ${before.heapBytes} → ${after.heapBytes}, probe ${before.probe} → ${after.probe}, in use ${before.inUse} → ${after.inUse}`);
  assert.deepEqual(after, before, `after ${n} load/free cycles of ${bytes.length} model bytes`);
  // The measure sees a 64-byte leak a cycle (the same cycles, each keeping 64 bytes).
  const kept = [];
  for (let i = 0; i < n; i++) {
    cycle();
    kept.push(W._malloc(64));
  }
  assert.ok(heapState().inUse - after.inUse >= 64 * n, 'a 64-byte leak a cycle shows in heapInUse');
  for (const p of kept) W._free(p);
  assert.equal(heapState().inUse, after.inUse);
});

test('maxCtx caps the model\'s own context; an explicit nCtx is kept', { skip }, () => {
  const bytes = fixtureModel('tiny-qwen2-zh-q8_0.gguf');  // trained context 512
  const open = (/** @type {object} */ options) => {
    const r = createSession(M, bytes, options);
    assert.ok(r.ok, r.message);
    const info = r.session.info();
    r.session.delete();
    return info;
  };
  assert.equal(open({ nCtx: 0 }).nCtx, 512);
  assert.equal(open({ nCtx: 0, maxCtx: 100 }).nCtx, 100);
  assert.equal(open({ nCtx: 0, maxCtx: 4096 }).nCtx, 512);
  assert.equal(open({ nCtx: 300, maxCtx: 100 }).nCtx, 300);
  assert.equal(createSession(M, bytes, { maxCtx: -1 }).code, 'invalid_argument');
});
