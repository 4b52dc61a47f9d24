// Small DOM helpers and the number formats the classroom uses. Text from the model, a file or
// the URL only ever goes in through textContent.

import { isMulti } from './token-text.js';

/**
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 * @returns {HTMLElement}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Marks an element as model output: Simplified Chinese as the model wrote it, never translated
 * or converted (translate="no" asks browser translators the same).
 * @template {HTMLElement} T
 * @param {T} node
 * @returns {T}
 */
export function asModelText(node) {
  node.lang = 'zh-Hans';
  node.translate = false;
  return node;
}

/**
 * Model output as an element of its own (see asModelText).
 * @param {string} text
 * @param {string} [tag]
 * @param {string} [className]
 */
export function modelText(text, tag = 'span', className = 'cjk') {
  return asModelText(el(tag, className, text));
}

/** @param {string} id */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node;
}

/** Probability as a percentage with 2 decimals (the display precision the tests use). */
export function pct(/** @type {number} */ p) {
  return `${(p * 100).toFixed(2)}%`;
}

/** A weight or a vector entry with 4 decimals. */
export function num4(/** @type {number} */ v) {
  return v.toFixed(4);
}

/**
 * How a token's text is shown: newlines, tabs and spaces made visible, wherever they are in it
 * (a BPE token may be "。\n").
 * @param {string} piece
 */
export function showPiece(piece) {
  if (piece === '') return '∅';
  return piece.replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/ /g, '␠');
}

/**
 * A token as one unit: its text (showPiece) in a chip, marked when it spells several characters
 * (multi), has bytes that are not UTF-8 alone (bytes) or is a control token (control); with its
 * id after it when `withId`.
 * @param {import('./token-text.js').TokenText} tok
 * @param {number} id
 * @param {{tag?: string, className?: string, withId?: boolean}} [options]
 */
export function tokenChip(tok, id, options = {}) {
  const node = modelText('', options.tag || 'span', `chip cjk ${options.className || ''}`.trim());
  node.dataset.id = String(id);
  node.dataset.kind = tok.kind;
  if (isMulti(tok.text)) node.classList.add('multi');
  node.append(el('span', 'chip-text', showPiece(tok.text)));
  if (options.withId) node.append(el('span', 'chip-id', String(id)));
  return node;
}

/** A table cell holding a token's chip. @param {import('./token-text.js').TokenText} tok @param {number} id */
export function tokenCell(tok, id) {
  const td = el('td');
  td.append(tokenChip(tok, id));
  return td;
}

/**
 * Ink colour for a weight in [0, 1] (attention cells and the text overlay): alpha grows with the
 * square root so small weights stay visible.
 * @param {number} w
 */
export function inkAlpha(w) {
  return Math.min(1, Math.sqrt(Math.max(0, w)));
}

/**
 * A diverging colour for a signed value scaled by `scale` (vector strips).
 * @param {number} v
 * @param {number} scale
 */
export function signedColor(v, scale) {
  const a = Math.min(1, Math.abs(v) / (scale || 1));
  return v >= 0 ? `rgba(181, 53, 42, ${a.toFixed(3)})` : `rgba(38, 70, 120, ${a.toFixed(3)})`;
}

/**
 * A labelled vector: a colour strip of every entry and the first values in numbers.
 * @param {string} label
 * @param {ArrayLike<number>} v
 */
export function vectorRow(label, v) {
  const row = el('div', 'vec');
  row.append(el('span', 'vec-label', `${label} (${v.length})`));
  let scale = 0;
  for (let c = 0; c < v.length; c++) scale = Math.max(scale, Math.abs(v[c]));
  const strip = el('span', 'vec-strip');
  for (let c = 0; c < v.length; c++) {
    const cell = el('span', 'vec-cell');
    cell.style.setProperty('background', signedColor(v[c], scale));
    cell.title = `[${c}] = ${v[c].toFixed(5)}`;
    strip.append(cell);
  }
  const nums = el('span', 'vec-nums', `${Array.from({ length: Math.min(6, v.length) }, (_, c) => v[c].toFixed(3)).join('  ')} …`);
  row.append(strip, nums);
  return row;
}
