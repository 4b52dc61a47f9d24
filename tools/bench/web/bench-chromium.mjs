// Load time and first-token latency in headless Chromium through the public client, with and
// without COOP/COEP (plain and threaded builds). Printed, not asserted.
//   node tools/bench/web/bench-chromium.mjs [/path/in/repo/model.gguf] [--tokens N]
import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const args = process.argv.slice(2);
const model = args.find((a) => a.endsWith('.gguf')) || '/assets/models/inkstone-poetry-q8_0.gguf';
const tokensArg = args.indexOf('--tokens');
const nTokens = tokensArg >= 0 ? Number(args[tokensArg + 1]) : 64;
const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

function serve(isolated) {
  const server = http.createServer((req, res) => {
    const file = path.normalize(path.join(ROOT, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (!file.startsWith(ROOT + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const headers = { 'content-type': MIME[path.extname(file)] || 'application/octet-stream' };
    if (isolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const { chromium } = await import('playwright-core');
const profile = await fsp.mkdtemp(path.join(os.tmpdir(), 'inkstone-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.INK_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  console.log(`model ${model}, chromium ${context.browser() ? context.browser().version() : ''}`);
  for (const { isolated, threads } of [{ isolated: false }, { isolated: true }, { isolated: true, threads: 2 }]) {
    const server = await serve(isolated);
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/tools/bench/web/bench.html?model=${encodeURIComponent(model)}&tokens=${nTokens}${threads ? `&threads=${threads}` : ''}`);
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
    server.close();
  }
} finally {
  await context.close();
  await fsp.rm(profile, { recursive: true, force: true });
}
