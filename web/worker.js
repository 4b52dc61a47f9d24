// The Inkstone worker: owns the wasm instance and one model session; runs the decode loop.
//
// Protocol (full description in ./protocol.js):
//   page -> worker   { id, type, payload }         init | load | inspect | info | tokenize |
//                                                  detokenize | pieces | generate | cancel | prosody |
//                                                  cipai | analyse | presets | memory | stats | unload | crash |
//                                                  train-start | train-resume | train-pause | train-stop |
//                                                  train-info | train-held-out | train-sample | train-save |
//                                                  train-state (web/worker-train.js)
//   worker -> page   { id, ok, result | error: { code, message } }
//                    { type: 'token', id, ... }    one per token while a generate request runs
//                    { type: 'train-progress' | 'train-checkpoint', id, ... }  while train-resume runs
//                    { type: 'fatal', error }      the wasm aborted; this worker is finished
//
// Requests run one at a time in arrival order; `cancel` is handled as soon as it arrives. The
// decode loop posts each token without waiting for the page and, between tokens, either reads a
// shared cancel flag (crossOriginIsolated pages pass a SharedArrayBuffer) or yields to the event
// loop through a MessageChannel so that a `cancel` message gets through. A cancel therefore
// stops the loop before the next token is computed: at most one token arrives after it.
//
// Runs as a module worker in browsers, and under Node's worker_threads with a small host
// (tests/js/support/node-worker-host.mjs) that provides `self`.

import { PROTOCOL_VERSION } from './protocol.js';
import { detectFeatures, chooseBuild } from './features.js';
import { createTrainOps } from './worker-train.js';

/** @typedef {import('./protocol.js').Request} Request */
/** @typedef {import('./protocol.js').SamplingOptions} SamplingOptions */

const scope = /** @type {any} */ (globalThis).self;

// Sampling options: the worker passes on only what the caller set, so the defaults are those of
// `generate_options` in core/include/inkstone/generator.h (wasm_bindings/API.md `begin`), kept in
// one place.

/** A failure that becomes an { ok: false, error } reply. */
class ReplyError extends Error {
  /** @param {string} code @param {string} message @param {string} [detail] */
  constructor(code, message, detail) {
    super(message);
    this.code = code;
    this.detail = detail;
  }
}

/** @type {any} the Emscripten module */
let wasm = null;
/** @type {any} the Embind Session of the loaded model */
let session = null;
/** @type {'inkstone'|'inkstone-mt'} */
let buildName = 'inkstone';
let nThreadsDefault = 1;
/** @type {Int32Array | null} */
let cancelFlag = null;
/** @type {string | null} set once the wasm died: every later request fails with `crashed` */
let deadReason = null;

/** @type {Set<number>} generate ids cancelled by message */
const cancelled = new Set();
/** @type {Request[]} */
const queue = [];
let pumping = false;

/** Training requests (train-*): web/worker-train.js. */
const training = createTrainOps({
  requireWasm: () => requireWasm(),
  checked: (r) => checked(r),
  post: (m, t) => post(m, t),
  ReplyError,
});

// ---------------------------------------------------------------- messaging

/** @param {any} message @param {Transferable[]} [transfer] */
function post(message, transfer) {
  scope.postMessage(message, transfer || []);
}

/** @param {number} id @param {any} result @param {Transferable[]} [transfer] */
function replyOk(id, result, transfer) {
  post({ id, ok: true, result }, transfer);
}

/** @param {number} id @param {string} code @param {string} message @param {string} [detail] */
function replyError(id, code, message, detail) {
  post({ id, ok: false, error: detail ? { code, message, detail } : { code, message } });
}

/** The wasm (or this worker) died: tell the page once, refuse everything after. */
/** @param {string} message */
function fatal(message) {
  if (deadReason !== null) return;
  deadReason = message || 'the wasm instance aborted';
  session = null;
  training.forget();
  queue.length = 0;
  post({ type: 'fatal', error: { code: 'crashed', message: deadReason } });
}

