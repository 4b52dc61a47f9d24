// The Inkstone service worker: offline app shell, model cache, COOP/COEP for threads.
//
// - App shell: every file of the build (HTML, JS, CSS, wasm, prosody tables, icons) is precached
//   under one cache per version ('inkstone-shell-<version>'). The list and the version (a hash of
//   the shell files) are written into BUILD below by tools/site/build.mjs, so a new build is a
//   byte-different sw.js, which the browser installs as an update. Install fetches every file
//   fresh and checks its SHA-256 against the list: a half-deployed server never yields a cache
//   that mixes an old wasm with new JS (the install fails and is retried on a later visit).
//   A page is served by one version for its whole life: the worker notes which version served
//   each page (and each worker a page starts), and keeps answering that client from that
//   version's cache, also after a newer version took over (another tab accepted an update); a
//   shell cache is deleted once no open client uses it. The new version takes over only when a
//   page asks (the "new version — reload" banner posts {type: 'skip-waiting'}).
// - Models: served from the model cache that web/model-store.js writes ('inkstone-models-v1'),
//   cache first. That cache is never deleted here, so models survive app updates.
// - Only same-origin GET requests inside the scope are answered; everything else goes to the
//   network untouched.
// - Every response it serves gets Cross-Origin-Opener-Policy: same-origin and
//   Cross-Origin-Embedder-Policy: require-corp, so the page becomes crossOriginIsolated (and the
//   threaded wasm can run) on static hosts that cannot set headers, and
//   Cross-Origin-Resource-Policy: same-origin, except the page other sites frame (embed.html:
//   cross-origin, as docs/hosting.md asks of a host). The host's own headers (its CSP, with
//   frame-ancestors) are kept. Without this worker the site still runs, single-threaded.
// All URLs are relative to the registration scope, so the site works under any sub-path.

/* eslint-env serviceworker */

/** @typedef {{version: string, files: {path: string, bytes: number, sha256: string}[]}} BuildList */
/**
 * Filled in by tools/site/build.mjs. In an unbuilt tree (site/ served directly) it stays null
 * and the worker only caches what passes through it (network first).
 */
const BUILD = /** @type {BuildList | null} */ (/*@BUILD@*/ null);

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

/** Pages any site may show in an <iframe> (docs/hosting.md). */
const FRAMABLE = /\/embed\.html$/;

/**
 * A copy of a response with the isolation headers added (and nothing else changed).
 * @param {Response} response
 * @param {ArrayBuffer | Blob | ReadableStream | null} [body]
 * @param {string} [path]  the URL path, when it may be a framable page
 */
function isolate(response, body, path = '') {
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) {
    return response;
  }
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', FRAMABLE.test(path) ? 'cross-origin' : 'same-origin');
  const init = { status: response.status, statusText: response.statusText, headers };
  // 204/304 have no body.
  if (response.status === 204 || response.status === 304) return new Response(null, init);
  return new Response(body === undefined ? response.body : body, init);
}

/**
 * Tells every window of ours something (quota errors, install failures).
 * @param {{type: string, message: string}} message
 */
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
          /** @type {ArrayBuffer | null} */
          let bytes = null;
          /** @type {Response | null} the response whose headers are kept */
          let fresh = null;
          for (const name of old) {
            const hit = await (await caches.open(name)).match(url);
            if (hit && hit.headers.get('x-inkstone-sha256') === file.sha256) {
              bytes = await hit.arrayBuffer();
              fresh = hit;
              break;
            }
          }
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
        await broadcast({ type: quota ? 'quota-error' : 'install-error', message: err instanceof Error ? err.message : String(err) });
        throw err;
      }
    })(),
  );
});

/** @param {unknown} err */
// (web/errors.js has the same test; this classic-script worker cannot import it.)
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
      // Old shells go once no open page uses them; the model cache (and anything not ours)
      // stays.
      if (BUILD) await collectShells();
      // No clients.claim(): a page that started without the worker finishes without it (one
      // page never mixes network and cached files); the next load is served by this worker,
      // with COOP/COEP, hence crossOriginIsolated.
    })(),
  );
});

// ---------------------------------------------------------------- which version serves whom

const PINS_CACHE = 'inkstone-client-versions';
const PINS_KEY = '/__inkstone_client_versions__';
/** @type {Map<string, string> | null} client id -> shell version (kept in a cache: workers stop) */
let pins = null;

