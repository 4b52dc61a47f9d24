// Mountains for the ink painter: planned first (a ridge function and an
// outline), drawn later with washes, ridge strokes, 皴 texture and moss dots;
// and mist, the paper-coloured band that hides their feet.

import { makeNoise1d } from './prng.js';
import { PALETTE, rgba, makeCanvas, tracePolygon, brushStroke, dryStroke, wash, inkDot, hairLine } from './brush.js';

/** @typedef {import('./brush.js').Ctx} Ctx */
/** @typedef {import('./brush.js').Point} Point */
/** @typedef {import('./prng.js').Rng} Rng */

/**
 * A planned mountain.
 * @typedef {object} Mountain
 * @property {number} x0
 * @property {number} x1
 * @property {number} baseY
 * @property {number} height
 * @property {(x: number) => number} ridge    y of the ridge at x (baseY outside)
 * @property {Array<(x: number) => number>} folds  inner ridge lines, y at x
 * @property {Point[]} outline
 */

// ---------------------------------------------------------------------------
// Planning

/**
 * @param {Rng} rng
 * @param {{cx: number, baseY: number, width: number, height: number, peaks: number, sharp?: number}} o
 * @returns {Mountain}
 */
export function planMountain(rng, o) {
  const noise = makeNoise1d(rng, 5);
  const sharp = o.sharp ?? 1.4;
  /** @type {{t: number, h: number, s: number}[]} */
  const bumps = [{ t: rng.range(-0.15, 0.15), h: 1, s: rng.range(0.28, 0.4) }];
  for (let i = 1; i < o.peaks; i++) {
    const t = rng.range(-0.75, 0.75);
    bumps.push({ t, h: rng.range(0.35, 0.8) * (1 - Math.abs(t) * 0.4), s: rng.range(0.12, 0.3) });
  }
  /** @param {number} t @param {{t: number, h: number, s: number}} b */
  const bump = (t, b) => b.h * Math.exp(-Math.pow(Math.abs(t - b.t) / b.s, sharp));
  /** @param {number} t */
  const edge = (t) => Math.pow(Math.max(0, 1 - t * t), 0.55);
  const x0 = o.cx - o.width / 2;
  const x1 = o.cx + o.width / 2;
  /** @param {number} t @param {number} base */
  const rough = (t, base) => base * (1 + 0.2 * noise(t * 5 + 3) + 0.07 * noise(t * 14 + 11)) + 0.03 * noise(t * 37 + 7) * Math.min(1, base * 4);
  /** @param {number} x */
  const ridge = (x) => {
    if (x <= x0 || x >= x1) return o.baseY;
    const t = ((x - o.cx) / o.width) * 2;
    let sum = 0;
    for (const b of bumps) sum += Math.pow(bump(t, b), 4);
    return o.baseY - o.height * Math.max(0, rough(t, Math.pow(sum, 0.25) * edge(t)));
  };
  const folds = bumps.slice(1).map((b) => (/** @type {number} */ x) => {
    const t = ((x - o.cx) / o.width) * 2;
    return o.baseY - o.height * Math.max(0, rough(t, bump(t, b) * edge(t)));
  });
  /** @type {Point[]} */
  const outline = [[x0, o.baseY]];
  const n = 120;
  for (let i = 0; i <= n; i++) {
    const x = x0 + ((x1 - x0) * i) / n;
    outline.push([x, ridge(x)]);
  }
  outline.push([x1, o.baseY]);
  return { x0, x1, baseY: o.baseY, height: o.height, ridge, folds, outline };
}

/**
 * Highest point (smallest y) of a mountain over [xa, xb].
 * @param {Mountain} m
 * @param {number} xa
 * @param {number} xb
 */
export function topOver(m, xa, xb) {
  let top = Infinity;
  for (let i = 0; i <= 40; i++) top = Math.min(top, m.ridge(xa + ((xb - xa) * i) / 40));
  return top;
}

