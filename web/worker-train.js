// The training half of the worker (web/worker.js): one Trainer of the wasm module
// (wasm_bindings/API.md "Training") and its run loop. Requests and events: web/protocol.js.
//
// A run (`train-resume`) trains in chunks of a few steps; after each chunk it posts a
// `train-progress` event, and it yields to the event loop so that `train-pause` / `train-stop`
// (handled on arrival, not queued) are seen within one chunk. Every `checkpointEveryMs` it posts
// a `train-checkpoint` event with the whole trainer state, which the page keeps: if the wasm
// aborts, a new worker continues from it (`train-start` with `state`).

/** @typedef {import('./protocol.js').TrainRunOptions} TrainRunOptions */

/**
 * @param {{requireWasm: () => any, checked: (r: any) => any, post: (m: any, t?: Transferable[]) => void,
 *          ReplyError: new (code: string, message: string) => Error}} host
 */
export function createTrainOps(host) {
  const { requireWasm, checked, post, ReplyError } = host;
  /** @type {any} the Embind Trainer */
  let trainer = null;
  /** Set by train-pause / train-stop on arrival; read between chunks. */
  let pauseRequested = false;
  let running = false;

  function requireTrainer() {
    if (!trainer) throw new ReplyError('invalid_state', 'no trainer: send train-start first');
    return trainer;
  }

  /** @param {Uint8Array} bytes */
  function owned(bytes) {
    const copy = new Uint8Array(bytes);
    return copy.buffer;
  }

  /** @param {any} payload */
  function start(payload) {
    if (running) throw new ReplyError('invalid_state', 'train-start: a run is in progress; pause it first');
    const text = String(payload.text ?? '');
    const r = checked(requireWasm().createTrainer(text, payload.config || {}, Number(payload.seed ?? 1)));
    if (trainer) trainer.delete();
    trainer = r.trainer;
    if (payload.state !== undefined) {
      const view = payload.state instanceof ArrayBuffer ? new Uint8Array(payload.state) : payload.state;
      checked(trainer.loadState(view));
    }
    return info();
  }

  function info() {
    const i = checked(requireTrainer().info());
    delete i.ok;
    return i;
  }

  /**
   * @param {any} t the trainer
   * @param {{prompt?: string, maxTokens?: number, temperature?: number, seed?: number}} s
   */
  function sampleWith(t, s) {
    const r = checked(t.sample(String(s.prompt ?? ''), {
      maxTokens: s.maxTokens ?? 64,
      temperature: s.temperature ?? 0.8,
      seed: s.seed ?? 0,
    }));
    return r.text;
  }

  /**
   * @param {number} id
   * @param {TrainRunOptions} payload
   */
  async function resume(id, payload) {
    const t = requireTrainer();
    if (running) throw new ReplyError('invalid_state', 'train-resume: already running');
    const total = t.info().totalSteps;
    const until = Math.min(total, Math.trunc(Number(payload.untilStep ?? total)));
    const chunk = Math.max(1, Math.trunc(Number(payload.chunk ?? 5)));
    const evalEveryMs = Number(payload.evalEveryMs ?? 2000);
    const sampleEveryMs = Number(payload.sampleEveryMs ?? 4000);
    const checkpointEveryMs = Number(payload.checkpointEveryMs ?? 10000);
    const heldOutWindows = Math.trunc(Number(payload.heldOutWindows ?? 16));
    running = true;
    pauseRequested = false;
    let lastEval = -Infinity;
    let lastSample = -Infinity;
    let lastCheckpoint = performance.now();
    let sampleCount = 0;
    try {
      let step = t.info().step;
      while (step < until && !pauseRequested) {
        const r = checked(t.step(Math.min(chunk, until - step)));
        step = r.step;
        /** @type {any} */
        const ev = {
          type: 'train-progress', id, step, losses: r.losses, loss: r.loss, gradNorm: r.gradNorm,
          lr: r.lr, tokens: r.tokens, ms: r.ms, tokensPerSecond: r.tokensPerSecond,
        };
        const now = performance.now();
        if (now - lastEval >= evalEveryMs || step >= until) {
          ev.heldOutLoss = checked(t.heldOutLoss(heldOutWindows)).loss;
          lastEval = now;
        }
        if (payload.sample && (now - lastSample >= sampleEveryMs || step >= until)) {
          ev.sample = sampleWith(t, { ...payload.sample, seed: (payload.sample.seed ?? 0) + sampleCount++ });
          lastSample = performance.now();
        }
        post(ev);
        if (now - lastCheckpoint >= checkpointEveryMs) {
          const state = owned(t.saveState());
          post({ type: 'train-checkpoint', id, step, state }, [state]);
          lastCheckpoint = performance.now();
        }
        // A timer, not the worker's MessageChannel trip: Node drains a port's messages in one
        // go, so a chain of self-posted messages would starve train-pause (a chunk is ~1 s, so
        // a timer's few ms of clamping cost nothing).
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      return { step, reason: step >= until ? 'done' : 'paused' };
    } finally {
      running = false;
      pauseRequested = false;
    }
  }

  return {
    /** A train-pause / train-stop arrived: the run stops after its current chunk. */
    requestPause() {
      if (running) pauseRequested = true;
    },
    /**
     * @param {number} id
     * @param {string} type
     * @param {any} payload
     * @returns {Promise<{result: any, transfer?: Transferable[]}>}
     */
    async dispatch(id, type, payload) {
      switch (type) {
        case 'train-start':
          return { result: start(payload) };
        case 'train-info':
          return { result: info() };
        case 'train-resume':
          return { result: await resume(id, payload) };
        case 'train-stop':
          if (trainer) trainer.delete();
          trainer = null;
          return { result: {} };
        case 'train-held-out':
          return { result: { loss: checked(requireTrainer().heldOutLoss(Math.trunc(Number(payload.windows ?? 16)))).loss } };
        case 'train-sample':
          return { result: { text: sampleWith(requireTrainer(), payload) } };
        case 'train-save': {
          const gguf = owned(requireTrainer().saveGguf(String(payload.name ?? 'inkstone-classroom')));
          return { result: { gguf }, transfer: [gguf] };
        }
        case 'train-state': {
          const t = requireTrainer();
          const state = owned(t.saveState());
          return { result: { state, step: t.info().step }, transfer: [state] };
        }
        default:
          throw new ReplyError('invalid_argument', `unknown request type ${JSON.stringify(type)}`);
      }
    },
    /** The wasm died: the Trainer is gone with it. */
    forget() {
      trainer = null;
      running = false;
    },
  };
}
