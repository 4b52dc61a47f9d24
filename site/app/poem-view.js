// The poem on the page: a title and lines of characters, laid out horizontally or vertically
// (竖排, right to left), each character a button tinted by how sure the model was. Characters
// arrive one token at a time; punctuation closes a line. All model text is set with textContent.
//
// A 詞 is laid out in its 闋 (setStanzas / the stanzaBreak argument: the index of the 下闋's
// first clause): body[data-form="ci"] > .stanza[data-stanza="1"|"2"] (a group named 上闋 / 下闋)
// > .sentence (clauses up to a 。？！；) > .line (one clause as the model wrote it, its mark
// included), so a sentence's clauses run on and wrap between clauses, never inside one. The
// .line elements are the same as for a 詩: one per clause, in order.

import { LINE_END_RE } from './forms.js';
import { display, displayChars } from './hanzi.js';

/**
 * What the page keeps per generated token.
 * @typedef {object} TokenRecord
 * @property {number} index
 * @property {number} token
 * @property {string} text
 * @property {number} prob
 * @property {boolean} forced
 * @property {{token: number, text: string, prob: number}[]} [alternatives]
 * @property {number} [maskedMass]
 * @property {string} [rule]
 * @property {Float32Array} [logits]        the step's raw logits and final distribution: not
 * @property {Float32Array} [distribution]  streamed; set once the popover asks (stepDetails)
 */

/**
 * Confidence bucket 0 (unsure) .. 4 (sure) of a probability. Sampling at the usual temperature
 * picks many characters the model gave 10–40 %, so the buckets are spread over low values.
 * @param {number} p
 */
export function confidenceBucket(p) {
  if (p >= 0.5) return 4;
  if (p >= 0.25) return 3;
  if (p >= 0.1) return 2;
  if (p >= 0.03) return 1;
  return 0;
}

export class PoemView {
  /**
   * @param {{title: HTMLElement, body: HTMLElement, placeholder: HTMLElement, live: HTMLElement,
   *          article: HTMLElement}} els
   * @param {{onPick: (cell: HTMLElement, tokenIndex: number) => void,
   *          label: (ch: string, p: number) => string,
   *          stanzaLabel: (stanza: number) => {key: string, text: string}}} hooks  stanzaLabel:
   *          the i18n key and text that name 闋 1 or 2
   */
  constructor(els, hooks) {
    this.els = els;
    this.hooks = hooks;
    /** @type {'simplified'|'traditional'} */
    this.script = 'simplified';
    this.title = '';
    /** Simplified text of the body so far. */
    this.text = '';
    /** Code points in `text`. */
    this.nText = 0;
    /** @type {HTMLElement | null} */
    this.line = null;
    /** Text of the line being written (for the screen-reader announcement). */
    this.lineText = '';
    /** @type {HTMLElement[]} one per character of the body, in order */
    this.cells = [];
    /** @type {number[]} for each cell, the index of its code point in `text` */
    this.cellAt = [];
    /** @type {number | null} a 詞's first clause of the 下闋 (-1: one 闋); null: not a 詞 */
    this.stanzaBreak = null;
    /** Lines placed so far. */
    this.nLines = 0;
    // One tab stop for the whole poem; arrow keys move between its characters.
    els.body.addEventListener('keydown', (e) => this.#onKey(e));
  }

  /** @param {KeyboardEvent} e */
  #onKey(e) {
    const at = this.cells.indexOf(/** @type {HTMLElement} */ (e.target));
    if (at < 0) return;
    const vertical = this.els.article.dataset.layout === 'vertical';
    const next = vertical ? ['ArrowDown'] : ['ArrowRight', 'ArrowDown'];
    const prev = vertical ? ['ArrowUp'] : ['ArrowLeft', 'ArrowUp'];
    let to = -1;
    if (next.includes(e.key)) to = Math.min(this.cells.length - 1, at + 1);
    else if (prev.includes(e.key)) to = Math.max(0, at - 1);
    else if (vertical && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      // Columns run right to left: ArrowLeft goes to the next line, ArrowRight to the previous.
      const line = /** @type {HTMLElement} */ (this.cells[at].parentElement);
      const lines = [...this.els.body.querySelectorAll('.line')];
      const target = lines[lines.indexOf(line) + (e.key === 'ArrowLeft' ? 1 : -1)];
      const column = [...line.querySelectorAll('.ch')].indexOf(this.cells[at]);
      const cells = target ? [...target.querySelectorAll('.ch')] : [];
      if (cells.length) to = this.cells.indexOf(/** @type {HTMLElement} */ (cells[Math.min(column, cells.length - 1)]));
    } else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = this.cells.length - 1;
    if (to < 0 || to === at) return;
    e.preventDefault();
    this.#focusCell(to);
  }

