// What a suite needs before it can run (a wasm build, Chromium, playwright-core, an asset), and
// what happens when it is missing. On a developer's machine the suite skips, with the reason.
// Under CI (CI=true) or with INK_REQUIRE_ALL=1 (`make test` sets it) a suite that cannot run
// fails: one failing test per missing piece, named after it, so that a green run means every
// suite ran. Used by every file in tests/js and tests/e2e:
//
//   const skip = requireOrSkip(missingBuilds('inkstone'), canRunChromium());
//   test('...', { skip }, () => { ... });
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';

/** True when a missing requirement must fail the run instead of skipping it. */
export const REQUIRE_ALL = process.env.INK_REQUIRE_ALL === '1' || process.env.CI === 'true';

/** Reasons already reported in this process (one failing test per reason). */
const reported = new Set();

/**
 * Combines what is missing into the `skip` option of node:test.
 * Each argument is `false`, `true`, `undefined` or `''` when the requirement is met, or a
 * string naming what is missing (the shape of canRunChromium() and missingFiles()).
 * Under REQUIRE_ALL each missing piece also registers a test that fails with its name.
 * @param {...(string|boolean|undefined)} checks
 * @returns {string|false} false when everything is present, otherwise the reasons
 */
export function requireOrSkip(...checks) {
  const missing = checks.filter((c) => typeof c === 'string' && c !== '');
  if (missing.length === 0) return false;
  const reason = missing.join('; ');
  if (REQUIRE_ALL) {
    for (const m of missing) {
      if (reported.has(m)) continue;
      reported.add(m);
      test(`required: ${m}`, () => {
        throw new Error(`${m}: this suite cannot run, and with CI=true or INK_REQUIRE_ALL=1 ` +
          'a suite that cannot run fails instead of skipping');
      });
    }
  }
  return reason;
}

/**
 * @param {string} root     paths below are relative to it in the message
 * @param {...string} files absolute paths
 * @returns {string|false} false when all exist, otherwise a message naming the missing ones
 */
export function missingFiles(root, ...files) {
  const absent = files.filter((f) => !fs.existsSync(f)).map((f) => path.relative(root, f) || f);
  return absent.length === 0 ? false : `missing ${absent.join(', ')}`;
}
