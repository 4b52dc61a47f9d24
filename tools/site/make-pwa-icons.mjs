// Draws the PWA icons (an ink-stone with the glyph 砚 on paper colour) with a canvas in headless
// Chromium, and takes the manifest screenshots of the playground from a built site.
//   node tools/site/make-pwa-icons.mjs                 icons -> site/pwa/icons/
//   node tools/site/make-pwa-icons.mjs --screenshots <distDir>   -> site/pwa/screenshots/
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, STRICT_CSP, startServer } from '../lib/static-server.mjs';
import { launchChromium } from '../lib/chromium.mjs';

const args = process.argv.slice(2);
const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  if (args[0] === '--screenshots') {
    const server = await startServer({ root: path.resolve(args[1]), csp: STRICT_CSP });
    const out = path.join(ROOT, 'site/pwa/screenshots');
    for (const [name, width, height] of [['wide', 1280, 800], ['narrow', 540, 1080]]) {
      await page.setViewportSize({ width, height });
      await page.goto(`${server.url}/index.html`);
      await page.waitForTimeout(4000);
      await page.screenshot({ path: path.join(out, `${name}.png`) });
    }
    await server.close();
  } else {
    await page.setContent('<html><body></body></html>');
    const icons = await page.evaluate(async () => {
      await document.fonts.load('700 100px "Noto Serif CJK SC"', '砚');
      /** @param {number} size @param {boolean} maskable */
      const draw = (size, maskable) => {
        const c = document.createElement('canvas');
        c.width = c.height = size;
        const g = c.getContext('2d');
        const s = size / 512;
        // Paper: full bleed for maskable; a rounded tile otherwise.
        g.fillStyle = '#f4efe4';
        if (maskable) g.fillRect(0, 0, size, size);
        else {
          g.beginPath();
          g.roundRect(8 * s, 8 * s, 496 * s, 496 * s, 96 * s);
          g.fill();
        }
        // Content inside the maskable safe zone (a centred circle of 80% diameter).
        const k = maskable ? 0.78 : 1;
        g.save();
        g.translate(256 * s, 256 * s);
        g.scale(k, k);
        g.translate(-256 * s, -256 * s);
        // The ink-stone: a dark slab with a well of wet ink at the top.
        g.fillStyle = '#2b2620';
        g.beginPath();
        g.roundRect(96 * s, 70 * s, 320 * s, 380 * s, 60 * s);
        g.fill();
        g.fillStyle = '#3d362e';
        g.beginPath();
        g.ellipse(256 * s, 140 * s, 110 * s, 40 * s, 0, 0, Math.PI * 2);
        g.fill();
        g.fillStyle = '#14110e';
        g.beginPath();
        g.ellipse(256 * s, 140 * s, 90 * s, 28 * s, 0, 0, Math.PI * 2);
        g.fill();
        // The glyph, in paper colour, on the slab.
        g.fillStyle = '#f4efe4';
        g.font = `700 ${230 * s}px "Noto Serif CJK SC", serif`;
        g.textAlign = 'center';
        g.textBaseline = 'middle';
        g.fillText('砚', 256 * s, 318 * s);
        // A small vermilion seal.
        g.fillStyle = '#b33a2b';
        g.fillRect(360 * s, 392 * s, 44 * s, 44 * s);
        g.restore();
        return c.toDataURL('image/png');
      };
      return { 'icon-192.png': draw(192, false), 'icon-512.png': draw(512, false), 'maskable-512.png': draw(512, true) };
    });
    for (const [name, url] of Object.entries(icons)) {
      fs.writeFileSync(path.join(ROOT, 'site/pwa/icons', name), Buffer.from(url.split(',')[1], 'base64'));
    }
  }
} finally {
  await browser.close();
}
