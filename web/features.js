// Feature detection for the wasm builds: SIMD128 is required; the threaded build needs
// SharedArrayBuffer, shared wasm memory and a cross-origin isolated page (COOP + COEP).

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)) — the validator must know
// SIMD opcodes to accept it.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253,
  15, 253, 98, 11,
]);

// (module (memory 1 1 shared)) — accepted only where wasm threads are.
const THREADS_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 5, 4, 1, 3, 1, 1,
]);

/**
 * @typedef {object} Features
 * @property {boolean} wasm
 * @property {boolean} simd
 * @property {boolean} sharedMemory          SharedArrayBuffer and shared wasm memory exist
 * @property {boolean} crossOriginIsolated   the page is isolated (COOP/COEP)
 * @property {boolean} threads               the threaded build can run here
 * @property {number} hardwareConcurrency
 */

/** @returns {Features} */
export function detectFeatures() {
  const g = /** @type {any} */ (globalThis);
  const wasm = typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function';
  const simd = wasm && WebAssembly.validate(SIMD_PROBE);
  const sharedMemory =
    wasm && typeof SharedArrayBuffer === 'function' && WebAssembly.validate(THREADS_PROBE);
  const isolated = g.crossOriginIsolated === true;
  const cores = (g.navigator && g.navigator.hardwareConcurrency) || 1;
  return {
    wasm,
    simd,
    sharedMemory,
    crossOriginIsolated: isolated,
    threads: sharedMemory && isolated,
    hardwareConcurrency: cores,
  };
}

/**
 * Which build to use: the threaded one only when the page is cross-origin isolated.
 * @param {Features} features
 * @param {'auto'|'inkstone'|'inkstone-mt'} [preference]
 * @returns {'inkstone'|'inkstone-mt'}
 */
export function chooseBuild(features, preference = 'auto') {
  if (preference === 'inkstone') return 'inkstone';
  if (preference === 'inkstone-mt') return features.sharedMemory ? 'inkstone-mt' : 'inkstone';
  return features.threads ? 'inkstone-mt' : 'inkstone';
}
