// Inkstone under Node (20 or later): the same client and worker as in a browser, with the worker
// in a worker_threads Worker (./node-worker-host.js gives it the `self` a dedicated worker has)
// and the .wasm bytes read from disk (Node's fetch cannot read file: URLs).
//
//   import { createNodeInkstone } from 'inkstone/node';
//   const ink = await createNodeInkstone();                 // the single-threaded build
//   await ink.load(await readFile('inkstone-poetry-q8_0.gguf'));
//   const { text } = await ink.complete({ prompt: '<五绝>春江\n', seed: 3 });
//   ink.dispose();                                          // ends the worker thread
//
// Node's modules are imported by a computed name so that this file type-checks with the
// browser's types (web/tsconfig.json has no Node types).

import { Inkstone } from './client.js';
import { DEFAULT_WASM_BASE } from './wasm-base.js';

/** @typedef {import('./client.js').InkstoneOptions} InkstoneOptions */
/** @typedef {import('./client.js').WorkerLike} WorkerLike */

/**
 * @param {string} name a Node built-in module
 * @returns {Promise<any>}
 */
const nodeModule = (name) => import(name);

/**
 * An Inkstone client whose worker is a Node worker thread. Options as `new Inkstone(options)`;
 * `wasmBase` must be a file: URL (default: the builds shipped beside this module).
 * @param {Omit<InkstoneOptions, 'createWorker' | 'wasmBinary'>} [options]
 * @returns {Promise<Inkstone>}
 */
export async function createNodeInkstone(options = {}) {
  const { Worker } = await nodeModule('node:worker_threads');
  const { readFile } = await nodeModule('node:fs/promises');
  const build = options.build === 'inkstone-mt' ? 'inkstone-mt' : 'inkstone';
  const wasmBase = new URL(String(options.wasmBase || DEFAULT_WASM_BASE));
  /** @type {Uint8Array} */
  const bytes = await readFile(new URL(`${build}.wasm`, wasmBase));
  const wasmBinary = new Uint8Array(bytes).buffer;
  return new Inkstone({
    ...options,
    wasmBase,
    build,
    wasmBinary,
    createWorker: () => nodeWorker(Worker),
  });
}

/**
 * A Worker-like object around a worker thread running ./worker.js.
 * @param {any} Worker  worker_threads.Worker
 * @returns {WorkerLike}
 */
function nodeWorker(Worker) {
  const worker = new Worker(new URL('./node-worker-host.js', import.meta.url));
  /** @type {{message: ((event: any) => void)[], error: ((event: any) => void)[]}} */
  const listeners = { message: [], error: [] };
  let terminated = false;
  worker.on('message', (/** @type {unknown} */ data) => {
    for (const fn of listeners.message) fn({ data });
  });
  worker.on('error', (/** @type {unknown} */ error) => {
    for (const fn of listeners.error) fn({ message: String(error) });
  });
  worker.on('exit', (/** @type {number} */ code) => {
    if (terminated) return;
    for (const fn of listeners.error) fn({ message: `worker exited with code ${code}` });
  });
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer || []),
    addEventListener: (type, fn) => {
      if (type === 'message' || type === 'error') listeners[type].push(fn);
    },
    terminate: () => {
      terminated = true;
      void worker.terminate();
    },
  };
}