/**
 * Rescales a mountain plan so its ridge stays below `limitY` over [xa, xb].
 * @param {Rng} rng
 * @param {{cx: number, baseY: number, width: number, height: number, peaks: number, sharp?: number}} o
 * @param {{x0: number, x1: number, y1: number} | null} keepOut
 * @returns {Mountain}
 */
export function planMountainAvoiding(rng, o, keepOut) {
  const state = rng.state;
  let m = planMountain(rng, o);
  if (!keepOut) return m;
  const top = topOver(m, keepOut.x0, keepOut.x1);
  if (top >= keepOut.y1) return m;
  const scale = Math.max(0.15, (o.baseY - keepOut.y1) / (o.baseY - top));
  rng.state = state;
  m = planMountain(rng, { ...o, height: o.height * scale });
  return m;
}

// ---------------------------------------------------------------------------
// Drawing: mountains

/**
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {Mountain} m
 * @param {{u: number, tone: readonly number[], alpha: number, texture: number, paper?: boolean, snow?: boolean, tint?: readonly number[] | null, dots?: boolean, solid?: boolean}} o
 */
export function drawMountain(ctx, rng, m, o) {
  const top = m.baseY - m.height;
  // 1. Paper fill so nearer mountains hide farther ones; fades at the foot into mist.
  if (o.paper !== false) {
    const g = ctx.createLinearGradient(0, top, 0, m.baseY);
    g.addColorStop(0, rgba(PALETTE.paper, 1));
    g.addColorStop(0.7, rgba(PALETTE.paper, 0.96));
    g.addColorStop(0.9, rgba(PALETTE.paper, 0.6));
    g.addColorStop(1, rgba(PALETTE.paper, 0));
    ctx.fillStyle = g;
    tracePolygon(ctx, m.outline);
    ctx.fill();
  }
  // 2. Layered washes, darkest under the ridge, melting away downward.
  const washAlpha = o.snow ? o.alpha * 0.35 : o.alpha;
  const g = ctx.createLinearGradient(0, top, 0, m.baseY);
  const body = o.solid ? 0.8 : 0.3;
  g.addColorStop(0, rgba(o.tone, washAlpha * 0.55));
  g.addColorStop(0.35, rgba(o.tone, washAlpha * (0.1 + body * 0.5)));
  g.addColorStop(0.75, rgba(o.tone, washAlpha * body * 0.4));
  g.addColorStop(1, rgba(o.tone, o.solid ? washAlpha * 0.2 : 0));
  wash(ctx, rng, m.outline, { fill: g, passes: 2, jitter: 1.5 * o.u, bleed: 1.6 * o.u });
  if (o.tint) {
    const t = ctx.createLinearGradient(0, top, 0, m.baseY);
    t.addColorStop(0, rgba(o.tint, 0.0));
    t.addColorStop(0.45, rgba(o.tint, 0.16));
    t.addColorStop(1, rgba(o.tint, 0));
    wash(ctx, rng, m.outline, { fill: t, passes: 1, jitter: 3 * o.u, bleed: 3 * o.u });
  }
  // Inner shading: darker bands just under each ridge line, lighter below.
  ctx.save();
  tracePolygon(ctx, m.outline);
  ctx.clip();
  const span = m.x1 - m.x0;
  const ridges = [m.ridge, ...m.folds];
  // All bands in one path, blurred once (a blur per band is the slow part).
  ctx.beginPath();
  for (const f of ridges) {
    /** @type {Point[]} */
    const upper = [];
    /** @type {Point[]} */
    const lower = [];
    const depth = m.height * rng.range(0.05, 0.1);
    for (let i = 0; i <= 60; i++) {
      const x = m.x0 + (span * i) / 60;
      const y = f(x);
      upper.push([x, y]);
      // The band thins to nothing where the ridge comes down to the foot.
      const fade = Math.max(0, Math.min(1, (m.baseY - y) / (m.height * 0.2) - 0.2));
      lower.push([x, y + depth * fade * (0.6 + 0.4 * Math.sin(i * 0.37 + rng.next()))]);
    }
    const band = [...upper, ...lower.reverse()];
    ctx.moveTo(band[0][0], band[0][1]);
    for (const [px, py] of band) ctx.lineTo(px, py);
    ctx.closePath();
  }
  ctx.fillStyle = rgba(o.tone, washAlpha * 0.22);
  ctx.filter = `blur(${(2 * o.u).toFixed(2)}px)`;
  ctx.fill();
  ctx.filter = 'none';
  // 3. 皴 texture: bundles of thin, wavy strokes running down the slopes.
  const bundles = Math.round(o.texture * (span * m.height) / (o.u * o.u * 600));
  for (let b = 0; b < bundles; b++) {
    const f = rng.chance(0.55) ? m.ridge : rng.pick(ridges);
    const x = rng.range(m.x0 + span * 0.03, m.x1 - span * 0.03);
    const ry = f(x);
    if (ry < m.ridge(x) - 0.5) continue; // this fold is hidden here
    const local = m.baseY - ry;
    if (local < 6 * o.u) continue;
    const slope = (f(x + 2 * o.u) - f(x - 2 * o.u)) / (4 * o.u);
    const r = Math.pow(rng.next(), 1.7);
    const y = ry + r * local * 0.75 + 1.5 * o.u;
    const dir = Math.sign(slope) || 1;
    // Shadow side (right-hand slopes) gets denser, darker texture.
    const shade = dir > 0 ? 1 : 0.55;
    const len = rng.range(0.04, 0.11) * Math.min(local, m.height * 0.7) + 4 * o.u;
    const dx = dir * rng.range(0.25, 0.6) * len * Math.min(1, Math.abs(slope) + 0.3);
    const alpha = (0.06 + 0.26 * (1 - r)) * shade * (o.snow ? 0.8 : 1);
    const n = rng.int(2, 5);
    for (let k = 0; k < n; k++) {
      const ox = (k - n / 2) * rng.range(1.5, 3.5) * o.u * -dir;
      const oy = k * rng.range(0.5, 2) * o.u;
      hairLine(ctx, x + ox, y + oy, x + ox + dx, y + oy + len, rng.range(-3, 3) * o.u, rng.range(0.5, 1.15) * o.u, rgba(o.tone, alpha * rng.range(0.6, 1.2)));
    }
  }
  ctx.restore();
  // 4. Outline: the ridge in a confident stroke that dries out, folds lighter.
  strokeAlong(ctx, rng, m, m.ridge, { u: o.u, tone: o.tone, alpha: Math.min(0.9, o.alpha * 1.6), width: 2.6 * o.u });
  for (const f of m.folds) {
    strokeAlong(ctx, rng, m, f, { u: o.u, tone: o.tone, alpha: o.alpha * 0.75, width: 1.8 * o.u, onlyInside: true, short: true });
  }
  // 5. Moss dots along the ridges.
  if (o.dots !== false) {
    const dots = Math.round((span / o.u) * 0.06 * o.texture);
    for (let i = 0; i < dots; i++) {
      const x = rng.range(m.x0 + span * 0.1, m.x1 - span * 0.1);
      const f = rng.chance(0.7) ? m.ridge : rng.pick(ridges);
      const y = f(x);
      if (y < m.ridge(x) - 0.5 || m.baseY - y < m.height * 0.15) continue;
      inkDot(ctx, rng, x, y + rng.range(0, 3) * o.u, rng.range(0.8, 2.2) * o.u, PALETTE.ink, rng.range(0.45, 0.85));
    }
  }
}

