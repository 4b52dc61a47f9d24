// The Inkstone client: the one object a page uses to run a model. It owns a Web Worker
// (web/worker.js) that owns the wasm; nothing here blocks the main thread.
//
//   const ink = new Inkstone({ wasmBase: '/wasm/' });
//   await ink.load('/models/inkstone-poetry-q8_0.gguf', { onProgress, signal });
//   // The model card's prompt: <s><FORM>TITLE\n (BOS is added: addBos defaults to true).
//   for await (const ev of ink.generate({ prompt: '<七绝>春江\n', seed: 7, signal })) {
//     if (ev.type === 'token') out.textContent += ev.text;
//     else console.log(ev.tokensPerSecond);               // the final summary (type 'done')
//   }
//
// Errors are InkstoneError with a stable `code` (see errors.js). If the wasm aborts, everything
// pending rejects with `crashed`, the worker is replaced and the last model is loaded again in
// the background (autoRecover); the next call waits for that and works.

import { InkstoneError, fromWire, abortError } from './errors.js';
import { bytesBlob, download } from './model-store.js';
import { CHANNEL, PROTOCOL_VERSION } from './protocol.js';
import { Poetry } from './poetry.js';
import { DEFAULT_WASM_BASE } from './wasm-base.js';

/** @typedef {import('./protocol.js').ModelInfo} ModelInfo */
/** @typedef {import('./protocol.js').SamplingOptions} SamplingOptions */
/** @typedef {import('./protocol.js').InitResult} InitResult */
/** @typedef {import('./protocol.js').ClientChannel} ClientChannel */
/** @typedef {import('./protocol.js').RequestType} RequestType */
/** @typedef {import('./protocol.js').SessionStats} SessionStats */
/** @typedef {import('./model-store.js').Progress} Progress */

/**
 * A token as the page sees it.
 * @typedef {object} TokenEvent
 * @property {'token'} type
 * @property {number} index
 * @property {number} token
 * @property {string} text
 * @property {number} prob
 * @property {boolean} forced
 * @property {import('./protocol.js').Alternative[]} [alternatives]
 * @property {Float32Array} [attention]   (nLayer, nHead, nPos)
 * @property {number} [nPos]
 * @property {number} [maskedMass]
 * @property {number} [draw]
 * @property {Float32Array} [logits]
 * @property {Float32Array} [distribution]
 * @property {Float32Array} [condLogits]
 * @property {Float32Array} [uncondLogits]
 * @property {string} [rule]
 * @property {import('./protocol.js').QkvProbe} [qkv]
 * @property {number} ms
 */

/** @typedef {import('./protocol.js').GenerateSummary} GenerateSummary */

/**
 * @typedef {object} GenerateOptions
 * @property {string} [prompt]          text prompt (tokenized in the worker)
 * @property {number[]} [promptTokens]  or the prompt as token ids
 * @property {boolean} [addBos]         prepend BOS to a text prompt (default true)
 * @property {boolean} [special]        match control pieces written in the prompt (ChatML markup)
 * @property {AbortSignal} [signal]     cancels within one token
 */

/**
 * Anything the page can hand to a Worker-like object.
 * @typedef {object} WorkerLike
 * @property {(message: any, transfer: Transferable[]) => void} postMessage
 * @property {(type: string, listener: (event: any) => void) => void} addEventListener
 * @property {() => void} terminate
 */

/**
 * @typedef {object} InkstoneOptions
 * @property {string | URL} [wasmBase]  folder holding inkstone.mjs/.wasm (+ inkstone-mt.*);
 *           default: DEFAULT_WASM_BASE of wasm-base.js (the repository's
 *           build-wasm/wasm_bindings/; in the npm package its wasm/ folder)
 * @property {string | URL} [workerUrl] default: ./worker.js next to this module
 * @property {'auto'|'inkstone'|'inkstone-mt'} [build]  'auto' picks -mt when crossOriginIsolated
 * @property {number} [nThreads]        threads for the -mt build (default min(4, cores - 1), >= 1)
 * @property {boolean} [autoRecover]    after a crash, restart and reload the model (default true)
 * @property {() => WorkerLike} [createWorker]  for hosts without module workers (Node tests)
 * @property {ArrayBuffer} [wasmBinary] the .wasm bytes, when the worker cannot fetch them (Node)
 */

