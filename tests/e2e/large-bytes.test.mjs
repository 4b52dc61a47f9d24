// Model-sized bytes in headless Chromium (issue 20 item 5: models of 0.3-2 GB): past Chromium's
// in-memory blob space (about 500 MiB), a Blob built with `new Blob([bytes])` cannot be read
// back (NotReadableError) and a Response made from the bytes cannot be put in the Cache API
// (UnknownError). ModelStore.put() (a streamed body) must store that much, and get() and blob()
// (a Blob backed by the cache's files, which the Models dialog hands on) give the bytes back.
// Run: node --test tests/e2e/large-bytes.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, launchChromium, canRunChromium } from './server.mjs';
import { requireOrSkip } from '../js/support/require.mjs';

const skip = requireOrSkip(canRunChromium());
const N = 530_000_000;  // > 500 MiB (524,288,000 bytes)

/** @type {{context: import('playwright-core').BrowserContext, close: () => Promise<void>} | null} */
let browser = null;

before(async () => {
  if (!skip) browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
});

test('the model cache stores 530 MB and gives it back as bytes and as a readable Blob', { skip, timeout: 600000 }, async () => {
  const server = await startServer({ isolated: true });
  const page = await /** @type {any} */ (browser).context.newPage();
  try {
    await page.goto(`${server.url}/tests/e2e/pages/client-test.html`);
    const r = await page.evaluate(async (n) => {
      const { ModelStore } = await import('/web/model-store.js');
      const STEP = 4093;
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i += STEP) bytes[i] = 1 + ((i / STEP) % 251);
      bytes[n - 1] = 77;
      /** @param {Uint8Array} a  the pattern at every STEP-th byte and the last; zero between */
      const same = (a) => {
        if (a.length !== n || a[n - 1] !== 77 || a[1] !== 0 || a[n - 2] !== 0) return false;
        for (let i = 0; i < n - 1; i += STEP) if (a[i] !== 1 + ((i / STEP) % 251)) return false;
        return true;
      };
      const out = {};
      const store = new ModelStore({ cacheName: 'inkstone-large-bytes-test' });
      const url = `${location.origin}/large-model.gguf`;
      try {
        await store.put(url, bytes.buffer, 'not-checked');  // a given hash: no 530 MB SHA-256
        out.listed = (await store.list()).map((e) => e.bytes);
        out.cacheSame = same(new Uint8Array(await store.get(url)));
        const blob = await store.blob(url);
        out.blobSize = blob && blob.size;
        out.headSame = blob ? new Uint8Array(await blob.slice(0, 1).arrayBuffer())[0] === 1 : false;
        out.blobSame = blob ? same(new Uint8Array(await blob.arrayBuffer())) : false;
      } catch (e) {
        out.storeError = `${e.name}: ${e.message}`;
      } finally {
        await store.clear();
      }
      return out;
    }, N);
    assert.equal(r.storeError, undefined);
    assert.deepEqual(r.listed, [N]);
    assert.equal(r.cacheSame, true);
    assert.equal(r.blobSize, N);
    assert.equal(r.headSame, true);
    assert.equal(r.blobSame, true);
  } finally {
    await page.close();
    await server.close();
  }
});
