// Assembles the static site into dist/: the pages (site/), the JS client (web/), the wasm
// builds (build-wasm/wasm_bindings/), the data (assets/) and the Simplified ⇄ Traditional
// tables (node_modules/opencc-js → vendor/opencc-js/, read by site/app/hanzi.js). The result is a plain folder that
// any static host can serve under any sub-path (every URL inside it is relative).
//   node tools/site/build.mjs [outDir]                   build, then write the precache list
//   node tools/site/build.mjs [outDir] --manifest-only   only rewrite the list of an existing
//                                                        (e.g. post-processed) outDir
// The precache list: every file of the app shell (all but the .gguf models, sw.js and the list
// itself) with its size and SHA-256, and the app version = a hash of all of them. It is written
// to outDir/precache.json and inlined into outDir/sw.js (from site/sw.js), so any change to
// the shell is a new service worker: the browser installs it as an update, in its own cache.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const root = resolve(new URL('../..', import.meta.url).pathname);
const args = process.argv.slice(2);
const manifestOnly = args.includes('--manifest-only');
const out = resolve(args.find((a) => !a.startsWith('--')) ?? join(root, 'dist'));

if (manifestOnly) {
  writePrecache(out);
  process.exit(0);
}
const wasmDir = join(root, 'build-wasm', 'wasm_bindings');

const copies = [
  [join(root, 'site'), out],
  [join(root, 'web'), join(out, 'web')],
  [join(root, 'assets', 'models'), join(out, 'assets', 'models')],
  [join(root, 'assets', 'prosody'), join(out, 'assets', 'prosody')],
  [join(root, 'assets', 'classroom'), join(out, 'assets', 'classroom')], // the Train panel's poems
];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const [from, to] of copies) {
  if (!existsSync(from)) continue;
  cpSync(from, to, { recursive: true, filter: (p) => !p.endsWith('.d.ts') && !p.includes('tsconfig') });
}
if (!existsSync(wasmDir)) {
  console.error(`site: ${wasmDir} is missing; run \`make wasm\` first`);
  process.exit(1);
}
mkdirSync(join(out, 'wasm'), { recursive: true });
for (const f of readdirSync(wasmDir)) {
  if (/\.(js|mjs|wasm)$/.test(f) && statSync(join(wasmDir, f)).isFile()) {
    cpSync(join(wasmDir, f), join(out, 'wasm', f));
  }
}
copyOpenCC(join(out, 'vendor', 'opencc-js'));
writeModelHashes(join(out, 'assets', 'models'));
writePrecache(out);
console.log(`site: built ${out}`);

/**
 * Writes `<model>.gguf.sha256` ("hex  name", as sha256sum does) next to every shipped model, so
 * the page verifies the bytes and a retrained model at the same URL replaces a cached old one.
 * @param {string} dir
 */
function writeModelHashes(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (!/\.gguf$/i.test(name)) continue;
    const hex = createHash('sha256').update(readFileSync(join(dir, name))).digest('hex');
    writeFileSync(join(dir, `${name}.sha256`), `${hex}  ${name}\n`);
  }
}

/**
 * Writes outDir/precache.json and outDir/sw.js (site/sw.js with the list inlined).
 * @param {string} dir
 */
function writePrecache(dir) {
  /** @type {{path: string, bytes: number, sha256: string}[]} */
  const files = [];
  const walk = (/** @type {string} */ d) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const rel = relative(dir, full).split(sep).join('/');
      if (statSync(full).isDirectory()) walk(full);
      else if (rel !== 'sw.js' && rel !== 'precache.json' && !/\.gguf$/i.test(rel) && !name.startsWith('.')) {
        const bytes = readFileSync(full);
        files.push({ path: rel, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
      }
    }
  };
  walk(dir);
  const version = createHash('sha256')
    .update(files.map((f) => `${f.sha256} ${f.path}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  const build = { version, files };
  writeFileSync(join(dir, 'precache.json'), JSON.stringify(build, null, 1) + '\n');
  const template = readFileSync(join(root, 'site', 'sw.js'), 'utf8');
  const marker = '/*@BUILD@*/ null)';
  if (!template.includes(marker)) throw new Error(`site/sw.js lacks the ${marker} marker`);
  writeFileSync(join(dir, 'sw.js'), template.replace(marker, `${JSON.stringify(build)})`));
  console.log(`site: precache ${files.length} files, version ${version}`);
}

/**
 * The opencc-js files site/app/hanzi.js imports (its trie and the OpenCC dictionaries of the
 * s2tw and tw2s presets, as ES modules), with both licences: opencc-js is MIT, the OpenCC
 * dictionaries are Apache-2.0.
 * @param {string} dest
 */
function copyOpenCC(dest) {
  const pkg = join(root, 'node_modules', 'opencc-js');
  const lib = join(pkg, 'dist', 'esm-lib');
  if (!existsSync(lib)) {
    console.error(`site: ${lib} is missing; run \`npm install\` first`);
    process.exit(1);
  }
  const dicts = ['STCharacters', 'STPhrases', 'TWVariants', 'TWVariantsRev', 'TWVariantsRevPhrases', 'TSCharacters', 'TSPhrases'];
  mkdirSync(join(dest, 'dict'), { recursive: true });
  cpSync(join(lib, 'core.js'), join(dest, 'core.js'));
  for (const name of dicts) cpSync(join(lib, 'dict', `${name}.js`), join(dest, 'dict', `${name}.js`));
  cpSync(join(pkg, 'LICENSE'), join(dest, 'LICENSE'));
  cpSync(join(root, 'tools', 'site', 'licenses', 'Apache-2.0.txt'), join(dest, 'LICENSE-OpenCC-dictionaries'));
  const version = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version;
  writeFileSync(
    join(dest, 'README.txt'),
    `opencc-js ${version} (https://github.com/nk2028/opencc-js), MIT licence: LICENSE.\n` +
      'dict/*.js are the dictionaries of OpenCC (https://github.com/BYVoid/OpenCC),\n' +
      'Copyright BYVoid and the OpenCC contributors, Apache License 2.0: LICENSE-OpenCC-dictionaries.\n' +
      'Copied unchanged from node_modules/opencc-js/dist/esm-lib by tools/site/build.mjs.\n',
  );
}