/**
 * @typedef {object} LoadOptions
 * @property {(p: Progress | {phase: 'load', loaded: number, total: number}) => void} [onProgress]
 * @property {AbortSignal} [signal]
 * @property {string} [sha256]   expected SHA-256 (hex) of the bytes; checked before use
 * @property {import('./model-store.js').ModelStore} [store] fetch URLs through this cache
 * @property {(error: InkstoneError) => void} [onStoreError] the store could not keep the
 *           model (code `quota_exceeded` or `io_error`); the load goes on with the bytes
 * @property {number} [nCtx]     context size (0: the model's, at most maxCtx)
 * @property {number} [maxCtx]   with nCtx 0, at most this many positions (default DEFAULT_MAX_CTX;
 *           0: the model's whole context)
 * @property {number} [maxMemoryBytes]  cap on the session's KV cache + scratch (default: the
 *           core's session_options::max_memory_bytes; docs/limits.md)
 * @property {number} [minSplitMacs]    threaded build: products smaller than this many
 *           multiply-adds run on one thread (default 2^18; 0 splits every product)
 */

/**
 * @typedef {object} Pending
 * @property {(value: any) => void} resolve
 * @property {(error: InkstoneError) => void} reject
 * @property {((event: any) => void) | undefined} onEvent
 */

/** @typedef {{nCtx?: number, maxCtx?: number, maxMemoryBytes?: number, minSplitMacs?: number}} ModelSettings */

/**
 * The context a model gets when the page does not ask (nCtx 0): its own, but at most this many
 * positions. A poem, a ChatML prompt and the classroom's sequences need a few hundred; the full
 * KV cache of a 32k-context model (Qwen2.5 0.5B: 805 MB in f32) would crowd out the wasm heap.
 */
export const DEFAULT_MAX_CTX = 2048;

/**
 * The most a wasm heap can grow to: the builds' -sMAXIMUM_MEMORY (wasm_bindings/CMakeLists.txt),
 * restated for JavaScript, which cannot read it (tests/js/pwa-strings.test.mjs checks that they
 * agree). Who enforces which limit: docs/limits.md.
 */
export const WASM_MAXIMUM_MEMORY_BYTES = 4 * 2 ** 30;

const DEFAULT_WORKER_URL = new URL('./worker.js', import.meta.url);

export class Inkstone extends EventTarget {
  /** @type {Required<Omit<InkstoneOptions, 'wasmBinary'|'nThreads'>> & {wasmBinary?: ArrayBuffer, nThreads?: number}} */
  #options;
  /** @type {WorkerLike | null} */
  #worker = null;
  /** @type {Promise<InitResult> | null} */
  #ready = null;
  /** @type {Promise<unknown> | null} a restart + reload after a crash */
  #recovering = null;
  /** @type {Map<number, Pending>} */
  #pending = new Map();
  #nextId = 1;
  /** @type {Int32Array | null} */
  #cancelFlag = null;
  /** @type {{blob: Blob, settings: ModelSettings} | null} what to reload after a crash */
  #lastModel = null;
  /** @type {ModelInfo | null} */
  #info = null;
  /** @type {Map<string, {type: RequestType, payload: unknown}>} requests re-sent after a crash */
  #restore = new Map();
  #disposed = false;
  #crashes = 0;
  /** the current worker finished `init` (a worker that dies before that is not restarted) */
  #workerReady = false;

