// Test page for tests/e2e/faults.test.mjs: the public client API (web/client.js) under faults.
// The test drives it through window.inkFaults; every call returns plain data (errors as
// {code, message}), never throws.
import { Inkstone, InkstoneError, ModelStore } from '../../../web/client.js';

/** @type {Inkstone | null} */
let ink = null;
/** @type {string[]} */
const events = [];

/** @param {unknown} err */
function describe(err) {
  return err instanceof InkstoneError ? { code: err.code, message: err.message } : { code: 'js', message: String(err) };
}

/** @param {() => Promise<any>} fn */
async function attempt(fn) {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: describe(err) };
  }
}

const GEN = { seed: 11, temperature: 0.8, maxTokens: 12, stopAtEos: false };

const api = {
  /** A fresh client with the model at `url`. */
  async start(url) {
    if (ink) ink.dispose();
    ink = new Inkstone();
    for (const type of ['crash', 'recovered', 'recoveryfailed']) ink.addEventListener(type, () => events.push(type));
    return attempt(async () => (await ink.load(url)).name);
  },
  /** Loads from `url`; with abortAfterBytes, aborts the download once that many bytes came. */
  async load(url, abortAfterBytes = 0) {
    const controller = new AbortController();
    /** @type {any[]} */
    const progress = [];
    const r = await attempt(async () => (await ink.load(url, {
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p);
        if (abortAfterBytes && p.phase === 'download' && p.loaded >= abortAfterBytes) controller.abort();
      },
    })).name);
    return { ...r, progressEvents: progress.length };
  },
  /** Loads `url` with LoadOptions (nCtx, maxCtx, maxMemoryBytes). */
  async loadWith(url, options) {
    return attempt(async () => (await ink.load(url, options)).name);
  },
  /** The worker's wasm heap size in bytes (memory grows, never shrinks). */
  async heapBytes() {
    return (await ink.memoryUsage()).heapBytes;
  },
  /** Makes the wasm abort (tests-only request), e.g. while a generation streams. */
  async abortWasm() {
    return attempt(() => ink.debugCrash());
  },
  /** Loads `url` through a fresh model cache; reports what could not be stored. */
  async loadStored(url) {
    const store = new ModelStore({ cacheName: `faults-${Date.now()}` });
    /** @type {{code: string, message: string}[]} */
    const storeErrors = [];
    const r = await attempt(async () => (await ink.load(url, { store, onStoreError: (e) => storeErrors.push(describe(e)) })).name);
    return { ...r, storeErrors, cached: await store.has(url).catch(() => null) };
  },
  async generate() {
    return attempt(async () => {
      const r = await ink.complete({ promptTokens: [1, 281], ...GEN });
      return r.tokens;
    });
  },
  async name() {
    return attempt(async () => (await ink.modelInfo()).name);
  },
  /** Starts an endless generation and resolves with how it ended (call killWorker meanwhile). */
  async generateUntilFailure() {
    let n = 0;
    const r = await attempt(async () => {
      for await (const ev of ink.generate({ promptTokens: [1, 281], ...GEN, maxTokens: 0, slideWindow: true })) {
        if (ev.type === 'token') n++;
        if (n === 5) document.getElementById('status').textContent = 'generating';
      }
    });
    return { ...r, tokens: n };
  },
  async settled() {
    await ink.settled();
    return { crashes: ink.crashes, events: [...events] };
  },
};

/** @type {any} */ (window).inkFaults = api;
document.getElementById('status').textContent = 'ready';
