// A tiny static server for the client E2E tests: serves the repository root on 127.0.0.1 at a
// random port, with correct MIME types for .wasm/.mjs/.js, a Content-Security-Policy without
// inline scripts, and (optionally) COOP/COEP so that pages are crossOriginIsolated.
//   const server = await startServer({ isolated: true }); ... await server.close();
// Also: a Chromium launcher (playwright-core + Debian's /usr/bin/chromium, fresh profile).
import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.gguf': 'application/octet-stream',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

// wasm needs 'wasm-unsafe-eval'; nothing inline, nothing from elsewhere.
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "object-src 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * @param {{isolated?: boolean, root?: string}} [options]
 * @returns {Promise<{url: string, close: () => Promise<void>, requests: string[]}>}
 */
export async function startServer(options = {}) {
  const root = options.root || ROOT;
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url || '/', 'http://x');
    requests.push(url.pathname);
    const file = path.normalize(path.join(root, decodeURIComponent(url.pathname)));
    if (!file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    let stat;
    try {
      stat = await fsp.stat(file);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (!stat.isFile()) {
      res.writeHead(404).end();
      return;
    }
    const headers = {
      'content-type': MIME[path.extname(file)] || 'application/octet-stream',
      'content-length': String(stat.size),
      'content-security-policy': CSP,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    };
    if (options.isolated) {
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
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve(undefined));
    }),
  };
}

export const CHROMIUM = process.env.INK_CHROMIUM || '/usr/bin/chromium';

/** Whether the E2E tests can run here (Debian chromium + playwright-core present). */
export function canRunChromium() {
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM}`;
  try {
    fs.accessSync(path.join(ROOT, 'node_modules/playwright-core/package.json'));
  } catch {
    return 'playwright-core is not installed (npm ci)';
  }
  return true;
}

/**
 * Headless Debian Chromium with a fresh profile (never downloads a browser).
 * @returns {Promise<{context: import('playwright-core').BrowserContext, close: () => Promise<void>}>}
 */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  const profile = await fsp.mkdtemp(path.join(os.tmpdir(), 'inkstone-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await fsp.rm(profile, { recursive: true, force: true });
    },
  };
}
