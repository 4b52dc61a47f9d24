#!/usr/bin/env node
// The side-by-side benchmark of issues 5 and 17: Inkstone (native CLI with the ref and the
// default (avx2) kernels, wasm in Node, wasm in headless Chromium with 1 and 2 threads), llama.cpp
// natively (node-llama-cpp's prebuilt CPU binaries, llama-cpp-runner.mjs) with 1 and 2 threads,
// and wllama (llama.cpp's wasm build, @wllama/wllama, in the same Chromium page setup) on the
// same GGUF files; prompt 128 tokens, then 120 decoded greedily.
//
//   /usr/bin/python3 tools/bench/make_bench_models.py         # once: random-weight models
//   (cd tools/bench && npm install)                            # once: wllama, node-llama-cpp
//   node tools/bench/run.mjs [options]
//
// Options (defaults in brackets):
//   --models DIR        GGUFs from make_bench_models.py [/work/cache/bench-models or build/bench-models]
//   --only LIST         model stems, e.g. S15-q8_0,P8-q8_0 [S15-q8_0,P8-q8_0,S110-q8_0,S110-f32];
//                       also Q05-q8_0, Q05-q4_k_m (Qwen2.5-0.5B's shape: make_bench_models.py --models Q05)
//   --poetry FILE       the shipped poetry model [first assets/models/*.gguf, if any]
//   --skip LIST         any of native,native-ref,llama,node,chromium,wllama,poetry
//   --threads LIST      thread counts of the native runs and of Chromium [1,2]
//   --repeats N         runs per (engine, model, threads); the best is kept [2]
//   --prompt N --decode N                                       [128, 120]
//   --native BIN        Inkstone CLI [build/inkstone, else build-speed/inkstone]
//   --wasm-dir DIR      wasm_bindings build output [build-wasm-simd/wasm_bindings, else build-wasm/...]
//   --kernel-bench JS   inkstone_wasm_bench.js, for the bandwidth probe [build-wasm-simd/tools/bench/wasm/...]
//   --json FILE         where to write the results [<models dir>/bench-results.json]
//   --agree N           greedy tokens compared between Inkstone and wllama [16]; 0: off
//
// Prints four tables (native: Inkstone ref and avx2 against llama.cpp, as ratios; the browser and
// Node: speed with ratios to wllama and to the bandwidth limit; load time, time to first token,
// memory; the first N greedy tokens of Inkstone and wllama from the same prompt text, and how many
// agree) and writes every measurement as JSON. Native engines alternate per repetition (Inkstone,
// llama.cpp, then llama.cpp, Inkstone, ...) and keep their best; the ref kernels ("before") run
// once, on one thread (they take minutes on S110). The bandwidth limit of decode is
// (measured wasm SIMD128 DRAM read bandwidth) / (bytes of weights one decode step reads, ~ the
// file size); it only binds for models that do not fit in the last-level cache.
// Timing is wall-clock (what a user sees); on a shared machine compare ratios within one run.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ROOT, startServer } from '../lib/static-server.mjs';
import { launchChromium } from '../lib/chromium.mjs';
import { benchKind } from './inkstone-bench-core.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def;
};
const firstExisting = (...ps) => ps.find((p) => p && fs.existsSync(p));
const rootPath = (p) => path.resolve(ROOT, p);

const modelsDir = path.resolve(
  opt('--models', fs.existsSync('/work/cache') ? '/work/cache/bench-models' : rootPath('build/bench-models')),
);
const only = opt('--only', 'S15-q8_0,P8-q8_0,S110-q8_0,S110-f32').split(',').filter(Boolean);
const skip = new Set(opt('--skip', '').split(',').filter(Boolean));
const threadList = opt('--threads', '1,2').split(',').map(Number);
const repeats = Number(opt('--repeats', 2));
const nPrompt = Number(opt('--prompt', 128));
const nDecode = Number(opt('--decode', 120));
const nAgree = Number(opt('--agree', 16));
const nativeBin = opt('--native', firstExisting(rootPath('build/inkstone'), rootPath('build-speed/inkstone')));
const defaultWasmDir = [rootPath('build-wasm-simd/wasm_bindings'), rootPath('build-wasm/wasm_bindings')]
  .find((d) => fs.existsSync(path.join(d, 'inkstone.mjs'))) ?? rootPath('build-wasm-simd/wasm_bindings');
