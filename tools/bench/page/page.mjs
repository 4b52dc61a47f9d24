// Benchmark page: window.benchInkstone(cfg) runs Inkstone in a module worker;
// window.benchWllama(cfg) runs wllama (@wllama/wllama from tools/bench/node_modules) on the same
// model URL. Both resolve to plain result objects (tools/bench/run.mjs reads them), with
// `agreement: { nPrompt, tokens }`, the first cfg.nAgree greedy tokens from the prompt text.
import { benchPromptText, benchSetup } from '../inkstone-bench-core.mjs';

const status = document.getElementById('status');

async function memoryBytes() {
  // Needs cross-origin isolation (the server sends COOP/COEP); may take a while or be absent.
  if (!self.crossOriginIsolated || !performance.measureUserAgentSpecificMemory) return null;
  try {
    const m = await Promise.race([
      performance.measureUserAgentSpecificMemory(),
      new Promise((resolve) => setTimeout(() => resolve(null), 20000)),
    ]);
    return m ? m.bytes : null;
  } catch {
    return null;
  }
}

window.benchInkstone = (cfg) =>
  new Promise((resolve) => {
    status.textContent = 'inkstone';
    const w = new Worker(new URL('./inkstone-worker.mjs', import.meta.url), { type: 'module' });
    w.onmessage = async (e) => {
      if (e.data.mark) {
        if (window.benchMark) window.benchMark(e.data.mark);  // exposed by run.mjs: samples CPU time
        return;
      }
      const mem = e.data.ok ? await memoryBytes() : null;
      w.terminate();
      resolve(e.data.ok ? { ...e.data.result, platform: 'chromium', uaMemoryBytes: mem, crossOriginIsolated: self.crossOriginIsolated } : e.data);
    };
    w.onerror = (e) => resolve({ ok: false, error: `worker error: ${e.message}` });
    w.postMessage(cfg);
  });

window.benchWllama = async (cfg) => {
  status.textContent = 'wllama';
  try {
    const { Wllama } = await import(`${cfg.wllamaUrl}/esm/index.js`);
    const wllama = new Wllama({ default: `${cfg.wllamaUrl}/esm/wasm/wllama.wasm` }, { suppressNativeLog: !cfg.wllamaLog });
    const t0 = performance.now();
    await wllama.loadModelFromUrl(new URL(cfg.modelUrl, location.href).href, {
      n_ctx: 512,
      n_threads: cfg.nThreads,
      n_gpu_layers: 0,
      useCache: false,
    });
    const loadMs = performance.now() - t0;
    const { promptText: prompt, banTokens } = benchSetup(cfg.kind, cfg.nPrompt);
    const params = { max_tokens: cfg.nDecode, temp: 0, temperature: 0, ignore_eos: true, seed: 1, cache_prompt: false,
      logit_bias: banTokens.map((t) => [t, false]) };
    // Warm-up (same reason as Inkstone's: V8 tiers wasm up on later calls).
    console.log('wllama: loaded; warm-up');
    await wllama.createCompletion({ prompt: benchPromptText(16), ...params, max_tokens: 8 });
    const mark = async (label) => { if (window.benchMark) await window.benchMark(label); };
    console.log('wllama: warm-up done; measuring');
    await mark('prefill-start');
    const tb = performance.now();
    let firstTokenMs = NaN;
    let timings = null;
    const stream = await wllama.createCompletion({ prompt, ...params, stream: true });
    for await (const chunk of stream) {
      if (Number.isNaN(firstTokenMs) && chunk.choices?.[0]?.text !== undefined) {
        firstTokenMs = performance.now() - tb;
        await mark('prefill-end');  // the first streamed token: prompt processed (+ one decode)
      }
      if (chunk.timings) timings = chunk.timings;
    }
    const totalMs = performance.now() - tb;
    await mark('decode-end');
    // The first greedy tokens from the same prompt text, for the comparison with Inkstone: their
    // ids come back through logprobs (wllama takes text prompts only, not token ids).
    let agreement;
    if (cfg.nAgree) {
      const r = await wllama.createCompletion({ prompt, ...params, max_tokens: cfg.nAgree, logprobs: 1 });
      const content = r.choices?.[0]?.logprobs?.content ?? [];
      agreement = { nPrompt: r.usage?.prompt_tokens, tokens: content.map((c) => c.id), text: r.choices?.[0]?.text };
    }
    const mem = await memoryBytes();
    await wllama.exit();
    if (!timings) return { ok: false, error: 'wllama returned no timings' };
    return {
      engine: 'wllama',
      platform: 'chromium',
      threads: cfg.nThreads,
      nPrompt: timings.prompt_n,
      nDecode: timings.predicted_n,
      loadMs,
      prefillMs: timings.prompt_ms,
      promptTokS: timings.prompt_per_second,
      decodeMs: timings.predicted_ms,
      decodeTokS: timings.predicted_per_second,
      ttftMs: firstTokenMs,
      totalMs,
      uaMemoryBytes: mem,
      crossOriginIsolated: self.crossOriginIsolated,
      agreement,
    };
  } catch (err) {
    return { ok: false, error: String(err && err.stack ? err.stack : err) };
  }
};

status.textContent = 'loaded';
