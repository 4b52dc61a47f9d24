// The playground's use of the Inkstone client (web/client.js): load the default model with
// progress, and turn a poem request into a streaming generation.
//
// Prompt format of the poetry model (GGUF `inkstone.prompt_format`):
//   <s> + form tag (<五绝> <七绝> <五律> <七律> <其他>, <词> from run 2 on) + title + "\n", then
//   the body, then </s>. A 詞 is prompted <词>詞牌 (its title is its 詞牌); a model without the
//   <词> token gets <其他>詞牌, and the {"cipai"} constraint still forces the 詞牌.
// Other models (a Qwen GGUF of the user's own) are asked in plain words or in ChatML
// (prompt-format.js); the constraint engine forces the form either way.
// A given opening ("first line", or the prefix kept when the user picks another character) is
// forced token by token at the start of the body, so the constraint engine walks through it
// like generated text and the seeded sampler starts after it: the same opening and seed give the
// same poem again (share-link replay relies on this).

import { Inkstone, InkstoneError, ModelStore } from '../web/client.js';
import { sha256Hex } from '../web/model-store.js';
import { Poetry } from '../web/poetry.js';
import { planForm } from './forms.js';
import { GuidanceTokens } from './guidance-tokens.js';
import { poemPrompt, promptStyle, templateThinks } from './prompt-format.js';
import { FIXED_SAMPLING } from './writing-defaults.js';

/** @typedef {import('../web/client.js').TokenEvent} TokenEvent */
/** @typedef {import('../web/protocol.js').GenerateSummary} GenerateSummary */
/** @typedef {import('../web/protocol.js').ModelInfo} ModelInfo */
/** @typedef {import('./forms.js').FormChoice} FormChoice */

/**
 * The wasm build for a model of `bytes` bytes. Threads pay only for larger models: with 2
 * threads Chromium decodes S15-Q8_0 (17 MB) 1.20× and S110-Q8_0 (117 MB) 1.43× as fast as with
 * one, but P8-Q8_0 (15 MB) 0.90× and the 5 MB poetry model 0.76× (tools/bench/README.md). So
 * the site's own model runs the plain build, which needs no cross-origin isolation, and a model
 * of the user's own from 16 MiB up runs the threaded build where the page is crossOriginIsolated
 * (the service worker's COOP/COEP headers make it so on any static host; docs/hosting.md).
 * Output is the same either way: the core's reductions do not depend on the thread count.
 * @param {number} bytes
 * @returns {'inkstone'|'inkstone-mt'}
 */
export function buildFor(bytes) {
  const isolated = typeof SharedArrayBuffer === 'function' && Boolean(/** @type {any} */ (globalThis).crossOriginIsolated);
  return isolated && bytes >= 16 << 20 ? 'inkstone-mt' : 'inkstone';
}

/** Where the default model lives, relative to the page. */
export const DEFAULT_MODEL_URL = 'assets/models/inkstone-poetry-q8_0.gguf';

/** How many alternatives each step records (for the character popover). */
const TOP_ALTERNATIVES = 8;

/**
 * What each step of a poem reports as it is written: its best alternatives. Not its logits and
 * final distribution (2 × nVocab floats a step): streaming those cost the playground about a
 * third of its writing speed in Chromium (a 七律: 1.4-1.5× as many characters per second without
 * them; tools/bench/README.md, writing-pace.mjs). The popover's forbidden characters need them for one step at a
 * time, and PoemEngine.stepDetails computes that step again when it is opened.
 */
export const WRITING_PROBES = Object.freeze({ topAlternatives: TOP_ALTERNATIVES });

/**
 * The generate options that compute one step of a poem again: the poem's own options (prompt,
 * constraint, guidance, sampling) with the tokens written before that step as a forced prefix
 * (the constraint, the repeat window and guidance read them as they read the poem's tokens) and
 * one step, probed for its logits and final distribution. The seed changes the draw, never the
 * distribution, so the step's probes equal those of the poem's own step, bit for bit.
 * @template {object} T
 * @param {T} options  the options the poem was written with (PoemEngine.write)
 * @param {number[]} prefix  the tokens before the step, a forced opening included
 */
export function stepOptions(options, prefix) {
  return { ...options, forceTokens: [], forcedPrefix: prefix, maxTokens: 1, probes: { logits: true } };
}

