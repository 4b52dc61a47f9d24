// Where the tests find the wasm builds, the fixtures and the shipped model.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { missingFiles, requireOrSkip } from './require.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const WASM_DIR = path.join(ROOT, process.env.INK_WASM_DIR || 'build-wasm/wasm_bindings');
export const WASM_BASE_URL = pathToFileURL(WASM_DIR + '/').href;
export const FIXTURES = path.join(ROOT, 'tests/fixtures');
export const MODELS = path.join(FIXTURES, 'models');
// INK_POETRY_MODEL points the tests at another checkpoint during development.
export const POETRY_MODEL = process.env.INK_POETRY_MODEL || path.join(ROOT, 'assets/models/inkstone-poetry-q8_0.gguf');
export const PROSODY = path.join(ROOT, 'assets/prosody');

/**
 * @param {...string} builds 'inkstone' | 'inkstone-mt'
 * @returns {string|false} false when every build is there, otherwise what is missing
 */
export function missingBuilds(...builds) {
  const files = builds.flatMap((b) => [path.join(WASM_DIR, `${b}.mjs`), path.join(WASM_DIR, `${b}.wasm`)]);
  const missing = missingFiles(ROOT, ...files);
  return missing && `${missing} (make wasm)`;
}

/**
 * Whether a build is there. A missing build is a requirement like any other (require.mjs):
 * under CI=true or INK_REQUIRE_ALL=1 asking for it registers a failing test.
 * @param {string} build 'inkstone' | 'inkstone-mt'
 */
export function hasBuild(build) {
  return requireOrSkip(missingBuilds(build)) === false;
}

/** @param {string} name a file in tests/fixtures/models */
export function fixtureModel(name) {
  return new Uint8Array(fs.readFileSync(path.join(MODELS, name)));
}