async function loadPins() {
  if (pins) return pins;
  const map = new Map();
  try {
    const hit = await (await caches.open(PINS_CACHE)).match(PINS_KEY);
    if (hit) for (const [k, v] of Object.entries(await hit.json())) map.set(k, String(v));
  } catch {
    // a damaged record: start afresh
  }
  pins = pins || map;
  return pins;
}

async function savePins() {
  const map = await loadPins();
  const live = new Set((await sw.clients.matchAll({ type: 'all', includeUncontrolled: true })).map((c) => c.id));
  for (const id of map.keys()) if (!live.has(id) && !pending.has(id)) map.delete(id);
  const body = JSON.stringify(Object.fromEntries(map));
  await (await caches.open(PINS_CACHE)).put(PINS_KEY, new Response(body, { headers: { 'content-type': 'application/json' } }));
}

/** Client ids given a version before the client exists (matchAll does not list them yet). */
const pending = new Set();

/**
 * @param {string} clientId
 * @param {string} version
 */
async function pin(clientId, version) {
  if (!clientId) return;
  const map = await loadPins();
  map.set(clientId, version);
  pending.add(clientId);
  setTimeout(() => pending.delete(clientId), 60000);
  await savePins();
}

/** Deletes the shell caches of older versions that no open client uses. */
async function collectShells() {
  const map = await loadPins();
  const live = new Set((await sw.clients.matchAll({ type: 'all', includeUncontrolled: true })).map((c) => c.id));
  const used = new Set([VERSION]);
  for (const [id, version] of map) if (live.has(id) || pending.has(id)) used.add(version);
  for (const name of await caches.keys()) {
    if (name.startsWith(SHELL_PREFIX) && !used.has(name.slice(SHELL_PREFIX.length))) await caches.delete(name);
  }
}

sw.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'skip-waiting') sw.skipWaiting();
  else if (data.type === 'collect') event.waitUntil(collectShells());
  else if (data.type === 'version' && event.ports[0]) {
    const port = event.ports[0];
    const source = /** @type {Client | null} */ (event.source);
    event.waitUntil(loadPins().then((map) => {
      const version = (source && map.get(source.id)) || VERSION;
      port.postMessage({ version, current: VERSION, shellCache: SHELL_PREFIX + version, modelCache: MODEL_CACHE });
    }));
  }
});

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== location.origin || !request.url.startsWith(scope())) return;
  if (request.headers.has('range')) return; // partial content: leave it to the network
  event.respondWith(
    (async () => {
      // The version that serves this request: a page's own, or (a new page) the current one.
      // A worker a page starts gets the page's version.
      let version = VERSION;
      if (BUILD && request.mode !== 'navigate' && event.clientId) {
        const pinned = (await loadPins()).get(event.clientId);
        if (pinned && pinned !== VERSION && (await caches.has(SHELL_PREFIX + pinned))) version = pinned;
      }
      const resulting = /** @type {any} */ (event).resultingClientId;
      if (BUILD && resulting && (request.mode === 'navigate' || /worker$/.test(request.destination))) {
        event.waitUntil(pin(resulting, version).catch(() => {}));
      }
      return respond(request, url, SHELL_PREFIX + version);
    })(),
  );
});

/**
 * @param {Request} request
 * @param {URL} url
 * @param {string} shellCache  the shell cache of the version that serves this client
 * @returns {Promise<Response>}
 */
async function respond(request, url, shellCache) {
  const key = url.origin + url.pathname; // the query never selects a different shell file
  const isNavigation = request.mode === 'navigate';
  const shellKey = isNavigation && key === scope() ? abs('index.html') : key;

  if (BUILD) {
    const shell = await caches.open(shellCache);
    const hit = await shell.match(shellKey);
    if (hit) return isolate(hit, undefined, url.pathname);
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
    return isolate(response, undefined, url.pathname);
  } catch (err) {
    if (!BUILD) {
      const hit = await (await caches.open(SHELL_CACHE)).match(shellKey);
      if (hit) return isolate(hit, undefined, url.pathname);
    }
    if (isNavigation) {
      return isolate(new Response('Offline, and this page is not part of the app.', {
        status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' },
      }));
    }
    throw err;
  }
}
