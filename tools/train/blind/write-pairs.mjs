// Writes the poems of a blind reading (tools/train/blind/README.md): for each title, one poem the
// way A and one the way B, same form, title and seed, with the real wasm build and the site's
// settings; then the pairs in a seeded random order, unlabeled, and a separate key.
//
//   node tools/train/blind/write-pairs.mjs --out /work/cache/blind/NAME \
//       --a '{"model": "assets/models/inkstone-poetry-q8_0.gguf"}' \
//       --b '{"model": "tools/train/run2-q8_0.gguf", "constraint": {"no_repeat": true}}' \
//       [--form 七言絕句] [--n 40] [--seed 1] [--wasm-dir build-wasm/wasm_bindings]
//
// A way: {model, constraint (merged over {form}), sampling (merged over the site's defaults),
// tag (default from the form), guidance ({scale, title}: classifier-free guidance against the
// same tag with `title`, default 无题)}. Writes NAME.pairs.txt (what the reader sees: titles and texts
// only), NAME.key.json (which text is which way, and every setting) — keep the key from the reader.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { UNTITLED } from '../../../site/app/prompt-format.js';
import { DEFAULT_SAMPLER } from '../../../site/app/writing-defaults.js';
import { TITLES } from './titles.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const out = opt('--out');
if (!out) throw new Error('--out NAME is required');
const form = opt('--form', '七言絕句');
const n = Number(opt('--n', 40));
const seed0 = Number(opt('--seed', 1));
const wasmDir = path.resolve(opt('--wasm-dir', 'build-wasm/wasm_bindings'));
const ways = { A: JSON.parse(opt('--a', '{}')), B: JSON.parse(opt('--b', '{}')) };

// The playground's defaults (site/app/writing-defaults.js).
const SITE_SAMPLING = DEFAULT_SAMPLER;
const TAGS = { 五言絕句: '<五绝>', 七言絕句: '<七绝>', 五言律詩: '<五律>', 七言律詩: '<七律>' };

const { default: createInkstoneModule } = await import(pathToFileURL(path.join(wasmDir, 'inkstone.mjs')).href);
const M = await createInkstoneModule({ wasmBinary: fs.readFileSync(path.join(wasmDir, 'inkstone.wasm')) });
const prosody = (f) => fs.readFileSync(path.join('assets/prosody', f), 'utf8');

function openSession(modelPath) {
  const bytes = new Uint8Array(fs.readFileSync(modelPath));
  const ptr = M._malloc(bytes.length);
  M.HEAPU8.set(bytes, ptr);
  const r = M.createSession(ptr, bytes.length, { nCtx: 0, nThreads: 1 });
  if (!r.ok) throw new Error(`${modelPath}: ${r.message}`);
  return r.session;
}

function write(session, way, title, seed) {
  const tag = way.tag || TAGS[form];
  const tok = session.tokenize(`${tag}${title}\n`, true);
  if (!tok.ok) throw new Error(tok.message);
  const constraint = JSON.stringify({ form, ...(way.constraint || {}) });
  // Guidance: {scale, title}: the unconditioned prompt is the same tag with `title` (无题).
  const guidance = {};
  if (way.guidance) {
    const g = session.tokenize(`${tag}${way.guidance.title ?? UNTITLED}\n`, true);
    if (!g.ok) throw new Error(g.message);
    Object.assign(guidance, { guidanceScale: way.guidance.scale, guidancePrompt: g.tokens });
  }
  const r = session.begin(tok.tokens, { ...SITE_SAMPLING, ...(way.sampling || {}), ...guidance, seed, maxTokens: 128, constraint });
  if (!r.ok) throw new Error(r.message);
  let text = '';
  for (;;) {
    const s = session.step();
    if (!s.ok) throw new Error(s.message);
    text += s.text;
    if (s.done) return { text: text.trim(), reason: s.reason };
  }
}

const rhymeBook = ways.A.rhymeBook || 'xinyun';
const set = M.setProsodyTables(prosody('tones.tsv'), prosody(`rhyme-${rhymeBook}.tsv`));
if (!set.ok) throw new Error(set.message);
// One session per model file (both ways may use the same model).
const byModel = new Map();
const sessions = {};
for (const [k, w] of Object.entries(ways)) {
  w.model = w.model || 'assets/models/inkstone-poetry-q8_0.gguf';
  if (!byModel.has(w.model)) byModel.set(w.model, openSession(w.model));
  sessions[k] = byModel.get(w.model);
}
// A seeded shuffle (xorshift32) decides, per pair, which way is shown first.
let state = (seed0 * 2654435761) >>> 0 || 1;
const rand = () => {
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state / 2 ** 32;
};
const pairs = [];
for (let i = 0; i < n; i++) {
  const title = TITLES[i % TITLES.length];
  const seed = seed0 + i;
  const poems = { A: write(sessions.A, ways.A, title, seed), B: write(sessions.B, ways.B, title, seed) };
  const first = rand() < 0.5 ? 'A' : 'B';
  pairs.push({ pair: i + 1, title, seed, first, poems });
  process.stderr.write(`${i + 1}/${n} ${title}\r`);
}
fs.mkdirSync(path.dirname(out), { recursive: true });
const lines = [`${pairs.length} pairs. Each pair: two poems written to the same title and form.`, ''];
for (const p of pairs) {
  const second = p.first === 'A' ? 'B' : 'A';
  lines.push(`Pair ${p.pair} — title: ${p.title}`, `  Poem 1: ${p.poems[p.first].text}`, `  Poem 2: ${p.poems[second].text}`, '');
}
fs.writeFileSync(`${out}.pairs.txt`, lines.join('\n'));
fs.writeFileSync(`${out}.key.json`, JSON.stringify({ form, ways, siteSampling: SITE_SAMPLING, rhymeBook, pairs }, null, 1) + '\n');
process.stderr.write(`\nwrote ${out}.pairs.txt and ${out}.key.json\n`);
