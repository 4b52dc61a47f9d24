// Runs the Inkstone wasm build in Node on one model and prints one JSON line (used by run.mjs).
//   node tools/bench/node-runner.mjs MODEL.gguf --wasm-dir build-wasm-simd/wasm_bindings
//        [--prompt 128] [--decode 120] [--kind llama|qwen|poetry] (benchKind in inkstone-bench-core.mjs)
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { benchInkstone, benchSetup } from './inkstone-bench-core.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const modelPath = args[0];
const wasmDir = path.resolve(opt('--wasm-dir', 'build-wasm-simd/wasm_bindings'));
const nPrompt = Number(opt('--prompt', 128));
const nDecode = Number(opt('--decode', 120));
const { promptText, banTokens } = benchSetup(opt('--kind', 'llama'), nPrompt);

const { default: createInkstoneModule } = await import(pathToFileURL(path.join(wasmDir, 'inkstone.mjs')).href);
const M = await createInkstoneModule({ wasmBinary: fs.readFileSync(path.join(wasmDir, 'inkstone.wasm')) });
const bytes = new Uint8Array(fs.readFileSync(modelPath));
const r = benchInkstone(M, bytes, { nThreads: 1, nPrompt, nDecode, promptText, banTokens });
process.stdout.write(JSON.stringify({ ...r, platform: 'node', rssBytes: process.memoryUsage().rss }) + '\n');
