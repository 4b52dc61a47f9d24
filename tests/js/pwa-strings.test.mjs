// The PWA's string tables (site/pwa/strings.js: the install bar, banners and the Models dialog, on
// the playground and the classroom) in English, Simplified Chinese and Traditional Chinese
// (Taiwan), checked without a browser:
//   - the three tables have the same keys, none empty, and each key the same {placeholders}
//   - every key site/pwa asks for is in the tables, and every key in the tables is asked for
//   - Simplified has no Traditional form; Traditional has no Simplified form or mainland word
//     (each a fixed point of OpenCC's conversion towards it: tw → cn, and cn → twp, which also
//     swaps mainland words for Taiwan's), and differs from Simplified wherever the characters do
//   - English has no Chinese characters
//   - <html lang> picks the table (zh-Hant and zh-TW/HK/MO Traditional, other zh Simplified)
//   - the header report's refusals switch on the runtime's codes, never on its message text
//
// Run: node --test tests/js/pwa-strings.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire, register } from 'node:module';

import { STRINGS, langOf, t } from '../../site/pwa/strings.js';

// site/pwa imports ../web/, which the site build (tools/site/build.mjs) puts next to it; here it
// is the repository's web/.
register(`data:text/javascript,${encodeURIComponent(`
  export function resolve(specifier, context, next) {
    if (!specifier.startsWith('../web/') || !context.parentURL?.includes('/site/')) return next(specifier, context);
    return next(new URL(specifier, context.parentURL).href.replace('/site/web/', '/web/'), context);
  }`)}`);
const { refusalReason } = await import('../../site/pwa/model-manager.js');

const require = createRequire(import.meta.url);
const OpenCC = require('opencc-js');

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const LANGS = /** @type {const} */ (['en', 'zh-Hans', 'zh-Hant']);
// Proper Taiwan words that OpenCC's cn → twp phrase table would rewrite as mainland words:
// 參數 (a model's parameters) → 引數 (a function's arguments).
const TWP_KEEP = ['參數'];
// Chinese strings without a Chinese character: a file and its size, in full-width brackets.
const ZH_NOT_CHINESE = new Set(['valFile']);
// Literals on a string call's line that are not keys: banner kinds and attribute names.
const NOT_KEYS = new Set(['error', 'update', 'title', 'placeholder']);

