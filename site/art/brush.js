// Brush primitives for the ink painter: paper, washes, tapered strokes,
// dry-brush hairs, texture strokes (皴) and dots. All randomness comes in
// through an Rng, so a stroke is the same every time it is drawn.

/** @typedef {CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D} Ctx */
/** @typedef {import('./prng.js').Rng} Rng */
/** @typedef {[number, number]} Point */

/** Restrained palette: warm ink, indigo (花青), ochre (赭石), vermilion (朱砂). */
export const PALETTE = Object.freeze({
  paper: [241, 233, 214],
  paperLight: [248, 243, 230],
  ink: [30, 28, 26],
  indigo: [62, 80, 104],
  ochre: [172, 120, 64],
  vermilion: [184, 52, 36],
  blossom: [204, 96, 92],
  green: [98, 114, 86],
});

/**
 * @param {readonly number[]} rgb
 * @param {number} alpha
 * @returns {string}
 */
export function rgba(rgb, alpha) {
  return `rgba(${rgb[0]},${rgb[1]},${rgb[2]},${Math.max(0, Math.min(1, alpha)).toFixed(4)})`;
}

/**
 * Mixes two colours.
 * @param {readonly number[]} a
 * @param {readonly number[]} b
 * @param {number} t 0 → a, 1 → b
 * @returns {number[]}
 */
export function mix(a, b, t) {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
}

/**
 * Makes a canvas to draw scratch layers on, in a page or a worker.
 * @param {number} width
 * @param {number} height
 * @returns {HTMLCanvasElement | OffscreenCanvas}
 */