const wasmDir = path.resolve(opt('--wasm-dir', defaultWasmDir));
const kernelBench = opt('--kernel-bench', rootPath('build-wasm-simd/tools/bench/wasm/inkstone_wasm_bench.js'));
const jsonOut = path.resolve(opt('--json', path.join(modelsDir, 'bench-results.json')));
const assetsModels = rootPath('assets/models');
const poetryPath = opt(
  '--poetry',
  fs.existsSync(assetsModels)
    ? fs.readdirSync(assetsModels).filter((f) => f.endsWith('.gguf')).map((f) => path.join(assetsModels, f))[0]
    : undefined,
);

const models = only
  .map((stem) => ({ name: stem, file: path.join(modelsDir, `${stem}.gguf`), poetry: false, kind: benchKind(stem) }))
  .filter((m) => {
    if (fs.existsSync(m.file)) return true;
    console.error(`skip ${m.name}: ${m.file} is missing (run tools/bench/make_bench_models.py)`);
    return false;
  });
if (poetryPath && fs.existsSync(poetryPath) && !skip.has('poetry')) {
  models.push({ name: 'poetry', file: path.resolve(poetryPath), poetry: true, kind: 'poetry' });
}
if (models.length === 0) {
  console.error('no models to run');
  process.exit(2);
}

const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
const loadAtStart = os.loadavg();
const results = [];  // every measurement
const record = (r) => {
  results.push(r);
  const ok = r.ok !== false;
  log(`${r.engine}/${r.platform} ${r.model} t${r.threads}:`, ok
    ? `prompt ${r.promptTokS?.toFixed(1)} tok/s, decode ${r.decodeTokS?.toFixed(1)} tok/s, load ${r.loadMs?.toFixed(0)} ms`
    : `FAILED ${r.error}`);
};
const haveTime = fs.existsSync('/usr/bin/time');

