// The poem card (詩箋): the painting, the poem written in vertical columns
// read right to left (竖排), the title in the first column, and a red seal,
// at print resolution. Same input ⇒ the same PNG bytes in the same browser.
//
//   const canvas = await renderCard({poem, title, seed, sealText, lang});
//   const blob = await cardToPngBlob(canvas);

import { paintPoem } from '../art/ink-painter.js';
import { PALETTE } from '../art/brush.js';
import { drawSeal } from './seal.js';

/** @typedef {CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D} Ctx */

/**
 * @typedef {object} CardOptions
 * @property {string} poem          lines separated by '\n'; punctuation is dropped in the columns
 * @property {string} [title]
 * @property {number} [seed]        uint32, the painting's seed
 * @property {string} [sealText]    characters for the seal (藏頭 heads, or the title); default: the title
 * @property {'zh-Hans'|'zh-Hant'|'en'} [lang] picks Simplified or Traditional glyph forms first
 * @property {number} [stanzaBreak] a 詞: the index of the 下闋's first clause (-1: one 闋).
 *           Its columns then hold sentences, not clauses (ciColumns)
 * @property {number} [width]       default 2400
 * @property {number} [height]      default 3200
 * @property {(glyph: CardGlyph) => void} [onGlyph]  told of every character drawn in the
 *           inscription, with its inked box (a measurement hook for tests)
 */

/**
 * A character drawn on the card and the box its ink covers (canvas pixels).
 * @typedef {object} CardGlyph
 * @property {'title'|'poem'} part
 * @property {string} ch
 * @property {number} left
 * @property {number} right
 * @property {number} top
 * @property {number} bottom
 */

/** A title longer than this many columns is cut, ending in '…'. */
export const MAX_TITLE_COLUMNS = 3;

/**
 * Splits a title into columns of at most `maxPerColumn` characters (punctuation dropped), at
 * most MAX_TITLE_COLUMNS of them; a longer title ends in '…'.
 * @param {string} title
 * @param {number} maxPerColumn
 * @returns {string[][]}
 */
export function titleColumns(title, maxPerColumn) {
  const chars = [...title].filter((c) => !PUNCTUATION.test(c));
  const max = maxPerColumn * MAX_TITLE_COLUMNS;
  const kept = chars.length > max ? [...chars.slice(0, max - 1), '…'] : chars;
  // Balanced columns: 14 characters are 7 + 7, not 12 + 2.
  const n = Math.ceil(kept.length / maxPerColumn);
  const per = Math.ceil(kept.length / Math.max(1, n));
  /** @type {string[][]} */
  const columns = [];
  for (let i = 0; i < kept.length; i += per) columns.push(kept.slice(i, i + per));
  return columns;
}

/** Font stacks: locally installed serif CJK faces, no downloads. */
export const CARD_FONTS = Object.freeze({
  'zh-Hans': '"Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", "STSong", "Noto Serif CJK TC", serif',
  'zh-Hant': '"Noto Serif CJK TC", "Source Han Serif TC", "Songti TC", "Noto Serif CJK SC", "STSong", serif',
});

/** The space between a 詞's 闋, in columns. */
const GAP_COLUMNS = 0.6;

