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

import { Rng } from './prng.js';
import { findMotifs } from './motifs.js';
import { PALETTE, rgba, mix, makeCanvas, paperTile, tracePolygon, inkDot, hairLine } from './brush.js';
import { planMountain, planMountainAvoiding, topOver, drawMountain, drawFarRange, mistBand } from './mountains.js';
import { drawPine, drawWillow, drawLeafTree, drawBranch, drawBamboo, drawPavilion, drawBoat, drawFigure, drawHouse, drawBird } from './things.js';

/** @typedef {import('./brush.js').Ctx} Ctx */
/** @typedef {import('./brush.js').Point} Point */
/** @typedef {import('./motifs.js').MotifId} MotifId */
/** @typedef {import('./mountains.js').Mountain} Mountain */

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


// ---------------------------------------------------------------------------
// The painting

/**
 * Draws broad, smooth washes at 1/8 scale and lays them on scaled up:
 * full-size gradients get a per-pixel dither that makes PNGs several
 * times larger, and at this softness the two look the same.
 * @param {Ctx} ctx
 * @param {number} W
 * @param {number} H
 * @param {(p: Ctx) => void} draw draws in full-size coordinates
 */
function drawSmooth(ctx, W, H, draw) {
  const k = 8;
  const small = makeCanvas(Math.ceil(W / k), Math.ceil(H / k));
  const p = /** @type {Ctx} */ (small.getContext('2d'));
  p.scale(1 / k, 1 / k);
  draw(p);
  ctx.save();
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'low';
  ctx.drawImage(small, 0, 0, W, H);
  ctx.restore();
}

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
    // The paper's tone (uneven sizing, darker edges) is painted small and
    // scaled up: smooth, and free of the per-pixel dither that full-size
    // gradients get, which would make a card's PNG several times larger.
    drawSmooth(ctx, W, H, (p) => {
    p.fillStyle = rgba(PALETTE.paper, 1);
    p.fillRect(0, 0, W, H);
    for (let i = 0; i < 14; i++) {
      const x = paper.range(0, W);
      const y = paper.range(0, H);
      const r = paper.range(0.1, 0.35) * Math.max(W, H);
      const g = p.createRadialGradient(x, y, 0, x, y, r);
      const c = paper.chance(0.5) ? PALETTE.paperLight : mix(PALETTE.paper, PALETTE.ochre, 0.35);
      g.addColorStop(0, rgba(c, 0.12));
      g.addColorStop(1, rgba(c, 0));
      p.fillStyle = g;
      p.fillRect(0, 0, W, H);
    }
    const g = p.createRadialGradient(W / 2, H / 2, Math.min(W, H) * 0.4, W / 2, H / 2, Math.hypot(W, H) * 0.55);
    g.addColorStop(0, rgba(PALETTE.ochre, 0));
    g.addColorStop(1, rgba(mix(PALETTE.ochre, PALETTE.ink, 0.4), 0.12));
    p.fillStyle = g;
    p.fillRect(0, 0, W, H);
    });
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
      const wash = tone;
      drawSmooth(ctx, W, H, (p) => {
        const g = p.createLinearGradient(0, 0, 0, H);
        const hz = horizon / H;
        g.addColorStop(0, rgba(wash, top));
        g.addColorStop(hz * 0.6, rgba(wash, (top + bottom) / 2));
        g.addColorStop(hz, rgba(wash, bottom));
        g.addColorStop(Math.min(1, hz + 0.12), rgba(wash, bottom * 0.3));
        g.addColorStop(1, rgba(wash, bottom * 0.6));
        p.fillStyle = g;
        p.fillRect(0, 0, W, H);
      });
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
        drawSmooth(ctx, W, H, (p) => {
          p.filter = `blur(${(5 * u / 8).toFixed(2)}px)`;
          const g = p.createLinearGradient(0, axis, 0, axis + m.height * 0.45);
          g.addColorStop(0, rgba(PALETTE.indigo, 0));
          g.addColorStop(0.2, rgba(PALETTE.indigo, 0.11));
          g.addColorStop(1, rgba(PALETTE.indigo, 0));
          p.fillStyle = g;
          tracePolygon(p, flipped);
          p.fill();
        });
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
        for (let i = 0; i < 3; i++) drawHouse(ctx, cx + (i - 1) * 22 * u + vr.range(-4, 4) * u, m.baseY - vr.range(0, 6) * u, 18 * u, u);
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
      let crest = W / 2;
      for (let xx = W * 0.08; xx <= W * 0.92; xx += W / 100) if (groundY(xx) < groundY(crest)) crest = xx;
      // The pavilion stands on the bank between its crest and the water, where the ground is high enough.
      let x = crest;
      for (let k = 1; k <= 30; k++) {
        const xx = crest - nearSide * W * 0.01 * k;
        if (xx < W * 0.08 || xx > W * 0.92 || groundY(xx) > H * 0.93) break;
        x = xx;
      }
      const edgeX = x;
      x = crest + (x - crest) * 0.8;
      const y = groundY(x) + 2 * u;
      if (has.has('pavilion')) {
        drawPavilion(ctx, x, y, 70 * u, u, count('pavilion') > 1);
        drawn.push('pavilion');
      }
      if (has.has('bridge')) {
        // From the bank's inner edge out over the water.
        const bx = edgeX;
        const by = Math.min(groundY(bx) + 6 * u, H * 0.95);
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

  // Finish: paper grain over everything.
  layers.push(() => {
    const tile = paperTile(root.fork('grain'), 256);
    const pattern = ctx.createPattern(tile, 'repeat');
    if (pattern) {
      ctx.fillStyle = pattern;
      ctx.fillRect(0, 0, W, H);
    }
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
 * What a painting depends on: the seed, the canvas size, the title and the motifs the poem
 * names (and how often). Two poems with the same key paint the same pixels, so a painting that
 * grows with the poem repaints only when its key changes.
 * @param {{width: number, height: number}} canvas
 * @param {number} seed
 * @param {string} title
 * @param {string} poem
 */
export function paintingKey(canvas, seed, title, poem) {
  const motifs = findMotifs(poem, title);
  return `${seed >>> 0}|${canvas.width}x${canvas.height}|${title}|${motifs.map((m) => `${m.id}:${m.count}`).join(',')}`;
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

  /**
   * Starts a new painting (new seed and/or title, poem so far) with one repaint.
   * @param {{seed?: number, title?: string, poem?: string}} next
   * @returns {PaintResult}
   */
  reset(next) {
    if (next.seed !== undefined) this.seed = next.seed;
    if (next.title !== undefined) this.title = next.title;
    this.poem = next.poem ?? '';
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
    const key = paintingKey(this.canvas, this.seed, this.title, this.poem);
    if (key === this.key && this.result) return this.result;
    this.key = key;
    this.result = paintPoem(this.canvas, { poem: this.poem, title: this.title, seed: this.seed, reserve: this.reserve });
    return this.result;
  }
}
