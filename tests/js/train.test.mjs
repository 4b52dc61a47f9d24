// Training in wasm (wasm_bindings "Training", web/worker-train.js, web/training.js): the
// classroom's preset trained on the bundled 五言絕句 (assets/classroom/wujue.tsv) through the
// client and worker learns more than character frequencies, its GGUF loads in the runtime and
// writes, a pause or a crash changes nothing (the same bytes as a run without them), and the
// same seed gives the same bits.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { CHANNEL } from '../../web/protocol.js';
import { Training } from '../../web/training.js';
import { ROOT, missingBuilds } from './support/paths.mjs';
import { requireOrSkip } from './support/require.mjs';
import { nodeClient } from './support/node-worker.mjs';
import { loadWasm, createSession } from './support/wasm.mjs';

const skip = requireOrSkip(missingBuilds('inkstone'));

// The training text: each poem's body on a line (the panel's bundled set, web/ side does the same).
const POEMS = fs
  .readFileSync(path.join(ROOT, 'assets/classroom/wujue.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l.includes('\t'))
  .map((l) => l.split('\t')[1])
  .join('\n');

// Entropy (nats) of the unigram distribution of the training targets: each character and the
// <s> </s> around each line. A model that knew only how often each character occurs would have
// this loss; the trained one must do clearly better on lines it has never seen.
function unigramEntropy(text) {
  const counts = new Map();
  const add = (k) => counts.set(k, (counts.get(k) || 0) + 1);
  for (const line of text.split('\n')) {
    add('<s>');
    add('</s>');
    for (const ch of line) add(ch);
  }
  let n = 0;
  for (const c of counts.values()) n += c;
  let h = 0;
  for (const c of counts.values()) h -= (c / n) * Math.log(c / n);
  return h;
}

const PRESET = { dim: 64, layers: 2, heads: 4, ff: 172, ctx: 64, batch: 16, steps: 300 };

test('the preset learns the poems through the worker: pause, crash, resume, deploy', { skip, timeout: 600_000 }, async () => {
  const ink = nodeClient();
  const training = new Training(ink);
  try {
    const info = await training.start(POEMS, PRESET, 1);
    assert.equal(info.nChars, new Set([...POEMS.replace(/\n/g, '')]).size);
    assert.equal(info.nVocab, 259 + info.nChars);
    // Tied embedding + per layer 4 d^2 attention + 3 d·ff SwiGLU + 2 d norms, and the final norm.
    const d = 64;
    assert.equal(info.nParams, info.nVocab * d + 2 * (4 * d * d + 3 * d * 172 + 2 * d) + d);
    const lines = POEMS.split('\n');
    const heldLines = lines.filter((_, i) => (i + 1) % 20 === 0);
    assert.equal(info.heldOutTokens, heldLines.reduce((s, l) => s + [...l].length + 2, 0));
    assert.equal(info.trainTokens + info.heldOutTokens, POEMS.replace(/\n/g, '').length + 2 * lines.length);

    // First run: pause once past step 40.
    const events = [];
    let paused = false;
    const first = await training.run({ chunk: 10, sample: { maxTokens: 24 }, sampleEveryMs: 0, checkpointEveryMs: 0 }, (ev) => {
      events.push(ev);
      if (ev.step >= 40 && !paused) {
        paused = true;
        void training.pause();
      }
    });
    assert.equal(first.reason, 'paused');
    assert.ok(first.step >= 40 && first.step <= 60, `paused at ${first.step}`);
    assert.ok(training.checkpoint && training.checkpoint.step === first.step, 'a checkpoint of the last chunk');
    assert.equal(typeof events[0].sample, 'string');
    assert.ok(events.every((e, i) => e.losses.length === 10 && e.step === 10 * (i + 1)));

    // A crash: the page keeps the checkpoint; a new worker continues from it.
    const channel = ink[CHANNEL]();
    await assert.rejects(channel.request('crash', {}), (e) => e.code === 'crashed');
    const back = await training.recover();
    assert.equal(back.step, first.step);

    const second = await training.run({ chunk: 20, evalEveryMs: 0 }, (ev) => events.push(ev));
    assert.deepEqual(second, { step: 300, reason: 'done' });
    const last = events[events.length - 1];
    const bound = unigramEntropy(POEMS) - 0.5;
    assert.ok(events[0].loss > 7, `first loss ${events[0].loss} near ln(nVocab)`);
    assert.ok(last.heldOutLoss < bound, `held-out loss ${last.heldOutLoss} < ${bound.toFixed(3)}`);
    assert.ok(last.loss < bound, `training loss ${last.loss} < ${bound.toFixed(3)}`);
    assert.ok(last.tokensPerSecond > 0 && last.gradNorm > 0 && last.lr > 0);

    // Deploy: the GGUF loads as a model in the runtime and writes characters of the poems.
    const gguf = await training.saveGguf('classroom-test');
    // The pause, the crash and the restart from the checkpoint changed nothing: a run of 300
    // steps without them (the bindings directly, in this thread) ends on the same bytes.
    const M = await loadWasm('inkstone');
    const straight = M.createTrainer(POEMS, PRESET, 1).trainer;
    straight.step(300);
    assert.ok(Buffer.from(straight.saveGguf('classroom-test')).equals(Buffer.from(gguf)), 'same weights as a run without a pause');
    straight.delete();
    const model = await ink.load(new Blob([gguf]));
    assert.equal(model.nVocab, info.nVocab);
    assert.equal(model.nEmbd, 64);
    const out = await ink.complete({ prompt: '', seed: 5, maxTokens: 30 });
    assert.ok(out.tokens.length > 5, `generated ${JSON.stringify(out.text)}`);
    const known = new Set([...POEMS]);
    assert.ok([...out.text.replace(/\n/g, '')].every((ch) => known.has(ch)), out.text);
    assert.match(out.text, /[，。]/);
  } finally {
    ink.dispose();
  }
});

test('same seed, same losses; a saved state continues bit for bit', { skip, timeout: 300_000 }, async () => {
  const M = await loadWasm('inkstone');
  const make = (seed) => {
    const r = M.createTrainer(POEMS, { ...PRESET, dim: 32, ff: 64 }, seed);
    assert.equal(r.ok, true, r.message);
    return r.trainer;
  };
  const a = make(7);
  const b = make(7);
  const c = make(8);
  const la = [...a.step(12).losses];
  assert.deepEqual([...b.step(6).losses], la.slice(0, 6));
  // b pauses at 6: its state goes to a trainer of another seed, which then goes on.
  const state = b.saveState();
  const r = c.loadState(state);
  assert.deepEqual(r, { ok: true, step: 6 });
  assert.deepEqual([...c.step(6).losses], la.slice(6));
  assert.deepEqual(c.saveGguf('x'), a.saveGguf('x'));
  const other = make(8);
  assert.notDeepEqual([...other.step(2).losses], la.slice(0, 2));

  const bad = c.loadState(new Uint8Array([1, 2, 3]));
  assert.equal(bad.ok, false);
  assert.equal(bad.code, 'invalid_model');
  const tooShort = M.createTrainer('短', PRESET, 1);
  assert.equal(tooShort.ok, false);
  assert.equal(tooShort.code, 'invalid_argument');

  // The GGUF loads in a session directly too.
  const s = createSession(M, a.saveGguf('x'));
  assert.equal(s.ok, true, s.message);
  assert.equal(s.session.info().nLayer, 2);
  for (const t of [a, b, c, other, s.session]) t.delete();
});