const PUNCTUATION = /[，。、；：！？,.;:!?「」『』《》（）()“”‘’"'…—\s]/u;

/**
 * Splits a poem into columns: one clause per column, long clauses wrapped.
 * @param {string} poem
 * @param {number} maxPerColumn
 * @returns {string[][]} columns of characters, first column first
 */
export function poemColumns(poem, maxPerColumn) {
  /** @type {string[][]} */
  const columns = [];
  for (const clause of poem.split(/[\n，。、；！？,.;!?]/u)) {
    const chars = [...clause].filter((c) => !PUNCTUATION.test(c));
    for (let i = 0; i < chars.length; i += maxPerColumn) columns.push(chars.slice(i, i + maxPerColumn));
  }
  return columns.filter((c) => c.length > 0);
}

/**
 * Splits a 詞 into columns: each sentence (clauses up to a 。？！；) starts a column and its
 * clauses run on down it; a clause that no longer fits starts the next column (one longer than
 * a column is wrapped). The 下闋 starts a column of its own after a gap.
 * @param {string} poem         one clause a line, each with its mark
 * @param {number} stanzaBreak  index of the 下闋's first clause (-1: one 闋)
 * @param {number} maxPerColumn
 * @returns {{columns: string[][], gaps: Set<number>}} gaps: indices of the columns a gap precedes
 */
export function ciColumns(poem, stanzaBreak, maxPerColumn) {
  /** @type {string[][]} */
  const columns = [];
  const gaps = new Set();
  /** @type {string[] | null} the column being filled (null: the next clause starts one) */
  let column = null;
  const clauses = poem.split('\n').filter((c) => c.trim());
  clauses.forEach((clause, i) => {
    if (i === stanzaBreak && columns.length) {
      gaps.add(columns.length);
      column = null;
    }
    const chars = [...clause].filter((c) => !PUNCTUATION.test(c));
    if (column && column.length + chars.length > maxPerColumn) column = null;
    for (const ch of chars) {
      if (!column || column.length === maxPerColumn) {
        column = [];
        columns.push(column);
      }
      column.push(ch);
    }
    if (/[。？！；.?!;]\s*$/u.test(clause)) column = null;
  });
  return { columns: columns.filter((c) => c.length > 0), gaps };
}

/**
 * Renders the card. Resolves once fonts are ready.
 * @param {CardOptions} options
 * @returns {Promise<HTMLCanvasElement>}
 */
export async function renderCard(options) {
  const W = options.width ?? 2400;
  const H = options.height ?? 3200;
  const title = (options.title ?? '').trim();
  const lang = options.lang === 'zh-Hant' ? 'zh-Hant' : 'zh-Hans';
  const fonts = CARD_FONTS[lang];

  // --- Layout of the inscription ---------------------------------------------
  const margin = W * 0.075;
  const maxTextH = H * 0.46;
  const maxTextW = W * 0.64;
  /**
   * The columns at most `maxPerColumn` characters tall, and the type size that fits them.
   * @param {number} maxPerColumn
   */
  const layout = (maxPerColumn) => {
    const { columns, gaps } = options.stanzaBreak !== undefined
      ? ciColumns(options.poem ?? '', options.stanzaBreak, maxPerColumn)
      : { columns: poemColumns(options.poem ?? '', maxPerColumn), gaps: new Set() };
    const titleCols = titleColumns(title, maxPerColumn);
    // The title is set a little larger and looser (1.08 × size, 1.05 × pitch): its length
    // counts for that much more.
    const longest = Math.max(1, ...titleCols.map((c) => c.length * 1.08 * 1.05), ...columns.map((c) => c.length));
    const nCols = columns.length + gaps.size * GAP_COLUMNS + (titleCols.length ? titleCols.length * 1.1 + 0.3 : 0) + 0.6;
    const size = Math.floor(Math.min(W * 0.06, maxTextH / (longest * 1.12), maxTextW / (nCols * 1.5)));
    return { columns, gaps, titleCols, longest, nCols, size };
  };
  // Columns of 12; a 詞 (up to 25 clauses) takes the column height that gives the largest type.
  let best = layout(12);
  if (options.stanzaBreak !== undefined) {
    for (let m = 8; m <= 20; m++) {
      const other = layout(m);
      if (other.size > best.size) best = other;
    }
  }
  const { columns, gaps, titleCols, longest, nCols, size } = best;
  const pitchY = size * 1.12;
  const pitchX = size * 1.5;
  const textW = nCols * pitchX;
  const textH = longest * pitchY;
  const right = W - margin * 1.2;
  const top = margin * 1.15;
  const reserve = { x: (right - textW - size * 1.6) / W, y: 0, w: (textW + size * 1.6) / W + 0.02, h: (top + textH + size * 0.8) / H };

  // --- Painting, keeping the inscription's corner clear -----------------------
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  // A CPU-backed canvas: the same pixels every time, whatever the GPU does.
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d', { willReadFrequently: true }));
  paintPoem(canvas, { poem: options.poem ?? '', title, seed: options.seed ?? 0, reserve });

  // A thin mounting border.
  ctx.strokeStyle = 'rgba(60,50,40,0.35)';
  ctx.lineWidth = W * 0.0015;
  ctx.strokeRect(W * 0.03, W * 0.03, W - W * 0.06, H - W * 0.06);
  ctx.lineWidth = W * 0.0006;
  ctx.strokeRect(W * 0.036, W * 0.036, W - W * 0.072, H - W * 0.072);

  // --- Fonts --------------------------------------------------------------------
  const allText = title + (options.poem ?? '');
  if (typeof document !== 'undefined' && document.fonts) {
    try {
      await document.fonts.load(`${size}px ${fonts}`, allText);
      await document.fonts.load(`bold ${size}px ${fonts}`, options.sealText ?? title);
    } catch {
      // Local fonts need no loading; a failure here just means the fallback serif is used.
    }
  }

  // A soft clearing of the paper behind the text, so ink reads over washes.
  ctx.save();
  ctx.filter = `blur(${Math.round(size * 0.6)}px)`;
  ctx.fillStyle = `rgba(${PALETTE.paper.join(',')},0.55)`;
  ctx.fillRect(right - textW - size * 0.2, top - size * 0.3, textW + size * 0.5, textH + size * 0.5);
  ctx.restore();

  // --- The inscription, right to left --------------------------------------
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const ink = 'rgba(30,28,26,0.92)';
  let x = right - pitchX / 2;
  /**
   * @param {'title'|'poem'} part
   * @param {string[]} chars
   * @param {number} cx
   * @param {number} y0
   * @param {number} px
   * @param {number} pitch
   */
  const column = (part, chars, cx, y0, px, pitch) => {
    ctx.font = `${px}px ${fonts}`;
    ctx.fillStyle = ink;
    ctx.shadowColor = 'rgba(30,28,26,0.35)';
    ctx.shadowBlur = px * 0.04;
    chars.forEach((c, i) => {
      const cy = y0 + pitch * (i + 0.5);
      ctx.fillText(c, cx, cy);
      if (options.onGlyph) {
        const m = ctx.measureText(c);
        options.onGlyph({
          part,
          ch: c,
          left: cx - m.actualBoundingBoxLeft,
          right: cx + m.actualBoundingBoxRight,
          top: cy - m.actualBoundingBoxAscent,
          bottom: cy + m.actualBoundingBoxDescent,
        });
      }
    });
    ctx.shadowBlur = 0;
  };
  titleCols.forEach((col, i) => {
    column('title', col, x, top, Math.round(size * 1.08), pitchY * 1.05);
    x -= pitchX * (i === titleCols.length - 1 ? 1.4 : 1.1);
  });
  columns.forEach((col, i) => {
    if (gaps.has(i)) x -= pitchX * GAP_COLUMNS;
    column('poem', col, x, top + size * 0.35, size, pitchY);
    x -= pitchX;
  });

  // --- Seal: beneath the last column's end, a little to its left --------------
  const sealSize = Math.round(Math.max(size * 1.35, W * 0.065));
  const lastLen = columns.length ? columns[columns.length - 1].length : titleCols.length ? titleCols[titleCols.length - 1].length : 0;
  const sealX = Math.round(x + pitchX / 2 - sealSize * 0.55);
  const sealY = Math.round(Math.min(H - margin - sealSize, top + size * 0.35 + lastLen * pitchY + size * 0.5));
  drawSeal(ctx, options.sealText ?? title, sealX, sealY, sealSize, { seed: options.seed ?? 0, fontStack: fonts });

  return canvas;
}

/**
 * Encodes the card as PNG.
 * @param {HTMLCanvasElement | OffscreenCanvas} canvas
 * @returns {Promise<Blob>}
 */
export function cardToPngBlob(canvas) {
  if ('convertToBlob' in canvas) return canvas.convertToBlob({ type: 'image/png' });
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('card: PNG encoding failed'))), 'image/png');
  });
}

/**
 * Encodes the card as JPEG: about a tenth of the PNG's size, for the share
 * sheet and messaging apps; the PNG stays the print/download format.
 * @param {HTMLCanvasElement | OffscreenCanvas} canvas
 * @param {number} [quality] 0..1, default 0.9
 * @returns {Promise<Blob>}
 */
export function cardToJpegBlob(canvas, quality = 0.9) {
  if ('convertToBlob' in canvas) return canvas.convertToBlob({ type: 'image/jpeg', quality });
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('card: JPEG encoding failed'))), 'image/jpeg', quality);
  });
}
