// A Worker-like object (postMessage / addEventListener / terminate) around a Node worker thread
// running web/worker.js, for `new Inkstone({ createWorker })` in Node.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Inkstone } from '../../../web/client.js';
import { WASM_BASE_URL, WASM_DIR } from './paths.mjs';

export function createNodeWorker() {
  const worker = new Worker(new URL('./node-worker-host.mjs', import.meta.url));
  const listeners = { message: [], error: [] };
  let terminated = false;
  worker.on('message', (data) => {
    for (const fn of listeners.message) fn({ data });
  });
  worker.on('error', (error) => {
    for (const fn of listeners.error) fn({ message: String(error) });
  });
  worker.on('exit', (code) => {
    if (terminated) return;
    for (const fn of listeners.error) fn({ message: `worker exited with code ${code}` });
  });
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer || []),
    addEventListener: (type, fn) => {
      if (listeners[type]) listeners[type].push(fn);
    },
    terminate: () => {
      terminated = true;
      void worker.terminate();
    },
  };
}

/**
 * An Inkstone client whose worker is a Node worker thread.
 * @param {object} [options] more InkstoneOptions
 */
export function nodeClient(options = {}) {
  const build = options.build || 'inkstone';
  const wasmBinary = new Uint8Array(fs.readFileSync(path.join(WASM_DIR, `${build}.wasm`))).buffer;
  return new Inkstone({
    wasmBase: WASM_BASE_URL,
    createWorker: createNodeWorker,
    wasmBinary,
    build,
    ...options,
  });
}
