#!/usr/bin/env node
// Builds site/app/hanzi-map.json: the Simplified <-> Traditional character map the playground
// uses for its display toggle and to turn Traditional input into the model's Simplified
// characters. Only characters that matter to the model are kept:
//   s2t  every vocabulary character whose Traditional form differs (OpenCC s2tw: Taiwan standard
//        forms such as 為 裡, one character at a time, so no phrase context: 发 always becomes 發)
//   t2s  every Traditional character (OpenCC's TSCharacters table, plus the s2t results) whose
//        Simplified form (OpenCC t2s) is a vocabulary character and differs
// Format: {"source": ..., "s2t": "简繁简繁…", "t2s": "繁简繁简…"} — pairs of code points.
//
//   node tools/site/make-hanzi-map.mjs <model.gguf> [out.json]
// Needs Debian's `opencc` and `opencc_dict` (package opencc, data in /usr/share/opencc).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [modelPath, outArg] = process.argv.slice(2);
if (!modelPath) {
  console.error('usage: make-hanzi-map.mjs <model.gguf> [out.json]');
  process.exit(2);
}
const root = resolve(new URL('../..', import.meta.url).pathname);
const out = resolve(outArg ?? join(root, 'site', 'app', 'hanzi-map.json'));

/**
 * The token strings of a GGUF file (tokenizer.ggml.tokens), read with bounds checks.
 * @param {Buffer} buf
 * @returns {string[]}
 */
function ggufTokens(buf) {
  let pos = 0;
  const need = (n) => {
    if (pos + n > buf.length) throw new Error('gguf: truncated');
  };
  const u32 = () => (need(4), (pos += 4), buf.readUInt32LE(pos - 4));
  const u64 = () => (need(8), (pos += 8), Number(buf.readBigUInt64LE(pos - 8)));
  const str = () => {
    const n = u64();
    need(n);
    pos += n;
    return buf.toString('utf8', pos - n, pos);
  };
  const SIZES = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  /** @param {number} type @returns {unknown} */
  const skipOrRead = (type, keep) => {
    if (type === 8) return str();
    if (type === 9) {
      const elem = u32();
      const n = u64();
      const items = [];
      for (let i = 0; i < n; i++) {
        const v = skipOrRead(elem, keep);
        if (keep) items.push(v);
      }
      return items;
    }
    const size = SIZES[type];
    if (!size) throw new Error(`gguf: unknown value type ${type}`);
    need(size);
    pos += size;
    return null;
  };
  if (buf.toString('latin1', 0, 4) !== 'GGUF') throw new Error('not a GGUF file');
  pos = 4;
  u32(); // version
  u64(); // tensors
  const nKv = u64();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const type = u32();
    const value = skipOrRead(type, key === 'tokenizer.ggml.tokens');
    if (key === 'tokenizer.ggml.tokens') return /** @type {string[]} */ (value);
  }
  throw new Error('gguf: no tokenizer.ggml.tokens');
}

/** @param {string} config @param {string[]} chars @returns {string[]} one result per char */
function convert(config, chars) {
  const text = execFileSync('opencc', ['-c', config], { input: chars.join('\n') + '\n' }).toString('utf8');
  const lines = text.split('\n');
  return chars.map((_, i) => lines[i] ?? '');
}

const isHan = (/** @type {string} */ s) => /^\p{Script=Han}$/u.test(s);
const vocab = ggufTokens(readFileSync(modelPath)).filter(isHan);
const inVocab = new Set(vocab);

const s2t = new Map();
const trad = convert('s2tw.json', vocab);
vocab.forEach((ch, i) => {
  if (isHan(trad[i]) && trad[i] !== ch) s2t.set(ch, trad[i]);
});

const dir = mkdtempSync(join(tmpdir(), 'hanzi-map-'));
let tsKeys = [];
try {
  const txt = join(dir, 'ts.txt');
  execFileSync('opencc_dict', ['-i', '/usr/share/opencc/TSCharacters.ocd2', '-o', txt, '-f', 'ocd2', '-t', 'text']);
  tsKeys = readFileSync(txt, 'utf8').split('\n').map((l) => l.split('\t')[0]).filter(isHan);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const tradChars = [...new Set([...tsKeys, ...s2t.values()])].filter((ch) => !inVocab.has(ch));
const simp = convert('t2s.json', tradChars);
const t2s = new Map();
tradChars.forEach((ch, i) => {
  if (inVocab.has(simp[i]) && simp[i] !== ch) t2s.set(ch, simp[i]);
});

const pairs = (/** @type {Map<string, string>} */ m) => [...m].map(([a, b]) => a + b).join('');
writeFileSync(
  out,
  JSON.stringify({
    source: `OpenCC s2tw/t2s (Debian package opencc), characters of the model vocabulary (${vocab.length} Han tokens); tools/site/make-hanzi-map.mjs`,
    s2t: pairs(s2t),
    t2s: pairs(t2s),
  }) + '\n',
);
console.log(`hanzi map: ${s2t.size} s2t, ${t2s.size} t2s -> ${out}`);
