// Bring your own GGUF: pick a file (or drop one, or give a URL), read its header only, show a
// report (architecture, parameters, weight types, vocabulary and tokenizer, context, estimated
// memory), refuse what the runtime cannot run with a clear reason, and otherwise hand the model
// to the page. Accepted models may be kept in the model cache (web/model-store.js) and are listed
// here (switch, delete, size).
//
// The manager never loads a model itself: the page owns the running model. It dispatches
//
//   window 'inkstone:model-selected'  CustomEvent, cancelable, detail:
//     { source: Blob, name: string, url: string | null, info: ModelInfo (header report),
//       respondWith(promise: Promise<ModelInfo>) }
//
// A page that switches models calls event.preventDefault() and detail.respondWith(ink.load(...))
// (the promise rejects with an InkstoneError when the load fails; the manager shows why, and the
// page keeps its previous model, which the client frees only when the new one is accepted by
// inspect first). A page can also tell the manager which model runs now:
//
//   window 'inkstone:model-loaded'    CustomEvent, detail: { name: string, info?: ModelInfo }
//
// Text that came from a file or URL is inserted with textContent only.

import { InkstoneError, isQuotaError } from '../web/errors.js';
import { ModelStore, download } from '../web/model-store.js';

/** @typedef {import('../web/protocol.js').ModelInfo} ModelInfo */
/** @typedef {{inspect: (file: Blob) => Promise<ModelInfo>}} Inspector */

export const MODEL_SELECTED = 'inkstone:model-selected';
export const MODEL_LOADED = 'inkstone:model-loaded';

/** Where models the user brought from a file are kept in the cache (a made-up URL). */
const LOCAL_PREFIX = 'byo/';

