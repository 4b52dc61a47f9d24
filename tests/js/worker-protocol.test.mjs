// web/worker.js driven through its message protocol (web/protocol.js) in a Node worker thread:
// replies, token events, cancel mid-stream (with the message and with the shared flag), fatal.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { PROTOCOL_VERSION } from '../../web/protocol.js';
import { WASM_BASE_URL, WASM_DIR, fixtureModel, missingBuilds } from './support/paths.mjs';
import { requireOrSkip } from './support/require.mjs';
import { createNodeWorker } from './support/node-worker.mjs';

const skip = requireOrSkip(missingBuilds('inkstone'));

/** A raw protocol driver: send() -> reply promise; every message is logged in order. */
function open() {
  const worker = createNodeWorker();
  const log = [];
  const waiting = new Map();
  let nextId = 1;
  /** @type {(m: any) => void} */
  let onMessage = () => {};
  worker.addEventListener('message', ({ data }) => {
    log.push(data);
    onMessage(data);
    if (data.id !== undefined && data.type === undefined && waiting.has(data.id)) {
      waiting.get(data.id)(data);
      waiting.delete(data.id);
    }
  });
  const send = (type, payload = {}, transfer = []) => {
    const id = nextId++;
    const reply = new Promise((resolve) => waiting.set(id, resolve));
    worker.postMessage({ id, type, payload }, transfer);
    return { id, reply };
  };
  return {
    worker,
    log,
    send,
    /** @param {(m: any) => void} fn */
    tap(fn) {
      onMessage = fn;
    },
  };
}

async function initAndLoad(p, extra = {}) {
  const wasmBinary = new Uint8Array(fs.readFileSync(path.join(WASM_DIR, 'inkstone.wasm'))).buffer;
  const init = await p.send('init', { wasmBase: WASM_BASE_URL, build: 'inkstone', wasmBinary, ...extra }).reply;
  assert.equal(init.ok, true, JSON.stringify(init.error));
  assert.equal(init.result.protocolVersion, PROTOCOL_VERSION);
  assert.equal(init.result.build, 'inkstone');
  const bytes = fixtureModel('tiny-llama-q8_0.gguf').buffer;
  const load = await p.send('load', { bytes }, [bytes]).reply;
  assert.equal(load.ok, true, JSON.stringify(load.error));
  assert.equal(load.result.nVocab, 338);
  return load.result;
}

const GEN = { seed: 9, temperature: 1, topK: 0, topP: 1, minP: 0, maxTokens: 60, stopAtEos: false };

test('requests get exactly one reply; tokens stream as events before the summary', { skip }, async () => {
  const p = open();
  try {
    await initAndLoad(p);
    const tok = await p.send('tokenize', { text: '明月 光', addBos: true }).reply;
    assert.deepEqual(tok.result.tokens.slice(0, 1), [1]);
    const { id, reply } = p.send('generate', { promptTokens: [1, 280], options: GEN });
    const done = await reply;
    assert.equal(done.ok, true, JSON.stringify(done.error));
    const events = p.log.filter((m) => m.type === 'token' && m.id === id);
    assert.equal(events.length, 60);
    assert.deepEqual(events.map((e) => e.token), done.result.tokens);
    assert.deepEqual(events.map((e) => e.index), [...Array(60).keys()]);
    assert.equal(events.map((e) => e.text).join(''), done.result.text);
    assert.equal(done.result.reason, 'max_tokens');
    assert.ok(done.result.tokensPerSecond > 0);
    for (const key of ['prefillMs', 'firstTokenMs', 'decodeMs', 'totalMs']) {
      assert.equal(typeof done.result.timings[key], 'number', key);
    }
    // Every event precedes the reply.
    assert.ok(p.log.indexOf(events.at(-1)) < p.log.indexOf(done));
    const bad = await p.send('nonsense').reply;
    assert.equal(bad.ok, false);
    assert.equal(bad.error.code, 'invalid_argument');
  } finally {
    p.worker.terminate();
  }
});

for (const mode of ['message', 'shared flag']) {
  test(`cancel mid-stream (${mode}): at most one token after the worker saw the cancel`, { skip }, async () => {
    const p = open();
    const flag = mode === 'shared flag' ? new Int32Array(new SharedArrayBuffer(4)) : null;
    try {
      await initAndLoad(p, flag ? { cancelBuffer: flag.buffer } : {});
      const { id, reply } = p.send('generate', {
        promptTokens: [1, 280],
        options: { ...GEN, maxTokens: 0, slideWindow: true },  // endless without a cancel
      });
      let cancel = null;
      let received = 0;
      p.tap((m) => {
        if (m.type === 'token' && m.id === id && ++received === 5) {
          if (flag) Atomics.store(flag, 0, id);
          cancel = p.send('cancel', { target: id });
        }
      });
      const done = await reply;
      assert.equal(done.ok, false);
      assert.equal(done.error.code, 'aborted');
      const ack = await cancel.reply;
      assert.equal(ack.ok, true);
      const ackAt = p.log.indexOf(ack);
      const after = p.log.filter((m, i) => i > ackAt && m.type === 'token' && m.id === id);
      assert.ok(after.length <= 1, `${after.length} tokens after the cancel was seen`);
      // With the shared flag the loop stops at the next token boundary even before the message.
      // The worker is usable again afterwards.
      const again = await p.send('generate', { promptTokens: [1, 280], options: { ...GEN, maxTokens: 3 } }).reply;
      assert.equal(again.ok, true);
      assert.equal(again.result.tokens.length, 3);
    } finally {
      p.worker.terminate();
    }
  });
}

test('a wasm abort becomes one fatal event; later requests fail with crashed', { skip }, async () => {
  const p = open();
  try {
    await initAndLoad(p);
    const fatal = new Promise((resolve) => p.tap((m) => m.type === 'fatal' && resolve(m)));
    p.send('crash');
    const event = await fatal;
    assert.equal(event.error.code, 'crashed');
    assert.match(event.error.message, /abort/i);
    const after = await p.send('info').reply;
    assert.equal(after.ok, false);
    assert.equal(after.error.code, 'crashed');
    assert.equal(p.log.filter((m) => m.type === 'fatal').length, 1);
  } finally {
    p.worker.terminate();
  }
});
