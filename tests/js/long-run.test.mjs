// Long runs on the real wasm (inkstone.wasm, single-threaded) with a fixture model:
//   - 6,000 tokens with the window sliding (tiny-llama-f32 has n_ctx 64, so the window slides
//     ~190 times): every step yields a token, the KV cache never passes n_ctx, and the wasm
//     memory stays flat;
//   - 200 back-to-back generate/cancel cycles (begin, a few steps, abandon: what the worker does
//     on `cancel`), half of them with a form constraint: no growth;
//   - the same 200 cycles through the real client and worker (web/client.js, AbortSignal after a
//     few tokens): each ends in `aborted`, none stalls, and the same request afterwards gives the
//     same tokens as before (the worker's heap is not reachable from here; the wasm-level test
//     above measures it).
// "Flat" is measured two ways, both read before and after: the size of the wasm memory
// (HEAPU8.length; it only ever grows) and a heap-top probe — the address malloc gives for a fresh
// 1 MiB block, freed at once. A leak of blocks in the heap pushes that address up (the allocator
// has to carve the probe from higher memory); a steady state returns the same address.
// The numbers are printed (t.diagnostic) for the issue note.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { InkstoneError } from '../../web/errors.js';
import { PROSODY, fixtureModel, missingBuilds } from './support/paths.mjs';
import { requireOrSkip } from './support/require.mjs';
import { loadWasm, createSession } from './support/wasm.mjs';
import { nodeClient } from './support/node-worker.mjs';

const skip = requireOrSkip(missingBuilds('inkstone'));
const kLongRunTokens = 6000;
const kCancelCycles = 200;
const kProbeBytes = 1 << 20;

/** @returns {{heapBytes: number, probe: number}} */
function heapState(M) {
  const probe = M._malloc(kProbeBytes);
  assert.notEqual(probe, 0, 'probe allocation failed');
  M._free(probe);
  return { heapBytes: M.HEAPU8.length, probe };
}

function openSession(M) {
  const r = createSession(M, fixtureModel('tiny-llama-f32.gguf'));
  assert.equal(r.ok, true, r.message);
  return r.session;
}

test(`${kLongRunTokens} tokens with slideWindow: always a token, KV within n_ctx, heap flat`, { skip }, async (t) => {
  const M = await loadWasm('inkstone');
  const s = openSession(M);
  const nCtx = s.info().nCtx;
  assert.ok(nCtx <= 128, `a short context makes the window slide often (n_ctx ${nCtx})`);
  const options = { seed: 7, temperature: 1.0, topK: 0, topP: 1, minP: 0, maxTokens: kLongRunTokens, stopAtEos: false, slideWindow: true };
  const prompt = s.tokenize('the moon', true).tokens;

  const atBegin = heapState(M);
  const begun = s.begin(prompt, options);
  assert.equal(begun.ok, true, begun.message);
  // The baseline is taken once the window has slid twice (every buffer the loop needs exists:
  // begin's own one-time allocations are not what this test is about).
  let before = null;
  let n = 0;
  let slides = 0;
  let lastPos = s.position();
  let mid = null;
  for (;;) {
    const r = s.step();
    assert.equal(r.ok, true, r.message);
    assert.ok(r.token >= 0, `step ${n}: no token`);
    n++;
    const pos = s.position();
    assert.ok(pos <= nCtx, `step ${n}: position ${pos} > n_ctx ${nCtx}`);
    if (pos < lastPos) slides++;
    lastPos = pos;
    if (n === 2 * nCtx) before = heapState(M);
    if (n === kLongRunTokens / 2) mid = heapState(M);
    if (r.done) {
      assert.equal(r.reason, 'max_tokens');
      break;
    }
  }
  const after = heapState(M);
  t.diagnostic(`tokens ${n}, slides ${slides}, n_ctx ${nCtx}; heap bytes at begin ${atBegin.heapBytes} before (token ${2 * nCtx}) ${before.heapBytes} mid ${mid.heapBytes} after ${after.heapBytes}; probe at begin ${atBegin.probe} before ${before.probe} mid ${mid.probe} after ${after.probe}`);
  assert.equal(n, kLongRunTokens);
  assert.ok(slides >= Math.floor(kLongRunTokens / nCtx), `the window slid ${slides} times`);
  assert.equal(after.heapBytes, before.heapBytes, 'wasm memory grew during the long run');
  assert.equal(after.probe, before.probe, 'heap top moved during the long run');
  s.delete();
});

