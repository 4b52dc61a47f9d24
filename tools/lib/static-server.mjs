// The one static file server of the tests and tools: `make serve` (tools/site/serve.mjs), the E2E
// tests (tests/e2e/server.mjs, tests/e2e/playground-server.mjs), the benchmarks and the
// screenshot tools. Serves a folder on 127.0.0.1 the way a static host would: MIME types for
// .wasm/.mjs/.webmanifest, HEAD, no paths outside the folder, optionally index.html for folders,
// COOP/COEP (crossOriginIsolated pages, so the threaded wasm can run), a CSP header, and the
// site's framing policy (docs/hosting.md: any page may frame embed.html, the other pages only
// the site itself).
//
//   const server = await startServer({ root: 'dist', isolated: true, directoryIndex: true });
//   ... fetch(`${server.url}index.html`) ...; server.requests lists the paths asked for
//   await server.close();
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** @type {Readonly<Record<string, string>>} */
export const MIME = Object.freeze({
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
});

/**
 * A strict Content-Security-Policy: wasm needs 'wasm-unsafe-eval'; nothing inline, nothing from
 * elsewhere (the policy web/README.md asks a host for).
 */
export const STRICT_CSP = [
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
 * The pages of the site that any other site may show in an <iframe> (docs/hosting.md). They get
 * `frame-ancestors *` (and, with COOP/COEP, `Cross-Origin-Resource-Policy: cross-origin`, so that
 * a crossOriginIsolated page can frame them too); every other page `frame-ancestors 'self'` and
 * `X-Frame-Options: SAMEORIGIN`.
 */
export const SITE_FRAMABLE = Object.freeze(['embed.html']);

/**
 * The framing headers of an HTML page: a CSP directive, and X-Frame-Options for browsers that
 * know no frame-ancestors.
 * @param {string} file  the page's path
 * @param {readonly string[]} framable  file names any site may frame
 * @returns {{directive: string, xFrameOptions: string | null, framable: boolean}}
 */
export function framingPolicy(file, framable) {
  if (framable.includes(path.basename(file))) return { directive: 'frame-ancestors *', xFrameOptions: null, framable: true };
  return { directive: "frame-ancestors 'self'", xFrameOptions: 'SAMEORIGIN', framable: false };
}

/**
 * @typedef {object} ServerOptions
 * @property {string} [root]            folder to serve (default: the repository root)
 * @property {number} [port]            0 (default): a free port
 * @property {string} [basePath]        serve under this sub-path ('/poems/'): anything else is
 *           404, which shows that every URL of a site is relative (default '/')
 * @property {boolean} [isolated]       COOP/COEP/CORP headers: pages are crossOriginIsolated
 * @property {string} [csp]             a Content-Security-Policy header for every response
 * @property {readonly string[]} [framable]  the site's framing policy (framingPolicy) on every
 *           HTML page: these file names may be framed by any page, the others only by their
 *           own origin (SITE_FRAMABLE for the site; default: no framing headers)
 * @property {boolean} [directoryIndex] a folder serves its index.html (default: 404)
 * @property {Record<string, string>} [files]  URL paths served from files outside the root
 *           ('/models/S15.gguf' → '/cache/S15.gguf')
 * @property {string} [cacheControl]    default 'no-store'
 * @property {(req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean} [intercept]
 *           answers a request itself (returns true) before the files are looked at
 */

/**
 * @typedef {object} StaticServer
 * @property {string} url         `http://127.0.0.1:PORT` followed by basePath without its
 *           trailing slash ('' for '/'), so `${url}/index.html` works either way
 * @property {number} port
 * @property {string[]} requests  every path asked for, in order
 * @property {() => Promise<void>} close
 */

/**
 * @param {ServerOptions} [options]
 * @returns {Promise<StaticServer>}
 */
export async function startServer(options = {}) {
  const root = path.resolve(options.root || ROOT);
  const base = options.basePath || '/';
  const files = new Map(Object.entries(options.files || {}));
  /** @type {string[]} */
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url || '/', 'http://127.0.0.1');
    requests.push(url.pathname);
    if (options.intercept && options.intercept(req, res, url)) return;
    const file = resolveFile(root, base, files, url.pathname);
    if (file === null) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (file === '') {
      res.writeHead(403).end('forbidden');
      return;
    }
    const found = await statFile(file, options.directoryIndex === true);
    if (!found) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    /** @type {Record<string, string>} */
    const headers = {
      'content-type': MIME[path.extname(found.file)] || 'application/octet-stream',
      'content-length': String(found.size),
      'cache-control': options.cacheControl || 'no-store',
      'x-content-type-options': 'nosniff',
    };
    const framing = options.framable && path.extname(found.file) === '.html' ? framingPolicy(found.file, options.framable) : null;
    const csp = [options.csp, framing && framing.directive].filter(Boolean).join('; ');
    if (csp) headers['content-security-policy'] = csp;
    if (framing && framing.xFrameOptions) headers['x-frame-options'] = framing.xFrameOptions;
    if (options.isolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
      headers['cross-origin-resource-policy'] = framing && framing.framable ? 'cross-origin' : 'same-origin';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    fs.createReadStream(found.file).pipe(res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port || 0, '127.0.0.1', () => resolve(undefined));
  });
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    url: `http://127.0.0.1:${port}${base.replace(/\/$/, '')}`,
    port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}

/**
 * The file a URL path names: null when it is not served, '' when it points outside the root.
 * @param {string} root
 * @param {string} base
 * @param {Map<string, string>} files
 * @param {string} pathname
 */
function resolveFile(root, base, files, pathname) {
  const extra = files.get(pathname);
  if (extra) return extra;
  if (!pathname.startsWith(base)) return null;
  let decoded;
  try {
    decoded = decodeURIComponent(pathname.slice(base.length - 1));
  } catch {
    return null;
  }
  const file = path.normalize(path.join(root, decoded));
  if (file !== root && !file.startsWith(root + path.sep)) return '';
  return file;
}

/**
 * @param {string} file
 * @param {boolean} directoryIndex
 * @returns {Promise<{file: string, size: number} | null>}
 */
async function statFile(file, directoryIndex) {
  try {
    let stat = await fsp.stat(file);
    if (stat.isDirectory() && directoryIndex) {
      file = path.join(file, 'index.html');
      stat = await fsp.stat(file);
    }
    return stat.isFile() ? { file, size: stat.size } : null;
  } catch {
    return null;
  }
}
