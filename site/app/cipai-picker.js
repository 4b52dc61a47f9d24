// The 詞牌 picker: the composer's 詞牌 field (the chosen 詞牌 and its one-line description) and
// the dialog that lists every 詞牌 of the table, searchable by name in Simplified or
// Traditional, each with its line count, a description derived from its pattern (調, 字數, each
// 片's lines and rhymes by tone, its 句式), and how many 宋詞 its pattern was learned from.
// 又一體 are entries of their own. Choosing one sets state.settings.cipai / cipaiVariant.
//
// Keys: in the search box ↓ goes to the first entry and Enter takes it; in the list ↑ ↓ Home
// End move, Enter or Space take one; Escape closes. Names and counts are set as text.

import { state, saveState } from './state.js';
import { els } from './elements.js';
import { t, show } from './messages.js';
import { cipaiPatterns, findCipai, cipaiFacts, cipaiShape, searchCipai } from './cipai.js';
import { toSimplified, toTraditional } from './hanzi.js';
import { DEFAULT_CIPAI } from './forms.js';

/** @typedef {import('../web/protocol.js').CipaiPattern} CipaiPattern */

/**
 * The one-line description of a pattern, e.g. 双调 44字 · 上片4句2仄韵2平韵 · 下片4句2仄韵2平韵
 * (in the page's language and script).
 * @param {CipaiPattern} pattern
 */
export function describeCipai(pattern) {
  const facts = cipaiFacts(pattern);
  const two = facts.stanzas.length === 2;
  const parts = [t(two ? 'cipaiDouble' : 'cipaiSingle', { n: facts.nChars })];
  facts.stanzas.forEach((stanza, i) => {
    const total = stanza.rhymes.reduce((s, r) => s + r.n, 0);
    const rhymes =
      stanza.rhymes.map((r) => t(r.tone === '平' ? 'cipaiRhymeP' : 'cipaiRhymeZ', { n: r.n })).join(t('cipaiRhymeJoin')) +
      t(total === 1 ? 'cipaiRhymeEndOne' : 'cipaiRhymeEnd');
    const vars = { stanza: t(`cipaiStanza.${i + 1}`), lines: stanza.nLines, rhymes };
    parts.push(t(two ? 'cipaiStanzaPart' : 'cipaiStanzaPartOne', vars));
  });
  return parts.join(' · ');
}

/**
 * The name as the page shows it: the 詞牌 in the page's script, and its 又一體.
 * @param {CipaiPattern} pattern
 */
export function cipaiLabel(pattern) {
  return pattern.variant ? `${show(pattern.name)} ${t('cipaiVariant', { n: pattern.variant })}` : show(pattern.name);
}

/** The chosen pattern (the default 詞牌 when the choice is not in the table). */
function chosen() {
  return (
    findCipai(state.settings.cipai, state.settings.cipaiVariant) ??
    findCipai(DEFAULT_CIPAI) ??
    cipaiPatterns()[0] ??
    null
  );
}

/** Shows the chosen 詞牌 in the composer (or that the table is still loading). */
export function renderCipaiField() {
  const pattern = chosen();
  els.cipaiOpen.disabled = !pattern;
  if (!pattern) {
    els.cipaiCurrentName.textContent = show(state.settings.cipai || DEFAULT_CIPAI);
    els.cipaiCurrentDesc.textContent = t('cipaiLoading');
    return;
  }
  els.cipaiCurrentName.textContent = cipaiLabel(pattern);
  els.cipaiCurrentDesc.textContent = describeCipai(pattern);
}

/**
 * Takes a 詞牌 and closes the picker.
 * @param {CipaiPattern} pattern
 */
function choose(pattern) {
  state.settings.cipai = pattern.name;
  state.settings.cipaiVariant = pattern.variant;
  saveState();
  renderCipaiField();
  els.cipaiDialog.close();
}

/** The entries of the list, in order. */
function items() {
  return /** @type {HTMLButtonElement[]} */ ([...els.cipaiList.querySelectorAll('.cipai-item')]);
}

/**
 * One entry: name (and 又一體), line count, poems; the description under them.
 * @param {CipaiPattern} pattern
 * @param {CipaiPattern | null} current
 */
