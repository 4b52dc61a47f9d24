// Prepended (--extern-pre-js) to the ES module Emscripten 3.1.6 emits. Its Node code path still
// calls require() and reads __dirname, which do not exist in an ES module; give it both. In a
// browser `process` is absent and both stay unused.
var require =
  typeof process == 'object' && typeof process.getBuiltinModule == 'function'
    ? process.getBuiltinModule('module').createRequire(import.meta.url)
    : undefined;
var __dirname =
  typeof process == 'object' && typeof process.getBuiltinModule == 'function'
    ? process.getBuiltinModule('path').dirname(
        process.getBuiltinModule('url').fileURLToPath(import.meta.url))
    : '';