const HAN = /\p{Script=Han}/u;
const placeholders = (/** @param {string} s */ s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('pwa strings: the three tables have the same keys, none empty, the same placeholders', () => {
  const keys = Object.keys(STRINGS.en).sort();
  assert.ok(keys.length > 60, `only ${keys.length} keys`);
  for (const lang of LANGS) {
    assert.deepEqual(Object.keys(STRINGS[lang]).sort(), keys, `${lang}: keys`);
    for (const key of keys) {
      assert.equal(typeof STRINGS[lang][key], 'string', `${lang} ${key}`);
      assert.ok(STRINGS[lang][key].trim() !== '', `${lang} ${key} is empty`);
      assert.deepEqual(placeholders(STRINGS[lang][key]), placeholders(STRINGS.en[key]), `${lang} ${key}: placeholders`);
    }
  }
});

/** Every key site/pwa asks for: the literals on the lines that say something, and messages. */
function usedKeys() {
  const dir = path.join(ROOT, 'site/pwa');
  const used = new Set();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.js') && f !== 'strings.js')) {
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (/\b(?:say|sayAttr|banner)\(|#fail\(/.test(line)) {
        for (const m of line.matchAll(/(?<![=!]==\s*)'([A-Za-z]+)'/g)) if (!NOT_KEYS.has(m[1])) used.add(m[1]);
      }
      // A message as a value ({key, vars}), a banner's button, a report row's heading.
      for (const m of line.matchAll(/\b(?:key|label): '(\w+)'|\['(row\w+)'/g)) used.add(m[1] || m[2]);
    }
  }
  return used;
}

test('pwa strings: every key site/pwa uses is in the tables, and every key is used', () => {
  const used = usedKeys();
  const keys = new Set(Object.keys(STRINGS.en));
  assert.ok(used.size > 50, `found only ${used.size} keys in site/pwa`);
  assert.deepEqual([...used].filter((k) => !keys.has(k)).sort(), [], 'used but missing');
  assert.deepEqual([...keys].filter((k) => !used.has(k)).sort(), [], 'in the tables but never used');
});

test('pwa strings: Simplified has no Traditional forms; Traditional has no Simplified forms or mainland words', () => {
  const toSimplified = OpenCC.Converter({ from: 'tw', to: 'cn' });
  const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });
  const toTaiwan = OpenCC.Converter({ from: 'cn', to: 'twp' });
  let differ = 0;
  for (const key of Object.keys(STRINGS.en)) {
    const hans = STRINGS['zh-Hans'][key];
    const hant = STRINGS['zh-Hant'][key];
    if (!ZH_NOT_CHINESE.has(key)) {
      assert.match(hans, HAN, `zh-Hans ${key} has no Chinese`);
      assert.match(hant, HAN, `zh-Hant ${key} has no Chinese`);
    }
    assert.equal(toSimplified(hans), hans, `zh-Hans ${key} has Traditional forms`);
    const parts = TWP_KEEP.reduce((acc, word) => acc.flatMap((s) => s.split(word)), [hant]);
    for (const part of parts) assert.equal(toTaiwan(part), part, `zh-Hant ${key} is not Taiwan usage: ${hant}`);
    if (toTraditional(hans) !== hans) {
      differ++;
      assert.notEqual(hant, hans, `zh-Hant ${key} is the Simplified string`);
    }
    // Quotation marks: “” in Simplified, 「」 in Taiwan.
    assert.doesNotMatch(hant, /[“”]/, `zh-Hant ${key} quotes with “”`);
    assert.doesNotMatch(hans, /[「」]/, `zh-Hans ${key} quotes with 「」`);
  }
  assert.ok(differ > 50, `only ${differ} strings have characters that differ`);
});

test('pwa strings: English has no Chinese characters', () => {
  for (const [key, text] of Object.entries(STRINGS.en)) assert.doesNotMatch(text, HAN, `en ${key}: ${text}`);
});

test('pwa strings: <html lang> picks the table', () => {
  for (const [tag, want] of [
    ['en', 'en'], ['en-US', 'en'], ['', 'en'], ['fr', 'en'], ['zhx', 'en'],
    ['zh', 'zh-Hans'], ['zh-Hans', 'zh-Hans'], ['zh-CN', 'zh-Hans'], ['zh-SG', 'zh-Hans'],
    ['zh-Hant', 'zh-Hant'], ['zh-TW', 'zh-Hant'], ['zh-HK', 'zh-Hant'], ['zh-Hant-TW', 'zh-Hant'],
  ]) assert.equal(langOf(tag), want, tag);
  assert.equal(t('currentModel', { name: 'a{b}.gguf' }, 'zh-Hant'), '目前模型：a{b}.gguf');
  assert.equal(t('storage', { used: '1 MB', quota: '2 GB' }, 'en'), 'Storage: 1 MB used of 2 GB available.');
});

