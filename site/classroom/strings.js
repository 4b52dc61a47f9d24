// The classroom's interface language and theme, and its strings in three languages: English
// (strings-en.js), Simplified Chinese (strings-zh-hans.js) and Traditional Chinese as written in
// Taiwan (strings-zh-hant.js, whose header names the standard).
//
// The language is the playground's, from the playground's settings record (site/app/settings.js,
// one localStorage record): `lang` ('zh' | 'en'; '' = the browser's, as site/app/i18n.js's
// initialLang decides) and, in Chinese, `script` ('simplified' | 'traditional', the playground's
// 繁/简 toggle). The classroom's 中/EN and 繁/简 toggles write those same two fields, so the two
// pages always speak alike. (The playground turns its Simplified strings into Traditional with
// OpenCC at run time; the classroom's Traditional strings are written out, with Taiwan's words.)
//
// Markup names its strings like the playground's (site/app/i18n.js):
//   data-i18n="key"  textContent (with data-i18n-n="3": the string's {n}) · data-i18n-title="key"  title · data-i18n-aria-label="key"
// Strings are only ever set as text. {name} in a string is replaced by t()'s vars; tParts() also
// takes DOM nodes as vars, so that model output inside a sentence keeps its own markup
// (views.js modelText: model output is never translated).

import { loadSettings, saveSettings } from '../app/settings.js';
import { initialLang } from '../app/i18n.js';
import { EN } from './strings-en.js';
import { ZH_HANS } from './strings-zh-hans.js';
import { ZH_HANT } from './strings-zh-hant.js';

/** @typedef {'en'|'zh-Hans'|'zh-Hant'} Lang  a BCP 47 tag, as <html lang> gets it */

/** @type {Record<Lang, Record<string, string>>} */
export const STRINGS = { en: EN, 'zh-Hans': ZH_HANS, 'zh-Hant': ZH_HANT };

/**
 * The interface language the playground's settings choose.
 * @param {{lang: string, script: string}} settings
 * @returns {Lang}
 */
export function langOf(settings) {
  if (initialLang(settings.lang) === 'en') return 'en';
  return settings.script === 'traditional' ? 'zh-Hant' : 'zh-Hans';
}

let lang = langOf(loadSettings());

export function currentLang() {
  return lang;
}

/**
 * A string in the interface language with {name} filled in.
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/**
 * A string in the interface language as nodes to append: text, with each {name} whose var is a
 * Node replaced by that node (and other vars as text).
 * @param {string} key
 * @param {Record<string, string | number | Node>} vars
 * @returns {(string | Node)[]}
 */
export function tParts(key, vars) {
  const text = STRINGS[lang][key] ?? key;
  /** @type {(string | Node)[]} */
  const parts = [];
  let last = 0;
  for (const m of text.matchAll(/\{(\w+)\}/g)) {
    const value = vars[m[1]];
    if (value === undefined) continue;
    parts.push(text.slice(last, m.index));
    parts.push(typeof value === 'object' ? value : String(value));
    last = /** @type {number} */ (m.index) + m[0].length;
  }
  parts.push(text.slice(last));
  return parts.filter((p) => p !== '');
}

/** Writes the strings into the markup, sets <html lang>, the title and the two toggles. */
export function applyStrings() {
  document.documentElement.lang = lang;
  document.title = t('documentTitle');
  for (const node of document.querySelectorAll('[data-i18n]')) {
    const { i18n, i18nN } = /** @type {HTMLElement} */ (node).dataset;
    node.textContent = t(i18n || '', i18nN !== undefined ? { n: i18nN } : {});
  }
  for (const node of document.querySelectorAll('[data-i18n-title]')) {
    node.setAttribute('title', t(/** @type {HTMLElement} */ (node).dataset.i18nTitle || ''));
  }
  for (const node of document.querySelectorAll('[data-i18n-aria-label]')) {
    node.setAttribute('aria-label', t(/** @type {HTMLElement} */ (node).dataset.i18nAriaLabel || ''));
  }
  const hant = loadSettings().script === 'traditional';
  // The brand is a Chinese character on every page; the toggles name what they switch to, in
  // that language (中 or EN) or script (繁 or 简).
  const brand = document.getElementById('brand-name');
  if (brand) brand.lang = lang === 'zh-Hant' ? 'zh-Hant' : 'zh-Hans';
  const langToggle = document.getElementById('lang-toggle');
  if (langToggle) langToggle.lang = lang === 'en' ? (hant ? 'zh-Hant' : 'zh-Hans') : 'en';
  const scriptToggle = document.getElementById('script-toggle');
  if (scriptToggle) {
    // In English it would change nothing on this page (model output is never converted).
    scriptToggle.hidden = lang === 'en';
    scriptToggle.setAttribute('aria-pressed', String(hant));
    const label = scriptToggle.querySelector('span');
    if (label) label.lang = hant ? 'zh-Hans' : 'zh-Hant';
  }
}

/**
 * Keeps a choice in the playground's settings and re-says the page in the language it makes.
 * @param {{lang?: 'zh'|'en', script?: 'simplified'|'traditional'}} change
 */
export function chooseLanguage(change) {
  saveSettings({ ...loadSettings(), ...change });
  return followSettings();
}

/**
 * Takes up the language the saved settings choose now (another tab may have changed them).
 * @returns {boolean} whether the language changed
 */
export function followSettings() {
  const next = langOf(loadSettings());
  const changed = next !== lang;
  lang = next;
  applyStrings();
  return changed;
}

// ------------------------------------------------------------------ theme

/** Light or dark: the saved choice, else the system's. */
export function applyTheme() {
  const saved = loadSettings().theme;
  const dark = saved === 'dark' || (saved === '' && window.matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

/** Flips the theme and keeps the choice in the shared settings. */
export function toggleTheme() {
  const dark = document.documentElement.dataset.theme !== 'dark';
  saveSettings({ ...loadSettings(), theme: dark ? 'dark' : 'light' });
  applyTheme();
}
