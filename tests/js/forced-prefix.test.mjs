// The wasm build's forcedPrefix (wasm_bindings/API.md begin): the chosen tokens of a classroom
// step with the form rules, prefilled after the prompt instead of forced one step each. Against
// the path it replaced (begin, then forceToken for each): the steps after them are the same bit
// for bit, with the rules, guidance and the guidance probe, on the shipped poetry model; a bad
// token is refused with invalid_argument.
// Run: node --test tests/js/forced-prefix.test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { POETRY_MODEL, PROSODY, missingBuilds } from './support/paths.mjs';
import { requireOrSkip } from './support/require.mjs';
import { loadWasm, createSession } from './support/wasm.mjs';

const skip = requireOrSkip(missingBuilds('inkstone'));

test('forcedPrefix: the steps after it equal forcing its tokens one by one', { skip }, async () => {
  const M = await loadWasm('inkstone');
  const read = (f) => fs.readFileSync(path.join(PROSODY, f), 'utf8');
  assert.equal(M.setProsodyTables(read('tones.tsv'), read('rhyme-xinyun.tsv')).ok, true);
  const r = createSession(M, new Uint8Array(fs.readFileSync(POETRY_MODEL)));
  assert.equal(r.ok, true, r.message);
  const s = r.session;
  const prompt = s.tokenize('<七绝>春江\n', true).tokens;
  const untitled = s.tokenize('<七绝>无题\n', true).tokens;
  const constraint = JSON.stringify({ form: '七言絕句', no_repeat: true });
  const base = { seed: 5, temperature: 0.9, constraint, stopAtEos: false, guidanceScale: 2.5,
    guidancePrompt: untitled, probes: { distribution: true, attention: true, guidance: true } };

  // Nine tokens the model writes under the rules.
  assert.equal(s.begin(prompt, { ...base, probes: {}, maxTokens: 9 }).ok, true);
  const chosen = [];
  for (;;) {
    const step = s.step();
    chosen.push(step.token);
    if (step.done) break;
  }
  const run = (way) => {
    const options = way === 'prefix' ? { ...base, maxTokens: 3, forcedPrefix: chosen }
      : { ...base, maxTokens: chosen.length + 3 };
    const begun = s.begin(prompt, options);
    assert.equal(begun.ok, true, begun.message);
    if (way === 'oneByOne') for (const t of chosen) assert.equal(s.forceToken(t).ok, true);
    const steps = [];
    for (;;) {
      const step = s.step();
      assert.equal(step.ok, true, step.message);
      steps.push(step);
      if (step.done) return steps;
    }
  };
  const oneByOne = run('oneByOne');
  const prefix = run('prefix');
  assert.equal(prefix.length, 3);
  assert.equal(oneByOne.length, 3);
  const bits = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  prefix.forEach((p, i) => {
    const o = oneByOne[i];
    assert.equal(p.token, o.token, `step ${i}`);
    assert.equal(p.prob, o.prob, `step ${i}`);
    assert.equal(p.maskedMass, o.maskedMass, `step ${i}`);
    for (const key of ['logits', 'distribution', 'attention', 'condLogits', 'uncondLogits']) {
      assert.ok(bits(p[key]).equals(bits(o[key])), `step ${i}: ${key}`);
    }
  });
  // The rules saw the prefix: the first step masks something.
  assert.ok(oneByOne[0].maskedMass > 0);

  const bad = s.begin(prompt, { ...base, forcedPrefix: [1e9] });
  assert.equal(bad.ok, false);
  assert.equal(bad.code, 'invalid_argument');
  s.delete();
});