test('pwa strings: a refusal is chosen by the runtime\'s codes, not by its message text', () => {
  /** @param {{code: string, detail: string, message: string}} problem @param {object} [extra] */
  const info = (problem, extra = {}) => /** @type {any} */ ({ runnable: false, problem, architecture: 'gpt-neox', ...extra });
  // A message that names the other failure must not steer the choice.
  const arch = refusalReason(null, info({ code: 'unsupported_model', detail: 'unsupported_architecture', message: 'tensor type iq4_nl' }), 10);
  assert.deepEqual(arch, { key: 'refuseArch', vars: { arch: 'gpt-neox' } });
  const tensors = [{ type: 'f32' }, { type: 'iq4_nl' }, { type: 'q5_0' }, { type: 'q8_0' }, { type: 'iq4_nl' }];
  const type = refusalReason(null, info({ code: 'unsupported_model', detail: 'unsupported_tensor_type', message: 'architecture llama' }, { header: { tensors, dataEnd: 1 } }), 10);
  assert.deepEqual(type, { key: 'refuseType', vars: { types: 'iq4_nl', runnable: 'f32, f16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k' } });
  const damaged = refusalReason(null, info({ code: 'invalid_model', detail: 'bad_shape', message: 'the architecture is wrong' }), 10);
  assert.equal(damaged?.key, 'refuseDamaged');
  const tokenizer = refusalReason(null, info({ code: 'unsupported_model', detail: 'unsupported_tokenizer', message: 'weight type' }), 10);
  assert.equal(tokenizer?.key, 'refuseUnsupported');
  // Thrown by inspect: the code and detail of the InkstoneError.
  const thrown = (/** @type {string} */ code, /** @type {string} */ detail) => Object.assign(new Error('truncated header'), { code, detail });
  assert.deepEqual(refusalReason(thrown('invalid_model', 'truncated'), null, 2048), { key: 'refuseTruncatedHeader', vars: { size: '2.00 KB' } });
  assert.equal(refusalReason(thrown('invalid_model', 'bad_magic'), null, 2048)?.key, 'refuseInvalid');
  assert.equal(refusalReason(thrown('unsupported_model', 'unsupported_version'), null, 2048)?.key, 'refuseUnsupported');
  assert.equal(refusalReason(thrown('crashed', ''), null, 2048)?.key, 'refuseUnread');
  // Runnable, but the tensors end past the file.
  const ok = /** @type {any} */ ({ runnable: true, header: { dataEnd: 4096 } });
  assert.deepEqual(refusalReason(null, ok, 1024), { key: 'refuseTruncatedData', vars: { need: '4.00 KB', size: '1.00 KB' } });
  assert.equal(refusalReason(null, ok, 4096), null);
});

test('pwa: the memory estimate uses the capped context, and a model past the wasm heap is refused', async () => {
  const { estimateMemory, HEAP_LIMIT_BYTES } = await import('../../site/pwa/model-manager.js');
  const { DEFAULT_MAX_CTX } = await import('../../web/client.js');
  // Qwen2.5-0.5B's shape: 24 layers, 2 KV heads of 64, a 32k context.
  const qwen = /** @type {any} */ ({ runnable: true, nCtxTrain: 32768, nLayer: 24, nHead: 14, nHeadKv: 2, headDim: 64, nVocab: 151936, nEmbd: 896, nFf: 4864, header: { dataEnd: 1 } });
  const kv = 2 * 24 * DEFAULT_MAX_CTX * 128 * 4; // keys and values, f32, at the capped context
  const scratch = 4 * (151936 * 2 + 896 * 8 + 4864 * 3 + DEFAULT_MAX_CTX * 14);
  assert.equal(estimateMemory(qwen, 500e6), 500e6 + kv + scratch);
  assert.equal(refusalReason(null, qwen, 500e6), null);
  // A file that alone is nearly the heap: refused, with the numbers.
  const big = refusalReason(null, qwen, HEAP_LIMIT_BYTES);
  assert.equal(big?.key, 'refuseMemory');
  assert.match(String(big?.vars.need), /GB/);
});

test('pwa: the heap limit is the wasm builds\' MAXIMUM_MEMORY, less room for the runtime', async () => {
  const { HEAP_LIMIT_BYTES } = await import('../../site/pwa/model-manager.js');
  const { WASM_MAXIMUM_MEMORY_BYTES } = await import('../../web/client.js');
  const cmake = fs.readFileSync(new URL('../../wasm_bindings/CMakeLists.txt', import.meta.url), 'utf8');
  const flag = /-sMAXIMUM_MEMORY=(\d+)(GB|MB)?\b/.exec(cmake);
  assert.ok(flag, 'wasm_bindings/CMakeLists.txt sets -sMAXIMUM_MEMORY');
  const bytes = Number(flag[1]) * (flag[2] === 'GB' ? 2 ** 30 : flag[2] === 'MB' ? 2 ** 20 : 1);
  assert.equal(WASM_MAXIMUM_MEMORY_BYTES, bytes);
  assert.ok(HEAP_LIMIT_BYTES < bytes && HEAP_LIMIT_BYTES > bytes / 2);
});
