// Writes constrained poems with the wasm build (Node), one JSON line each, for the Python checks
// (tests/py/test_multichar_constraints.py): a model whose vocabulary spells several characters per
// token and bytes (a random-weight Qwen fixture), prompted in ChatML as the playground asks a chat
// model (site/app/prompt-format.js), with control pieces matched whole.
//   node tests/py/support/write-poems.mjs MODEL.gguf N SEED0
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadWasm, createSession } from '../../js/support/wasm.mjs';
import { poemPrompt } from '../../../site/app/prompt-format.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const [modelPath, nArg, seedArg] = process.argv.slice(2);
const n = Number(nArg);
const seed0 = Number(seedArg);
const M = await loadWasm('inkstone');
const prosody = (f) => fs.readFileSync(path.join(ROOT, 'assets/prosody', f), 'utf8');
if (!M.setProsodyTables(prosody('tones.tsv'), prosody('rhyme-xinyun.tsv')).ok) throw new Error('tables');
// The fixture was made with a 64-position context; the ChatML prompt alone is ~150 tokens, so the
// session gets 512 (random weights: positions past the trained length mean nothing special).
const created = createSession(M, new Uint8Array(fs.readFileSync(modelPath)), { nCtx: 512, nThreads: 1 });
if (!created.ok) throw new Error(created.message);
const s = created.session;
const FORMS = [['五言絕句', '<五绝>'], ['七言絕句', '<七绝>'], ['五言律詩', '<五律>'], ['七言律詩', '<七律>']];
const TITLES = ['春望', '秋夜', '山居', '江上'];
for (let i = 0; i < n; i++) {
  const [form, tag] = FORMS[i % FORMS.length];
  const title = TITLES[Math.floor(i / FORMS.length) % TITLES.length];
  const prompt = poemPrompt('chatml', { tag, title });
  const tokens = s.tokenizeSpecial(prompt.text, prompt.addBos).tokens;
  const spec = { form, tones: true, rhyme: true };
  const begun = s.begin(tokens, { seed: seed0 + i, temperature: 1, topK: 0, topP: 1, minP: 0, maxTokens: 400, constraint: JSON.stringify(spec) });
  if (!begun.ok) throw new Error(begun.message);
  let text = '';
  let masked = 0;
  let steps = 0;
  let multi = 0;
  let relaxed = 0;
  for (;;) {
    const r = s.step();
    if (!r.ok) throw new Error(r.message);
    text += r.text;
    masked += r.maskedMass;
    relaxed += r.relaxed ? 1 : 0;
    steps++;
    if (Array.from(r.text).filter((c) => /\p{Script=Han}/u.test(c)).length > 1) multi++;
    if (r.done) {
      process.stdout.write(JSON.stringify({ index: i, text: text.trim(), reason: r.reason, steps, multi, relaxed,
        meanMasked: masked / steps, settings: { constraint: spec, rhyme_book: 'xinyun', kind: 'preset' },
        promptTokens: tokens }) + '\n');
      break;
    }
  }
}
