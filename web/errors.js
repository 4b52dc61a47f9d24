// Typed errors. UI code switches on `error.code`, never on the message text.
//
// Codes (the JS-facing categories of docs/status-codes.md, plus the browser-side ones):
//   invalid_model      the bytes are not a usable GGUF file (bad magic, truncated, bad shapes...)
//   unsupported_model  a valid GGUF we cannot run (architecture, tensor type, tokenizer, version)
//   out_of_memory      the model or its KV cache does not fit in wasm memory
//   context_full       the context window is full and sliding is off
//   invalid_argument   bad options from the caller
//   invalid_state      a call out of order (e.g. generate before load)
//   aborted            cancelled by the caller (AbortSignal) or by dispose()
//   crashed            the wasm instance died (abort/trap); the worker was replaced
//   network_error      a model download failed
//   hash_mismatch      downloaded/cached bytes do not match the expected SHA-256
//   quota_exceeded     the browser refused to store something (storage full); reported as a
//                      warning when a model could not be kept for offline use
//   unsupported_browser  no WebAssembly SIMD (or no Worker)

/** @typedef {'invalid_model'|'unsupported_model'|'out_of_memory'|'context_full'|'invalid_argument'|'invalid_state'|'aborted'|'crashed'|'network_error'|'hash_mismatch'|'quota_exceeded'|'unsupported_browser'|'io_error'} ErrorCode */

/** @type {ReadonlyArray<ErrorCode>} */
export const ERROR_CODES = Object.freeze([
  'invalid_model',
  'unsupported_model',
  'out_of_memory',
  'context_full',
  'invalid_argument',
  'invalid_state',
  'aborted',
  'crashed',
  'network_error',
  'hash_mismatch',
  'quota_exceeded',
  'unsupported_browser',
  'io_error',
]);

export class InkstoneError extends Error {
  /**
   * @param {ErrorCode} code
   * @param {string} message
   * @param {{cause?: unknown, detail?: string}} [options]
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'InkstoneError';
    /** @type {ErrorCode} */
    this.code = code;
    /** The fine code from the runtime ("bad_magic", "truncated", ...), when there is one. */
    this.detail = (options && options.detail) || '';
  }
}

/**
 * Rebuilds an InkstoneError from a wire error ({code, message, detail?}); an unknown code
 * becomes `invalid_state` (never silently dropped).
 * @param {{code?: string, message?: string, detail?: string} | undefined | null} wire
 * @returns {InkstoneError}
 */
export function fromWire(wire) {
  const code = /** @type {ErrorCode} */ (
    wire && ERROR_CODES.includes(/** @type {ErrorCode} */ (wire.code)) ? wire.code : 'invalid_state'
  );
  return new InkstoneError(code, (wire && wire.message) || code, { detail: wire ? wire.detail : '' });
}

/**
 * The error an AbortSignal carries, as an InkstoneError('aborted').
 * @param {AbortSignal | undefined} signal
 * @returns {InkstoneError}
 */
export function abortError(signal) {
  const reason = signal && signal.reason;
  const text = reason instanceof Error ? reason.message : reason ? String(reason) : 'aborted';
  return new InkstoneError('aborted', text, { cause: reason });
}

/**
 * Whether a storage failure is the browser refusing for lack of space.
 * @param {unknown} err
 */
export function isQuotaError(err) {
  return !!err && typeof err === 'object' && /** @type {any} */ (err).name === 'QuotaExceededError';
}
