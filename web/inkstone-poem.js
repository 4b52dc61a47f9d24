// <inkstone-poem>: a poem written live into any page, with its ink painting.
//
//   <script type="module" src="…/web/inkstone-poem.js"></script>
//   <inkstone-poem form="五言絕句" title="春江" seed="3"
//                  model="/models/inkstone-poetry-q8_0.gguf"></inkstone-poem>
//   <inkstone-poem share="#p1.…"></inkstone-poem>          a poem from a share link
//
// Attributes (a change starts the poem again):
//   model       URL of a GGUF model (relative to the page). Needed unless `share` is set.
//   form        a preset form of the constraint engine: 五言絕句 七言絕句 五言律詩 七言律詩 (also
//               written 五绝, 五言绝句, wuyan-jueju, …) or any other name formPresets() lists
//               (詞牌); absent or "free": no form
//   title       the title the model writes to (the model reads Simplified characters)
//   heads       藏頭: the first character of each line (as many as the form has lines)
//   seed        uint32; the same seed, model and attributes write the same poem (default 0)
//   prosody     base URL of the tone and rhyme tables a form needs (tones.tsv, rhyme-<book>.tsv);
//               default: ../prosody/ beside the model, the layout of assets/ (models/, prosody/)
//   rhyme-book  xinyun (default), classical or ci: which rhyme-<book>.tsv
//   wasm        folder of the wasm builds (default: the client's, beside the module)
//   share       a share-link fragment (#p1.…, site/share/share-codec.js): shows the poem it
//               carries, with its title and seed; no model is needed
//   lang        zh or en labels (else the nearest lang attribute, else the document's)
//
// It runs the single-threaded build (no COOP/COEP needed), one worker for every element of a
// page (their poems are written in turn). With prefers-reduced-motion the characters are not
// animated: each line appears when it is complete. Everything lives in a shadow root: page
// styles do not reach in and the element's styles do not leak out; `part`s (frame, painting,
// title, poem, status) let a page restyle them on purpose.
// State for scripts and tests: the `state` property and `data-state` attribute (idle, loading,
// writing, done, error), `text` (the poem so far), and the events `poem-done` (detail: {text})
// and `poem-error` (detail: {code, message}).

import { Inkstone } from './client.js';
import { Poetry } from './poetry.js';
import { InkPainting } from '../art/index.js';
import { decodeShare } from '../share/share-codec.js';

/** @typedef {'idle'|'loading'|'writing'|'done'|'error'} PoemState */

/**
 * The regulated forms: the model's form tag, lines and characters per line.
 * @type {Readonly<Record<string, {tag: string, lines: number, chars: number}>>}
 */
const REGULATED = Object.freeze({
  五言絕句: { tag: '<五绝>', lines: 4, chars: 5 },
  七言絕句: { tag: '<七绝>', lines: 4, chars: 7 },
  五言律詩: { tag: '<五律>', lines: 8, chars: 5 },
  七言律詩: { tag: '<七律>', lines: 8, chars: 7 },
});

/** Other spellings of the regulated forms (short, Simplified, share-link slugs). */
const ALIASES = Object.freeze({
  五绝: '五言絕句', 五絕: '五言絕句', 五言绝句: '五言絕句', 'wuyan-jueju': '五言絕句',
  七绝: '七言絕句', 七絕: '七言絕句', 七言绝句: '七言絕句', 'qiyan-jueju': '七言絕句',
  五律: '五言律詩', 五言律诗: '五言律詩', 'wuyan-lushi': '五言律詩',
  七律: '七言律詩', 七言律诗: '七言律詩', 'qiyan-lushi': '七言律詩',
});

/** Sampling as the playground writes poems (site/app/engine.js). */
const SAMPLING = Object.freeze({ temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05 });
const FREE_MAX_TOKENS = 160;
const LINE_END = /[，。？！；]/u;
const HAN = /\p{Script=Han}/u;

const LABELS = Object.freeze({
  zh: { loading: '載入模型…', writing: '寫詩中…', done: '', error: '未能寫成：', painting: '水墨畫' },
  en: { loading: 'Loading the model…', writing: 'Writing…', done: '', error: 'Could not write the poem: ', painting: 'Ink painting' },
});

