// window.loadRun(cfg) loads a model the way the playground's Models dialog does and resolves to
// timings (tools/bench/load.mjs reads them): ModelManager.fetchUrl (download with byte
// progress, or the model cache's copy; then the header report), useCandidate (keep it in the
// model cache, dispatch 'inkstone:model-selected'), which the page answers as site/app/model.js
// does, with PoemEngine.loadBlob (the threaded build for a model from 16 MiB up where the page
// is crossOriginIsolated); then the first token of a 五言絕句 from PoemEngine.write.
// Progress is what the dialog shows: each change of its <progress> element's value.
// Served at the site's root (/bench-load.mjs), beside index.html: the engine finds assets/ there.
import { ModelManager, MODEL_SELECTED } from './pwa/model-manager.js';
import { PoemEngine, buildFor } from './app/engine.js';
import { Inkstone } from './web/client.js';

const status = document.getElementById('status');
const root = new URL('./', location.href);
const wasmBase = new URL('wasm/', root).href;

/** @type {Promise<Inkstone> | undefined} */
let inspector;
const manager = new ModelManager({
  root: /** @type {HTMLElement} */ (document.getElementById('manager')),
  scope: root.href,
  inspector: () => (inspector ??= Promise.resolve(new Inkstone({ wasmBase, build: 'inkstone' }))),
});
const engine = new PoemEngine({ wasmBase, build: 'auto' });
window.addEventListener(MODEL_SELECTED, (event) => {
  const detail = /** @type {CustomEvent} */ (event).detail;
  event.preventDefault();
  detail.respondWith(engine.loadBlob(detail.source));
});

window.loadRun = async (cfg) => {
  const t0 = performance.now();
  // Every value the dialog's progress bar takes (a MutationObserver sees each change).
  const progressBar = /** @type {HTMLProgressElement} */ (manager.ui.progress);
  /** @type {{ms: number, value: number}[]} */
  const values = [];
  const observer = new MutationObserver((records) => {
    const now = performance.now() - t0;
    // A record's oldValue is the value before it; the value after the last is the current one.
    for (let i = 0; i < records.length; i++) {
      const after = i + 1 < records.length ? records[i + 1].oldValue : progressBar.getAttribute('value');
      if (after !== null) values.push({ ms: now, value: Number(after) });
    }
  });
  observer.observe(progressBar, { attributes: true, attributeFilter: ['value'], attributeOldValue: true });
  const statusLines = new Set();
  const statusObserver = new MutationObserver(() => statusLines.add(manager.ui.status.textContent || ''));
  statusObserver.observe(manager.ui.status, { childList: true, characterData: true, subtree: true });
  try {
    const fetched = await manager.fetchUrl(cfg.url);
    const fetchedMs = performance.now() - t0;
    if (!fetched) return { ok: false, error: `fetchUrl: ${manager.ui.error.textContent}` };
    const used = await manager.useCandidate();
    const loadedMs = performance.now() - t0;
    if (!used) return { ok: false, error: `useCandidate: ${manager.ui.error.textContent}` };
    observer.disconnect();
    statusObserver.disconnect();
    const controller = new AbortController();
    const request = {
      title: '春山', opening: '', rhymeBook: 'xinyun', signal: controller.signal,
      choice: { form: 'wuyan-jueju', start: '', acrostic: '', lineLength: 5, tones: true, rhyme: true },
      sampling: { temperature: 0.8, topK: 40, topP: 0.95, seed: 1 },
    };
    let firstTokenMs = NaN;
    let firstToken = null;
    for await (const ev of engine.write(/** @type {any} */ (request))) {
      if (ev.type === 'done') break;
      firstTokenMs = performance.now() - t0;
      firstToken = ev.text;
      controller.abort();
      break;
    }
    const fractions = values.map((v) => v.value);
    return {
      ok: true,
      fetchedMs,
      loadedMs,
      firstTokenMs,
      firstToken,
      progress: {
        count: values.length,
        monotonic: fractions.every((v, i) => i === 0 || v >= fractions[i - 1]),
        last: fractions.length ? fractions[fractions.length - 1] : null,
        firstMs: values.length ? values[0].ms : null,
        lastMs: values.length ? values[values.length - 1].ms : null,
      },
      status: [...statusLines].slice(-3),
      crossOriginIsolated: self.crossOriginIsolated,
      expectedBuild: buildFor(cfg.bytes),
      info: engine.info && { architecture: engine.info.architecture, nCtx: engine.info.nCtx, nThreads: engine.info.nThreads,
        kernels: engine.info.kernels, memoryBytes: engine.info.memoryBytes },
    };
  } catch (err) {
    return { ok: false, error: String(err && err.stack ? err.stack : err) };
  } finally {
    observer.disconnect();
    statusObserver.disconnect();
  }
};

status.textContent = 'loaded';
