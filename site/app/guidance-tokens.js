// The tokens of the guidance prompt (classifier-free guidance toward the title, against the same
// prompt with the title 无题: prompt-format.js). That prompt depends only on how the model is
// asked (style, form tag, whether its chat template thinks), not on the poem, so it is tokenized
// once per model and kept here; the engine clears it when another model is loaded.

import { poemPrompt, UNTITLED } from './prompt-format.js';

/** @typedef {(text: string, options: {addBos: boolean, special: boolean}) => Promise<number[]>} Tokenize */

export class GuidanceTokens {
  /** @type {Tokenize} */
  #tokenize;
  /** @type {Map<string, Promise<number[]>>} */
  #byPrompt = new Map();

  /** @param {Tokenize} tokenize  the loaded model's tokenizer (web/client.js Inkstone.tokenize) */
  constructor(tokenize) {
    this.#tokenize = tokenize;
  }

  /**
   * The guidance prompt's tokens for a model asked in `style` for a poem of form `tag`.
   * @param {import('./prompt-format.js').PromptStyle} style
   * @param {string} tag
   * @param {boolean} thinks  the chat template knows <think>
   * @returns {Promise<number[]>}
   */
  get(style, tag, thinks) {
    const key = `${style}\n${tag}\n${thinks}`;
    let tokens = this.#byPrompt.get(key);
    if (!tokens) {
      const prompt = poemPrompt(style, { tag, title: UNTITLED, thinks });
      // ChatML markup is the page's own: its control pieces are matched whole (as engine.js).
      tokens = this.#tokenize(prompt.text, { addBos: prompt.addBos, special: style === 'chatml' });
      this.#byPrompt.set(key, tokens);
      tokens.catch(() => {
        if (this.#byPrompt.get(key) === tokens) this.#byPrompt.delete(key);
      });
    }
    return tokens;
  }

  /** Forgets every prompt (another model: another vocabulary). */
  clear() {
    this.#byPrompt.clear();
  }

  /** How many prompts are kept (for tests). */
  get size() {
    return this.#byPrompt.size;
  }
}
