// Installable and offline: registers the service worker (sw.js at the site root), shows "a new
// version is ready — reload", offers the install button where the browser allows it, shows the
// storage in use, asks for persistent storage after the first poem (or on the "keep offline"
// button), reports quota errors, and hosts the model manager (bring your own GGUF) in a dialog.
//
// A page includes it with one external module (CSP: script-src 'self'):
//   <link rel="manifest" href="manifest.webmanifest">
//   <meta name="theme-color" content="#f4efe4">
//   <script type="module" src="pwa/register.js"></script>
//   <div id="pwa-bar"></div>            (optional: where the buttons go; created when missing)
//
// Events on window (see model-manager.js for the model ones):
//   'inkstone:model-selected'  (dispatched here) the user picked a model the runtime can run
//   'inkstone:model-loaded'    (the page may dispatch) { name } of the model running now
//   'inkstone:poem-done'       (the page may dispatch) after a poem finished: the moment this
//                               module asks for persistent storage (once)
//   'inkstone:pwa-update'      (dispatched here) { version } a new version waits for a reload
//
// Its words are in strings.js: English, Simplified or Traditional Chinese as the page's <html lang>
// says, and again whenever it changes (both pages set it; see strings.js).
//
// The worker controls the pages loaded after it was installed (it does not claim the page that
// installed it, and never reloads a page by itself): from the second visit on, pages are served
// with COOP/COEP, so they run crossOriginIsolated (threads) even on hosts that cannot set them.

import { isQuotaError } from '../web/errors.js';
import { ModelManager, formatBytes } from './model-manager.js';
import { say, sayAttr } from './strings.js';

const ROOT = new URL('../', import.meta.url);

/** @typedef {{version?: string, registration?: ServiceWorkerRegistration, manager?: ModelManager}} PwaState */
/** @type {PwaState & {ready: Promise<ServiceWorkerRegistration | null>}} */
const state = /** @type {any} */ ({});

/** Whether the page already tells the user that storage is full (the playground's notice). */
function pageShowsQuota() {
  const notice = document.querySelector('#notice[data-code="quota_exceeded"]');
  return notice instanceof HTMLElement && !notice.hidden;
}

function quotaBanner() {
  if (pageShowsQuota()) return;
  banner('error', 'quotaFull', null);
}
/** @type {any} */ (window).inkstonePwa = state;

/** @param {string} href */
function addStylesheet(href) {
  if (document.querySelector(`link[data-pwa-css]`)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  link.dataset.pwaCss = '';
  document.head.append(link);
}

function bar() {
  let node = document.getElementById('pwa-bar');
  if (!node) {
    node = document.createElement('div');
    node.id = 'pwa-bar';
    node.className = 'pwa-floating';
    document.body.append(node);
  }
  node.classList.add('pwa-bar');
  return node;
}

/**
 * A banner line with an optional action button (text and label are keys of strings.js).
 * @param {string} kind
 * @param {string} text
 * @param {{label: string, onClick: () => void} | null} action
 */
function banner(kind, text, action) {
  let node = /** @type {HTMLElement | null} */ (document.querySelector(`.pwa-banner[data-kind="${kind}"]`));
  if (!node) {
    node = document.createElement('div');
    node.className = 'pwa-banner';
    node.dataset.kind = kind;
    node.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    document.body.append(node);
  }
  node.replaceChildren();
  const p = document.createElement('span');
  say(p, text);
  node.append(p);
  if (action) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'pwa-btn primary';
    say(b, action.label);
    b.addEventListener('click', action.onClick);
    node.append(b);
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'pwa-btn';
  close.textContent = '×';
  sayAttr(close, 'aria-label', 'close');
  close.addEventListener('click', () => node.remove());
  node.append(close);
  return node;
}

/** @param {ServiceWorker} waiting */
function offerUpdate(waiting) {
  window.dispatchEvent(new CustomEvent('inkstone:pwa-update', { detail: {} }));
  banner('update', 'updateReady', {
    label: 'reload',
    onClick: () => {
      updating = true;
      waiting.postMessage({ type: 'skip-waiting' });
    },
  });
}

let updating = false;

async function registerWorker() {
  if (!('serviceWorker' in navigator)) return null;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (updating) location.reload();
    else if (state.version) {
      // Another tab accepted an update. This page keeps its own version's files (the worker
      // serves each page from the version that loaded it) until it reloads.
      banner('update', 'updatedElsewhere', {
        label: 'reload',
        onClick: () => location.reload(),
      });
    }
  });
  navigator.serviceWorker.addEventListener('message', (event) => {
    const data = event.data || {};
    if (data.type === 'quota-error') quotaBanner();
  });
  let registration;
  try {
    registration = await navigator.serviceWorker.register(new URL('sw.js', ROOT), { scope: ROOT.href });
  } catch (err) {
    console.warn('inkstone: no service worker:', err);
    return null;
  }
  if (!registration) return null; // service workers blocked (enterprise policy, automation)
  state.registration = registration;
  if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const installing = registration.installing;
    if (!installing) return;
    installing.addEventListener('statechange', () => {
      if (installing.state === 'installed' && navigator.serviceWorker.controller) offerUpdate(installing);
    });
  });
  // A long-open tab (a classroom) still hears about updates.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') registration.update().catch(() => {});
  });
  const controller = navigator.serviceWorker.controller;
  if (controller) {
    state.version = await askVersion(controller);
    // Old versions' shell caches that no open page uses any more can go now.
    controller.postMessage({ type: 'collect' });
  }
  return registration;
}

