// Trees, plants, buildings, boats, people and birds for the ink painter.
// Each takes its position and size in pixels and a Rng for its variation.

import { PALETTE, rgba, mix, brushStroke, dryStroke, inkDot, hairLine } from './brush.js';

/** @typedef {import('./brush.js').Ctx} Ctx */
/** @typedef {import('./brush.js').Point} Point */
/** @typedef {import('./prng.js').Rng} Rng */

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
export function drawPine(ctx, rng, x, y, h, u, lean) {
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
export function drawWillow(ctx, rng, x, y, h, u, lean) {
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
export function drawLeafTree(ctx, rng, x, y, h, u, lean, o) {
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
    const soft = ctx.createRadialGradient(tx, ty, 0, tx, ty, r);
    soft.addColorStop(0, rgba(o.autumn ? PALETTE.ochre : PALETTE.ink, 0.08));
    soft.addColorStop(1, rgba(o.autumn ? PALETTE.ochre : PALETTE.ink, 0));
    ctx.fillStyle = soft;
    ctx.beginPath();
    ctx.ellipse(tx, ty, r, r * 0.65, 0, 0, Math.PI * 2);
    ctx.fill();
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
export function drawBranch(ctx, rng, x, y, dir, len, u, depth = 0) {
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
export function drawBamboo(ctx, rng, x, y, h, u, lean) {
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
 * @param {number} x centre of the base
 * @param {number} y ground level
 * @param {number} s size (width of the roof)
 * @param {number} u
 * @param {boolean} tall two storeys
 */
export function drawPavilion(ctx, x, y, s, u, tall) {
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
export function drawBoat(ctx, rng, x, y, s, u, o) {
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
export function drawFigure(ctx, x, y, s, u) {
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
 * A cottage with a dark roof.
 * @param {Ctx} ctx
 * @param {number} x
 * @param {number} y
 * @param {number} s
 * @param {number} u
 */
export function drawHouse(ctx, x, y, s, u) {
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
}

/**
 * @param {Ctx} ctx
 * @param {Rng} rng
 * @param {number} x
 * @param {number} y
 * @param {number} s wingspan
 * @param {number} u
 */
export function drawBird(ctx, rng, x, y, s, u) {
  const lift = rng.range(0.15, 0.45);
  brushStroke(ctx, rng, [[x - s / 2, y - s * lift], [x - s * 0.2, y - s * 0.12], [x, y]], { width: 1.8 * u, color: PALETTE.ink, alpha: 0.8, start: 0.2, end: 0.6 });
  brushStroke(ctx, rng, [[x, y], [x + s * 0.2, y - s * 0.14], [x + s / 2, y - s * lift * 1.1]], { width: 1.8 * u, color: PALETTE.ink, alpha: 0.8, start: 0.6, end: 0.1 });
}
