// The 詞牌 the playground offers: the patterns of assets/prosody/cipai.tsv as the worker read
// them (web/poetry.js cipaiPatterns, set once at start), looked up by name and 又一體, counted
// for the picker's one-line description, searched by name, and split into 上闋 and 下闋.
// Plain data and functions (no DOM): forms.js plans a 詞 from here, also under Node.
//
// A pattern's `lines` are the clauses as the corpus punctuates them: "。" ends a sentence (and,
// at a rhyme, the rhyme), "，" a line, "、" a pause inside a line. The description counts lines
// (句) as the tradition does, a clause that ends in "、" being the first part of its line.

/** @typedef {import('../web/protocol.js').CipaiPattern} CipaiPattern */

/**
 * @typedef {object} CipaiStanza  one 闋 of a pattern
 * @property {number} from        index of its first clause
 * @property {number} to          one past its last clause
 * @property {number} nChars
 * @property {number} nLines      lines (句): clauses that do not end in "、"
 * @property {{tone: string, n: number}[]} rhymes  rhyming clauses by tone (平 or 仄), in the
 *           order the tones first rhyme
 */

/**
 * @typedef {object} CipaiFacts  what the picker says about a pattern
 * @property {number} nChars
 * @property {number} nLines      lines (句) of the whole 詞
 * @property {number} nClauses    clauses (the table's lines, the poem's `.line` elements)
 * @property {CipaiStanza[]} stanzas  one (單調) or two (雙調)
 */

/** @type {CipaiPattern[]} */
let patterns = [];

/**
 * Sets the patterns (from the worker, in the table's order: most poems first).
 * @param {CipaiPattern[]} list
 */
export function setCipaiPatterns(list) {
  patterns = Array.isArray(list) ? list : [];
}

/** The patterns, in the table's order ([] until they are set). */
export function cipaiPatterns() {
  return patterns;
}

/**
 * A pattern by its Simplified name and variant (0 the main structure), or null.
 * @param {string | undefined} name
 * @param {number} [variant]
 * @returns {CipaiPattern | null}
 */
export function findCipai(name, variant = 0) {
  return patterns.find((p) => p.name === name && p.variant === (variant || 0)) ?? null;
}

/**
 * The pattern's 闋: split at its stanzaBreak (the first clause of the 下闋; -1: one 闋).
 * @param {CipaiPattern} pattern
 * @returns {CipaiStanza[]}
 */
export function cipaiStanzas(pattern) {
  const n = pattern.lines.length;
  const cut = pattern.stanzaBreak > 0 && pattern.stanzaBreak < n ? pattern.stanzaBreak : -1;
  const bounds = cut < 0 ? [[0, n]] : [[0, cut], [cut, n]];
  return bounds.map(([from, to]) => {
    const lines = pattern.lines.slice(from, to);
    /** @type {{tone: string, n: number}[]} */
    const rhymes = [];
    for (const line of lines) {
      if (line.slot < 0) continue;
      const tone = pattern.slotTones[line.slot] || '';
      const known = rhymes.find((r) => r.tone === tone);
      if (known) known.n++;
      else rhymes.push({ tone, n: 1 });
    }
    return {
      from,
      to,
      nChars: lines.reduce((s, l) => s + l.chars, 0),
      nLines: lines.filter((l) => l.punct !== '、').length,
      rhymes,
    };
  });
}

/**
 * Counts of a pattern for the picker.
 * @param {CipaiPattern} pattern
 * @returns {CipaiFacts}
 */
export function cipaiFacts(pattern) {
  const stanzas = cipaiStanzas(pattern);
  return {
    nChars: stanzas.reduce((s, x) => s + x.nChars, 0),
    nLines: stanzas.reduce((s, x) => s + x.nLines, 0),
    nClauses: pattern.lines.length,
    stanzas,
  };
}

/**
 * The index of the 下闋's first clause for a poem of this 詞牌 (-1: one 闋, or not a 詞 of the
 * table).
 * @param {string | undefined} name
 * @param {number} [variant]
 */
export function stanzaBreakOf(name, variant = 0) {
  const pattern = findCipai(name, variant);
  return pattern ? pattern.stanzaBreak : -1;
}

/**
 * The pattern's 句式: each clause's length and mark, the 闋 apart, e.g. 7。7。7。｜7，7。7。
 * @param {CipaiPattern} pattern
 */
export function cipaiShape(pattern) {
  return cipaiStanzas(pattern)
    .map((s) => pattern.lines.slice(s.from, s.to).map((l) => `${l.chars}${l.punct}`).join(''))
    .join('｜');
}

/**
 * The patterns whose name matches a query: typed in Simplified or Traditional (both are
 * compared, through the page's converters), spaces and "·" ignored. An empty query matches all.
 * @param {CipaiPattern[]} list
 * @param {string} query
 * @param {{toSimplified: (s: string) => string, toTraditional: (s: string) => string}} hanzi
 * @returns {CipaiPattern[]}
 */
export function searchCipai(list, query, hanzi) {
  const q = query.replace(/[\s·・.]+/gu, '');
  if (!q) return list;
  const simplified = hanzi.toSimplified(q);
  return list.filter((p) => {
    if (p.name.includes(q) || p.name.includes(simplified)) return true;
    return hanzi.toTraditional(p.name).includes(q);
  });
}
