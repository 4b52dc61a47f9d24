// The public client (web/client.js) with its worker in a Node worker thread and the real wasm:
// load, streaming, AbortSignal, typed errors for every code, crash recovery.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { InkstoneError } from '../../web/errors.js';
import { FIXTURES, PROSODY, WASM_DIR, fixtureModel, missingBuilds } from './support/paths.mjs';
import { Poetry } from '../../web/poetry.js';
import { requireOrSkip } from './support/require.mjs';
import { nodeClient } from './support/node-worker.mjs';

const skip = requireOrSkip(missingBuilds('inkstone'));
const GEN = { seed: 77, temperature: 1, topK: 0, topP: 1, minP: 0, maxTokens: 30, stopAtEos: false };

/** Resolves with the InkstoneError a promise rejects with. */
async function codeOf(promise) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof InkstoneError, `not an InkstoneError: ${err}`);
    return err.code;
  }
  assert.fail('expected a rejection');
}

async function collect(iterable) {
  const tokens = [];
  let summary = null;
  for await (const ev of iterable) {
    if (ev.type === 'token') tokens.push(ev);
    else summary = ev;
  }
  return { tokens, summary };
}

test('load (ArrayBuffer, Uint8Array, Blob) with progress, stream a generation, modelInfo', { skip }, async () => {
  const ink = nodeClient();
  try {
    const bytes = fixtureModel('tiny-llama-f32.gguf');
    const progress = [];
    const info = await ink.load(new Blob([bytes]), { onProgress: (p) => progress.push(p) });
    assert.equal(info.nVocab, 338);
    assert.ok(progress.length >= 2);
    assert.equal(progress.at(-1).loaded, bytes.length);
    assert.equal((await ink.load(bytes)).nVocab, 338);
    assert.equal(bytes.length, 392096, 'the caller keeps its bytes');
    assert.equal((await ink.load(bytes.slice().buffer)).name, 'tiny-llama-f32');
    const { tokens, summary } = await collect(ink.generate({ prompt: '明月', ...GEN, probes: { topAlternatives: 3 } }));
    assert.equal(tokens.length, 30);
    assert.equal(summary.type, 'done');
    assert.deepEqual(tokens.map((t) => t.token), summary.tokens);
    assert.equal(tokens.map((t) => t.text).join(''), summary.text);
    assert.equal(tokens[0].alternatives.length, 3);
    assert.ok(tokens.every((t) => t.prob > 0 && t.prob <= 1));
    assert.ok(summary.tokensPerSecond > 0);
    assert.ok(summary.timings.firstTokenMs > 0);
    assert.equal((await ink.modelInfo()).nLayer, 2);
    const ids = await ink.tokenize('山水 明月', { addBos: true });
    assert.equal(ids[0], 1, 'BOS (fixtures README)');
    assert.equal(await ink.detokenize(ids), '山水 明月');
    // Same seed, same tokens (through the whole client/worker path).
    const again = await ink.complete({ prompt: '明月', ...GEN });
    assert.deepEqual(again.tokens, summary.tokens);
  } finally {
    ink.dispose();
  }
});

test('AbortSignal ends the iteration at once; the next generation is unaffected', { skip }, async () => {
  const ink = nodeClient();
  try {
    await ink.load(fixtureModel('tiny-llama-q8_0.gguf'));
    const reference = await ink.complete({ promptTokens: [1, 280], ...GEN });
    const controller = new AbortController();
    const seen = [];
    const code = await codeOf((async () => {
      for await (const ev of ink.generate({ promptTokens: [1, 280], ...GEN, maxTokens: 0, slideWindow: true, signal: controller.signal })) {
        seen.push(ev);
        if (seen.length === 4) controller.abort();
      }
    })());
    assert.equal(code, 'aborted');
    assert.equal(seen.length, 4, 'no token is delivered after abort()');
    const after = await ink.complete({ promptTokens: [1, 280], ...GEN });
    assert.deepEqual(after.tokens, reference.tokens);
    // An already aborted signal never starts.
    assert.equal(await codeOf(ink.complete({ promptTokens: [1], signal: AbortSignal.abort() })), 'aborted');
    // Leaving the loop early (break) cancels the worker too; the next call still works.
    for await (const ev of ink.generate({ promptTokens: [1, 280], ...GEN })) {
      if (ev.type === 'token') break;
    }
    assert.deepEqual((await ink.complete({ promptTokens: [1, 280], ...GEN })).tokens, reference.tokens);
  } finally {
    ink.dispose();
  }
});

