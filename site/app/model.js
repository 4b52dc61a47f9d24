// The model: the engine (web/client.js in a worker) and loading it with progress, the default
// model at start, or a GGUF the user brought (site/pwa/model-manager.js).
// When the model and its rhyme book are ready, state.model becomes 'ready' (subscribers redraw
// the prosody marks, check a shared poem's model); body[data-model] says it for the tests.

import { state, setState } from './state.js';
import { els } from './elements.js';
import { setStatus, notify, errorCode, errorMessage } from './messages.js';
import { PoemEngine, DEFAULT_MODEL_URL } from './engine.js';
import { setCipaiPatterns } from './cipai.js';

// The plain build to start with; a large model of the user's own switches to the threaded one
// where the page is crossOriginIsolated (buildFor in engine.js says when and why).
export const engine = new PoemEngine({ wasmBase: new URL('./wasm/', location.href).href, build: 'inkstone' });

/** @param {number} n bytes */
function formatBytes(n) {
  if (!n) return '?';
  if (n < 1 << 20) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / (1 << 20)).toFixed(1)} MB`;
}

/** @type {Promise<void> | null} */
let cipaiLoading = null;

/**
 * Loads the 詞牌 table into the worker and the page (cipai.js), once; state.cipai says how it
 * went (the 詞 choice is disabled without it). Resolves when it is done, never rejects.
 * @returns {Promise<void>}
 */
export function cipaiReady() {
  if (!cipaiLoading) {
    cipaiLoading = engine.loadCipai().then(
      (patterns) => {
        setCipaiPatterns(patterns);
        setState({ cipai: patterns.length ? 'ready' : 'error' });
      },
      (err) => {
        console.warn('the 詞牌 table did not load', err);
        cipaiLoading = null;
        setState({ cipai: 'error' });
      },
    );
  }
  return cipaiLoading;
}

export function updateModelName() {
  const info = engine.info;
  els.modelName.textContent = info
    ? `${info.name || 'model'} · ${(info.nParams / 1e6).toFixed(1)}M · ${info.weightTypes.join('/')}`
    : '';
}

export async function loadModel() {
  document.body.dataset.model = 'loading';
  setState({ model: 'loading' });
  els.modelStatus.classList.add('loading');
  setStatus('status.loadingWasm');
  try {
    await engine.load(DEFAULT_MODEL_URL, (p) => {
      const phase = p.phase;
      if (phase === 'download' || phase === 'cache') {
        els.progress.max = p.total || 1;
        els.progress.value = p.total ? p.loaded : 0;
        if (!p.total) els.progress.removeAttribute('value');
        setStatus(`status.${phase}`, { loaded: formatBytes(p.loaded), total: formatBytes(p.total) });
      } else {
        els.progress.removeAttribute('value');
        setStatus(`status.${phase === 'verify' ? 'verify' : 'load'}`);
      }
    }, (warning) => notify(warning.code, warning.message));
    document.body.dataset.model = 'ready';
    document.body.dataset.readyMs = performance.now().toFixed(0);
    els.modelStatus.classList.remove('loading');
    els.progress.max = 1;
    els.progress.value = 1;
    els.generate.disabled = Boolean(state.running);
    els.replay.disabled = Boolean(state.running);
    if (!state.running) setStatus(document.body.dataset.run === 'shared' ? 'status.sharedShown' : 'status.ready');
    updateModelName();
    window.dispatchEvent(
      new CustomEvent('inkstone:model-loaded', { detail: { name: engine.info?.name || 'inkstone-poetry', info: engine.info } }),
    );
    try {
      await engine.useRhymeBook(state.settings.rhymeBook);
    } catch (err) {
      notify(errorCode(err), errorMessage(err));
    }
    setState({ model: 'ready' });
  } catch (err) {
    document.body.dataset.model = 'error';
    setState({ model: 'error' });
    els.modelStatus.classList.remove('loading');
    setStatus('status.idle');
    notify(errorCode(err), errorMessage(err));
  }
}

/**
 * Runs another model (a GGUF the user brought). If it fails, the default model comes back.
 * @param {Blob} blob
 * @param {string} name
 */
export async function switchModel(blob, name) {
  document.body.dataset.model = 'loading';
  setState({ model: 'loading' });
  els.generate.disabled = true;
  setStatus('status.load');
  try {
    const info = await engine.loadBlob(blob);
    await engine.useRhymeBook(state.settings.rhymeBook, true);
    document.body.dataset.model = 'ready';
    els.generate.disabled = Boolean(state.running);
    setStatus('status.ready');
    updateModelName();
    setState({ model: 'ready' });
    window.dispatchEvent(new CustomEvent('inkstone:model-loaded', { detail: { name, info } }));
    return info;
  } catch (err) {
    void loadModel();
    throw err;
  }
}
