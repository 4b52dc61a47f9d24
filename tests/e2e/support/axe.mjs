// axe-core (node_modules/axe-core, 4.10.3) run inside a page, for the e2e accessibility checks.
// Shared by the playground and classroom suites:
//
//   import { runAxe, seriousViolations, formatViolations } from './support/axe.mjs';
//   const violations = seriousViolations(await runAxe(page));
//   assert.deepEqual(violations, [], formatViolations(violations));
//
// axe is evaluated through the DevTools protocol (page.evaluate), not added as a <script>: the
// site's Content-Security-Policy allows no inline script, and evaluation is not subject to it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const AXE_PATH = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');

/** The impacts that fail a test. */
export const FAILING_IMPACTS = ['serious', 'critical'];

/** @type {string | null} */
let source = null;

/**
 * @typedef {object} AxeViolation
 * @property {string} id
 * @property {string | null} impact
 * @property {string} help
 * @property {{target: string[], html: string, failureSummary: string}[]} nodes
 */

/**
 * Waits until the page shows what a user would see: a frame is drawn and every CSS transition
 * that it started has ended. Without this axe can measure a colour mid-transition: a button
 * enabled a moment ago still at its disabled opacity (0.42 → 1 over 120 ms), which happens when
 * the main thread was busy (painting the picture) as the button changed, so that the
 * transition only started when axe read the style.
 * @param {import('playwright-core').Page} page
 */
export async function settle(page) {
  await page.evaluate(async () => {
    // Two frames (a page in the background draws none: then a quarter second).
    const frame = () => new Promise((resolve) => {
      requestAnimationFrame(resolve);
      setTimeout(resolve, 250);
    });
    await frame();
    await frame();
    const transitions = document.getAnimations().filter((a) => a instanceof CSSTransition);
    await Promise.all(transitions.map((a) => a.finished.catch(() => undefined)));
  });
}

/**
 * Runs axe on the page (or on `include`, a CSS selector) and returns every violation.
 * @param {import('playwright-core').Page} page
 * @param {{include?: string, exclude?: string[], rules?: Record<string, {enabled: boolean}>}} [options]
 * @returns {Promise<AxeViolation[]>}
 */
export async function runAxe(page, options = {}) {
  if (source === null) {
    if (!fs.existsSync(AXE_PATH)) throw new Error(`axe-core is missing: ${AXE_PATH} (run npm install)`);
    source = fs.readFileSync(AXE_PATH, 'utf8');
  }
  await settle(page);
  const loaded = await page.evaluate(() => typeof (/** @type {any} */ (window).axe) === 'object');
  if (!loaded) await page.evaluate(source);
  return page.evaluate(async (o) => {
    const axe = /** @type {any} */ (window).axe;
    /** @type {any} */
    const context = {};
    if (o.include) context.include = [o.include];
    if (o.exclude && o.exclude.length) context.exclude = o.exclude.map((s) => [s]);
    const result = await axe.run(Object.keys(context).length ? context : document, {
      resultTypes: ['violations'],
      rules: o.rules || {},
    });
    return result.violations.map((/** @type {any} */ v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((/** @type {any} */ n) => ({
        target: n.target.map(String),
        html: n.html,
        failureSummary: n.failureSummary || '',
      })),
    }));
  }, options);
}

/**
 * The violations whose impact is serious or critical.
 * @param {AxeViolation[]} violations
 */
export function seriousViolations(violations) {
  return violations.filter((v) => FAILING_IMPACTS.includes(v.impact ?? ''));
}

/**
 * A readable report: one block per rule, one line per element.
 * @param {AxeViolation[]} violations
 * @param {string} [what]  the page state checked (e.g. 'playground, dark, en')
 */
export function formatViolations(violations, what = '') {
  const lines = [];
  if (what) lines.push(`axe: ${what}`);
  for (const v of violations) {
    lines.push(`${v.id} (${v.impact}): ${v.help} — ${v.nodes.length} element(s)`);
    for (const n of v.nodes) {
      lines.push(`  ${n.target.join(' ')}  ${n.html.slice(0, 120)}`);
      const summary = n.failureSummary.split('\n').slice(1, 2).join(' ').trim();
      if (summary) lines.push(`    ${summary.slice(0, 200)}`);
    }
  }
  return lines.join('\n');
}