function entry(pattern, current) {
  const facts = cipaiFacts(pattern);
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'cipai-item';
  button.dataset.name = pattern.name;
  button.dataset.variant = String(pattern.variant);
  if (pattern === current) button.setAttribute('aria-current', 'true');
  const head = document.createElement('span');
  head.className = 'cipai-item-head';
  const name = document.createElement('span');
  name.className = 'cipai-item-name';
  name.textContent = show(pattern.name);
  head.append(name);
  if (pattern.variant) {
    const variant = document.createElement('span');
    variant.className = 'cipai-item-variant';
    variant.textContent = t('cipaiVariant', { n: pattern.variant });
    head.append(variant);
  }
  const lines = document.createElement('span');
  lines.className = 'cipai-item-lines';
  lines.textContent = t('cipaiLines', { n: facts.nLines });
  const poems = document.createElement('span');
  poems.className = 'cipai-item-poems';
  poems.textContent = t('cipaiPoems', { n: pattern.agreeing });
  poems.title = t('cipaiPoemsTitle', { poems: pattern.poems, agreeing: pattern.agreeing });
  head.append(lines, poems);
  const desc = document.createElement('span');
  desc.className = 'cipai-item-desc';
  desc.textContent = describeCipai(pattern);
  // The 句式 tells 又一體 apart (their counts are often the same).
  const shape = document.createElement('span');
  shape.className = 'cipai-item-shape';
  shape.textContent = cipaiShape(pattern);
  button.append(head, desc, shape);
  button.addEventListener('click', () => choose(pattern));
  li.append(button);
  return li;
}

/** Lists the patterns that match the search box. */
function renderList() {
  const query = els.cipaiSearch.value.trim();
  const all = cipaiPatterns();
  const found = searchCipai(all, query, { toSimplified, toTraditional });
  const current = chosen();
  els.cipaiList.replaceChildren(...found.map((p) => entry(p, current)));
  const names = new Set(all.map((p) => p.name)).size;
  els.cipaiCount.textContent = !query
    ? t('cipaiCount', { n: names, variants: all.length - names })
    : found.length
      ? t('cipaiCountFiltered', { n: found.length, q: query })
      : t('cipaiNone', { q: query });
}

/** Opens the picker on the whole list, the chosen 詞牌 in view. */
export function openCipaiPicker() {
  if (!cipaiPatterns().length) return;
  els.cipaiSearch.value = '';
  renderList();
  els.cipaiDialog.showModal();
  const current = els.cipaiList.querySelector('[aria-current="true"]');
  // A phone's keyboard would cover the list: there the chosen entry takes the focus.
  if (window.matchMedia('(pointer: coarse)').matches && current) /** @type {HTMLElement} */ (current).focus();
  else els.cipaiSearch.focus();
  if (current) current.scrollIntoView({ block: 'center' });
}

/** @param {KeyboardEvent} e */
function onSearchKey(e) {
  if (e.key === 'Escape') {
    // A search box would take the first Escape to clear itself.
    e.preventDefault();
    els.cipaiDialog.close();
    return;
  }
  const first = items()[0];
  if (!first) return;
  if (e.key === 'ArrowDown') {
    e.preventDefault();
    first.focus();
  } else if (e.key === 'Enter') {
    e.preventDefault();
    first.click();
  }
}

/** @param {KeyboardEvent} e */
function onListKey(e) {
  const list = items();
  const at = list.indexOf(/** @type {HTMLButtonElement} */ (e.target));
  if (at < 0) return;
  const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: list.length - 1 }[e.key];
  if (to === undefined) return;
  e.preventDefault();
  if (to < 0) els.cipaiSearch.focus();
  else list[Math.min(to, list.length - 1)].focus();
}

/** Wires the field, the dialog, the search box and the list. */
export function bindCipaiPicker() {
  els.cipaiOpen.addEventListener('click', openCipaiPicker);
  els.cipaiClose.addEventListener('click', () => els.cipaiDialog.close());
  els.cipaiSearch.addEventListener('input', renderList);
  els.cipaiSearch.addEventListener('keydown', onSearchKey);
  els.cipaiList.addEventListener('keydown', onListKey);
  els.cipaiDialog.addEventListener('close', () => {
    if (!els.cipaiField.hidden) els.cipaiOpen.focus();
  });
}
