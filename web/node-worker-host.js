// Runs ./worker.js inside a Node worker_threads Worker (started by ./node.js): provides the
// `self` a dedicated worker has (postMessage, addEventListener for message, error and
// unhandledrejection). Messages that arrive while the worker module loads are kept and
// delivered after.

/** @type {(name: string) => Promise<any>} a computed name keeps Node's types out (see node.js) */
const nodeModule = (name) => import(name);
const { parentPort } = await nodeModule('node:worker_threads');
const proc = /** @type {any} */ (globalThis).process;

/** @type {Map<string, ((event: any) => void)[]>} */
const listeners = new Map();
/** @type {unknown[]} */
const early = [];
let ready = false;

/** @type {any} */ (globalThis).self = {
  postMessage: (/** @type {unknown} */ message, /** @type {Transferable[]} */ transfer) =>
    parentPort.postMessage(message, transfer || []),
  addEventListener: (/** @type {string} */ type, /** @type {(event: any) => void} */ fn) => {
    const list = listeners.get(type) || [];
    list.push(fn);
    listeners.set(type, list);
  },
};

/** @param {string} type @param {unknown} event */
function dispatch(type, event) {
  for (const fn of listeners.get(type) || []) fn(event);
}

parentPort.on('message', (/** @type {unknown} */ data) => {
  if (!ready) early.push(data);
  else dispatch('message', { data });
});
proc.on('uncaughtException', (/** @type {unknown} */ error) => dispatch('error', { message: String(error) }));
proc.on('unhandledRejection', (/** @type {unknown} */ reason) => dispatch('unhandledrejection', { reason }));

await import('./worker.js');
ready = true;
for (const data of early.splice(0)) dispatch('message', { data });

export {};  // a module (top-level await), with nothing to import from it
