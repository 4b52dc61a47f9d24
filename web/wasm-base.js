// Where the wasm builds (inkstone.mjs/.wasm, inkstone-mt.*) lie when the page does not say
// (`new Inkstone({ wasmBase })`): the one fact about the file layout the client needs.
//
// This is the repository's layout (build-wasm/wasm_bindings/ beside web/). The npm package
// (tools/package/build.mjs) ships its own copy of this file that points at the package's wasm/
// folder, so there `new Inkstone()` finds the builds with no configuration. The site passes
// its own wasmBase (dist/wasm/).

/** The folder of the wasm builds, as a URL ending in '/'. */
export const DEFAULT_WASM_BASE = new URL('../build-wasm/wasm_bindings/', import.meta.url);
