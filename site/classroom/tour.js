// The guided sequence for presenter mode: token → embeddings → attention → probabilities →
// sampling. Each stop highlights its panel and has one action that drives the real model.

import { byId } from './views.js';

/** @typedef {'tokens'|'embeddings'|'attention'|'probabilities'|'sampling'} StopId */

/** @type {{id: StopId, panel: string, title: string, text: string, action: string}[]} */
export const STOPS = [
  {
    id: 'tokens',
    panel: 'panel-text',
    title: '1 · What a token is',
    text: 'The model never sees characters, only numbers: the text is cut into tokens, each with an id from a fixed vocabulary. This model has one token per Chinese character, plus form tags like <七绝>, a line break, and 256 byte tokens for anything else.',
    action: 'Show the token ids',
  },
  {
    id: 'embeddings',
    panel: 'panel-embed',
    title: '2 · Embeddings',
    text: "Each token id picks one row of a learned table: a vector of numbers. This is the newest token's row, exactly as stored in the model. The layers keep adding to this vector as it passes through them.",
    action: 'Take a step and show its vector',
  },
  {
    id: 'attention',
    panel: 'panel-attn',
    title: '3 · Attention',
    text: 'In every layer, each head lets the newest token look back at all earlier positions and decide how much of each to mix in. The weights in a row add up to 1, and a token can never look at the future.',
    action: 'Look through the next head',
  },
  {
    id: 'probabilities',
    panel: 'panel-dist',
    title: '4 · Probabilities',
    text: 'After the last layer the model gives a score (logit) to every token in the vocabulary; softmax turns the scores into probabilities. Temperature sharpens (low) or flattens (high) them; top-k and top-p cut the long tail.',
    action: 'Change the temperature',
  },
  {
    id: 'sampling',
    panel: 'panel-dist',
    title: '5 · Sampling',
    text: 'A random number u between 0 and 1 is drawn; stacking the probabilities end to end, the token whose stretch contains u is written. Same seed, same numbers: the same poem every time.',
    action: 'Draw the next token',
  },
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
    byId('guide-title').textContent = stop.title;
    byId('guide-text').textContent = stop.text;
    byId('guide-do').textContent = stop.action;
    for (const panel of document.querySelectorAll('.panel')) panel.classList.remove('spotlight');
    const panel = byId(stop.panel);
    panel.classList.add('spotlight');
    panel.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
    /** @type {HTMLButtonElement} */ (byId('guide-prev')).disabled = this.#index === 0;
    /** @type {HTMLButtonElement} */ (byId('guide-next')).disabled = this.#index === STOPS.length - 1;
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
