// Painter and poem card in headless Chromium: determinism, validity, motifs.
// Run: node --test tests/e2e/art.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';

import { startServer, launchChromium, canRunChromium } from './server.mjs';
import { requireOrSkip } from '../js/support/require.mjs';
import { retryTiming } from '../js/support/retry.mjs';

const skip = requireOrSkip(canRunChromium());

/** Mean luminance below this counts as ink, not paper (paper is ≈ 232). */
const INK_LUMINANCE = 180;
/** A painting with less ink than this is blank for our purposes. */
const MIN_INK_FRACTION = 0.005;

const JING_YE_SI = { title: '靜夜思', poem: '床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。' };
const JIANG_XUE = { title: '江雪', poem: '千山鳥飛絕，萬徑人蹤滅。\n孤舟蓑笠翁，獨釣寒江雪。' };

/** @type {{url: string, close: () => Promise<void>}} */
let server;
/** @type {{context: import('playwright-core').BrowserContext, close: () => Promise<void>}} */
let browser;
/** @type {import('playwright-core').Page} */
let page;
/** @type {string[]} */
const pageErrors = [];

before(async () => {
  if (skip) return;
  server = await startServer();
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('favicon') && !m.text().includes('404')) pageErrors.push(m.text());
  });
  await page.goto(`${server.url}/tests/e2e/pages/art-demo.html`);
  await page.waitForFunction(() => /** @type {any} */ (window).artDemo && document.getElementById('status')?.textContent?.includes('done'));
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * Independent PNG reader (zlib from Node): header, size, and decoded RGBA rows.
 * @param {Buffer} png
 */
function readPng(png) {
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  let pos = 8;
  /** @type {Buffer[]} */
  const idat = [];
  let width = 0;
  let height = 0;
  let colorType = 0;
  let sawEnd = false;
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    const crc = png.readUInt32BE(pos + 8 + len);
    if (typeof zlib.crc32 === 'function') assert.equal(zlib.crc32(png.subarray(pos + 4, pos + 8 + len)), crc, `${type} CRC`);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, 'bit depth 8');
      colorType = data[9];
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') sawEnd = true;
    pos += 12 + len;
  }
  assert.ok(sawEnd, 'IEND present');
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
  assert.ok(channels, `colour type ${colorType}`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  // Unfilter (PNG filters 0–4).
  const stride = width * channels;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = v & 255;
    }
  }
  return { width, height, channels, pixels };
}

/** @param {ReturnType<typeof readPng>} img */
function inkFraction(img) {
  let ink = 0;
  for (let i = 0; i < img.pixels.length; i += img.channels) {
    const lum = 0.299 * img.pixels[i] + 0.587 * img.pixels[i + 1] + 0.114 * img.pixels[i + 2];
    if (lum < INK_LUMINANCE) ink++;
  }
  return ink / (img.width * img.height);
}

/** @param {object} o */
const card = (o) => page.evaluate((x) => /** @type {any} */ (window).artDemo.card(x), o);
/** @param {object} o */
const paint = (o) => page.evaluate((x) => /** @type {any} */ (window).artDemo.paint(x), o);

test('card: same poem + seed ⇒ identical PNG bytes; valid PNG of 2400×3200, not blank', { skip }, async () => {
  const a = await card({ ...JING_YE_SI, seed: 42, sealText: '靜夜' });
  const b = await card({ ...JING_YE_SI, seed: 42, sealText: '靜夜' });
  assert.equal(a.width, 2400);
  assert.equal(a.height, 3200);
  assert.equal(a.png, b.png, 'same input, different bytes');
  const img = readPng(Buffer.from(a.png, 'base64'));
  assert.equal(img.width, 2400);
  assert.equal(img.height, 3200);
  const ink = inkFraction(img);
  assert.ok(ink > MIN_INK_FRACTION, `ink fraction ${ink}`);
  assert.ok(ink < 0.6, `ink fraction ${ink}: the card is mostly dark`);
  // The seal is red: some pixels are clearly vermilion.
  let red = 0;
  for (let i = 0; i < img.pixels.length; i += img.channels) {
    if (img.pixels[i] > 150 && img.pixels[i + 1] < 80 && img.pixels[i + 2] < 80) red++;
  }
  assert.ok(red > 2000, `red seal pixels: ${red}`);
});

