// Byte-level BPE against llama.cpp's own tokenizer (node-llama-cpp, native, CPU, vocabulary only):
// the wasm build's tokenize() on 10,000 random strings per pre-tokenizer (qwen2, llama-bpe,
// gpt-2; models from tools/fixtures/make_bpe_fixtures.py), and every committed reference case
// (tests/fixtures/tokenizer/*.txt, which the native suite checks against the C++ tokenizer) with
// and without parse_special. The strings mix Chinese, English in any case, contractions, digit
// runs, punctuation, emoji sequences, whitespace runs (CR/LF, U+3000, U+00A0, U+2028 ...), other
// scripts, control characters and the special pieces, whole and cut.
//
// What is compared: valid UTF-8 (JS strings), the specials of the vocabulary, no BOS. Where the
// two differ by design (tokenizer.h): invalid UTF-8 (llama.cpp reads each bad byte as U+FFFD,
// we keep the byte), code points assigned after Unicode 14 (our tables; llama.cpp's are 15.1),
// and symbols with no piece in an inconsistent vocabulary. None of them can occur here.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { FIXTURES, MODELS, fixtureModel, missingBuilds } from './support/paths.mjs';
import { requireOrSkip } from './support/require.mjs';
import { loadWasm, createSession } from './support/wasm.mjs';

const BPE_MODELS = ['tiny-bpe-qwen2-f32.gguf', 'tiny-bpe-llama3-f32.gguf', 'tiny-bpe-gpt2-f32.gguf'];
const N_RANDOM = 10000;  // strings per model
const SEED = 20;

let llamaCpp = null;
try {
  llamaCpp = await import('node-llama-cpp');
} catch {
  llamaCpp = null;
}
const skip = requireOrSkip(missingBuilds('inkstone'),
  llamaCpp ? false : 'node-llama-cpp (npm install: a root devDependency)');

// ------------------------------------------------------------------ random strings

/** mulberry32: a small seeded PRNG, [0, 1). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const POEM = '床前明月光疑是地上霜举头望低思故乡春眠不觉晓处闻啼鸟夜来风雨声花落知多少江南岸何时照我还山水';
const WORDS = ['the', 'moon', 'moonlight', 'poetry', 'river', 'light', 'night', 'spring', 'rain',
  'bright', 'sing', 'sea', 'mountain', 'and', 'is', 'def', 'return', 'line'];
const CONTRACTIONS = ['s', 't', 're', 've', 'm', 'll', 'd', 'x', 'S', 'T', 'RE', 'Ve', 'M', 'lL', 'D'];
const PUNCT = '!?,.;:-_()[]{}<>|/\\#$%&*+=@^`~"\'，。！？、「」《》…—€·';
const SPACES = [' ', ' ', ' ', ' ', '\t', '\n', '\n', '\r\n', '\r', '\u3000', '\u00a0', '\u2028',
  '\u0085', '\v', '\f', '\u2009'];
const EMOJI = ['🌙', '🌸', '🍵', '😀', '🚀', '👍🏽', '👨\u200d👩\u200d👧', '❤️', '🇨🇳', '✨', '☃'];
const SPECIAL = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<think>', '</think>', '<七绝>',
  '<|im', '<|', '|>', '<think', 'im_end', '<七', '<|im_start|>user\n'];
// [first, last] code point ranges assigned long before Unicode 14 (letters, marks, numbers and
// symbols of many scripts).
const SCRIPTS = [[0xC0, 0xFF], [0x100, 0x17F], [0x391, 0x3C9], [0x400, 0x45F], [0x5D0, 0x5EA],
  [0x621, 0x64A], [0x660, 0x669], [0x905, 0x939], [0x966, 0x96F], [0xE01, 0xE3A], [0xAC00, 0xD7A3],
  [0x3041, 0x3096], [0x30A1, 0x30FA], [0x4E00, 0x9FA5], [0x3400, 0x4DB5], [0x20000, 0x2A6D6],
  [0x300, 0x36F], [0x2070, 0x2070], [0x2074, 0x207E], [0x2150, 0x2182], [0x2460, 0x24FF],
  [0x2190, 0x21FF], [0x2200, 0x22FF], [0x2500, 0x257F], [0xFF01, 0xFF5E], [0xB2, 0xBE],
  [0x2B0, 0x2FF], [0x3005, 0x3007], [0x3021, 0x3029]];
const CONTROLS = [0x00, 0x01, 0x07, 0x08, 0x0E, 0x1B, 0x1F, 0x7F, 0xAD, 0x200B, 0x200D, 0xFEFF, 0xE000];

function randomString(r) {
  const pick = (/** @type {ArrayLike<any>} */ a) => a[Math.floor(r() * a.length)];
  const repeat = (/** @type {number} */ max, /** @type {() => string} */ f) => {
    let s = '';
    for (let n = 1 + Math.floor(r() * max); n > 0; n--) s += f();
    return s;
  };
  const units = [
    () => repeat(6, () => pick(POEM)),
    () => (r() < 0.5 ? ' ' : '') + pick(WORDS),
    () => { // English in any case
      const w = pick(WORDS);
      return r() < 0.5 ? w.toUpperCase() : w[0].toUpperCase() + w.slice(1);
    },
    () => repeat(5, () => String.fromCharCode(97 + Math.floor(r() * 26) - (r() < 0.3 ? 32 : 0))),
    () => "'" + pick(CONTRACTIONS),
    () => repeat(8, () => String(Math.floor(r() * 10))),
    () => repeat(3, () => pick(PUNCT)),
    () => repeat(4, () => pick(SPACES)),
    () => pick(EMOJI),
    () => pick(SPECIAL),
    () => repeat(3, () => { const [a, b] = pick(SCRIPTS); return String.fromCodePoint(a + Math.floor(r() * (b - a + 1))); }),
    () => String.fromCodePoint(pick(CONTROLS)),
  ];
  return repeat(20, () => pick(units)());
}

