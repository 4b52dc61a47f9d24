// What the way of writing costs (issue 14): 七言絕句 written by the wasm build in Node, one
// thread, the old way (site sampling, constraints) against the new way (+ no_repeat + guidance
// 2.5 against the same tag with 无题, a second session decoding beside the first), same titles
// and seeds, alternating per poem; prints characters per second of each and their ratio.
//   node tools/bench/writing.mjs [--model assets/models/inkstone-poetry-q8_0.gguf] [--n 40]
//        [--guidance 2.5]
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

import { UNTITLED } from '../../site/app/prompt-format.js';
import { DEFAULT_SAMPLER, SAMPLING_DEFAULTS } from '../../site/app/writing-defaults.js';
import { TITLES as ALL_TITLES } from '../train/blind/titles.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const modelPath = opt('--model', 'assets/models/inkstone-poetry-q8_0.gguf');
const n = Number(opt('--n', 40));
const scale = Number(opt('--guidance', SAMPLING_DEFAULTS.guidance));
const wasmDir = path.resolve('build-wasm/wasm_bindings');

const { default: factory } = await import(pathToFileURL(path.join(wasmDir, 'inkstone.mjs')).href);
const M = await factory({ wasmBinary: fs.readFileSync(path.join(wasmDir, 'inkstone.wasm')) });
const prosody = (f) => fs.readFileSync(path.join('assets/prosody', f), 'utf8');
if (!M.setProsodyTables(prosody('tones.tsv'), prosody('rhyme-xinyun.tsv')).ok) throw new Error('tables');
const bytes = new Uint8Array(fs.readFileSync(modelPath));
const ptr = M._malloc(bytes.length);
M.HEAPU8.set(bytes, ptr);
const created = M.createSession(ptr, bytes.length, { nCtx: 0, nThreads: 1 });
if (!created.ok) throw new Error(created.message);
const s = created.session;

const SAMPLING = { ...DEFAULT_SAMPLER, maxTokens: 64 };
const TITLES = ALL_TITLES.slice(0, 10);
const untitled = s.tokenize(`<七绝>${UNTITLED}\n`, true).tokens;

function write(title, seed, newWay) {
  const prompt = s.tokenize(`<七绝>${title}\n`, true).tokens;
  const options = { ...SAMPLING, seed, constraint: JSON.stringify({ form: '七言絕句', tones: true, rhyme: true, no_repeat: newWay }) };
  if (newWay) Object.assign(options, { guidanceScale: scale, guidancePrompt: untitled });
  const t0 = performance.now();
  if (!s.begin(prompt, options).ok) throw new Error('begin');
  let chars = 0;
  for (;;) {
    const r = s.step();
    if (!r.ok) throw new Error(r.message);
    chars += Array.from(r.text).length;
    if (r.done) return { ms: performance.now() - t0, chars };
  }
}

write('热身', 0, false);
write('热身', 0, true);
const total = { old: { ms: 0, chars: 0 }, new: { ms: 0, chars: 0 } };
for (let i = 0; i < n; i++) {
  const title = TITLES[i % TITLES.length];
  for (const way of i % 2 ? ['new', 'old'] : ['old', 'new']) {
    const r = write(title, 1000 + i, way === 'new');
    total[way].ms += r.ms;
    total[way].chars += r.chars;
  }
}
const rate = (w) => (1000 * total[w].chars) / total[w].ms;
console.log(JSON.stringify({
  model: path.basename(modelPath), poems: n, guidance: scale,
  oldCharsPerS: Math.round(rate('old')), newCharsPerS: Math.round(rate('new')),
  newOverOld: Number((rate('new') / rate('old')).toFixed(3)),
  msPerPoem: { old: Number((total.old.ms / n).toFixed(1)), new: Number((total.new.ms / n).toFixed(1)) },
}));
