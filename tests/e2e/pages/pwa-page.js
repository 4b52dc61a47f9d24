// Test page for tests/e2e/pwa.test.mjs, copied to the root of a built site: a stand-in for the
// playground that loads the default model through the model cache, generates, and switches
// models when the model manager (site/pwa/model-manager.js) dispatches inkstone:model-selected.
// The test drives it through window.pwaTest.
import { Inkstone, InkstoneError, ModelStore } from './web/client.js';

const DEFAULT_MODEL = 'assets/models/inkstone-poetry-q8_0.gguf';
const status = /** @type {HTMLElement} */ (document.getElementById('status'));
const poem = /** @type {HTMLElement} */ (document.getElementById('poem'));
const ink = new Inkstone({ wasmBase: new URL('wasm/', location.href).href, nThreads: 2 });

/** @param {unknown} err */
function describe(err) {
  return err instanceof InkstoneError ? { code: err.code, message: err.message } : { code: 'js', message: String(err) };
}

/** @type {string | Blob | null} what runs now: reloaded when a new model fails to load */
let current = null;

// How a page switches models for the model manager: load the new one; if that fails after all
// (the header looked fine, the tensors did not), load the previous one again.
window.addEventListener('inkstone:model-selected', (event) => {
  const detail = /** @type {CustomEvent} */ (event).detail;
  event.preventDefault();
  detail.respondWith(
    ink.load(detail.source).then(
      (info) => {
        current = detail.source;
        return info;
      },
      async (err) => {
        if (current) await ink.load(current, { store: new ModelStore() }).catch(() => {});
        throw err;
      },
    ),
  );
});

/** @type {any} */ (window).pwaTest = {
  async loadDefault() {
    const url = new URL(DEFAULT_MODEL, location.href).href;
    const info = await ink.load(url, { store: new ModelStore() });
    current = url;
    status.textContent = `loaded ${info.name}`;
    return { name: info.name, nVocab: info.nVocab, tokenizer: info.tokenizer, runtime: await ink.runtime() };
  },
  async info() {
    const info = await ink.modelInfo();
    return { name: info.name, nVocab: info.nVocab, tokenizer: info.tokenizer, architecture: info.architecture };
  },
  /** @param {{prompt?: string, promptTokens?: number[], options: object}} args */
  async generate(args) {
    try {
      const done = await ink.complete({ prompt: args.prompt, promptTokens: args.promptTokens, ...args.options });
      poem.textContent = done.text;
      return { tokens: done.tokens, text: done.text };
    } catch (err) {
      return { error: describe(err) };
    }
  },
  state() {
    return {
      isolated: globalThis.crossOriginIsolated === true,
      controlled: !!navigator.serviceWorker?.controller,
      version: /** @type {any} */ (window).inkstonePwa?.version,
    };
  },
  runtime: () => ink.runtime(),
};
status.textContent = 'ready';
