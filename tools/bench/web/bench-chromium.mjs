// Load time and first-token latency in headless Chromium through the public client, with and
// without COOP/COEP (plain and threaded builds). Printed, not asserted.
//   node tools/bench/web/bench-chromium.mjs [/path/in/repo/model.gguf] [--tokens N]
import { ROOT, startServer } from '../../lib/static-server.mjs';
import { launchChromium } from '../../lib/chromium.mjs';

const args = process.argv.slice(2);
const model = args.find((a) => a.endsWith('.gguf')) || '/assets/models/inkstone-poetry-q8_0.gguf';
const tokensArg = args.indexOf('--tokens');
const nTokens = tokensArg >= 0 ? Number(args[tokensArg + 1]) : 64;

const browser = await launchChromium({ profilePrefix: 'inkstone-bench-' });
const { context } = browser;
try {
  console.log(`model ${model}, chromium ${context.browser() ? context.browser().version() : ''}`);
  for (const { isolated, threads } of [{ isolated: false }, { isolated: true }, { isolated: true, threads: 2 }]) {
    const server = await startServer({ root: ROOT, isolated });
    const page = await context.newPage();
    await page.goto(`${server.url}/tools/bench/web/bench.html?model=${encodeURIComponent(model)}&tokens=${nTokens}${threads ? `&threads=${threads}` : ''}`);
    await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 300000 });
    const r = await page.evaluate(() => window.benchResult);
    if (r.error) {
      console.log(`isolated ${isolated}: ${r.error}`);
    } else {
      const med = (k) => [...r.rows.map((x) => x[k])].sort((a, b) => a - b)[Math.floor(r.rows.length / 2)];
      console.log(
        `${r.runtime.build.padEnd(12)} threads ${r.rows[0].nThreads}  kernels ${String(r.rows[0].kernels).padEnd(8)} worker+wasm start ${r.startMs.toFixed(0)} ms  ` +
          `load ${med('loadMs').toFixed(1)} ms  first token ${med('firstTokenMs').toFixed(1)} ms  decode ${med('tokensPerSecond').toFixed(0)} tok/s  (median of ${r.rows.length})`,
      );
    }
    await page.close();
    await server.close();
  }
} finally {
  await browser.close();
}