/**
 * @typedef {object} PoemRequest
 * @property {string} title       Simplified
 * @property {string} opening     given start of the body (Simplified), may be ''
 * @property {FormChoice} choice
 * @property {string} rhymeBook   'xinyun' | 'classical' (平水韵 平声 groups) | 'ci' (the 詞 book,
 *           always for a 詞) (assets/prosody/rhyme-<id>.tsv)
 * @property {number} [rhymeGroup] keep this rhyme group (rewriting one line of a poem)
 * @property {number[]} [slotGroups] keep each rhyme of a 詞 (rewriting one line of it)
 * @property {{temperature: number, topK: number, topP: number, seed: number, guidance?: number, noRepeat?: boolean}} sampling
 * @property {AbortSignal} [signal]
 */

export class PoemEngine {
  /** @type {Inkstone} */
  #ink;
  /** tone and rhyme tables, the analyser (web/poetry.js) */
  poetry;
  /** @type {ModelInfo | null} */
  info = null;
  /** model id for share links: the first 16 hex digits of the model's SHA-256 */
  modelId = '';
  /** @type {Promise<ModelInfo> | null} */
  #loading = null;
  /** @type {Map<number, string>} */
  #pieces = new Map();
  /** the rhyme book the worker has */
  #rhymeBook = '';
  /** @type {Promise<import('../web/protocol.js').CipaiPattern[]> | null} the 詞牌 table, sent once */
  #cipai = null;
  /** @type {Promise<boolean> | null} whether the loaded model has the <词> tag */
  #ciTag = null;
  /** @type {Promise<import('./prompt-format.js').PromptStyle> | null} how the model is asked */
  #style = null;
  /** the guidance prompt's tokens, once per model and form */
  #guidance;

