// What the page says: interface text in the chosen language and script, the status line, the
// run state on <body>, and notices (an error code picks the text; UI never reads messages).

import { state, setState } from './state.js';
import { els } from './elements.js';
import { STRINGS, translate } from './i18n.js';
import { display } from './hanzi.js';

/**
 * Interface text for `key` in the page's language (and, in Chinese, its script).
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
export function t(key, vars) {
  const text = translate(state.lang, key, vars);
  return state.lang === 'zh' ? display(text, state.settings.script) : text;
}

/** @param {string} ch Simplified text → display script */
export const show = (ch) => display(ch, state.settings.script);

/**
 * Sets the status line (kept as a key, so a language change re-renders it).
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
export function setStatus(key, vars = {}) {
  setState({ status: { key, vars } });
  renderStatus();
}

/** Renders the status line in the current language and script. */
export function renderStatus() {
  els.modelStatusText.textContent = t(state.status.key, state.status.vars);
}

/** @param {string} run  body[data-run] */
export function setRun(run) {
  document.body.dataset.run = run;
}

/**
 * Shows a message; `code` picks the text (UI switches on codes, never on messages).
 * @param {string} code
 * @param {string} [message]  detail, for codes whose text includes it
 */
export function notify(code, message = '') {
  const key = `error.${code}`;
  const known = key in STRINGS.zh;
  els.noticeText.textContent = known ? t(key, { message }) : t('error.unknown', { message: message || code });
  els.notice.dataset.code = code;
  els.notice.hidden = false;
}

export function clearNotice() {
  els.notice.hidden = true;
  delete els.notice.dataset.code;
}

/** @param {unknown} err */
export function errorCode(err) {
  return err && typeof err === 'object' && 'code' in err ? String(/** @type {any} */ (err).code) : 'unknown';
}

/** @param {unknown} err */
export function errorMessage(err) {
  return err instanceof Error ? err.message : String(err);
}
