// The guidance prompt's tokens (site/app/guidance-tokens.js): tokenized once per model and form,
// not once per poem; a new model starts afresh. Counted at the tokenizer: a fake that records its
// calls, and the real client (web/client.js) with its worker on a Qwen fixture, whose tokens are
// checked against tokenizing the prompt (written out here) directly.
// Run: node --test tests/js/guidance-tokens.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { GuidanceTokens } from '../../site/app/guidance-tokens.js';
import { fixtureModel, missingBuilds } from './support/paths.mjs';
import { requireOrSkip } from './support/require.mjs';
import { nodeClient } from './support/node-worker.mjs';

const skip = requireOrSkip(missingBuilds('inkstone'));

/** A tokenizer that answers one id per character and records what it was asked. */
function countingTokenizer() {
  /** @type {{text: string, options: {addBos: boolean, special: boolean}}[]} */
  const calls = [];
  const tokenize = async (text, options) => {
    calls.push({ text, options });
    return [...(options.addBos ? [1] : []), ...Array.from(text, (c) => c.codePointAt(0))];
  };
  return { calls, tokenize };
}

test('one tokenization per style, tag and thinking; the prompt is the same one titled 无题', async () => {
  const { calls, tokenize } = countingTokenizer();
  const cache = new GuidanceTokens(tokenize);
  const first = await cache.get('inkstone', '<七绝>', false);
  for (let i = 0; i < 5; i++) assert.deepEqual(await cache.get('inkstone', '<七绝>', false), first);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0], { text: '<七绝>无题\n', options: { addBos: true, special: false } });
  assert.deepEqual(first, [1, ...Array.from('<七绝>无题\n', (c) => c.codePointAt(0))]);

  // Another tag, style or thinking is another prompt.
  await cache.get('inkstone', '<五律>', false);
  await cache.get('plain', '<七绝>', false);
  await cache.get('chatml', '<七绝>', false);
  await cache.get('chatml', '<七绝>', true);
  await cache.get('chatml', '<七绝>', true);
  assert.equal(calls.length, 5);
  assert.equal(cache.size, 5);
  assert.deepEqual(calls[1], { text: '<五律>无题\n', options: { addBos: true, special: false } });
  assert.deepEqual(calls[2], { text: '七言绝句《无题》\n', options: { addBos: true, special: false } });
  assert.deepEqual(calls[3].options, { addBos: false, special: true });
  assert.match(calls[3].text, /^<\|im_start\|>system\n[^]*「无题」[^]*<\|im_start\|>assistant\n$/);
  assert.ok(calls[4].text.endsWith('<|im_start|>assistant\n<think>\n\n</think>\n\n'));

  // Poems asked at once share one tokenization.
  const together = await Promise.all([1, 2, 3].map(() => cache.get('inkstone', '<五绝>', false)));
  assert.equal(calls.length, 6);
  assert.deepEqual(together[0], together[2]);

  // A new model: everything is tokenized again.
  cache.clear();
  assert.equal(cache.size, 0);
  await cache.get('inkstone', '<七绝>', false);
  assert.equal(calls.length, 7);
});

test('a failed tokenization is not kept', async () => {
  let fail = true;
  let n = 0;
  const cache = new GuidanceTokens(async () => {
    n++;
    if (fail) throw new Error('worker crashed');
    return [7];
  });
  await assert.rejects(cache.get('inkstone', '<七绝>', false), /worker crashed/);
  assert.equal(cache.size, 0);
  fail = false;
  assert.deepEqual(await cache.get('inkstone', '<七绝>', false), [7]);
  assert.deepEqual(await cache.get('inkstone', '<七绝>', false), [7]);
  assert.equal(n, 2);
});

test('through the worker: a Qwen fixture in ChatML, tokenized once per model', { skip }, async () => {
  const ink = nodeClient();
  try {
    let n = 0;
    const cache = new GuidanceTokens((text, options) => {
      n++;
      return ink.tokenize(text, options);
    });
    await ink.load(fixtureModel('tiny-qwen2-zh-q8_0.gguf'));
    const expected = await ink.tokenize(
      '<|im_start|>system\n你是一位精通格律的中国古典诗人。<|im_end|>\n' +
        '<|im_start|>user\n请以「无题」为题，写一首五言绝句。只写诗的正文，不要标题和解释。<|im_end|>\n' +
        '<|im_start|>assistant\n',
      { addBos: false, special: true },
    );
    for (let i = 0; i < 3; i++) assert.deepEqual(await cache.get('chatml', '<五绝>', false), expected);
    assert.equal(n, 1);
    // Control pieces matched whole: <|im_start|> is one token, so the text is shorter in tokens
    // than it would be spelled out.
    const spelled = await ink.tokenize('<|im_start|>', { addBos: false, special: false });
    assert.ok(spelled.length > 1);
    assert.equal(expected.filter((t) => t === expected[0]).length, 3, 'three <|im_start|> tokens');

    cache.clear();
    await ink.load(fixtureModel('tiny-qwen2-b-q8_0.gguf'));
    const other = await cache.get('chatml', '<五绝>', false);
    assert.equal(n, 2);
    assert.deepEqual(other, await ink.tokenize(
      '<|im_start|>system\n你是一位精通格律的中国古典诗人。<|im_end|>\n' +
        '<|im_start|>user\n请以「无题」为题，写一首五言绝句。只写诗的正文，不要标题和解释。<|im_end|>\n' +
        '<|im_start|>assistant\n',
      { addBos: false, special: true },
    ));
  } finally {
    ink.dispose();
  }
});
