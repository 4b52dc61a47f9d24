// Poetry through the client and its poetry module (web/poetry.js): constraint specs reach the
// engine, the form holds by construction, masked mass is reported, analyse() reads a classic poem
// (also after a crash: the tables are sent to the new worker); and the shipped poetry model (when
// it is in assets/models) loads and writes a constrained poem.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { POETRY_MODEL, PROSODY, ROOT, fixtureModel, missingBuilds } from './support/paths.mjs';
import { missingFiles, requireOrSkip } from './support/require.mjs';
import { nodeClient } from './support/node-worker.mjs';
import { Poetry } from '../../web/poetry.js';

const skip = requireOrSkip(missingBuilds('inkstone'));
const noTables = missingFiles(ROOT, path.join(PROSODY, 'tones.tsv'), path.join(PROSODY, 'rhyme-xinyun.tsv'));
const tables = () => ({
  tones: fs.readFileSync(path.join(PROSODY, 'tones.tsv'), 'utf8'),
  rhyme: fs.readFileSync(path.join(PROSODY, 'rhyme-xinyun.tsv'), 'utf8'),
});

// A 五言絕句 body: four lines of five Han characters, "，" after lines 1 and 3, "。" after 2 and 4.
// Written from the form's definition, not from the engine.
const WUJUE = /^\p{Script=Han}{5}，\p{Script=Han}{5}。\p{Script=Han}{5}，\p{Script=Han}{5}。$/u;

test('a structure-only 五言絕句 constraint holds on the tiny fixture model', { skip }, async () => {
  const ink = nodeClient();
  try {
    await ink.load(fixtureModel('tiny-llama-f32.gguf'));
    const constraint = { form: '五言絕句', tones: false, rhyme: false };
    for (const seed of [1, 2, 3]) {
      const events = [];
      let summary = null;
      for await (const ev of ink.generate({ promptTokens: [1], seed, maxTokens: 200, constraint, probes: { topAlternatives: 2 } })) {
        if (ev.type === 'token') events.push(ev);
        else summary = ev;
      }
      assert.equal(summary.reason, 'eos', `seed ${seed}: ${summary.text}`);
      assert.match(summary.text, WUJUE, `seed ${seed}`);
      assert.ok(events.every((e) => typeof e.maskedMass === 'number' && e.maskedMass >= 0 && e.maskedMass <= 1));
      assert.ok(events.some((e) => e.maskedMass > 0.5), 'the mask removed real probability');
    }
    // The same spec as a JSON string is the same thing.
    const a = await ink.complete({ promptTokens: [1], seed: 5, maxTokens: 200, constraint });
    const b = await ink.complete({ promptTokens: [1], seed: 5, maxTokens: 200, constraint: JSON.stringify(constraint) });
    assert.deepEqual(a.tokens, b.tokens);
  } finally {
    ink.dispose();
  }
});

test('prosody tables: analyse() reads 靜夜思 as a 五言絕句, also after a crash', { skip: requireOrSkip(skip, noTables) }, async () => {
  const ink = nodeClient();
  try {
    const poetry = new Poetry(ink);
    const r = await poetry.setProsody(tables());
    assert.ok(r.nTones > 1000 && r.nRhymes > 1000);
    const poem = '床前明月光，疑是地上霜。舉頭望明月，低頭思故鄉。';
    const a = await poetry.analyse(poem);
    assert.equal(a.form, '五言絕句');
    assert.equal(a.lines.length, 4);
    // 光 霜 鄉 share the -ang group (中华新韵 十唐); the poem is a 古絕, so 失黏 is right.
    assert.deepEqual(a.rhyme_group_names, ['唐']);
    assert.ok(a.faults.some((f) => f.kind === 'shi_nian' && f.line === 2));
    assert.deepEqual(a.lines.map((l) => l.map((c) => c.ch).join('')), ['床前明月光', '疑是地上霜', '舉頭望明月', '低頭思故鄉']);
    assert.ok((await poetry.formPresets()).includes('五言絕句'));
    // A worker that replaced a crashed one gets the tables again (a second Poetry on the same
    // client shares them).
    await assert.rejects(ink.debugCrash(), (err) => err.code === 'crashed');
    await ink.settled();
    assert.deepEqual(await new Poetry(ink).analyse(poem), a);
  } finally {
    ink.dispose();
  }
});

test('the deprecated poetry methods of the client forward to web/poetry.js', { skip: requireOrSkip(skip, noTables) }, async () => {
  const ink = nodeClient();
  try {
    const poetry = new Poetry(ink);
    assert.deepEqual(await ink.setProsody(tables()), await poetry.setProsody(tables()));
    const poem = '白日依山盡，黃河入海流。欲窮千里目，更上一層樓。';
    assert.deepEqual(await ink.analyse(poem), await poetry.analyse(poem));
    assert.deepEqual(await ink.formPresets(), await poetry.formPresets());
  } finally {
    ink.dispose();
  }
});

test('the shipped poetry model writes a 七言絕句 that keeps its form', { skip: requireOrSkip(skip, missingFiles(ROOT, POETRY_MODEL), noTables) }, async () => {
  const ink = nodeClient();
  const poetry = new Poetry(ink);
  try {
    await poetry.setProsody(tables());
    const t0 = performance.now();
    const info = await ink.load(new Uint8Array(fs.readFileSync(POETRY_MODEL)));
    const loadMs = performance.now() - t0;
    assert.equal(info.architecture, 'llama');
    // The model card's prompt format: <s><FORM>TITLE\n, then the body until </s>.
    assert.match(info.meta['inkstone.prompt_format'], /<FORM>TITLE/);
    const QIJUE = /^\p{Script=Han}{7}，\p{Script=Han}{7}。\p{Script=Han}{7}，\p{Script=Han}{7}。$/u;
    const request = { prompt: '<七绝>春江\n', seed: 7, temperature: 0.8, maxTokens: 128, constraint: { form: '七言絕句' } };
    const run = await ink.complete(request);
    assert.equal(run.reason, 'eos');
    assert.match(run.text, QIJUE, run.text);
    const analysis = await poetry.analyse(run.text);
    assert.equal(analysis.form, '七言絕句');
    assert.deepEqual(analysis.faults.filter((f) => f.kind === 'shi_nian' || f.kind === 'shi_dui'), [], 'tones follow the template');
    const again = await ink.complete(request);
    assert.deepEqual(again.tokens, run.tokens);
    // A context the device cannot hold (8 GB of KV cache): out_of_memory, not an abort.
    const bytes = new Uint8Array(fs.readFileSync(POETRY_MODEL));
    await assert.rejects(ink.load(bytes, { nCtx: 1 << 20 }), (err) => err.code === 'out_of_memory');
    assert.equal(ink.crashes, 0);
    await assert.rejects(ink.modelInfo(), (err) => err.code === 'invalid_state');  // freed first
    assert.equal((await ink.load(bytes)).nCtx, info.nCtx);
    console.log(`poetry model: load ${loadMs.toFixed(0)} ms, first token ${run.timings.firstTokenMs.toFixed(1)} ms, ${run.tokensPerSecond.toFixed(0)} tokens/s: ${run.text.replace(/\n/g, ' / ')}`);
  } finally {
    ink.dispose();
  }
});
