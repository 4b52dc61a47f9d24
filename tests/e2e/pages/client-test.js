// Test page for tests/e2e/client.test.mjs: uses only the public client API (web/client.js).
// The test drives it through window.inkTest.
import { Inkstone, InkstoneError, ModelStore, detectFeatures } from '../../../web/client.js';

const status = /** @type {HTMLElement} */ (document.getElementById('status'));
const poem = /** @type {HTMLElement} */ (document.getElementById('poem'));

/** @type {Inkstone | null} */
let ink = null;

/** Counts timer ticks on the main thread and the longest gap between two of them. */
function startTicker() {
  let ticks = 0;
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 5);
  return () => {
    clearInterval(timer);
    return { ticks, maxGapMs: Math.max(maxGap, performance.now() - last) };
  };
}

/** @param {unknown} err */
function describe(err) {
  return err instanceof InkstoneError ? { code: err.code, message: err.message } : { code: 'js', message: String(err) };
}

const api = {
  features() {
    return { ...detectFeatures(), isolated: globalThis.crossOriginIsolated === true };
  },

  /** @param {{model: string, nCtx?: number, nThreads?: number, minSplitMacs?: number}} args */
  async load(args) {
    if (ink) ink.dispose();
    ink = new Inkstone({ nThreads: args.nThreads });
    const t0 = performance.now();
    /** @type {any[]} */
    const progress = [];
    const info = await ink.load(args.model, { onProgress: (p) => progress.push(p), nCtx: args.nCtx || 0, minSplitMacs: args.minSplitMacs });
    const loadMs = performance.now() - t0;
    const runtime = await ink.runtime();
    status.textContent = `loaded ${info.name}`;
    return { info: { name: info.name, nVocab: info.nVocab, nThreads: info.nThreads }, runtime, loadMs, progress: progress.length, lastProgress: progress.at(-1) };
  },

  /** @param {{prompt?: string, promptTokens?: number[], options: object}} args */
  async generate(args) {
    if (!ink) throw new Error('load first');
    poem.textContent = '';
    const stop = startTicker();
    const t0 = performance.now();
    let firstTokenMs = 0;
    /** @type {number[]} */
    const tokens = [];
    let text = '';
    let summary = null;
    for await (const ev of ink.generate({ prompt: args.prompt, promptTokens: args.promptTokens, ...args.options })) {
      if (ev.type === 'token') {
        if (!tokens.length) firstTokenMs = performance.now() - t0;
        tokens.push(ev.token);
        text += ev.text;
        poem.textContent += ev.text;
      } else {
        summary = ev;
      }
    }
    const { ticks, maxGapMs } = stop();
    return { tokens, text, firstTokenMs, ticks, maxGapMs, elapsedMs: performance.now() - t0, summary: summary && { tokensPerSecond: summary.tokensPerSecond, reason: summary.reason, timings: summary.timings } };
  },

  /**
   * A generation with the raw logits of every step, and the session's per-thread work counters
   * after it. Logits come back as the hex of their float32 bits (compared bit for bit).
   * @param {{promptTokens: number[], options: object}} args
   */
  async logitsAndStats(args) {
    if (!ink) throw new Error('load first');
    /** @type {number[]} */
    const tokens = [];
    /** @type {string[]} */
    const logits = [];
    for await (const ev of ink.generate({ promptTokens: args.promptTokens, ...args.options, probes: { logits: true } })) {
      if (ev.type !== 'token') continue;
      tokens.push(ev.token);
      const bits = new Uint32Array(/** @type {Float32Array} */ (ev.logits).slice().buffer);
      logits.push(Array.from(bits, (b) => b.toString(16).padStart(8, '0')).join(''));
    }
    return { tokens, logits, stats: await ink.stats() };
  },

  /**
   * An endless generation aborted after `abortAfter` tokens; counts what arrives after abort().
   * @param {{promptTokens: number[], options: object, abortAfter: number}} args
   */
  async cancel(args) {
    if (!ink) throw new Error('load first');
    const controller = new AbortController();
    let received = 0;
    let afterAbort = 0;
    let aborted = false;
    const t0 = performance.now();
    let abortLatencyMs = 0;
    let error = null;
    try {
      for await (const ev of ink.generate({ promptTokens: args.promptTokens, ...args.options, maxTokens: 0, slideWindow: true, signal: controller.signal })) {
        if (ev.type !== 'token') continue;
        if (aborted) afterAbort++;
        if (++received === args.abortAfter) {
          aborted = true;
          abortLatencyMs = performance.now();
          controller.abort();
        }
      }
    } catch (err) {
      error = describe(err);
      abortLatencyMs = performance.now() - abortLatencyMs;
    }
    return { received, afterAbort, error, abortLatencyMs, elapsedMs: performance.now() - t0 };
  },

  /**
   * Generates for `ms` milliseconds (an endless generation ended by AbortSignal.timeout) while a
   * 5 ms timer runs on this thread.
   * @param {{promptTokens: number[], options: object, ms: number}} args
   */
  async responsive(args) {
    if (!ink) throw new Error('load first');
    const stop = startTicker();
    const t0 = performance.now();
    let tokens = 0;
    let error = null;
    try {
      for await (const ev of ink.generate({ promptTokens: args.promptTokens, ...args.options, maxTokens: 0, slideWindow: true, signal: AbortSignal.timeout(args.ms) })) {
        if (ev.type === 'token') tokens++;
      }
    } catch (err) {
      error = describe(err);
    }
    const { ticks, maxGapMs } = stop();
    return { tokens, ticks, maxGapMs, elapsedMs: performance.now() - t0, error };
  },

  /** Makes the wasm abort, then checks that the client recovered. */
  async crash() {
    if (!ink) throw new Error('load first');
    let error = null;
    try {
      await ink.debugCrash();
    } catch (err) {
      error = describe(err);
    }
    return { error, crashes: ink.crashes };
  },

  /** @param {string} model */
  async loadError(model) {
    const local = new Inkstone();
    try {
      await local.load(model);
      return null;
    } catch (err) {
      return describe(err);
    } finally {
      local.dispose();
    }
  },
};

