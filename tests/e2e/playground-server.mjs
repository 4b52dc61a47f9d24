// Helpers for the playground E2E test and its screenshots: build the site into a temporary
// folder (tools/site/build.mjs), serve it on a random 127.0.0.1 port the way a static host
// would (index.html for folders, HEAD, COOP/COEP), and start Debian's headless Chromium. The
// server and the launcher are the shared ones (tools/lib/static-server.mjs, tools/lib/chromium.mjs).
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { ROOT, SITE_FRAMABLE, startServer } from '../../tools/lib/static-server.mjs';

export { ROOT };
export { CHROMIUM, launchBrowser } from '../../tools/lib/chromium.mjs';
export const DEFAULT_MODEL = path.join(ROOT, 'assets', 'models', 'inkstone-poetry-q8_0.gguf');

/**
 * Builds the site into a fresh temporary folder.
 * @param {{model?: string}} [options] model: a GGUF to serve as the default model instead of
 *        assets/models/inkstone-poetry-q8_0.gguf (development only)
 * @returns {Promise<string>} the folder
 */
export async function buildSite(options = {}) {
  const out = await fsp.mkdtemp(path.join(os.tmpdir(), 'inkstone-site-'));
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'tools/site/build.mjs'), out], { cwd: ROOT });
  if (options.model) {
    const dest = path.join(out, 'assets', 'models', 'inkstone-poetry-q8_0.gguf');
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    await fsp.copyFile(options.model, dest);
    // Its own SHA-256 sidecar (the page checks the model against it), and the precache list
    // that holds the sidecar's hash written again.
    const hex = crypto.createHash('sha256').update(await fsp.readFile(dest)).digest('hex');
    await fsp.writeFile(`${dest}.sha256`, `${hex}  ${path.basename(dest)}\n`);
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'tools/site/build.mjs'), out, '--manifest-only'], { cwd: ROOT });
  }
  return out;
}

/**
 * Serves a folder on 127.0.0.1 (random port) like a static host: index.html for folders, HEAD,
 * COOP/COEP unless `isolated: false`, the site's framing policy (docs/hosting.md).
 * @param {string} root
 * @param {{isolated?: boolean, basePath?: string}} [options] basePath: serve under a sub-path
 *        (e.g. '/poems/') to check that every URL in the site is relative
 * @returns {Promise<{url: string, requests: string[], close: () => Promise<void>}>}
 *        url ends with the base path, its slash included
 */
export async function serveSite(root, options = {}) {
  const server = await startServer({
    root,
    basePath: options.basePath || '/',
    isolated: options.isolated !== false,
    framable: SITE_FRAMABLE,
    directoryIndex: true,
  });
  return { url: `${server.url}/`, requests: server.requests, close: server.close };
}

/**
 * Collects console errors, page errors and CSP violations of a page.
 * @param {import('playwright-core').Page} page
 * @returns {string[]}
 */
export function watchPage(page) {
  /** @type {string[]} */
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}
