// The guided sequence for presenter mode: token → embeddings → attention → probabilities →
// sampling. Each stop highlights its panel and has one action that drives the real model.

import { byId } from './views.js';
import { t } from './strings.js';

/** @typedef {'tokens'|'embeddings'|'attention'|'probabilities'|'sampling'} StopId */

/** The stops; their title, text and action are strings.js's tour.<id>.title/text/action. */
/** @type {{id: StopId, panel: string}[]} */
export const STOPS = [
  { id: 'tokens', panel: 'panel-text' },
  { id: 'embeddings', panel: 'panel-embed' },
  { id: 'attention', panel: 'panel-attn' },
  { id: 'probabilities', panel: 'panel-dist' },
  { id: 'sampling', panel: 'panel-dist' },
];

export class Tour {
  /** @type {Record<StopId, () => Promise<void>>} */
  #actions;
  #index = 0;
  open = false;

  /** @param {{actions: Record<StopId, () => Promise<void>>}} options */
  constructor(options) {
    this.#actions = options.actions;
    byId('guide-prev').addEventListener('click', () => this.prev());
    byId('guide-next').addEventListener('click', () => this.next());
    byId('guide-close').addEventListener('click', () => this.close());
    byId('guide-do').addEventListener('click', () => void this.#actions[STOPS[this.#index].id]());
  }

  /** @param {number} index */
  show(index) {
    this.#index = Math.max(0, Math.min(STOPS.length - 1, index));
    const stop = STOPS[this.#index];
    this.open = true;
    const guide = byId('guide');
    guide.hidden = false;
    byId('guide-step').textContent = `${this.#index + 1} / ${STOPS.length}`;
    byId('guide-title').textContent = t(`tour.${stop.id}.title`);
    byId('guide-text').textContent = t(`tour.${stop.id}.text`);
    byId('guide-do').textContent = t(`tour.${stop.id}.action`);
    for (const panel of document.querySelectorAll('.panel')) panel.classList.remove('spotlight');
    const panel = byId(stop.panel);
    panel.classList.add('spotlight');
    panel.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
    /** @type {HTMLButtonElement} */ (byId('guide-prev')).disabled = this.#index === 0;
    /** @type {HTMLButtonElement} */ (byId('guide-next')).disabled = this.#index === STOPS.length - 1;
  }

  /** Draws the open stop again (after a language change). */
  redraw() {
    if (this.open) this.show(this.#index);
  }

  next() {
    this.show(this.#index + 1);
  }

  prev() {
    this.show(this.#index - 1);
  }

  close() {
    this.open = false;
    byId('guide').hidden = true;
    for (const panel of document.querySelectorAll('.panel')) panel.classList.remove('spotlight');
  }
}
