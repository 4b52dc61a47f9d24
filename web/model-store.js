// Model bytes: download with byte progress, keep in the Cache API, verify a SHA-256 before use.
//
// Models live in their own cache (default 'inkstone-models-v1'), separate from the app shell, so
// an app update never evicts a model. Each entry is the model response keyed by its URL, with
// three headers of ours: x-inkstone-sha256, x-inkstone-bytes, x-inkstone-stored (ISO date).

import { InkstoneError, abortError, isQuotaError } from './errors.js';

export const DEFAULT_MODEL_CACHE = 'inkstone-models-v1';

/**
 * @typedef {object} Progress
 * @property {number} loaded   bytes received so far
 * @property {number} total    expected bytes (0 when unknown)
 * @property {'download'|'cache'|'verify'} phase
 */

/**
 * @typedef {object} CachedModel
 * @property {string} url
 * @property {number} bytes
 * @property {string} sha256   hex, '' when not recorded
 * @property {string} stored   ISO date
 */

/**
 * SHA-256 of bytes as lowercase hex (crypto.subtle).
 * @param {ArrayBuffer | Uint8Array} bytes
 * @returns {Promise<string>}
 */
export async function sha256Hex(bytes) {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const digest = await crypto.subtle.digest('SHA-256', /** @type {Uint8Array<ArrayBuffer>} */ (view));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Stream chunk size of bytesBody (views into the bytes, not copies). */
const BODY_CHUNK = 4 << 20;

/**
 * A response body of `bytes`, streamed in views of 4 MiB. Chromium cannot put a Response made
 * from model-sized bytes at once (`new Response(bytes)`, past about 500 MiB) into the Cache API
 * (UnknownError), nor read back a `new Blob([bytes])` that large (NotReadableError): both go
 * through its in-memory blob space. A stream goes to the cache's files as it comes. The bytes
 * must stay unchanged (not transferred) until the body has been read.
 * @param {ArrayBuffer | Uint8Array} bytes
 * @returns {ReadableStream<Uint8Array>}
 */
export function bytesBody(bytes) {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= view.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(view.subarray(offset, offset + BODY_CHUNK));
      offset += BODY_CHUNK;
    },
  });
}

/**
 * A Blob of `bytes` made through a streamed body (bytesBody) rather than `new Blob([bytes])`.
 * Past Chromium's in-memory blob space it is kept on disk where the browser has one; a Blob
 * from the model cache (ModelStore.blob) is on disk always, so large models go through the cache.
 * @param {ArrayBuffer | Uint8Array} bytes
 * @returns {Promise<Blob>}
 */
export function bytesBlob(bytes) {
  return new Response(bytesBody(bytes)).blob();
}

/**
 * Reads a response body with byte progress into one ArrayBuffer.
 * @param {Response} response
 * @param {{onProgress?: (p: Progress) => void, signal?: AbortSignal, phase?: 'download'|'cache'}} [options]
 * @returns {Promise<ArrayBuffer>}
 */
export async function readWithProgress(response, options = {}) {
  const { onProgress, signal, phase = 'download' } = options;
  const total = Number(response.headers.get('content-length')) || 0;
  if (!response.body) {
    const buffer = await response.arrayBuffer();
    if (onProgress) onProgress({ loaded: buffer.byteLength, total: buffer.byteLength, phase });
    return buffer;
  }
  const reader = response.body.getReader();
  /** @type {Uint8Array[]} */
  const chunks = [];
  let loaded = 0;
  const onAbort = () => reader.cancel().catch(() => {});
  if (signal) signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal && signal.aborted) throw abortError(signal);
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      if (onProgress) onProgress({ loaded, total, phase });
    }
  } finally {
    if (signal) signal.removeEventListener('abort', onAbort);
  }
  if (signal && signal.aborted) throw abortError(signal);
  const out = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out.buffer;
}

/**
 * Downloads a URL with byte progress.
 * @param {string | URL} url
 * @param {{onProgress?: (p: Progress) => void, signal?: AbortSignal}} [options]
 * @returns {Promise<ArrayBuffer>}
 */
export async function download(url, options = {}) {
  const { signal } = options;
  if (signal && signal.aborted) throw abortError(signal);
  /** @type {Response} */
  let response;
  try {
    response = await fetch(url, { signal });
  } catch (err) {
    if (signal && signal.aborted) throw abortError(signal);
    throw new InkstoneError('network_error', `download ${url}: ${errorText(err)}`, { cause: err });
  }
  if (!response.ok) {
    throw new InkstoneError('network_error', `download ${url}: HTTP ${response.status}`);
  }
  try {
    return await readWithProgress(response, options);
  } catch (err) {
    if (err instanceof InkstoneError) throw err;
    if (signal && signal.aborted) throw abortError(signal);
    throw new InkstoneError('network_error', `download ${url}: ${errorText(err)}`, { cause: err });
  }
}

/** @param {unknown} err */
function errorText(err) {
  return err instanceof Error ? err.message : String(err);
}

export class ModelStore {
  /** @param {{cacheName?: string}} [options] */
  constructor(options = {}) {
    this.cacheName = options.cacheName || DEFAULT_MODEL_CACHE;
  }