test('card: a different seed gives a different card', { skip }, async () => {
  const a = await card({ ...JING_YE_SI, seed: 42 });
  const b = await card({ ...JING_YE_SI, seed: 43 });
  assert.notEqual(a.png, b.png);
});

test('painting: same poem + seed ⇒ same bytes; different seed or poem ⇒ different', { skip }, async () => {
  const a = await paint({ ...JIANG_XUE, seed: 1 });
  const b = await paint({ ...JIANG_XUE, seed: 1 });
  const c = await paint({ ...JIANG_XUE, seed: 2 });
  const d = await paint({ ...JING_YE_SI, seed: 1 });
  assert.equal(a.png, b.png);
  assert.notEqual(a.png, c.png);
  assert.notEqual(a.png, d.png);
  const img = readPng(Buffer.from(a.png, 'base64'));
  assert.deepEqual([img.width, img.height], [1024, 1024]);
  assert.ok(inkFraction(img) > MIN_INK_FRACTION);
});

test('painting: motifs follow the imagery (Simplified and Traditional)', { skip }, async () => {
  const moon = await paint({ poem: '床前明月光', seed: 5 });
  assert.ok(moon.motifs.includes('moon'));
  assert.ok(moon.drawn.includes('moon'));
  const snow = await paint({ ...JIANG_XUE, seed: 5 });
  for (const m of ['mountain', 'water', 'snow', 'bird', 'boat']) assert.ok(snow.motifs.includes(m), m);
  for (const d of ['boat', 'birds', 'snowfall']) assert.ok(snow.drawn.includes(d), d);
  const simplified = await paint({ poem: '两个黄鹂鸣翠柳，一行白鹭上青天。窗含西岭千秋雪，门泊东吴万里船。', seed: 5 });
  for (const m of ['mountain', 'snow', 'bird', 'boat', 'willow']) assert.ok(simplified.motifs.includes(m), m);
  const none = await paint({ poem: '', seed: 5 });
  assert.deepEqual(none.motifs, []);
  assert.ok(none.inkFraction > 0, 'an empty poem still gets a quiet landscape');
  // 二月 is a month, not a moon.
  const month = await paint({ poem: '霜叶红于二月花', seed: 5 });
  assert.equal(month.motifs.includes('moon'), false);
});

test('painting: a moon poem leaves a bright disc where the moon is', { skip }, async () => {
  const withMoon = await paint({ poem: '明月松間照', seed: 9, width: 512, height: 512 });
  const without = await paint({ poem: '清泉石上流', seed: 9, width: 512, height: 512 });
  assert.ok(withMoon.drawn.includes('moon') && !without.drawn.includes('moon'));
  assert.equal(without.moon, null);
  const { x, y, r } = withMoon.moon;
  const img = readPng(Buffer.from(withMoon.png, 'base64'));
  /** Mean luminance over an annulus of radii [r0, r1) around the moon. */
  const ring = (r0, r1) => {
    let sum = 0;
    let n = 0;
    for (let py = Math.floor(y - r1); py <= y + r1; py++) {
      for (let px = Math.floor(x - r1); px <= x + r1; px++) {
        const d = Math.hypot(px - x, py - y);
        if (d < r0 || d >= r1 || px < 0 || py < 0 || px >= img.width || py >= img.height) continue;
        const i = (py * img.width + px) * img.channels;
        sum += 0.299 * img.pixels[i] + 0.587 * img.pixels[i + 1] + 0.114 * img.pixels[i + 2];
        n++;
      }
    }
    return sum / n;
  };
  const disc = ring(0, r * 0.8);
  const sky = ring(r * 3.5, r * 4.5);
  assert.ok(disc > sky + 4, `moon disc ${disc.toFixed(1)} is not brighter than the sky around it ${sky.toFixed(1)}`);
});

test('painting grows as lines arrive: motifs accumulate, earlier ones stay', { skip }, async () => {
  const steps = await page.evaluate((poem) => /** @type {any} */ (window).artDemo.grow({ poem, seed: 3 }), '千山鳥飛絕\n萬徑人蹤滅\n孤舟蓑笠翁\n獨釣寒江雪');
  assert.equal(steps.length, 4);
  for (let i = 1; i < steps.length; i++) for (const m of steps[i - 1]) assert.ok(steps[i].includes(m), `${m} vanished at line ${i}`);
  assert.ok(steps[0].includes('mountain') && steps[0].includes('bird'));
  assert.ok(steps[3].includes('snow') && steps[3].includes('water'));
});