  /** @param {number} i */
  #focusCell(i) {
    for (const cell of this.cells) cell.tabIndex = -1;
    this.cells[i].tabIndex = 0;
    this.cells[i].focus();
  }

  /**
   * Starts an empty poem.
   * @param {string} title  Simplified
   * @param {number | null} [stanzaBreak]  a 詞: the index of the 下闋's first clause (-1: one 闋)
   */
  reset(title, stanzaBreak = null) {
    this.title = title;
    this.text = '';
    this.nText = 0;
    this.line = null;
    this.lineText = '';
    this.cells = [];
    this.cellAt = [];
    this.nLines = 0;
    this.els.body.replaceChildren();
    this.#setForm(stanzaBreak);
    this.els.live.textContent = '';
    this.#renderTitle();
    this.els.placeholder.hidden = true;
  }

  /** Shows the empty-page invitation. */
  clear() {
    this.reset('');
    this.els.placeholder.hidden = false;
  }

  #renderTitle() {
    this.els.title.textContent = display(this.title, this.script);
    this.els.title.hidden = !this.title;
  }

  /**
   * Appends a token's text.
   * @param {string} text       Simplified
   * @param {number} prob
   * @param {number} tokenIndex index into the token records (-1: none, e.g. a shared poem)
   * @param {boolean} forced
   */
  append(text, prob, tokenIndex, forced) {
    for (const ch of text) {
      this.text += ch;
      this.nText++;
      if (ch === '\n') {
        this.#endLine();
        continue;
      }
      if (!this.line) {
        this.line = document.createElement('div');
        this.line.className = 'line';
        this.#place(this.line);
      }
      if (LINE_END_RE.test(ch)) {
        const punct = document.createElement('span');
        punct.className = 'punct';
        punct.textContent = ch;
        punct.setAttribute('aria-hidden', 'true');
        this.line.append(punct);
        this.#closeSentence(this.line);
        this.lineText += ch;
        this.#endLine();
        continue;
      }
      const cell = document.createElement('button');
      cell.type = 'button';
      cell.className = 'ch';
      cell.dataset.ch = ch;
      cell.dataset.conf = tokenIndex < 0 ? 'none' : String(confidenceBucket(prob));
      cell.dataset.prob = String(prob);
      cell.dataset.token = String(tokenIndex);
      cell.dataset.pos = String(this.cells.length);
      if (forced) cell.dataset.forced = 'true';
      if (tokenIndex >= 0) {
        cell.addEventListener('click', () => this.hooks.onPick(cell, tokenIndex));
      } else {
        cell.disabled = true;
        cell.classList.add('static');
      }
      cell.tabIndex = this.cells.length === 0 ? 0 : -1;
      this.line.append(cell);
      this.cells.push(cell);
      this.cellAt.push(this.nText - 1);
      this.lineText += ch;
    }
    this.#renderCells(false);
  }

  /**
   * Sets each character's display form, converted in the context of the whole poem (a later
   * character can change an earlier one's Traditional form: 头 + 发 → 頭髮, 发 + 展 → 發展).
   * @param {boolean} all  relabel every cell (the script changed), not only those whose form did
   */
  #renderCells(all) {
    const shown = displayChars(this.text, this.script);
    this.cells.forEach((cell, i) => {
      const ch = shown[this.cellAt[i]] ?? cell.dataset.ch ?? '';
      if (!all && cell.textContent === ch) return;
      cell.textContent = ch;
      if (cell.dataset.token !== '-1') cell.setAttribute('aria-label', this.hooks.label(ch, Number(cell.dataset.prob)));
    });
  }

  /** @param {number | null} stanzaBreak */
  #setForm(stanzaBreak) {
    this.stanzaBreak = stanzaBreak;
    if (stanzaBreak === null) delete this.els.body.dataset.form;
    else this.els.body.dataset.form = 'ci';
  }

  /**
   * Puts a new line where it belongs: in the body, or (a 詞) in its 闋 and sentence.
   * @param {HTMLElement} line
   */
  #place(line) {
    const index = this.nLines++;
    if (this.stanzaBreak === null) {
      this.els.body.append(line);
      return;
    }
    const n = this.stanzaBreak > 0 && index >= this.stanzaBreak ? 2 : 1;
    let stanza = /** @type {HTMLElement | null} */ (this.els.body.querySelector(`:scope > .stanza[data-stanza="${n}"]`));
    if (!stanza) {
      stanza = document.createElement('div');
      stanza.className = 'stanza';
      stanza.dataset.stanza = String(n);
      stanza.setAttribute('role', 'group');
      const label = this.hooks.stanzaLabel(n);
      stanza.setAttribute('aria-label', label.text);
      stanza.dataset.i18nAriaLabel = label.key;
      this.els.body.append(stanza);
    }
    let sentence = /** @type {HTMLElement | null} */ (stanza.lastElementChild);
    if (!sentence || sentence.dataset.closed === 'true') {
      sentence = document.createElement('div');
      sentence.className = 'sentence';
      stanza.append(sentence);
    }
    sentence.append(line);
  }

  /**
   * A 詞's sentence ends with its line's 。？！；
   * @param {HTMLElement} line
   */
  #closeSentence(line) {
    const mark = line.querySelector('.punct')?.textContent ?? '';
    const sentence = line.parentElement;
    if (sentence && sentence.classList.contains('sentence') && /[。？！；.?!;]/u.test(mark)) sentence.dataset.closed = 'true';
  }

  /**
   * Lays the lines out again as a 詞 of this stanza break, or as plain lines (null): the same
   * line elements, moved.
   * @param {number | null} stanzaBreak
   */
  setStanzas(stanzaBreak) {
    if (stanzaBreak === this.stanzaBreak) return;
    const lines = /** @type {HTMLElement[]} */ ([...this.els.body.querySelectorAll('.line')]);
    this.els.body.replaceChildren();
    this.#setForm(stanzaBreak);
    this.nLines = 0;
    for (const line of lines) {
      this.#place(line);
      this.#closeSentence(line);
    }
  }

  #endLine() {
    if (this.lineText) this.els.live.textContent = display(this.lineText, this.script);
    this.line = null;
    this.lineText = '';
  }

  /** Announces a last line that had no punctuation. */
  finish() {
    if (this.lineText) this.els.live.textContent = display(this.lineText, this.script);
  }

  /**
   * Shows a whole poem at once (a shared link, the gallery, a reload).
   * @param {string} title
   * @param {string} text  Simplified, lines separated by '\n' or punctuation
   * @param {number | null} [stanzaBreak]  a 詞 (see reset)
   */
  showStatic(title, text, stanzaBreak = null) {
    this.reset(title, stanzaBreak);
    this.append(text, 1, -1, false);
    // Announced whole, title first, rather than line by line.
    this.lineText = '';
    this.els.live.textContent = display(`${title}\n${text}`, this.script);
  }

  /**
   * Switches Simplified/Traditional display.
   * @param {'simplified'|'traditional'} script
   */
  setScript(script) {
    this.script = script;
    this.#renderTitle();
    this.#renderCells(true);
  }

  /**
   * Horizontal or vertical layout.
   * @param {'horizontal'|'vertical'} layout
   */
  setLayout(layout) {
    this.els.article.dataset.layout = layout;
  }

  /**
   * The lines as text, for tests and the card: characters and punctuation.
   * @returns {string[]}
   */
  lines() {
    return Array.from(this.els.body.querySelectorAll('.line'), (l) =>
      Array.from(l.children, (c) => /** @type {HTMLElement} */ (c).dataset.ch || c.textContent || '').join(''),
    );
  }
}
