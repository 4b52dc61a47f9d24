// The Train panel: a small Transformer trained in the browser, shown as the five stages of a
// run — data → model → gradient descent → evaluation → deployment — each with its real numbers.
// Training runs in its own worker (web/training.js over a second Inkstone client), so the page
// and the classroom's model never wait for it. The worker sends its whole state every few
// seconds; after a crash the run continues from the last one (the last good weights).
//
// Deployment keeps the trained GGUF in the model cache (web/model-store.js) under the key the
// playground's model manager gives a file of the user's own (byo/NAME), so the playground lists
// it with the other kept models; or downloads it.

import { Inkstone } from '../web/client.js';
import { ModelStore } from '../web/model-store.js';
import { Training } from '../web/training.js';
import { t } from './strings.js';
import { byId, el, modelText } from './views.js';
import { drawCurve } from './train-curve.js';

/** @typedef {import('../web/protocol.js').TrainInfo} TrainInfo */
/** @typedef {import('../web/protocol.js').TrainProgressEvent} TrainProgressEvent */

const FIXED_TOKENS = 259; // <unk> <s> </s> and 256 byte tokens (core build_char_vocab)
const MAX_CHARS = 4096;

/** The bundled set as training text: each poem's body on its own line. @param {string} tsv */
export function poemsFromTsv(tsv) {
  return tsv
    .split('\n')
    .filter((l) => l.includes('\t'))
    .map((l) => l.split('\t')[1].trim())
    .join('\n');
}

/**
 * Parameters of the model a config gives on a text (trainer.h: tied output, SwiGLU, RMSNorm).
 * @param {number} nVocab
 * @param {{dim: number, layers: number, heads: number, ff: number}} c
 */
export function countParams(nVocab, c) {
  const d = c.dim;
  return nVocab * d + c.layers * (4 * d * d + 3 * d * c.ff + 2 * d) + d;
}

/** @param {string} text */
function vocabSize(text) {
  const chars = new Set([...text.replace(/[\r\n]/g, '')]);
  return FIXED_TOKENS + Math.min(chars.size, MAX_CHARS);
}

/** @param {number} n */
function fmt(n) {
  return n.toLocaleString('en-US');
}

const ui = {
  get bundled() { return /** @type {HTMLInputElement} */ (byId('train-bundled')); },
  get pasted() { return /** @type {HTMLTextAreaElement} */ (byId('train-text')); },
  get dataLine() { return byId('train-data-line'); },
  get paramLine() { return byId('train-param-line'); },
  get start() { return /** @type {HTMLButtonElement} */ (byId('train-start')); },
  get pause() { return /** @type {HTMLButtonElement} */ (byId('train-pause')); },
  get curve() { return byId('train-curve'); },
  get runLine() { return byId('train-run-line'); },
  get evalLine() { return byId('train-eval-line'); },
  get sample() { return byId('train-sample'); },
  get deploy() { return /** @type {HTMLButtonElement} */ (byId('train-deploy')); },
  get download() { return /** @type {HTMLButtonElement} */ (byId('train-download')); },
  get deployLine() { return byId('train-deploy-line'); },
  get status() { return byId('train-status'); },
};

/** @param {string} id */
function num(id) {
  return Number(/** @type {HTMLInputElement} */ (byId(id)).value);
}

export class TrainPanel {
  /** @type {Inkstone | null} */ #ink = null;
  /** @type {Training | null} */ #training = null;
  /** @type {string | null} */ #bundledText = null;
  /** @type {TrainInfo | null} */ #info = null;
  /** @type {{step: number, loss: number}[]} */ #train = [];
  /** @type {{step: number, loss: number}[]} */ #held = [];
  /** @type {TrainProgressEvent | null} */ #last = null;
  #lastSample = '';
  #running = false;
  /** @type {{key: string, vars: Record<string, string | number>}} */ #status = { key: 'train.idle', vars: {} };
  /** @type {(() => string) | null} says the deployment's outcome in the current language */ #deployed = null;

