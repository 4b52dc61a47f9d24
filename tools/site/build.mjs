// Assembles the static site into dist/: the pages (site/), the JS client (web/), the wasm
// builds (build-wasm/wasm_bindings/) and the data (assets/). The result is a plain folder that
// any static host can serve under any sub-path (every URL inside it is relative).
//   node tools/site/build.mjs [outDir]
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(new URL('../..', import.meta.url).pathname);
const out = resolve(process.argv[2] ?? join(root, 'dist'));
const wasmDir = join(root, 'build-wasm', 'wasm_bindings');

const copies = [
  [join(root, 'site'), out],
  [join(root, 'web'), join(out, 'web')],
  [join(root, 'assets', 'models'), join(out, 'assets', 'models')],
  [join(root, 'assets', 'prosody'), join(out, 'assets', 'prosody')],
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
console.log(`site: built ${out}`);
