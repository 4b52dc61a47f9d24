// Faults in a real browser (headless Chromium), through the public client (web/client.js) on a
// test page (tests/e2e/pages/faults.html):
//   - a model download that fails (HTTP 404), is cut off mid-body (the server closes the
//     connection early) or is aborted by the user ends in a clear typed error
//     (network_error / aborted), and the model loaded before keeps working: it generates the
//     same tokens as before the failure;
//   - the worker dying under the page (an uncaught error in the worker: what the page sees when
//     the browser kills it for memory) rejects the running generation with `crashed`, the
//     client replaces the worker, reloads the model, and the next generation matches.
// The shared static server (tools/lib/static-server.mjs) serves the repository, and the fault
// routes under /fault/ answer first.
//   node --test tests/e2e/faults.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { ROOT, CSP, canRunChromium, launchChromium } from './server.mjs';
import { startServer as startStaticServer } from '../../tools/lib/static-server.mjs';
import { missingFiles, requireOrSkip } from '../js/support/require.mjs';

const WASM = path.join(ROOT, 'build-wasm/wasm_bindings/inkstone.wasm');
const skip = requireOrSkip(canRunChromium(), missingFiles(ROOT, WASM));
const MODEL = fs.readFileSync(path.join(ROOT, 'tests/fixtures/models/tiny-llama-q4_0.gguf'));
const OTHER = fs.readFileSync(path.join(ROOT, 'tests/fixtures/models/tiny-llama-f16.gguf'));
/**
 * The model with `llama.context_length` rewritten to 2^31 - 1: a valid file whose declared
 * context needs far more KV cache than a wasm32 heap can ever hold.
 * @param {Buffer} gguf
 */
function withHugeContext(gguf) {
  const out = Buffer.from(gguf);
  const key = Buffer.from('llama.context_length');
  const at = out.indexOf(key);
  assert.ok(at > 0, 'no llama.context_length key');
  assert.equal(out.readUInt32LE(at + key.length), 4, 'llama.context_length is not a uint32');
  out.writeUInt32LE(0x7fffffff, at + key.length + 4);
  return out;
}
const HUGE_CONTEXT = withHugeContext(MODEL);

/** @type {import('../../tools/lib/static-server.mjs').StaticServer | undefined} */
let server;
let base = '';
/** @type {Awaited<ReturnType<typeof launchChromium>>} */
let browser;