  constructor() {
    ui.start.addEventListener('click', () => void this.#onStart());
    ui.pause.addEventListener('click', () => void this.#onPause());
    ui.deploy.addEventListener('click', () => void this.#onDeploy());
    ui.download.addEventListener('click', () => void this.#onDownload());
    for (const id of ['train-dim', 'train-layers', 'train-heads', 'train-ff', 'train-ctx', 'train-steps']) {
      byId(id).addEventListener('input', () => this.redraw());
    }
    ui.pasted.addEventListener('input', () => this.redraw());
    ui.bundled.addEventListener('change', () => void this.#loadBundled().then(() => this.redraw()));
    byId('train-pasted').addEventListener('change', () => this.redraw());
    this.#setStatus('train.idle');
    void this.#loadBundled().then(() => this.redraw());
  }

  async #loadBundled() {
    if (this.#bundledText !== null) return;
    try {
      const r = await fetch(new URL('assets/classroom/wujue.tsv', location.href));
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      this.#bundledText = poemsFromTsv(await r.text());
    } catch (err) {
      console.warn('bundled poems unavailable', err);
      this.#bundledText = '';
    }
  }

  #text() {
    return ui.bundled.checked ? this.#bundledText || '' : ui.pasted.value;
  }

  #config() {
    return {
      dim: num('train-dim'), layers: num('train-layers'), heads: num('train-heads'), ff: num('train-ff'),
      ctx: num('train-ctx'), steps: num('train-steps'), batch: 16,
    };
  }

  /** @param {string} key @param {Record<string, string | number>} [vars] */
  #setStatus(key, vars = {}) {
    this.#status = { key, vars };
    ui.status.textContent = t(key, vars);
  }

  /** Says every number again (after a change, or in another language). */
  redraw() {
    const text = this.#text();
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    const info = this.#info;
    if (info) {
      ui.dataLine.textContent = t('train.dataLineTrained', {
        poems: fmt(lines.length), chars: fmt(info.nChars), vocab: fmt(info.nVocab),
        train: fmt(info.trainTokens), held: fmt(info.heldOutTokens),
      });
      ui.paramLine.textContent = t('train.paramLine', { params: fmt(info.nParams), vocab: fmt(info.nVocab), dim: info.nEmbd });
    } else {
      const nVocab = vocabSize(text);
      ui.dataLine.textContent = t('train.dataLine', { poems: fmt(lines.length), chars: fmt(nVocab - FIXED_TOKENS) });
      ui.paramLine.textContent = t('train.paramLine', { params: fmt(countParams(nVocab, this.#config())), vocab: fmt(nVocab), dim: num('train-dim') });
    }
    const e = this.#last;
    ui.runLine.textContent = e
      ? t('train.runLine', {
        step: e.step, total: info ? info.totalSteps : num('train-steps'), loss: e.loss.toFixed(3),
        lr: e.lr.toExponential(2), gnorm: e.gradNorm.toFixed(3), tps: fmt(Math.round(e.tokensPerSecond)),
      })
      : t('train.runIdle');
    const held = this.#held[this.#held.length - 1];
    ui.evalLine.textContent = held ? t('train.evalLine', { loss: held.loss.toFixed(3), step: held.step }) : t('train.evalIdle');
    ui.sample.replaceChildren(this.#lastSample ? modelText(this.#lastSample) : el('span', 'hint', t('train.sampleIdle')));
    drawCurve(ui.curve, this.#train, this.#held, t('train.curveTrain'), t('train.curveHeld'));
    ui.start.textContent = this.#running ? t('train.running') : this.#info ? t('train.restart') : t('train.start');
    ui.pause.textContent = this.#running ? t('train.pause') : t('train.resume');
    ui.pause.disabled = !this.#info;
    ui.deploy.disabled = !this.#info || this.#running;
    ui.download.disabled = !this.#info || this.#running;
    ui.status.textContent = t(this.#status.key, this.#status.vars);
    ui.deployLine.textContent = this.#deployed ? this.#deployed() : '';
  }

  #training_() {
    if (!this.#training) {
      this.#ink = new Inkstone({ wasmBase: new URL('wasm/', location.href).href, build: 'inkstone' });
      this.#training = new Training(this.#ink);
    }
    return this.#training;
  }

  async #onStart() {
    if (this.#running) return;
    const text = this.#text();
    const training = this.#training_();
    this.#train = [];
    this.#held = [];
    this.#last = null;
    this.#lastSample = '';
    this.#deployed = null;
    this.#setStatus('train.preparing');
    this.redraw();
    try {
      this.#info = await training.start(text, this.#config(), 1);
    } catch (err) {
      this.#info = null;
      this.#setStatus('train.failed', { message: /** @type {Error} */ (err).message });
      this.redraw();
      return;
    }
    await this.#run();
  }

  async #onPause() {
    if (!this.#training || !this.#info) return;
    if (this.#running) await this.#training.pause();
    else await this.#run();
  }

  async #run() {
    const training = /** @type {Training} */ (this.#training);
    this.#running = true;
    this.#setStatus('train.training');
    this.redraw();
    try {
      const end = await training.run({ chunk: 5, sample: { maxTokens: 32, temperature: 0.8 }, sampleEveryMs: 3000, evalEveryMs: 1500 }, (ev) => this.#onProgress(ev));
      if (end.reason === 'done') this.#setStatus('train.done', { step: end.step });
      else this.#setStatus('train.paused', { step: end.step });
    } catch (err) {
      const e = /** @type {import('../web/errors.js').InkstoneError} */ (err);
      if (e.code === 'crashed') {
        // The worker is replaced; continue from the last state it sent.
        try {
          this.#info = await training.recover();
          this.#setStatus('train.recovered', { step: this.#info.step });
        } catch (again) {
          this.#setStatus('train.failed', { message: /** @type {Error} */ (again).message });
        }
      } else {
        this.#setStatus('train.failed', { message: e.message });
      }
    } finally {
      this.#running = false;
      this.redraw();
      document.body.dataset.training = this.#status.key.slice('train.'.length);
    }
  }

  /** @param {TrainProgressEvent} ev */
  #onProgress(ev) {
    const first = ev.step - ev.losses.length + 1;
    ev.losses.forEach((loss, i) => this.#train.push({ step: first + i, loss }));
    if (ev.heldOutLoss !== undefined) this.#held.push({ step: ev.step, loss: ev.heldOutLoss });
    if (ev.sample !== undefined) this.#lastSample = ev.sample;
    this.#last = ev;
    this.redraw();
    document.body.dataset.trainStep = String(ev.step);
  }

  #name() {
    const info = /** @type {TrainInfo} */ (this.#info);
    return `classroom-d${info.nEmbd}-l${info.nLayer}-s${this.#last ? this.#last.step : 0}.gguf`;
  }

  async #onDeploy() {
    if (!this.#training) return;
    const name = this.#name();
    try {
      const gguf = await this.#training.saveGguf(name.replace(/\.gguf$/, ''));
      const key = new URL(`byo/${encodeURIComponent(name)}`, new URL('./', location.href)).href;
      await new ModelStore().put(key, gguf);
      this.#deployed = () => t('train.deployed', { name });
      document.body.dataset.deployed = name;
    } catch (err) {
      const message = /** @type {Error} */ (err).message;
      this.#deployed = () => t('train.deployFailed', { message });
    }
    this.redraw();
  }

  async #onDownload() {
    if (!this.#training) return;
    const name = this.#name();
    const gguf = await this.#training.saveGguf(name.replace(/\.gguf$/, ''));
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([gguf], { type: 'application/octet-stream' }));
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
}
