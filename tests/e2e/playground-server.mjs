// Helpers for the playground E2E test and its screenshots: build the site into a temporary
// folder (tools/site/build.mjs), serve it on a random 127.0.0.1 port the way a static host
// would (index.html for folders, HEAD, COOP/COEP), and start Debian's headless Chromium.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_MODEL = path.join(ROOT, 'assets', 'models', 'inkstone-poetry-q8_0.gguf');
export const CHROMIUM = process.env.INK_CHROMIUM || '/usr/bin/chromium';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.gguf': 'application/octet-stream',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

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
  }
  return out;
}

/**
 * Serves a folder on 127.0.0.1 (random port).
 * @param {string} root
 * @param {{isolated?: boolean, basePath?: string}} [options] basePath: serve under a sub-path
 *        (e.g. '/poems/') to check that every URL in the site is relative
 * @returns {Promise<{url: string, requests: string[], close: () => Promise<void>}>}
 */
export async function serveSite(root, options = {}) {
  const base = options.basePath || '/';
  /** @type {string[]} */
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url || '/', 'http://x');
    requests.push(url.pathname);
    if (!url.pathname.startsWith(base)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    let file = path.normalize(path.join(root, decodeURIComponent(url.pathname.slice(base.length - 1))));
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await fsp.stat(file)).isDirectory()) file = path.join(file, 'index.html');
      const stat = await fsp.stat(file);
      /** @type {Record<string, string>} */
      const headers = {
        'content-type': MIME[/** @type {keyof typeof MIME} */ (path.extname(file))] || 'application/octet-stream',
        'content-length': String(stat.size),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      };
      if (options.isolated !== false) {
        headers['cross-origin-opener-policy'] = 'same-origin';
        headers['cross-origin-embedder-policy'] = 'require-corp';
        headers['cross-origin-resource-policy'] = 'same-origin';
      }
      res.writeHead(200, headers);
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      fs.createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}${base}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}

/**
 * Debian's headless Chromium (never a downloaded browser). Each newContext() is a fresh profile.
 * @returns {Promise<import('playwright-core').Browser>}
 */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
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