/**
 * @param {ServiceWorker} worker
 * @returns {Promise<string | undefined>}
 */
function askVersion(worker) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(undefined), 2000);
    channel.port1.onmessage = (e) => {
      clearTimeout(timer);
      resolve(e.data && e.data.version);
    };
    worker.postMessage({ type: 'version' }, [channel.port2]);
  });
}

function installButton() {
  /** @type {any} */
  let deferred = null;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'pwa-btn';
  say(button, 'install');
  button.hidden = true;
  button.dataset.role = 'install';
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    deferred = event;
    button.hidden = false;
  });
  window.addEventListener('appinstalled', () => {
    deferred = null;
    button.hidden = true;
  });
  button.addEventListener('click', async () => {
    if (!deferred) return;
    const prompt = deferred;
    deferred = null;
    button.hidden = true;
    await prompt.prompt();
  });
  return button;
}

/** The model manager in a dialog; its inspector is a single-threaded client of its own. */
function modelDialog() {
  const dialog = document.createElement('dialog');
  dialog.className = 'pwa-dialog';
  dialog.id = 'pwa-models';
  dialog.setAttribute('aria-labelledby', 'pwa-models-heading');
  const head = document.createElement('div');
  head.className = 'pwa-dialog-head';
  const h2 = document.createElement('h2');
  h2.id = 'pwa-models-heading';
  say(h2, 'models');
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'pwa-btn';
  close.textContent = '×';
  sayAttr(close, 'aria-label', 'close');
  close.addEventListener('click', () => dialog.close());
  head.append(h2, close);
  const body = document.createElement('div');
  dialog.append(head, body);
  document.body.append(dialog);

  /** @type {Promise<any> | null} */
  let inspector = null;
  const manager = new ModelManager({
    root: body,
    scope: ROOT.href,
    inspector: () => {
      if (!inspector) {
        inspector = import('../web/client.js').then(
          ({ Inkstone }) => new Inkstone({ wasmBase: new URL('wasm/', ROOT).href, build: 'inkstone' }),
        );
      }
      return inspector;
    },
  });
  state.manager = manager;
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'pwa-btn';
  say(open, 'models');
  open.dataset.role = 'models';
  open.setAttribute('aria-haspopup', 'dialog');
  open.addEventListener('click', () => {
    void manager.refresh();
    dialog.showModal();
  });
  return open;
}

async function askPersistOnce() {
  const storage = navigator.storage;
  if (!storage || !storage.persist || !storage.persisted) return;
  if (await storage.persisted()) return;
  await storage.persist().catch(() => false);
}

function storageLine() {
  const span = document.createElement('span');
  span.className = 'pwa-usage';
  span.dataset.role = 'usage';
  const update = async () => {
    const storage = navigator.storage;
    if (!storage || !storage.estimate) return;
    const { usage = 0, quota = 0 } = await storage.estimate();
    span.textContent = quota ? `${formatBytes(usage)} / ${formatBytes(quota)}` : '';
    sayAttr(span, 'title', 'usageTitle');
  };
  void update();
  return { span, update };
}

function init() {
  addStylesheet(new URL('pwa/pwa.css', ROOT).href);
  const node = bar();
  const usage = storageLine();
  node.append(installButton(), modelDialog(), usage.span);
  window.addEventListener('inkstone:poem-done', () => {
    void askPersistOnce().then(usage.update);
  }, { once: true });
  window.addEventListener('unhandledrejection', (event) => {
    const reason = event.reason;
    if (isQuotaError(reason)) quotaBanner();
  });
  state.ready = registerWorker().then((r) => {
    void usage.update();
    return r;
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init, { once: true });
else init();
