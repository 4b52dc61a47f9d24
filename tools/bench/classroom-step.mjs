// What one guided classroom step with the form rules costs the runtime (wasm build in Node, one
// thread, as the classroom's worker has): the chosen tokens as the run's forced prefix (prefilled
// after the prompt, the cached part reused: what site/classroom/engine.js does now) against forced
// one by one (one step each: what it did before, every chosen token decoded again at every step).
// Each way has its own session (the classroom has one), so each reuses only its own cache; along a
// 七絕 written by the model, alternating per step. Without the rules (the chosen tokens part of the
// prompt) for reference. All with the guidance probe. Reported, never asserted.
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
const session = () => {
  const created = M.createSession(ptr, bytes.length, { nCtx: 0, nThreads: 1 });
  if (!created.ok) throw new Error(created.message);
  return created.session;
};
const s = session();
const sessions = { prefix: s, oneByOne: session(), noRules: session() };

const prompt = s.tokenize('<七绝>春江\n', true).tokens;
const untitled = s.tokenize('<七绝>无题\n', true).tokens;
const constraint = JSON.stringify({ form: '七言絕句', tones: true, rhyme: true, no_repeat: true });
const PLAIN = { seed: 0, temperature: 1, topK: 0, topP: 1, minP: 0, repeatPenalty: 1, stopAtEos: false };

/** One step's probes after `chosen` on session `ss`, the chosen tokens given as `way`. */
function guidedStep(ss, chosen, way) {
  const probes = { distribution: true, attention: true, qkv: { layer: 0, head: 0 }, guidance: true };
  const guide = { guidanceScale: 2.5, guidancePrompt: untitled, probes };
  const ok = way === 'prefix' ? ss.begin(prompt, { ...PLAIN, ...guide, constraint, maxTokens: 1, forcedPrefix: chosen })
    : way === 'oneByOne' ? ss.begin(prompt, { ...PLAIN, ...guide, constraint, maxTokens: chosen.length + 1 })
      : ss.begin([...prompt, ...chosen], { ...PLAIN, ...guide, guidancePrompt: [...untitled, ...chosen], maxTokens: 1 });
  if (!ok.ok) throw new Error(ok.message);
  if (way === 'oneByOne') for (const t of chosen) if (!ss.forceToken(t).ok) throw new Error('force');
  const r = ss.step();
  if (!r.ok) throw new Error(r.message);
  if (!r.condLogits || !r.uncondLogits) throw new Error('no guidance probe');
  return r;
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
const total = { prefix: 0, oneByOne: 0, noRules: 0 };
const same = { tokens: 0, logits: 0 };
for (const way of Object.keys(total)) guidedStep(sessions[way], [], way);
for (let i = 0; i < steps; i++) {
  const chosen = path_.slice(0, i);
  const order = i % 2 ? ['oneByOne', 'prefix', 'noRules'] : ['prefix', 'oneByOne', 'noRules'];
  const got = {};
  for (const way of order) {
    const t0 = performance.now();
    got[way] = guidedStep(sessions[way], chosen, way);
    total[way] += performance.now() - t0;
  }
  same.tokens += got.prefix.token === got.oneByOne.token;
  same.logits += got.prefix.logits.every((v, k) => Object.is(v, got.oneByOne.logits[k]));
}
result.msPerStep = Object.fromEntries(Object.entries(total).map(([k, v]) => [k, Number((v / steps).toFixed(2))]));
result.prefixOverOneByOne = Number((total.prefix / total.oneByOne).toFixed(3));
result.sameAsOneByOne = `${same.logits} of ${steps} steps' logits bit for bit, ${same.tokens} tokens`;
console.log(JSON.stringify(result));