  /** @param {InkstoneOptions} [options] */
  constructor(options = {}) {
    super();
    const workerUrl = options.workerUrl || DEFAULT_WORKER_URL;
    this.#options = {
      wasmBase: String(options.wasmBase || DEFAULT_WASM_BASE),
      workerUrl,
      build: options.build || 'auto',
      nThreads: options.nThreads,
      autoRecover: options.autoRecover !== false,
      createWorker: options.createWorker || (() => new Worker(workerUrl, { type: 'module' })),
      wasmBinary: options.wasmBinary,
    };
  }

  /** Which build runs and with how many threads (starts the worker if needed). */
  async runtime() {
    return this.#start();
  }

  /** Number of crashes recovered from so far. */
  get crashes() {
    return this.#crashes;
  }

  // -------------------------------------------------------------- worker lifecycle

  /** @returns {Promise<InitResult>} */
  #start() {
    if (this.#disposed) return Promise.reject(new InkstoneError('aborted', 'disposed'));
    if (this.#ready) return this.#ready;
    const worker = this.#options.createWorker();
    this.#worker = worker;
    this.#workerReady = false;
    worker.addEventListener('message', (event) => this.#onMessage(worker, event.data));
    worker.addEventListener('error', (event) => {
      if (event && typeof event.preventDefault === 'function') event.preventDefault();
      this.#crash(worker, `worker error: ${(event && event.message) || 'unknown'}`);
    });
    if (typeof SharedArrayBuffer === 'function' && /** @type {any} */ (globalThis).crossOriginIsolated) {
      this.#cancelFlag = new Int32Array(new SharedArrayBuffer(4));
    }
    /** @type {Record<string, unknown>} */
    const payload = {
      wasmBase: this.#options.wasmBase,
      build: this.#options.build,
      nThreads: this.#options.nThreads,
    };
    if (this.#cancelFlag) payload.cancelBuffer = this.#cancelFlag.buffer;
    if (this.#options.wasmBinary) payload.wasmBinary = this.#options.wasmBinary.slice(0);
    const lifeline = webLocks() ? `inkstone-worker-${randomId()}` : '';
    if (lifeline) payload.lifeline = lifeline;
    const ready = this.#send('init', payload).then((/** @type {InitResult} */ result) => {
      if (result.protocolVersion !== PROTOCOL_VERSION) {
        throw new InkstoneError(
          'invalid_state',
          `worker speaks protocol ${result.protocolVersion}, client ${PROTOCOL_VERSION}`,
        );
      }
      if (this.#worker === worker) this.#workerReady = true;
      if (result.lifeline) this.#watch(worker, lifeline);
      return result;
    });
    this.#ready = ready;
    ready.catch(() => {
      if (this.#ready === ready) this.#ready = null;
    });
    return ready;
  }

  /**
   * Waits for the worker's lifeline lock: it is granted to us only when the worker has ended.
   * If that worker is still the current one, it ended on its own (self.close(), stopped by the
   * browser without an error event): a crash like any other.
   * @param {WorkerLike} worker
   * @param {string} lifeline
   */
  #watch(worker, lifeline) {
    const locks = webLocks();
    if (!locks) return;
    locks
      .request(lifeline, () => this.#crash(worker, 'the worker stopped without reporting an error'))
      .catch(() => {});
  }

  /**
   * Sends a request; resolves with its result.
   * @param {string} type
   * @param {unknown} payload
   * @param {Transferable[]} [transfer]
   * @param {(event: any) => void} [onEvent]
   * @returns {Promise<any>}
   */
  #send(type, payload, transfer = [], onEvent) {
    return this.#sendWithId(type, payload, transfer, onEvent).promise;
  }

  /**
   * @param {string} type
   * @param {unknown} payload
   * @param {Transferable[]} [transfer]
   * @param {(event: any) => void} [onEvent]
   * @returns {{id: number, promise: Promise<any>}}
   */
  #sendWithId(type, payload, transfer = [], onEvent) {
    const worker = this.#worker;
    const id = this.#nextId++;
    if (!worker) {
      return { id, promise: Promise.reject(new InkstoneError('invalid_state', 'no worker')) };
    }
    const promise = new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onEvent });
    });
    worker.postMessage({ id, type, payload }, transfer);
    return { id, promise };
  }

  /** @param {WorkerLike} worker @param {any} message */
  #onMessage(worker, message) {
    if (worker !== this.#worker || !message) return;
    if (message.type === 'token' || message.type === 'train-progress' || message.type === 'train-checkpoint') {
      const pending = this.#pending.get(message.id);
      if (pending && pending.onEvent) pending.onEvent(message);
      return;
    }
    if (message.type === 'fatal') {
      this.#crash(worker, (message.error && message.error.message) || 'the wasm instance aborted');
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(fromWire(message.error));
  }

  /**
   * The worker (or its wasm) died: fail everything pending with `crashed`, replace the worker,
   * reload the last model.
   * @param {WorkerLike} worker
   * @param {string} message
   */
  #crash(worker, message) {
    if (worker !== this.#worker) return;
    const wasReady = this.#workerReady;
    this.#crashes++;
    this.#teardown(new InkstoneError('crashed', message));
    this.dispatchEvent(new CustomEvent('crash', { detail: { message } }));
    if (!this.#options.autoRecover || this.#disposed || !wasReady) return;
    const recovering = this.#recover().then(
      () => this.dispatchEvent(new CustomEvent('recovered', { detail: { info: this.#info } })),
      (error) => this.dispatchEvent(new CustomEvent('recoveryfailed', { detail: { error } })),
    );
    this.#recovering = recovering;
    void recovering.finally(() => {
      if (this.#recovering === recovering) this.#recovering = null;
    });
  }

  /** @param {InkstoneError} error */
  #teardown(error) {
    const worker = this.#worker;
    this.#worker = null;
    this.#ready = null;
    this.#info = null;
    if (worker) worker.terminate();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
  }

  async #recover() {
    await this.#start();
    for (const { type, payload } of this.#restore.values()) await this.#send(type, payload);
    if (this.#lastModel) await this.#loadBlob(this.#lastModel.blob, this.#lastModel.settings);
  }

  /** Waits for a restart in progress, then for the worker. */
  async #whenReady() {
    if (this.#recovering) await this.#recovering;
    return this.#start();
  }

  /**
   * Switches the wasm build the worker runs ('inkstone', 'inkstone-mt' or 'auto'): when it
   * differs, the worker is replaced, as after a crash but without one: pending requests fail
   * with `aborted`, the tables set before are sent again, and the model is not reloaded (load
   * the next one). A page that loads a large model of the user's own runs the threaded build
   * for it (it needs a crossOriginIsolated page; 'inkstone-mt' fails there otherwise).
   * @param {'auto'|'inkstone'|'inkstone-mt'} build
   * @param {{wasmBinary?: ArrayBuffer}} [options] that build's .wasm bytes, where the worker
   *        cannot fetch them (Node)
   * @returns {Promise<boolean>} whether the worker was replaced
   */
  async useBuild(build, options = {}) {
    if (build === this.#options.build) return false;
    if (this.#recovering) await this.#recovering;
    this.#options.build = build;
    if (options.wasmBinary) this.#options.wasmBinary = options.wasmBinary;
    this.#lastModel = null;
    if (!this.#worker) return true;
    this.#teardown(new InkstoneError('aborted', `the worker is switching to the ${build} build`));
    // Requests made from now on wait for the new worker (#whenReady), as after a crash.
    const switching = (async () => {
      await this.#start();
      for (const { type, payload } of this.#restore.values()) await this.#send(type, payload);
    })();
    this.#recovering = switching;
    try {
      await switching;
    } finally {
      if (this.#recovering === switching) this.#recovering = null;
    }
    return true;
  }

  /** The wasm build this client asks its worker for. */
  get build() {
    return this.#options.build;
  }

  // -------------------------------------------------------------- models

  /**
   * Loads a model: a URL (string or URL), a File/Blob, an ArrayBuffer or a Uint8Array. The
   * model loaded before is freed first, also when this load fails.
   * @param {string | URL | Blob | ArrayBuffer | Uint8Array} source
   * @param {LoadOptions} [options]
   * @returns {Promise<ModelInfo>}
   */
  async load(source, options = {}) {
    const { onProgress, signal, sha256, store, onStoreError, nCtx = 0, maxCtx = DEFAULT_MAX_CTX, maxMemoryBytes, minSplitMacs } = options;
    /** @type {ModelSettings} */
    const settings = { nCtx, maxCtx, maxMemoryBytes, minSplitMacs };
    if (signal && signal.aborted) throw abortError(signal);
    await this.#whenReady();
    /** @type {ArrayBuffer} */
    let bytes;
    if (typeof source === 'string' || source instanceof URL) {
      bytes = store
        ? await store.get(source, { sha256, onProgress, signal, onStoreError })
        : await download(source, { onProgress, signal });
    } else if (typeof Blob !== 'undefined' && source instanceof Blob) {
      bytes = await readBlob(source, onProgress, signal);
    } else if (source instanceof ArrayBuffer) {
      bytes = source.slice(0);
    } else if (ArrayBuffer.isView(source)) {
      bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength).slice().buffer;
    } else {
      throw new InkstoneError('invalid_argument', 'load: source must be a URL, Blob or bytes');
    }
    if (sha256 && !store) {
      const { sha256Hex } = await import('./model-store.js');
      const actual = await sha256Hex(bytes);
      if (actual !== sha256.toLowerCase()) {
        throw new InkstoneError('hash_mismatch', `load: SHA-256 is ${actual}, expected ${sha256}`);
      }
    }
    if (signal && signal.aborted) throw abortError(signal);
    // Keep the bytes as a Blob (the browser may keep it off-heap) to reload after a crash; made
    // through a stream (bytesBlob: Chromium cannot read back a `new Blob([bytes])` past ~500
    // MiB). Pass a Blob (a File, ModelStore.blob) to keep no second copy.
    const blob = source instanceof Blob ? source : await bytesBlob(bytes);
    // The worker frees the current model before it loads the next (never two in memory).
    this.#lastModel = null;
    const info = await this.#loadBytes(bytes, settings, onProgress, signal);
    this.#lastModel = { blob, settings };
    return info;
  }

  /**
   * @param {Blob} blob
   * @param {ModelSettings} settings
   */
  async #loadBlob(blob, settings) {
    return this.#loadBytes(await blob.arrayBuffer(), settings);
  }

  /**
   * @param {ArrayBuffer} bytes  transferred to the worker
   * @param {ModelSettings} settings
   * @param {LoadOptions['onProgress']} [onProgress]
   * @param {AbortSignal} [signal]
   */
  async #loadBytes(bytes, settings, onProgress, signal) {
    const total = bytes.byteLength;
    if (onProgress) onProgress({ phase: 'load', loaded: 0, total });
    const info = await this.#send('load', { bytes, ...settings }, [bytes]);
    if (signal && signal.aborted) {
      await this.#send('unload', {});
      throw abortError(signal);
    }
    if (onProgress) onProgress({ phase: 'load', loaded: total, total });
    this.#info = info;
    return info;
  }

  /**
   * Reads only the header of a GGUF file (a prefix of it) and describes it: for "bring your
   * own model" reports before loading. Does not change the loaded model.
   * @param {Blob | ArrayBuffer | Uint8Array} file
   * @param {{prefixBytes?: number}} [options]  first prefix tried (1 MiB); then 8x, 64x, all
   * @returns {Promise<ModelInfo>}
   */
  async inspect(file, options = {}) {
    await this.#whenReady();
    const blob = file instanceof Blob ? file : await bytesBlob(file);
    const first = options.prefixBytes || 1 << 20;
    const sizes = [...[first, first * 8, first * 64].filter((n) => n < blob.size), blob.size];
    /** @type {unknown} */
    let last = null;
    for (const size of sizes) {
      const prefix = await blob.slice(0, size).arrayBuffer();
      try {
        return await this.#send('inspect', { bytes: prefix }, [prefix]);
      } catch (err) {
        // A header longer than the prefix reads as truncated: try a longer prefix.
        if (!(err instanceof InkstoneError) || err.detail !== 'truncated') throw err;
        last = err;
      }
    }
    throw last;
  }

  /**
   * The loaded model's report.
   * @returns {Promise<ModelInfo>}
   */
  async modelInfo() {
    await this.#whenReady();
    return this.#send('info', {});
  }

  /**
   * @param {string} text
   * @param {{addBos?: boolean, special?: boolean}} [options] special: control pieces written in
   *        the text are matched whole (the page's own ChatML markup, never user text)
   * @returns {Promise<number[]>}
   */
  async tokenize(text, options = {}) {
    await this.#whenReady();
    const r = await this.#send('tokenize', { text, addBos: options.addBos !== false, special: options.special === true });
    return r.tokens;
  }

  /**
   * @param {number[]} tokens
   * @returns {Promise<string>}
   */
  async detokenize(tokens) {
    await this.#whenReady();
    const r = await this.#send('detokenize', { tokens });
    return r.text;
  }

  /**
   * Each token's raw piece as the vocabulary spells it (byte tokens as `<0xNN>`, BOS as `<s>`);
   * unlike detokenize, nothing is merged or stripped.
   * @param {number[]} tokens
   * @returns {Promise<string[]>}
   */
  async tokenPieces(tokens) {
    await this.#whenReady();
    const r = await this.#send('pieces', { tokens });
    return r.pieces;
  }

  /**
   * The bytes each token decodes to (empty for control tokens such as BOS). A byte-level BPE or
   * byte-fallback vocabulary has tokens that are part of a character: not UTF-8 alone.
   * @param {number[]} tokens
   * @returns {Promise<Uint8Array[]>}
   */
  async tokenBytes(tokens) {
    await this.#whenReady();
    const r = await this.#send('pieces', { tokens });
    return r.bytes;
  }

  // -------------------------------------------------------------- modules of web/

  /**
   * For the other page-side modules of web/ (web/poetry.js), not for pages: sends requests of
   * the protocol and keeps state the client sends again to a worker that replaced a crashed one.
   * @returns {ClientChannel}
   */
  [CHANNEL]() {
    return {
      request: async (type, payload, options = {}) => {
        await this.#whenReady();
        return this.#send(type, payload, options.transfer || [], options.onEvent);
      },
      restore: (key, request) => {
        if (request) this.#restore.set(key, request);
        else this.#restore.delete(key);
      },
    };
  }

  // -------------------------------------------------------------- poetry (deprecated here)

  /**
   * @deprecated Use `new Poetry(ink).setProsody(tables, options)` (web/poetry.js); this
   * forwards to it and will be removed.
   * @param {{tones: string | URL, rhyme: string | URL}} tables
   * @param {{fetch?: boolean, signal?: AbortSignal}} [options]
   */
  setProsody(tables, options) {
    return new Poetry(this).setProsody(tables, options);
  }

  /**
   * @deprecated Use `new Poetry(ink).analyse(text)` (web/poetry.js); this forwards to it and
   * will be removed.
   * @param {string} text
   */
  analyse(text) {
    return new Poetry(this).analyse(text);
  }

  /**
   * @deprecated Use `new Poetry(ink).formPresets()` (web/poetry.js); this forwards to it and
   * will be removed.
   */
  formPresets() {
    return new Poetry(this).formPresets();
  }

  // -------------------------------------------------------------- generation

  /**
   * Streams tokens. Yields one TokenEvent per token, then the GenerateSummary (type 'done').
   * Aborting `signal` ends the iteration at once with InkstoneError('aborted') and stops the
   * worker before its next token.
   * @param {GenerateOptions & SamplingOptions} [options]
   * @returns {AsyncGenerator<TokenEvent | GenerateSummary, void, undefined>}
   */
  async *generate(options = {}) {
    const { signal, prompt, promptTokens, addBos, special, ...sampling } = options;
    if (signal && signal.aborted) throw abortError(signal);
    await this.#whenReady();
    if (signal && signal.aborted) throw abortError(signal);

    /** @type {any[]} */
    const events = [];
    /** @type {(() => void) | null} */
    let wake = null;
    let finished = false;
    /** @type {InkstoneError | null} */
    let failure = null;
    /** @type {GenerateSummary | null} */
    let summary = null;
    const notify = () => {
      const w = wake;
      wake = null;
      if (w) w();
    };
    const { id, promise } = this.#sendWithId(
      'generate',
      { prompt, promptTokens, addBos, special, options: sampling },
      [],
      (event) => {
        events.push(event);
        notify();
      },
    );
    promise.then(
      (result) => {
        summary = result;
        finished = true;
        notify();
      },
      (error) => {
        if (!failure) failure = error;
        finished = true;
        notify();
      },
    );
    const onAbort = () => {
      this.#cancel(id);
      failure = abortError(signal);
      events.length = 0;
      finished = true;
      notify();
    };
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
    let completed = false;
    try {
      for (;;) {
        if (events.length > 0) {
          const event = events.shift();
          delete event.id;
          yield /** @type {TokenEvent} */ (event);
          continue;
        }
        if (finished) {
          completed = true;
          if (failure) throw failure;
          yield /** @type {GenerateSummary} */ (/** @type {unknown} */ (summary));
          return;
        }
        await new Promise((resolve) => {
          wake = () => resolve(undefined);
        });
      }
    } finally {
      if (signal) signal.removeEventListener('abort', onAbort);
      // The consumer left the loop early (break/return): stop the worker too.
      if (!completed && !finished) this.#cancel(id);
    }
  }

  /** @param {number} id */
  #cancel(id) {
    if (this.#cancelFlag) Atomics.store(this.#cancelFlag, 0, id);
    if (!this.#worker) return;
    this.#send('cancel', { target: id }).catch(() => {});
  }

  /**
   * Runs a generation to the end and returns its summary (tokens and text).
   * @param {GenerateOptions & SamplingOptions} [options]
   * @returns {Promise<GenerateSummary>}
   */
  async complete(options = {}) {
    for await (const event of this.generate(options)) {
      if (event.type === 'done') return event;
    }
    throw new InkstoneError('invalid_state', 'generation ended without a summary');
  }

  /**
   * Work items each thread of the loaded session has run since the model was loaded (index 0:
   * the worker's own thread): shows whether the threaded build really shared the work. A
   * crash recovery reloads the model, which starts the counters again.
   * @returns {Promise<SessionStats>}
   */
  async stats() {
    await this.#whenReady();
    return this.#send('stats', {});
  }

  /**
   * The worker's wasm heap: it grows when the runtime needs memory and never shrinks.
   * @returns {Promise<{heapBytes: number}>}
   */
  async memoryUsage() {
    await this.#whenReady();
    return this.#send('memory', {});
  }

  // -------------------------------------------------------------- lifetime

  /** Frees the model (the worker stays). */
  async unload() {
    this.#lastModel = null;
    this.#info = null;
    if (!this.#worker) return;
    await this.#send('unload', {});
  }

  /**
   * Tests only: makes the wasm abort at once (even mid-generation). This call and everything
   * pending reject with `crashed`; with autoRecover the worker restarts and reloads the model.
   */
  async debugCrash() {
    await this.#whenReady();
    await this.#send('crash', {});
  }

  /** Waits until a crash recovery (if any) has finished. */
  async settled() {
    if (this.#recovering) await this.#recovering;
  }

  /** Terminates the worker; pending calls reject with `aborted`. */
  dispose() {
    this.#disposed = true;
    this.#lastModel = null;
    this.#teardown(new InkstoneError('aborted', 'disposed'));
  }
}

/** @returns {LockManager | null} the Web Locks API of this page, when there is one */
function webLocks() {
  const nav = /** @type {any} */ (globalThis).navigator;
  return nav && nav.locks && typeof nav.locks.request === 'function' ? nav.locks : null;
}

/** @returns {string} a name no other client or tab will pick */
function randomId() {
  const c = /** @type {any} */ (globalThis).crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/**
 * @param {Blob} blob
 * @param {LoadOptions['onProgress']} onProgress
 * @param {AbortSignal} [signal]
 * @returns {Promise<ArrayBuffer>}
 */
async function readBlob(blob, onProgress, signal) {
  if (!onProgress || typeof blob.stream !== 'function') return blob.arrayBuffer();
  const out = new Uint8Array(blob.size);
  const reader = blob.stream().getReader();
  let loaded = 0;
  for (;;) {
    if (signal && signal.aborted) {
      await reader.cancel();
      throw abortError(signal);
    }
    const { done, value } = await reader.read();
    if (done) break;
    out.set(value, loaded);
    loaded += value.byteLength;
    onProgress({ phase: 'cache', loaded, total: blob.size });
  }
  return out.buffer;
}

export { InkstoneError } from './errors.js';
export { ModelStore } from './model-store.js';
export { detectFeatures } from './features.js';
