// Poetry on top of the generic client: the tone (平仄) and rhyme tables that constraints and
// analysis use, the analysis of any poem text, and the names of the preset forms. The client
// (web/client.js) runs any GGUF model; what is specific to classical Chinese verse lives here.
//
//   import { Inkstone } from './web/client.js';
//   import { Poetry } from './web/poetry.js';
//   const ink = new Inkstone({ wasmBase: '/wasm/' });
//   const poetry = new Poetry(ink);
//   await poetry.setProsody({ tones: '/prosody/tones.tsv', rhyme: '/prosody/rhyme-pingshui.tsv' },
//                           { fetch: true });
//   const analysis = await poetry.analyse('床前明月光，疑是地上霜。舉頭望明月，低頭思故鄉。');
//
// Any number of Poetry objects may wrap one client; they share its worker. The tables are sent
// again to a worker that replaced a crashed one (before the model is reloaded).

import { download } from './model-store.js';
import { CHANNEL } from './protocol.js';

/** @typedef {import('./protocol.js').PoemAnalysis} PoemAnalysis */
/** @typedef {import('./protocol.js').ClientChannel} ClientChannel */

/**
 * @typedef {object} ProsodySummary
 * @property {number} nTones        characters with a tone
 * @property {number} nRhymes       characters with a rhyme group
 * @property {number} nRhymeGroups
 * @property {string} rhymeBook     the rhyme table's name
 */

export class Poetry {
  /** @type {ClientChannel} */
  #channel;

  /** @param {import('./client.js').Inkstone} ink the client whose worker runs the analysis */
  constructor(ink) {
    this.#channel = ink[CHANNEL]();
  }

  /**
   * Sets the tone and rhyme tables used by constraints (`constraint` in generate options) and
   * by analyse(): the text of assets/prosody/tones.tsv and of one rhyme-*.tsv, or URLs of them.
   * @param {{tones: string | URL, rhyme: string | URL}} tables  text, or URLs when `fetch: true`
   * @param {{fetch?: boolean, signal?: AbortSignal}} [options]
   * @returns {Promise<ProsodySummary>}
   */
  async setProsody(tables, options = {}) {
    const text = async (/** @type {string | URL} */ v) => {
      if (!options.fetch) return String(v);
      return new TextDecoder().decode(await download(v, { signal: options.signal }));
    };
    const payload = { tones: await text(tables.tones), rhyme: await text(tables.rhyme) };
    const result = await this.#channel.request('prosody', payload);
    this.#channel.restore('prosody', { type: 'prosody', payload });
    return result;
  }

  /**
   * Sets the 詞牌 table (assets/prosody/cipai.tsv, or its URL with `fetch: true`): constraints
   * may then name a 詞牌 ({"cipai": "浣溪沙"}), and analyse() reads a 詞 by its 詞牌. A 詞
   * rhymes by the 詞 book: setProsody with rhyme-ci.tsv.
   * @param {string | URL} table
   * @param {{fetch?: boolean, signal?: AbortSignal}} [options]
   * @returns {Promise<{nPatterns: number}>}
   */
  async setCipai(table, options = {}) {
    const text = options.fetch
      ? new TextDecoder().decode(await download(table, { signal: options.signal }))
      : String(table);
    const payload = { table: text };
    const result = await this.#channel.request('cipai', payload);
    this.#channel.restore('cipai', { type: 'cipai', payload });
    return result;
  }

  /**
   * The 詞牌 patterns of the table set by setCipai ([] before).
   * @returns {Promise<import('./protocol.js').CipaiPattern[]>}
   */
  async cipaiPatterns() {
    return (await this.#channel.request('presets', {})).cipai;
  }

  /**
   * Tones, rhymes and the faults of regulated verse (or of a 詞, by its 詞牌) for any poem text.
   * `as` reads it as the 詞牌 it was written to (needs setCipai), even where its structure alone
   * reads otherwise (a 生查子 has the shape of a 五言律詩; 木兰花 and 玉楼春 share one).
   * @param {string} text
   * @param {{cipai: string, variant?: number}} [as]
   * @returns {Promise<PoemAnalysis>}
   */
  analyse(text, as) {
    return this.#channel.request('analyse', as ? { text, cipai: as.cipai, variant: as.variant || 0 } : { text });
  }

  /**
   * Names of the preset forms ("五言絕句", ...) usable as {"form": name} in a constraint.
   * @returns {Promise<string[]>}
   */
  async formPresets() {
    return (await this.#channel.request('presets', {})).forms;
  }
}
