import { startServer, launchChromium } from '../../tests/e2e/server.mjs';
const server = await startServer(); const b = await launchChromium();
const page = await b.context.newPage();
await page.goto(server.url + '/tests/e2e/pages/art-demo.html'); await page.waitForFunction(() => window.artDemo);
console.log(await page.evaluate(async () => {
  const { paintPoem } = await import('/site/art/ink-painter.js');
  const out = [];
  for (const s of window.artDemo.SAMPLES.slice(0, 3)) {
    const t = [];
    for (let i = 0; i < 3; i++) { const c = document.createElement('canvas'); c.width = c.height = 1024; const t0 = performance.now(); paintPoem(c, { ...s, seed: 7 }); c.getContext('2d').getImageData(0, 0, 1, 1); t.push(performance.now() - t0); }
    t.sort((a, b) => a - b);
    out.push(`${s.title}: min ${Math.round(t[0])} median ${Math.round(t[1])} ms`);
  }
  return out.join('\n');
}));
await b.close(); await server.close();