// Runs a command under /usr/bin/time (peak RSS); returns { stdout, maxRssBytes }.
function runMeasured(cmd, args) {
  const full = haveTime ? ['/usr/bin/time', ['-f', 'MAXRSS_KB %M', cmd, ...args]] : [cmd, args];
  const p = spawnSync(full[0], full[1], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (p.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${p.status}\n${p.stderr}`);
  const m = /MAXRSS_KB (\d+)/.exec(p.stderr || '');
  return { stdout: p.stdout, maxRssBytes: m ? Number(m[1]) * 1024 : null };
}

// ---------------------------------------------------------------- bandwidth
let bandwidth = { dramGBs: null, cacheGBs: null };
if (fs.existsSync(kernelBench)) {
  log('bandwidth probe (wasm SIMD128 read)');
  const out = execFileSync('node', [kernelBench, '--bandwidth', '--json'], { encoding: 'utf8', timeout: 300000 });
  for (const line of out.split('\n')) {
    if (!line.startsWith('JSON ')) continue;
    const j = JSON.parse(line.slice(5));
    if (j.bandwidth === 'dram') bandwidth.dramGBs = j.gbps;
    if (j.bandwidth === 'cache') bandwidth.cacheGBs = j.gbps;
  }
  log(`bandwidth: DRAM ${bandwidth.dramGBs?.toFixed(2)} GB/s, cache ${bandwidth.cacheGBs?.toFixed(2)} GB/s`);
} else {
  log(`no bandwidth probe: ${kernelBench} not built`);
}

// ---------------------------------------------------------------- native: Inkstone CLI, llama.cpp
// One measurement of `inkstone bench` (its own warm-up, then the best of 2 runs).
function inkstoneNative(m, t, kernels, r = 2) {
  try {
    const { stdout, maxRssBytes } = runMeasured(nativeBin, ['bench', '-m', m.file, '-p', String(nPrompt), '-n', String(nDecode),
      '-r', String(r), '-t', String(t), '--kernels', kernels]);
    const best = /best: prefill ([\d.]+) tok\/s, decode ([\d.]+) tok\/s/.exec(stdout);
    const kern = /kernels (\S+),/.exec(stdout);
    if (!best) throw new Error(`unexpected output:\n${stdout}`);
    return { engine: 'inkstone', platform: 'native', model: m.name, threads: t, kernels: kern?.[1], nPrompt, nDecode,
      promptTokS: Number(best[1]), decodeTokS: Number(best[2]), maxRssBytes };
  } catch (e) {
    return { ok: false, engine: 'inkstone', platform: 'native', model: m.name, threads: t, kernels, error: String(e.message).slice(0, 400) };
  }
}

// One measurement of llama.cpp (llama-cpp-runner.mjs: its own warm-up, then the best of 2 runs).
function llamaCppNative(m, t) {
  try {
    const args = [path.join(HERE, 'llama-cpp-runner.mjs'), m.file, '--threads', String(t), '--prompt', String(nPrompt),
      '--decode', String(nDecode), '--repeats', '2'];
    if (m.poetry) args.push('--poetry');
    const { stdout, maxRssBytes } = runMeasured('node', args);
    const j = JSON.parse(stdout.trim().split('\n').pop());
    return { ...j, model: m.name, threads: t, maxRssBytes };
  } catch (e) {
    return { ok: false, engine: 'llama.cpp', platform: 'native', model: m.name, threads: t, error: String(e.message).slice(0, 400) };
  }
}

const faster = (a, b) => (!a || a.ok === false || (b.ok !== false && b.decodeTokS > a.decodeTokS) ? b : a);
const haveNative = nativeBin && fs.existsSync(nativeBin);
const haveLlamaCpp = fs.existsSync(path.join(HERE, 'node_modules/node-llama-cpp/package.json'));
if (!skip.has('native') && !haveNative) log('skip native: no Inkstone CLI built (build/inkstone)');
if (!skip.has('llama') && !haveLlamaCpp) log('skip llama.cpp: run (cd tools/bench && npm install) first');
for (const m of models) {
  if (haveNative && !skip.has('native-ref')) record(inkstoneNative(m, 1, 'ref', 1));
  for (const t of threadList) {
    const engines = [];
    if (haveNative && !skip.has('native')) engines.push(['inkstone', () => inkstoneNative(m, t, 'auto')]);
    if (haveLlamaCpp && !skip.has('llama')) engines.push(['llama.cpp', () => llamaCppNative(m, t)]);
    const best = {};
    for (let r = 0; r < repeats; r++) {
      // Alternate the engines so that load on the machine hits both alike.
      for (const [engine, fn] of r % 2 ? [...engines].reverse() : engines) best[engine] = faster(best[engine], fn());
    }
    for (const e of Object.values(best)) record(e);
  }
}

// ---------------------------------------------------------------- wasm in Node (1 thread)
if (!skip.has('node')) {
  if (!fs.existsSync(path.join(wasmDir, 'inkstone.mjs'))) {
    log(`skip node: ${wasmDir}/inkstone.mjs is not built`);
  } else {
    for (const m of models) {
      let best = null;
      for (let r = 0; r < repeats; r++) {
        try {
          const args = [path.join(HERE, 'node-runner.mjs'), m.file, '--wasm-dir', wasmDir, '--prompt', String(nPrompt),
            '--decode', String(nDecode), '--kind', m.kind];
          const { stdout, maxRssBytes } = runMeasured('node', args);
          const j = JSON.parse(stdout.trim().split('\n').pop());
          const res = { ...j, model: m.name, maxRssBytes };
          if (!best || res.decodeTokS > best.decodeTokS) best = res;
        } catch (e) {
          best = best ?? { ok: false, engine: 'inkstone', platform: 'node', model: m.name, threads: 1, error: String(e.message).slice(0, 400) };
        }
      }
      record(best);
    }
  }
}

// ---------------------------------------------------------------- headless Chromium
const wantChromium = !skip.has('chromium') || !skip.has('wllama');
if (wantChromium) {
  // The repository and, under /models/, the models, with COOP/COEP.
  const server = await startServer({
    root: ROOT,
    isolated: true,
    files: Object.fromEntries(models.map((m) => [`/models/${m.name}.gguf`, m.file])),
  });
  const base = server.url;
  const browser = await launchChromium({ profilePrefix: 'inkstone-bench-chromium-' });
  const { context } = browser;
  const wasmUrl = `/${path.relative(ROOT, wasmDir)}`;
  const wllamaDir = path.join(HERE, 'node_modules/@wllama/wllama');
  const haveWllama = fs.existsSync(path.join(wllamaDir, 'esm/index.js'));
  const haveInkstoneWasm = fs.existsSync(path.join(wasmDir, 'inkstone.mjs'));
  const haveInkstoneMt = fs.existsSync(path.join(wasmDir, 'inkstone-mt.mjs'));
  if (!haveInkstoneMt) log(`skip Inkstone with threads in Chromium: ${wasmDir}/inkstone-mt.mjs is not built`);
  if (!haveWllama) log('skip wllama: run (cd tools/bench && npm install) first');
  if (!haveInkstoneWasm) log(`skip Inkstone in Chromium: ${wasmDir}/inkstone.mjs is not built`);

  // CPU seconds of every process below this one (Chromium's), from /proc: the share of one core
  // the browser got during a run tells how much a loaded machine slowed it down.
  const treeCpuSeconds = () => {
    const parent = new Map();
    const cpu = new Map();
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        parent.set(Number(d), Number(f[1]));
        cpu.set(Number(d), (Number(f[11]) + Number(f[12])) / 100);  // utime + stime, USER_HZ = 100
      } catch {}
    }
    let sum = 0;
    for (const [pid, c] of cpu) {
      for (let p = parent.get(pid); p; p = parent.get(p)) {
        if (p === process.pid) {
          sum += c;
          break;
        }
      }
    }
    return sum;
  };

  const inPage = async (fn, cfg) => {
    const page = await context.newPage();
    const consoleLines = [];
    page.on('console', (msg) => consoleLines.push(`${msg.type()}: ${msg.text()}`));
    page.on('pageerror', (err) => consoleLines.push(`pageerror: ${err.message}`));
    const marks = {};
    await page.exposeFunction('benchMark', (label) => {
      marks[label] = { cpuS: treeCpuSeconds(), wallMs: performance.now() };
    });
    try {
      await page.goto(`${base}/tools/bench/page/index.html`);
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'loaded');
      const c0 = fs.existsSync('/proc') ? treeCpuSeconds() : NaN;
      const w0 = performance.now();
      const r = await page.evaluate(([f, c]) => window[f](c), [fn, cfg]);
      const wallS = (performance.now() - w0) / 1000;
      if (r && r.ok === false) r.console = consoleLines.slice(-20);
      const out = { ...r, browserCpuShare: (treeCpuSeconds() - c0) / wallS };
      // CPU seconds Chromium (all its processes) spent in each phase, from the page's marks: on a
      // shared machine tokens per CPU-second tell the speed the engine would have with a core to
      // itself (for 1 thread; with 2 threads it measures work, not speed-up).
      const ps = marks['prefill-start'], pe = marks['prefill-end'], de = marks['decode-end'];
      if (ps && pe && de && r && r.ok !== false) {
        out.prefillCpuS = pe.cpuS - ps.cpuS;
        out.decodeCpuS = de.cpuS - pe.cpuS;
        out.prefillCpuShare = out.prefillCpuS / ((pe.wallMs - ps.wallMs) / 1000);
        out.decodeCpuShare = out.decodeCpuS / ((de.wallMs - pe.wallMs) / 1000);
        out.promptTokPerCpuS = r.nPrompt / out.prefillCpuS;
        // wllama's first mark comes after its first decoded token
        out.decodeTokPerCpuS = (r.engine === 'wllama' ? r.nDecode - 1 : r.nDecode) / out.decodeCpuS;
      }
      return out;
    } catch (e) {
      return { ok: false, error: String(e.message), console: consoleLines.slice(-20) };
    } finally {
      await page.close();
    }
  };

  for (const m of models) {
    for (const t of threadList) {
      const cfg = { modelUrl: `${base}/models/${m.name}.gguf`, nThreads: t, nPrompt, nDecode, kind: m.kind,
        wasmUrl: `${base}${wasmUrl}`, wllamaUrl: `${base}/${path.relative(ROOT, wllamaDir)}`,
        wllamaLog: argv.includes("--wllama-log"), nAgree };
      const best = { inkstone: null, wllama: null };
      for (let r = 0; r < repeats; r++) {
        // Alternate the engines so that load on the machine hits both alike.
        const engines = [];
        if (!skip.has('chromium') && haveInkstoneWasm && (t === 1 || haveInkstoneMt)) engines.push(['inkstone', 'benchInkstone']);
        if (!skip.has('wllama') && haveWllama) engines.push(['wllama', 'benchWllama']);
        for (const [engine, fn] of r % 2 ? engines.reverse() : engines) {
          const res = { engine, platform: 'chromium', model: m.name, threads: t, ...(await inPage(fn, cfg)) };
          const prev = best[engine];
          if (!prev || prev.ok === false || (res.ok !== false && res.decodeTokS > prev.decodeTokS)) best[engine] = res;
        }
      }
      for (const engine of ['inkstone', 'wllama']) if (best[engine]) record(best[engine]);
    }
  }
  await browser.close();
  await server.close();
}

// ---------------------------------------------------------------- report
const find = (engine, platform, model, threads) =>
  results.find((r) => r.engine === engine && r.platform === platform && r.model === model && r.threads === threads && r.ok !== false);
const f1 = (x) => (x == null || Number.isNaN(x) ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const ratio = (a, b) => (a == null || b == null || !b ? '-' : `${(a / b).toFixed(2)}x`);
const mb = (b) => (b == null ? '-' : `${(b / 1e6).toFixed(0)}`);

const speedRows = [];
const otherRows = [];
const nativeRows = [];
const findNative = (engine, model, threads, kernels) =>
  results.find((r) => r.engine === engine && r.platform === 'native' && r.model === model && r.threads === threads &&
    r.ok !== false && (kernels == null || (kernels === 'ref') === (r.kernels === 'ref')));
for (const m of models) {
  const bytes = fs.statSync(m.file).size;
  const limit = bandwidth.dramGBs ? (bandwidth.dramGBs * 1e9) / bytes : null;
  const nat = findNative('inkstone', m.name, 1, 'auto');
  const nod = find('inkstone', 'node', m.name, 1);
  const c1 = find('inkstone', 'chromium', m.name, 1);
  const c2 = find('inkstone', 'chromium', m.name, 2);
  const w1 = find('wllama', 'chromium', m.name, 1);
  const w2 = find('wllama', 'chromium', m.name, 2);
  const pd = (r) => `${f1(r?.promptTokS)} / ${f1(r?.decodeTokS)}`;
  const pc = (r) => `${f1(r?.promptTokPerCpuS)} / ${f1(r?.decodeTokPerCpuS)}`;
  speedRows.push([m.name, pd(nat), pd(nod), pc(nod), pd(c1), pc(c1), pd(c2), pd(w1), pc(w1), pd(w2),
    `${ratio(c1?.promptTokS, w1?.promptTokS)} / ${ratio(c1?.decodeTokS, w1?.decodeTokS)}`,
    `${ratio(c1?.promptTokPerCpuS, w1?.promptTokPerCpuS)} / ${ratio(c1?.decodeTokPerCpuS, w1?.decodeTokPerCpuS)}`,
    `${ratio(c2?.promptTokS, c1?.promptTokS)} / ${ratio(c2?.decodeTokS, c1?.decodeTokS)}`,
    limit ? `${f1(limit)} (${((100 * (c1?.decodeTokPerCpuS ?? c1?.decodeTokS ?? 0)) / limit).toFixed(0)}%)` : '-']);
  const ref1 = findNative('inkstone', m.name, 1, 'ref');
  const nat2 = findNative('inkstone', m.name, 2, 'auto');
  const l1 = findNative('llama.cpp', m.name, 1);
  const l2 = findNative('llama.cpp', m.name, 2);
  const pr = (a, b) => `${ratio(a?.promptTokS, b?.promptTokS)} / ${ratio(a?.decodeTokS, b?.decodeTokS)}`;
  nativeRows.push([m.name, pd(ref1), `${pd(nat)} (${nat?.kernels ?? '-'})`, pr(nat, ref1), pd(l1), pr(nat, l1), pd(nat2), pd(l2), pr(nat2, l2)]);
  otherRows.push([m.name, mb(bytes), `${f1(c1?.loadMs)} / ${f1(w1?.loadMs)}`, `${f1(c1?.ttftMs)} / ${f1(w1?.ttftMs)}`,
    `${mb(c1?.wasmHeapBytes)}`, `${mb(c1?.uaMemoryBytes)} / ${mb(w1?.uaMemoryBytes)}`, `${mb(nat?.maxRssBytes)} / ${mb(nod?.maxRssBytes)}`]);
}

function table(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(w[i])).join(' | ')} |`;
  return [line(head), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const llamaInfo = results.find((r) => r.engine === 'llama.cpp' && r.ok !== false);
console.log(`\nNative: Inkstone CLI (ref kernels = before, auto = avx2 after) vs llama.cpp ${llamaInfo?.llamaCpp ?? ''}` +
  ` (node-llama-cpp, CPU variant ${llamaInfo?.cpuVariant ?? '?'}): prompt ${nPrompt} tokens, then ${nDecode} decoded;` +
  ` tokens/s of wall time as prompt / decode; load average at the start ${loadAtStart.map((x) => x.toFixed(1)).join(' ')},` +
  ` now ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(table(['model', 'ink ref 1t', 'ink 1t (kernels)', 'ink / ref 1t', 'llama.cpp 1t', 'ink / llama.cpp 1t',
  'ink 2t', 'llama.cpp 2t', 'ink / llama.cpp 2t'], nativeRows));
console.log(`\nInkstone vs wllama: prompt ${nPrompt} tokens, then ${nDecode} decoded; tokens/s as prompt / decode` +
  ` (best of ${repeats}); ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`bandwidth (wasm SIMD128 read): DRAM ${f1(bandwidth.dramGBs)} GB/s, cache ${f1(bandwidth.cacheGBs)} GB/s\n`);
console.log('wall = tokens per second of wall time; cpu = tokens per CPU-second of the engine (its speed with a core to itself)');
console.log(table(['model', 'native 1t wall', 'node 1t wall', 'node 1t cpu', 'chromium 1t wall', 'chromium 1t cpu',
  'chromium 2t wall', 'wllama 1t wall', 'wllama 1t cpu', 'wllama 2t wall', 'ink/wllama 1t wall', 'ink/wllama 1t cpu',
  'ink 2t/1t wall', 'decode limit tok/s (chromium 1t cpu %)'], speedRows));
const shares = results.filter((r) => r.platform === 'chromium' && r.ok !== false)
  .map((r) => `${r.engine} ${r.model} t${r.threads}: ${f1(100 * (r.prefillCpuShare ?? NaN))}% / ${f1(100 * (r.decodeCpuShare ?? NaN))}%`);
console.log(`\nCPU share Chromium got (prompt / decode phase; 100% = one core): ${shares.join('; ')}`);
console.log('');
console.log(table(['model', 'file MB', 'load ms ink / wllama', 'TTFT ms ink / wllama', 'ink wasm heap MB',
  'UA memory MB ink / wllama', 'max RSS MB native / node'], otherRows));

// Greedy agreement: Inkstone (Chromium, 1 thread) and wllama from the same prompt text, the same
// banned tokens. Greedy decoding from one prompt agrees up to the first differing token (after it
// the two continue from different texts), so the count is the common prefix.
if (nAgree > 0) {
  const agreeRows = [];
  const ids = (a) => (a ? a.tokens.join(' ') : '-');
  for (const m of models) {
    const ink = find('inkstone', 'chromium', m.name, 1)?.agreement;
    const wl = find('wllama', 'chromium', m.name, 1)?.agreement;
    let prefix = '-';
    if (ink && wl) {
      let k = 0;
      while (k < Math.min(ink.tokens.length, wl.tokens.length) && ink.tokens[k] === wl.tokens[k]) k++;
      prefix = `${k} / ${Math.max(ink.tokens.length, wl.tokens.length)}`;
    }
    agreeRows.push([m.name, `${ink?.nPrompt ?? '-'} / ${wl?.nPrompt ?? '-'}`, ids(ink), ids(wl), prefix]);
  }
  console.log(`\nFirst ${nAgree} greedy tokens from the same prompt text (Chromium, 1 thread):`);
  console.log(table(['model', 'prompt tokens ink / wllama', 'Inkstone', 'wllama (llama.cpp)', 'agree (common prefix)'], agreeRows));
}

const out = { date: new Date().toISOString(), host: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadAtStart, loadavg: os.loadavg() },
  nPrompt, nDecode, nAgree, repeats, bandwidth, models: models.map((m) => ({ name: m.name, file: m.file, bytes: fs.statSync(m.file).size })), results };
fs.mkdirSync(path.dirname(jsonOut), { recursive: true });
fs.writeFileSync(jsonOut, JSON.stringify(out, null, 2));
console.log(`\nJSON: ${jsonOut}`);
