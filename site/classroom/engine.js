// The classroom's view of the runtime: for a prefix of tokens it asks the model (one step, through
// web/client.js) for the raw logits, the distribution at temperature 1, the attention of the
// newest token and, when the runtime has it, the Q/K/V of one layer and head. The classroom never
// invents a number: everything it shows comes from one of these records or from the runtime's
// sampler rules (sampler.js) applied to the record's logits.
//
// The model is loaded by the playground's loader (PoemEngine.load, site/app/engine.js): the same
// model store (Cache API, web/model-store.js) and the same SHA-256 check against the site's
// `<model>.sha256` sidecar, so both pages share one cached, verified copy. The probes then go
// through that loader's client.

import { PoemEngine } from '../app/engine.js';

/** @typedef {import('../web/protocol.js').ModelInfo} ModelInfo */

/**
 * The Q/K/V probe of one layer and head (absent when the runtime lacks it).
 * @typedef {object} QkvProbe
 * @property {number} layer
 * @property {number} head
 * @property {number} headDim
 * @property {Float32Array} q          (headDim) roped query of the newest token
 * @property {Float32Array} k          (nPos, headDim) roped keys of every visible position
 * @property {Float32Array} v          (nPos, headDim) values
 * @property {Float32Array} out        (headDim) the head's output, sum_j a_j v_j
 * @property {Float32Array} [embedding] (nEmbd) the newest token's input embedding
 */

/**
 * One step's probes, for the prefix `tokens`.
 * @typedef {object} StepRecord
 * @property {number[]} tokens        the prefix (prompt + chosen tokens) the model has read
 * @property {Float32Array} logits    (nVocab) raw logits for the next token
 * @property {Float32Array} dist1     (nVocab) the runtime's distribution at T = 1, no cuts
 *                                    (constraint applied when rules are on)
 * @property {Uint8Array | null} banned  tokens the constraint removed (rules on), else null
 * @property {number | null} maskedMass probability (T = 1) the constraint removed
 * @property {string | null} rule     the rule that removed the most
 * @property {Float32Array} attention (nLayer, nHead, nPos)
 * @property {number} nPos
 * @property {QkvProbe | null} qkv
 */

/**
 * @typedef {object} ProbeRequest
 * @property {number[]} promptTokens
 * @property {number[]} chosen        tokens taken after the prompt
 * @property {object | null} constraint
 * @property {{layer: number, head: number}} pick
 */

export class ClassroomEngine {
  /** the playground's loader: model store + SHA-256 check */
  #loader;
  /** @type {import('../web/client.js').Inkstone} */
  ink;
  /** @type {ModelInfo | null} */
  info = null;
  /** @param {{wasmBase: string}} options */
  constructor(options) {
    this.#loader = new PoemEngine({ wasmBase: options.wasmBase, build: 'inkstone' });
    this.ink = this.#loader.client;
  }

  /** The first 16 hex digits of the model's SHA-256 (as in share links), once loaded. */
  get modelId() {
    return this.#loader.modelId;
  }

  /**
   * Loads the model through the playground's loader (cached, SHA-256 checked).
   * @param {string} url
   * @param {(p: {phase: string, loaded: number, total: number}) => void} onProgress
   * @param {(error: import('../web/errors.js').InkstoneError) => void} [onStoreError] the model
   *        runs but could not be kept for offline use
   */
  async load(url, onProgress, onStoreError) {
    this.info = await this.#loader.load(url, onProgress, onStoreError);
    return this.info;
  }

  /**
   * @param {string} tables base URL of assets/prosody/
   */
  async loadProsody(tables) {
    await this.#loader.poetry.setProsody(
      { tones: new URL('tones.tsv', tables), rhyme: new URL('rhyme-classical.tsv', tables) },
      { fetch: true },
    );
  }

  /** @param {string} text */
  async tokenize(text) {
    return this.ink.tokenize(text, { addBos: true });
  }

  /**
   * The pieces of tokens as the vocabulary spells them (byte tokens as <0xNN>, BOS as <s>).
   * @param {number[]} ids
   * @returns {Promise<string[]>}
   */
  async pieces(ids) {
    return ids.length ? this.ink.tokenPieces(ids) : [];
  }

  /**
   * Runs the model over the prefix and records the next step's probes. With a constraint the
   * chosen tokens are forced one by one (the rules must see them); without, they are part of
   * the prompt (the runtime reuses its KV cache for the shared prefix).
   * @param {ProbeRequest} request
   * @returns {Promise<StepRecord>}
   */
  async probe(request) {
    const { promptTokens, chosen, constraint, pick } = request;
    const withRules = constraint !== null;
    const probes = { distribution: true, attention: true, qkv: { layer: pick.layer, head: pick.head } };
    /** @type {Record<string, any>} */
    const options = {
      seed: 0,
      temperature: 1,
      topK: 0,
      topP: 1,
      minP: 0,
      repeatPenalty: 1,
      stopAtEos: false,
      probes,
    };
    if (withRules) {
      options.promptTokens = promptTokens;
      options.forceTokens = chosen;
      options.maxTokens = chosen.length + 1;
      options.constraint = constraint;
    } else {
      options.promptTokens = [...promptTokens, ...chosen];
      options.maxTokens = 1;
    }
    /** @type {any} */
    let last = null;
    for await (const ev of this.ink.generate(options)) {
      if (ev.type === 'token') last = ev;
    }
    if (!last) throw new Error('the runtime produced no step');
    const dist1 = /** @type {Float32Array} */ (last.distribution);
    const logits = /** @type {Float32Array} */ (last.logits);
    /** @type {Uint8Array | null} */
    let banned = null;
    if (withRules) {
      // With T = 1 and no cuts, the only zeros of a finite logit's probability are the tokens
      // the constraint removed (or ones whose probability underflows float, which no cut or
      // draw can reach either).
      banned = new Uint8Array(logits.length);
      for (let i = 0; i < logits.length; i++) {
        if (dist1[i] === 0 && Number.isFinite(logits[i])) banned[i] = 1;
      }
    }
    return {
      tokens: [...promptTokens, ...chosen],
      logits,
      dist1,
      banned,
      maskedMass: typeof last.maskedMass === 'number' ? last.maskedMass : null,
      rule: last.rule || null,
      attention: last.attention,
      nPos: last.nPos,
      qkv: last.qkv || null,
    };
  }

  /**
   * A normal run of the runtime (it samples): for the temperature lanes.
   * @param {{promptTokens: number[], seed: number, temperature: number, topK: number,
   *          topP: number, minP: number, maxTokens: number, constraint: object | null}} run
   * @returns {Promise<{tokens: number[], texts: string[], draws: number[], probs: number[]}>}
   */
  async normalRun(run) {
    const out = { tokens: /** @type {number[]} */ ([]), texts: /** @type {string[]} */ ([]),
      draws: /** @type {number[]} */ ([]), probs: /** @type {number[]} */ ([]) };
    for await (const ev of this.ink.generate({
      promptTokens: run.promptTokens,
      seed: run.seed,
      temperature: run.temperature,
      topK: run.topK,
      topP: run.topP,
      minP: run.minP,
      repeatPenalty: 1,
      maxTokens: run.maxTokens,
      constraint: run.constraint,
      stopAtEos: true,
    })) {
      if (ev.type !== 'token') continue;
      out.tokens.push(ev.token);
      out.texts.push(ev.text);
      out.draws.push(typeof ev.draw === 'number' ? ev.draw : -1);
      out.probs.push(ev.prob);
    }
    return out;
  }
}
