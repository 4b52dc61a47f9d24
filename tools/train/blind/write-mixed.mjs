// The mixed test of a blind reading (README.md): N of our 七言絕句 among N by minor Song poets
// from the held-out split, in a seeded random order, unlabeled; ours are written to the same
// titles as the Song poems, the way given (as write-pairs.mjs), with the real wasm build.
//
//   node tools/train/blind/write-mixed.mjs --out /work/cache/blind/NAME --data /work/cache/data \
//       --corpus /work/cache/corpus/package \
//       --way '{"model": "tools/train/run2-q8_0.gguf", "constraint": {"no_repeat": true},
//               "guidance": {"scale": 2.5}}' [--n 10] [--seed 1]
//
// Song poems: 七言絕句 of quantangshi/poet.song.*.json whose Simplified text (opencc-js, t→cn)
// is a poem of the held-out split of prepare.py's poems.jsonl (so the model never trained on
// it), the N least read by its rank (dist/rank hit counts: not famous, so not recognised).
// Writes NAME.mixed.txt (what the reader sees) and NAME.key.json (which is which).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as OpenCC from 'opencc-js';

import { UNTITLED } from '../../../site/app/prompt-format.js';
import { DEFAULT_SAMPLER } from '../../../site/app/writing-defaults.js';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const out = opt('--out');
const data = opt('--data', '/work/cache/data');
const corpus = opt('--corpus', '/work/cache/corpus/package');
const way = JSON.parse(opt('--way', '{}'));
const n = Number(opt('--n', 10));
const seed0 = Number(opt('--seed', 1));
if (!out) throw new Error('--out NAME is required');

// Held-out 七绝 by body (Simplified, as prepare.py wrote them).
const heldOut = new Map();
for (const line of fs.readFileSync(path.join(data, 'poems.jsonl'), 'utf8').split('\n')) {
  if (!line) continue;
  const p = JSON.parse(line);
  if (p.split === 'val' && p.form === '七绝') heldOut.set(p.body, p);
}
const toCn = OpenCC.Converter({ from: 't', to: 'cn' });
const dir = path.join(corpus, 'dist/quantangshi');
const song = [];
for (const f of fs.readdirSync(dir).filter((x) => /^poet\.song\.\d+\.json$/.test(x))) {
  for (const p of JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))) {
    const body = (p.paragraphs || []).join('');
    if (Array.from(body).length !== 32) continue; // 4 × 7 characters + 4 marks
    const cn = toCn(body);
    const held = heldOut.get(cn);
    if (held) song.push({ title: held.title, body: cn, author: toCn(p.author || ''), rank: held.rank });
  }
}
song.sort((a, b) => a.rank - b.rank || (a.body < b.body ? -1 : 1));
const chosen = song.filter((p) => Array.from(p.title).length <= 8).slice(0, n);
if (chosen.length < n) throw new Error(`only ${chosen.length} held-out Song 七绝 found`);

// Ours, to the same titles.
const wasmDir = path.resolve('build-wasm/wasm_bindings');
const { default: factory } = await import(pathToFileURL(path.join(wasmDir, 'inkstone.mjs')).href);
const M = await factory({ wasmBinary: fs.readFileSync(path.join(wasmDir, 'inkstone.wasm')) });
const prosody = (f) => fs.readFileSync(path.join('assets/prosody', f), 'utf8');
if (!M.setProsodyTables(prosody('tones.tsv'), prosody('rhyme-xinyun.tsv')).ok) throw new Error('tables');
const bytes = new Uint8Array(fs.readFileSync(way.model || 'assets/models/inkstone-poetry-q8_0.gguf'));
const ptr = M._malloc(bytes.length);
M.HEAPU8.set(bytes, ptr);
const created = M.createSession(ptr, bytes.length, { nCtx: 0, nThreads: 1 });
if (!created.ok) throw new Error(created.message);
const s = created.session;
function write(title, seed) {
  const prompt = s.tokenize(`<七绝>${title}\n`, true).tokens;
  const options = { ...DEFAULT_SAMPLER, ...(way.sampling || {}), seed, maxTokens: 64,
    constraint: JSON.stringify({ form: '七言絕句', tones: true, rhyme: true, ...(way.constraint || {}) }) };
  if (way.guidance) {
    Object.assign(options, { guidanceScale: way.guidance.scale, guidancePrompt: s.tokenize(`<七绝>${way.guidance.title ?? UNTITLED}\n`, true).tokens });
  }
  if (!s.begin(prompt, options).ok) throw new Error('begin');
  let text = '';
  for (;;) {
    const r = s.step();
    if (!r.ok) throw new Error(r.message);
    text += r.text;
    if (r.done) return text.trim().replace(/\n/g, '');
  }
}
const poems = [
  ...chosen.map((p) => ({ by: 'song', title: p.title, text: p.body, author: p.author, rank: p.rank })),
  ...chosen.map((p, i) => ({ by: 'model', title: p.title, text: write(p.title, seed0 + i) })),
];
// Seeded shuffle (xorshift32, Fisher–Yates).
let state = (seed0 * 2654435761) >>> 0 || 1;
const rand = () => {
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state / 2 ** 32;
};
for (let i = poems.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [poems[i], poems[j]] = [poems[j], poems[i]];
}
fs.mkdirSync(path.dirname(out), { recursive: true });
const lines = [`${poems.length} poems (七言絕句), each with its title.`, ''];
poems.forEach((p, i) => lines.push(`Poem ${i + 1} — title: ${p.title}`, `  ${p.text}`, ''));
fs.writeFileSync(`${out}.mixed.txt`, lines.join('\n'));
fs.writeFileSync(`${out}.key.json`, JSON.stringify({ way, n, seed: seed0, poems: poems.map((p, i) => ({ poem: i + 1, ...p })) }, null, 1) + '\n');
process.stderr.write(`wrote ${out}.mixed.txt and ${out}.key.json (${song.length} held-out Song 七绝 found)\n`);