test('every error code from a real bad input, as InkstoneError', { skip }, async () => {
  const ink = nodeClient();
  const broken = (name) => new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'broken', name)));
  try {
    assert.equal(await codeOf(ink.complete({ prompt: 'x' })), 'invalid_state');   // nothing loaded
    assert.equal(await codeOf(ink.load(broken('bad-magic.gguf'))), 'invalid_model');
    assert.equal(await codeOf(ink.load(broken('truncated-in-tensor-data.gguf'))), 'invalid_model');
    assert.equal(await codeOf(ink.load(broken('tensor-type-iq4_nl.gguf'))), 'unsupported_model');
    assert.equal(await codeOf(ink.load(broken('arch-gpt-neox.gguf'))), 'unsupported_model');
    const tiny = fixtureModel('tiny-llama-f32.gguf');
    assert.equal(await codeOf(ink.load(tiny, { nCtx: 1 << 20, maxMemoryBytes: 64 << 20 })), 'out_of_memory');
    await ink.load(tiny, { nCtx: 8 });
    assert.equal(await codeOf(ink.complete({ prompt: 'the river flows under the bright moon' })), 'context_full');
    assert.equal(await codeOf(ink.complete({ prompt: 'the', temperature: -1 })), 'invalid_argument');
    assert.equal(await codeOf(ink.complete({ promptTokens: [1, 5000] })), 'invalid_argument');
    assert.equal(await codeOf(ink.load('not a url at all', {})), 'network_error');
    assert.equal(await codeOf(ink.load(tiny, { sha256: '00'.repeat(32) })), 'hash_mismatch');
    const controller = new AbortController();
    controller.abort();
    assert.equal(await codeOf(ink.load(tiny, { signal: controller.signal })), 'aborted');
    assert.equal(await codeOf(ink.debugCrash()), 'crashed');
    await ink.settled();
  } finally {
    ink.dispose();
  }
  assert.equal(await codeOf(ink.modelInfo()), 'aborted');  // disposed
});

test('inspect reads only a header and describes models we cannot run', { skip }, async () => {
  const ink = nodeClient();
  try {
    const bytes = fixtureModel('tiny-gqa-untied-q8_0.gguf');
    const info = await ink.inspect(new Blob([bytes]));
    assert.equal(info.runnable, true);
    // A first prefix shorter than the header: read as truncated, retried with a longer one.
    const again = await ink.inspect(new Blob([bytes]), { prefixBytes: 512 });
    assert.equal(again.nHeadKv, 1);
    assert.ok(again.header.bytesGiven > 512 && again.header.bytesGiven < bytes.length);
    assert.equal(info.nHeadKv, 1);
    assert.equal(info.tiedOutput, false);
    const iq4 = await ink.inspect(new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'broken/tensor-type-iq4_nl.gguf'))));
    assert.equal(iq4.runnable, false);
    assert.equal(iq4.problem.code, 'unsupported_model');
  } finally {
    ink.dispose();
  }
});

test('crash recovery: pending work rejects with crashed, the worker is replaced, the model reloaded', { skip }, async () => {
  const ink = nodeClient();
  const events = [];
  ink.addEventListener('crash', () => events.push('crash'));
  ink.addEventListener('recovered', () => events.push('recovered'));
  try {
    await ink.load(fixtureModel('tiny-llama-q4_0.gguf'));
    const reference = await ink.complete({ promptTokens: [1, 281], ...GEN });
    // A crash in the middle of a generation.
    const seen = [];
    const running = (async () => {
      for await (const ev of ink.generate({ promptTokens: [1, 281], ...GEN, maxTokens: 0, slideWindow: true })) {
        seen.push(ev);
        if (seen.length === 3) void ink.debugCrash().catch(() => {});
      }
    })();
    assert.equal(await codeOf(running), 'crashed');
    assert.ok(seen.length >= 3);
    assert.equal(ink.crashes, 1);
    // The next call waits for the restart and the reload, then works as before.
    const after = await ink.complete({ promptTokens: [1, 281], ...GEN });
    assert.deepEqual(after.tokens, reference.tokens);
    assert.deepEqual(events, ['crash', 'recovered']);
    assert.equal((await ink.modelInfo()).name, 'tiny-llama-q4_0');
  } finally {
    ink.dispose();
  }
});