  /** @returns {Promise<Cache>} */
  async #cache() {
    if (typeof caches === 'undefined') {
      throw new InkstoneError('io_error', 'model store: the Cache API is not available here');
    }
    return caches.open(this.cacheName);
  }

  /**
   * The model bytes for a URL: from the cache when present and (if sha256 is given) matching,
   * else downloaded, verified and stored. A cached copy that fails the check is deleted and
   * downloaded again once. When storing fails (storage full: `quota_exceeded`, else
   * `io_error`) the bytes are still returned and `onStoreError` gets the error.
   * @param {string | URL} url
   * @param {{sha256?: string, onProgress?: (p: Progress) => void, signal?: AbortSignal,
   *          onStoreError?: (error: InkstoneError) => void}} [options]
   * @returns {Promise<ArrayBuffer>}
   */
  async get(url, options = {}) {
    const key = String(new URL(String(url), globalThis.location ? globalThis.location.href : undefined));
    const expected = options.sha256 ? options.sha256.toLowerCase() : '';
    const cache = await this.#cache();
    const hit = await cache.match(key);
    if (hit) {
      const bytes = await readWithProgress(hit, { ...options, phase: 'cache' });
      if (!expected || (await this.#verify(bytes, expected, options)) === expected) return bytes;
      await cache.delete(key);
    }
    const bytes = await download(key, options);
    const actual = await this.#verify(bytes, expected, options);
    if (expected && actual !== expected) {
      throw new InkstoneError(
        'hash_mismatch',
        `model ${key}: SHA-256 is ${actual}, expected ${expected}`,
      );
    }
    try {
      await this.put(key, bytes, actual);
    } catch (err) {
      // Not kept for offline use, but the bytes are good: the model still runs now.
      const code = isQuotaError(err) ? 'quota_exceeded' : 'io_error';
      const warning = new InkstoneError(code, `model ${key} was not stored: ${errorText(err)}`, { cause: err });
      if (options.onStoreError) options.onStoreError(warning);
    }
    return bytes;
  }

  /**
   * @param {ArrayBuffer} bytes
   * @param {string} expected
   * @param {{onProgress?: (p: Progress) => void}} options
   */
  async #verify(bytes, expected, options) {
    if (options.onProgress) {
      options.onProgress({ loaded: 0, total: bytes.byteLength, phase: 'verify' });
    }
    return sha256Hex(bytes);
  }

  /**
   * Stores bytes under a URL key (e.g. a model the user dropped, keyed by a made-up URL).
   * @param {string | URL} url
   * @param {ArrayBuffer} bytes
   * @param {string} [sha256]  computed when omitted
   */
  async put(url, bytes, sha256) {
    const cache = await this.#cache();
    const hash = sha256 || (await sha256Hex(bytes));
    const response = new Response(bytesBody(bytes), {
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(bytes.byteLength),
        'x-inkstone-sha256': hash,
        'x-inkstone-bytes': String(bytes.byteLength),
        'x-inkstone-stored': new Date().toISOString(),
      },
    });
    await cache.put(String(url), response);
  }

  /**
   * The stored bytes of a URL as a Blob backed by the cache's files (readable at any size), or
   * null when not stored.
   * @param {string | URL} url
   * @returns {Promise<Blob | null>}
   */
  async blob(url) {
    const cache = await this.#cache();
    const hit = await cache.match(String(url));
    return hit ? hit.blob() : null;
  }

  /**
   * @param {string | URL} url
   * @returns {Promise<boolean>}
   */
  async has(url) {
    const cache = await this.#cache();
    return (await cache.match(String(url))) !== undefined;
  }

  /** @returns {Promise<CachedModel[]>} */
  async list() {
    const cache = await this.#cache();
    const out = [];
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      if (!response) continue;
      out.push({
        url: request.url,
        bytes: Number(response.headers.get('x-inkstone-bytes')) || 0,
        sha256: response.headers.get('x-inkstone-sha256') || '',
        stored: response.headers.get('x-inkstone-stored') || '',
      });
    }
    return out;
  }

  /**
   * @param {string | URL} url
   * @returns {Promise<boolean>} whether something was deleted
   */
  async delete(url) {
    const cache = await this.#cache();
    return cache.delete(String(url));
  }

  /** @returns {Promise<boolean>} */
  async clear() {
    if (typeof caches === 'undefined') return false;
    return caches.delete(this.cacheName);
  }

  /**
   * navigator.storage.estimate(), or zeros where unavailable.
   * @returns {Promise<{usage: number, quota: number, persisted: boolean}>}
   */
  async estimate() {
    const storage = globalThis.navigator && globalThis.navigator.storage;
    if (!storage || !storage.estimate) return { usage: 0, quota: 0, persisted: false };
    const { usage = 0, quota = 0 } = await storage.estimate();
    const persisted = storage.persisted ? await storage.persisted() : false;
    return { usage, quota, persisted };
  }

  /**
   * Asks the browser not to evict our storage (navigator.storage.persist()).
   * @returns {Promise<boolean>} whether storage is persistent now
   */
  async persist() {
    const storage = globalThis.navigator && globalThis.navigator.storage;
    if (!storage || !storage.persist) return false;
    return storage.persist();
  }
}