  /** @param {{wasmBase: string, build: 'auto'|'inkstone'|'inkstone-mt'}} options */
  constructor(options) {
    this.#ink = new Inkstone({ wasmBase: options.wasmBase, build: options.build });
    this.poetry = new Poetry(this.#ink);
    this.#guidance = new GuidanceTokens((text, o) => this.#ink.tokenize(text, o));
  }

  get ready() {
    return this.info !== null;
  }

  /**
   * Downloads (or reads from the cache) and loads the model.
   * @param {string} url
   * @param {(p: {phase: string, loaded: number, total: number}) => void} onProgress
   * @param {(error: import('../web/errors.js').InkstoneError) => void} [onStoreError] the model
   *        runs but could not be kept for offline use (storage full)
   * @returns {Promise<ModelInfo>}
   */
  load(url, onProgress, onStoreError) {
    if (!this.#loading || !this.info) {
      this.#loading = this.#load(url, onProgress, onStoreError);
      this.#loading.catch(() => {
        this.#loading = null;
      });
    }
    return this.#loading;
  }

  /**
   * @param {string} url
   * @param {(p: {phase: string, loaded: number, total: number}) => void} onProgress
   * @param {(error: import('../web/errors.js').InkstoneError) => void} [onStoreError]
   */
  async #load(url, onProgress, onStoreError) {
    const absolute = new URL(url, location.href).href;
    /** @type {ModelStore | undefined} */
    let store = new ModelStore();
    try {
      await caches.keys();
    } catch {
      store = undefined; // no Cache API (opaque origin, private mode): download every time
    }
    const sha256 = await expectedHash(absolute);
    this.#ciTag = null;
    this.#style = null;
    this.#guidance.clear();
    await this.#ink.useBuild('inkstone');  // the site's own model is small (buildFor)
    const info = await this.#ink.load(absolute, { onProgress, store, sha256, onStoreError });
    this.info = info;
    if (sha256) this.modelId = sha256.slice(0, 16);
    if (store && !this.modelId) {
      const entry = (await store.list()).find((e) => e.url === absolute);
      if (entry && entry.sha256) this.modelId = entry.sha256.slice(0, 16);
    }
    if (!this.modelId) this.modelId = fallbackModelId(info);
    return info;
  }

  /**
   * Loads a model the user brought (a GGUF file from the model manager, site/pwa/).
   * @param {Blob} blob
   * @returns {Promise<ModelInfo>}
   */
  async loadBlob(blob) {
    // The blob itself goes to the client (which reads it again): its copy for crash recovery
    // is then the blob, not a second one of a model that may be 0.5 GB and more.
    const hash = await sha256Hex(await blob.arrayBuffer());
    this.info = null;
    this.#pieces.clear();
    this.#ciTag = null;
    this.#style = null;
    this.#guidance.clear();
    await this.#ink.useBuild(buildFor(blob.size));
    const info = await this.#ink.load(blob);
    this.info = info;
    this.modelId = hash.slice(0, 16);
    this.#loading = Promise.resolve(info);
    return info;
  }

  /**
   * Gives the worker the tone table and a rhyme book (constraints and the analyser use them).
   * @param {string} book  rhyme book id: assets/prosody/rhyme-<book>.tsv
   * @param {boolean} [force] send the tables again
   */
  async useRhymeBook(book, force = false) {
    if (this.#rhymeBook === book && !force) return;
    const base = new URL('assets/prosody/', location.href);
    await this.poetry.setProsody(
      { tones: new URL('tones.tsv', base), rhyme: new URL(`rhyme-${book}.tsv`, base) },
      { fetch: true },
    );
    this.#rhymeBook = book;
  }

  /**
   * Sends the 詞牌 table (assets/prosody/cipai.tsv) to the worker, once, and resolves with its
   * patterns. It needs no model: the picker can list them while the model downloads.
   * @returns {Promise<import('../web/protocol.js').CipaiPattern[]>}
   */
  loadCipai() {
    if (!this.#cipai) {
      const url = new URL('assets/prosody/cipai.tsv', location.href);
      this.#cipai = this.poetry.setCipai(url, { fetch: true }).then(() => this.poetry.cipaiPatterns());
      this.#cipai.catch(() => {
        this.#cipai = null;
      });
    }
    return this.#cipai;
  }

  /**
   * How the loaded model is prompted: Inkstone's tags when its vocabulary spells them as single
   * tokens, else ChatML or plain words (prompt-format.js).
   * @returns {Promise<import('./prompt-format.js').PromptStyle>}
   */
  promptStyle() {
    if (!this.#style) {
      const info = this.info ?? {};
      this.#style = Promise.all(['<七绝>', '<其他>'].map((t) => this.#ink.tokenize(t, { addBos: false }))).then(
        (ids) => promptStyle(info, ids.every((x) => x.length === 1)),
      );
      this.#style.catch(() => {
        this.#style = null;
      });
    }
    return this.#style;
  }

  /**
   * Whether the loaded model's vocabulary has the <词> tag (one token).
   * @returns {Promise<boolean>}
   */
  hasCiTag() {
    if (!this.#ciTag) {
      this.#ciTag = this.#ink.tokenize('<词>', { addBos: false }).then((ids) => ids.length === 1);
      this.#ciTag.catch(() => {
        this.#ciTag = null;
      });
    }
    return this.#ciTag;
  }

  /**
   * Tones, rhymes and faults of a poem (the wasm analyser), with the rhyme book the worker has.
   * @param {string} text
   * @returns {Promise<import('../web/protocol.js').PoemAnalysis>}
   */
  analyse(text) {
    return this.poetry.analyse(text);
  }

  /**
   * The analysis of a poem by a given rhyme book (a 詞 by the 詞 book, a 詩 by the user's), a 詞
   * read as the 詞牌 it was written to (`as`).
   * @param {string} book
   * @param {string} text
   * @param {{cipai: string, variant?: number}} [as]
   */
  async analyseWith(book, text, as) {
    await this.useRhymeBook(book);
    return this.poetry.analyse(text, as);
  }

  /**
   * Streams a poem: yields token events, then the summary.
   * @param {PoemRequest} request
   * @returns {AsyncGenerator<TokenEvent | GenerateSummary>}
   */
  async *write(request) {
    yield* this.#ink.generate({ ...(await this.#options(request)), signal: request.signal });
  }

  /**
   * The logits and final distribution of one step of a poem that write(request) wrote,
   * computed again (stepOptions): the tokens before it are prefilled, the KV cache of the poem
   * reused, and one step decoded.
   * @param {PoemRequest} request  the poem's request (its signal is not used)
   * @param {number[]} prefix  the poem's tokens before that step
   * @param {string} modelId  the model that wrote the poem: invalid_state if another is loaded
   *        before or while the step is computed
   * @returns {Promise<{logits: Float32Array, distribution: Float32Array}>}
   */
  async stepDetails(request, prefix, modelId) {
    const options = stepOptions(await this.#options(request), prefix);
    const sameModel = () => {
      if (this.modelId !== modelId) throw new InkstoneError('invalid_state', 'another model was loaded');
    };
    sameModel();
    /** @type {TokenEvent | null} */
    let step = null;
    for await (const ev of this.#ink.generate(options)) {
      if (ev.type === 'token' && !step) step = /** @type {TokenEvent} */ (ev);
    }
    sameModel();
    if (!step || !step.logits || !step.distribution) throw new InkstoneError('invalid_state', 'the step was not computed again');
    return { logits: step.logits, distribution: step.distribution };
  }

  /**
   * The generate options of a poem (the rhyme book it is written with is sent first).
   * @param {PoemRequest} request
   */
  async #options(request) {
    const plan = planForm(request.choice, { rhymeGroup: request.rhymeGroup, slotGroups: request.slotGroups });
    await this.useRhymeBook(request.choice.form === 'ci' ? 'ci' : request.rhymeBook || 'xinyun');
    const style = await this.promptStyle();
    const tag = plan.tag === '<词>' && style === 'inkstone' && !(await this.hasCiTag()) ? '<其他>' : plan.tag;
    const thinks = templateThinks(this.info ?? {});
    const prompt = poemPrompt(style, { tag, title: request.title, thinks });
    // ChatML markup is the page's own: its control pieces are matched whole (poemPrompt takes
    // <| and |> out of the title, so a title cannot spell one).
    const special = style === 'chatml';
    const forceTokens = request.opening ? await this.#ink.tokenize(request.opening, { addBos: false }) : [];
    // The way of writing (tools/train/blind/README.md): for a 詩 or free verse with a title,
    // guidance toward the title against the same tag with 无题, and no repeated characters. A 詞's
    // title is its 詞牌 (a form, not a subject) and a 詞 repeats characters by design (疊字, 疊句),
    // so a 詞 is written as before.
    const poem = request.choice.form !== 'ci';
    const guidance = poem && request.title ? request.sampling.guidance ?? 1 : 1;
    const guided = guidance !== 1 ? { guidanceScale: guidance, guidancePrompt: await this.#guidance.get(style, tag, thinks) } : {};
    const constraint = plan.constraint && poem && request.sampling.noRepeat ? { ...plan.constraint, no_repeat: true } : plan.constraint;
    /** @type {import('../web/protocol.js').SamplingOptions & {prompt: string, addBos: boolean, special: boolean}} */
    const options = {
      prompt: prompt.text,
      addBos: prompt.addBos,
      special,
      seed: request.sampling.seed >>> 0,
      temperature: request.sampling.temperature,
      topK: request.sampling.topK,
      topP: request.sampling.topP,
      ...FIXED_SAMPLING,
      ...guided,
      maxTokens: plan.maxTokens + forceTokens.length,
      constraint: constraint ? JSON.stringify(constraint) : null,
      probes: WRITING_PROBES,
      forceTokens,
    };
    return options;
  }

  /**
   * Text of a token (for forbidden characters, which only come as ids).
   * @param {number} id
   * @returns {Promise<string>}
   */
  async piece(id) {
    const known = this.#pieces.get(id);
    if (known !== undefined) return known;
    const text = await this.#ink.detokenize([id]);
    this.#pieces.set(id, text);
    return text;
  }

  /** The client, for events (crash / recovered). */
  get client() {
    return this.#ink;
  }
}

/**
 * The model's SHA-256 from a sidecar file next to it (`<model>.sha256`, "hex  name" like
 * sha256sum writes), when the site ships one: the cached copy is checked against it, so a
 * retrained model at the same URL replaces the old one. Without it (or offline) the cached copy
 * is used as it is.
 * @param {string} url
 * @returns {Promise<string | undefined>}
 */
async function expectedHash(url) {
  try {
    const r = await fetch(`${url}.sha256`, { cache: 'no-store' });
    if (!r.ok) return undefined;
    const hex = (await r.text()).trim().split(/\s+/)[0].toLowerCase();
    return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A model id when no hash is available: name and size.
 * @param {ModelInfo} info
 */
function fallbackModelId(info) {
  const name = String(info.name || 'model').replace(/[^0-9A-Za-z._:-]+/g, '-').slice(0, 40) || 'model';
  return `${name}:${info.fileBytes || info.nParams || 0}`;
}