/**
 * Strokes a ridge line with a broken, tapering brush.
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {Mountain} m
 * @param {(x: number) => number} f
 * @param {{u: number, tone: readonly number[], alpha: number, width: number, onlyInside?: boolean, short?: boolean}} o
 */
function strokeAlong(ctx, rng, m, f, o) {
  const span = m.x1 - m.x0;
  const step = 3 * o.u;
  let x = m.x0 + span * 0.01;
  while (x < m.x1) {
    const len = (o.short ? rng.range(0.03, 0.09) : rng.range(0.06, 0.22)) * span + 10 * o.u;
    /** @type {Point[]} */
    const pts = [];
    for (let xx = x; xx < Math.min(m.x1, x + len); xx += step) {
      const y = f(xx);
      if (o.onlyInside && (y < m.ridge(xx) + 1.5 * o.u || m.baseY - y < m.height * 0.12)) break;
      if (m.baseY - y < m.height * 0.03) break;
      pts.push([xx, y + rng.range(-0.4, 0.4) * o.u]);
    }
    if (pts.length > 2) {
      if (rng.chance(0.35)) dryStroke(ctx, rng, pts, { width: o.width * 1.2, color: o.tone, alpha: o.alpha, hairs: 4, dryness: 0.3 });
      else brushStroke(ctx, rng, pts, { width: o.width * rng.range(0.7, 1.3), color: o.tone, alpha: o.alpha, start: 0.4, end: 0.1 });
    }
    x += Math.max(step * 2, pts.length * step) + rng.range(0, o.short ? 0.12 : 0.05) * span;
  }
}

