// A red seal (印章) drawn procedurally: a vermilion square with slightly worn
// edges and the characters cut out in white (朱文 is the reverse; this is 白文).
// One character fills the square; two stack; three or four sit in a 2×2 grid
// read right column first, top to bottom, as seals are.

import { Rng, hashString } from '../art/prng.js';

/** @typedef {CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D} Ctx */

/** Serif CJK fonts found on common systems, bold for a carved look. */
export const SEAL_FONT_STACK = '"Noto Serif CJK SC", "Noto Serif CJK TC", "Source Han Serif SC", "Songti SC", "STSong", serif';

/**
 * Picks up to four characters for the seal: CJK ideographs only.
 * @param {string} text
 * @returns {string[]}
 */
export function sealCharacters(text) {
  return [...text].filter((c) => /\p{Script=Han}/u.test(c)).slice(0, 4);
}

/**
 * Draws the seal with its top-left corner at (x, y).
 * @param {Ctx} ctx
 * @param {string} text   characters to carve (only Han characters are used; '砚' when none)
 * @param {number} x
 * @param {number} y
 * @param {number} size   height of the seal in pixels (two characters make a tall seal 0.62× as wide)
 * @param {{seed?: number, fontStack?: string}} [options]
 */
export function drawSeal(ctx, text, x, y, size, options = {}) {
  const chars = sealCharacters(text);
  if (chars.length === 0) chars.push('砚');
  const rng = new Rng(hashString(chars.join('')) ^ ((options.seed ?? 0) >>> 0));
  const fontStack = options.fontStack ?? SEAL_FONT_STACK;
  const red = [178, 38, 30];
  const sealW = chars.length === 2 ? size * 0.62 : size;
  ctx.save();

  // 1. The square, its edge nibbled: a jittered outline with rounded corners.
  ctx.fillStyle = `rgba(${red[0]},${red[1]},${red[2]},0.92)`;
  ctx.beginPath();
  const steps = 28;
  const corner = size * 0.04;
  /** @type {Array<[number, number]>} */
  const pts = [];
  const sides = [
    [x + corner, y, x + sealW - corner, y],
    [x + sealW, y + corner, x + sealW, y + size - corner],
    [x + sealW - corner, y + size, x + corner, y + size],
    [x, y + size - corner, x, y + corner],
  ];
  for (const [x0, y0, x1, y1] of sides) {
    for (let i = 0; i < steps; i++) {
      const t = i / steps;
      const j = size * 0.008 * (rng.next() - 0.5) * 2;
      pts.push([x0 + (x1 - x0) * t + (y0 === y1 ? 0 : j), y0 + (y1 - y0) * t + (y0 === y1 ? j : 0)]);
    }
  }
  ctx.moveTo(pts[0][0], pts[0][1]);
  for (const [px, py] of pts.slice(1)) ctx.lineTo(px, py);
  ctx.closePath();
  ctx.fill();

  // 2. The characters, cut in paper white, each stretched to fill its cell.
  const border = size * 0.1;
  const inner = size - 2 * border;
  const innerW = sealW - 2 * border;
  /** @type {Array<{c: string, cx: number, cy: number, w: number, h: number}>} */
  const cells = [];
  if (chars.length === 1) {
    cells.push({ c: chars[0], cx: x + size / 2, cy: y + size / 2, w: inner, h: inner });
  } else if (chars.length === 2) {
    for (let i = 0; i < 2; i++) cells.push({ c: chars[i], cx: x + sealW / 2, cy: y + border + inner * (i + 0.5) / 2, w: innerW, h: inner / 2 });
  } else {
    // Right column first, top to bottom; three characters: the first takes the whole right column.
    const colW = inner / 2;
    if (chars.length === 3) {
      cells.push({ c: chars[0], cx: x + border + colW * 1.5, cy: y + size / 2, w: colW, h: inner });
      cells.push({ c: chars[1], cx: x + border + colW * 0.5, cy: y + border + inner * 0.25, w: colW, h: inner / 2 });
      cells.push({ c: chars[2], cx: x + border + colW * 0.5, cy: y + border + inner * 0.75, w: colW, h: inner / 2 });
    } else {
      for (let i = 0; i < 4; i++) {
        const col = i < 2 ? 1 : 0;
        const row = i % 2;
        cells.push({ c: chars[i], cx: x + border + colW * (col + 0.5), cy: y + border + inner * (row + 0.5) / 2, w: colW, h: inner / 2 });
      }
    }
  }
  ctx.fillStyle = 'rgba(246,238,222,0.97)';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const fontPx = 100;
  ctx.font = `bold ${fontPx}px ${fontStack}`;
  for (const cell of cells) {
    const m = ctx.measureText(cell.c);
    const gw = Math.max(1, m.actualBoundingBoxLeft + m.actualBoundingBoxRight);
    const gh = Math.max(1, m.actualBoundingBoxAscent + m.actualBoundingBoxDescent);
    // Fill the cell, but never stretch a glyph more than 1.3× one way.
    let sx = (cell.w * 0.94) / gw;
    let sy = (cell.h * 0.94) / gh;
    sx = Math.min(sx, sy * 1.3);
    sy = Math.min(sy, sx * 1.3);
    ctx.save();
    ctx.translate(cell.cx, cell.cy);
    ctx.scale(sx, sy);
    // Centre the glyph's ink box, not its advance box.
    ctx.translate((m.actualBoundingBoxLeft - m.actualBoundingBoxRight) / 2, (m.actualBoundingBoxAscent - m.actualBoundingBoxDescent) / 2);
    ctx.textBaseline = 'alphabetic';
    ctx.fillText(cell.c, 0, 0);
    ctx.restore();
  }

  // 3. Wear: paper specks in the red, a few red crumbs on the strokes, a chipped edge.
  for (let i = 0; i < 90; i++) {
    const px = x + rng.range(0, sealW);
    const py = y + rng.range(0, size);
    const r = size * rng.range(0.003, 0.012);
    ctx.fillStyle = rng.chance(0.7) ? 'rgba(246,238,222,0.85)' : `rgba(${red[0]},${red[1]},${red[2]},0.9)`;
    ctx.beginPath();
    ctx.arc(px, py, r, 0, Math.PI * 2);
    ctx.fill();
  }
  for (let i = 0; i < 3; i++) {
    const t = rng.next();
    const onX = rng.chance(0.5);
    const px = onX ? x + t * sealW : rng.chance(0.5) ? x : x + sealW;
    const py = onX ? (rng.chance(0.5) ? y : y + size) : y + t * size;
    ctx.fillStyle = 'rgba(241,233,214,1)';
    ctx.beginPath();
    ctx.arc(px, py, size * rng.range(0.012, 0.03), 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.restore();
}