scope.addEventListener('message', (/** @type {MessageEvent} */ event) => {
  const request = /** @type {Request} */ (event.data);
  if (!request || typeof request.id !== 'number') return;
  if (request.type === 'cancel') {
    cancelled.add(request.payload && request.payload.target);
    replyOk(request.id, {});
    return;
  }
  if (request.type === 'train-pause') {
    // Handled at once, like cancel: the run replies 'paused' after its current chunk.
    training.requestPause();
    replyOk(request.id, {});
    return;
  }
  if (request.type === 'train-stop') training.requestPause(); // then queued: frees the trainer
  if (request.type === 'crash') {
    // Tests only, handled at once (even mid-generation) like a real abort would strike.
    void run(request);
    return;
  }
  queue.push(request);
  void pump();
});

// A pthread (or anything else) failing outside a request still kills the instance.
scope.addEventListener('error', (/** @type {any} */ event) => {
  fatal(`worker error: ${(event && event.message) || event}`);
});
scope.addEventListener('unhandledrejection', (/** @type {any} */ event) => {
  fatal(`worker error: ${describe(event && event.reason)}`);
});

async function pump() {
  if (pumping) return;
  pumping = true;
  try {
    while (queue.length > 0) {
      const request = /** @type {Request} */ (queue.shift());
      await run(request);
    }
  } finally {
    pumping = false;
  }
}

/** @param {Request} request */
async function run(request) {
  if (deadReason !== null) {
    replyError(request.id, 'crashed', deadReason);
    return;
  }
  try {
    await dispatch(request);
  } catch (err) {
    if (err instanceof ReplyError) {
      replyError(request.id, err.code, err.message, err.detail);
      return;
    }
    // Anything else thrown while the wasm is in use (RuntimeError from abort() or a trap, an
    // Embind error) means the instance can no longer be trusted.
    fatal(describe(err));
  }
}

/** @param {unknown} err */
function describe(err) {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** @param {Request} request */
async function dispatch(request) {
  const { id, type, payload = {} } = request;
  switch (type) {
    case 'init':
      return replyOk(id, await init(payload));
    case 'load':
      return replyOk(id, load(payload));
    case 'inspect':
      return replyOk(id, inspect(payload));
    case 'info':
      return replyOk(id, requireSession().info());
    case 'tokenize': {
      const s = requireSession();
      const text = String(payload.text ?? '');
      const r = payload.special === true ? s.tokenizeSpecial(text, payload.addBos !== false) : s.tokenize(text, payload.addBos !== false);
      return replyOk(id, { tokens: checked(r).tokens });
    }
    case 'detokenize': {
      const r = requireSession().detokenize(toTokenArray(payload.tokens, 'tokens'));
      return replyOk(id, { text: checked(r).text });
    }
    case 'pieces': {
      const s = requireSession();
      const tokens = toTokenArray(payload.tokens, 'tokens');
      return replyOk(id, { pieces: tokens.map((t) => s.tokenPiece(t)), bytes: tokens.map((t) => s.tokenBytes(t)) });
    }
    case 'generate':
      return generate(id, payload);
    case 'prosody': {
      const r = checked(requireWasm().setProsodyTables(String(payload.tones ?? ''), String(payload.rhyme ?? '')));
      return replyOk(id, { nTones: r.nTones, nRhymes: r.nRhymes, nRhymeGroups: r.nRhymeGroups, rhymeBook: r.rhymeBook });
    }
    case 'cipai': {
      const r = checked(requireWasm().setCipaiTable(String(payload.table ?? '')));
      return replyOk(id, { nPatterns: r.nPatterns });
    }
    case 'analyse': {
      const text = String(payload.text ?? '');
      const r = checked(payload.cipai
        ? requireWasm().analysePoemAs(text, String(payload.cipai), Number(payload.variant) | 0)
        : requireWasm().analysePoem(text));
      return replyOk(id, JSON.parse(r.json));
    }
    case 'presets':
      return replyOk(id, { forms: requireWasm().formPresets(), cipai: requireWasm().cipaiPatterns() });
    case 'memory':
      return replyOk(id, { heapBytes: heapU8().length });
    case 'stats': {
      const r = requireSession().stats();
      return replyOk(id, { workItemsByThread: Array.from(r.workItemsByThread, Number) });
    }
    case 'unload':
      if (session) session.delete();
      session = null;
      return replyOk(id, {});
    case 'crash':
      requireWasm().abortForTest();
      return replyOk(id, {});
    default:
      if (typeof type === 'string' && type.startsWith('train-')) {
        const r = await training.dispatch(id, type, payload);
        return replyOk(id, r.result, r.transfer);
      }
      throw new ReplyError('invalid_argument', `unknown request type ${JSON.stringify(type)}`);
  }
}

// ---------------------------------------------------------------- wasm instance

/**
 * Takes the Web Lock named `name` and holds it for the rest of this worker's life: the browser
 * releases it when the worker ends, however it ends, which is how the page notices a worker
 * that stopped without an error event. Resolves once the lock is held; false without Web Locks.
 * @param {unknown} name
 * @returns {Promise<boolean>}
 */
function holdLifeline(name) {
  const locks = scope.navigator && scope.navigator.locks;
  if (typeof name !== 'string' || !name || !locks || typeof locks.request !== 'function') {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    locks
      .request(name, () => {
        resolve(true);
        return new Promise(() => {});  // never settles: held until the worker ends
      })
      .catch(() => resolve(false));
  });
}

