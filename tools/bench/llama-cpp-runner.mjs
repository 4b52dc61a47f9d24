// Runs llama.cpp natively (node-llama-cpp's prebuilt binaries, CPU only; a benchmark-only
// dependency in this folder's package.json) on one model and prints one JSON line (used by
// run.mjs next to `inkstone bench`).
//   node tools/bench/llama-cpp-runner.mjs MODEL.gguf [--threads 1] [--prompt 128] [--decode 120]
//        [--repeats 2] [--poetry]
// The prompt is the text the wasm benchmark uses (inkstone-bench-core.mjs), tokenized by
// llama.cpp with BOS put first explicitly (node-llama-cpp's tokenize() adds none), repeated to
// --prompt tokens; then --decode tokens are generated greedily (temperature 0; an end-of-generation
// token is fed back like any other, as `inkstone bench` does, so every run decodes them all), each
// one step of one token. Timing: prompt = start of evaluation to the first generated token; decode = the
// --decode steps after it. A warm-up run (32 + 8 tokens) comes first; of --repeats runs the best
// prompt and the best decode speed are kept, as `inkstone bench` does.
import { performance } from 'node:perf_hooks';

import fs from 'node:fs';

import { getLlama, LlamaLogLevel } from 'node-llama-cpp';

import { benchPromptText, POETRY_PROMPT_TEXT } from './inkstone-bench-core.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const modelPath = args[0];
const nThreads = Number(opt('--threads', 1));
const nPrompt = Number(opt('--prompt', 128));
const nDecode = Number(opt('--decode', 120));
const repeats = Number(opt('--repeats', 2));
const poetry = args.includes('--poetry');

// build 'never': the prebuilt binaries only (no download or compile); maxThreads 0: the context's
// `threads` is the number used, not a hint capped by other contexts.
const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 0, logLevel: LlamaLogLevel.error });
const t0 = performance.now();
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const context = await model.createContext({
  contextSize: nPrompt + nDecode + 16,
  batchSize: nPrompt,
  threads: { ideal: nThreads, min: nThreads },
  sequences: 1,
});
const loadMs = performance.now() - t0;
const sequence = context.getSequence();

const text = poetry ? POETRY_PROMPT_TEXT : benchPromptText(nPrompt - 1);
const body = model.tokenize(text);
let tokens = [model.tokens.bos, ...body];
while (tokens.length < nPrompt) tokens = tokens.concat(body);  // repeat (no 2nd BOS)
tokens = tokens.slice(0, nPrompt);

async function run(prompt, steps) {
  await sequence.clearHistory();
  const tb = performance.now();
  let tFirst = 0;
  let n = 0;
  for await (const token of sequence.evaluate(prompt, { temperature: 0, yieldEogToken: true })) {
    void token;
    if (n === 0) tFirst = performance.now();
    if (++n === steps + 1) break;  // the first token comes from the prompt's logits
  }
  const tEnd = performance.now();
  return { prefillMs: tFirst - tb, decodeMs: tEnd - tFirst, steps: n - 1 };
}

await run(tokens.slice(0, 32), 8);  // warm-up
let best = null;
for (let r = 0; r < repeats; r++) {
  const x = await run(tokens, nDecode);
  const promptTokS = (1000 * tokens.length) / x.prefillMs;
  const decodeTokS = (1000 * x.steps) / x.decodeMs;
  best = best ?? { promptTokS, decodeTokS, nDecode: x.steps };
  best.promptTokS = Math.max(best.promptTokS, promptTokS);
  best.decodeTokS = Math.max(best.decodeTokS, decodeTokS);
}
// Which of ggml's CPU builds (x86 variants: haswell, skylakex, zen4, ...) the backend loaded.
const cpuVariant = /libggml-cpu-([\w-]+)\.so/.exec(fs.readFileSync('/proc/self/maps', 'utf8'))?.[1];
process.stdout.write(JSON.stringify({
  engine: 'llama.cpp', platform: 'native', threads: context.currentThreads, nPrompt: tokens.length,
  ...best, loadMs, llamaCpp: llama.llamaCppRelease?.release, cpuVariant,
}) + '\n');
await context.dispose();
await model.dispose();
await llama.dispose();