function faultRoute(name, res) {
  const head = { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' };
  switch (name) {
    case 'model.gguf':
      res.writeHead(200, { ...head, 'content-length': MODEL.length }).end(MODEL);
      return;
    case 'other.gguf':
      res.writeHead(200, { ...head, 'content-length': OTHER.length }).end(OTHER);
      return;
    case 'huge-context.gguf':
      res.writeHead(200, { ...head, 'content-length': HUGE_CONTEXT.length }).end(HUGE_CONTEXT);
      return;
    case 'missing.gguf':
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    case 'cut.gguf':  // promises the whole file, sends a third, then drops the connection
      res.writeHead(200, { ...head, 'content-length': OTHER.length });
      res.write(OTHER.subarray(0, Math.floor(OTHER.length / 3)), () => setTimeout(() => res.socket?.destroy(), 50));
      return;
    case 'slow.gguf': {  // 8 KiB every 50 ms (the test aborts it part-way)
      res.writeHead(200, { ...head, 'content-length': OTHER.length });
      let offset = 0;
      const timer = setInterval(() => {
        if (res.destroyed || offset >= OTHER.length) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(OTHER.subarray(offset, offset + 8192));
        offset += 8192;
      }, 50);
      res.on('close', () => clearInterval(timer));
      return;
    }
    default:
      res.writeHead(404).end();
  }
}

before(async () => {
  if (skip) return;
  server = await startStaticServer({
    csp: CSP,
    intercept: (req, res, url) => {
      if (!url.pathname.startsWith('/fault/')) return false;
      faultRoute(url.pathname.slice(7), res);
      return true;
    },
  });
  base = server.url;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function openFaultsPage() {
  const page = await browser.context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/tests/e2e/pages/faults.html`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  const call = (/** @type {string} */ fn, /** @type {any[]} */ ...args) =>
    page.evaluate(([f, a]) => /** @type {any} */ (window).inkFaults[f](...a), /** @type {[string, any[]]} */ ([fn, args]));
  return { page, call, errors };
}

/** The faults page with the small model loaded, and its reference generation. */
async function openWithModel() {
  const opened = await openFaultsPage();
  assert.equal((await opened.call('start', `${base}/fault/model.gguf`)).ok, true);
  const reference = await opened.call('generate');
  assert.equal(reference.ok, true);
  return { ...opened, reference };
}

/**
 * Starts an endless generation; resolves once tokens stream, with the promise of its end.
 * @param {import('playwright-core').Page} page
 * @param {(fn: string, ...args: any[]) => Promise<any>} call
 */
async function startEndless(page, call) {
  const running = call('generateUntilFailure');
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'generating', null, { timeout: 30_000 });
  return { running };
}

test('failed, cut-off and aborted downloads give a clear error; the previous model keeps working', { skip, timeout: 120_000 }, async () => {
  const { page, call, errors } = await openFaultsPage();
  const started = await call('start', `${base}/fault/model.gguf`);
  assert.equal(started.ok, true, JSON.stringify(started));
  const reference = await call('generate');
  assert.equal(reference.ok, true, JSON.stringify(reference));
  assert.equal(reference.value.length, 12);

  const cases = [
    ['HTTP 404', `${base}/fault/missing.gguf`, 0, 'network_error'],
    ['connection dropped mid-body', `${base}/fault/cut.gguf`, 0, 'network_error'],
    ['aborted by the user mid-download', `${base}/fault/slow.gguf`, 32 * 1024, 'aborted'],
  ];
  for (const [what, url, abortAfter, code] of cases) {
    const r = await call('load', url, abortAfter);
    assert.equal(r.ok, false, `${what}: the load succeeded`);
    assert.equal(r.error.code, code, `${what}: ${JSON.stringify(r.error)}`);
    assert.ok(r.error.message.length > 0, `${what}: empty message`);
    const name = await call('name');
    assert.deepEqual(name, { ok: true, value: 'tiny-llama-q4_0' }, `${what}: the previous model is gone`);
    const again = await call('generate');
    assert.deepEqual(again, reference, `${what}: the previous model no longer generates the same tokens`);
  }
  // After all that, a good download still loads.
  const other = await call('load', `${base}/fault/other.gguf`);
  assert.equal(other.ok, true, JSON.stringify(other));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a model declaring a context no wasm heap can hold: out_of_memory before allocating, the worker keeps working', { skip, timeout: 120_000 }, async () => {
  const { call, page, errors } = await openFaultsPage();
  assert.equal((await call('start', `${base}/fault/model.gguf`)).ok, true);
  const reference = await call('generate');
  assert.equal(reference.ok, true);
  const heapBefore = await call('heapBytes');
  // Asked for its whole declared context (maxCtx 0: no cap), it is refused before allocating.
  const huge = await call('loadWith', `${base}/fault/huge-context.gguf`, { maxCtx: 0 });
  assert.equal(huge.ok, false);
  assert.equal(huge.error.code, 'out_of_memory', JSON.stringify(huge.error));
  assert.match(huge.error.message, /n_ctx 2147483647/);
  // Lifting the caller's memory cap does not help: the wasm32 address space is the limit.
  const uncapped = await call('loadWith', `${base}/fault/huge-context.gguf`, { maxCtx: 0, maxMemoryBytes: 2 ** 40 });
  assert.equal(uncapped.ok, false);
  assert.equal(uncapped.error.code, 'out_of_memory', JSON.stringify(uncapped.error));
  const state = await call('settled');
  assert.equal(state.crashes, 0, 'the worker crashed');
  assert.ok((await call('heapBytes')) < heapBefore + (64 << 20), 'the wasm heap grew for a refused model');
  // With the client's default cap (DEFAULT_MAX_CTX positions) the same file loads.
  assert.equal((await call('load', `${base}/fault/huge-context.gguf`)).ok, true);
  assert.equal((await call('load', `${base}/fault/model.gguf`)).ok, true);
  assert.deepEqual(await call('generate'), reference);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a wasm abort in the middle of a generation: crashed, replaced, model reloaded, same tokens', { skip, timeout: 120_000 }, async () => {
  const { page, call, errors, reference } = await openWithModel();
  const { running } = await startEndless(page, call);
  const crash = await call('abortWasm');  // abort() inside the wasm, while tokens stream
  assert.equal(crash.ok, false);
  assert.equal(crash.error.code, 'crashed');
  const ended = await running;
  assert.equal(ended.ok, false);
  assert.equal(ended.error.code, 'crashed', JSON.stringify(ended.error));
  assert.ok(ended.tokens >= 5);
  const state = await call('settled');
  assert.deepEqual([state.crashes, state.events], [1, ['crash', 'recovered']]);
  assert.deepEqual(await call('generate'), reference);
  assert.deepEqual(errors, []);
  await page.close();
});

test('storage full (quota error): the model still loads and runs, the user is told it was not stored', { skip, timeout: 120_000 }, async () => {
  const { page, call, errors } = await openFaultsPage();
  assert.equal((await call('start', `${base}/fault/other.gguf`)).ok, true);
  // A real quota: Chromium refuses Cache API writes beyond it with QuotaExceededError.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: base, quotaSize: 1024 });
  const r = await call('loadStored', `${base}/fault/model.gguf`);
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.value, 'tiny-llama-q4_0');
  assert.deepEqual(r.storeErrors.map((/** @type {any} */ e) => e.code), ['quota_exceeded'], JSON.stringify(r.storeErrors));
  assert.equal(r.cached, false, 'nothing was stored');
  const after = await call('generate');
  assert.equal(after.ok, true, JSON.stringify(after));
  assert.deepEqual(await call('name'), { ok: true, value: 'tiny-llama-q4_0' }, 'the new model (not the previous one) runs');
  // With room again, the same call stores the model and reports nothing.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: base });
  const again = await call('loadStored', `${base}/fault/model.gguf`);
  assert.deepEqual([again.ok, again.storeErrors, again.cached], [true, [], true]);
  assert.deepEqual(await call('generate'), after);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a worker killed under the page: crashed, replaced, model reloaded, same tokens', { skip, timeout: 120_000 }, async () => {
  const { page, call, errors, reference } = await openWithModel();

  const { running } = await startEndless(page, call);
  const workers = page.workers().filter((w) => w.url().endsWith('/web/worker.js'));
  assert.equal(workers.length, 1, `workers: ${page.workers().map((w) => w.url())}`);
  // An uncaught error at the worker's top level: the Worker object fires `error` in the page,
  // as it does when the browser ends a worker that ran out of memory.
  await workers[0].evaluate(() => {
    setTimeout(() => {
      throw new Error('worker killed by the fault test');
    }, 0);
  });
  const ended = await running;
  assert.equal(ended.ok, false, 'the generation did not fail');
  assert.equal(ended.error.code, 'crashed', JSON.stringify(ended.error));
  assert.ok(ended.tokens >= 5);

  const state = await call('settled');
  assert.equal(state.crashes, 1);
  assert.deepEqual(state.events, ['crash', 'recovered']);
  assert.deepEqual(await call('name'), { ok: true, value: 'tiny-llama-q4_0' });
  assert.deepEqual(await call('generate'), reference, 'after recovery the model generates the same tokens');
  assert.deepEqual(errors, []);
  await page.close();
});

// A worker that ends without an `error` event (self.close(), or a browser that stops it
// silently) is noticed through its lifeline lock (Web Locks; see web/protocol.js `init`):
// the running generation rejects with `crashed`, and the client recovers as above.
test('a worker that stops silently is noticed: crashed, replaced, model reloaded, same tokens', { skip, timeout: 120_000 }, async () => {
  const { page, call, errors, reference } = await openWithModel();

  const { running } = await startEndless(page, call);
  const worker = page.workers().find((w) => w.url().endsWith('/web/worker.js'));
  assert.ok(worker);
  await worker.evaluate(() => /** @type {any} */ (self).close()).catch(() => {});
  const kPatienceMs = 10_000;
  const ended = await Promise.race([running, new Promise((resolve) => setTimeout(() => resolve('pending'), kPatienceMs))]);
  assert.notEqual(ended, 'pending', `the generation was still pending ${kPatienceMs} ms after the worker stopped`);
  assert.equal(/** @type {any} */ (ended).ok, false);
  assert.equal(/** @type {any} */ (ended).error.code, 'crashed', JSON.stringify(/** @type {any} */ (ended).error));

  const state = await call('settled');
  assert.equal(state.crashes, 1);
  assert.deepEqual(state.events, ['crash', 'recovered']);
  assert.deepEqual(await call('generate'), reference, 'after recovery the model generates the same tokens');
  assert.deepEqual(errors, []);
  await page.close();
});