/**
 * @param {{wasmBase: string, build?: 'auto'|'inkstone'|'inkstone-mt', nThreads?: number,
 *          cancelBuffer?: SharedArrayBuffer, wasmBinary?: ArrayBuffer, lifeline?: string}} payload
 */
async function init(payload) {
  if (wasm) throw new ReplyError('invalid_state', 'init: already initialised');
  const features = detectFeatures();
  if (!features.simd) {
    throw new ReplyError('unsupported_browser', 'init: this browser has no WebAssembly SIMD');
  }
  buildName = chooseBuild(features, payload.build || 'auto');
  const cores = features.hardwareConcurrency || 1;
  // Default: leave one core to the page (and the browser); at most 4. Measured on a 2-core
  // machine shared with other work, 2 threads decoded slower than 1 (tools/bench/web).
  nThreadsDefault =
    buildName === 'inkstone-mt'
      ? clampInt(payload.nThreads || Math.min(4, cores - 1), 1, 16)
      : 1;
  const base = new URL(payload.wasmBase, scope.location ? scope.location.href : undefined);
  const isFile = base.protocol === 'file:';
  const factory = (await import(new URL(`${buildName}.mjs`, base).href)).default;
  /** @type {Record<string, any>} */
  const options = {
    // Node's worker_threads wants a path, browsers a URL.
    locateFile: (/** @type {string} */ name) => {
      const url = new URL(name, base);
      return isFile ? decodeURIComponent(url.pathname) : url.href;
    },
    onAbort: (/** @type {unknown} */ what) => fatal(`wasm aborted: ${describe(what)}`),
    inkThreadPoolSize: nThreadsDefault,
  };
  if (payload.wasmBinary) options.wasmBinary = payload.wasmBinary;
  wasm = await factory(options);
  if (payload.cancelBuffer) cancelFlag = new Int32Array(payload.cancelBuffer);
  return {
    protocolVersion: PROTOCOL_VERSION,
    build: buildName,
    nThreads: nThreadsDefault,
    wasm: wasm.buildInfo(),
    lifeline: await holdLifeline(payload.lifeline),
  };
}

function requireWasm() {
  if (!wasm) throw new ReplyError('invalid_state', 'the worker is not initialised');
  return wasm;
}

function requireSession() {
  if (!session) throw new ReplyError('invalid_state', 'no model is loaded');
  return session;
}

/** A Uint8Array over the whole wasm memory as it is now (memory may have grown). */
function heapU8() {
  return wasm.wasmMemory ? new Uint8Array(wasm.wasmMemory.buffer) : wasm.HEAPU8;
}

