// Load time and first-token latency of a model in Node, with the real wasm builds (no worker).
// Not asserted anywhere: printed, as ratios are what matter (see CONVENTIONS.md).
//   node tools/bench/web/bench-node.mjs [model.gguf] [--tokens N] [--threads N]
// INK_WASM_DIR=<dir> benchmarks another build folder (e.g. an -Oz build).
// Default model: assets/models/inkstone-poetry-q8_0.gguf.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const WASM_DIR = path.resolve(ROOT, process.env.INK_WASM_DIR || 'build-wasm/wasm_bindings');
const args = process.argv.slice(2);
const flag = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const modelPath = args.find((a) => a.endsWith('.gguf')) || path.join(ROOT, 'assets/models/inkstone-poetry-q8_0.gguf');
const nTokens = flag('--tokens', 64);
const nThreads = flag('--threads', 2);
const kRepeats = 5;

async function instantiate(build) {
  const t0 = performance.now();
  const factory = (await import(pathToFileURL(path.join(WASM_DIR, `${build}.mjs`)).href)).default;
  const M = await factory({
    wasmBinary: fs.readFileSync(path.join(WASM_DIR, `${build}.wasm`)),
    inkThreadPoolSize: nThreads,
    locateFile: (f) => path.join(WASM_DIR, f),
  });
  return { M, instantiateMs: performance.now() - t0 };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function bench(build, threads) {
  const { M, instantiateMs } = await instantiate(build);
  const bytes = fs.readFileSync(modelPath);
  const loads = [];
  const firsts = [];
  const rates = [];
  let name = '';
  let kernels = '';
  for (let i = 0; i < kRepeats; i++) {
    const t0 = performance.now();
    const ptr = M._malloc(bytes.length);
    (M.wasmMemory ? new Uint8Array(M.wasmMemory.buffer) : M.HEAPU8).set(bytes, ptr);
    const r = M.createSession(ptr, bytes.length, { nThreads: threads });
    if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    const s = r.session;
    loads.push(performance.now() - t0);
    const info = s.info();
    name = info.name;
    kernels = info.kernels;
    const prompt = s.tokenize('', true).tokens;
    const t1 = performance.now();
    s.begin(prompt.length ? prompt : [info.bos], { seed: i, maxTokens: nTokens, stopAtEos: false });
    s.step();
    firsts.push(performance.now() - t1);
    const t2 = performance.now();
    let n = 1;
    for (;;) {
      const st = s.step();
      if (!st.ok || st.done) break;
      n++;
    }
    rates.push((n - 1) / ((performance.now() - t2) / 1000));
    s.delete();
  }
  if (M.PThread) M.PThread.terminateAllThreads();
  console.log(
    `${build.padEnd(12)} threads ${threads}  kernels ${kernels.padEnd(8)} instantiate ${instantiateMs.toFixed(0)} ms  ` +
      `load ${median(loads).toFixed(1)} ms  first token ${median(firsts).toFixed(1)} ms  ` +
      `decode ${median(rates).toFixed(0)} tok/s  (${name}, median of ${kRepeats})`,
  );
}

console.log(`model ${path.relative(ROOT, modelPath)} (${(fs.statSync(modelPath).size / 1e6).toFixed(1)} MB), node ${process.version}`);
await bench('inkstone', 1);
if (fs.existsSync(path.join(WASM_DIR, 'inkstone-mt.wasm'))) {
  await bench('inkstone-mt', 1);
  await bench('inkstone-mt', nThreads);
}
