// The character popover: the alternatives the model weighed at one step (the final sampling
// distribution), the characters the form forbade there, and "continue from here with another
// character".
//
// Which tokens the form forbade is read from the step's probes: `logits` are the model's raw
// logits, `distribution` the final probabilities (0 for removed tokens). They are not streamed
// with the poem: the `details` hook gives them for the step shown (computed again, engine.js).
// With repetition penalty 1 and no logit bias, temperature, top-k, top-p and min-p all keep a
// prefix of the allowed tokens ranked by logit, so a token that scores at least as high as the
// lowest kept token but got probability 0 was removed by the constraint mask — not by the
// sampling cut-offs.

/** @typedef {import('./poem-view.js').TokenRecord} TokenRecord */

const HAN_RE = /^\p{Script=Han}$/u;

/**
 * Tokens the form forbade at a step, most wanted first, with the model's own (temperature 1)
 * probability for them.
 * @param {TokenRecord} rec
 * @param {number} max
 * @returns {{token: number, prob: number}[]}
 */
export function forbiddenTokens(rec, max) {
  const { logits, distribution } = rec;
  if (!logits || !distribution || logits.length !== distribution.length) return [];
  let minKept = Infinity;
  let maxLogit = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    if (distribution[i] > 0 && logits[i] < minKept) minKept = logits[i];
    if (logits[i] > maxLogit) maxLogit = logits[i];
  }
  if (!Number.isFinite(minKept)) return [];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - maxLogit);
  /** @type {{token: number, logit: number}[]} */
  const out = [];
  for (let i = 0; i < logits.length; i++) {
    if (distribution[i] === 0 && logits[i] >= minKept) out.push({ token: i, logit: logits[i] });
  }
  out.sort((a, b) => b.logit - a.logit || a.token - b.token);
  return out.slice(0, max).map((c) => ({ token: c.token, prob: Math.exp(c.logit - maxLogit) / sum }));
}

/**
 * @param {number} p
 */
export function percent(p) {
  if (p >= 0.995) return '99%';
  if (p < 0.01) return p > 0 ? '<1%' : '0%';
  return `${Math.round(p * 100)}%`;
}

