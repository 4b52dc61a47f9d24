// The Inkstone service worker: offline app shell, model cache, COOP/COEP for threads.
//
// - App shell: every file of the build (HTML, JS, CSS, wasm, prosody tables, icons) is precached
//   under one cache per version ('inkstone-shell-<version>'). The list and the version (a hash of
//   the shell files) are written into BUILD below by tools/site/build.mjs, so a new build is a
//   byte-different sw.js, which the browser installs as an update. Install fetches every file
//   fresh and checks its SHA-256 against the list: a half-deployed server never yields a cache
//   that mixes an old wasm with new JS (the install fails and is retried on a later visit).
//   A page is served by one version for its whole life; the new one takes over only when the
//   page asks (the "new version — reload" banner posts {type: 'skip-waiting'}).
// - Models: served from the model cache that web/model-store.js writes ('inkstone-models-v1'),
//   cache first. That cache is never deleted here, so models survive app updates.
// - Only same-origin GET requests inside the scope are answered; everything else goes to the
//   network untouched.
// - Every response it serves gets Cross-Origin-Opener-Policy: same-origin and
//   Cross-Origin-Embedder-Policy: require-corp, so the page becomes crossOriginIsolated (and the
//   threaded wasm can run) on static hosts that cannot set headers. Without this worker the
//   site still runs, single-threaded.
// All URLs are relative to the registration scope, so the site works under any sub-path.

/* eslint-env serviceworker */

/**
 * Filled in by tools/site/build.mjs. In an unbuilt tree (site/ served directly) it stays null
 * and the worker only caches what passes through it (network first).
 * @type {{version: string, files: {path: string, bytes: number, sha256: string}[]} | null}
 */
const BUILD = /*@BUILD@*/ null;

const SHELL_PREFIX = 'inkstone-shell-';
const VERSION = BUILD ? BUILD.version : 'dev';
const SHELL_CACHE = `${SHELL_PREFIX}${VERSION}`;
const MODEL_CACHE = 'inkstone-models-v1'; // = DEFAULT_MODEL_CACHE in web/model-store.js

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
const scope = () => sw.registration.scope;

/** @param {string} path  relative to the scope */
const abs = (path) => new URL(path, scope()).href;

/** @param {ArrayBuffer} bytes */
async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A copy of a response with the isolation headers added (and nothing else changed).
 * @param {Response} response
 * @param {ArrayBuffer | Blob | ReadableStream | null} [body]
 */
function isolate(response, body) {
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) {
    return response;
  }
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  const init = { status: response.status, statusText: response.statusText, headers };
  // 204/304 have no body.
  if (response.status === 204 || response.status === 304) return new Response(null, init);
  return new Response(body === undefined ? response.body : body, init);
}

/** Tells every window of ours something (quota errors, install failures). */
async function broadcast(message) {
  const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows) client.postMessage(message);
}

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      if (!BUILD) return;
      const cache = await caches.open(SHELL_CACHE);
      // Files that an older version cached with the same hash are copied, not downloaded.
      const old = await previousShellCaches();
      const queue = BUILD.files.slice();
      const work = async () => {
        for (let file = queue.shift(); file; file = queue.shift()) {
          const url = abs(file.path);
          let bytes = null;
          for (const name of old) {
            const hit = await (await caches.open(name)).match(url);
            if (hit && hit.headers.get('x-inkstone-sha256') === file.sha256) {
              bytes = await hit.arrayBuffer();
              break;
            }
          }
          /** @type {Response | null} */
          let fresh = null;
          if (!bytes) {
            fresh = await fetch(url, { cache: 'reload', credentials: 'same-origin' });
            if (!fresh.ok) throw new Error(`precache ${file.path}: HTTP ${fresh.status}`);
            bytes = await fresh.arrayBuffer();
            const actual = await sha256Hex(bytes);
            if (actual !== file.sha256) {
              // The server holds another version of this file than the list: a deploy in
              // progress. Fail the install rather than mix versions.
              throw new Error(`precache ${file.path}: SHA-256 ${actual}, expected ${file.sha256}`);
            }
          }
          const headers = new Headers(fresh ? fresh.headers : undefined);
          headers.set('content-type', headers.get('content-type') || contentType(file.path));
          headers.set('content-length', String(bytes.byteLength));
          headers.set('x-inkstone-sha256', file.sha256);
          headers.delete('content-encoding');
          await cache.put(url, new Response(bytes, { status: 200, headers }));
        }
      };
      try {
        await Promise.all([work(), work(), work(), work()]);
      } catch (err) {
        await caches.delete(SHELL_CACHE);
        const quota = isQuotaError(err);
        await broadcast({ type: quota ? 'quota-error' : 'install-error', message: String(err && err.message || err) });
        throw err;
      }
    })(),
  );
});

/** @param {unknown} err */
function isQuotaError(err) {
  return !!err && typeof err === 'object' && /** @type {any} */ (err).name === 'QuotaExceededError';
}

async function previousShellCaches() {
  return (await caches.keys()).filter((k) => k.startsWith(SHELL_PREFIX) && k !== SHELL_CACHE);
}

/** @param {string} path */
function contentType(path) {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return {
    html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8',
    mjs: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8',
    json: 'application/json; charset=utf-8', webmanifest: 'application/manifest+json',
    wasm: 'application/wasm', svg: 'image/svg+xml', png: 'image/png',
    tsv: 'text/tab-separated-values; charset=utf-8', txt: 'text/plain; charset=utf-8',
    woff2: 'font/woff2',
  }[ext] || 'application/octet-stream';
}

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      // Old shells go; the model cache (and anything not ours) stays.
      if (BUILD) {
        for (const name of await previousShellCaches()) await caches.delete(name);
      }
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'skip-waiting') sw.skipWaiting();
  else if (data.type === 'version' && event.ports[0]) {
    event.ports[0].postMessage({ version: VERSION, shellCache: SHELL_CACHE, modelCache: MODEL_CACHE });
  }
});

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== location.origin || !request.url.startsWith(scope())) return;
  if (request.headers.has('range')) return; // partial content: leave it to the network
  event.respondWith(respond(request, url));
});

/**
 * @param {Request} request
 * @param {URL} url
 * @returns {Promise<Response>}
 */
async function respond(request, url) {
  const key = url.origin + url.pathname; // the query never selects a different shell file
  const isNavigation = request.mode === 'navigate';
  const shellKey = isNavigation && key === scope() ? abs('index.html') : key;

  if (BUILD) {
    const shell = await caches.open(SHELL_CACHE);
    const hit = await shell.match(shellKey);
    if (hit) return isolate(hit);
  }
  if (/\.gguf$/i.test(url.pathname)) {
    const model = await (await caches.open(MODEL_CACHE)).match(request.url);
    if (model) return isolate(model);
  }
  try {
    const response = await fetch(request);
    if (!BUILD && response.ok && response.type === 'basic' && !/\.gguf$/i.test(url.pathname)) {
      // Unbuilt tree: keep a copy of what passed through, for the next offline visit.
      const copy = response.clone();
      caches.open(SHELL_CACHE).then((c) => c.put(shellKey, copy)).catch(() => {});
    }
    return isolate(response);
  } catch (err) {
    if (!BUILD) {
      const hit = await (await caches.open(SHELL_CACHE)).match(shellKey);
      if (hit) return isolate(hit);
    }
    if (isNavigation) {
      return isolate(new Response('Offline, and this page is not part of the app.', {
        status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' },
      }));
    }
    throw err;
  }
}