/**
 * Copies bytes into a fresh wasm allocation. Caller owns the pointer.
 * @param {ArrayBuffer | Uint8Array} bytes
 * @param {string} what
 */
function placeInHeap(bytes, what) {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const ptr = wasm._malloc(Math.max(1, view.byteLength));
  if (!ptr) {
    throw new ReplyError(
      'out_of_memory',
      `${what}: cannot allocate ${view.byteLength} bytes in wasm memory`,
    );
  }
  heapU8().set(view, ptr);
  return ptr;
}

/** @param {any} r an {ok, code, message} object from the bindings */
function checked(r) {
  if (!r.ok) throw new ReplyError(r.code, r.message, r.detail);
  return r;
}

/** @param {{bytes: ArrayBuffer, nCtx?: number, maxCtx?: number, nThreads?: number, maxMemoryBytes?: number, minSplitMacs?: number}} payload */
function load(payload) {
  requireWasm();
  if (!(payload.bytes instanceof ArrayBuffer) && !ArrayBuffer.isView(payload.bytes)) {
    throw new ReplyError('invalid_argument', 'load: bytes must be an ArrayBuffer');
  }
  if (session) {
    session.delete();
    session = null;
  }
  const ptr = placeInHeap(payload.bytes, 'load model');
  /** @type {Record<string, number>} */
  const options = {
    nCtx: clampInt(payload.nCtx || 0, 0, 1 << 20),
    maxCtx: clampInt(payload.maxCtx || 0, 0, 1 << 20),
    nThreads: clampInt(payload.nThreads || nThreadsDefault, 1, nThreadsDefault),
  };
  if (payload.maxMemoryBytes) options.maxMemoryBytes = Number(payload.maxMemoryBytes);
  if (payload.minSplitMacs !== undefined) options.minSplitMacs = Number(payload.minSplitMacs);
  const r = wasm.createSession(ptr, payload.bytes.byteLength, options);
  // On failure the bindings freed ptr already; on success the session owns it.
  session = checked(r).session;
  return session.info();
}

/** @param {{bytes: ArrayBuffer}} payload */
function inspect(payload) {
  requireWasm();
  const ptr = placeInHeap(payload.bytes, 'inspect model');
  try {
    return checked(wasm.inspectModel(ptr, payload.bytes.byteLength)).info;
  } finally {
    wasm._free(ptr);
  }
}

// ---------------------------------------------------------------- generation

const yieldChannel = new MessageChannel();
/** @type {Array<() => void>} */
const yieldWaiters = [];
yieldChannel.port1.onmessage = () => {
  const resume = yieldWaiters.shift();
  if (resume) resume();
};

/** Lets queued messages (a cancel) run: one trip through the event loop, no timer clamping. */
function yieldToEventLoop() {
  return new Promise((resolve) => {
    yieldWaiters.push(() => resolve(undefined));
    yieldChannel.port2.postMessage(0);
  });
}

/** @param {number} id */
function isCancelled(id) {
  return cancelled.has(id) || (cancelFlag !== null && Atomics.load(cancelFlag, 0) === id);
}

/**
 * @param {unknown} value
 * @param {string} what
 * @returns {number[]}
 */
function toTokenArray(value, what) {
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) {
    throw new ReplyError('invalid_argument', `${what} must be an array of token ids`);
  }
  const out = Array.from(/** @type {ArrayLike<number>} */ (value), Number);
  if (!out.every(Number.isInteger)) {
    throw new ReplyError('invalid_argument', `${what} must hold integers`);
  }
  return out;
}

/** @param {number} v @param {number} lo @param {number} hi */
function clampInt(v, lo, hi) {
  return Math.min(hi, Math.max(lo, Math.trunc(Number(v) || 0)));
}

/**
 * What `begin` gets: the caller's options as they are (an option left out takes the core's
 * default), except a constraint object, which becomes its JSON text, and options set to
 * `undefined`, which are dropped.
 * @param {SamplingOptions | undefined} given
 * @returns {Record<string, any>}
 */
