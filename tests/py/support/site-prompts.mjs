// The prompts the playground writes for a model (site/app/engine.js write, with the site's own
// site/app/prompt-format.js): how it is asked (its vocabulary's tags, its chat template), the
// prompt and the guidance prompt of each request; for tests/py/test_cli_prompt.py.
//   node tests/py/support/site-prompts.mjs MODEL.gguf '[{"tag": "<五绝>", "title": "春晓"}, ...]'
// Prints one JSON object: {style, prompts: [{text, addBos, special, guidance}]}.
import fs from 'node:fs';

import { loadWasm, createSession } from '../../js/support/wasm.mjs';
import { poemPrompt, promptStyle, templateThinks, UNTITLED } from '../../../site/app/prompt-format.js';

const [modelPath, requestsJson] = process.argv.slice(2);
const M = await loadWasm('inkstone');
const created = createSession(M, new Uint8Array(fs.readFileSync(modelPath)), { nCtx: 0, nThreads: 1 });
if (!created.ok) throw new Error(created.message);
const s = created.session;
const info = s.info();
const single = (t) => s.tokenize(t, false).tokens.length === 1;
// engine.js promptStyle and hasCiTag.
const style = promptStyle(info, ['<七绝>', '<其他>'].every(single));
const thinks = templateThinks(info);
const prompts = JSON.parse(requestsJson).map((r) => {
  const tag = r.tag === '<词>' && style === 'inkstone' && !single('<词>') ? '<其他>' : r.tag;
  const p = poemPrompt(style, { tag, title: r.title, thinks });
  // A 詞 and an untitled poem are written without guidance (engine.js write).
  const guided = r.tag !== '<词>' && r.title !== '';
  return { text: p.text, addBos: p.addBos, special: style === 'chatml',
    guidance: guided ? poemPrompt(style, { tag, title: UNTITLED, thinks }).text : '' };
});
process.stdout.write(JSON.stringify({ style, prompts }) + '\n');
