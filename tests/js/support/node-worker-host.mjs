// Runs web/worker.js inside a Node worker_threads Worker: provides the `self` a dedicated
// worker has (postMessage, addEventListener for message/error/unhandledrejection).
import { parentPort } from 'node:worker_threads';

const listeners = new Map();
const early = [];
let ready = false;

globalThis.self = {
  postMessage: (message, transfer) => parentPort.postMessage(message, transfer || []),
  addEventListener: (type, fn) => {
    if (!listeners.has(type)) listeners.set(type, []);
    listeners.get(type).push(fn);
  },
};

function dispatch(type, event) {
  for (const fn of listeners.get(type) || []) fn(event);
}

parentPort.on('message', (data) => {
  if (!ready) early.push(data);
  else dispatch('message', { data });
});
process.on('uncaughtException', (error) => dispatch('error', { message: String(error) }));
process.on('unhandledRejection', (reason) => dispatch('unhandledrejection', { reason }));

await import('../../../web/worker.js');
ready = true;
for (const data of early.splice(0)) dispatch('message', { data });
