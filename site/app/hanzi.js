// Simplified ⇄ Traditional, phrase by phrase, with OpenCC's dictionaries (opencc-js 1.0.5, the
// same tables as the OpenCC that prepared the training text). The model writes Simplified; the
// page can show Traditional, and Traditional input becomes the Simplified the model knows.
// One character has several Traditional forms (发 → 發 in 发展, 髮 in 头发; 后 → 後 in 以后,
// 后 in 皇后; 云 → 雲, but 人云亦云), so whole strings are converted, never one character alone.
//
// The tables are ES modules copied into dist/vendor/opencc-js/ by tools/site/build.mjs (and
// precached with the app shell, so this works offline):
//   Traditional → Simplified  (~40 KB: TWVariantsRev*, TSCharacters, TSPhrases)  loadHanzi(), at start
//   Simplified → Traditional  (~1 MB: STCharacters, STPhrases, TWVariants)       loadTraditional(),
//                             only once Traditional display is chosen
// Both directions are OpenCC's tw presets (s2tw / tw2s): Taiwan standard forms (為, 裡) out,
// and any Traditional form in. Until a direction is loaded (or if it cannot be), text passes
// through unchanged.

const VENDOR = new URL('../vendor/opencc-js/', import.meta.url);

/** @typedef {(text: string) => string} Convert */

/** @type {Convert | null} */
let s2t = null;
/** @type {Convert | null} */
let t2s = null;
/** @type {Promise<boolean> | null} */
let loadingT2s = null;
/** @type {Promise<boolean> | null} */
let loadingS2t = null;

/**
 * Builds an OpenCC converter from dictionary groups (each group one trie, applied in order).
 * @param {string[][]} groups  dictionary module names per group, e.g. [['STCharacters', 'STPhrases']]
 * @returns {Promise<Convert>}
 */
async function converter(groups) {
  const core = await import(new URL('core.js', VENDOR).href);
  const dicts = await Promise.all(
    groups.map((names) =>
      Promise.all(names.map(async (name) => (await import(new URL(`dict/${name}.js`, VENDOR).href)).default)),
    ),
  );
  return core.ConverterFactory(...dicts);
}

/**
 * Loads Traditional → Simplified (once). Resolves false if the tables could not be loaded.
 * @returns {Promise<boolean>}
 */
export function loadHanzi() {
  if (!loadingT2s) {
    loadingT2s = converter([['TWVariantsRev', 'TWVariantsRevPhrases'], ['TSCharacters', 'TSPhrases']])
      .then((convert) => {
        t2s = convert;
        return true;
      })
      .catch((err) => {
        console.warn('hanzi: Traditional → Simplified tables did not load', err);
        return false;
      });
  }
  return loadingT2s;
}

/**
 * Loads Simplified → Traditional (once; about 1 MB of tables). Resolves false if they could
 * not be loaded.
 * @returns {Promise<boolean>}
 */
export function loadTraditional() {
  if (!loadingS2t) {
    loadingS2t = converter([['STCharacters', 'STPhrases'], ['TWVariants']])
      .then((convert) => {
        s2t = convert;
        return true;
      })
      .catch((err) => {
        console.warn('hanzi: Simplified → Traditional tables did not load', err);
        loadingS2t = null; // try again on the next toggle
        return false;
      });
  }
  return loadingS2t;
}

/** Whether Simplified → Traditional is loaded. */
export function traditionalReady() {
  return s2t !== null;
}

/**
 * Simplified → Traditional (phrase level).
 * @param {string} text
 */
export function toTraditional(text) {
  return s2t ? s2t(text) : text;
}

/**
 * Traditional → Simplified (what the model reads).
 * @param {string} text
 */
export function toSimplified(text) {
  return t2s ? t2s(text) : text;
}

/**
 * Text for display in the chosen script.
 * @param {string} text   Simplified text
 * @param {'simplified'|'traditional'} script
 */
export function display(text, script) {
  return script === 'traditional' ? toTraditional(text) : text;
}

/**
 * The display form of each character of `text`, converted in context: element i is what
 * code point i of `text` shows as. (OpenCC's Simplified → Traditional tables map every phrase
 * to one of the same length; should one not, each character is converted alone.)
 * @param {string} text   Simplified
 * @param {'simplified'|'traditional'} script
 * @returns {string[]}
 */
export function displayChars(text, script) {
  const chars = Array.from(text);
  if (script !== 'traditional') return chars;
  const shown = Array.from(toTraditional(text));
  return shown.length === chars.length ? shown : chars.map((ch) => toTraditional(ch));
}