/**
 * The model store: download with progress + verify + cache, then a cache hit, list, delete.
 * @param {{url: string, sha256: string}} args
 */
async function storeRoundTrip(args) {
  const store = new ModelStore({ cacheName: 'inkstone-models-test' });
  await store.clear();
  /** @type {any[]} */
  const progress = [];
  const first = await store.get(args.url, { sha256: args.sha256, onProgress: (p) => progress.push(p) });
  const listed = await store.list();
  /** @type {any[]} */
  const progress2 = [];
  const second = await store.get(args.url, { sha256: args.sha256, onProgress: (p) => progress2.push(p) });
  const deleted = await store.delete(listed[0] ? listed[0].url : args.url);
  const after = await store.list();
  let mismatch = null;
  try {
    await store.get(args.url, { sha256: '0'.repeat(64) });
  } catch (err) {
    mismatch = describe(err);
  }
  const estimate = await store.estimate();
  const persisted = await store.persist();
  // The client loads through the store too.
  const local = new Inkstone();
  const info = await local.load(args.url, { store, sha256: args.sha256 });
  local.dispose();
  await store.clear();
  return {
    firstBytes: first.byteLength, secondBytes: second.byteLength,
    phases1: [...new Set(progress.map((p) => p.phase))], phases2: [...new Set(progress2.map((p) => p.phase))],
    lastDownload: progress.filter((p) => p.phase === 'download').at(-1),
    listed, mismatch, estimate, persisted: typeof persisted, deleted, after: after.length, loadedName: info.name,
  };
}

/** @type {any} */ (window).inkTest = { ...api, storeRoundTrip };
status.textContent = 'ready';
