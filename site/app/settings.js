// Everything the user set, kept in localStorage so that nothing is lost on reload: the
// composer's fields, sampling options, display choices, and the poem on the page.

import { SAMPLING_DEFAULTS } from './writing-defaults.js';

const KEY = 'inkstone.playground.v1';

/**
 * @typedef {object} Settings
 * @property {string} title
 * @property {string} firstLine
 * @property {import('./forms.js').FormId} form
 * @property {import('./forms.js').Start} start
 * @property {string} acrostic
 * @property {string} cipai        the 詞牌 chosen for a 詞 (Simplified)
 * @property {number} cipaiVariant its 又一體 (0 the main structure)
 * @property {5|7} lineLength
 * @property {boolean} tones
 * @property {boolean} rhyme
 * @property {string} rhymeBook
 * @property {number} temperature
 * @property {number} topK
 * @property {number} topP
 * @property {number} guidance  classifier-free guidance toward the title (1 = off)
 * @property {boolean} noRepeat  no character used twice in a 詩
 * @property {number} seed
 * @property {boolean} seedLocked
 * @property {'horizontal'|'vertical'} layout
 * @property {'simplified'|'traditional'} script
 * @property {'zh'|'en'|''} lang
 * @property {'light'|'dark'|''} theme
 * @property {boolean} prosody
 * @property {boolean} samplingOpen
 * @property {any} [poem]   the poem on the page (a PoemRecord, see state.js)
 */

/** @type {Settings} */
export const DEFAULTS = Object.freeze({
  title: '',
  firstLine: '',
  form: 'qiyan-jueju',
  start: '',
  acrostic: '',
  cipai: '浣溪沙',
  cipaiVariant: 0,
  lineLength: 7,
  tones: true,
  rhyme: true,
  rhymeBook: 'xinyun',
  ...SAMPLING_DEFAULTS,
  seed: 1,
  seedLocked: false,
  layout: 'horizontal',
  script: 'simplified',
  lang: '',
  theme: '',
  prosody: false,
  samplingOpen: false,
  poem: null,
});

/**
 * Saved settings merged over the defaults; anything of the wrong type is dropped.
 * @returns {Settings}
 */
export function loadSettings() {
  /** @type {Record<string, unknown>} */
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(KEY) || '{}') || {};
  } catch {
    saved = {};
  }
  /** @type {any} */
  const out = { ...DEFAULTS };
  for (const [key, fallback] of Object.entries(DEFAULTS)) {
    const value = saved[key];
    if (value === undefined) continue;
    if (key === 'poem') {
      out.poem = value && typeof value === 'object' ? value : null;
    } else if (typeof value === typeof fallback) {
      out[key] = value;
    }
  }
  return out;
}

/**
 * @param {Settings} settings
 */
export function saveSettings(settings) {
  try {
    localStorage.setItem(KEY, JSON.stringify(settings));
  } catch {
    // Storage full or disabled: the page still works, it just forgets.
  }
}
