// Builds the npm package of Inkstone into a folder (default build-package/; `make package`):
//
//   node tools/package/build.mjs [outDir]        then: cd outDir && npm pack
//
// The package has the layout of the site (dist/), so the modules import each other by the same
// relative paths in the repository's site, in dist/ and here:
//
//   web/    the ES modules of web/ (client, worker, poetry, model store, <inkstone-poem>, node)
//   art/    the ink painter (site/art), share/ the share-link codec (site/share/share-codec.js)
//   wasm/   the builds and their loaders, copied from build-wasm/wasm_bindings/ (make wasm)
//   *.d.ts  beside every module, generated from the JSDoc by tsc (never written by hand)
//   package.json (exports map), README.md (tools/package/README.md), LICENSE
//
// web/wasm-base.js is replaced by one that points at wasm/, so `new Inkstone()` finds the builds
// beside the modules. No model is inside: load() takes a URL or bytes.
// Version: MAJOR.MINOR.PATCH with MAJOR = PROTOCOL_VERSION of web/protocol.js (a client of one
// protocol only talks to a worker of the same one); MINOR.PATCH = RELEASE below, set back to
// 0.0 when the protocol changes.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const RELEASE = '0.0';
const WASM_FILES = ['inkstone.mjs', 'inkstone.wasm', 'inkstone-mt.mjs', 'inkstone-mt.wasm', 'inkstone-mt.worker.js'];

const root = resolve(new URL('../..', import.meta.url).pathname);
const out = resolve(process.argv[2] || join(root, 'build-package'));
const wasmDir = resolve(root, process.env.INK_WASM_DIR || 'build-wasm/wasm_bindings');

const missing = WASM_FILES.filter((f) => !existsSync(join(wasmDir, f)));
if (missing.length > 0) {
  console.error(`package: ${missing.join(', ')} missing in ${wasmDir}; run \`make wasm\` first`);
  process.exit(1);
}
const { PROTOCOL_VERSION } = await import(pathToFileURL(join(root, 'web/protocol.js')).href);
const version = `${PROTOCOL_VERSION}.${RELEASE}`;

// ------------------------------------------------------------------ files
rmSync(out, { recursive: true, force: true });
const js = (/** @type {string} */ name) => name.endsWith('.js') && !name.endsWith('.d.ts');
copyModules(join(root, 'web'), join(out, 'web'), js);
copyModules(join(root, 'site/art'), join(out, 'art'), js);
copyModules(join(root, 'site/share'), join(out, 'share'), (name) => name === 'share-codec.js');
writeFileSync(
  join(out, 'web/wasm-base.js'),
  `// Where the wasm builds lie in this package: wasm/ beside web/ (tools/package/build.mjs wrote
// this file in place of the repository's, which points at build-wasm/wasm_bindings/).

/** The folder of the wasm builds, as a URL ending in '/'. */
export const DEFAULT_WASM_BASE = new URL('../wasm/', import.meta.url);
`,
);
mkdirSync(join(out, 'wasm'));
for (const f of WASM_FILES) cpSync(join(wasmDir, f), join(out, 'wasm', f));
// Emscripten's loaders and pthread worker are CommonJS-flavoured: keep Node from reading the
// .js worker as an ES module (the package itself is "type": "module").
writeFileSync(join(out, 'wasm/package.json'), '{"type": "commonjs"}\n');
cpSync(join(root, 'tools/package/README.md'), join(out, 'README.md'));
cpSync(join(root, 'LICENSE'), join(out, 'LICENSE'));

// ------------------------------------------------------------------ declarations
const modules = ['web', 'art', 'share'].flatMap((dir) =>
  readdirSync(join(out, dir)).filter(js).map((f) => join(out, dir, f)),
);
const tsconfig = join(out, 'tsconfig.declarations.json');
writeFileSync(
  tsconfig,
  JSON.stringify({
    compilerOptions: {
      allowJs: true,
      declaration: true,
      emitDeclarationOnly: true,
      target: 'ES2022',
      module: 'ES2022',
      moduleResolution: 'bundler',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      types: [],
      skipLibCheck: true,
      rootDir: out,
      outDir: out,
    },
    files: modules,
  }),
);
try {
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', tsconfig], { stdio: 'inherit' });
} finally {
  rmSync(tsconfig);
}

// ------------------------------------------------------------------ package.json
/** @param {string} file a module path without .js */
const entry = (file) => ({ types: `./${file}.d.ts`, default: `./${file}.js` });
const pkg = {
  name: 'inkstone',
  version,
  description: 'Inkstone (砚): a small Transformer runtime in WebAssembly that writes classical Chinese poems in the browser or Node, and <inkstone-poem>, a custom element that writes and paints one',
  type: 'module',
  license: 'MIT',
  engines: { node: '>=20' },
  sideEffects: ['./web/inkstone-poem.js', './web/worker.js', './web/node-worker-host.js'],
  exports: {
    '.': entry('web/client'),
    './poetry': entry('web/poetry'),
    './element': entry('web/inkstone-poem'),
    './node': entry('web/node'),
    './model-store': entry('web/model-store'),
    './errors': entry('web/errors'),
    './features': entry('web/features'),
    './protocol': entry('web/protocol'),
    './worker': entry('web/worker'),
    './share': entry('share/share-codec'),
    './art': entry('art/index'),
    './wasm/*': './wasm/*',
    './package.json': './package.json',
  },
  types: './web/client.d.ts',
  keywords: ['poetry', 'chinese', 'webassembly', 'transformer', 'gguf', 'custom-element'],
};
writeFileSync(join(out, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
console.log(`package: inkstone ${version} in ${out} (cd there and npm pack)`);

/**
 * @param {string} from
 * @param {string} to
 * @param {(name: string) => boolean} keep
 */
function copyModules(from, to, keep) {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) if (keep(name)) cpSync(join(from, name), join(to, name));
}
