// How long site/art takes to paint, in CPU time of the headless Chromium
// processes (independent of other load on the machine) and in wall time.
// Each paint ends with a 1-pixel readback, which forces the canvas to
// rasterize everything it recorded (without it you time only the recording).
//   node tools/screenshot/paint-timing.mjs
import fs from 'node:fs';
import { STRICT_CSP, startServer } from '../lib/static-server.mjs';
import { launchChromium } from '../lib/chromium.mjs';
const cpu = () => {
  let total = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('chromium') || !cmd.includes('inkstone-e2e')) continue;
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      total += Number(f[11]) + Number(f[12]);
    } catch {}
  }
  return total * 10; // ms at 100 Hz
};
const server = await startServer({ csp: STRICT_CSP }); const b = await launchChromium();
const page = await b.context.newPage();
await page.goto(server.url + '/tests/e2e/pages/art-demo.html'); await page.waitForFunction(() => window.artDemo);
await page.evaluate(async () => { window.pp = (await import('/site/art/ink-painter.js')).paintPoem; });
for (const [i, size] of [[0, 1024], [1, 1024], [2, 1024], [4, 1024], [0, 2400]]) {
  const reps = 5;
  const c0 = cpu();
  const wall = await page.evaluate(({ i, size, reps }) => {
    const s = window.artDemo.SAMPLES[i];
    const t0 = performance.now();
    for (let k = 0; k < reps; k++) { const c = document.createElement('canvas'); c.width = size; c.height = size === 2400 ? 3200 : size; window.pp(c, { ...s, seed: 7 }); c.getContext('2d').getImageData(0, 0, 1, 1); }
    return (performance.now() - t0) / reps;
  }, { i, size, reps });
  console.log(`sample ${i} ${size}px: cpu ${Math.round((cpu() - c0) / reps)} ms/paint, wall ${Math.round(wall)} ms/paint`);
}
await b.close(); await server.close();
