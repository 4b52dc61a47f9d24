#!/usr/bin/env node
// Where a decode step's time goes: runs the Inkstone wasm build in Node under V8's sampling
// profiler (--cpu-prof) on one model (prompt, then greedy decode, as tools/bench/run.mjs does)
// and prints self time per function, grouped into phases (matmul, attention, norms, sampler,
// JS glue, ...), as a share of the run.
//
//   NODE_PATH=/usr/share/nodejs emcmake cmake -S . -B build-wasm-prof -DCMAKE_BUILD_TYPE=Release \
//     -DCMAKE_EXE_LINKER_FLAGS=--profiling-funcs && cmake --build build-wasm-prof --target inkstone
//   node tools/bench/profile.mjs MODEL.gguf [--wasm-dir build-wasm-prof/wasm_bindings]
//        [--prompt 128] [--decode 120] [--top 25] [--json FILE]
//
// --profiling-funcs keeps the wasm function names (an -O3 build otherwise shows
// wasm-function[N]); the code is the same optimised code. The profile covers the whole run
// (load, prefill, decode); --prompt 1 leaves nearly only decode.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def;
};
const model = argv[0];
if (!model || !fs.existsSync(model)) {
  console.error('usage: node tools/bench/profile.mjs MODEL.gguf [--wasm-dir DIR] [--prompt N] [--decode N]');
  process.exit(2);
}
const wasmDir = path.resolve(opt('--wasm-dir', 'build-wasm-prof/wasm_bindings'));
const top = Number(opt('--top', 25));
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-prof-'));

const run = spawnSync(
  process.execPath,
  [
    '--cpu-prof', `--cpu-prof-dir=${outDir}`, '--cpu-prof-interval=100',
    path.join(HERE, 'node-runner.mjs'), model, '--wasm-dir', wasmDir,
    '--prompt', opt('--prompt', '128'), '--decode', opt('--decode', '120'),
  ],
  { encoding: 'utf8' },
);
if (run.status !== 0) {
  console.error(run.stderr || run.stdout);
  process.exit(1);
}
const result = JSON.parse(run.stdout.trim().split('\n').pop());
const file = fs.readdirSync(outDir).find((f) => f.endsWith('.cpuprofile'));
const profile = JSON.parse(fs.readFileSync(path.join(outDir, file), 'utf8'));
fs.rmSync(outDir, { recursive: true, force: true });

// Self time per node: samples x interval (timeDeltas give the exact spacing).
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) || 0) + (profile.timeDeltas[i] || 0));
}
const byName = new Map();
let total = 0;
for (const [id, us] of selfUs) {
  const frame = byId.get(id).callFrame;
  const name = frame.functionName || `(${frame.url ? path.basename(frame.url) : 'program'})`;
  byName.set(name, (byName.get(name) || 0) + us);
  total += us;
}

/** The phase a function belongs to, by its (demangled C++ or JS) name. */
function phase(name) {
  if (/^\((idle|garbage collector|program)\)$/.test(name)) return 'idle / GC / V8';
  if (/quantize_activations/.test(name)) return 'quantize activations';
  if (/matmul|matvec|quant_tile|dot_chunk|f32_tile|gemm|gemv/.test(name)) return 'matmul';
  if (/attention|softmax/i.test(name)) return 'attention';
  if (/rms_?norm/i.test(name)) return 'rmsnorm';
  if (/rope/i.test(name)) return 'rope';
  if (/silu|swiglu|elementwise|add_|residual/i.test(name)) return 'elementwise';
  if (/sampler|sort|heap|candidate|penalty/i.test(name)) return 'sampler';
  if (/get_rows|embed/i.test(name)) return 'embedding lookup';
  if (/^(mem(cpy|set|move)|malloc|free|dlmalloc|dlfree|operator new|operator delete)/.test(name)) return 'memory (memcpy/malloc)';
  if (/^\$?(emscripten|embind|_embind)|::val|BindingType|invoker|MethodInvoker/.test(name)) return 'embind glue (C++)';
  if (/^[\w$]+$/.test(name) && !name.includes('::')) return 'JS (runner, embind)';
  return 'other C++';
}
const phases = new Map();
for (const [name, us] of byName) phases.set(phase(name), (phases.get(phase(name)) || 0) + us);

const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
const ms = (us) => `${(us / 1000).toFixed(1).padStart(8)} ms`;
console.log(`model ${path.basename(model)}: prompt ${result.promptTokS?.toFixed?.(1) ?? '?'} tok/s, decode ${result.decodeTokS?.toFixed?.(1) ?? '?'} tok/s; profile ${(total / 1000).toFixed(0)} ms`);
console.log('\nphase                        self time     share');
for (const [name, us] of [...phases].sort((a, b) => b[1] - a[1])) console.log(`${name.padEnd(26)} ${ms(us)}  ${pct(us)}`);
console.log(`\ntop ${top} functions (self time)`);
for (const [name, us] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${ms(us)}  ${pct(us)}  ${name.length > 110 ? name.slice(0, 107) + '...' : name}`);
}
const jsonOut = opt('--json', '');
if (jsonOut) {
  fs.writeFileSync(jsonOut, JSON.stringify({ model: path.basename(model), result, totalUs: total,
    phases: Object.fromEntries(phases), functions: Object.fromEntries(byName) }, null, 1));
}
