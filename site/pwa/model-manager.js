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
// Its words are in site/pwa/strings.js (English, Simplified and Traditional Chinese, following
// the page's <html lang>, said again when it changes). Text that came from a file or URL is
// inserted with textContent only; messages switch on error.code and detail, never on the text.

import { InkstoneError, isQuotaError } from '../web/errors.js';
import { ModelStore, bytesBlob, download } from '../web/model-store.js';
import { DEFAULT_MAX_CTX, WASM_MAXIMUM_MEMORY_BYTES } from '../web/client.js';
import { say, sayAttr } from './strings.js';

/**
 * What a wasm32 heap can hold for a model and its session, less room for the runtime itself:
 * the Models dialog refuses a file whose estimate passes it (docs/limits.md).
 */
export const HEAP_LIMIT_BYTES = WASM_MAXIMUM_MEMORY_BYTES - 256 * 2 ** 20;

/** @typedef {import('../web/protocol.js').ModelInfo} ModelInfo */
/** @typedef {{inspect: (file: Blob) => Promise<ModelInfo>}} Inspector */

export const MODEL_SELECTED = 'inkstone:model-selected';
export const MODEL_LOADED = 'inkstone:model-loaded';

/** @typedef {{key: string, vars: import('./strings.js').Vars}} Message */

/** The weight types the runtime runs (docs/status-codes.md, unsupported_tensor_type). */
const RUNNABLE_TYPES = ['f32', 'f16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q4_k', 'q5_k', 'q6_k'];

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
 * context it gets: its own, at most DEFAULT_MAX_CTX) plus scratch for one token (activations
 * and logits). An estimate.
 * @param {ModelInfo} info
 * @param {number} fileBytes
 */
export function estimateMemory(info, fileBytes) {
  const nCtx = Math.min(info.nCtxTrain || info.nCtx || 0, DEFAULT_MAX_CTX);
  const kvDim = (info.nHeadKv || info.nHead || 0) * (info.headDim || 0);
  const kv = 2 * (info.nLayer || 0) * nCtx * kvDim * 4;
  const scratch = 4 * ((info.nVocab || 0) * 2 + (info.nEmbd || 0) * 8 + (info.nFf || 0) * 3 + nCtx * (info.nHead || 0));
  return fileBytes + kv + scratch;
}

/**
 * Why a file cannot be used (a message key and its vars), from an inspect error or report; null
 * when it can. Switches on the error's code and the runtime's fine code (problem.detail).
 * @param {unknown} error   what inspect threw (or null)
 * @param {ModelInfo | null} info
 * @param {number} size     the file's size
 * @returns {Message | null}
 */
