// Module worker: runs Inkstone's wasm build (single-threaded or -mt) on one model, posts the result.
import { benchInkstone, benchSetup } from '../inkstone-bench-core.mjs';

self.onmessage = async (e) => {
  const cfg = e.data;
  try {
    const file = cfg.nThreads > 1 ? 'inkstone-mt.mjs' : 'inkstone.mjs';
    const { default: createInkstoneModule } = await import(`${cfg.wasmUrl}/${file}`);
    const t0 = performance.now();
    const M = await createInkstoneModule(cfg.nThreads > 1 ? { inkThreadPoolSize: cfg.nThreads } : {});
    const instantiateMs = performance.now() - t0;
    const t1 = performance.now();
    const bytes = new Uint8Array(await (await fetch(cfg.modelUrl)).arrayBuffer());
    const fetchMs = performance.now() - t1;
    const { promptText, banTokens } = benchSetup(cfg.kind, cfg.nPrompt);
    const mark = (label) => self.postMessage({ mark: label });
    const r = benchInkstone(M, bytes, { nThreads: cfg.nThreads, nPrompt: cfg.nPrompt, nDecode: cfg.nDecode, promptText, mark,
      banTokens, nAgree: cfg.nAgree });
    self.postMessage({ ok: true, result: { ...r, instantiateMs, fetchMs, loadMs: r.loadMs + instantiateMs } });
  } catch (err) {
    self.postMessage({ ok: false, error: String(err && err.stack ? err.stack : err) });
  }
};