/**
 * Distant ranges: soft flat silhouettes, bluish, edges bled.
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {Mountain} m
 * @param {number} alpha
 * @param {number} u
 * @param {readonly number[]} tone
 */
export function drawFarRange(ctx, rng, m, alpha, u, tone) {
  const top = m.baseY - m.height;
  const g = ctx.createLinearGradient(0, top, 0, m.baseY);
  g.addColorStop(0, rgba(tone, alpha));
  g.addColorStop(0.5, rgba(tone, alpha * 0.6));
  g.addColorStop(1, rgba(tone, 0));
  wash(ctx, rng, m.outline, { fill: g, passes: 2, jitter: 2 * u, bleed: 2.5 * u });
  // A few soft vertical strokes for the folds of distant hills.
  ctx.save();
  tracePolygon(ctx, m.outline);
  ctx.clip();
  const span = m.x1 - m.x0;
  for (let i = 0; i < span / (14 * u); i++) {
    const x = rng.range(m.x0, m.x1);
    const y = m.ridge(x);
    hairLine(ctx, x, y + u, x + rng.range(-6, 6) * u, y + (m.baseY - y) * rng.range(0.2, 0.5), 2 * u, rng.range(0.8, 2) * u, rgba(tone, alpha * 0.5));
  }
  ctx.restore();
}


/**
 * Soft bands of paper colour that hide ink: clouds and mist.
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {number} x
 * @param {number} y
 * @param {number} w
 * @param {number} h
 * @param {number} alpha
 * @param {number} u
 */
export function mistBand(ctx, rng, x, y, w, h, alpha, u) {
  // Drawn at quarter scale and laid on enlarged: it is all blur anyway, and a
  // large blur at full size is the slowest thing a 2D canvas does.
  const k = 4;
  const blur = h * 0.35 + 2 * u;
  const pad = blur * 3 + h;
  const bx = x - pad;
  const by = y - pad;
  const bw = w + 2 * pad;
  const bh = 2 * pad;
  const small = makeCanvas(Math.max(1, Math.ceil(bw / k)), Math.max(1, Math.ceil(bh / k)));
  const p = /** @type {Ctx} */ (small.getContext('2d'));
  p.scale(1 / k, 1 / k);
  p.translate(-bx, -by);
  p.filter = `blur(${(blur / k).toFixed(2)}px)`;
  p.fillStyle = rgba(PALETTE.paper, alpha);
  p.beginPath();
  const n = 5;
  for (let i = 0; i < n; i++) {
    const cx = x + (w * (i + 0.5)) / n + rng.range(-w, w) * 0.04;
    p.ellipse(cx, y + rng.range(-h, h) * 0.15, w / n, h * rng.range(0.35, 0.6), 0, 0, Math.PI * 2);
  }
  p.fill();
  ctx.save();
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'low';
  ctx.drawImage(small, bx, by, Math.ceil(bw / k) * k, Math.ceil(bh / k) * k);
  ctx.restore();
}