export class AlternativesPopover {
  /**
   * @param {{root: HTMLElement, heading: HTMLElement, sub: HTMLElement, list: HTMLOListElement,
   *          forbiddenHeading: HTMLElement, forbiddenList: HTMLOListElement,
   *          help: HTMLElement, close: HTMLButtonElement, rewrite: HTMLButtonElement}} els
   * @param {{t: (key: string, vars?: Record<string, string|number>) => string,
   *          show: (ch: string) => string,
   *          piece: (token: number) => Promise<string>,
   *          details: (rec: TokenRecord) => Promise<TokenRecord>,
   *          canContinue: () => boolean,
   *          onContinue: (tokenIndex: number, token: number) => void,
   *          canRewrite: () => boolean,
   *          onRewrite: (line: number) => void}} hooks
   */
  constructor(els, hooks) {
    this.els = els;
    this.hooks = hooks;
    /** @type {HTMLElement | null} */
    this.anchor = null;
    this.generation = 0;
    els.close.addEventListener('click', () => this.close());
    els.root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        this.close();
      }
    });
    document.addEventListener('pointerdown', (e) => {
      if (els.root.hidden) return;
      const target = /** @type {Node} */ (e.target);
      if (!els.root.contains(target) && !(this.anchor && this.anchor.contains(target))) this.close(false);
    });
    window.addEventListener('resize', () => this.#place());
    els.rewrite.addEventListener('click', () => {
      const line = this.line;
      this.close(false);
      if (line >= 0) this.hooks.onRewrite(line);
    });
    /** the line of the character shown (-1: none) */
    this.line = -1;
  }

  get open() {
    return !this.els.root.hidden;
  }

  /**
   * Opens for one character.
   * @param {HTMLElement} cell
   * @param {TokenRecord} rec
   * @param {number} position  1-based character number in the poem
   */
  show(cell, rec, position) {
    const { t, show } = this.hooks;
    const generation = ++this.generation;
    if (this.anchor) this.anchor.classList.remove('picked');
    this.anchor = cell;
    cell.classList.add('picked');
    const ch = cell.dataset.ch || rec.text;
    this.els.heading.textContent = t('alternativesHeading', { n: position, ch: show(ch) });
    let sub = rec.forced ? t('alternativesForced') : t('alternativesSub', { p: percent(rec.prob) });
    if (rec.maskedMass && rec.maskedMass > 0.005) {
      sub += ' ' + t('alternativesMasked', { p: percent(rec.maskedMass), rule: rec.rule ? t(`rule.${rec.rule}`) : '—' });
    }
    this.els.sub.textContent = sub;

    const canContinue = this.hooks.canContinue();
    this.els.list.replaceChildren();
    const alternatives = (rec.alternatives || []).filter((a) => HAN_RE.test(a.text));
    // The chosen character always shows, even when it was not among the likeliest.
    if (!alternatives.some((a) => a.token === rec.token) && HAN_RE.test(ch)) {
      alternatives.push({ token: rec.token, text: ch, prob: rec.prob });
    }
    for (const alt of alternatives) {
      const li = document.createElement('li');
      const chosen = alt.token === rec.token;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'alt';
      button.disabled = chosen || !canContinue;
      button.setAttribute('aria-label', chosen ? `${show(alt.text)} ${percent(alt.prob)} ${t('altChosen')}` : t('altContinue', { ch: show(alt.text) }) + `, ${percent(alt.prob)}`);
      const glyph = document.createElement('span');
      glyph.className = 'alt-ch';
      glyph.textContent = show(alt.text);
      const bar = document.createElement('span');
      bar.className = 'alt-bar';
      const fill = document.createElement('span');
      fill.className = 'alt-fill';
      fill.style.inlineSize = `${Math.max(2, Math.round(alt.prob * 100))}%`;
      bar.append(fill);
      const p = document.createElement('span');
      p.className = 'alt-p';
      p.textContent = percent(alt.prob) + (chosen ? ' ' + t('altChosen') : '');
      button.append(glyph, bar, p);
      if (!chosen) button.addEventListener('click', () => this.#continue(rec.index, alt.token));
      li.append(button);
      this.els.list.append(li);
    }
    if (!alternatives.length) {
      const li = document.createElement('li');
      li.className = 'alt-none';
      li.textContent = t('alternativesNone');
      this.els.list.append(li);
    }
    this.els.help.hidden = !canContinue || alternatives.length < 2;
    const lineEl = cell.closest('.line');
    this.line = lineEl && lineEl.parentElement ? [...lineEl.parentElement.querySelectorAll('.line')].indexOf(lineEl) : -1;
    this.els.rewrite.hidden = !this.hooks.canRewrite() || this.line < 0;
    this.els.rewrite.textContent = t('rewriteLine', { n: this.line + 1 });

    this.els.forbiddenList.replaceChildren();
    this.els.forbiddenHeading.hidden = true;
    this.els.forbiddenList.hidden = true;
    void this.#showForbidden(rec, generation);

    this.els.root.hidden = false;
    this.#place();
    const first = /** @type {HTMLElement | null} */ (this.els.list.querySelector('button:not([disabled])'));
    (first || this.els.close).focus();
  }

  /**
   * @param {TokenRecord} rec
   * @param {number} generation
   */
  async #showForbidden(rec, generation) {
    const { show, piece, details } = this.hooks;
    let full = rec;
    try {
      full = await details(rec);
    } catch {
      return;
    }
    if (generation !== this.generation) return;
    const candidates = forbiddenTokens(full, 12);
    /** @type {{text: string, prob: number}[]} */
    const items = [];
    for (const c of candidates) {
      let text = '';
      try {
        text = await piece(c.token);
      } catch {
        return;
      }
      if (generation !== this.generation) return;
      if (HAN_RE.test(text)) items.push({ text, prob: c.prob });
      if (items.length >= 6) break;
    }
    if (!items.length || generation !== this.generation) return;
    for (const item of items) {
      const li = document.createElement('li');
      li.className = 'alt forbidden-item';
      const glyph = document.createElement('span');
      glyph.className = 'alt-ch';
      glyph.textContent = show(item.text);
      const p = document.createElement('span');
      p.className = 'alt-p';
      p.textContent = percent(item.prob);
      li.append(glyph, p);
      this.els.forbiddenList.append(li);
    }
    this.els.forbiddenHeading.hidden = false;
    this.els.forbiddenList.hidden = false;
    this.#place();
  }

  /**
   * @param {number} tokenIndex
   * @param {number} token
   */
  #continue(tokenIndex, token) {
    this.close(false);
    this.hooks.onContinue(tokenIndex, token);
  }

  #place() {
    const root = this.els.root;
    if (root.hidden || !this.anchor) return;
    if (window.matchMedia('(max-width: 640px)').matches) {
      root.classList.add('sheet-mode');
      return;
    }
    root.classList.remove('sheet-mode');
    const r = this.anchor.getBoundingClientRect();
    const w = root.offsetWidth;
    const h = root.offsetHeight;
    let left = r.left + r.width / 2 - w / 2 + window.scrollX;
    left = Math.max(window.scrollX + 8, Math.min(left, window.scrollX + document.documentElement.clientWidth - w - 8));
    let top = r.bottom + 10 + window.scrollY;
    if (r.bottom + 10 + h > window.innerHeight && r.top - 10 - h > 0) top = r.top - 10 - h + window.scrollY;
    root.style.left = `${Math.round(left)}px`;
    root.style.top = `${Math.round(top)}px`;
  }

  /** @param {boolean} [refocus] return focus to the character */
  close(refocus = true) {
    if (this.els.root.hidden) return;
    this.els.root.hidden = true;
    this.generation++;
    const anchor = this.anchor;
    if (anchor) anchor.classList.remove('picked');
    this.anchor = null;
    if (refocus && anchor && anchor.isConnected) anchor.focus();
  }
}
