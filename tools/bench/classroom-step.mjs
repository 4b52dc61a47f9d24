// What one guided classroom step costs the runtime (wasm build in Node, one thread, one session,
// as the classroom's worker has): the probe as site/classroom/engine.js makes it now (one guided
// run with probes.guidance: the two runs' logits come with the mix) against the way before
// (the guided run, then two plain runs for cond and uncond, which also break the KV-cache reuse
// of the next step's prefix). Along a 七絕 written by the model, alternating per step, with the
// form rules (the chosen tokens forced one by one, as the classroom does) and without (the chosen
// tokens part of the prompt). Reported, never asserted.
//   node tools/bench/classroom-step.mjs [--model assets/models/inkstone-poetry-q8_0.gguf] [--steps 32]
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const modelPath = opt('--model', 'assets/models/inkstone-poetry-q8_0.gguf');
const nSteps = Number(opt('--steps', 32));
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

const prompt = s.tokenize('<七绝>春江\n', true).tokens;
const untitled = s.tokenize('<七绝>无题\n', true).tokens;
const constraint = JSON.stringify({ form: '七言絕句', tones: true, rhyme: true, no_repeat: true });
const PLAIN = { seed: 0, temperature: 1, topK: 0, topP: 1, minP: 0, repeatPenalty: 1, stopAtEos: false };

/** One step's probes after `chosen` (engine.js probe): forced under the rules, else prompted. */
function guidedStep(chosen, withGuideProbe, rules) {
  const probes = { distribution: true, attention: true, qkv: { layer: 0, head: 0 }, guidance: withGuideProbe };
  const ok = rules
    ? s.begin(prompt, { ...PLAIN, constraint, maxTokens: chosen.length + 1, guidanceScale: 2.5, guidancePrompt: untitled, probes })
    : s.begin([...prompt, ...chosen], { ...PLAIN, maxTokens: 1, guidanceScale: 2.5, guidancePrompt: [...untitled, ...chosen], probes });
  if (!ok.ok) throw new Error(ok.message);
  if (rules) for (const t of chosen) if (!s.forceToken(t).ok) throw new Error('force');
  const r = s.step();
  if (!r.ok) throw new Error(r.message);
  return r;
}

/** The logits after a prompt, from a plain run (what engine.js did before, twice per step). */
function plainLogits(tokens) {
  if (!s.begin(tokens, { ...PLAIN, maxTokens: 1, probes: { distribution: true } }).ok) throw new Error('begin');
  return s.step().logits;
}

// The path: a poem the model writes with the rules and guidance.
if (!s.begin(prompt, { ...PLAIN, seed: 3, constraint, maxTokens: nSteps, guidanceScale: 2.5, guidancePrompt: untitled }).ok) throw new Error('begin');
const path_ = [];
for (;;) {
  const r = s.step();
  path_.push(r.token);
  if (r.done) break;
}
const steps = Math.min(nSteps, path_.length);
const result = { model: path.basename(modelPath), steps };
for (const rules of [true, false]) {
  const total = { now: 0, before: 0 };
  guidedStep([], true, rules);
  for (let i = 0; i < steps; i++) {
    const chosen = path_.slice(0, i);
    for (const way of i % 2 ? ['before', 'now'] : ['now', 'before']) {
      const t0 = performance.now();
      if (way === 'now') {
        const r = guidedStep(chosen, true, rules);
        if (!r.condLogits || !r.uncondLogits) throw new Error('no guidance probe');
      } else {
        guidedStep(chosen, false, rules);
        plainLogits([...prompt, ...chosen]);
        plainLogits([...untitled, ...chosen]);
      }
      total[way] += performance.now() - t0;
    }
  }
  result[rules ? 'rules' : 'noRules'] = {
    msPerStep: { before: Number((total.before / steps).toFixed(2)), now: Number((total.now / steps).toFixed(2)) },
    nowOverBefore: Number((total.now / total.before).toFixed(3)),
  };
}
console.log(JSON.stringify(result));