test('painting: progress draws a prefix of the layers', { skip }, async () => {
  const full = await paint({ ...JIANG_XUE, seed: 4, width: 400, height: 400 });
  const part = await paint({ ...JIANG_XUE, seed: 4, width: 400, height: 400, progress: 0.3 });
  assert.ok(part.layers < full.layers, `${part.layers} vs ${full.layers}`);
  assert.notEqual(part.png, full.png);
  assert.ok(part.inkFraction <= full.inkFraction);
});

test('painting: a 1024 px painting finishes (time reported, not asserted tightly: the machine is shared)', { skip }, async () => {
  const r = await retryTiming(
    () => paint({ title: '山居秋暝', poem: '空山新雨後，天氣晚來秋。\n明月松間照，清泉石上流。\n竹喧歸浣女，蓮動下漁舟。\n隨意春芳歇，王孫自可留。', seed: 7 }),
    (r) => assert.ok(r.ms < 30000, `${r.ms} ms`),
  );
  console.log(`# paint 1024px: ${r.ms.toFixed(0)} ms`);
});

test("painting in the background: the worker's picture is paintPoem's, byte for byte; piled-up requests are coalesced to the newest", { skip }, async () => {
  const poem = '空山新雨後，天氣晚來秋。\n明月松間照，清泉石上流。\n竹喧歸浣女，蓮動下漁舟。\n隨意春芳歇，王孫自可留。';
  const r = await page.evaluate((poem) => /** @type {any} */ (window).artDemo.background({ poem, title: '山居秋暝', seed: 11 }), poem);
  assert.ok(r.usedWorker && r.workerLeft, 'the painting was not made in the worker');
  assert.equal(r.pendingAfterFeeding, 'pending');
  // Four lines fed at once: the first is sent, the middle two are replaced by the newest.
  assert.equal(r.sent, 2, `${r.sent} requests sent to the worker`);
  assert.equal(r.differing, 0, `${r.differing} of ${r.bytes} bytes differ from paintPoem on the page (OffscreenCanvas)`);
  console.log(`# against a <canvas> on the page: ${r.differingFromCanvas} of ${r.bytes} bytes differ (Chromium's two rasterizers)`);
  assert.ok(r.inkFraction > MIN_INK_FRACTION, 'blank painting');
});

test('painting in the background: a picture of the poem before a reset, arriving late, is not drawn', { skip }, async () => {
  const r = await page.evaluate(
    () => /** @type {any} */ (window).artDemo.background({
      before: { poem: '床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。', seed: 2 },
      poem: '千山鳥飛絕，萬徑人蹤滅。', title: '江雪', seed: 9,
    }),
  );
  assert.ok(r.usedWorker && r.workerLeft);
  assert.equal(r.sent, 2, 'the earlier poem in flight, the new one after it');
  assert.equal(r.drawn, 1, `${r.drawn} pictures drawn: the earlier poem's was drawn too`);
  assert.equal(r.differing, 0, `${r.differing} of ${r.bytes} bytes differ from paintPoem of the new poem`);
});

test('painting in the background: a worker that fails leaves the painting to the page, same picture', { skip }, async () => {
  const before = pageErrors.length;
  const r = await page.evaluate(
    () => /** @type {any} */ (window).artDemo.background({ poem: '千山鳥飛絕，萬徑人蹤滅。\n孤舟蓑笠翁，獨釣寒江雪。', title: '江雪', seed: 5, workerUrl: './no-such-worker.js' }),
  );
  assert.ok(r.usedWorker && !r.workerLeft, 'the broken worker was not given up');
  assert.equal(r.differing, 0, `${r.differing} of ${r.bytes} bytes differ from paintPoem on the page`);
  assert.ok(r.inkFraction > MIN_INK_FRACTION, 'blank painting');
  pageErrors.length = before;  // the missing worker's 404 is this test's doing
});

test('no script errors or CSP violations on the page', { skip }, () => {
  assert.deepEqual(pageErrors, []);
});
