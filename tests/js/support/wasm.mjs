// Instantiates a wasm build directly (no worker) and places model bytes in its heap the way
// web/worker.js does.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WASM_DIR } from './paths.mjs';

/**
 * @param {'inkstone'|'inkstone-mt'} build
 * @param {number} [poolSize] pthreads to start (inkstone-mt)
 */
export async function loadWasm(build = 'inkstone', poolSize = 2) {
  const factory = (await import(pathToFileURL(path.join(WASM_DIR, `${build}.mjs`)).href)).default;
  const wasmBinary = fs.readFileSync(path.join(WASM_DIR, `${build}.wasm`));
  return factory({
    wasmBinary,
    inkThreadPoolSize: poolSize,
    locateFile: (/** @type {string} */ name) => path.join(WASM_DIR, name),
    print: () => {},
    printErr: () => {},
  });
}

/** Ends the pthreads of an inkstone-mt instance so that Node can exit. */
export function shutdownWasm(M) {
  if (M.PThread && M.PThread.terminateAllThreads) M.PThread.terminateAllThreads();
}

/** Copies bytes into a fresh allocation; returns the pointer. */
export function placeBytes(M, bytes) {
  const ptr = M._malloc(Math.max(1, bytes.length));
  if (!ptr) throw new Error('malloc failed');
  const heap = M.wasmMemory ? new Uint8Array(M.wasmMemory.buffer) : M.HEAPU8;
  heap.set(bytes, ptr);
  return ptr;
}

/** createSession from bytes; the session owns the copy. Returns the bindings' result. */
export function createSession(M, bytes, options = {}) {
  return M.createSession(placeBytes(M, bytes), bytes.length, options);
}

/** inspectModel on a copy of bytes (freed afterwards). */
export function inspectModel(M, bytes) {
  const ptr = placeBytes(M, bytes);
  try {
    return M.inspectModel(ptr, bytes.length);
  } finally {
    M._free(ptr);
  }
}

/** Runs a whole generation through begin/step; returns tokens, text and the step results. */
export function generateAll(session, promptTokens, options) {
  const begun = session.begin(promptTokens, options);
  if (!begun.ok) return { begun, tokens: [], text: '', steps: [] };
  const tokens = [];
  const steps = [];
  let text = '';
  for (;;) {
    const r = session.step();
    steps.push(r);
    if (!r.ok) break;
    if (r.token >= 0) tokens.push(r.token);
    text += r.text;
    if (r.done) break;
  }
  return { begun, tokens, text, steps };
}