function samplingOptions(given) {
  if (given !== undefined && (given === null || typeof given !== 'object')) {
    throw new ReplyError('invalid_argument', 'generate: options must be an object');
  }
  /** @type {Record<string, any>} */
  const options = {};
  for (const [key, value] of Object.entries(given || {})) {
    if (value !== undefined) options[key] = value;
  }
  if (options.constraint !== null && typeof options.constraint === 'object') {
    options.constraint = JSON.stringify(options.constraint);
  }
  return options;
}

/**
 * @param {number} id
 * @param {{prompt?: string, promptTokens?: number[], addBos?: boolean, special?: boolean,
 *          options?: SamplingOptions}} payload
 */
async function generate(id, payload) {
  const s = requireSession();
  const tStart = performance.now();
  const options = samplingOptions(payload.options);
  const forced = options.forceTokens ? toTokenArray(options.forceTokens, 'forceTokens') : [];
  delete options.forceTokens;

  const promptTokens =
    payload.promptTokens !== undefined
      ? toTokenArray(payload.promptTokens, 'promptTokens')
      : checked(
          payload.special === true
            ? s.tokenizeSpecial(String(payload.prompt ?? ''), payload.addBos !== false)
            : s.tokenize(String(payload.prompt ?? ''), payload.addBos !== false),
        ).tokens;

  const begun = checked(s.begin(promptTokens, options));
  /** @type {number[]} */
  const tokens = [];
  let text = '';
  let decodeMs = 0;
  let firstTokenMs = 0;
  let reason = 'max_tokens';
  let lastYield = performance.now();

  for (let index = 0; ; index++) {
    // Between tokens: notice a cancel. With a shared flag a yield is only needed now and then
    // (for other messages); without one, every token.
    const now = performance.now();
    if (!cancelFlag || now - lastYield > 8) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
    if (deadReason !== null) return;
    if (isCancelled(id)) {
      cancelled.delete(id);
      throw new ReplyError('aborted', `generate: cancelled after ${tokens.length} tokens`);
    }

    const t0 = performance.now();
    const isForced = index < forced.length;
    const step = isForced ? s.forceToken(forced[index]) : s.step();
    const ms = performance.now() - t0;
    decodeMs += ms;
    checked(step);
    if (step.token >= 0) {
      tokens.push(step.token);
      text += step.text;
      if (tokens.length === 1) firstTokenMs = performance.now() - tStart;
      /** @type {Record<string, any>} */
      const event = {
        type: 'token',
        id,
        index,
        token: step.token,
        text: step.text,
        prob: step.prob,
        forced: isForced,
        ms,
      };
      /** @type {Transferable[]} */
      const transfer = [];
      for (const key of ['alternatives', 'maskedMass', 'draw', 'nPos', 'rule']) {
        if (step[key] !== undefined) event[key] = step[key];
      }
      for (const key of ['attention', 'logits', 'distribution', 'condLogits', 'uncondLogits']) {
        if (step[key] !== undefined) {
          event[key] = step[key];
          transfer.push(step[key].buffer);
        }
      }
      if (step.qkv !== undefined) {
        event.qkv = step.qkv;
        for (const key of ['q', 'k', 'v', 'out', 'embedding']) transfer.push(step.qkv[key].buffer);
      }
      post(event, transfer);
    }
    if (step.done) {
      reason = step.reason || 'max_tokens';
      break;
    }
  }
  cancelled.delete(id);
  const totalMs = performance.now() - tStart;
  const decoded = tokens.length;
  replyOk(id, {
    type: 'done',
    id,
    tokens,
    text,
    nPrompt: begun.nPrompt,
    reason,
    timings: { prefillMs: begun.prefillMs, firstTokenMs, decodeMs, totalMs },
    tokensPerSecond: decodeMs > 0 ? (decoded * 1000) / decodeMs : 0,
  });
}