test('the threaded build through the client gives the same tokens', { skip: requireOrSkip(missingBuilds('inkstone', 'inkstone-mt')) }, async () => {
  const st = nodeClient();
  const mt = nodeClient({ build: 'inkstone-mt', nThreads: 2 });
  try {
    const bytes = fixtureModel('tiny-llama-q8_0.gguf');
    await st.load(bytes);
    const info = await mt.load(bytes, { minSplitMacs: 0 });  // split even this tiny model's products
    assert.equal(info.nThreads, 2);
    assert.equal((await mt.runtime()).build, 'inkstone-mt');
    const a = await st.complete({ prompt: '春风', ...GEN });
    const b = await mt.complete({ prompt: '春风', ...GEN });
    assert.deepEqual(b.tokens, a.tokens);
    // stats() through the worker: both threads ran work items; the plain build has one thread.
    const { workItemsByThread } = await mt.stats();
    assert.equal(workItemsByThread.length, 2);
    assert.ok(workItemsByThread.every((n) => n > 0), `work items by thread: ${workItemsByThread}`);
    assert.equal((await st.stats()).workItemsByThread.length, 1);
  } finally {
    st.dispose();
    mt.dispose();
  }
});

test('useBuild switches a running client to the threaded build: tables kept, same tokens', { skip: requireOrSkip(missingBuilds('inkstone', 'inkstone-mt')) }, async () => {
  const ink = nodeClient({ nThreads: 2 });
  try {
    const poetry = new Poetry(ink);
    await poetry.setProsody({
      tones: fs.readFileSync(path.join(PROSODY, 'tones.tsv'), 'utf8'),
      rhyme: fs.readFileSync(path.join(PROSODY, 'rhyme-xinyun.tsv'), 'utf8'),
    });
    const bytes = fixtureModel('tiny-llama-q8_0.gguf');
    await ink.load(bytes);
    const a = await ink.complete({ prompt: '春风', ...GEN });
    const poem = '床前明月光，疑是地上霜。舉頭望明月，低頭思故鄉。';
    const before = await poetry.analyse(poem);
    assert.equal((await ink.runtime()).build, 'inkstone');
    assert.equal(await ink.useBuild('inkstone'), false, 'the same build: nothing to do');

    const mtBinary = new Uint8Array(fs.readFileSync(path.join(WASM_DIR, 'inkstone-mt.wasm'))).buffer;
    // A generation in flight (its first token seen) ends with aborted; a request made during the
    // switch waits for the new worker.
    const stream = ink.generate({ prompt: '春风', ...GEN, maxTokens: 1000 })[Symbol.asyncIterator]();
    assert.equal((await stream.next()).value.type, 'token');
    const switched = ink.useBuild('inkstone-mt', { wasmBinary: mtBinary });
    const during = poetry.analyse(poem);
    assert.equal(await codeOf(stream.next()), 'aborted', 'work in flight ends with aborted');
    assert.equal(await switched, true);
    assert.deepEqual(await during, before);
    const rt = await ink.runtime();
    assert.equal(rt.build, 'inkstone-mt');
    assert.equal(rt.nThreads, 2);
    assert.equal(ink.build, 'inkstone-mt');
    assert.deepEqual(await poetry.analyse(poem), before, 'the tables were sent to the new worker');
    assert.equal(await codeOf(ink.modelInfo()), 'invalid_state', 'the model is not reloaded');
    await ink.load(bytes, { minSplitMacs: 0 });
    const b = await ink.complete({ prompt: '春风', ...GEN });
    assert.deepEqual(b.tokens, a.tokens);
    assert.equal((await ink.stats()).workItemsByThread.length, 2);
    assert.equal(ink.crashes, 0);
  } finally {
    ink.dispose();
  }
});

// One set of sampling defaults: the core's (generate_options in generator.h). The worker passes
// on only what the caller set, so a generation without maxTokens stops at the core's limit.
test('without maxTokens a generation runs to the core default (generator.h), not a worker one', { skip }, async () => {
  const header = fs.readFileSync(path.join(FIXTURES, '../../core/include/inkstone/generator.h'), 'utf8');
  const m = /int32_t max_tokens = (\d+);/.exec(header);
  assert.ok(m, 'generator.h declares generate_options::max_tokens');
  const coreDefault = Number(m[1]);
  assert.ok(coreDefault > 64, `the core default (${coreDefault}) is above the 64 the worker once set`);
  const ink = nodeClient();
  try {
    // The fixture's trained context is 64; a session context that holds prompt + the default.
    await ink.load(fixtureModel('tiny-llama-q8_0.gguf'), { nCtx: coreDefault + 16 });
    const { maxTokens, ...noLimit } = GEN;
    const run = await ink.complete({ promptTokens: [1, 280], ...noLimit });
    assert.equal(run.reason, 'max_tokens');
    assert.equal(run.tokens.length, coreDefault);
  } finally {
    ink.dispose();
  }
});
