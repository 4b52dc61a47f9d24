// Simplified <-> Traditional characters, one character at a time, from the map that
// tools/site/make-hanzi-map.mjs builds out of OpenCC's tables for the model's vocabulary.
// The model writes Simplified; the page can show Traditional, and Traditional input is turned
// into the Simplified characters the model knows.

/** @typedef {{s2t: Map<string, string>, t2s: Map<string, string>}} HanziMap */

/** @type {Promise<HanziMap> | null} */
let loading = null;
/** @type {HanziMap} */
let current = { s2t: new Map(), t2s: new Map() };

/**
 * @param {string} pairs  "aAbB…" — code-point pairs
 * @returns {Map<string, string>}
 */
function pairMap(pairs) {
  const chars = Array.from(pairs);
  const map = new Map();
  for (let i = 0; i + 1 < chars.length; i += 2) map.set(chars[i], chars[i + 1]);
  return map;
}

/**
 * Loads the map (once). A missing map leaves text unchanged.
 * @returns {Promise<HanziMap>}
 */
export function loadHanziMap() {
  if (!loading) {
    loading = fetch(new URL('./hanzi-map.json', import.meta.url))
      .then((r) => (r.ok ? r.json() : { s2t: '', t2s: '' }))
      .then((json) => {
        current = { s2t: pairMap(String(json.s2t || '')), t2s: pairMap(String(json.t2s || '')) };
        return current;
      })
      .catch(() => current);
  }
  return loading;
}

/**
 * Simplified → Traditional.
 * @param {string} text
 */
export function toTraditional(text) {
  let out = '';
  for (const ch of text) out += current.s2t.get(ch) ?? ch;
  return out;
}

/**
 * Traditional → Simplified (what the model reads).
 * @param {string} text
 */
export function toSimplified(text) {
  let out = '';
  for (const ch of text) out += current.t2s.get(ch) ?? ch;
  return out;
}

/**
 * Text for display in the chosen script.
 * @param {string} text   Simplified text
 * @param {'simplified'|'traditional'} script
 */
export function display(text, script) {
  return script === 'traditional' ? toTraditional(text) : text;
}
