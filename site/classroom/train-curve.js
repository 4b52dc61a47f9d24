// The Train panel's loss curve: training loss of every step and held-out loss where measured,
// as two SVG polylines over step (x) and loss (y, from the lowest to the highest value seen).

const SVG = 'http://www.w3.org/2000/svg';
const W = 320;
const H = 140;
const PAD = 28;

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 */
function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/**
 * @param {HTMLElement} host
 * @param {{step: number, loss: number}[]} train
 * @param {{step: number, loss: number}[]} held
 * @param {string} trainLabel
 * @param {string} heldLabel
 */
export function drawCurve(host, train, held, trainLabel, heldLabel) {
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'train-curve', role: 'img' });
  root.setAttribute('aria-label', `${trainLabel} / ${heldLabel}`);
  const all = [...train, ...held];
  if (all.length > 0) {
    const maxStep = Math.max(1, ...all.map((p) => p.step));
    let lo = Math.min(...all.map((p) => p.loss));
    let hi = Math.max(...all.map((p) => p.loss));
    if (hi - lo < 1e-6) hi = lo + 1;
    const x = (/** @type {number} */ s) => PAD + ((W - PAD - 4) * s) / maxStep;
    const y = (/** @type {number} */ l) => 4 + ((H - PAD - 4) * (hi - l)) / (hi - lo);
    root.append(svg('line', { x1: PAD, y1: H - PAD, x2: W - 4, y2: H - PAD, class: 'axis' }));
    root.append(svg('line', { x1: PAD, y1: 4, x2: PAD, y2: H - PAD, class: 'axis' }));
    for (const [v, yy] of [[hi, y(hi) + 8], [lo, y(lo)]]) {
      const label = svg('text', { x: 2, y: yy, class: 'tick' });
      label.textContent = v.toFixed(2);
      root.append(label);
    }
    const stepLabel = svg('text', { x: W - 4, y: H - PAD + 14, class: 'tick', 'text-anchor': 'end' });
    stepLabel.textContent = String(maxStep);
    root.append(stepLabel);
    // At most ~300 points per line: every k-th step.
    const thin = (/** @type {{step: number, loss: number}[]} */ pts) => {
      const k = Math.max(1, Math.ceil(pts.length / 300));
      return pts.filter((_, i) => i % k === 0 || i === pts.length - 1);
    };
    const line = (/** @type {{step: number, loss: number}[]} */ pts, /** @type {string} */ cls) =>
      svg('polyline', { points: thin(pts).map((p) => `${x(p.step).toFixed(1)},${y(p.loss).toFixed(1)}`).join(' '), class: cls, 'data-points': pts.length });
    root.append(line(train, 'train-line'));
    root.append(line(held, 'held-line'));
  }
  const legend = svg('text', { x: PAD + 6, y: H - 4, class: 'legend' });
  const a = svg('tspan', { class: 'train-key' });
  a.textContent = `— ${trainLabel}  `;
  const b = svg('tspan', { class: 'held-key' });
  b.textContent = `— ${heldLabel}`;
  legend.append(a, b);
  root.append(legend);
  host.replaceChildren(root);
}
