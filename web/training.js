// Training on top of the generic client: a small llama model trained from a text in the
// client's worker (web/worker-train.js), never on the page's thread.
//
//   const ink = new Inkstone({ wasmBase: '/wasm/' });
//   const training = new Training(ink);
//   const info = await training.start(text, { dim: 64, steps: 600 }, 1);
//   const end = await training.run({ sample: { maxTokens: 32 } }, (ev) => plot(ev.step, ev.loss));
//   // elsewhere: await training.pause();  then training.run(...) again resumes
//   const gguf = await training.saveGguf();     // ArrayBuffer, an F32 GGUF the runtime loads
//
// The worker posts the whole trainer state every few seconds (train-checkpoint); the last one
// is kept here. If the wasm aborts, the run rejects with `crashed`, the client replaces the
// worker, and `recover()` starts the trainer again from that state: the last good weights.

import { CHANNEL } from './protocol.js';

/** @typedef {import('./protocol.js').TrainInfo} TrainInfo */
/** @typedef {import('./protocol.js').TrainRunOptions} TrainRunOptions */
/** @typedef {import('./protocol.js').TrainProgressEvent} TrainProgressEvent */
/** @typedef {import('./protocol.js').ClientChannel} ClientChannel */

export class Training {
  /** @type {ClientChannel} */
  #channel;
  /** @type {{text: string, config: object, seed: number} | null} */
  #spec = null;
  /** @type {{step: number, state: ArrayBuffer} | null} */
  #checkpoint = null;

  /** @param {import('./client.js').Inkstone} ink */
  constructor(ink) {
    this.#channel = ink[CHANNEL]();
  }

  /** The last state the worker sent (null before the first): what `recover()` continues from. */
  get checkpoint() {
    return this.#checkpoint;
  }

  /**
   * A fresh trainer (replacing any other) on `text`: one poem or line per line.
   * @param {string} text
   * @param {object} [config] web/protocol.js `train-start`
   * @param {number} [seed]
   * @returns {Promise<TrainInfo>}
   */
  async start(text, config = {}, seed = 1) {
    this.#spec = { text, config, seed };
    this.#checkpoint = null;
    return this.#channel.request('train-start', { text, config, seed });
  }

  /**
   * Starts the trainer again from the last checkpoint (after a crash; the worker is new).
   * @returns {Promise<TrainInfo>}
   */
  async recover() {
    if (!this.#spec) throw new Error('recover: nothing was started');
    const payload = { ...this.#spec, ...(this.#checkpoint ? { state: this.#checkpoint.state.slice(0) } : {}) };
    return this.#channel.request('train-start', payload);
  }

  /**
   * Trains until the schedule ends or `pause()`; resolves with where it stopped.
   * @param {TrainRunOptions} [options]
   * @param {(event: TrainProgressEvent) => void} [onProgress]
   * @returns {Promise<{step: number, reason: 'done'|'paused'}>}
   */
  run(options = {}, onProgress) {
    return this.#channel.request('train-resume', options, {
      onEvent: (event) => {
        if (event.type === 'train-checkpoint') this.#checkpoint = { step: event.step, state: event.state };
        else if (onProgress) onProgress(event);
      },
    });
  }

  /** Stops a run after its current chunk of steps (its `run()` resolves 'paused'). */
  pause() {
    return this.#channel.request('train-pause', {});
  }

  /** Stops any run and frees the trainer. */
  stop() {
    this.#spec = null;
    this.#checkpoint = null;
    return this.#channel.request('train-stop', {});
  }

  /** @returns {Promise<TrainInfo>} */
  info() {
    return this.#channel.request('train-info', {});
  }

  /** @param {number} [windows] @returns {Promise<number>} */
  async heldOutLoss(windows) {
    return (await this.#channel.request('train-held-out', { windows })).loss;
  }

  /**
   * @param {{prompt?: string, maxTokens?: number, temperature?: number, seed?: number}} [options]
   * @returns {Promise<string>}
   */
  async sample(options = {}) {
    return (await this.#channel.request('train-sample', options)).text;
  }

  /** @param {string} [name] @returns {Promise<ArrayBuffer>} the model as an F32 GGUF */
  async saveGguf(name) {
    return (await this.#channel.request('train-save', { name })).gguf;
  }

  /** @returns {Promise<{state: ArrayBuffer, step: number}>} */
  saveState() {
    return this.#channel.request('train-state', {});
  }
}
