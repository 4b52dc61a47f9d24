// Training tokens/s of the classroom's preset in the browser: the Train panel's path (web/
// training.js → web/worker-train.js → the wasm Trainer, build `inkstone`, one thread) in headless
// Chromium, the same wasm in Node, and — through tools/bench/train_torch.py on the same text and
// model — native `inkstone train` and PyTorch CPU, each on one thread. Prints one JSON object with
// the rates and the ratios; asserts nothing. Rates are wall-clock, except node.tokensPerCpuSecond
// (tokens per second of the Node process's CPU time, which a loaded machine disturbs less).
//
//   node tools/bench/train_wasm.mjs [--steps 40] [--dim 64] [--ff 172] [--no-torch]
//
// Needs build-wasm/wasm_bindings (inkstone.mjs/.wasm), /usr/bin/chromium with playwright-core,
// and for the PyTorch column build/inkstone and /usr/bin/python3 with torch.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { launchChromium } from '../lib/chromium.mjs';
import { startServer, ROOT } from '../lib/static-server.mjs';

const args = process.argv.slice(2);
const opt = (/** @type {string} */ name, /** @type {number} */ dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const STEPS = opt('--steps', 40);
const WARMUP = 5;
const CONFIG = { dim: opt('--dim', 64), layers: 2, heads: 4, ff: opt('--ff', 172), ctx: 64, batch: 16, steps: 1000 };

const text = fs
  .readFileSync(path.join(ROOT, 'assets/classroom/wujue.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l.includes('\t'))
  .map((l) => l.split('\t')[1])
  .join('\n');

// The page: the panel's client-side path, timed from the worker's own per-chunk wall times.
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import { Inkstone } from '/web/client.js';
import { Training } from '/web/training.js';
window.bench = async (text, config, warmup, steps) => {
  const ink = new Inkstone({ wasmBase: '/build-wasm/wasm_bindings/', build: 'inkstone' });
  const tr = new Training(ink);
  const info = await tr.start(text, config, 1);
  await tr.run({ untilStep: warmup, chunk: warmup, evalEveryMs: 1e9, checkpointEveryMs: 1e9 });
  let tokens = 0, ms = 0;
  await tr.run({ untilStep: warmup + steps, chunk: 5, evalEveryMs: 1e9, checkpointEveryMs: 1e9 }, (e) => { tokens += e.tokens; ms += e.ms; });
  ink.dispose();
  return { nParams: info.nParams, nVocab: info.nVocab, tokensPerSecond: tokens * 1000 / ms };
};
window.benchReady = true;
</script>`;

async function chromium() {
  const server = await startServer({
    root: ROOT,
    intercept: (req, res, url) => {
      if (url.pathname !== '/train-bench.html') return false;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      return true;
    },
  });
  const browser = await launchChromium({ profilePrefix: 'inkstone-train-bench-' });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/train-bench.html`);
    await page.waitForFunction(() => /** @type {any} */ (window).benchReady);
    return await page.evaluate(([t, c, w, s]) => /** @type {any} */ (window).bench(t, c, w, s), [text, CONFIG, WARMUP, STEPS]);
  } finally {
    await browser.close();
    await server.close();
  }
}

async function node() {
  const dir = path.join(ROOT, 'build-wasm/wasm_bindings');
  const factory = (await import(pathToFileURL(path.join(dir, 'inkstone.mjs')).href)).default;
  const M = await factory({ wasmBinary: fs.readFileSync(path.join(dir, 'inkstone.wasm')) });
  const r = M.createTrainer(text, CONFIG, 1);
  if (!r.ok) throw new Error(r.message);
  r.trainer.step(WARMUP);
  const cpu0 = process.cpuUsage();
  const s = r.trainer.step(STEPS);
  const cpu = process.cpuUsage(cpu0);
  r.trainer.delete();
  // Per second of this process's CPU time: on a shared machine, closer to what an idle core does.
  return { tokensPerSecond: s.tokensPerSecond, tokensPerCpuSecond: Math.round(s.tokens / ((cpu.user + cpu.system) / 1e6)) };
}

function torch() {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ink-train-bench-')), 'wujue.txt');
  fs.writeFileSync(file, text + '\n');
  const out = execFileSync('/usr/bin/python3', [path.join(ROOT, 'tools/bench/train_torch.py'), '--text', file,
    '--steps', String(STEPS), '--dim', String(CONFIG.dim), '--ff', String(CONFIG.ff)], { encoding: 'utf8' });
  const num = (/** @type {RegExp} */ re) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : NaN;
  };
  return { native: num(/inkstone train: (\d+) tok\/s/), pytorch: num(/cpu: (\d+) tok\/s/) };
}

const result = { steps: STEPS, config: CONFIG, chromium: await chromium(), node: await node() };
if (!args.includes('--no-torch')) {
  const t = torch();
  Object.assign(result, {
    nativeTokensPerSecond: t.native,
    pytorchTokensPerSecond: t.pytorch,
    ratioChromiumToPytorch: +(result.chromium.tokensPerSecond / t.pytorch).toFixed(3),
    ratioNodeToPytorch: +(result.node.tokensPerSecond / t.pytorch).toFixed(3),
  });
}
result.loadAverage = os.loadavg().map((x) => +x.toFixed(2));
console.log(JSON.stringify(result, null, 1));