test(`${kCancelCycles} back-to-back generate/cancel cycles leak nothing`, { skip }, async (t) => {
  const M = await loadWasm('inkstone');
  const tables = M.setProsodyTables(
    fs.readFileSync(path.join(PROSODY, 'tones.tsv'), 'utf8'),
    fs.readFileSync(path.join(PROSODY, 'rhyme-classical.tsv'), 'utf8'));
  assert.equal(tables.ok, true, tables.message);
  const s = openSession(M);
  const prompts = ['the moon', '床前明月光', 'a', 'spring night rain'].map((p) => s.tokenize(p, true).tokens);
  const constraint = JSON.stringify({ form: '五言絕句' });

  // Cycle i: begin (alternately with a constraint, alternately with the probes on), a few
  // steps, then abandon the generation for the next begin.
  const cycle = (i) => {
    const options = {
      seed: i,
      temperature: 0.9,
      maxTokens: 0,
      stopAtEos: false,
      slideWindow: i % 3 === 0,
      constraint: i % 2 === 0 ? constraint : null,
      probes: i % 4 === 1 ? { topAlternatives: 5, attention: true, distribution: true } : undefined,
    };
    if (options.probes === undefined) delete options.probes;
    const begun = s.begin(prompts[i % prompts.length], options);
    assert.equal(begun.ok, true, `cycle ${i}: ${begun.message}`);
    const steps = 1 + ((i * 7) % 23);
    for (let k = 0; k < steps; k++) {
      const r = s.step();
      assert.equal(r.ok, true, `cycle ${i} step ${k}: ${r.message}`);
      if (r.done) break;
    }
  };
  // Warm-up: the very same sequence once. The heap top depends on where the allocator placed the
  // last cycle's buffers, so both readings follow the same last cycle; a leak would still push
  // the second one up by 200 cycles' worth.
  for (let i = 0; i < kCancelCycles; i++) cycle(i);
  const before = heapState(M);
  for (let i = 0; i < kCancelCycles; i++) cycle(i);
  const after = heapState(M);
  t.diagnostic(`cycles ${kCancelCycles}; heap bytes before ${before.heapBytes} after ${after.heapBytes}; probe before ${before.probe} after ${after.probe}`);
  assert.equal(after.heapBytes, before.heapBytes, 'wasm memory grew over the cycles');
  // A leak pushes the probe up by 200 cycles' worth; the allocator may also end a little lower
  // (a block freed late in the sequence), which is no leak.
  assert.ok(after.probe <= before.probe, `heap top moved up over the cycles: ${before.probe} -> ${after.probe}`);
  // The session still generates normally afterwards.
  assert.equal(s.begin(prompts[0], { seed: 1, maxTokens: 4, stopAtEos: false }).ok, true);
  let r;
  do r = s.step(); while (r.ok && !r.done);
  assert.equal(r.ok, true);
  assert.equal(r.reason, 'max_tokens');
  s.delete();
});

test('sessions created and deleted 50 times leak nothing', { skip }, async (t) => {
  const M = await loadWasm('inkstone');
  const once = () => {
    const s = openSession(M);
    assert.equal(s.begin(s.tokenize('moon', true).tokens, { seed: 1, maxTokens: 3 }).ok, true);
    s.step();
    s.delete();
  };
  for (let i = 0; i < 3; i++) once();
  const before = heapState(M);
  for (let i = 0; i < 50; i++) once();
  const after = heapState(M);
  t.diagnostic(`heap bytes before ${before.heapBytes} after ${after.heapBytes}; probe before ${before.probe} after ${after.probe}`);
  assert.equal(after.heapBytes, before.heapBytes);
  assert.equal(after.probe, before.probe);
});

test(`${kCancelCycles} generate/abort cycles through the client and worker: all aborted, nothing stalls`, { skip, timeout: 300_000 }, async (t) => {
  const ink = nodeClient();
  try {
    await ink.load(fixtureModel('tiny-llama-f32.gguf'));
    const GEN = { seed: 5, temperature: 0.9, maxTokens: 0, stopAtEos: false, slideWindow: true };
    const reference = await ink.complete({ promptTokens: [1, 281], ...GEN, maxTokens: 20 });
    let aborted = 0;
    let tokensSeen = 0;
    for (let i = 0; i < kCancelCycles; i++) {
      const controller = new AbortController();
      const stopAfter = 1 + (i % 9);
      let n = 0;
      try {
        for await (const ev of ink.generate({ promptTokens: [1, 281 + (i % 5)], ...GEN, seed: i, signal: controller.signal })) {
          if (ev.type === 'token' && ++n === stopAfter) controller.abort();
        }
        assert.fail(`cycle ${i}: an endless generation ended by itself`);
      } catch (err) {
        assert.ok(err instanceof InkstoneError, String(err));
        assert.equal(err.code, 'aborted', `cycle ${i}: ${err.message}`);
        aborted++;
      }
      tokensSeen += n;
    }
    t.diagnostic(`client cycles ${kCancelCycles}: ${aborted} aborted, ${tokensSeen} tokens seen`);
    assert.equal(aborted, kCancelCycles);
    // Afterwards the same request gives the same tokens as before the cycles.
    const after = await ink.complete({ promptTokens: [1, 281], ...GEN, maxTokens: 20 });
    assert.deepEqual(after.tokens.map((e) => e.token ?? e), reference.tokens.map((e) => e.token ?? e));
  } finally {
    ink.dispose();
  }
});
