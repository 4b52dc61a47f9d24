// The one Chromium launcher of the tests and tools: Debian's /usr/bin/chromium (INK_CHROMIUM
// overrides it) driven headless by playwright-core, with a fresh profile. It never downloads a
// browser.
//
//   const browser = await launchChromium();            // persistent context, fresh profile
//   const page = await browser.context.newPage(); ...; await browser.close();
//   const b = await launchBrowser();                    // a Browser: each newContext() is fresh
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { ROOT } from './static-server.mjs';

export const CHROMIUM = process.env.INK_CHROMIUM || '/usr/bin/chromium';

/** Flags of every launch: no sandbox (containers), no GPU, nothing that talks to the network. */
export const CHROMIUM_ARGS = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/**
 * Whether Chromium can run here: true, or a string naming what is missing (the shape
 * tests/js/support/require.mjs takes).
 * @returns {true | string}
 */
export function canRunChromium() {
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM}`;
  try {
    fs.accessSync(path.join(ROOT, 'node_modules/playwright-core/package.json'));
  } catch {
    return 'playwright-core is not installed (npm install)';
  }
  return true;
}

/**
 * @typedef {object} LaunchOptions
 * @property {string} [profilePrefix]  name prefix of the temporary profile folder
 *           (default 'inkstone-e2e-'; tools find their Chromium processes by it)
 * @property {'allow' | 'block'} [serviceWorkers]
 * @property {string[]} [args]  flags added to CHROMIUM_ARGS
 */

/**
 * Headless Chromium in a persistent context with a fresh profile, removed again by close().
 * @param {LaunchOptions} [options]
 * @returns {Promise<{context: import('playwright-core').BrowserContext, close: () => Promise<void>}>}
 */
export async function launchChromium(options = {}) {
  const { chromium } = await import('playwright-core');
  const profile = await fsp.mkdtemp(path.join(os.tmpdir(), options.profilePrefix || 'inkstone-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    serviceWorkers: options.serviceWorkers || 'allow',
    args: [...CHROMIUM_ARGS, ...(options.args || [])],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await fsp.rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Headless Chromium as a Browser: each newContext() is a fresh, in-memory profile.
 * @param {{args?: string[]}} [options]
 * @returns {Promise<import('playwright-core').Browser>}
 */
export async function launchBrowser(options = {}) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args || [])],
  });
}
