// A procedural ink-wash landscape (山水) painted from a poem's imagery.
//
// paintPoem(canvas, {poem, title, seed}) plans a composition from the seed
// (which side the mountains stand on, where the horizon lies), then draws the
// motifs the poem mentions, back to front:
//
//   paper → sky (night, snow, dusk washes) → moon / sun / stars → far ranges →
//   main massif with 皴 texture → clouds and mist → water → near bank →
//   trees, bamboo, blossoms → pavilion, houses, bridge → boat, figure → birds →
//   rain / snow → paper grain
//
// Every random choice comes from a Rng forked per motif, and every position is
// planned before anything is drawn, so a motif that arrives with a later line
// is added without moving the ones already there: the painting grows.

import { Rng, makeNoise1d } from './prng.js';
import { findMotifs } from './motifs.js';
import { PALETTE, rgba, mix, paperTile, tracePolygon, traceCurve, brushStroke, dryStroke, wash, inkDot, hairLine } from './brush.js';

/** @typedef {import('./brush.js').Ctx} Ctx */
/** @typedef {import('./brush.js').Point} Point */
/** @typedef {import('./motifs.js').MotifId} MotifId */

/**
 * A rectangle in fractions of the canvas (0..1), e.g. where a card writes the poem.
 * @typedef {{x: number, y: number, w: number, h: number}} Box
 */

/**
 * @typedef {object} PaintOptions
 * @property {string} poem          the poem so far; lines separated by '\n'
 * @property {string} [title]
 * @property {number} [seed]        uint32; default 0
 * @property {number} [progress]    0..1: draw only this fraction of the layers (for a reveal); default 1
 * @property {Box} [reserve]        keep this area free of tall shapes (an inscription goes there)
 */

