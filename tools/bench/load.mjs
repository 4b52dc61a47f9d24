#!/usr/bin/env node
// Loading a large model in the browser the playground's way (issue 20 item 5), measured: builds
// the site into a temporary folder (tools/site/build.mjs), serves it from 127.0.0.1 with the
// model under /models/, and in headless Chromium (a fresh profile) runs page/load-page.mjs twice
// in one profile and origin: the Models dialog's fetch by URL (site/pwa/model-manager.js: byte progress, the
// header report, "keep offline" into the model cache), the page's answer (PoemEngine.loadBlob:
// the threaded build from 16 MiB up when crossOriginIsolated), the first token of a 五言絕句.
// The second run is a new page in the same profile: it should read the model cache, with no
// request for the model reaching the server. Prints one JSON object; timings are reported, never
// asserted.
//
//   node tools/bench/load.mjs [--model FILE] [--plain] [--timeout-s 900]
//     --model   a GGUF [/work/cache/bench-models/Q05-q8_0.gguf, else build/bench-models/...]
//     --plain   also run once on a page without COOP/COEP (not crossOriginIsolated: plain build)
//
// Needs build-wasm/wasm_bindings (the site build copies it) and make_bench_models.py --models Q05.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ROOT, startServer } from '../lib/static-server.mjs';
import { launchChromium } from '../lib/chromium.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def;
};
const modelsDir = fs.existsSync('/work/cache') ? '/work/cache/bench-models' : path.join(ROOT, 'build/bench-models');
const model = path.resolve(opt('--model', path.join(modelsDir, 'Q05-q8_0.gguf')));
const timeoutMs = 1000 * Number(opt('--timeout-s', 900));
if (!fs.existsSync(model)) {
  console.error(`${model} is missing: /usr/bin/python3 tools/bench/make_bench_models.py --models Q05`);
  process.exit(2);
}
const bytes = fs.statSync(model).size;
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);

const site = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-load-site-'));
log(`building the site into ${site}`);
execFileSync(process.execPath, [path.join(ROOT, 'tools/site/build.mjs'), site], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });

const modelPath = `/models/${path.basename(model)}`;
const files = {
  '/bench-load.html': path.join(HERE, 'page/load.html'),
  '/bench-load.mjs': path.join(HERE, 'page/load-page.mjs'),
  [modelPath]: model,
};

const loadAtStart = os.loadavg();
const runs = [];
const browser = await launchChromium({ profilePrefix: 'inkstone-load-bench-' });
try {
  // One server (one origin: the model cache is per origin) for the two isolated runs.
  const isolatedServer = await startServer({ root: site, isolated: true, files });
  const plan = [{ label: 'first (download)', isolated: true }, { label: 'second (cache)', isolated: true }];
  if (argv.includes('--plain')) plan.push({ label: 'not isolated (download)', isolated: false });
  for (const { label, isolated } of plan) {
    const server = isolated ? isolatedServer : await startServer({ root: site, isolated, files });
    const page = await browser.context.newPage();
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    try {
      await page.goto(`${server.url}/bench-load.html`);
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'loaded');
      const before = server.requests.length;
      log(`${label}: loading ${modelPath} (${(bytes / 1e6).toFixed(1)} MB)`);
      page.setDefaultTimeout(timeoutMs);
      const r = await page.evaluate((cfg) => window.loadRun(cfg), { url: `${server.url}${modelPath}`, bytes });
      const asked = server.requests.slice(before);
      const modelRequests = asked.filter((p) => p === modelPath).length;
      const threaded = asked.some((p) => /\/wasm\/inkstone-mt\.wasm$/.test(p));
      runs.push({ label, isolated, ...r, modelRequests, threadedBuildFetched: threaded,
        ...(r.ok === false ? { console: consoleLines.slice(-20) } : {}) });
      log(`${label}: ${r.ok === false ? `FAILED ${r.error}` : `model loaded ${r.loadedMs?.toFixed(0)} ms, first token ${r.firstTokenMs?.toFixed(0)} ms`}`);
    } finally {
      await page.close();
      if (server !== isolatedServer) await server.close();
    }
  }
  await isolatedServer.close();
} finally {
  await browser.close();
  fs.rmSync(site, { recursive: true, force: true });
}

const out = {
  date: new Date().toISOString(),
  model: { file: model, bytes },
  host: { cpus: os.cpus().length, loadAtStart, loadAtEnd: os.loadavg() },
  runs,
  checks: {
    progressReachesTotal: runs[0]?.progress?.last === 1,
    progressMonotonic: runs[0]?.progress?.monotonic === true,
    secondFromCacheWithoutNetwork: runs[1]?.modelRequests === 0,
    secondFaster: runs[1] && runs[0] ? runs[1].firstTokenMs < runs[0].firstTokenMs : null,
    // The threaded build (its threads: the client's default, min(4, cores - 1), in info.nThreads)
    threadedWhenIsolated: runs.filter((r) => r.isolated && r.ok !== false).every((r) => r.threadedBuildFetched),
    plainWhenNotIsolated: runs.filter((r) => !r.isolated && r.ok !== false).every((r) => !r.threadedBuildFetched),
  },
};
console.log(JSON.stringify(out, null, 2));