export function makeCanvas(width, height) {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

/**
 * A paper-fibre tile: faint specks and short fibres, light and dark.
 * @param {Rng} rng
 * @param {number} size tile side in pixels
 * @returns {HTMLCanvasElement | OffscreenCanvas}
 */
export function paperTile(rng, size) {
  const tile = makeCanvas(size, size);
  const t = /** @type {Ctx} */ (tile.getContext('2d'));
  const image = t.createImageData(size, size);
  const d = image.data;
  // Sparse specks only: dense per-pixel noise would make a card's PNG
  // incompressible (tens of megabytes) for no visible gain.
  for (let i = 0; i < size * size; i++) {
    const v = rng.next();
    if (v > 0.012 && v < 0.992) continue;
    const dark = v < 0.5;
    d[4 * i] = dark ? 120 : 255;
    d[4 * i + 1] = dark ? 104 : 252;
    d[4 * i + 2] = dark ? 80 : 244;
    d[4 * i + 3] = dark ? 22 : 30;
  }
  t.putImageData(image, 0, 0);
  // Fibres.
  t.lineCap = 'round';
  for (let i = 0; i < size * 0.9; i++) {
    const x = rng.range(0, size);
    const y = rng.range(0, size);
    const a = rng.range(0, Math.PI * 2);
    const len = rng.range(2, size * 0.06);
    t.strokeStyle = rng.chance(0.5) ? 'rgba(110,92,66,0.10)' : 'rgba(255,253,245,0.22)';
    t.lineWidth = rng.range(0.4, 1.1);
    t.beginPath();
    t.moveTo(x, y);
    t.quadraticCurveTo(x + Math.cos(a + 0.5) * len * 0.5, y + Math.sin(a + 0.5) * len * 0.5, x + Math.cos(a) * len, y + Math.sin(a) * len);
    t.stroke();
  }
  return tile;
}

/**
 * Fills a closed outline.
 * @param {Ctx} ctx
 * @param {readonly Point[]} pts
 */
export function tracePolygon(ctx, pts) {
  ctx.beginPath();
  ctx.moveTo(pts[0][0], pts[0][1]);
  for (let i = 1; i < pts.length; i++) ctx.lineTo(pts[i][0], pts[i][1]);
  ctx.closePath();
}

/**
 * A tapered brush stroke: a filled ribbon whose width swells and thins like a
 * brush pressed and lifted, with a ragged edge.
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {readonly Point[]} pts   the stroke's spine, at least 2 points
 * @param {{width: number, color: readonly number[], alpha: number, start?: number, end?: number, wobble?: number}} o
 *   start/end: relative width at the ends (0 = sharp tip)
 */
export function brushStroke(ctx, rng, pts, o) {
  const n = pts.length;
  if (n < 2) return;
  const start = o.start ?? 0.15;
  const end = o.end ?? 0.05;
  const wobble = o.wobble ?? 0.25;
  /** @type {Point[]} */
  const left = [];
  /** @type {Point[]} */
  const right = [];
  for (let i = 0; i < n; i++) {
    const t = i / (n - 1);
    const a = pts[Math.max(0, i - 1)];
    const b = pts[Math.min(n - 1, i + 1)];
    let nx = -(b[1] - a[1]);
    let ny = b[0] - a[0];
    const len = Math.hypot(nx, ny) || 1;
    nx /= len;
    ny /= len;
    // Pressure: quick press, long body, lifted tail.
    const press = t < 0.2 ? start + (1 - start) * Math.sin((t / 0.2) * Math.PI * 0.5) : end + (1 - end) * Math.pow(Math.cos(((t - 0.2) / 0.8) * Math.PI * 0.5), 0.6);
    const w = (o.width / 2) * press * (1 + wobble * (rng.next() - 0.5));
    left.push([pts[i][0] + nx * w, pts[i][1] + ny * w]);
    right.push([pts[i][0] - nx * w, pts[i][1] - ny * w]);
  }
  ctx.fillStyle = rgba(o.color, o.alpha);
  tracePolygon(ctx, [...left, ...right.reverse()]);
  ctx.fill();
}

/**
 * Dry brush (飞白): several hairs side by side, each breaking up where the
 * brush ran out of ink.
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {readonly Point[]} pts
 * @param {{width: number, color: readonly number[], alpha: number, hairs?: number, dryness?: number}} o
 */
export function dryStroke(ctx, rng, pts, o) {
  const n = pts.length;
  if (n < 2) return;
  const hairs = o.hairs ?? 6;
  const dryness = o.dryness ?? 0.35;
  ctx.lineCap = 'round';
  for (let h = 0; h < hairs; h++) {
    const offset = ((h + 0.5) / hairs - 0.5) * o.width;
    ctx.lineWidth = Math.max(0.5, (o.width / hairs) * rng.range(0.6, 1.5));
    ctx.strokeStyle = rgba(o.color, o.alpha * rng.range(0.5, 1));
    ctx.beginPath();
    let drawing = false;
    // Hairs near the edge dry out first.
    const edge = Math.abs(offset) / (o.width / 2 || 1);
    for (let i = 0; i < n; i++) {
      const t = i / (n - 1);
      const a = pts[Math.max(0, i - 1)];
      const b = pts[Math.min(n - 1, i + 1)];
      const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
      const x = pts[i][0] - ((b[1] - a[1]) / len) * offset;
      const y = pts[i][1] + ((b[0] - a[0]) / len) * offset;
      const gap = rng.next() < dryness * (0.4 + edge) * (0.3 + t);
      if (gap) {
        drawing = false;
        continue;
      }
      if (drawing) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      drawing = true;
    }
    ctx.stroke();
  }
}

/**
 * A soft wash: the outline filled several times, slightly shifted, each pass
 * faint, the first blurred so the edge bleeds into the paper.
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {readonly Point[]} pts
 * @param {{fill: string | CanvasGradient, passes?: number, jitter?: number, bleed?: number}} o
 */
export function wash(ctx, rng, pts, o) {
  const passes = o.passes ?? 3;
  const jitter = o.jitter ?? 2;
  for (let p = 0; p < passes; p++) {
    const dx = rng.range(-jitter, jitter);
    const dy = rng.range(-jitter, jitter) * 0.5;
    ctx.save();
    if (p === 0 && o.bleed) ctx.filter = `blur(${o.bleed.toFixed(2)}px)`;
    ctx.translate(dx, dy);
    ctx.fillStyle = o.fill;
    tracePolygon(ctx, pts);
    ctx.fill();
    ctx.restore();
  }
}

/**
 * An ink dot (苔点 moss dot, leaf dab): a small irregular blot.
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {number} x
 * @param {number} y
 * @param {number} r
 * @param {readonly number[]} color
 * @param {number} alpha
 */
export function inkDot(ctx, rng, x, y, r, color, alpha) {
  ctx.fillStyle = rgba(color, alpha);
  ctx.beginPath();
  const k = 7;
  const rot = rng.range(0, Math.PI * 2);
  for (let i = 0; i <= k; i++) {
    const a = rot + (i / k) * Math.PI * 2;
    const rr = r * rng.range(0.7, 1.15);
    const px = x + Math.cos(a) * rr * 1.25;
    const py = y + Math.sin(a) * rr * 0.85;
    if (i === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  }
  ctx.closePath();
  ctx.fill();
}

/**
 * A thin hair line, slightly curved (texture strokes, ripples, grass, rain).
 * @param {Ctx} ctx
 * @param {number} x0
 * @param {number} y0
 * @param {number} x1
 * @param {number} y1
 * @param {number} bend perpendicular offset of the midpoint
 * @param {number} width
 * @param {string} style
 */
export function hairLine(ctx, x0, y0, x1, y1, bend, width, style) {
  const mx = (x0 + x1) / 2;
  const my = (y0 + y1) / 2;
  const len = Math.hypot(x1 - x0, y1 - y0) || 1;
  ctx.strokeStyle = style;
  ctx.lineWidth = width;
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.quadraticCurveTo(mx - ((y1 - y0) / len) * bend, my + ((x1 - x0) / len) * bend, x1, y1);
  ctx.stroke();
}