/**
 * @typedef {object} PaintResult
 * @property {MotifId[]} motifs     the motifs found in the poem and title, in table order
 * @property {string[]} drawn       what was drawn, including defaults (debugging aid)
 * @property {number} layers        how many layers were drawn
 * @property {{x: number, y: number, r: number} | null} moon  where the moon was placed (pixels), if any
 */

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
function planMountain(rng, o) {
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
function topOver(m, xa, xb) {
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
function planMountainAvoiding(rng, o, keepOut) {
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
function drawMountain(ctx, rng, m, o) {
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
    ctx.fillStyle = rgba(o.tone, washAlpha * 0.22);
    ctx.filter = `blur(${(2 * o.u).toFixed(2)}px)`;
    tracePolygon(ctx, [...upper, ...lower.reverse()]);
    ctx.fill();
    ctx.filter = 'none';
  }
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
function drawFarRange(ctx, rng, m, alpha, u, tone) {
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

// ---------------------------------------------------------------------------
// Drawing: trees, plants, things

/**
 * A trunk as a tapering stroke from (x, y) upward; returns the branch tips.
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {number} x
 * @param {number} y
 * @param {number} h
 * @param {number} lean radians, + leans right
 * @param {number} u
 * @param {number} [thick]
 * @returns {{tips: Point[], spine: Point[]}}
 */
function trunk(ctx, rng, x, y, h, lean, u, thick = 1) {
  /** @type {Point[]} */
  const spine = [];
  let px = x;
  let py = y;
  let a = -Math.PI / 2 + lean;
  const n = 9;
  for (let i = 0; i <= n; i++) {
    spine.push([px, py]);
    a += rng.range(-0.22, 0.22);
    a = a * 0.8 + (-Math.PI / 2 + lean) * 0.2;
    px += Math.cos(a) * (h / n);
    py += Math.sin(a) * (h / n);
  }
  const width = Math.max(2.2 * u, h * 0.032) * thick;
  brushStroke(ctx, rng, spine, { width, color: PALETTE.ink, alpha: 0.82, start: 1, end: 0.25, wobble: 0.35 });
  dryStroke(ctx, rng, spine.slice(0, 7), { width: width * 0.9, color: PALETTE.ink, alpha: 0.35, hairs: 4, dryness: 0.5 });
  /** @type {Point[]} */
  const tips = [];
  for (let i = 4; i <= n; i++) {
    if (!rng.chance(0.55) && i !== n) continue;
    const [bx, by] = spine[i];
    const side = rng.chance(0.5) ? -1 : 1;
    const len = h * rng.range(0.15, 0.35) * (1.2 - i / n);
    const ba = -Math.PI / 2 + lean + side * rng.range(0.5, 1.2);
    /** @type {Point[]} */
    const branch = [[bx, by]];
    for (let k = 1; k <= 4; k++) branch.push([bx + Math.cos(ba) * len * (k / 4) + rng.range(-1, 1) * u, by + Math.sin(ba) * len * (k / 4) + rng.range(-1, 1) * u]);
    brushStroke(ctx, rng, branch, { width: width * 0.45, color: PALETTE.ink, alpha: 0.75, start: 1, end: 0.1 });
    tips.push(branch[branch.length - 1]);
  }
  tips.push(spine[n]);
  return { tips, spine };
}

/**
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {number} x
 * @param {number} y
 * @param {number} h
 * @param {number} u
 * @param {number} lean
 */
function drawPine(ctx, rng, x, y, h, u, lean) {
  const { spine } = trunk(ctx, rng, x, y, h, lean + rng.range(-0.15, 0.15), u, 1.2);
  // Bark scales.
  for (let i = 1; i < spine.length - 2; i++) {
    const [sx, sy] = spine[i];
    hairLine(ctx, sx - 2 * u, sy, sx + 2 * u, sy - 1.5 * u, u, 0.8 * u, rgba(PALETTE.paper, 0.6));
  }
  // Needle clusters: flat fans arranged in tiers.
  const tiers = rng.int(4, 6);
  for (let t = 0; t < tiers; t++) {
    const idx = Math.min(spine.length - 1, 3 + Math.round((t / tiers) * (spine.length - 3)));
    const [sx, sy] = spine[idx];
    const side = t % 2 === 0 ? -1 : 1;
    const reach = h * rng.range(0.14, 0.26) * (1 - t / (tiers + 2));
    const cx = sx + side * reach * rng.range(0.4, 0.8);
    const cy = sy - rng.range(0, 4) * u;
    // Branch to the cluster.
    brushStroke(ctx, rng, [[sx, sy], [(sx + cx) / 2, cy + 2 * u], [cx, cy]], { width: 2.2 * u, color: PALETTE.ink, alpha: 0.8, start: 1, end: 0.3 });
    const fans = rng.int(3, 5);
    for (let f = 0; f < fans; f++) {
      const fx = cx + rng.range(-reach, reach) * 0.6;
      const fy = cy + rng.range(-reach, reach) * 0.18;
      const r = reach * rng.range(0.25, 0.4);
      // Wash under the needles.
      ctx.fillStyle = rgba(mix(PALETTE.ink, PALETTE.green, 0.35), 0.2);
      ctx.beginPath();
      ctx.ellipse(fx, fy, r * 0.9, r * 0.36, 0, 0, Math.PI * 2);
      ctx.fill();
      // 车轮松针: needles radiating like the spokes of a wheel, flattened.
      const needles = 18;
      for (let k = 0; k < needles; k++) {
        const a = (k / needles) * Math.PI * 2 + rng.range(-0.08, 0.08);
        const rr = r * rng.range(0.75, 1);
        hairLine(ctx, fx, fy, fx + Math.cos(a) * rr, fy + Math.sin(a) * rr * 0.42, 0, 0.9 * u, rgba(PALETTE.ink, Math.sin(a) < 0 ? 0.8 : 0.5));
      }
    }
  }
}

/**
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {number} x
 * @param {number} y
 * @param {number} h
 * @param {number} u
 * @param {number} lean
 */
function drawWillow(ctx, rng, x, y, h, u, lean) {
  const { tips, spine } = trunk(ctx, rng, x, y, h * 0.75, lean * 0.5 + rng.range(-0.1, 0.1), u, 1.1);
  const color = mix(PALETTE.ink, PALETTE.green, 0.45);
  const anchors = [...tips, ...spine.slice(5)];
  for (const [ax, ay] of anchors) {
    const strands = rng.int(7, 12);
    for (let s = 0; s < strands; s++) {
      const sx = ax + rng.range(-h * 0.12, h * 0.12);
      const sy = ay + rng.range(-h * 0.05, h * 0.03);
      const len = h * rng.range(0.25, 0.6);
      const drift = (lean * 1.6 + rng.range(-0.1, 0.1)) * len;
      hairLine(ctx, ax, ay, sx, sy, rng.range(-4, 4) * u, 0.8 * u, rgba(color, 0.5));
      hairLine(ctx, sx, sy, sx + drift, sy + len, -drift * 0.3 + rng.range(-1, 1) * len * 0.12, rng.range(0.5, 0.9) * u, rgba(color, rng.range(0.25, 0.5)));
      // Small leaves along the strand.
      for (let l = 0; l < 5; l++) {
        const t = rng.range(0.2, 1);
        const lx = sx + drift * t * t;
        const ly = sy + len * t;
        hairLine(ctx, lx, ly, lx + rng.range(-1.5, 1.5) * u, ly + rng.range(2, 4) * u, 0, 1.3 * u, rgba(color, 0.35));
      }
    }
  }
}

/**
 * A broadleaf tree drawn with dotted foliage (点叶法).
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {number} x
 * @param {number} y
 * @param {number} h
 * @param {number} u
 * @param {number} lean
 * @param {{autumn?: boolean, blossom?: boolean, bare?: boolean}} o
 */
function drawLeafTree(ctx, rng, x, y, h, u, lean, o) {
  const { tips } = trunk(ctx, rng, x, y, h * 0.8, lean + rng.range(-0.12, 0.12), u, 0.9);
  if (o.bare) {
    for (const [tx, ty] of tips) {
      for (let k = 0; k < 3; k++) {
        const a = -Math.PI / 2 + rng.range(-1.2, 1.2);
        const len = h * rng.range(0.05, 0.12);
        hairLine(ctx, tx, ty, tx + Math.cos(a) * len, ty + Math.sin(a) * len, rng.range(-2, 2) * u, 0.9 * u, rgba(PALETTE.ink, 0.7));
      }
    }
    return;
  }
  const leafColor = o.autumn ? PALETTE.ochre : mix(PALETTE.ink, PALETTE.green, 0.2);
  for (const [tx, ty] of tips) {
    const r = h * rng.range(0.1, 0.17);
    ctx.save();
    ctx.filter = `blur(${(r * 0.25).toFixed(2)}px)`;
    ctx.fillStyle = rgba(o.autumn ? PALETTE.ochre : PALETTE.ink, 0.07);
    ctx.beginPath();
    ctx.ellipse(tx, ty, r * 0.9, r * 0.55, 0, 0, Math.PI * 2);
    ctx.fill();
    ctx.restore();
    const dots = Math.round(r / u) * 1.3;
    for (let d = 0; d < dots; d++) {
      const a = rng.range(0, Math.PI * 2);
      const rr = r * Math.sqrt(rng.next());
      const c = o.autumn && rng.chance(0.3) ? PALETTE.vermilion : leafColor;
      inkDot(ctx, rng, tx + Math.cos(a) * rr * 1.2, ty + Math.sin(a) * rr * 0.75, rng.range(1.2, 2.6) * u, c, rng.range(0.35, 0.8));
    }
    if (o.blossom) {
      for (let d = 0; d < dots * 0.5; d++) {
        const a = rng.range(0, Math.PI * 2);
        const rr = r * Math.sqrt(rng.next());
        blossomDot(ctx, rng, tx + Math.cos(a) * rr * 1.2, ty + Math.sin(a) * rr * 0.75, rng.range(1.5, 2.6) * u);
      }
    }
  }
}

/**
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {number} x
 * @param {number} y
 * @param {number} r
 */
function blossomDot(ctx, rng, x, y, r) {
  for (let p = 0; p < 5; p++) {
    const a = (p / 5) * Math.PI * 2 + rng.range(-0.2, 0.2);
    ctx.fillStyle = rgba(PALETTE.blossom, rng.range(0.45, 0.7));
    ctx.beginPath();
    ctx.arc(x + Math.cos(a) * r * 0.6, y + Math.sin(a) * r * 0.6, r * 0.55, 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.fillStyle = rgba(PALETTE.vermilion, 0.8);
  ctx.beginPath();
  ctx.arc(x, y, r * 0.25, 0, Math.PI * 2);
  ctx.fill();
}

/**
 * A plum branch (折枝) entering from an edge.
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {number} x start (at the edge)
 * @param {number} y
 * @param {number} dir +1 grows right, -1 grows left
 * @param {number} len
 * @param {number} u
 * @param {number} depth
 */
function drawBranch(ctx, rng, x, y, dir, len, u, depth = 0) {
  /** @type {Point[]} */
  const pts = [[x, y]];
  let a = dir > 0 ? rng.range(-0.35, 0.45) : Math.PI - rng.range(-0.35, 0.45);
  let px = x;
  let py = y;
  const n = 7;
  for (let i = 1; i <= n; i++) {
    // Plum branches zigzag: sharp turns, not smooth curves.
    a += rng.range(-0.5, 0.5);
    px += Math.cos(a) * (len / n);
    py += Math.sin(a) * (len / n) + (depth === 0 ? 0 : 0.6 * u);
    pts.push([px, py]);
  }
  const width = Math.max(1.6 * u, (depth === 0 ? 12 : 6 / depth) * u);
  brushStroke(ctx, rng, pts, { width, color: PALETTE.ink, alpha: 0.85, start: 1, end: 0.2, wobble: 0.5 });
  if (depth === 0) dryStroke(ctx, rng, pts.slice(0, 5), { width: width * 1.1, color: PALETTE.ink, alpha: 0.4, hairs: 5, dryness: 0.5 });
  if (depth < 2) {
    const kids = rng.int(1, 3);
    for (let k = 0; k < kids; k++) {
      const [bx, by] = pts[rng.int(2, n - 1)];
      drawBranch(ctx, rng, bx, by, rng.chance(0.7) ? dir : -dir, len * rng.range(0.35, 0.55), u, depth + 1);
    }
  }
  for (let i = 2; i <= n; i++) {
    if (!rng.chance(0.75)) continue;
    const [bx, by] = pts[i];
    blossomDot(ctx, rng, bx + rng.range(-3, 3) * u, by + rng.range(-3, 3) * u, rng.range(3.5, 6) * u);
    if (rng.chance(0.5)) blossomDot(ctx, rng, bx + rng.range(-9, 9) * u, by + rng.range(-7, 7) * u, rng.range(2.5, 4.5) * u);
    if (rng.chance(0.4)) inkDot(ctx, rng, bx + rng.range(-5, 5) * u, by + rng.range(-4, 4) * u, 1.2 * u, PALETTE.ink, 0.8);
  }
}

/**
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {number} x
 * @param {number} y
 * @param {number} h
 * @param {number} u
 * @param {number} lean
 */
function drawBamboo(ctx, rng, x, y, h, u, lean) {
  const stalks = rng.int(3, 5);
  const color = mix(PALETTE.ink, PALETTE.green, 0.3);
  for (let s = 0; s < stalks; s++) {
    const sx = x + rng.range(-1, 1) * h * 0.12;
    const sh = h * rng.range(0.6, 1);
    const a = lean * 0.6 + rng.range(-0.08, 0.08);
    const w = rng.range(2.2, 3.4) * u;
    const segments = rng.int(6, 9);
    let py = y;
    let px = sx;
    const alpha = rng.range(0.45, 0.8);
    for (let k = 0; k < segments; k++) {
      const seg = sh / segments;
      const nx = px + Math.sin(a) * seg;
      const ny = py - Math.cos(a) * seg;
      brushStroke(ctx, rng, [[px, py - u], [(px + nx) / 2, (py + ny) / 2], [nx, ny + u]], { width: w, color, alpha, start: 0.8, end: 0.8, wobble: 0.1 });
      px = nx;
      py = ny;
      // Leaves from the upper nodes: groups of tapered blades.
      if (k > segments * 0.35 && rng.chance(0.55)) {
        const side = rng.chance(0.5) ? -1 : 1;
        const blades = rng.int(2, 4);
        for (let b = 0; b < blades; b++) {
          const la = Math.PI / 2 - side * rng.range(0.4, 1.3) + lean * 0.5;
          const ll = rng.range(12, 24) * u;
          const ex = px + Math.cos(la) * ll * side * (side > 0 ? 1 : -1);
          const ey = py + Math.sin(la) * ll * 0.6;
          brushStroke(ctx, rng, [[px, py], [(px + ex) / 2 + side * 2 * u, (py + ey) / 2 - u], [ex, ey]], { width: rng.range(3, 5) * u, color: PALETTE.ink, alpha: alpha * 0.9, start: 0.3, end: 0, wobble: 0.1 });
        }
      }
    }
  }
}

/**
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {number} x centre of the base
 * @param {number} y ground level
 * @param {number} s size (width of the roof)
 * @param {number} u
 * @param {boolean} tall two storeys
 */
function drawPavilion(ctx, rng, x, y, s, u, tall) {
  const ink = PALETTE.ink;
  const postH = s * 0.55;
  const storeys = tall ? 2 : 1;
  let base = y;
  // Platform.
  ctx.fillStyle = rgba(PALETTE.paper, 1);
  ctx.fillRect(x - s * 0.45, base - s * 0.08, s * 0.9, s * 0.08);
  hairLine(ctx, x - s * 0.48, base - s * 0.08, x + s * 0.48, base - s * 0.08, 0, 1.4 * u, rgba(ink, 0.8));
  hairLine(ctx, x - s * 0.45, base, x + s * 0.45, base, 0, 1.1 * u, rgba(ink, 0.6));
  base -= s * 0.08;
  for (let k = 0; k < storeys; k++) {
    const w = s * (k === 0 ? 0.7 : 0.5);
    const ph = postH * (k === 0 ? 1 : 0.75);
    ctx.fillStyle = rgba(PALETTE.paper, 1);
    ctx.fillRect(x - w / 2, base - ph, w, ph);
    for (const px of [-w / 2, -w / 6, w / 6, w / 2]) hairLine(ctx, x + px, base, x + px, base - ph, 0, 1.3 * u, rgba(ink, 0.85));
    hairLine(ctx, x - w / 2, base - ph * 0.3, x + w / 2, base - ph * 0.3, 0, 0.9 * u, rgba(ink, 0.6));
    // Roof with upturned eaves.
    const rw = w * (k === 0 ? 1.55 : 1.6);
    const ry = base - ph;
    const rh = s * 0.26;
    ctx.fillStyle = rgba(ink, 0.82);
    ctx.beginPath();
    ctx.moveTo(x - rw / 2 - s * 0.06, ry - rh * 0.35);
    ctx.quadraticCurveTo(x - rw * 0.25, ry, x, ry - rh * 0.05);
    ctx.quadraticCurveTo(x + rw * 0.25, ry, x + rw / 2 + s * 0.06, ry - rh * 0.35);
    ctx.quadraticCurveTo(x + rw * 0.2, ry - rh * 0.45, x + s * 0.04, ry - rh);
    ctx.lineTo(x - s * 0.04, ry - rh);
    ctx.quadraticCurveTo(x - rw * 0.2, ry - rh * 0.45, x - rw / 2 - s * 0.06, ry - rh * 0.35);
    ctx.closePath();
    ctx.fill();
    hairLine(ctx, x, ry - rh, x, ry - rh - s * 0.1, 0, 1.5 * u, rgba(ink, 0.85));
    base = ry - rh * 0.55;
  }
  void rng;
}

/**
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {number} x
 * @param {number} y waterline
 * @param {number} s length
 * @param {number} u
 * @param {{sail: boolean, figure: boolean, dir: number}} o
 */
function drawBoat(ctx, rng, x, y, s, u, o) {
  const d = o.dir;
  // Hull: a slim crescent.
  ctx.fillStyle = rgba(PALETTE.ink, 0.85);
  ctx.beginPath();
  ctx.moveTo(x - d * s * 0.5, y - s * 0.09);
  ctx.quadraticCurveTo(x, y + s * 0.1, x + d * s * 0.5, y - s * 0.12);
  ctx.quadraticCurveTo(x, y - s * 0.0, x - d * s * 0.5, y - s * 0.09);
  ctx.fill();
  // Awning.
  ctx.fillStyle = rgba(PALETTE.ink, 0.55);
  ctx.beginPath();
  ctx.ellipse(x - d * s * 0.08, y - s * 0.07, s * 0.16, s * 0.09, 0, Math.PI, Math.PI * 2);
  ctx.fill();
  if (o.figure) {
    // A fisherman in a straw hat, with a pole.
    const fx = x + d * s * 0.22;
    const fy = y - s * 0.06;
    ctx.fillStyle = rgba(PALETTE.ink, 0.8);
    ctx.beginPath();
    ctx.ellipse(fx, fy - s * 0.07, s * 0.04, s * 0.07, 0, 0, Math.PI * 2);
    ctx.fill();
    ctx.beginPath();
    ctx.moveTo(fx - s * 0.08, fy - s * 0.14);
    ctx.lineTo(fx + s * 0.08, fy - s * 0.14);
    ctx.lineTo(fx, fy - s * 0.21);
    ctx.closePath();
    ctx.fill();
    hairLine(ctx, fx, fy - s * 0.1, fx + d * s * 0.55, fy - s * 0.42, -d * 2 * u, 0.9 * u, rgba(PALETTE.ink, 0.7));
  }
  if (o.sail) {
    const mx = x - d * s * 0.05;
    hairLine(ctx, mx, y - s * 0.05, mx, y - s * 0.85, 0, 1.3 * u, rgba(PALETTE.ink, 0.8));
    ctx.fillStyle = rgba(PALETTE.ochre, 0.28);
    ctx.beginPath();
    ctx.moveTo(mx, y - s * 0.82);
    ctx.quadraticCurveTo(mx + d * s * 0.3, y - s * 0.5, mx + d * s * 0.05, y - s * 0.15);
    ctx.lineTo(mx, y - s * 0.15);
    ctx.closePath();
    ctx.fill();
    for (let i = 1; i < 5; i++) {
      const yy = y - s * 0.15 - (i / 5) * s * 0.67;
      hairLine(ctx, mx, yy, mx + d * s * 0.22 * Math.sin((i / 5) * Math.PI), yy, 0, 0.6 * u, rgba(PALETTE.ink, 0.35));
    }
  }
  // Ripples under the boat.
  for (let i = 0; i < 4; i++) {
    const yy = y + s * 0.03 + i * s * 0.045;
    const w = s * rng.range(0.4, 0.8) * (1 - i * 0.12);
    const xx = x + rng.range(-s * 0.2, s * 0.2);
    hairLine(ctx, xx - w / 2, yy, xx + w / 2, yy, rng.range(-1, 1) * u, 0.8 * u, rgba(PALETTE.ink, 0.3 - i * 0.05));
  }
}

/**
 * A tiny standing scholar.
 * @param {Ctx} ctx
 * @param {number} x
 * @param {number} y feet
 * @param {number} s height
 * @param {number} u
 */
function drawFigure(ctx, x, y, s, u) {
  ctx.fillStyle = rgba(PALETTE.paperLight, 1);
  ctx.beginPath();
  ctx.moveTo(x - s * 0.22, y);
  ctx.quadraticCurveTo(x - s * 0.18, y - s * 0.6, x, y - s * 0.78);
  ctx.quadraticCurveTo(x + s * 0.2, y - s * 0.6, x + s * 0.25, y);
  ctx.closePath();
  ctx.fill();
  ctx.strokeStyle = rgba(PALETTE.ink, 0.85);
  ctx.lineWidth = 1.1 * u;
  ctx.stroke();
  ctx.fillStyle = rgba(PALETTE.ink, 0.85);
  ctx.beginPath();
  ctx.arc(x + s * 0.02, y - s * 0.86, s * 0.09, 0, Math.PI * 2);
  ctx.fill();
}

/**
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {number} x
 * @param {number} y
 * @param {number} s
 * @param {number} u
 */
function drawHouse(ctx, rng, x, y, s, u) {
  ctx.fillStyle = rgba(PALETTE.paper, 1);
  ctx.fillRect(x - s * 0.45, y - s * 0.45, s * 0.9, s * 0.45);
  hairLine(ctx, x - s * 0.45, y, x - s * 0.45, y - s * 0.45, 0, u, rgba(PALETTE.ink, 0.8));
  hairLine(ctx, x + s * 0.45, y, x + s * 0.45, y - s * 0.45, 0, u, rgba(PALETTE.ink, 0.8));
  hairLine(ctx, x - s * 0.12, y, x - s * 0.12, y - s * 0.3, 0, u, rgba(PALETTE.ink, 0.6));
  ctx.fillStyle = rgba(PALETTE.ink, 0.78);
  ctx.beginPath();
  ctx.moveTo(x - s * 0.62, y - s * 0.42);
  ctx.lineTo(x - s * 0.35, y - s * 0.78);
  ctx.lineTo(x + s * 0.38, y - s * 0.78);
  ctx.lineTo(x + s * 0.62, y - s * 0.42);
  ctx.closePath();
  ctx.fill();
  void rng;
}

/**
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {number} x
 * @param {number} y
 * @param {number} s wingspan
 * @param {number} u
 */
function drawBird(ctx, rng, x, y, s, u) {
  const lift = rng.range(0.15, 0.45);
  brushStroke(ctx, rng, [[x - s / 2, y - s * lift], [x - s * 0.2, y - s * 0.12], [x, y]], { width: 1.8 * u, color: PALETTE.ink, alpha: 0.8, start: 0.2, end: 0.6 });
  brushStroke(ctx, rng, [[x, y], [x + s * 0.2, y - s * 0.14], [x + s / 2, y - s * lift * 1.1]], { width: 1.8 * u, color: PALETTE.ink, alpha: 0.8, start: 0.6, end: 0.1 });
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
function mistBand(ctx, rng, x, y, w, h, alpha, u) {
  ctx.save();
  ctx.filter = `blur(${(h * 0.35 + 2 * u).toFixed(2)}px)`;
  ctx.fillStyle = rgba(PALETTE.paper, alpha);
  ctx.beginPath();
  const n = 5;
  for (let i = 0; i < n; i++) {
    const cx = x + (w * (i + 0.5)) / n + rng.range(-w, w) * 0.04;
    ctx.ellipse(cx, y + rng.range(-h, h) * 0.15, w / n, h * rng.range(0.35, 0.6), 0, 0, Math.PI * 2);
  }
  ctx.fill();
  ctx.restore();
}

// ---------------------------------------------------------------------------
// The painting

/**
 * Paints the poem's landscape onto a canvas (its full size).
 * Same options ⇒ the same pixels, in the same browser.
 * @param {HTMLCanvasElement | OffscreenCanvas} canvas
 * @param {PaintOptions} options
 * @returns {PaintResult}
 */
export function paintPoem(canvas, options) {
  const ctx = /** @type {Ctx | null} */ (canvas.getContext('2d'));
  if (!ctx) throw new Error('paint poem: no 2D context');
  const W = canvas.width;
  const H = canvas.height;
  const u = Math.min(W, H) / 1000;
  const seed = (options.seed ?? 0) >>> 0;
  // The title (fixed while a poem streams) varies the composition along with the seed.
  const root = new Rng(seed ^ 0x1ec0ffee).fork(`title:${options.title ?? ''}`);
  const motifs = findMotifs(options.poem ?? '', options.title ?? '');
  /** @type {Set<MotifId>} */
  const has = new Set(motifs.map((m) => m.id));
  /** @param {MotifId} id */
  const count = (id) => motifs.find((m) => m.id === id)?.count ?? 0;
  /** @type {string[]} */
  const drawn = [];

  // --- Composition, from the seed alone ----------------------------------
  const reserve = options.reserve ? { x0: options.reserve.x * W, x1: (options.reserve.x + options.reserve.w) * W, y0: options.reserve.y * H, y1: (options.reserve.y + options.reserve.h) * H } : null;
  const comp = root.fork('composition');
  // side = -1: the main mass stands on the left, open water and sky on the right.
  const side = reserve ? ((reserve.x0 + reserve.x1) / 2 > W / 2 ? -1 : 1) : comp.chance(0.5) ? -1 : 1;
  const horizon = H * comp.range(0.56, 0.64);
  const nearSide = comp.chance(0.7) ? side : -side;
  const lean = (has.has('wind') ? 0.25 : 0.06) * (comp.chance(0.5) ? 1 : -1);
  const keepOut = reserve ? { x0: reserve.x0 - 10 * u, x1: reserve.x1 + 10 * u, y1: reserve.y1 + 24 * u } : null;

  const farRanges = [0, 1].map((i) => {
    const r = root.fork(`far${i}`);
    const baseY = horizon + (i === 0 ? -0.01 : 0.015) * H;
    const cx = W * (0.5 - side * r.range(0.05, 0.3));
    return planMountainAvoiding(r, { cx, baseY, width: W * r.range(0.9, 1.3), height: H * (i === 0 ? r.range(0.12, 0.2) : r.range(0.08, 0.13)), peaks: r.int(4, 7), sharp: 1.2 }, keepOut);
  });
  const peakCount = Math.min(3, count('mountain'));
  const massifRng = root.fork('massif');
  const massifPlans = [
    { cx: W * (0.5 + side * massifRng.range(0.18, 0.28)), width: W * massifRng.range(0.6, 0.78), height: H * massifRng.range(0.4, 0.52), peaks: massifRng.int(6, 9) },
    { cx: W * (0.5 + side * massifRng.range(-0.02, 0.12)), width: W * massifRng.range(0.4, 0.55), height: H * massifRng.range(0.2, 0.3), peaks: massifRng.int(4, 6) },
    { cx: W * (0.5 - side * massifRng.range(0.25, 0.4)), width: W * massifRng.range(0.35, 0.5), height: H * massifRng.range(0.17, 0.25), peaks: massifRng.int(3, 4) },
  ];
  const massif = massifPlans.map((p, i) => planMountainAvoiding(root.fork(`massif${i}`), { ...p, baseY: horizon + H * (0.03 + 0.012 * i) }, keepOut));
  const nearRng = root.fork('near');
  const near = planMountain(nearRng, { cx: W * (0.5 + nearSide * nearRng.range(0.24, 0.32)), baseY: H * 1.03, width: W * nearRng.range(0.75, 0.95), height: H * nearRng.range(0.15, 0.2), peaks: 4, sharp: 3.2 });
  const shoalRng = root.fork('shoal');
  const shoal = planMountain(shoalRng, { cx: W * (0.5 + nearSide * shoalRng.range(0.02, 0.12)), baseY: H * 1.03, width: W * shoalRng.range(0.35, 0.5), height: H * shoalRng.range(0.06, 0.09), peaks: 3, sharp: 2.6 });
  /** @param {number} x @returns {number} the near ground's top at x */
  const groundY = (x) => Math.min(near.ridge(x), shoal.ridge(x));
  const isletRng = root.fork('islet');
  const islet = planMountain(isletRng, { cx: W * (0.5 - nearSide * isletRng.range(0.12, 0.3)), baseY: horizon + H * isletRng.range(0.1, 0.16), width: W * isletRng.range(0.22, 0.34), height: H * isletRng.range(0.025, 0.045), peaks: 3, sharp: 2.2 });

  // Sky occupancy for placing the moon, the sun and birds.
  /**
   * @param {number} x
   * @param {number} y
   * @param {number} r
   * @returns {number} score, higher is better; -Infinity if not allowed
   */
  const skyScore = (x, y, r) => {
    if (x - r < W * 0.06 || x + r > W * 0.94 || y - r < H * 0.05) return -Infinity;
    let ground = horizon;
    for (const m of [...(has.has('mountain') ? massif.slice(0, peakCount) : []), ...farRanges]) ground = Math.min(ground, topOver(m, x - r, x + r));
    if (y + r > ground - 8 * u) return -Infinity;
    if (reserve && x + r > reserve.x0 - 12 * u && x - r < reserve.x1 + 12 * u && y - r < reserve.y1 + 12 * u && y + r > reserve.y0 - 12 * u) return -Infinity;
    return -Math.abs(y - H * 0.2) / H - Math.abs(x - W * (0.5 - side * 0.25)) / W * 0.6;
  };
  /**
   * @param {Rng} r
   * @param {number} radius
   * @param {number} [yMax] fraction of H
   * @returns {Point | null}
   */
  const placeInSky = (r, radius, yMax = 0.5) => {
    /** @type {Point | null} */
    let best = null;
    let bestScore = -Infinity;
    for (let i = 0; i < 60; i++) {
      const x = r.range(0, W);
      const y = r.range(H * 0.04, H * yMax);
      const s = skyScore(x, y, radius) + r.range(0, 0.15);
      if (s > bestScore) {
        bestScore = s;
        best = [x, y];
      }
    }
    return best;
  };

  const moonR = Math.min(W, H) * 0.05;
  const moonAt = has.has('moon') ? placeInSky(root.fork('moon'), moonR * 1.6) : null;
  const sunR = Math.min(W, H) * 0.04;
  const sunAt = has.has('sun') || has.has('sunset') ? placeInSky(root.fork('sun'), sunR * 1.5, has.has('sunset') ? 0.55 : 0.35) : null;
  const night = has.has('night') || has.has('star') || (has.has('moon') && !has.has('sun'));
  const snowy = has.has('snow');
  const watery = has.has('water') || has.has('boat') || has.has('bridge');
  const autumn = has.has('autumn');
  const spring = has.has('spring') || has.has('blossom');

  // --- Layers, back to front ------------------------------------------------
  const paper = root.fork('paper');
  /** @type {Array<() => void>} */
  const layers = [];

  layers.push(() => {
    ctx.save();
    ctx.globalCompositeOperation = 'source-over';
    ctx.filter = 'none';
    ctx.globalAlpha = 1;
    ctx.fillStyle = rgba(PALETTE.paper, 1);
    ctx.fillRect(0, 0, W, H);
    // Large faint blotches: uneven sizing of the paper.
    for (let i = 0; i < 14; i++) {
      const x = paper.range(0, W);
      const y = paper.range(0, H);
      const r = paper.range(0.1, 0.35) * Math.max(W, H);
      const g = ctx.createRadialGradient(x, y, 0, x, y, r);
      const c = paper.chance(0.5) ? PALETTE.paperLight : mix(PALETTE.paper, PALETTE.ochre, 0.35);
      g.addColorStop(0, rgba(c, 0.12));
      g.addColorStop(1, rgba(c, 0));
      ctx.fillStyle = g;
      ctx.fillRect(0, 0, W, H);
    }
    ctx.restore();
  });

  layers.push(() => {
    const sky = root.fork('sky');
    /** @type {readonly number[] | null} */
    let tone = null;
    let top = 0;
    let bottom = 0;
    if (snowy) [tone, top, bottom] = [mix(PALETTE.ink, PALETTE.indigo, 0.4), 0.2, 0.08];
    else if (night) [tone, top, bottom] = [PALETTE.indigo, 0.15, 0.05];
    if (tone) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(0, 0, W, H);
      if (moonAt) ctx.arc(moonAt[0], moonAt[1], moonR * 1.02, 0, Math.PI * 2);
      ctx.clip('evenodd');
      const g = ctx.createLinearGradient(0, 0, 0, H);
      const hz = horizon / H;
      g.addColorStop(0, rgba(tone, top));
      g.addColorStop(hz * 0.6, rgba(tone, (top + bottom) / 2));
      g.addColorStop(hz, rgba(tone, bottom));
      g.addColorStop(Math.min(1, hz + 0.12), rgba(tone, bottom * 0.3));
      g.addColorStop(1, rgba(tone, bottom * 0.6));
      ctx.fillStyle = g;
      ctx.fillRect(0, 0, W, H);
      ctx.restore();
      // Uneven brushing of the sky wash: a few broad soft streaks.
      for (let i = 0; i < 6; i++) mistBand(ctx, sky, sky.range(-0.2, 0.8) * W, sky.range(0.05, 0.45) * H, W * sky.range(0.4, 0.8), H * 0.06, 0.12, u);
      drawn.push(snowy ? 'snow-sky' : 'night-sky');
    }
    if (has.has('sunset')) {
      const g = ctx.createLinearGradient(0, horizon, 0, H * 0.2);
      g.addColorStop(0, rgba(PALETTE.vermilion, 0.1));
      g.addColorStop(0.4, rgba(PALETTE.ochre, 0.08));
      g.addColorStop(1, rgba(PALETTE.ochre, 0));
      ctx.fillStyle = g;
      ctx.fillRect(0, H * 0.2, W, horizon - H * 0.2);
      drawn.push('dusk-sky');
    }
  });

  layers.push(() => {
    const r = root.fork('celestial');
    if (moonAt) {
      const [mx, my] = moonAt;
      // 烘云托月: a brighter halo, the disc left as clean paper, a faint rim.
      const halo = ctx.createRadialGradient(mx, my, moonR, mx, my, moonR * 3.2);
      halo.addColorStop(0, rgba(PALETTE.paperLight, 0.55));
      halo.addColorStop(1, rgba(PALETTE.paperLight, 0));
      ctx.fillStyle = halo;
      ctx.beginPath();
      ctx.arc(mx, my, moonR * 3.2, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = rgba(PALETTE.paperLight, 1);
      ctx.beginPath();
      ctx.arc(mx, my, moonR, 0, Math.PI * 2);
      ctx.fill();
      ctx.strokeStyle = rgba(mix(PALETTE.ink, PALETTE.ochre, 0.5), 0.22);
      ctx.lineWidth = 1.2 * u;
      ctx.stroke();
      if (!night) {
        ctx.fillStyle = rgba(PALETTE.ochre, 0.06);
        ctx.fill();
      }
      drawn.push('moon');
    }
    if (sunAt) {
      const [sx, sy] = sunAt;
      ctx.save();
      ctx.filter = `blur(${(1.5 * u).toFixed(2)}px)`;
      ctx.fillStyle = rgba(PALETTE.vermilion, has.has('sunset') ? 0.78 : 0.62);
      ctx.beginPath();
      ctx.arc(sx, sy, sunR, 0, Math.PI * 2);
      ctx.fill();
      ctx.restore();
      drawn.push('sun');
    }
    if (has.has('star') || (night && !moonAt && r.chance(0.5))) {
      for (let i = 0; i < 40; i++) {
        const x = r.range(0, W);
        const y = r.range(0, horizon * 0.5);
        if (skyScore(x, y, 2 * u) === -Infinity) continue;
        inkDot(ctx, r, x, y, r.range(0.6, 1.4) * u, PALETTE.paperLight, r.range(0.6, 0.95));
      }
      drawn.push('stars');
    }
  });

  layers.push(() => {
    const r = root.fork('far-draw');
    const farTone = spring ? mix(PALETTE.indigo, PALETTE.green, 0.45) : PALETTE.indigo;
    drawFarRange(ctx, r, farRanges[0], snowy ? 0.1 : 0.2, u, farTone);
    mistBand(ctx, r, -0.1 * W, farRanges[0].baseY, W * 1.2, H * 0.05, 0.8, u);
    drawFarRange(ctx, r, farRanges[1], snowy ? 0.14 : 0.3, u, mix(farTone, PALETTE.ink, 0.3));
    mistBand(ctx, r, -0.1 * W, farRanges[1].baseY + H * 0.01, W * 1.2, H * 0.04, 0.85, u);
    drawn.push('far-ranges');
  });

  if (watery) {
    // 倒影: the far shore mirrored in the water, faint and blurred.
    layers.push(() => {
      const r = root.fork('reflection');
      const mirror = has.has('mountain') ? massif.slice(0, peakCount) : [farRanges[1]];
      for (const m of mirror) {
        const axis = horizon + H * 0.035;
        /** @type {Point[]} */
        const flipped = m.outline.map(([x, y]) => [x, axis + (m.baseY - y) * 0.45]);
        ctx.save();
        ctx.filter = `blur(${(5 * u).toFixed(2)}px)`;
        const g = ctx.createLinearGradient(0, axis, 0, axis + m.height * 0.45);
        g.addColorStop(0, rgba(PALETTE.indigo, 0));
        g.addColorStop(0.2, rgba(PALETTE.indigo, 0.11));
        g.addColorStop(1, rgba(PALETTE.indigo, 0));
        ctx.fillStyle = g;
        tracePolygon(ctx, flipped);
        ctx.fill();
        ctx.restore();
        for (let i = 0; i < 10; i++) {
          const x = r.range(m.x0, m.x1);
          const y = axis + r.range(0, m.height * 0.3);
          const w = r.range(8, 30) * u;
          hairLine(ctx, x - w, y, x + w, y, 0, 1.2 * u, rgba(PALETTE.paper, 0.8));
        }
      }
      drawn.push('reflection');
    });
  }

  if (has.has('mountain')) {
    layers.push(() => {
      const r = root.fork('massif-draw');
      const order = [2, 1, 0].filter((i) => i < peakCount);
      const tint = autumn || has.has('sunset') ? PALETTE.ochre : spring ? PALETTE.green : null;
      for (const i of order) {
        const m = massif[i];
        const tone = mix(PALETTE.ink, PALETTE.indigo, i === 0 ? 0.15 : 0.35);
        drawMountain(ctx, r, m, { u, tone, alpha: i === 0 ? 0.62 : 0.45, texture: i === 0 ? 1.2 : 0.7, snow: snowy, tint });
        mistBand(ctx, r, m.x0 - W * 0.05, m.baseY - m.height * 0.03, m.x1 - m.x0 + W * 0.1, H * 0.08, 0.9, u);
      }
      drawn.push(`mountains:${order.length}`);
      mistBand(ctx, r, -0.1 * W, horizon + H * 0.035, W * 1.2, H * 0.05, 0.55, u);
      if (has.has('waterfall')) {
        const m = massif[0];
        const x = (m.x0 + m.x1) / 2 + side * -0.08 * (m.x1 - m.x0);
        const y0 = m.ridge(x) + m.height * 0.18;
        ctx.fillStyle = rgba(PALETTE.paperLight, 0.95);
        ctx.fillRect(x - 4 * u, y0, 8 * u, m.baseY - y0);
        for (const dx of [-4, 4]) hairLine(ctx, x + dx * u, y0, x + dx * u * 1.3, m.baseY - m.height * 0.05, r.range(-2, 2) * u, 0.9 * u, rgba(PALETTE.ink, 0.5));
        for (let i = 0; i < 12; i++) {
          const yy = r.range(y0, m.baseY);
          hairLine(ctx, x + r.range(-3, 3) * u, yy, x + r.range(-3, 3) * u, yy + r.range(8, 20) * u, 0, 0.6 * u, rgba(PALETTE.indigo, 0.25));
        }
        drawn.push('waterfall');
      }
      if (has.has('village')) {
        const vr = root.fork('village');
        const m = massif[0];
        const cx = (m.x0 + m.x1) / 2 - side * (m.x1 - m.x0) * vr.range(0.05, 0.2);
        for (let i = 0; i < 3; i++) drawHouse(ctx, vr, cx + (i - 1) * 22 * u + vr.range(-4, 4) * u, m.baseY - vr.range(0, 6) * u, 18 * u, u);
        drawn.push('village');
      }
    });
  }

  if (has.has('cloud') || has.has('mist') || has.has('rain')) {
    layers.push(() => {
      const r = root.fork('clouds');
      const bands = 2 + Math.min(3, count('cloud') + count('mist'));
      for (let i = 0; i < bands; i++) {
        const m = has.has('mountain') ? massif[0] : farRanges[0];
        const y = m.baseY - m.height * r.range(0.25, 0.65);
        mistBand(ctx, r, r.range(-0.2, 0.6) * W, y, W * r.range(0.35, 0.7), H * r.range(0.025, 0.05), 0.92, u);
      }
      drawn.push('clouds');
    });
  }

  if (watery) {
    layers.push(() => {
      const r = root.fork('water');
      const top = horizon + H * 0.04;
      const bottom = near.ridge(W / 2 - nearSide * W * 0.1);
      const g = ctx.createLinearGradient(0, horizon, 0, H);
      g.addColorStop(0, rgba(PALETTE.indigo, 0));
      g.addColorStop(0.12, rgba(PALETTE.indigo, 0.045));
      g.addColorStop(0.45, rgba(PALETTE.indigo, 0.0));
      ctx.fillStyle = g;
      ctx.fillRect(0, horizon, W, H - horizon);
      const lines = 26 + 10 * Math.min(3, count('water'));
      for (let i = 0; i < lines; i++) {
        const y = top + Math.pow(r.next(), 1.3) * (Math.max(bottom, top + H * 0.1) - top + H * 0.1);
        const x = r.range(0, W);
        const w = r.range(10, 45) * u * (1 + (y - top) / H * 2);
        const depth = (y - top) / (H - top);
        hairLine(ctx, x - w / 2, y, x + w / 2, y, r.range(-1, 1) * u, (0.6 + depth) * u, rgba(mix(PALETTE.ink, PALETTE.indigo, 0.5), 0.1 + 0.22 * depth));
      }
      const isletTone = mix(PALETTE.ink, PALETTE.indigo, 0.3);
      drawMountain(ctx, r, islet, { u, tone: isletTone, alpha: 0.45, texture: 0.8, dots: true });
      for (let i = 0; i < 6; i++) {
        const x = r.range(islet.x0, islet.x1);
        const w = r.range(20, 60) * u;
        hairLine(ctx, x - w, islet.baseY + r.range(2, 8) * u, x + w, islet.baseY + r.range(2, 8) * u, 0, 0.8 * u, rgba(isletTone, 0.25));
      }
      drawn.push('water');
    });
  }

  layers.push(() => {
    const r = root.fork('near-draw');
    drawMountain(ctx, r, near, { u, tone: PALETTE.ink, alpha: 0.6, texture: 1.8, solid: true, snow: snowy, tint: autumn ? PALETTE.ochre : null });
    drawMountain(ctx, r, shoal, { u, tone: mix(PALETTE.ink, PALETTE.indigo, 0.2), alpha: 0.5, texture: 1.5, solid: true, snow: snowy });
    if (has.has('rock')) {
      for (let i = 0; i < 2; i++) {
        const x = W / 2 - nearSide * W * r.range(0.0, 0.15);
        const rock = planMountain(r, { cx: x, baseY: near.ridge(x) + H * 0.03, width: W * r.range(0.06, 0.1), height: H * r.range(0.03, 0.05), peaks: 2, sharp: 2 });
        drawMountain(ctx, r, rock, { u, tone: PALETTE.ink, alpha: 0.6, texture: 2 });
      }
      drawn.push('rocks');
    }
    drawn.push('near-bank');
  });

  // Vegetation on the near bank, from the outer edge inward.
  layers.push(() => {
    const r = root.fork('trees');
    // Trees gather around the bank's crest (its highest visible point).
    let crest = W / 2;
    for (let x = W * 0.08; x <= W * 0.92; x += W / 100) if (near.ridge(x) < near.ridge(crest)) crest = x;
    const inward = -nearSide;
    const usable = W * 0.45;
    /** @param {number} f position: 0 = a little outside the crest, 1 = far inward toward the water */
    const spot = (f) => {
      const shift = has.has('pavilion') ? 0.32 : 0.15; // leave the inner bank to the pavilion
      const x = Math.max(W * 0.06, Math.min(W * 0.94, crest + inward * usable * (f - shift)));
      return /** @type {Point} */ ([x, groundY(x) + 3 * u]);
    };
    /** @type {Array<(x: number, y: number) => void>} */
    const trees = [];
    const hTree = Math.min(W, H) * 0.4;
    if (has.has('pine')) for (let i = 0; i < Math.min(3, count('pine') + 1); i++) trees.push((x, y) => drawPine(ctx, r, x, y, hTree * r.range(0.8, 1.15), u, lean));
    if (has.has('willow')) for (let i = 0; i < Math.min(2, count('willow')); i++) trees.push((x, y) => drawWillow(ctx, r, x, y, hTree * r.range(0.8, 1), u, lean));
    if (has.has('tree') || autumn) for (let i = 0; i < 2; i++) trees.push((x, y) => drawLeafTree(ctx, r, x, y, hTree * r.range(0.6, 0.9), u, lean, { autumn }));
    if (trees.length === 0) {
      trees.push((x, y) => drawLeafTree(ctx, r, x, y, hTree * 0.75, u, lean, { bare: snowy || !spring, blossom: has.has('blossom') }));
      trees.push((x, y) => drawLeafTree(ctx, r, x, y, hTree * 0.55, u, lean, { bare: snowy, autumn, blossom: has.has('blossom') }));
      drawn.push('default-trees');
    }
    trees.forEach((draw, i) => {
      const [x, y] = spot(0.08 + (i / Math.max(1, trees.length)) * 0.3 + r.range(-0.03, 0.03));
      draw(x, y);
    });
    if (has.has('bamboo')) {
      const [x, y] = spot(0.02);
      drawBamboo(ctx, r, x, y + 6 * u, H * 0.42, u, lean);
      drawn.push('bamboo');
    }
    if (has.has('grass')) {
      for (let i = 0; i < 14; i++) {
        const [x, y] = spot(r.range(0, 0.95));
        const blades = r.int(4, 8);
        for (let b = 0; b < blades; b++) {
          const a = -Math.PI / 2 + r.range(-0.6, 0.6) + lean;
          const len = r.range(6, 16) * u;
          hairLine(ctx, x, y, x + Math.cos(a) * len, y + Math.sin(a) * len, r.range(-2, 2) * u, r.range(0.8, 1.4) * u, rgba(mix(PALETTE.ink, PALETTE.green, 0.35), 0.65));
        }
      }
      drawn.push('grass');
    }
    if (has.has('pine') || has.has('willow') || has.has('tree') || autumn) drawn.push('trees');
  });

  if (has.has('pavilion') || has.has('bridge') || has.has('figure')) {
    layers.push(() => {
      const r = root.fork('structures');
      const inner = nearSide > 0 ? near.x0 : near.x1;
      let crest = W / 2;
      for (let xx = W * 0.08; xx <= W * 0.92; xx += W / 100) if (groundY(xx) < groundY(crest)) crest = xx;
      // The pavilion stands on the bank between its crest and the water, where the ground is high enough.
      let x = crest;
      for (let k = 1; k <= 30; k++) {
        const xx = crest - nearSide * W * 0.01 * k;
        if (xx < W * 0.08 || xx > W * 0.92 || groundY(xx) > H * 0.93) break;
        x = xx;
      }
      x = crest + (x - crest) * 0.8;
      const y = groundY(x) + 2 * u;
      if (has.has('pavilion')) {
        drawPavilion(ctx, r, x, y, 70 * u, u, count('pavilion') > 1);
        drawn.push('pavilion');
      }
      if (has.has('bridge')) {
        const bx = inner + nearSide * (near.x1 - near.x0) * 0.02;
        const by = Math.min(groundY(bx) + 12 * u, H * 0.95);
        const len = W * 0.12 * -nearSide;
        ctx.strokeStyle = rgba(PALETTE.ink, 0.8);
        ctx.lineWidth = 2 * u;
        ctx.beginPath();
        ctx.moveTo(bx, by);
        ctx.quadraticCurveTo(bx + len / 2, by - 28 * u, bx + len, by + 4 * u);
        ctx.stroke();
        ctx.lineWidth = 1.1 * u;
        ctx.beginPath();
        ctx.moveTo(bx, by - 6 * u);
        ctx.quadraticCurveTo(bx + len / 2, by - 34 * u, bx + len, by - 2 * u);
        ctx.stroke();
        drawn.push('bridge');
      }
      if (has.has('figure') && !has.has('boat')) {
        const fx = x + nearSide * (has.has('pavilion') ? 55 * u : 0);
        drawFigure(ctx, fx, groundY(fx) + 2 * u, 22 * u, u);
        drawn.push('figure');
      }
    });
  }

  if (has.has('boat')) {
    layers.push(() => {
      const r = root.fork('boat');
      const x = W * (0.5 - nearSide * r.range(0.05, 0.25));
      const y = horizon + (near.ridge(x) - horizon) * r.range(0.35, 0.6) + H * 0.03;
      drawBoat(ctx, r, x, Math.min(y, H * 0.9), 70 * u, u, { sail: r.chance(0.4), figure: true, dir: r.chance(0.5) ? 1 : -1 });
      drawn.push('boat');
    });
  }

  if (has.has('blossom')) {
    layers.push(() => {
      const r = root.fork('blossom');
      const fromLeft = side > 0;
      const x = fromLeft ? -4 * u : W + 4 * u;
      const y = H * r.range(0.1, 0.28);
      const clear = !reserve || (fromLeft ? reserve.x0 > W * 0.4 : reserve.x1 < W * 0.6) || reserve.y1 < y - H * 0.06;
      if (clear) {
        drawBranch(ctx, r, x, y, fromLeft ? 1 : -1, W * r.range(0.3, 0.42), u, 0);
        drawn.push('blossom-branch');
      }
    });
  }

  if (has.has('bird')) {
    layers.push(() => {
      const r = root.fork('birds');
      const n = Math.min(9, 2 + 2 * count('bird'));
      const at = placeInSky(r, 40 * u, 0.4);
      if (!at) return;
      const dir = r.chance(0.5) ? 1 : -1;
      for (let i = 0; i < n; i++) {
        const x = at[0] + dir * i * 16 * u + r.range(-5, 5) * u;
        const y = at[1] + i * 6 * u * (i % 2 ? 1 : 0.6) + r.range(-4, 4) * u;
        drawBird(ctx, r, x, y, r.range(9, 15) * u * (1 - i * 0.05), u);
      }
      drawn.push('birds');
    });
  }

  if (has.has('rain') || snowy) {
    layers.push(() => {
      const r = root.fork('weather');
      if (has.has('rain')) {
        const slant = 0.18 + lean * 0.5;
        ctx.fillStyle = rgba(PALETTE.indigo, 0.05);
        ctx.fillRect(0, 0, W, H);
        for (let i = 0; i < 260 * (W * H) / 1e6 / (u * u); i++) {
          const x = r.range(-0.1, 1.1) * W;
          const y = r.range(0, 1) * H;
          const len = r.range(14, 34) * u;
          hairLine(ctx, x, y, x + slant * len, y + len, 0, r.range(0.5, 0.9) * u, rgba(PALETTE.ink, r.range(0.06, 0.16)));
        }
        drawn.push('rain');
      }
      if (snowy) {
        for (let i = 0; i < 320 * (W * H) / 1e6 / (u * u); i++) {
          const x = r.range(0, W);
          const y = r.range(0, H);
          inkDot(ctx, r, x, y, r.range(0.8, 2.4) * u, PALETTE.paperLight, r.range(0.6, 0.95));
        }
        drawn.push('snowfall');
      }
    });
  }

  // Finish: paper grain over everything, a faint darkening at the edges.
  layers.push(() => {
    const tile = paperTile(root.fork('grain'), 256);
    const pattern = ctx.createPattern(tile, 'repeat');
    if (pattern) {
      ctx.fillStyle = pattern;
      ctx.fillRect(0, 0, W, H);
    }
    const g = ctx.createRadialGradient(W / 2, H / 2, Math.min(W, H) * 0.4, W / 2, H / 2, Math.hypot(W, H) * 0.55);
    g.addColorStop(0, rgba(PALETTE.ochre, 0));
    g.addColorStop(1, rgba(mix(PALETTE.ochre, PALETTE.ink, 0.4), 0.12));
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, W, H);
  });

  const progress = Math.max(0, Math.min(1, options.progress ?? 1));
  const n = Math.max(1, Math.ceil(progress * layers.length));
  ctx.save();
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  for (let i = 0; i < n; i++) {
    ctx.save();
    layers[i]();
    ctx.restore();
  }
  ctx.restore();
  return { motifs: motifs.map((m) => m.id), drawn, layers: n, moon: moonAt ? { x: moonAt[0], y: moonAt[1], r: moonR } : null };
}

/**
 * A painting that grows as a poem streams in. Repaints only when the set of
 * motifs changes, so calling setPoem for every character is cheap.
 */
export class InkPainting {
  /**
   * @param {HTMLCanvasElement | OffscreenCanvas} canvas
   * @param {{seed?: number, title?: string, reserve?: Box}} [options]
   */
  constructor(canvas, options = {}) {
    this.canvas = canvas;
    this.seed = options.seed ?? 0;
    this.title = options.title ?? '';
    this.reserve = options.reserve;
    this.poem = '';
    /** @type {string | null} */
    this.key = null;
    /** @type {PaintResult | null} */
    this.result = null;
  }

  /**
   * @param {string} poem the whole poem so far
   * @returns {PaintResult}
   */
  setPoem(poem) {
    this.poem = poem;
    return this.paint();
  }

  /** @param {number} seed */
  setSeed(seed) {
    this.seed = seed;
    return this.paint();
  }

  /** @param {string} title */
  setTitle(title) {
    this.title = title;
    return this.paint();
  }

  /** @returns {string[]} motifs of the current painting */
  get motifs() {
    return this.result ? this.result.motifs : [];
  }

  /** @returns {PaintResult} */
  paint() {
    const motifs = findMotifs(this.poem, this.title);
    const key = `${this.seed >>> 0}|${this.canvas.width}x${this.canvas.height}|${motifs.map((m) => `${m.id}:${m.count}`).join(',')}`;
    if (key === this.key && this.result) return this.result;
    this.key = key;
    this.result = paintPoem(this.canvas, { poem: this.poem, title: this.title, seed: this.seed, reserve: this.reserve });
    return this.result;
  }
}
