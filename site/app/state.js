// The playground's page state, in one place: what the user set (persisted), the poem on the
// page and its token records, the run in progress, the shared link being shown, the status
// line. Modules read `state.x` and change it through `setState({x})`, which tells whoever
// subscribed to that field (`onState('x', fn)`). Nothing else in site/app keeps page state.

import { loadSettings, saveSettings } from './settings.js';
import { initialLang } from './i18n.js';

/** @typedef {import('./forms.js').FormChoice} FormChoice */

/**
 * A poem as the page keeps it (settings.poem, gallery entries, share links).
 * @typedef {object} PoemRecord
 * @property {string} title       Simplified
 * @property {string} opening     given start of the body, Simplified ('' if none)
 * @property {FormChoice} choice
 * @property {string} rhymeBook
 * @property {{temperature: number, topK: number, topP: number, seed: number, guidance?: number, noRepeat?: boolean}} sampling
 * @property {string} text        the body as written (Simplified, with punctuation)
 * @property {string} modelId
 * @property {boolean} complete   the generation ended by itself (not stopped, cut or failed)
 */

/**
 * @typedef {object} PageState
 * @property {import('./settings.js').Settings} settings  what the user set; saved by saveState()
 * @property {'zh'|'en'} lang
 * @property {PoemRecord | null} current   the poem on the page
 * @property {import('./poem-view.js').TokenRecord[]} tokens  per-token records of the poem on
 *           the page (empty for a static poem)
 * @property {AbortController | null} running  the generation in progress
 * @property {import('../share/share-codec.js').ShareState | null} shared  a shared poem to replay
 * @property {{key: string, vars: Record<string, string | number>}} status  the status line
 *           (a string key, re-rendered on language change)
 * @property {'loading'|'ready'|'error'} model
 * @property {'loading'|'ready'|'error'} cipai  the 詞牌 table (cipai.js has its patterns)
 */

const settings = loadSettings();

/** @type {PageState} */
export const state = {
  settings,
  lang: initialLang(settings.lang),
  current: null,
  tokens: [],
  running: null,
  shared: null,
  status: { key: 'status.idle', vars: {} },
  model: 'loading',
  cipai: 'loading',
};

/** @typedef {keyof PageState} StateField */

/** @type {Map<StateField, Set<(value: any) => void>>} */
const listeners = new Map();

/**
 * Changes fields and tells their subscribers (only for fields whose value changed).
 * @param {Partial<PageState>} patch
 */
export function setState(patch) {
  /** @type {StateField[]} */
  const changed = [];
  for (const key of /** @type {StateField[]} */ (Object.keys(patch))) {
    if (state[key] === patch[key]) continue;
    /** @type {any} */ (state)[key] = patch[key];
    changed.push(key);
  }
  for (const key of changed) {
    for (const fn of listeners.get(key) ?? []) fn(state[key]);
  }
}

/**
 * Calls `fn(value)` whenever `field` changes; returns the unsubscribe function.
 * @template {StateField} K
 * @param {K} field
 * @param {(value: PageState[K]) => void} fn
 */
export function onState(field, fn) {
  let set = listeners.get(field);
  if (!set) listeners.set(field, (set = new Set()));
  set.add(fn);
  return () => set.delete(fn);
}

/** Saves the settings (after a change to `state.settings`, which is mutated in place). */
export function saveState() {
  saveSettings(state.settings);
}