export function refusalReason(error, info, size) {
  if (error) {
    const e = /** @type {InkstoneError} */ (error);
    const message = e.message || String(e);
    if (e.code === 'invalid_model' && e.detail === 'truncated') return { key: 'refuseTruncatedHeader', vars: { size: formatBytes(size) } };
    if (e.code === 'invalid_model') return { key: 'refuseInvalid', vars: { message } };
    if (e.code === 'unsupported_model') return { key: 'refuseUnsupported', vars: { message } };
    return { key: 'refuseUnread', vars: { message } };
  }
  if (!info) return { key: 'refuseUnread', vars: { message: '—' } };
  if (info.runnable === false) {
    const p = info.problem || { code: '', detail: '', message: '' };
    const message = p.message || p.detail || p.code;
    if (p.detail === 'unsupported_architecture') return { key: 'refuseArch', vars: { arch: info.architecture || '?' } };
    if (p.detail === 'unsupported_tensor_type') {
      const types = [...new Set((info.header?.tensors || []).map((t) => t.type))].filter((t) => !RUNNABLE_TYPES.includes(t));
      return { key: 'refuseType', vars: { types: types.join(', ') || message, runnable: RUNNABLE_TYPES.join(', ') } };
    }
    if (p.code === 'invalid_model') return { key: 'refuseDamaged', vars: { message } };
    return { key: 'refuseUnsupported', vars: { message } };
  }
  const header = info.header;
  if (header && header.dataEnd > size) {
    return { key: 'refuseTruncatedData', vars: { need: formatBytes(header.dataEnd), size: formatBytes(size) } };
  }
  const need = estimateMemory(info, size);
  if (need > HEAP_LIMIT_BYTES) {
    return { key: 'refuseMemory', vars: { need: formatBytes(need), limit: formatBytes(HEAP_LIMIT_BYTES) } };
  }
  return null;
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
  /** a URL stored only to read its download back (#storedBlob), to delete unless kept */
  /** @type {string | null} */ #unkept = null;
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
      say(this.ui.current, detail.name ? 'currentModel' : null, { name: detail.name });
    });
  }

  #build() {
    const ui = this.ui;
    ui.current = el('p', { class: 'pwa-current', 'data-role': 'current' });
    ui.fileInput = el('input', { type: 'file', accept: '.gguf,application/octet-stream', class: 'pwa-file', 'data-role': 'file' });
    ui.pick = el('button', { type: 'button', class: 'pwa-btn', 'data-role': 'pick' });
    say(ui.pick, 'chooseFile');
    sayAttr(ui.fileInput, 'aria-label', 'chooseFile');
    const dropHere = el('p');
    say(dropHere, 'dropHere');
    ui.drop = el('div', { class: 'pwa-drop', 'data-role': 'drop', tabindex: '0' }, [dropHere, ui.pick, ui.fileInput]);
    ui.urlInput = el('input', { type: 'url', class: 'pwa-url', 'data-role': 'url' });
    sayAttr(ui.urlInput, 'placeholder', 'urlPlaceholder');
    sayAttr(ui.urlInput, 'aria-label', 'urlLabel');
    ui.urlButton = el('button', { type: 'submit', class: 'pwa-btn', 'data-role': 'fetch' });
    say(ui.urlButton, 'fetch');
    ui.cancel = el('button', { type: 'button', class: 'pwa-btn', hidden: '', 'data-role': 'cancel' });
    say(ui.cancel, 'cancel');
    ui.urlForm = el('form', { class: 'pwa-url-form', novalidate: '' }, [ui.urlInput, ui.urlButton, ui.cancel]);
    ui.progress = el('progress', { max: '1', value: '0', hidden: '', 'data-role': 'progress' });
    ui.status = el('p', { class: 'pwa-status', role: 'status', 'aria-live': 'polite', 'data-role': 'status' });
    ui.error = el('p', { class: 'pwa-error', role: 'alert', hidden: '', 'data-role': 'error' });
    ui.report = el('dl', { class: 'pwa-report', 'data-role': 'report' });
    ui.keep = el('input', { type: 'checkbox', id: 'pwa-keep-model', checked: '' });
    ui.use = el('button', { type: 'button', class: 'pwa-btn primary', 'data-role': 'use' });
    say(ui.use, 'useModel');
    const reportHeading = el('h3');
    say(reportHeading, 'reportHeading');
    const keepText = el('span');
    say(keepText, 'keepOffline');
    ui.reportBox = el('section', { class: 'pwa-report-box', hidden: '', 'data-role': 'report-box' }, [
      reportHeading,
      ui.report,
      el('label', { class: 'pwa-check' }, [ui.keep, ' ', keepText]),
      ui.use,
    ]);
    ui.list = el('ul', { class: 'pwa-list', 'data-role': 'list' });
    ui.storage = el('p', { class: 'pwa-storage', 'data-role': 'storage' });
    ui.persist = el('button', { type: 'button', class: 'pwa-btn', 'data-role': 'persist' });
    say(ui.persist, 'persist');
    const listHeading = el('h3');
    say(listHeading, 'onDevice');
    this.root.append(
      ui.current, ui.drop, ui.urlForm, ui.progress, ui.status, ui.error, ui.reportBox,
      listHeading, ui.list, ui.storage, ui.persist,
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
      say(this.ui.status, ok ? 'persistGranted' : 'persistDenied');
      void this.refresh();
    });
  }

  /**
   * Shows why something failed (and clears the status line).
   * @param {string} key
   * @param {import('./strings.js').Vars} [vars]
   */
  #fail(key, vars) {
    say(this.ui.error, key, vars);
    this.ui.error.hidden = false;
    say(this.ui.status, null);
  }

  #clearMessages() {
    this.ui.error.hidden = true;
    say(this.ui.error, null);
    say(this.ui.status, null);
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
    say(this.ui.status, 'reading', { name });
    if (!(await hasGgufMagic(blob))) {
      this.#fail('notGguf', { name });
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
      this.#fail(reason ? reason.key : 'refuseUnread', reason ? reason.vars : { message: '—' });
      return false;
    }
    this.#candidate = { blob, name, url, info };
    this.#showReport(info, blob.size, name);
    say(this.ui.status, 'canRun', { name });
    return true;
  }

  /**
   * @param {ModelInfo} info
   * @param {number} size
   * @param {string} name
   */
  #showReport(info, size, name) {
    /** @type {[string, string | Message][]} a row's heading key, and its value (text, or a message) */
    const rows = [
      ['rowFile', { key: 'valFile', vars: { name, size: formatBytes(size) } }],
      ['rowName', info.name || '—'],
      ['rowArch', info.architecture || '?'],
      ['rowParams', formatCount(info.nParams)],
      ['rowTypes', (info.weightTypes || []).join(', ') || '?'],
      ['rowVocab', { key: 'valVocab', vars: { n: info.nVocab, tokenizer: info.tokenizer } }],
      ['rowContext', { key: 'valContext', vars: { n: info.nCtxTrain || info.nCtx } }],
      ['rowLayers', { key: 'valLayers', vars: { layers: info.nLayer, width: info.nEmbd, heads: info.nHead, kv: info.nHeadKv } }],
      ['rowMemory', `≈ ${formatBytes(estimateMemory(info, size))}`],
    ];
    const report = this.ui.report;
    report.replaceChildren();
    for (const [k, v] of rows) {
      const dt = el('dt');
      say(dt, k);
      const dd = el('dd', typeof v === 'string' ? { text: v } : {});
      if (typeof v !== 'string') say(dd, v.key, v.vars);
      report.append(dt, dd);
    }
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
      say(ui.status, 'downloading', { name });
      const cached = await this.#cachedResponse(url);
      // A Blob backed by the model cache's files, which reads back at any size: Chromium cannot
      // read a Blob made in memory past ~500 MiB (web/model-store.js bytesBody). A download is
      // stored first; useCandidate removes it again when it is not to be kept.
      const blob = cached
        ? await cached.blob()
        : await this.#storedBlob(url, await download(url, {
            signal: controller.signal,
            onProgress: (/** @type {{loaded: number, total: number}} */ { loaded, total }) => {
              if (total) progress.value = loaded / total;
              else progress.removeAttribute('value');
              say(ui.status, total ? 'downloadingOf' : 'downloadingBytes', { name, loaded: formatBytes(loaded), total: formatBytes(total) });
            },
          }));
      progress.value = 1;
      const ok = await this.consider(blob, name, url);
      if (!ok) await this.#dropUnkept();
      return ok;
    } catch (err) {
      const e = /** @type {InkstoneError} */ (err);
      if (e.code === 'aborted') this.#fail('downloadCancelled');
      else if (e.code === 'hash_mismatch') this.#fail('downloadHash', { name });
      else this.#fail('downloadFailed', { name, message: e.message || String(e) });
      return false;
    } finally {
      this.#download = null;
      ui.cancel.hidden = true;
      progress.hidden = true;
    }
  }

  /**
   * Stores downloaded bytes and returns the cache's Blob of them (bytesBlob where storing fails,
   * e.g. storage full).
   * @param {string} url
   * @param {ArrayBuffer} bytes
   * @returns {Promise<Blob>}
   */
  async #storedBlob(url, bytes) {
    try {
      await this.#store.put(url, bytes);
      const blob = await this.#store.blob(url);
      if (blob) {
        this.#unkept = url;
        return blob;
      }
    } catch {
      // not stored: the model still runs from memory
    }
    return bytesBlob(bytes);
  }

  /** Deletes the download #storedBlob stored, if any (not accepted, or not to be kept). */
  async #dropUnkept() {
    const url = this.#unkept;
    this.#unkept = null;
    if (url) await this.#store.delete(url).catch(() => false);
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
        if (isQuotaError(err)) this.#fail('keepNoSpace', { name: c.name, size: formatBytes(c.blob.size) });
        else this.#fail('keepFailed', { name: c.name, message: /** @type {Error} */ (err).message || String(err) });
      }
    }
    const keep = /** @type {HTMLInputElement} */ (this.ui.keep).checked;
    const ok = await this.select(c.blob, c.name, c.url, c.info);
    // The page has read the blob (or failed to): a download not to be kept leaves the cache.
    if (keep) this.#unkept = null;
    await this.#dropUnkept();
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
      this.#fail('cannotSwitch');
      return false;
    }
    if (!response) return true;
    this.busy = true;
    say(this.ui.status, 'loading', { name });
    try {
      const loaded = await response;
      say(this.ui.current, 'currentModel', { name });
      say(this.ui.status, 'loaded', {
        name,
        arch: (loaded && loaded.architecture) || info.architecture,
        params: formatCount((loaded && loaded.nParams) || info.nParams),
      });
      this.ui.reportBox.hidden = true;
      return true;
    } catch (err) {
      const e = /** @type {InkstoneError} */ (err);
      if (e.code === 'out_of_memory') this.#fail('loadOom', { name });
      else this.#fail('loadFailed', { name, message: e.message || String(e) });
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
      const use = el('button', { type: 'button', class: 'pwa-btn', 'data-role': 'use-kept' });
      say(use, 'use');
      const del = el('button', { type: 'button', class: 'pwa-btn', 'data-role': 'delete-kept' });
      say(del, 'delete');
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
    if (!entries.length) {
      const empty = el('li', { class: 'pwa-empty' });
      say(empty, 'noModels');
      list.append(empty);
    }
    const { usage, quota, persisted } = await this.#store.estimate();
    say(this.ui.storage, quota ? (persisted ? 'storagePersistent' : 'storage') : null, { used: formatBytes(usage), quota: formatBytes(quota) });
    this.ui.persist.hidden = persisted;
  }
}