const CSS = `
:host { display: block; contain: content; max-width: 36rem; color: #2b2722; background: #f6f1e6;
  font-family: "Noto Serif CJK SC", "Noto Serif CJK TC", "Songti SC", serif; }
:host([hidden]) { display: none; }
.frame { position: relative; margin: 0; padding: 1rem; border: 1px solid #c9bfae; }
.painting { display: block; width: 100%; height: auto; aspect-ratio: 3 / 4; }
.text { position: absolute; inset: 1.5rem 1.5rem auto auto; writing-mode: vertical-rl;
  text-orientation: upright; display: flex; gap: .6rem; max-height: calc(100% - 3rem); }
.title { margin: 0; font-size: 1.4rem; font-weight: 700; letter-spacing: .15em; }
.poem { margin: 0; font-size: 1.25rem; line-height: 1.9; letter-spacing: .2em; }
.line { display: block; }
.ch { display: inline-block; animation: ink-in .45s ease-out both; }
.status { margin: .5rem 0 0; min-height: 1.2em; font-size: .85rem; color: #6b645a; }
@keyframes ink-in { from { opacity: 0; filter: blur(2px); } to { opacity: 1; filter: none; } }
@media (prefers-reduced-motion: reduce) { .ch { animation: none; } }
`;

/** @type {CSSStyleSheet | null} one sheet for every element (adopted: allowed by a strict CSP) */
let sharedSheet = null;

/**
 * One client per wasm folder, shared by the page's elements; their jobs run in turn.
 * @type {Map<string, {ink: Inkstone, poetry: Poetry, model: string | null, prosody: string | null, queue: Promise<unknown>}>}
 */
const engines = new Map();

/** @param {string} wasm  '' for the client's default */
function engineFor(wasm) {
  let engine = engines.get(wasm);
  if (!engine) {
    const ink = new Inkstone({ build: 'inkstone', ...(wasm ? { wasmBase: wasm } : {}) });
    engine = { ink, poetry: new Poetry(ink), model: null, prosody: null, queue: Promise.resolve() };
    engines.set(wasm, engine);
  }
  return engine;
}

/**
 * The canonical name of a form attribute: a regulated form, another preset name, or '' (free).
 * @param {string} form
 */
export function formName(form) {
  const name = form.trim();
  if (name === '' || name === 'free') return '';
  return /** @type {Record<string, string>} */ (ALIASES)[name] || name;
}

/**
 * What the model is asked: the prompt, the constraint spec (core/include/inkstone/form.h)
 * and a token budget.
 * @param {{form: string, title: string, heads: string}} request
 * @returns {{prompt: string, constraint: Record<string, unknown> | null, maxTokens?: number}}
 */
export function planPoem(request) {
  const form = formName(request.form);
  const heads = Array.from(request.heads).filter((ch) => HAN.test(ch));
  const regulated = REGULATED[form];
  if (regulated) {
    /** @type {Record<string, unknown>} */
    const constraint = { form, tones: true, rhyme: true };
    if (heads.length > 0) constraint.heads = heads.slice(0, regulated.lines).join('');
    return {
      prompt: `${regulated.tag}${request.title}\n`,
      constraint,
      maxTokens: regulated.lines * (regulated.chars + 1) + 2,
    };
  }
  if (form) {
    /** @type {Record<string, unknown>} */
    const constraint = { form };
    if (heads.length > 0) constraint.heads = heads.join('');
    return { prompt: `<其他>${request.title}\n`, constraint };
  }
  if (heads.length > 0) {
    // 藏頭 without a form: five-character lines, couplets rhyming on their second line.
    const lines = heads.map((head, i) => ({
      chars: 5,
      head,
      rhyme: i % 2 === 1,
      punct: i % 2 === 1 || i === heads.length - 1 ? '。' : '，',
    }));
    return { prompt: `<其他>${request.title}\n`, constraint: { lines, tones: false, rhyme: true }, maxTokens: heads.length * 6 + 2 };
  }
  return { prompt: `<其他>${request.title}\n`, constraint: null, maxTokens: FREE_MAX_TOKENS };
}

const Base = /** @type {typeof HTMLElement} */ (globalThis.HTMLElement || class {});

export class InkstonePoem extends Base {
  static observedAttributes = ['model', 'form', 'title', 'heads', 'seed', 'prosody', 'rhyme-book', 'wasm', 'share', 'lang'];

