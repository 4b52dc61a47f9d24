// The classroom's view of the runtime: for a prefix of tokens it asks the model (one step, through
// web/client.js) for the raw logits, the distribution at temperature 1, the attention of the
// newest token and, when the runtime has it, the Q/K/V of one layer and head. The classroom never
// invents a number: everything it shows comes from one of these records or from the runtime's
// sampler rules (sampler.js) applied to the record's logits.
//
// The model is loaded by the playground's loader (PoemEngine.load, site/app/engine.js): the same
// model store (Cache API, web/model-store.js) and the same SHA-256 check against the site's
// `<model>.sha256` sidecar, so both pages share one cached, verified copy. The probes then go
// through that loader's client. A GGUF of the user's own (the Models dialog) goes through the
// same loader (loadBlob), and is prompted as the playground prompts it (site/app/prompt-format.js).

import { PoemEngine } from '../app/engine.js';
import { poemPrompt, templateThinks, UNTITLED } from '../app/prompt-format.js';
import { tokenText } from './token-text.js';

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
 * @property {GuideRecord | null} guide  with guidance: `logits` above are the mix
 */

/**
 * The two runs guidance mixes (no constraint applies to either), as the runtime recorded them in
 * the guided run itself: `logits` = uncond + scale · (cond − uncond).
 * @typedef {object} GuideRecord
 * @property {number} scale           s
 * @property {Float32Array} cond      (nVocab) logits after the prompt with the title
 * @property {Float32Array} uncond    (nVocab) logits after the prompt with the title 无题
 */

/**
 * @typedef {object} ProbeRequest
 * @property {number[]} promptTokens
 * @property {number[]} chosen        tokens taken after the prompt
 * @property {object | null} constraint
 * @property {{scale: number, promptTokens: number[]} | null} guidance  classifier-free guidance
 *           against `promptTokens` (the prompt with the title 无题), as the playground writes
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
   * Loads a model the user brought (the Models dialog), through the playground's loader.
   * @param {Blob} blob
   */
  async loadBlob(blob) {
    this.info = null;
    this.info = await this.#loader.loadBlob(blob);
    return this.info;
  }

  /**
   * The prompt as the playground writes it for this model, and the same prompt with the title
   * 无题 (guidance's unconditioned prompt).
   * @param {string} formTag  Inkstone's form tag (<七绝>, …)
   * @param {string} title
   * @returns {Promise<{tokens: number[], untitled: number[]}>}
   */
  async prompt(formTag, title) {
    const style = await this.#loader.promptStyle();
    const thinks = templateThinks(this.info ?? {});
    const special = style === 'chatml';
    const encode = (/** @type {string} */ t) => {
      const p = poemPrompt(style, { tag: formTag, title: t, thinks });
      return this.ink.tokenize(p.text, { addBos: p.addBos, special });
    };
    return { tokens: await encode(title), untitled: await encode(UNTITLED) };
  }

  /**
   * Gives the worker the tone table and a rhyme book (assets/prosody/rhyme-<book>.tsv), as the
   * playground does: a 詩 by the classical book, a 詞 by the 詞 book ('ci').
   * @param {string} book
   * @param {boolean} [force] send the tables again
   */
  async useRhymeBook(book, force = false) {
    await this.#loader.useRhymeBook(book, force);
  }

  /**
   * Sends the 詞牌 table (assets/prosody/cipai.tsv) to the worker, once (the playground's loader
   * keeps it, and the client restores it in a new worker), and resolves with its patterns.
   * @returns {Promise<import('../web/protocol.js').CipaiPattern[]>}
   */
  loadCipai() {
    return this.#loader.loadCipai();
  }

  /**
   * Whether the loaded model's vocabulary spells the 詞 tag <词> as one token (the playground's
   * test): only then does the classroom offer the 詞.
   * @returns {Promise<boolean>}
   */
  async hasCiTag() {
    if ((await this.#loader.promptStyle()) !== 'inkstone') return false;
    return this.#loader.hasCiTag();
  }

  /**
   * What tokens spell (token-text.js): their bytes as text, <0xNN> for bytes that are not UTF-8
   * alone, control tokens (BOS, <|im_start|>) by their piece.
   * @param {number[]} ids
   * @returns {Promise<import('./token-text.js').TokenText[]>}
   */
  async pieces(ids) {
    if (!ids.length) return [];
    const [pieces, bytes] = await Promise.all([this.ink.tokenPieces(ids), this.ink.tokenBytes(ids)]);
    return ids.map((_, k) => tokenText(pieces[k], bytes[k]));
  }

  /**
   * Runs the model over the prefix and records the next step's probes. With a constraint the
   * chosen tokens are the run's forced prefix (the rules must see them; they are prefilled after
   * the prompt without steps of their own); without, they are part of the prompt. Either way the
   * runtime reuses its KV cache for the part shared with the previous step, so a step that adds
   * one token decodes one.
   * @param {ProbeRequest} request
   * @returns {Promise<StepRecord>}
   */
  async probe(request) {
    const { promptTokens, chosen, constraint, guidance, pick } = request;
    const withRules = constraint !== null;
    const probes = { distribution: true, attention: true, qkv: { layer: pick.layer, head: pick.head }, guidance: guidance !== null };
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
    if (guidance) {
      // The unconditioned run reads the same tokens after its own prompt: a forced prefix goes to
      // both runs, as in the playground; chosen ones folded into the prompt are folded into its too.
      options.guidanceScale = guidance.scale;
      options.guidancePrompt = withRules ? guidance.promptTokens : [...guidance.promptTokens, ...chosen];
    }
    if (withRules) {
      options.promptTokens = promptTokens;
      options.forcedPrefix = chosen;
      options.maxTokens = 1;
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
    // The two runs the mix is made of: the guided run's own (the runtime's guidance probe).
    /** @type {GuideRecord | null} */
    let guide = null;
    if (guidance) {
      if (!last.condLogits || !last.uncondLogits) throw new Error('the runtime gave no guidance probe');
      guide = { scale: guidance.scale, cond: last.condLogits, uncond: last.uncondLogits };
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
      guide,
    };
  }

  /**
   * A normal run of the runtime (it samples): for the temperature lanes.
   * @param {{promptTokens: number[], seed: number, temperature: number, topK: number,
   *          topP: number, minP: number, maxTokens: number, constraint: object | null,
   *          guidance: {scale: number, promptTokens: number[]} | null}} run
   * @returns {Promise<{tokens: number[], draws: number[], probs: number[]}>}
   */
  async normalRun(run) {
    const out = { tokens: /** @type {number[]} */ ([]),
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
      ...(run.guidance ? { guidanceScale: run.guidance.scale, guidancePrompt: run.guidance.promptTokens } : {}),
    })) {
      if (ev.type !== 'token') continue;
      out.tokens.push(ev.token);
      out.draws.push(typeof ev.draw === 'number' ? ev.draw : -1);
      out.probs.push(ev.prob);
    }
    return out;
  }
}