// ------------------------------------------------------------------ the two tokenizers

/** @returns {Promise<{llama: any, models: Map<string, any>}>} */
async function openLlamaCpp() {
  const llama = await llamaCpp.getLlama({ gpu: false, build: 'never', logLevel: llamaCpp.LlamaLogLevel.error });
  const models = new Map();
  for (const name of [...BPE_MODELS, 'tiny-llama-f32.gguf']) {
    models.set(name, await llama.loadModel({ modelPath: path.join(MODELS, name), vocabOnly: true }));
  }
  return { llama, models };
}

/** @param {{llama: any, models: Map<string, any>}} ref */
async function closeLlamaCpp(ref) {
  for (const m of ref.models.values()) await m.dispose();
  await ref.llama.dispose();
}

/** @param {string} text */
const show = (text) => JSON.stringify(text);

test('wasm tokenize equals llama.cpp on 10,000 random strings per BPE pre-tokenizer', { skip, timeout: 600_000 }, async () => {
  const M = await loadWasm('inkstone');
  const ref = await openLlamaCpp();
  try {
    for (const name of BPE_MODELS) {
      const r = createSession(M, fixtureModel(name));
      assert.equal(r.ok, true, `${name}: ${r.message}`);
      const random = rng(SEED);
      const failures = [];
      let nTokens = 0;
      let nSpecial = 0;
      for (let i = 0; i < N_RANDOM; i++) {
        const text = randomString(random);
        const ours = r.session.tokenize(text, false);
        assert.equal(ours.ok, true);
        const theirs = Array.from(ref.models.get(name).tokenize(text, false));
        nTokens += theirs.length;
        if (/<\|im|<think>|<七绝>/.test(text)) nSpecial++;
        if (ours.tokens.join(' ') !== theirs.join(' ')) failures.push(`${show(text)}\n  ours  ${ours.tokens.join(' ')}\n  llama ${theirs.join(' ')}`);
      }
      r.session.delete();
      assert.ok(nSpecial > N_RANDOM / 4, `${name}: special pieces in ${nSpecial} strings`);
      assert.equal(failures.length, 0, `${name}: ${failures.length} of ${N_RANDOM} differ (${nTokens} tokens):\n${failures.slice(0, 5).join('\n')}`);
    }
  } finally {
    await closeLlamaCpp(ref);
  }
});

test('llama.cpp gives every committed reference encoding (BPE with and without parse_special, SPM)', { skip, timeout: 300_000 }, async () => {
  const ref = await openLlamaCpp();
  try {
    const failures = [];
    const counts = { bpe: 0, bpeSpecial: 0, spm: 0 };
    const bpe = fs.readFileSync(path.join(FIXTURES, 'tokenizer/bpe-encodings.txt'), 'utf8');
    for (const line of bpe.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const [name, special, hex, ...want] = line.split(' ');
      const text = Buffer.from(hex, 'hex').toString('utf8');
      const got = Array.from(ref.models.get(name).tokenize(text, special === '1'));
      counts[special === '1' ? 'bpeSpecial' : 'bpe']++;
      if (got.join(' ') !== want.join(' ')) failures.push(`${name} ${special} ${show(text)}: ${got.join(' ')} != ${want.join(' ')}`);
    }
    // The SPM fixture (llama.cpp's space-prefix rule; tiny-gpt2's pre "gpt2" is not a name
    // llama.cpp knows, so its cases are left to the Python reference).
    const spm = fs.readFileSync(path.join(FIXTURES, 'tokenizer/random-encodings.txt'), 'utf8');
    for (const line of spm.split('\n')) {
      const [name, rule, hex, ...want] = line.split(' ');
      if (name !== 'tiny-llama-f32.gguf' || rule === 'start-only') continue;
      const text = Buffer.from(hex, 'hex').toString('utf8');
      const got = Array.from(ref.models.get(name).tokenize(text, false));
      counts.spm++;
      if (got.join(' ') !== want.join(' ')) failures.push(`${name} ${show(text)}: ${got.join(' ')} != ${want.join(' ')}`);
    }
    assert.deepEqual(counts, { bpe: 900, bpeSpecial: 900, spm: 300 });
    assert.equal(failures.length, 0, failures.slice(0, 5).join('\n'));
  } finally {
    await closeLlamaCpp(ref);
  }
});