  /** @type {PoemState} */
  #state = 'idle';
  #text = '';
  /** @type {AbortController | null} */
  #run = null;
  #scheduled = false;
  /** @type {ShadowRoot} */
  #root;
  /** @type {{frame: HTMLElement, canvas: HTMLCanvasElement, title: HTMLElement, poem: HTMLElement, status: HTMLElement}} */
  #els;
  /** @type {InkPainting} */
  #painting;
  /** the current line element and what it holds when characters are not animated */
  /** @type {HTMLElement | null} */
  #line = null;
  #pendingLine = '';

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    const doc = this.ownerDocument;
    const make = (/** @type {string} */ tag, /** @type {string} */ cls) => {
      const el = doc.createElement(tag);
      el.className = cls;
      el.setAttribute('part', cls);
      return el;
    };
    const frame = make('figure', 'frame');
    const canvas = /** @type {HTMLCanvasElement} */ (make('canvas', 'painting'));
    canvas.width = 480;
    canvas.height = 640;
    canvas.setAttribute('role', 'img');
    const text = doc.createElement('div');
    text.className = 'text';
    const title = make('h2', 'title');
    const poem = make('p', 'poem');
    poem.lang = 'zh';
    title.lang = 'zh';
    const status = make('p', 'status');
    status.setAttribute('role', 'status');
    text.append(title, poem);
    frame.append(canvas, text, status);
    this.#adoptStyles();
    this.#root.append(frame);
    this.#els = { frame, canvas, title, poem, status };
    this.#painting = new InkPainting(canvas, { seed: 0, title: '' });
  }

  /** @returns {PoemState} */
  get state() {
    return this.#state;
  }

  /** The poem so far, as the model wrote it. */
  get text() {
    return this.#text;
  }

  connectedCallback() {
    this.#schedule();
  }

  disconnectedCallback() {
    if (this.#run) this.#run.abort();
    this.#run = null;
  }

  /** @param {string} name @param {string | null} before @param {string | null} after */
  attributeChangedCallback(name, before, after) {
    if (before === after || !this.isConnected) return;
    if (name === 'lang') {
      this.#showStatus();
      return;
    }
    this.#schedule();
  }

  #adoptStyles() {
    if ('adoptedStyleSheets' in this.#root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
      if (!sharedSheet) {
        sharedSheet = new CSSStyleSheet();
        sharedSheet.replaceSync(CSS);
      }
      this.#root.adoptedStyleSheets = [sharedSheet];
      return;
    }
    const style = this.ownerDocument.createElement('style');
    style.textContent = CSS;
    this.#root.append(style);
  }

  /** Several attribute changes in one task start one poem. */
  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (this.isConnected) void this.#start();
    });
  }

  /** @returns {'zh'|'en'} */
  #lang() {
    const own = this.closest('[lang]');
    const lang = (own && own.getAttribute('lang')) || this.ownerDocument.documentElement.lang || 'zh';
    return lang.toLowerCase().startsWith('zh') ? 'zh' : 'en';
  }

  #reducedMotion() {
    const view = this.ownerDocument.defaultView;
    return !!view && view.matchMedia('(prefers-reduced-motion: reduce)').matches;
  }

  /** @param {PoemState} state @param {string} [detail] */
  #setState(state, detail = '') {
    this.#state = state;
    this.dataset.state = state;
    this.#detail = detail;
    this.#showStatus();
  }

  #detail = '';

  #showStatus() {
    const labels = LABELS[this.#lang()];
    const state = this.#state;
    const text = state === 'idle' ? '' : labels[state];
    this.#els.status.textContent = state === 'error' ? `${text}${this.#detail}` : text;
    const title = this.#els.title.textContent || '';
    this.#els.canvas.setAttribute('aria-label', title ? `${labels.painting}: ${title}` : labels.painting);
  }

  /** Clears the poem and starts the painting again. @param {string} title @param {number} seed */
  #reset(title, seed) {
    this.#text = '';
    this.#line = null;
    this.#pendingLine = '';
    this.#els.poem.replaceChildren();
    this.#els.title.textContent = title;
    this.#painting.reset({ seed, title, poem: '' });
  }

  /** Adds text to the poem: characters, animated unless the reader asked for less motion. */
  /** @param {string} piece @param {boolean} animate */
  #write(piece, animate) {
    const doc = this.ownerDocument;
    for (const ch of piece) {
      if (ch === '\n') continue;
      this.#text += ch;
      if (!this.#line) {
        this.#line = doc.createElement('span');
        this.#line.className = 'line';
        this.#els.poem.append(this.#line);
      }
      if (animate) {
        const span = doc.createElement('span');
        span.className = 'ch';
        span.textContent = ch;
        this.#line.append(span);
      } else {
        this.#pendingLine += ch;
      }
      if (LINE_END.test(ch)) this.#endLine();
    }
    this.#painting.setPoem(this.#text);
  }

  /** Ends the current line (and shows it, when characters are not animated). */
  #endLine() {
    if (this.#line && this.#pendingLine) this.#line.textContent = this.#pendingLine;
    this.#line = null;
    this.#pendingLine = '';
  }

  async #start() {
    if (this.#run) this.#run.abort();
    const run = new AbortController();
    this.#run = run;
    const share = this.getAttribute('share');
    try {
      if (share) await this.#showShare(share, run.signal);
      else await this.#writePoem(run.signal);
      if (run.signal.aborted) return;
      this.#endLine();
      this.#setState('done');
      this.dispatchEvent(new CustomEvent('poem-done', { detail: { text: this.#text } }));
    } catch (err) {
      if (run.signal.aborted) return;
      const e = /** @type {{code?: string, message?: string}} */ (err);
      const code = e.code || 'error';
      this.#setState('error', e.message || String(err));
      this.dispatchEvent(new CustomEvent('poem-error', { detail: { code, message: e.message || String(err) } }));
    }
  }

  /** @param {AbortSignal} signal */
  async #writePoem(signal) {
    const title = this.getAttribute('title') || '';
    const seed = Number(this.getAttribute('seed') || 0) >>> 0;
    this.#reset(title, seed);
    const modelAttr = this.getAttribute('model');
    if (!modelAttr) throw Object.assign(new Error('no model attribute'), { code: 'invalid_argument' });
    const base = this.ownerDocument.baseURI;
    const model = new URL(modelAttr, base).href;
    const wasmAttr = this.getAttribute('wasm');
    const engine = engineFor(wasmAttr ? new URL(wasmAttr, base).href : '');
    const plan = planPoem({ form: this.getAttribute('form') || '', title, heads: this.getAttribute('heads') || '' });
    const prosodyAttr = this.getAttribute('prosody');
    const prosody = new URL(prosodyAttr ? prosodyAttr.replace(/\/?$/, '/') : '../prosody/', prosodyAttr ? base : model);
    const book = this.getAttribute('rhyme-book') || 'xinyun';
    const animate = !this.#reducedMotion();

    const job = async () => {
      if (signal.aborted) return;
      if (engine.model !== model) {
        this.#setState('loading');
        engine.model = null;
        await engine.ink.load(model, { signal });
        engine.model = model;
      }
      const tables = `${prosody.href}|${book}`;
      if (plan.constraint && engine.prosody !== tables) {
        engine.prosody = null;
        await engine.poetry.setProsody(
          { tones: new URL('tones.tsv', prosody), rhyme: new URL(`rhyme-${book}.tsv`, prosody) },
          { fetch: true, signal },
        );
        engine.prosody = tables;
      }
      this.#setState('writing');
      const options = {
        prompt: plan.prompt,
        seed,
        ...SAMPLING,
        ...(plan.maxTokens ? { maxTokens: plan.maxTokens } : {}),
        ...(plan.constraint ? { constraint: plan.constraint } : {}),
        signal,
      };
      for await (const ev of engine.ink.generate(options)) {
        if (ev.type === 'token') this.#write(ev.text, animate);
      }
    };
    // Elements of one page share the worker: wait for the poems before this one.
    const turn = engine.queue.then(job);
    engine.queue = turn.catch(() => {});
    await turn;
  }

  /**
   * Shows the poem a share link carries (its title, seed and text), written out character by
   * character unless the reader asked for less motion.
   * @param {string} fragment
   * @param {AbortSignal} signal
   */
  async #showShare(fragment, signal) {
    const decoded = decodeShare(fragment);
    if (!decoded.ok) {
      this.#reset('', 0);
      throw Object.assign(new Error(decoded.message), { code: decoded.code });
    }
    const { state } = decoded;
    this.#reset(state.prompt.title, state.sampling.seed);
    const animate = !this.#reducedMotion();
    this.#setState('writing');
    const body = state.poem.replace(/\n/g, '');
    if (!animate) {
      this.#write(body, false);
      return;
    }
    for (const ch of body) {
      if (signal.aborted) return;
      this.#write(ch, true);
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
  }
}

if (globalThis.customElements && !globalThis.customElements.get('inkstone-poem')) {
  globalThis.customElements.define('inkstone-poem', InkstonePoem);
}
