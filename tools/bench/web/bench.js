// Browser side of tools/bench/web/bench-chromium.mjs: load time and first-token latency through
// the public client (worker + wasm), as a page would see them.
import { Inkstone } from '../../../web/client.js';

const params = new URLSearchParams(location.search);
const model = params.get('model') || '/assets/models/inkstone-poetry-q8_0.gguf';
const nTokens = Number(params.get('tokens') || 64);
const repeats = Number(params.get('repeats') || 5);
const nThreads = Number(params.get('threads')) || undefined;

async function run() {
  const rows = [];
  const t0 = performance.now();
  const ink = new Inkstone({ nThreads });
  const runtime = await ink.runtime();
  const startMs = performance.now() - t0;
  const bytes = await (await fetch(model)).arrayBuffer();
  for (let i = 0; i < repeats; i++) {
    const t1 = performance.now();
    const info = await ink.load(bytes);
    const loadMs = performance.now() - t1;
    const t2 = performance.now();
    let firstTokenMs = 0;
    let summary = null;
    for await (const ev of ink.generate({ prompt: '', seed: i, maxTokens: nTokens, stopAtEos: false })) {
      if (ev.type === 'token' && !firstTokenMs) firstTokenMs = performance.now() - t2;
      if (ev.type === 'done') summary = ev;
    }
    rows.push({ loadMs, firstTokenMs, tokensPerSecond: summary ? summary.tokensPerSecond : 0, name: info.name, kernels: info.kernels, nThreads: info.nThreads });
  }
  ink.dispose();
  return { runtime, startMs, rows, isolated: globalThis.crossOriginIsolated === true };
}

run().then(
  (r) => {
    /** @type {any} */ (window).benchResult = r;
    /** @type {HTMLElement} */ (document.getElementById('out')).textContent = JSON.stringify(r, null, 1);
  },
  (e) => {
    /** @type {any} */ (window).benchResult = { error: String(e) };
  },
);