/** @param {number} n */
export function formatBytes(n) {
  if (!Number.isFinite(n) || n <= 0) return '0 B';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(n >= 100 || i === 0 ? 0 : n >= 10 ? 1 : 2)} ${units[i]}`;
}

/** @param {number} n */
function formatCount(n) {
  if (!Number.isFinite(n) || n <= 0) return '?';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}

/**
 * Memory the model needs once loaded: its bytes plus the KV cache (f32 keys and values for the
 * whole context) plus scratch for one token (activations and logits). An estimate.
 * @param {ModelInfo} info
 * @param {number} fileBytes
 */
export function estimateMemory(info, fileBytes) {
  const nCtx = info.nCtxTrain || info.nCtx || 0;
  const kvDim = (info.nHeadKv || info.nHead || 0) * (info.headDim || 0);
  const kv = 2 * (info.nLayer || 0) * nCtx * kvDim * 4;
  const scratch = 4 * ((info.nVocab || 0) * 2 + (info.nEmbd || 0) * 8 + (info.nFf || 0) * 3 + nCtx * (info.nHead || 0));
  return fileBytes + kv + scratch;
}

/**
 * Why a file cannot be used, in words, from an inspect error or report; '' when it can.
 * @param {unknown} error   what inspect threw (or null)
 * @param {ModelInfo | null} info
 * @param {number} size     the file's size
 */
export function refusalReason(error, info, size) {
  if (error) {
    const e = /** @type {InkstoneError} */ (error);
    if (e.code === 'invalid_model') {
      if (e.detail === 'truncated') {
        return `This GGUF file is truncated: its header ends before the file does (${formatBytes(size)}). Download it again.`;
      }
      return `This file is not a usable GGUF model: ${e.message}`;
    }
    if (e.code === 'unsupported_model') return `This model cannot run here: ${e.message}`;
    return `Could not read this file: ${e.message || e}`;
  }
  if (!info) return 'Could not read this file.';
  if (info.runnable === false) {
    const p = info.problem || { code: '', detail: '', message: '' };
    if (p.detail === 'architecture' || /architecture/i.test(p.message || '')) {
      return `Unsupported architecture “${info.architecture || '?'}”: Inkstone runs llama-family models (general.architecture = llama) only. ${p.message || ''}`.trim();
    }
    if (/type/i.test(p.detail || '') || /tensor type|weight type/i.test(p.message || '')) {
      return `Unsupported weight type: ${p.message}. Inkstone runs f32, f16, q8_0 and q4_0 weights.`;
    }
    if (p.code === 'invalid_model') return `This GGUF file is damaged: ${p.message}`;
    return `This model cannot run here: ${p.message || p.detail || p.code}`;
  }
  const header = info.header;
  if (header && header.dataEnd > size) {
    return `This GGUF file is truncated: its tensors need ${formatBytes(header.dataEnd)} but the file has only ${formatBytes(size)}. Download it again.`;
  }
  return '';
}

/**
 * Checks the four magic bytes before asking the runtime (a clear message for a non-GGUF file).
 * @param {Blob} blob
 */
async function hasGgufMagic(blob) {
  if (blob.size < 4) return false;
  const b = new Uint8Array(await blob.slice(0, 4).arrayBuffer());
  return b[0] === 0x47 && b[1] === 0x47 && b[2] === 0x55 && b[3] === 0x46; // "GGUF"
}

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {(Node | string)[]} [children]
 */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

export class ModelManager {
  /** @type {HTMLElement} */ root;
  /** @type {() => Promise<Inspector>} */ #inspector;
  /** @type {ModelStore} */ #store;
  /** @type {EventTarget} */ #target;
  /** @type {{blob: Blob, name: string, url: string | null, info: ModelInfo} | null} */ #candidate = null;
  /** @type {AbortController | null} */ #download = null;
  /** @type {Record<string, HTMLElement>} */ ui = {};
  busy = false;

  /**
   * @param {{root: HTMLElement, inspector: () => Promise<Inspector>, store?: ModelStore,
   *          target?: EventTarget, scope?: string}} options
   */
  constructor(options) {
    this.root = options.root;
    this.#inspector = options.inspector;
    this.#store = options.store || new ModelStore();
    this.#target = options.target || window;
    this.scope = options.scope || new URL('../', import.meta.url).href;
    this.#build();
    this.#target.addEventListener(MODEL_LOADED, (event) => {
      const detail = /** @type {CustomEvent} */ (event).detail || {};
      this.ui.current.textContent = detail.name ? `Current model: ${detail.name}` : '';
    });
  }

  #build() {
    const ui = this.ui;
    ui.current = el('p', { class: 'pwa-current', 'data-role': 'current' });
    ui.fileInput = el('input', { type: 'file', accept: '.gguf,application/octet-stream', class: 'pwa-file', 'data-role': 'file' });
    ui.pick = el('button', { type: 'button', class: 'pwa-btn', text: 'Choose a GGUF file…' });
    ui.drop = el('div', { class: 'pwa-drop', 'data-role': 'drop', tabindex: '0' }, [
      el('p', { text: 'Drop a .gguf model here, or' }),
      ui.pick,
      ui.fileInput,
    ]);
    ui.urlInput = el('input', { type: 'url', class: 'pwa-url', placeholder: 'https://…/model.gguf or a path on this site', 'aria-label': 'Model URL', 'data-role': 'url' });
    ui.urlButton = el('button', { type: 'submit', class: 'pwa-btn', text: 'Fetch' });
    ui.cancel = el('button', { type: 'button', class: 'pwa-btn', text: 'Cancel', hidden: '' });
    ui.urlForm = el('form', { class: 'pwa-url-form', novalidate: '' }, [ui.urlInput, ui.urlButton, ui.cancel]);
    ui.progress = el('progress', { max: '1', value: '0', hidden: '', 'data-role': 'progress' });
    ui.status = el('p', { class: 'pwa-status', role: 'status', 'aria-live': 'polite', 'data-role': 'status' });
    ui.error = el('p', { class: 'pwa-error', role: 'alert', hidden: '', 'data-role': 'error' });
    ui.report = el('dl', { class: 'pwa-report', 'data-role': 'report' });
    ui.keep = el('input', { type: 'checkbox', id: 'pwa-keep-model', checked: '' });
    ui.use = el('button', { type: 'button', class: 'pwa-btn primary', text: 'Use this model', 'data-role': 'use' });
    ui.reportBox = el('section', { class: 'pwa-report-box', hidden: '', 'data-role': 'report-box' }, [
      el('h3', { text: 'Header report' }),
      ui.report,
      el('label', { class: 'pwa-check' }, [ui.keep, ' Keep it offline on this device']),
      ui.use,
    ]);
    ui.list = el('ul', { class: 'pwa-list', 'data-role': 'list' });
    ui.storage = el('p', { class: 'pwa-storage', 'data-role': 'storage' });
    ui.persist = el('button', { type: 'button', class: 'pwa-btn', text: 'Keep offline (persistent storage)', 'data-role': 'persist' });
    this.root.append(
      ui.current, ui.drop, ui.urlForm, ui.progress, ui.status, ui.error, ui.reportBox,
      el('h3', { text: 'Models on this device' }), ui.list, ui.storage, ui.persist,
    );

    ui.pick.addEventListener('click', () => ui.fileInput.click());
    ui.fileInput.addEventListener('change', () => {
      const input = /** @type {HTMLInputElement} */ (ui.fileInput);
      const file = input.files && input.files[0];
      if (file) void this.consider(file, file.name, null);
      input.value = '';
    });
    for (const type of ['dragenter', 'dragover']) {
      ui.drop.addEventListener(type, (e) => {
        e.preventDefault();
        ui.drop.classList.add('over');
      });
    }
    ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
    ui.drop.addEventListener('drop', (e) => {
      e.preventDefault();
      ui.drop.classList.remove('over');
      const file = /** @type {DragEvent} */ (e).dataTransfer?.files[0];
      if (file) void this.consider(file, file.name, null);
    });
    ui.urlForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const value = /** @type {HTMLInputElement} */ (ui.urlInput).value.trim();
      if (value) void this.fetchUrl(value);
    });
    ui.cancel.addEventListener('click', () => this.#download?.abort());
    ui.use.addEventListener('click', () => void this.useCandidate());
    ui.persist.addEventListener('click', async () => {
      const ok = await this.#store.persist();
      this.ui.status.textContent = ok
        ? 'Storage is persistent: the browser will not evict the app and models on its own.'
        : 'The browser did not grant persistent storage (it may still keep the files).';
      void this.refresh();
    });
  }

  /** @param {string} message */
  #fail(message) {
    this.ui.error.textContent = message;
    this.ui.error.hidden = false;
    this.ui.status.textContent = '';
  }

  #clearMessages() {
    this.ui.error.hidden = true;
    this.ui.error.textContent = '';
    this.ui.status.textContent = '';
  }

  /**
   * Reads the header of a file and shows the report, or refuses it. Nothing is loaded.
   * @param {Blob} blob
   * @param {string} name
   * @param {string | null} url
   * @returns {Promise<boolean>} accepted
   */
  async consider(blob, name, url) {
    this.#clearMessages();
    this.#candidate = null;
    this.ui.reportBox.hidden = true;
    this.ui.status.textContent = `Reading the header of ${name}…`;
    if (!(await hasGgufMagic(blob))) {
      this.#fail(`“${name}” is not a GGUF model file (it does not begin with the bytes “GGUF”).`);
      return false;
    }
    /** @type {ModelInfo | null} */
    let info = null;
    /** @type {unknown} */
    let error = null;
    try {
      info = await (await this.#inspector()).inspect(blob);
    } catch (err) {
      error = err;
    }
    const reason = refusalReason(error, info, blob.size);
    if (reason || !info) {
      this.#fail(reason);
      return false;
    }
    this.#candidate = { blob, name, url, info };
    this.#showReport(info, blob.size, name);
    this.ui.status.textContent = `${name} can run here.`;
    return true;
  }

  /**
   * @param {ModelInfo} info
   * @param {number} size
   * @param {string} name
   */
  #showReport(info, size, name) {
    const rows = [
      ['File', `${name} (${formatBytes(size)})`],
      ['Name', info.name || '—'],
      ['Architecture', info.architecture || '?'],
      ['Parameters', formatCount(info.nParams)],
      ['Weight types', (info.weightTypes || []).join(', ') || '?'],
      ['Vocabulary', `${info.nVocab} tokens, ${info.tokenizer} tokenizer`],
      ['Context', `${info.nCtxTrain || info.nCtx} tokens`],
      ['Layers × width', `${info.nLayer} × ${info.nEmbd} (${info.nHead} heads, ${info.nHeadKv} KV)`],
      ['Estimated memory', `≈ ${formatBytes(estimateMemory(info, size))}`],
    ];
    const report = this.ui.report;
    report.replaceChildren();
    for (const [k, v] of rows) report.append(el('dt', { text: k }), el('dd', { text: v }));
    this.ui.reportBox.hidden = false;
  }

  /**
   * Downloads a model by URL with progress (cancellable), then considers it.
   * @param {string} value
   */
  async fetchUrl(value) {
    this.#clearMessages();
    const url = new URL(value, this.scope).href;
    const controller = new AbortController();
    this.#download = controller;
    const ui = this.ui;
    const progress = /** @type {HTMLProgressElement} */ (ui.progress);
    progress.hidden = false;
    progress.value = 0;
    ui.cancel.hidden = false;
    const name = decodeURIComponent(new URL(url).pathname.split('/').pop() || url);
    try {
      ui.status.textContent = `Downloading ${name}…`;
      const cached = await this.#cachedResponse(url);
      const bytes = cached
        ? await cached.arrayBuffer()
        : await download(url, {
            signal: controller.signal,
            onProgress: (/** @type {{loaded: number, total: number}} */ { loaded, total }) => {
              if (total) progress.value = loaded / total;
              else progress.removeAttribute('value');
              ui.status.textContent = `Downloading ${name}: ${formatBytes(loaded)}${total ? ` of ${formatBytes(total)}` : ''}`;
            },
          });
      progress.value = 1;
      return await this.consider(new Blob([bytes]), name, url);
    } catch (err) {
      const e = /** @type {InkstoneError} */ (err);
      this.#fail(e.code === 'aborted' ? 'Download cancelled.' : `Could not download ${name}: ${e.message || e}`);
      return false;
    } finally {
      this.#download = null;
      ui.cancel.hidden = true;
      progress.hidden = true;
    }
  }

  /** @param {string} url */
  async #cachedResponse(url) {
    try {
      return (await caches.open(this.#store.cacheName)).match(url);
    } catch {
      return undefined;
    }
  }

  /** Hands the accepted candidate to the page (and keeps it in the cache when asked). */
  async useCandidate() {
    const c = this.#candidate;
    if (!c) return false;
    this.#clearMessages();
    if (/** @type {HTMLInputElement} */ (this.ui.keep).checked) {
      const key = c.url || new URL(LOCAL_PREFIX + encodeURIComponent(c.name), this.scope).href;
      try {
        if (!(await this.#store.has(key))) await this.#store.put(key, await c.blob.arrayBuffer());
        // Keeping a model offline is a clear wish to keep things: ask not to be evicted.
        void this.#store.persist().catch(() => false);
      } catch (err) {
        const quota = isQuotaError(err);
        this.#fail(quota
          ? `Not enough storage to keep ${c.name} offline (${formatBytes(c.blob.size)}). Delete a model below or free space; it will still be used now.`
          : `Could not keep ${c.name} offline: ${/** @type {Error} */ (err).message || err}`);
      }
    }
    const ok = await this.select(c.blob, c.name, c.url, c.info);
    void this.refresh();
    return ok;
  }

  /**
   * Dispatches MODEL_SELECTED and reports what the page did with it.
   * @param {Blob} blob
   * @param {string} name
   * @param {string | null} url
   * @param {ModelInfo} info
   */
  async select(blob, name, url, info) {
    /** @type {{promise: Promise<ModelInfo> | null}} */
    const reply = { promise: null };
    const event = new CustomEvent(MODEL_SELECTED, {
      cancelable: true,
      detail: { source: blob, name, url, info, respondWith: (/** @type {Promise<ModelInfo>} */ p) => { reply.promise = p; } },
    });
    this.#target.dispatchEvent(event);
    const response = reply.promise;
    if (!event.defaultPrevented && !response) {
      this.#fail('This page cannot switch models.');
      return false;
    }
    if (!response) return true;
    this.busy = true;
    this.ui.status.textContent = `Loading ${name}…`;
    try {
      const loaded = await response;
      this.ui.current.textContent = `Current model: ${name}`;
      this.ui.status.textContent = `${name} is loaded (${(loaded && loaded.architecture) || info.architecture}, ${formatCount((loaded && loaded.nParams) || info.nParams)} parameters).`;
      this.ui.reportBox.hidden = true;
      return true;
    } catch (err) {
      const e = /** @type {InkstoneError} */ (err);
      this.#fail(e.code === 'out_of_memory'
        ? `${name} does not fit in this browser's memory for WebAssembly.`
        : `Could not load ${name}: ${e.message || e}`);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Redraws the cached-model list and the storage line. */
  async refresh() {
    const list = this.ui.list;
    /** @type {import('../web/model-store.js').CachedModel[]} */
    let entries = [];
    try {
      entries = await this.#store.list();
    } catch {
      entries = [];
    }
    list.replaceChildren();
    for (const entry of entries) {
      const name = decodeURIComponent(new URL(entry.url).pathname.split('/').pop() || entry.url);
      const use = el('button', { type: 'button', class: 'pwa-btn', text: 'Use' });
      const del = el('button', { type: 'button', class: 'pwa-btn', text: 'Delete' });
      use.addEventListener('click', async () => {
        const hit = await this.#cachedResponse(entry.url);
        if (!hit) return void this.refresh();
        if (await this.consider(await hit.blob(), name, entry.url)) await this.useCandidate();
      });
      del.addEventListener('click', async () => {
        await this.#store.delete(entry.url);
        void this.refresh();
      });
      list.append(el('li', { 'data-url': entry.url }, [
        el('span', { class: 'pwa-name', text: name }),
        el('span', { class: 'pwa-size', text: formatBytes(entry.bytes) }),
        use, del,
      ]));
    }
    if (!entries.length) list.append(el('li', { class: 'pwa-empty', text: 'No models kept yet.' }));
    const { usage, quota, persisted } = await this.#store.estimate();
    this.ui.storage.textContent = quota
      ? `Storage: ${formatBytes(usage)} used of ${formatBytes(quota)} available${persisted ? ' (persistent)' : ''}.`
      : '';
    this.ui.persist.hidden = persisted;
  }
}
